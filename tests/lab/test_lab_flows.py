"""Which flows the lab sends and how: the engine's addresses, east-west gateways, load-balancer chains."""

from __future__ import annotations

from crossfence import build_topology, load
from crossfence.lab.flows import Flow, Route, flows, probe_ports, routes_of, server_ports

from .conftest import EXAMPLE

TOPOLOGY = build_topology(load(EXAMPLE))


def test_declared_ports_and_two_undeclared_ones() -> None:
    assert probe_ports(TOPOLOGY.endpoints["vault"]) == [("tcp", 8200), ("tcp", 22), ("udp", 53)]
    assert probe_ports(TOPOLOGY.endpoints["backup"]) == [("tcp", 22), ("udp", 53)]
    # a host of the internet takes every port: HTTPS and DNS
    assert probe_ports(TOPOLOGY.endpoints["internet"]) == [("tcp", 443), ("udp", 53)]
    assert server_ports(TOPOLOGY.endpoints["scw-dns"]) == ((22, 53, 443), (53,))


def test_every_ordered_pair() -> None:
    every = flows(TOPOLOGY)
    names = sorted(TOPOLOGY.endpoints)
    assert {(f.source, f.destination) for f in every} == {
        (a, b) for a in names for b in names if a != b
    }


def test_pods_of_one_global_namespace_go_through_the_east_west_gateway() -> None:
    """Istio multi-network: the connection goes to the destination cluster's east-west gateway
    (https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/)."""
    route = routes_of(TOPOLOGY, Flow("frontend", "customer-api", "tcp", 8443))[0]
    assert route == Route("direct", "frontend", None, "100.64.0.10", 8443, ("172.16.0.100", 15443))
    # not for UDP, which Istio does not carry
    (udp,) = routes_of(TOPOLOGY, Flow("frontend", "customer-api", "udp", 53))
    assert udp.via is None


def test_a_chain_of_load_balancers_carries_its_backend_port_only() -> None:
    routes = routes_of(TOPOLOGY, Flow("internet", "customer-api", "tcp", 8443))
    assert [(r.how, r.address, r.port) for r in routes] == [
        ("direct", "100.64.0.10", 8443),
        ("via public-lb", "34.120.0.10", 443),
    ]
    assert len(routes_of(TOPOLOGY, Flow("internet", "customer-api", "tcp", 22))) == 1


def test_a_load_balancer_is_reached_directly_and_sends_from_its_egress_side() -> None:
    (direct,) = routes_of(TOPOLOGY, Flow("internet", "scw-edge", "tcp", 443))
    assert (direct.bind, direct.address) == ("203.0.113.7", "51.15.0.10")
    (front,) = routes_of(TOPOLOGY, Flow("public-lb", "scw-edge", "tcp", 443))
    assert (front.bind, front.address) == ("34.96.0.0", "51.15.0.10")
    (inside,) = routes_of(TOPOLOGY, Flow("scw-edge", "customer-db", "tcp", 5432))
    assert (inside.bind, inside.address) == ("172.16.0.50", "172.16.8.10")
