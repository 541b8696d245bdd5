"""The seeded-mistake variants of eu-sovereign: generated, committed, valid, and each one mistake."""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crossfence import load
from crossfence.model import SECTIONS, Blueprint
from tests.scripts import load_script

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
VARIANTS = EXAMPLE / "variants"
GENERATOR = VARIANTS / "generate.py"

# The names of SCENARIO.md, "What crossfence must say about it".
SCENARIO_VARIANTS = (
    "peering-no-export",
    "default-advertisement",
    "single-tunnel",
    "edge-open",
    "db-in-gcp",
    "no-private-api-route",
    "backup-plaintext",
    "overlapping-cidr",
    "mtls-permissive",
    "deployer-any-sa",
    "no-peer-ip-restriction",
    "eastwest-blocked",
    "dns-range-not-advertised",
    "managed-db-other-network",
    "vm-public-ip-open",
)


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _objects(blueprint: Blueprint, root: Path) -> dict[tuple[str, str], Any]:
    """Every named object (and each top-level scalar) as plain data, keyed by (section, name)."""
    out: dict[tuple[str, str], Any] = {}
    for field in type(blueprint).model_fields:
        if field not in SECTIONS:
            out[("", field)] = getattr(blueprint, field)
    for section in SECTIONS:
        if section == "suppressions":
            continue
        for item in getattr(blueprint, section):
            data = item.model_dump(mode="json")
            if section == "clusters":
                # manifests are relative to the blueprint folder; compare what they point at
                data["manifests"] = [os.path.normpath(root / m) for m in data["manifests"]]
            out[(section, item.name)] = data
    return out


def _changed(base: Blueprint, variant: Blueprint, root: Path) -> set[tuple[str, str]]:
    before, after = _objects(base, EXAMPLE), _objects(variant, root)
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


@pytest.fixture(scope="module")
def base() -> Blueprint:
    return load(EXAMPLE)


def test_the_scenario_page_names_exactly_these_variants_and_tests_that_exist() -> None:
    page = (EXAMPLE.parents[1] / "docs" / "scenario.md").read_text(encoding="utf-8")
    named = re.findall(r"^- `([a-z0-9-]+)`:", page, flags=re.MULTILINE)
    assert tuple(named) == SCENARIO_VARIANTS
    cited = set(re.findall(r"`(tests/[\w/]+\.py)`", page))
    assert cited and all((EXAMPLE.parents[1] / path).is_file() for path in cited)


def test_one_folder_per_scenario_mistake() -> None:
    folders = sorted(p.name for p in VARIANTS.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert folders == sorted(SCENARIO_VARIANTS)
    assert [v.name for v in load_script(GENERATOR).VARIANTS] == list(SCENARIO_VARIANTS)


def test_committed_variants_match_the_generator(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in SCENARIO_VARIANTS:
        assert _tree(VARIANTS / name) == _tree(tmp_path / name), (
            f"variants/{name} differs from what generate.py makes; run "
            ".venv/bin/python examples/eu-sovereign/variants/generate.py and commit the result"
        )


def test_generator_refuses_an_edit_that_no_longer_matches() -> None:
    generator = load_script(GENERATOR)
    base = generator._base_files()
    base["vpn.yaml"] = base["vpn.yaml"].replace("tunnel-1", "tunnel-b")
    single_tunnel = next(v for v in generator.VARIANTS if v.name == "single-tunnel")
    with pytest.raises(
        SystemExit, match="single-tunnel: expected the text to replace exactly once"
    ):
        generator.render(single_tunnel, base)


@pytest.mark.parametrize("name", SCENARIO_VARIANTS)
def test_changed_files_say_which_mistake_they_seed(name: str) -> None:
    folder = VARIANTS / name
    changed = [
        path.name
        for path in sorted(folder.glob("*.yaml"))
        if path.read_text(encoding="utf-8").startswith(f"# VARIANT {name}: ")
    ]
    assert changed, f"no file of variants/{name} starts with '# VARIANT {name}: '"
    for file_name in changed:
        text = (folder / file_name).read_text(encoding="utf-8")
        body = text.split("\n\n", 1)[1]
        assert "# VARIANT" in body, f"{name}/{file_name}: no comment on the changed lines"
    unchanged = [p.name for p in folder.glob("*.yaml") if p.name not in changed]
    for file_name in unchanged:
        assert "VARIANT" not in (folder / file_name).read_text(encoding="utf-8")


def _peering_no_export(bp: Blueprint) -> None:
    assert bp.get("peerings", "hub-to-prod").export_custom_routes is False
    assert bp.get("peerings", "prod-to-hub").import_custom_routes is True


def _default_advertisement(bp: Blueprint) -> None:
    router = bp.get("routers", "hub-router")
    assert router.advertise_mode == "default"
    assert router.advertised_groups == ()
    assert router.advertised_ranges == ()


def _single_tunnel(bp: Blueprint) -> None:
    assert [t.name for t in bp.vpn_tunnels] == ["tunnel-0"]
    assert [(s.name, s.tunnel) for s in bp.bgp_sessions] == [("bgp-0", "tunnel-0")]


def _edge_open(bp: Blueprint) -> None:
    edge = bp.get("load_balancers", "scw-edge")
    assert edge.port == 443
    first = min(edge.acls, key=lambda acl: acl.index)
    assert (first.action, first.ip_ranges) == ("allow", ("0.0.0.0/0",))


def _db_in_gcp(bp: Blueprint) -> None:
    db = bp.get("workloads", "customer-db")
    assert (db.kind, db.network, db.subnet, db.addresses, db.security_groups) == (
        "vm",
        "hub",
        "hub-ew1",
        ("10.0.0.20",),
        (),
    )
    assert db.personal_data == "stores"
    cloud = bp.cloud_of(db)
    assert cloud is not None and (cloud.provider, cloud.jurisdiction) == ("gcp", "US")
    # the rule that keeps customer-api -> customer-db working across the VPN
    rule = next(
        r for r in bp.get("networks", "hub").firewall_rules if r.name == "customer-db-from-kapsule"
    )
    assert (rule.direction, rule.action, rule.ports) == ("ingress", "allow", ("tcp/5432",))
    assert rule.source_ranges == ("100.64.0.0/16",)


def _advertised(bp: Blueprint) -> list[str]:
    return [r.range for r in bp.get("routers", "hub-router").advertised_ranges]


def _no_private_api_route(bp: Blueprint) -> None:
    assert _advertised(bp) == ["10.10.0.0/16", "10.12.0.0/16", "35.199.192.0/19"]
    # the mistake is the advertisement: Scaleway would still accept the prefix
    assert "199.36.153.4/30" in bp.get("routing_policies", "scw-gcp-policy").prefix_filter_in


def _backup_plaintext(bp: Blueprint) -> None:
    assert bp.get("backups", "customer-db-snapshots").encrypted_at_source is False


def _overlapping_cidr(bp: Blueprint) -> None:
    scw = bp.get("networks", "scw-vpc")
    pn_apps = next(s for s in scw.private_networks if s.name == "pn-apps")
    assert pn_apps.cidr == "10.10.0.0/22"
    assert ipaddress.ip_network(pn_apps.cidr).overlaps(ipaddress.ip_network("10.10.0.0/20"))
    # nothing still refers to the old range or an address in it
    old = ipaddress.ip_network("172.16.0.0/22")
    left = [
        text
        for text in re.findall(r"\d+\.\d+\.\d+\.\d+(?:/\d+)?", bp.model_dump_json())
        if ipaddress.ip_network(text, strict=False).subnet_of(old)
    ]
    assert left == []
    # nor do the manifests the variant reads (frontend's egress policy to the east-west gateway)
    for cluster in bp.clusters:
        for folder in cluster.manifests:
            manifests = (VARIANTS / "overlapping-cidr" / folder).resolve()
            text = "".join(p.read_text(encoding="utf-8") for p in manifests.rglob("*.yaml"))
            pinned = [
                t
                for t in re.findall(r"\d+\.\d+\.\d+\.\d+(?:/\d+)?", text)
                if ipaddress.ip_network(t, strict=False).subnet_of(old)
            ]
            assert pinned == [], (cluster.name, pinned)
    codes = [w.code for w in bp.warnings]
    assert codes and set(codes) == {"overlap-connected"}
    assert any("pn-apps" in w.message and "spoke-prod" in w.message for w in bp.warnings)
    assert all(w.severity == "warning" for w in bp.warnings)


def _mtls_permissive(bp: Blueprint) -> None:
    assert bp.get("global_namespaces", "shop").mtls_mode == "PERMISSIVE"


def _deployer_any_sa(bp: Blueprint) -> None:
    role = bp.get("vault_roles", "scw-deployer")
    assert [(b.cluster, b.namespace, b.service_account) for b in role.bindings] == [
        ("gke-prod", "*", "*")
    ]
    assert role.credentials == ("deployer",)


def _no_peer_ip_restriction(bp: Blueprint) -> None:
    assert not any(p.constraint == "compute.restrictVpnPeerIPs" for p in bp.org_policies)


def _eastwest_blocked(bp: Blueprint) -> None:
    prod = bp.get("networks", "spoke-prod")
    deny = next(r for r in prod.firewall_rules if r.action == "deny")
    assert (deny.direction, deny.ports) == ("egress", ("tcp/15443",))
    assert set(deny.target_tags) & set(bp.get("clusters", "gke-prod").node_tags)
    gateway = bp.get("clusters", "kapsule-eu").mesh.east_west_gateway
    assert any(
        ipaddress.ip_address(gateway.address) in ipaddress.ip_network(r)
        for r in deny.destination_ranges
    )
    # it wins over the implied allow-egress (65535) and over every egress allow of the network
    allows = [
        r.priority for r in prod.firewall_rules if r.direction == "egress" and r.action == "allow"
    ]
    assert deny.priority < min([65535, *allows])


def _dns_range_not_advertised(bp: Blueprint) -> None:
    assert _advertised(bp) == ["10.10.0.0/16", "10.12.0.0/16", "199.36.153.4/30"]
    assert "35.199.192.0/19" in bp.get("routing_policies", "scw-gcp-policy").prefix_filter_in


def _managed_db_other_network(bp: Blueprint) -> None:
    db = bp.get("workloads", "customer-db")
    assert (db.kind, db.network, db.subnet, db.addresses) == (
        "managed_database",
        "scw-vpc",
        "pn-data",
        ("172.16.8.10",),
    )
    assert db.security_groups == ()  # a Managed Database is not an Instance
    api = bp.get("clusters", "kapsule-eu")
    assert (api.network, api.subnet) == ("scw-vpc", "pn-apps")  # another Private Network


def _vm_public_ip_open(bp: Blueprint) -> None:
    db = bp.get("workloads", "customer-db")
    assert (db.kind, db.subnet, db.public_address) == ("vm", "pn-data", "51.15.8.10")
    assert db.security_groups == ("customer-db-sg",)
    group = bp.get("security_groups", "customer-db-sg")
    assert (group.inbound_default_policy, group.applies_to) == ("drop", None)
    [rule] = group.inbound_rules
    assert (rule.action, rule.ports, rule.ip_ranges) == ("accept", "tcp/5432", ("0.0.0.0/0",))
    # a Scaleway address of its own, not scw-edge's nor inside any range of the estate
    edge = bp.get("load_balancers", "scw-edge")
    assert db.public_address != edge.address
    address = ipaddress.ip_address(db.public_address)
    ranges = [s.cidr for n in bp.networks for s in n.all_subnets]
    assert not any(address in ipaddress.ip_network(r) for r in ranges)


EXPECTED: dict[str, tuple[set[tuple[str, str]], Callable[[Blueprint], None]]] = {
    "peering-no-export": ({("peerings", "hub-to-prod")}, _peering_no_export),
    "default-advertisement": ({("routers", "hub-router")}, _default_advertisement),
    "single-tunnel": (
        {("vpn_tunnels", "tunnel-1"), ("bgp_sessions", "bgp-1")},
        _single_tunnel,
    ),
    "edge-open": ({("load_balancers", "scw-edge")}, _edge_open),
    # the cluster objects change only where they read the variant's own copy of the manifests
    "db-in-gcp": (
        {("workloads", "customer-db"), ("networks", "hub"), ("clusters", "kapsule-eu")},
        _db_in_gcp,
    ),
    "no-private-api-route": ({("routers", "hub-router")}, _no_private_api_route),
    "backup-plaintext": ({("backups", "customer-db-snapshots")}, _backup_plaintext),
    "overlapping-cidr": (
        {
            ("networks", "scw-vpc"),
            ("networks", "spoke-prod"),
            ("clusters", "kapsule-eu"),
            ("clusters", "gke-prod"),
            ("security_groups", "scw-data-sg"),
            ("routing_policies", "scw-gcp-policy"),
            ("load_balancers", "scw-edge"),
        },
        _overlapping_cidr,
    ),
    "mtls-permissive": ({("global_namespaces", "shop")}, _mtls_permissive),
    "deployer-any-sa": ({("vault_roles", "scw-deployer")}, _deployer_any_sa),
    "no-peer-ip-restriction": (
        {("org_policies", "restrict-vpn-peer-ips")},
        _no_peer_ip_restriction,
    ),
    "eastwest-blocked": ({("networks", "spoke-prod")}, _eastwest_blocked),
    "dns-range-not-advertised": ({("routers", "hub-router")}, _dns_range_not_advertised),
    "managed-db-other-network": ({("workloads", "customer-db")}, _managed_db_other_network),
    "vm-public-ip-open": (
        {("workloads", "customer-db"), ("security_groups", "customer-db-sg")},
        _vm_public_ip_open,
    ),
}


def test_every_variant_has_expectations() -> None:
    assert set(EXPECTED) == set(SCENARIO_VARIANTS)


@pytest.mark.parametrize("name", SCENARIO_VARIANTS)
def test_variant_validates_and_differs_only_in_its_mistake(name: str, base: Blueprint) -> None:
    folder = VARIANTS / name
    variant = load(folder)
    objects, check = EXPECTED[name]
    assert _changed(base, variant, folder) == objects
    check(variant)
    if name != "overlapping-cidr":
        assert variant.warnings == ()


@pytest.mark.parametrize("name", SCENARIO_VARIANTS)
def test_the_base_does_not_have_the_mistake(name: str, base: Blueprint) -> None:
    """The variant's check fails on the base example, so it really tests the variant's edit."""
    _, check = EXPECTED[name]
    with pytest.raises((AssertionError, StopIteration)):
        check(base)


@pytest.mark.parametrize("name", ["db-in-gcp", "overlapping-cidr"])
def test_own_manifests_differ_from_the_base_only_on_variant_lines(name: str) -> None:
    """A variant that moves an address a NetworkPolicy pins carries its own copy of that
    cluster's manifests, edited on commented lines only; the other clusters share the base's."""
    own = VARIANTS / name / "manifests"
    copies = sorted(p.relative_to(own) for p in own.rglob("*.yaml"))
    assert copies
    edited = 0
    for relative in copies:
        text = (own / relative).read_text(encoding="utf-8")
        if text.startswith(f"# VARIANT {name}: "):
            text = text.split("\n\n", 1)[1]  # the generated header
        lines = text.splitlines()
        base_lines = (EXAMPLE / "manifests" / relative).read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(base_lines)
        changed = [b for a, b in zip(base_lines, lines, strict=True) if a != b]
        assert all("VARIANT" in line for line in changed)
        edited += len(changed)
    assert edited == 1
