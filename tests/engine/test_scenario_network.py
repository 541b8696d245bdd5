"""SCENARIO.md reachability 1-7 at the network layer, and the variants' network effects."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from crossfence import load
from crossfence.engine.matrix import connectivity
from crossfence.engine.reach import Reach, reach
from crossfence.estate import build_topology
from crossfence.ir.types import Topology

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"


@cache
def topology(variant: str | None = None) -> Topology:
    return build_topology(load(EXAMPLE / "variants" / variant if variant else EXAMPLE))


def ask(source: str, destination: str, port: str, variant: str | None = None) -> Reach:
    return reach(topology(variant), source, destination, port)


def actions(result: Reach) -> list[str]:
    return [step.action for hop in result.hops for step in hop.steps]


def details(result: Reach) -> str:
    return "\n".join(step.detail for hop in result.hops for step in hop.steps)


def test_1_frontend_to_customer_api_crosses_peering_and_vpn() -> None:
    result = ask("frontend", "customer-api", "tcp/8443")
    assert result.allowed and result.disposition == "DELIVERED"
    nodes = [hop.node for hop in result.hops]
    assert nodes[:5] == ["frontend", "spoke-prod", "hub", "scw-vpc", "customer-api"]
    text = details(result)
    assert "over peering hub-to-prod" in text  # the imported custom route
    assert "learned over BGP session" in text
    assert "ARRIVE_AT_VPN_TUNNEL" in actions(result)
    assert "RETURN_ROUTE" in actions(result)


def test_2_frontend_to_customer_db_is_denied_by_the_vpc_acl_rule() -> None:
    result = ask("frontend", "customer-db", "tcp/5432")
    assert not result.allowed and result.disposition == "DENIED_ACL"
    last = result.hops[-1].steps[-1]
    assert last.action == "APPLY_ACL"
    assert last.source is not None and last.source.rule == "rule 3"
    assert last.source.file is not None and last.source.file.endswith("scaleway-network.yaml")


def test_3_internet_reaches_customer_api_only_through_the_proxies_with_iap() -> None:
    result = ask("internet", "customer-api", "tcp/8443")
    assert result.allowed
    assert any("IAP token" in c for c in result.conditions)
    assert [h.node for h in result.hops if h.steps and h.steps[0].action == "PROXY_CONNECTION"] == [
        "public-lb",
        "scw-edge",
    ]
    # the backend sees Google front-end ranges, not the client
    assert "34.96.0.0/20" in details(result)


def test_3_internet_client_direct_to_scw_edge_denied_by_its_acl() -> None:
    result = ask("203.0.113.7", "scw-edge", "tcp/443")
    assert not result.allowed and result.disposition == "DENIED_ACL"
    assert result.hops[-1].steps[-1].source is not None
    assert result.hops[-1].steps[-1].source.rule == "acl_default_action"


def test_4_dev_tools_has_no_route_to_scaleway_and_no_route_back() -> None:
    result = ask("dev-tools", "customer-db", "tcp/5432")
    assert not result.allowed and result.disposition == "NO_ROUTE"
    assert "route back from scw-vpc to dev-tools: none either" in details(result)


def test_5_customer_api_to_vault_allowed_and_to_gitlab_runner_denied() -> None:
    vault = ask("customer-api", "vault", "tcp/8200")
    assert vault.allowed
    assert "vault-from-kapsule" in details(vault)
    runner = ask("customer-api", "gitlab-runner", "tcp/9252")
    assert not runner.allowed and runner.disposition == "DENIED_INGRESS"
    assert "implied-deny-ingress" in str(runner.hops[-1].steps[-1].source)


@pytest.mark.parametrize("client", ["dlp-client", "backup"])
def test_6_private_api_traffic_goes_over_the_vpn(client: str) -> None:
    result = ask(client, "restricted-googleapis", "tcp/443")
    assert result.allowed
    steps = actions(result)
    assert "ARRIVE_AT_VPN_TUNNEL" in steps and "DELIVER_TO_GOOGLE_API" in steps
    assert "FORWARD_TO_INTERNET" not in steps


def test_7_cloud_dns_forwarding_reaches_scw_dns_with_a_route_back() -> None:
    result = ask("cloud-dns-forwarders", "scw-dns", "udp/53")
    assert result.allowed
    assert "35.199.192.0/19" in details(result)


def test_peering_no_export_leaves_frontend_without_route() -> None:
    result = ask("frontend", "customer-api", "tcp/8443", "peering-no-export")
    assert result.disposition == "NO_ROUTE"


def test_default_advertisement_leaves_scaleway_without_route_back() -> None:
    result = ask("frontend", "customer-api", "tcp/8443", "default-advertisement")
    assert result.disposition == "NO_RETURN_ROUTE"
    assert "no route back to 10.12.0.10 in scw-vpc" in details(result)


def test_overlapping_cidr_trace_shows_the_shadowed_route() -> None:
    result = ask("vault", "10.10.0.50", "tcp/443", "overlapping-cidr")
    assert "SHADOWED_ROUTE" in actions(result)
    assert "10.10.0.0/22" in details(result)


def test_eastwest_blocked_denies_15443() -> None:
    assert ask("frontend", "customer-api", "tcp/15443").allowed
    blocked = ask("frontend", "customer-api", "tcp/15443", "eastwest-blocked")
    assert not blocked.allowed and blocked.disposition == "DENIED_EGRESS"


def test_no_private_api_route_leaves_dlp_without_route() -> None:
    assert (
        ask("dlp-client", "restricted-googleapis", "tcp/443", "no-private-api-route").disposition
        == "NO_ROUTE"
    )


def test_dns_range_not_advertised_has_no_route_back() -> None:
    assert (
        ask("cloud-dns-forwarders", "scw-dns", "udp/53", "dns-range-not-advertised").disposition
        == "NO_RETURN_ROUTE"
    )


def test_edge_open_lets_any_client_reach_scw_edge() -> None:
    assert ask("203.0.113.7", "scw-edge", "tcp/443", "edge-open").allowed


def test_matrix_json_shape_and_key_pairs() -> None:
    data = connectivity(topology()).to_json()
    assert set(data) == {"endpoints", "connections"}
    pairs = {(c["from"], c["to"]): c["allowed"] for c in data["connections"]}
    assert pairs[("customer-api", "vault")] == ["TCP/8200"]
    assert pairs[("public-lb", "scw-edge")] == ["TCP/443"]
    assert pairs[("internet", "public-lb")] == ["TCP/443"]
    assert ("internet", "scw-edge") not in pairs
    assert ("dev-tools", "customer-db") not in pairs
    assert ("customer-api", "gitlab-runner") in pairs and pairs[
        ("customer-api", "gitlab-runner")
    ] == ["TCP/15443"]
    assert "internet" in data["endpoints"]


def test_overlapping_cidr_reply_is_delivered_inside_the_overlapping_subnet(
    tmp_path: Path,
) -> None:
    """With pn-apps renumbered into spoke-prod's range, a VM in pn-apps reaches frontend over the
    VPN, but frontend's reply to 10.10.0.50 takes spoke-prod's own subnet route (a subnet route
    is the most specific local choice, https://cloud.google.com/vpc/docs/routes#subnet-routes):
    it never goes back over the VPN, so the connection fails with NO_RETURN_ROUTE."""
    import shutil

    variant = tmp_path / "variants" / "overlapping-cidr"
    shutil.copytree(EXAMPLE / "variants" / "overlapping-cidr", variant)
    shutil.copytree(EXAMPLE / "manifests", tmp_path / "manifests")
    with (variant / "workloads.yaml").open("a") as stream:
        stream.write(
            "  - name: apps-bastion\n    kind: vm\n    network: scw-vpc\n"
            "    subnet: pn-apps\n    addresses: [10.10.0.50]\n"
        )
    result = reach(build_topology(load(variant)), "apps-bastion", "frontend", "tcp/443")
    assert not result.allowed and result.disposition == "NO_RETURN_ROUTE"
    last = result.hops[-1].steps[-1]
    assert last.action == "DROP"
    assert "delivered inside spoke-prod (10.10.0.0/20), not to apps-bastion" in last.detail
    # the forward path did cross the VPN: the failure is the reply's alone
    assert "ARRIVE_AT_VPN_TUNNEL" in actions(result)


def test_every_hop_of_a_trace_says_what_happened() -> None:
    """A destination with no ingress filter of its own still gets a step (ARRIVE), so no hop of
    a trace is empty."""
    for source, destination, port in [
        ("frontend", "customer-api", "tcp/8443"),
        ("customer-api", "vault", "tcp/8200"),
        ("dlp-client", "restricted-googleapis", "tcp/443"),
        ("cloud-dns-forwarders", "scw-dns", "udp/53"),
    ]:
        result = ask(source, destination, port)
        assert all(hop.steps for hop in result.hops), (source, destination)


def test_a_vm_without_external_address_does_not_reach_the_internet(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/vpc#internet_access_reqs: a VM reaches the internet
    through the default internet gateway only with an external IP address (or Cloud NAT, which
    crossfence does not model yet). vault has none; Connectivity Tests calls the drop
    NO_EXTERNAL_ADDRESS. Given an external address, the same flow is delivered."""
    import shutil

    result = ask("vault", "203.0.113.7", "tcp/443")
    assert not result.allowed and result.disposition == "NO_EXTERNAL_ADDRESS"
    assert "vault has no external (public) address" in result.hops[-1].steps[-1].detail
    copy = tmp_path / "eu-sovereign"
    shutil.copytree(EXAMPLE, copy)
    workloads = copy / "workloads.yaml"
    text = workloads.read_text(encoding="utf-8")
    anchor = "  - name: vault\n"
    assert text.count(anchor) == 1
    block_end = text.index("\n  - name:", text.index(anchor) + 1)
    text = text[:block_end] + "\n    public_address: 34.1.2.3" + text[block_end:]
    workloads.write_text(text, encoding="utf-8")
    public = reach(build_topology(load(copy)), "vault", "203.0.113.7", "tcp/443")
    assert public.allowed and "FORWARD_TO_INTERNET" in actions(public)


def test_a_load_balancer_as_the_source_sends_from_its_egress_side() -> None:
    """`reach --from public-lb` or `--from scw-edge` (once a StopIteration): a load balancer opens
    its connections to its backends from its egress addresses (Google front ends; the Scaleway
    LB's private address), and the chain starts after it."""
    net = topology()
    for balancer in ("public-lb", "scw-edge"):
        answer = reach(net, balancer, "customer-api", "tcp/8443")
        assert answer.allowed, (balancer, answer.disposition)
    edge = reach(net, "scw-edge", "customer-api", "tcp/8443")
    assert "172.16.0.50" in edge.hops[0].steps[0].detail


def test_the_proxied_path_carries_only_the_port_the_load_balancers_send_to() -> None:
    """internet → customer-api goes through public-lb and scw-edge, which send to 8443: any other
    port is not carried (it used to come back allowed)."""
    net = topology()
    assert reach(net, "internet", "customer-api", "tcp/8443").allowed
    other = reach(net, "internet", "customer-api", "tcp/9999")
    assert not other.allowed
    assert "send to TCP/8443, not tcp/9999" in str(other.to_json())
