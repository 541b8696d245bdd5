"""The lab's plan, decided before anything is created: namespaces, links, addresses, routes, daemons."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import build_topology, load
from crossfence.algebra.packets import IpSet
from crossfence.lab.addressing import CANDIDATES, Plumbing, used_addresses
from crossfence.lab.plan import Plan
from crossfence.lab.planner import make_plan

from .conftest import EXAMPLE, SMALL, VARIANTS


def plan_of(path: Path, lab: str = "t") -> Plan:
    blueprint = load(path)
    return make_plan(blueprint, build_topology(blueprint), lab, Path("/run/crossfence/lab") / lab)


def test_every_name_carries_the_lab_prefix(small: Path) -> None:
    plan = plan_of(small, "pfx")
    assert all(n.name.startswith("cf-pfx-") for n in plan.namespaces)
    ports = [p for link in plan.links for p in (link.a, link.b)]
    assert all(p.ifname.startswith("cfpfx-") and len(p.ifname) <= 15 for p in ports)
    # no link has an end outside the lab's namespaces: nothing touches the host's
    names = {n.name for n in plan.namespaces}
    assert all(p.netns in names for p in ports)
    assert all(r.netns in names for r in plan.routes)


def test_one_router_per_network_one_namespace_per_workload(small: Path) -> None:
    plan = plan_of(small)
    roles = sorted((n.role, n.label) for n in plan.namespaces)
    assert roles == [
        ("host", "a host of the internet"),
        ("inet", "the lab internet"),
        ("net", "network prod"),
        ("wl", "vm db"),
        ("wl", "vm web"),
    ]
    router = plan.routers["prod"]
    assert router in plan.forwarding
    web = plan.instances["web"][0]
    assert web.address == "10.0.1.10"
    # the router reaches the workload on its own link; the workload's gateway is the router's
    link = next(link for link in plan.links if link.a.netns == web.netns)
    assert link.b.netns == router and link.b.segment == "web"
    assert link.a.addresses == ("10.0.1.10/32",)
    routes = {(r.netns, r.args) for r in plan.routes}
    assert (router, ("10.0.1.10/32", "dev", link.b.ifname)) in routes
    assert (
        web.netns,
        ("default", "via", link.b.addresses[0].split("/")[0], "dev", link.a.ifname, "onlink"),
    ) in routes


def test_subnet_ranges_without_a_workload_are_unreachable_in_the_router(small: Path) -> None:
    """A packet to an address of the subnet that no workload has is answered "unreachable" (the
    engine's NO_ENDPOINT), not sent anywhere else."""
    plan = plan_of(small)
    router = plan.routers["prod"]
    routes = [r.args for r in plan.routes if r.netns == router]
    assert ("unreachable", "10.0.1.0/24", "metric", "0") in routes
    assert ("unreachable", "10.0.2.0/24", "metric", "0") in routes


def test_the_lab_numbers_its_links_outside_the_blueprint(tmp_path: Path) -> None:
    """A blueprint that uses the first candidate range pushes the lab to the next one."""
    path = tmp_path / "bp.yaml"
    path.write_text(
        SMALL.replace("10.0.2.0/24", "198.18.2.0/24").replace("10.0.2.10", "198.18.2.10")
    )
    topology = build_topology(load(path))
    assert not (used_addresses(topology) & IpSet.parse("198.18.0.0/16")).is_empty()
    plan = plan_of(path)
    assert plan.plumbing == CANDIDATES[1]
    for link in plan.links:
        for port in (link.a, link.b):
            for address in port.addresses:
                inside = ipaddress.ip_network(address, strict=False).subnet_of(
                    ipaddress.ip_network(plan.plumbing)
                )
                assert inside or address in ("10.0.1.10/32", "198.18.2.10/32", "203.0.113.7/32")


def test_plumbing_hands_out_distinct_pairs() -> None:
    plumbing = Plumbing(ipaddress.IPv4Network("198.18.0.0/16"))
    pairs = [plumbing.pair() for _ in range(3)]
    assert pairs[0] == ("198.18.1.0/31", "198.18.1.1/31")
    assert len({a for pair in pairs for a in pair}) == 6
    assert plumbing.gateway == "198.18.0.1"


def test_the_reference_estate() -> None:
    """One namespace per pod replica, per VM, per east-west gateway, per provider API, per load
    balancer; VPC peering as links between routers; both tunnels as WireGuard pairs whose inner
    addresses are the BGP sessions'; an internet gateway for the hub only (the spokes delete
    their default route)."""
    plan = plan_of(EXAMPLE)
    assert [i.label for i in plan.instances["frontend"]] == ["frontend-0", "frontend-1"]
    assert [i.address for i in plan.instances["customer-api"]] == ["100.64.0.10", "100.64.0.11"]
    assert plan.instances["kapsule-eu/istio-eastwestgateway"][0].address == "172.16.0.100"
    assert plan.instances["scw-edge"][0].egress == "172.16.0.50"
    assert plan.instances["public-lb"][0].address == "34.120.0.10"
    assert set(plan.igws) == {"hub"}
    peerings = {
        frozenset((link.a.netns, link.b.netns)) for link in plan.links if link.kind == "peering"
    }
    assert peerings == {
        frozenset((plan.routers["hub"], plan.routers["spoke-prod"])),
        frozenset((plan.routers["hub"], plan.routers["spoke-dev"])),
    }
    tunnels = {t.name: t for t in plan.tunnels}
    assert sorted(tunnels) == ["tunnel-0", "tunnel-1"]
    hub, scw = tunnels["tunnel-0"].sides
    assert (hub["inner"], scw["inner"]) == ("169.254.0.1/30", "169.254.0.2/30")
    assert (hub["public"], scw["public"]) == ("34.157.0.1", "51.159.0.1")
    assert scw["segment"] == "pn-apps" and hub["segment"] is None
    assert tunnels["tunnel-1"].sides[1]["public"] == "51.159.0.2"
    assert all(len(s["ifname"]) <= 15 for t in plan.tunnels for s in t.sides)
    assert {b.network for b in plan.birds} == {"hub", "spoke-prod", "spoke-dev", "scw-vpc"}
    # the load balancers' proxies: public-lb to scw-edge's public address, scw-edge to a pod
    proxies = {p.endpoint: p for p in plan.proxies}
    assert proxies["public-lb"].backend == ("51.15.0.10", 443)
    assert proxies["public-lb"].source == "34.96.0.0"
    assert proxies["scw-edge"].backend == ("100.64.0.10", 8443)
    assert proxies["kapsule-eu/istio-eastwestgateway"].listen == (("172.16.0.100", 15443),)


def test_a_single_tunnel_is_one_wireguard_pair() -> None:
    plan = plan_of(VARIANTS / "single-tunnel")
    assert [t.name for t in plan.tunnels] == ["tunnel-0"]


def test_servers_answer_on_every_port_they_are_probed_on() -> None:
    plan = plan_of(EXAMPLE)
    servers = {s.netns: s for s in plan.servers}
    db = servers[plan.instances["customer-db"][0].netns]
    assert 5432 in db.tcp and 22 in db.tcp and 53 in db.udp
    dns = servers[plan.instances["scw-dns"][0].netns]
    assert 53 in dns.udp and 53 in dns.tcp
