"""GCP route selection: subnet routes first, then the most specific destination, then priority.

Expected values from Google's documentation:
- https://cloud.google.com/vpc/docs/routes#routeselection and the Compute API Route resource
  ("Routes match packets by destination IP address, preferring smaller or more specific ranges
  over larger ones. If there is a tie, the system selects the route with the smallest priority
  value"): a BGP-learned /24 inside a static /12 carries its /24, the /12 the rest;
- https://cloud.google.com/vpc/docs/vpc-peering#interaction-subnet-static ("[Google Cloud]
  requires that subnet routes and peering subnet routes have the most specific destination"):
  a dynamic route that fits within a subnet range is never used (Network Analyzer: "dynamic
  route shadowed");
- https://cloud.google.com/vpc/docs/vpc-peering (route exchange table): subnet routes of
  privately used public ranges are "Not imported by default — Import is controlled using the
  `--import-subnet-routes-with-public-ip` flag"; https://cloud.google.com/vpc/docs/subnets#valid-ranges
  lists the private ranges;
- https://cloud.google.com/vpc/docs/private-google-access: "Set whether VMs in this subnet can
  access Google services without assigning external IP addresses through Private Google Access";
- https://cloud.google.com/vpc/docs/static-routes#next-hops: instance, IP and internal load
  balancer next hops hand the packet to an appliance whose own forwarding crossfence does not
  model (`NEXT_HOP_NOT_MODELLED`, never a silent `NO_ROUTE`).
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.engine.routing import lookup
from crossfence.ir.types import Topology

ESTATE = """
clouds:
  - {{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}
  - {{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}}
networks:
  - name: hub
    cloud: gcp
    routing_mode: global
    subnets: [{{name: hub-a, cidr: 10.0.0.0/24, region: europe-west1, private_google_access: {pga}}}]
    routes:
      - {{name: broad, destination: 172.16.0.0/12, next_hop_instance: appliance}}
    firewall_rules:
      - {{name: all-in, direction: ingress, ports: [all], source_ranges: ["0.0.0.0/0"]}}
  - name: scw-vpc
    cloud: scw
    private_networks:
      - {{name: pn, cidr: 172.16.8.0/24}}
vpn_gateways:
  - name: hub-vpn
    cloud: gcp
    network: hub
    type: ha_vpn
    interfaces: [{{id: 0, ip: 34.157.0.1}}, {{id: 1, ip: 34.157.1.1}}]
  - name: scw-vpn
    cloud: scw
    network: scw-vpc
    private_network: pn
    type: scaleway_s2s
    asn: 12876
    route_propagation: true
    interfaces: [{{id: 0, ip: 51.159.0.1}}]
routers:
  - {{name: router, cloud: gcp, network: hub, asn: 64514, advertise_mode: custom, advertised_groups: [all_subnets]}}
routing_policies:
  - name: policy
    cloud: scw
    prefix_filter_in: ["10.0.0.0/8"]
    prefix_filter_out: [{announced}]
vpn_tunnels:
  - {{name: t0, local: {{gateway: hub-vpn, interface: 0}}, peer: {{gateway: scw-vpn, interface: 0}}}}
bgp_sessions:
  - name: s0
    tunnel: t0
    local: {{speaker: router, address: 169.254.0.1/30}}
    peer: {{speaker: scw-vpn, address: 169.254.0.2/30, routing_policy: policy}}
workloads:
  - {{name: vm, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.0.10]}}
  - {{name: appliance, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.0.5]}}
  - {{name: db, kind: vm, network: scw-vpc, subnet: pn, addresses: [172.16.8.10]}}
  - {{name: googleapis, kind: external_api, network: hub, addresses: [199.36.153.4/30]}}
"""


def estate(tmp_path: Path, announced: str = '"172.16.8.0/24"', pga: bool = True) -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(announced=announced, pga=str(pga).lower()))
    return build_topology(load(tmp_path / "bp.yaml"))


def test_a_learned_24_under_a_static_12_carries_its_range(tmp_path: Path) -> None:
    hub = estate(tmp_path).networks["hub"]
    inside = lookup(hub, int.from_bytes(bytes([172, 16, 8, 10]), "big"))
    outside = lookup(hub, int.from_bytes(bytes([172, 17, 0, 1]), "big"))
    assert [(str(r.destination), r.kind) for r in inside] == [("172.16.8.0/24", "dynamic")]
    assert [(str(r.destination), r.kind) for r in outside] == [("172.16.0.0/12", "static")]
    assert not hub.shadowed


def test_the_vm_reaches_the_database_over_the_learned_route(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path), "vm", "db", "tcp/5432")
    assert answer.allowed, answer.to_json()
    assert "learned over BGP session s0" in str(answer.to_json())


def test_a_dynamic_route_inside_a_subnet_range_is_not_used(tmp_path: Path) -> None:
    """Scaleway announces 10.0.0.0/25, inside hub-a's 10.0.0.0/24: the subnet route wins and the
    trace says why."""
    (tmp_path / "bp.yaml").write_text(
        ESTATE.format(announced='"172.16.8.0/24"', pga="true")
        .replace(
            "    private_networks:\n      - {name: pn, cidr: 172.16.8.0/24}",
            "    private_networks:\n      - {name: pn, cidr: 172.16.8.0/24}\n      - {name: clash, cidr: 10.0.0.0/25}",
        )
        .replace(
            'prefix_filter_out: ["172.16.8.0/24"]',
            'prefix_filter_out: ["172.16.8.0/24", "10.0.0.0/25"]',
        )
    )
    hub = build_topology(load(tmp_path / "bp.yaml")).networks["hub"]
    assert [
        (str(shadowed.destination), str(winner.destination)) for shadowed, winner in hub.shadowed
    ] == [("10.0.0.0/25", "10.0.0.0/24")]
    assert lookup(hub, int.from_bytes(bytes([10, 0, 0, 10]), "big"))[0].kind == "subnet"


def test_an_instance_next_hop_is_said_not_modelled(tmp_path: Path) -> None:
    """172.17.0.1 falls under the static /12 towards the appliance VM."""
    answer = reach(estate(tmp_path), "vm", "172.17.0.1", "tcp/443")
    assert not answer.allowed and answer.disposition == "NEXT_HOP_NOT_MODELLED"
    assert "does not model what it does next" in str(answer.to_json())


def test_private_google_access_is_a_subnet_setting(tmp_path: Path) -> None:
    on = reach(estate(tmp_path, pga=True), "vm", "googleapis", "tcp/443")
    off = reach(estate(tmp_path, pga=False), "vm", "googleapis", "tcp/443")
    assert on.allowed
    assert not off.allowed and off.disposition == "PRIVATE_GOOGLE_ACCESS_DISALLOWED"


PEERED = """
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: a
    cloud: gcp
    subnets:
      - {{name: private, cidr: 10.1.0.0/24}}
      - {{name: public-range, cidr: 11.1.0.0/24}}
  - name: b
    cloud: gcp
    subnets: [{{name: b1, cidr: 10.2.0.0/24}}]
peerings:
  - {{name: a-to-b, network: a, peer_network: b}}
  - {{name: b-to-a, network: b, peer_network: a, import_subnet_routes_with_public_ip: {imports}}}
"""


def test_privately_used_public_subnet_routes_cross_a_peering_only_when_imported(
    tmp_path: Path,
) -> None:
    def imported(flag: bool) -> list[str]:
        (tmp_path / "bp.yaml").write_text(PEERED.format(imports=str(flag).lower()))
        b = build_topology(load(tmp_path / "bp.yaml")).networks["b"]
        return sorted(str(r.destination) for r in b.routes if r.kind == "peering-subnet")

    assert imported(False) == ["10.1.0.0/24"]
    assert imported(True) == ["10.1.0.0/24", "11.1.0.0/24"]
