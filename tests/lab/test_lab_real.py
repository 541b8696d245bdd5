"""Real labs, as root: the estate built in network namespaces, packets compared with the engine, nothing left behind."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.lab.control import up
from crossfence.lab.state import lab_dir
from crossfence.lab.status import status
from crossfence.lab.teardown import down
from crossfence.lab.verify import FlowResult, VerifyResult, probe_one, verify

from .conftest import EXAMPLE, VARIANTS

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("real_lab")]


def _run(*argv: str) -> str:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False).stdout


def lab_processes(name: str) -> list[str]:
    """Live processes that belong to lab `name` (by its interface and namespace prefixes, or its
    state folder in their command line)."""
    marks = (f"cf{name}-", f"cf-{name}-", f"/{name}/")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            words = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] == "Z":
            continue
        if any(mark in words for mark in marks) and "pytest" not in words:
            found.append(f"{entry.name} {words}")
    return found


def host() -> dict[str, str]:
    """The host's own network, namespaces, listening sockets and the lab's global folder."""
    wireguard = Path("/var/run/wireguard")
    return {
        "links": _run("ip", "-j", "link"),
        "addresses": _run("ip", "-j", "addr"),
        "routes": _run("ip", "-j", "route"),
        "routes6": _run("ip", "-j", "-6", "route"),
        "netns": _run("ip", "netns", "list"),
        "listening": _run("ss", "-Htuln"),
        "wireguard": " ".join(sorted(p.name for p in wireguard.iterdir()))
        if wireguard.exists()
        else "absent",
    }


def flow(result: VerifyResult, source: str, destination: str, port: str) -> FlowResult:
    return next(
        f
        for f in result.flows
        if (f.flow.source, f.flow.destination, f.flow.service) == (source, destination, port)
    )


def agree(result: VerifyResult) -> None:
    wrong = [
        f"{f.flow.key}: engine {f.engine_text()}, lab {f.lab_text()}" for f in result.disagreements
    ]
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "labs"


def test_a_small_estate_agrees_with_the_engine_and_leaves_nothing(small: Path, root: Path) -> None:
    before = host()
    try:
        up(small, "tsmall", root=root)
        report = status("tsmall", root=root)
        assert report["phase"] == "up" and all(p["alive"] for p in report["processes"])
        result = verify("tsmall", root=root)
        agree(result)
        assert flow(result, "web", "db", "tcp/5432").delivered
        assert not flow(result, "db", "web", "tcp/22").delivered
    finally:
        down("tsmall", root=root)
    assert host() == before
    assert lab_processes("tsmall") == []
    assert not lab_dir("tsmall", root).exists()


STATELESS = """
crossfence: 1
name: acl
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    managed_routing: true
    private_networks: [{name: apps, cidr: 172.16.0.0/24}, {name: data, cidr: 172.16.8.0/24}]
    acl:
      default_policy: drop
      rules:
        - {action: accept, protocol: tcp, source: 172.16.0.0/24, destination: 172.16.8.0/24, destination_ports: "5432"}
{answer}
workloads:
  - {name: app, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.10]}
  - {name: db, kind: vm, network: vpc, subnet: data, addresses: [172.16.8.10], ports: ["tcp/5432"]}
"""
ANSWER = '        - {action: accept, protocol: tcp, source: 172.16.8.0/24, source_ports: "5432", destination: 172.16.0.0/24}'


@pytest.mark.parametrize("answers", [True, False], ids=["with-the-answer-rule", "without"])
def test_a_stateless_acl_drops_the_replies_it_does_not_allow(
    tmp_path: Path, root: Path, answers: bool
) -> None:
    """Scaleway VPC ACLs are stateless ("This list is composed of stateless rules",
    https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/): without a rule
    for the database's answers, the connection fails, in the engine and with packets."""
    path = tmp_path / "acl.yaml"
    path.write_text(STATELESS.replace("{answer}", ANSWER if answers else ""))
    try:
        up(path, "tacl", root=root)
        result = probe_one("tacl", "app", "db", "tcp/5432", root=root)
        assert result.agree
        assert result.delivered is answers
        diagnosis = result.diagnosis
        assert diagnosis is not None
        (port, path), *_ = diagnosis.seen
        assert port == 5432 and path == ["cf-tacl-wl-app", "cf-tacl-net-vpc", "cf-tacl-wl-db"]
        assert diagnosis.last == "cf-tacl-wl-db"
        (port, back), *_ = diagnosis.replies
        if answers:
            assert back == ["cf-tacl-wl-db", "cf-tacl-net-vpc", "cf-tacl-wl-app"]
        else:
            # the query got to the database; its answer died at the router, by the ACL's default
            assert back == ["cf-tacl-wl-db", "cf-tacl-net-vpc"]
            assert any("cf-tacl-net-vpc" in d and "default (deny)" in d for d in diagnosis.drops)
    finally:
        down("tacl", root=root)


AWS_GCP = Path(__file__).resolve().parents[1] / "providers" / "aws" / "fixtures" / "aws-gcp"

# Scaleway without VPC routing: each Private Network's subnet route, and the VPN gateway's
# learned routes, apply to its own packets only.
ROUTING_OFF = """
crossfence: 1
name: two
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: hub
    cloud: gcp
    routing_mode: global
    delete_default_routes_on_create: true
    subnets: [{name: hub-a, cidr: 10.0.0.0/24, region: europe-west1}]
    firewall_rules:
      - {name: from-scaleway, direction: ingress, priority: 1000, action: allow,
         ports: ["tcp/8200"], source_ranges: ["172.16.0.0/22"]}
  - name: scw-vpc
    cloud: scw
    managed_routing: false
    private_networks: [{name: pn, cidr: 172.16.0.0/22}, {name: pn2, cidr: 172.16.8.0/24}]
vpn_gateways:
  - name: gcp-vpn
    cloud: gcp
    network: hub
    type: ha_vpn
    region: europe-west1
    interfaces: [{id: 0, ip: 34.157.0.1}]
  - name: scw-vpn
    cloud: scw
    network: scw-vpc
    private_network: pn
    type: scaleway_s2s
    asn: 12876
    route_propagation: true
    interfaces: [{id: 0, ip: 51.159.0.1}]
routers:
  - {name: router, cloud: gcp, network: hub, region: europe-west1, asn: 64514}
routing_policies:
  - name: policy
    cloud: scw
    prefix_filter_in: [10.0.0.0/24]
    prefix_filter_out: [172.16.0.0/22, 172.16.8.0/24]
vpn_tunnels:
  - name: t0
    local: {gateway: gcp-vpn, interface: 0}
    peer: {gateway: scw-vpn, interface: 0}
bgp_sessions:
  - name: b0
    tunnel: t0
    local: {speaker: router, address: 169.254.0.1/30}
    peer: {speaker: scw-vpn, address: 169.254.0.2/30, routing_policy: policy}
workloads:
  - {name: vault, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.0.10], ports: ["tcp/8200"]}
  - {name: app, kind: vm, network: scw-vpc, subnet: pn, addresses: [172.16.0.10], ports: ["tcp/443"]}
  - {name: app2, kind: vm, network: scw-vpc, subnet: pn2, addresses: [172.16.8.10], ports: ["tcp/443"]}
"""


def test_aws_route_tables_network_acls_and_route_propagation(root: Path) -> None:
    """An AWS VPC behind a virtual private gateway that speaks BGP with a GCP Cloud Router: the
    gateway's learned routes reach the route table that propagates them (app-a, data-a), not
    the main one (isolated-a); network ACLs are stateless both ways
    (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)."""
    try:
        up(AWS_GCP, "taws", root=root)
        result = verify("taws", root=root)
        agree(result)
        assert flow(result, "app", "vault", "tcp/8200").delivered
        assert not flow(result, "batch", "vault", "tcp/8200").delivered  # main table: local only
        redis = flow(result, "vault", "db", "tcp/6379")  # the ACL drops the answer
        assert redis.engine.disposition == "DENIED_ACL" and not redis.delivered
        propagated = _run("ip", "-n", "cf-taws-net-ops-vpc", "route", "show", "table", "1000")
        assert "10.0.0.0/24" in propagated and "proto bird" in propagated
        assert "10.0.0.0/24" not in _run("ip", "-n", "cf-taws-net-ops-vpc", "route", "show")
    finally:
        down("taws", root=root)


def test_a_scaleway_vpc_without_routing_keeps_its_private_networks_apart(
    tmp_path: Path, root: Path
) -> None:
    """ "When routing is activated, all Private Networks on the VPC can communicate"
    (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/); without it,
    they cannot, and the VPN gateway's routes serve its own Private Network only."""
    path = tmp_path / "off.yaml"
    path.write_text(ROUTING_OFF)
    try:
        up(path, "toff", root=root)
        result = verify("toff", root=root)
        agree(result)
        assert not flow(result, "app", "app2", "tcp/443").delivered
        assert flow(result, "vault", "app", "tcp/443").delivered
        assert not flow(result, "vault", "app2", "tcp/443").delivered
    finally:
        down("toff", root=root)


def bird_routes(name: str, root: Path, network: str) -> str:
    control = next(lab_dir(name, root).glob(f"bird-{name}-net-{network}.ctl"))
    return _run("birdc", "-s", str(control), "show", "route", "all")


def test_the_reference_example_agrees_on_every_flow(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SCENARIO.md's estate: up in under 60 s, every flow verified in under 120 s, BIRD's own
    routes; then one nftables rule flipped behind the engine's back is caught."""
    before = host()
    try:
        built = up(EXAMPLE, "tref", root=root)
        assert built.timings["total"] < 60
        assert set(built.bgp.values()) == {"Established"}
        # the hub advertises the spoke ranges (custom advertisement): Scaleway learns them from
        # AS 64514 over both tunnels
        learned = bird_routes("tref", root, "scw-vpc")
        for prefix in ("10.10.0.0/16", "10.12.0.0/16", "199.36.153.4/30", "35.199.192.0/19"):
            assert prefix in learned
        assert "BGP.as_path: 64514" in learned
        kernel = _run("ip", "-n", "cf-tref-net-scw-vpc", "route", "show", "10.12.0.0/16")
        assert kernel.count("nexthop via") == 2  # ECMP over both tunnels
        start = time.monotonic()
        result = verify("tref", root=root)
        assert time.monotonic() - start < 120
        agree(result)
        assert (
            flow(result, "frontend", "customer-api", "tcp/8443").lab_text()
            == "answered by customer-api"
        )
        # IAP: the engine allows it only with IAP's token; with the lab user's credential
        # public-lb adds the signed header and scw-edge verifies it, without one public-lb
        # refuses (tests/lab/test_lab_iap.py for the tokens the edge refuses)
        iap = flow(result, "internet", "customer-api", "tcp/8443")
        assert iap.engine.conditions and iap.engine_text() == "allowed with an IAP token"
        assert iap.lab_text() == (
            "answered by customer-api via public-lb; without a token: rejected (via public-lb)"
        )
        assert flow(result, "cloud-dns-forwarders", "scw-dns", "udp/53").delivered
        assert not flow(result, "internet", "scw-edge", "tcp/443").delivered
        assert not flow(result, "dev-tools", "customer-db", "tcp/5432").delivered
        # the mesh: frontend's sidecar reaches customer-api through kapsule-eu's east-west
        # gateway in mTLS; customer-api's sidecar authorizes GET and POST on /api/* only
        assert result.mesh
        assert flow(result, "frontend", "customer-api", "tcp/8443").flow.request == (
            "GET",
            "/api/orders",
        )
        root_path = probe_one(
            "tref", "frontend", "customer-api", "tcp/8443", root=root, request=("GET", "/")
        )
        assert root_path.agree and not root_path.delivered
        assert root_path.engine.disposition == "DENIED_MESH_AUTHORIZATION"
        # a rule the engine does not know about: the database's port dropped between Private Networks
        subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                "cf-tref-net-scw-vpc",
                "nft",
                "insert",
                "rule",
                "inet",
                "crossfence",
                "between_segments_f",
                "meta",
                "l4proto",
                "tcp",
                "th",
                "dport",
                "5432",
                "counter",
                "drop",
                "comment",
                '"flipped by the test"',
            ],
            check=True,
        )
        monkeypatch.setenv("CROSSFENCE_LAB_DIR", str(root))
        cli = CliRunner().invoke(
            app,
            ["lab", "verify", "--name", "tref", "--from", "customer-api", "--to", "customer-db"],
        )
        assert cli.exit_code == 1, cli.output
        text = " ".join(cli.output.split())
        assert "disagreement: customer-api → customer-db tcp/5432: engine allowed" in text
        assert "engine trace" in text and "APPLY_ACL" in text  # the engine's trace
        assert "dropped by cf-tref-net-scw-vpc: flipped by the test" in text  # the lab's
        assert "last namespace that saw it: cf-tref-net-scw-vpc" in text
        as_json = CliRunner().invoke(
            app,
            [
                "lab",
                "verify",
                "--name",
                "tref",
                "--from",
                "customer-api",
                "--to",
                "customer-db",
                "--format",
                "json",
            ],
        )
        assert as_json.exit_code == 1
    finally:
        down("tref", root=root)
    assert host() == before
    assert lab_processes("tref") == []


def _variant_checks(name: str, result: VerifyResult, root: Path, lab: str) -> None:
    """The flow each seeded mistake affects, as the engine answers it and the packets show it."""
    if name == "peering-no-export":
        assert not flow(result, "frontend", "customer-api", "tcp/8443").delivered
        routes = _run("ip", "-n", f"cf-{lab}-net-spoke-prod", "route")
        assert "172.16.0.0/22" not in routes  # the hub never exported its BGP routes
    elif name == "default-advertisement":
        assert (
            flow(result, "frontend", "customer-api", "tcp/8443").engine.disposition
            == "NO_RETURN_ROUTE"
        )
        assert not flow(result, "frontend", "customer-api", "tcp/8443").delivered
        learned = bird_routes(lab, root, "scw-vpc")
        assert "10.12.0.0/16" not in learned and "10.0.0.0/24" in learned
    elif name == "single-tunnel":
        assert flow(result, "frontend", "customer-api", "tcp/8443").delivered
        kernel = _run("ip", "-n", f"cf-{lab}-net-scw-vpc", "route", "show", "10.12.0.0/16")
        assert "nexthop" not in kernel and "via 169.254.0.1" in kernel  # one path only
    elif name == "edge-open":
        assert flow(result, "internet", "scw-edge", "tcp/443").delivered
        # the edge is open to the internet, but customer-api verifies IAP's header: a request
        # that bypasses public-lb is refused at the edge (tests/lab/test_lab_iap.py)
        from .test_lab_iap import _client, _send

        netns, _ = _client(lab, root)
        bypass = _send(netns, "51.15.0.10", 443, {})
        assert bypass.outcome == "rejected" and bypass.detail == "HTTP 401: Jwt is missing"
    elif name == "mtls-permissive":
        assert flow(result, "frontend", "customer-api", "tcp/8443").delivered
    elif name == "eastwest-blocked":
        answer = flow(result, "frontend", "customer-api", "tcp/8443")
        assert answer.engine.disposition == "DENIED_EGRESS" and not answer.delivered
    elif name == "vm-public-ip-open":
        # the VPC ACL drops customer-db's direct path to the pods, but its flexible IP takes it
        # out to the internet and back in through public-lb and scw-edge: the engine answers
        # allowed with IAP's token (the trace names the denied direct path) and the lab agrees
        around = flow(result, "customer-db", "customer-api", "tcp/8443")
        assert around.engine.allowed and around.delivered
        assert around.engine.hops[0].steps[0].action == "CHECK_DIRECT"


VARIANT_NAMES = [
    "peering-no-export",
    "default-advertisement",
    "single-tunnel",
    "edge-open",
    "mtls-permissive",
    "eastwest-blocked",
    "vm-public-ip-open",
]


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_each_variant_is_built_and_verified(name: str, root: Path) -> None:
    lab = f"tv{VARIANT_NAMES.index(name)}"
    try:
        up(VARIANTS / name, lab, root=root)
        result = verify(lab, root=root)
        agree(result)
        _variant_checks(name, result, root, lab)
    finally:
        down(lab, root=root)
    assert lab_processes(lab) == []


def test_twenty_cycles_leave_nothing_behind(two_clouds: Path, root: Path) -> None:
    """Namespaces, interfaces, addresses, routes, daemons, sockets, files: as before, 20 times."""
    before = host()
    for cycle in range(20):
        try:
            # the last cycle waits for BGP; the others stop the daemons as soon as they run
            built = up(two_clouds, "tcyc", root=root, wait=cycle == 19)
            if cycle == 19:
                assert set(built.bgp.values()) == {"Established"}
        finally:
            removed = down("tcyc", root=root)
        assert removed.found and not removed.problems
        assert not lab_dir("tcyc", root).exists()
    assert down("tcyc", root=root).found is False
    assert host() == before
    assert lab_processes("tcyc") == []


def test_the_cli_round_trip(small: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lab up`, `status`, `probe`, `verify`, `down` (twice) from the command line."""
    monkeypatch.setenv("CROSSFENCE_LAB_DIR", str(root))
    runner = CliRunner()
    try:
        built = runner.invoke(app, ["lab", "up", str(small), "--name", "tcli"])
        assert built.exit_code == 0, built.output
        assert "lab tcli is up" in built.output
        shown = runner.invoke(app, ["lab", "status", "--name", "tcli", "--format", "json"])
        report: dict[str, Any] = __import__("json").loads(shown.output)
        assert report["up"] and report["namespaces"]["present"] == 5
        probed = runner.invoke(
            app,
            ["lab", "probe", "--name", "tcli", "--from", "web", "--to", "db", "--port", "tcp/5432"],
        )
        assert probed.exit_code == 0 and "delivered" in probed.output
        # a port the firewall opens but nothing serves: the database's host resets the
        # connection, which says the packet got there and back
        unserved = runner.invoke(
            app,
            ["lab", "probe", "--name", "tcli", "--from", "web", "--to", "db", "--port", "tcp/5433"],
        )
        assert unserved.exit_code == 0, unserved.output
        assert " ".join(unserved.output.split()).startswith("delivered: web → db tcp/5433: refused")
        checked = runner.invoke(app, ["lab", "verify", "--name", "tcli"])
        assert checked.exit_code == 0, checked.output
        assert "16 flows: 16 agree, 0 disagree" in " ".join(checked.output.split())
    finally:
        first = runner.invoke(app, ["lab", "down", "--name", "tcli"])
        second = runner.invoke(app, ["lab", "down", "--name", "tcli"])
    assert "removed" in first.output and "nothing to remove" in second.output


MASQUERADE = """
clouds: [{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}]
networks:
  - name: vpc
    cloud: gcp
    subnets:
      - {name: nodes, cidr: 10.0.0.0/24, secondary_ranges: [{name: pods, cidr: 10.8.0.0/16}]}
      - {name: db, cidr: 10.1.0.0/24}
    firewall_rules:
      - {name: db-in, direction: ingress, ports: ["tcp/5432"], source_ranges: ["10.0.0.0/24"], target_tags: [db]}
clusters:
  - {name: gke, cloud: gcp, kind: gke, network: vpc, subnet: nodes, pod_range: pods, pods_masqueraded: {masq}}
workloads:
  - {name: app, kind: pods, cluster: gke, namespace: default, labels: {app: app}}
  - {name: db, kind: vm, network: vpc, subnet: db, addresses: [10.1.0.10], network_tags: [db], ports: [{port: 5432}]}
"""


@pytest.mark.parametrize("masq", [True, False], ids=["masqueraded", "pod-address"])
def test_masqueraded_pods_reach_what_admits_their_node(
    tmp_path: Path, root: Path, masq: bool
) -> None:
    """ "IP Masquerade ... hides the Pod IP address behind the cluster node's IP address"
    (https://kubernetes.io/docs/tasks/administer-cluster/ip-masq-agent/): the database's
    firewall admits the node range only, so only masqueraded pods reach it."""
    path = tmp_path / "masq.yaml"
    path.write_text(MASQUERADE.replace("{masq}", str(masq).lower()))
    try:
        up(path, "tmasq", root=root)
        result = verify("tmasq", root=root, sources=["app"])
        agree(result)
        assert flow(result, "app", "db", "tcp/5432").delivered is masq
    finally:
        down("tmasq", root=root)


def test_every_ruleset_and_bird_configuration_is_accepted(tmp_path: Path) -> None:
    """nftables and BIRD read what the lab writes for every blueprint the repository has (each
    ruleset checked by `nft -c` in a namespace of its own, `unshare -n`: nothing is applied)."""
    from crossfence import build_topology, load
    from crossfence.lab.planner import make_plan

    extra = {"masq.yaml": MASQUERADE.replace("{masq}", "true"), "off.yaml": ROUTING_OFF}
    for name, text in extra.items():
        (tmp_path / name).write_text(text)
    blueprints = [
        EXAMPLE,
        AWS_GCP,
        *(tmp_path / name for name in extra),
        *sorted(p for p in VARIANTS.iterdir() if p.is_dir()),
    ]
    for index, path in enumerate(blueprints):
        blueprint = load(path)
        plan = make_plan(blueprint, build_topology(blueprint), "tchk", tmp_path / str(index))
        for netns, text in plan.nft.items():
            checked = subprocess.run(
                ["unshare", "-n", "nft", "-c", "-f", "-"],
                input=text,
                capture_output=True,
                text=True,
            )
            assert checked.returncode == 0, f"{path.name} {netns}: {checked.stderr}"
        for bird in plan.birds:
            config = tmp_path / f"{index}-{bird.network}.conf"
            config.write_text(bird.config)
            parsed = subprocess.run(
                ["bird", "-p", "-c", str(config)], capture_output=True, text=True
            )
            assert parsed.returncode == 0, f"{path.name} {bird.network}: {parsed.stderr}"


def test_every_envoy_configuration_is_accepted(tmp_path: Path) -> None:
    """Envoy validates every sidecar, gateway, ingress and IAP configuration the lab writes
    (`--mode validate`, with the lab's certificates and IAP key made for it)."""
    from crossfence import build_topology, load
    from crossfence.lab.envoy import envoy_binary
    from crossfence.lab.iap import LabSigner, issue, jwt_config
    from crossfence.lab.pki import Pki
    from crossfence.lab.planner import make_plan
    from crossfence.lab.system import HostSystem

    envoy = envoy_binary()
    assert envoy is not None
    (tmp_path / "mesh").mkdir()
    for path in (EXAMPLE, VARIANTS / "mtls-permissive", mesh_estate(tmp_path / "mesh", "STRICT")):
        directory = tmp_path / path.name
        blueprint = load(path)
        plan = make_plan(blueprint, build_topology(blueprint), "tenv", directory, mesh=True)
        pki = Pki(HostSystem(), directory)
        pki.create()
        signer = LabSigner(HostSystem(), directory / "pki")
        signer.create()
        configs = []
        for spec in plan.envoys:
            if spec.identity is not None:
                pki.identity(spec.identity)
            configs.append((spec.netns, spec.config))
        for iap in plan.iap:
            assertion = issue(signer, iap, directory)
            text = jwt_config(iap, signer.jwks_path, directory / "admin", assertion)
            configs.append((f"{iap.netns}-{iap.role}", text))
        assert path.name != "eu-sovereign" or len(plan.iap) == 2
        for netns, text in configs:
            config = directory / f"{netns}.json"
            config.write_text(text)
            checked = subprocess.run(
                [envoy, "--mode", "validate", "-c", str(config), "--disable-hot-restart"],
                capture_output=True,
                text=True,
            )
            assert checked.returncode == 0, f"{path.name} {netns}: {checked.stdout[-500:]}"


# anyone may GET /; the caller's principal may GET /api/*
MESH_POLICY = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  action: ALLOW
  rules:
    - to: [{operation: {methods: [GET], paths: ["/"]}}]
    - from: [{source: {principals: ["cluster.local/ns/shop/sa/caller"]}}]
      to: [{operation: {methods: [GET], paths: ["/api/*"]}}]
"""


def mesh_estate(folder: Path, mode: str) -> Path:
    from .test_lab_mesh import estate

    return estate(folder, MESH_POLICY, mode)


@pytest.mark.parametrize("mode", ["STRICT", "PERMISSIVE"])
def test_envoy_sidecars_enforce_mtls_modes_and_authorization(
    tmp_path: Path, root: Path, mode: str
) -> None:
    """A pod without a sidecar calls a meshed one in plaintext: STRICT refuses it at the TLS
    handshake (the engine's DENIED_MTLS); PERMISSIVE accepts it, and an ALLOW rule without a
    principal lets it through ("PERMISSIVE: Connection can be either plaintext or mTLS
    tunnel", https://istio.io/latest/docs/reference/config/security/peer_authentication/).
    The mesh member is authorized by its SPIFFE principal, for the methods and paths its rule
    names, on an HTTP port."""
    path = mesh_estate(tmp_path, mode)
    try:
        up(path, "tmesh", root=root)
        legacy = probe_one("tmesh", "legacy", "api", "tcp/8443", root=root, request=("GET", "/"))
        assert legacy.agree
        if mode == "STRICT":
            assert legacy.engine.disposition == "DENIED_MTLS" and not legacy.delivered
        else:
            assert legacy.engine.allowed and legacy.delivered
        member = probe_one(
            "tmesh", "caller", "api", "tcp/8443", root=root, request=("GET", "/api/orders")
        )
        assert member.agree and member.delivered
        refused = probe_one(
            "tmesh", "caller", "api", "tcp/8443", root=root, request=("POST", "/api/x")
        )
        assert refused.agree and not refused.delivered
        assert refused.outcomes[0][1].outcome == "rejected"  # HTTP 403 from the sidecar's RBAC
        assert refused.engine.disposition == "DENIED_MESH_AUTHORIZATION"
        result = verify("tmesh", root=root)
        agree(result)
        assert result.mesh
    finally:
        down("tmesh", root=root)


def _readme_lab_commands() -> list[tuple[int, str, list[str]]]:
    """The `$ sudo crossfence lab ...` commands of the README, each with the lines it shows."""
    from ..test_readme import README

    shown: list[tuple[int, str, list[str]]] = []
    current: list[str] | None = None
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```") or line.startswith("$ "):
            current = None
        if line.startswith("$ sudo crossfence lab "):
            current = []
            shown.append((number, line[len("$ sudo ") :], current))
        elif current is not None:
            current.append(line)
    return shown


def test_the_readme_lab_section_is_what_the_commands_print() -> None:
    """The README's lab commands (shown with `sudo`, so tests/test_readme.py, run as any user,
    leaves them out) run here as root, in order, and print what the README shows."""
    import os
    import shlex
    import sys

    from ..test_readme import ROOT, _matches

    commands = _readme_lab_commands()
    assert [c.split()[2] for _, c, _ in commands] == ["up", "verify", "probe", "probe", "down"]
    if lab_dir("lab").exists():
        pytest.skip("a lab named `lab` is up on this machine: the README's commands would touch it")
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("CROSSFENCE_LAB_DIR", None)
    try:
        for line, command, expected in commands:
            done = subprocess.run(
                [sys.executable, "-m", "crossfence", *shlex.split(command)[1:]],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
                check=False,
            )
            actual = done.stdout.splitlines()
            assert _matches(expected, actual), (
                f"README.md:{line}: `{command}` prints:\n" + "\n".join(actual)
            )
            assert done.returncode == 0, f"README.md:{line}: `{command}` exits {done.returncode}"
    finally:
        down("lab")
