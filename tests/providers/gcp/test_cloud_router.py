"""GCP Cloud Router: what it advertises, and where and at which priority its learned routes apply.

Expected values from Google's documentation:
- https://cloud.google.com/python/docs/reference/compute/1.11.0/google.cloud.compute_v1.types.NetworkRoutingConfig.RoutingMode:
  "If set to REGIONAL, this network's Cloud Routers will only advertise routes with subnets of
  this network in the same region as the router. If set to GLOBAL, this network's Cloud Routers
  will advertise routes with all subnets of this network, across regions.";
- https://cloud.google.com/network-connectivity/docs/router/concepts/overview: "Unless you
  configure custom advertisement mode, a Cloud Router only advertises VPC subnet routes.
  Custom advertisement mode also lets you configure a Cloud Router to omit advertising VPC
  subnet routes." (a peered network's subnets are not the router's VPC subnet routes);
- https://cloud.google.com/network-connectivity/docs/router/concepts/learned-routes ("Dynamic
  routing mode effects on learned routes"): regional mode applies learned prefixes in the
  router's region only; global mode in every region, with the region-to-region cost added
  outside the router's region; https://cloud.google.com/router/how-to/updating-priority:
  "Region-to-region costs are between 201 and 9999, inclusive";
- https://cloud.google.com/vpc/docs/routes#routeselection: most specific destination, then the
  smallest priority value; equal routes share the traffic (ECMP).
"""

from __future__ import annotations

import ipaddress
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
    routing_mode: {mode}
    subnets:
      - {{name: eu, cidr: 10.0.0.0/24, region: europe-west1}}
      - {{name: us, cidr: 10.0.1.0/24, region: us-central1}}
    firewall_rules:
      - {{name: all-in, direction: ingress, ports: [all], source_ranges: ["0.0.0.0/0"]}}
  - name: spoke
    cloud: gcp
    subnets: [{{name: spoke-a, cidr: 10.2.0.0/24, region: europe-west1}}]
  - name: scw-a
    cloud: scw
    private_networks: [{{name: pn-a, cidr: 172.16.8.0/24}}]
  - name: scw-b
    cloud: scw
    private_networks: [{{name: pn-b, cidr: 172.16.8.0/24}}]
peerings:
  - {{name: hub-spoke, network: hub, peer_network: spoke}}
  - {{name: spoke-hub, network: spoke, peer_network: hub}}
vpn_gateways:
  - {{name: vpn-eu, cloud: gcp, network: hub, type: ha_vpn, region: europe-west1,
     interfaces: [{{id: 0, ip: 34.157.0.1}}, {{id: 1, ip: 34.157.1.1}}]}}
  - {{name: vpn-us, cloud: gcp, network: hub, type: ha_vpn, region: us-central1,
     interfaces: [{{id: 0, ip: 34.158.0.1}}, {{id: 1, ip: 34.158.1.1}}]}}
  - {{name: sgw-a, cloud: scw, network: scw-a, private_network: pn-a, type: scaleway_s2s,
     asn: 12876, route_propagation: true, interfaces: [{{id: 0, ip: 51.159.0.1}}]}}
  - {{name: sgw-b, cloud: scw, network: scw-b, private_network: pn-b, type: scaleway_s2s,
     asn: 12876, route_propagation: true, interfaces: [{{id: 0, ip: 51.159.0.2}}]}}
routers:
  - {{name: r-eu, cloud: gcp, network: hub, region: europe-west1, asn: 64514{eu_adv}}}
  - {{name: r-us, cloud: gcp, network: hub, region: us-central1, asn: 64515}}
routing_policies:
  - {{name: policy, cloud: scw, prefix_filter_in: ["10.0.0.0/8"], prefix_filter_out: ["172.16.8.0/24"]}}
vpn_tunnels:
  - {{name: t-eu, local: {{gateway: vpn-eu, interface: 0}}, peer: {{gateway: sgw-a, interface: 0}}}}
  - {{name: t-us, local: {{gateway: vpn-us, interface: 0}}, peer: {{gateway: sgw-b, interface: 0}}}}
bgp_sessions:
  - name: s-eu
    tunnel: t-eu
    local: {{speaker: r-eu, address: 169.254.0.1/30}}
    peer: {{speaker: sgw-a, address: 169.254.0.2/30, routing_policy: policy, advertised_route_priority: {med_a}}}
  - name: s-us
    tunnel: t-us
    local: {{speaker: r-us, address: 169.254.1.1/30}}
    peer: {{speaker: sgw-b, address: 169.254.1.2/30, routing_policy: policy, advertised_route_priority: {med_b}}}
workloads:
  - {{name: vm-eu, kind: vm, network: hub, subnet: eu, addresses: [10.0.0.10]}}
  - {{name: vm-us, kind: vm, network: hub, subnet: us, addresses: [10.0.1.10]}}
  - {{name: db-a, kind: vm, network: scw-a, subnet: pn-a, addresses: [172.16.8.10]}}
"""


def estate(
    tmp_path: Path, mode: str = "global", med_a: int = 100, med_b: int = 100, eu_adv: str = ""
) -> Topology:
    (tmp_path / "bp.yaml").write_text(
        ESTATE.format(mode=mode, med_a=med_a, med_b=med_b, eu_adv=eu_adv)
    )
    return build_topology(load(tmp_path / "bp.yaml"))


def learned_by(topology: Topology, network: str) -> set[str]:
    return {str(r.destination) for r in topology.networks[network].routes if r.kind == "dynamic"}


def tunnels(topology: Topology, region: str) -> list[str]:
    hub = topology.networks["hub"]
    address = int(ipaddress.IPv4Address("172.16.8.10"))
    return sorted(r.next_hop.target for r in lookup(hub, address, region))


def test_regional_mode_advertises_the_subnets_of_the_routers_region_only(tmp_path: Path) -> None:
    topology = estate(tmp_path, mode="regional")
    assert learned_by(topology, "scw-a") == {"10.0.0.0/24"}
    assert learned_by(topology, "scw-b") == {"10.0.1.0/24"}


def test_global_mode_advertises_every_subnet_of_the_network(tmp_path: Path) -> None:
    topology = estate(tmp_path, mode="global")
    assert learned_by(topology, "scw-a") == {"10.0.0.0/24", "10.0.1.0/24"}


def test_default_advertisement_leaves_out_the_peered_networks_subnets(tmp_path: Path) -> None:
    assert "10.2.0.0/24" not in learned_by(estate(tmp_path), "scw-a")
    custom = ", advertise_mode: custom, advertised_ranges: [{range: 10.2.0.0/24}]"
    assert learned_by(estate(tmp_path, eu_adv=custom), "scw-a") == {"10.2.0.0/24"}


def test_custom_all_subnets_follows_the_dynamic_routing_mode(tmp_path: Path) -> None:
    custom = ", advertise_mode: custom, advertised_groups: [all_subnets]"
    assert learned_by(estate(tmp_path, mode="regional", eu_adv=custom), "scw-a") == {"10.0.0.0/24"}
    assert learned_by(estate(tmp_path, mode="global", eu_adv=custom), "scw-a") == {
        "10.0.0.0/24",
        "10.0.1.0/24",
    }


def test_regional_mode_applies_learned_routes_in_the_routers_region_only(tmp_path: Path) -> None:
    topology = estate(tmp_path, mode="regional")
    assert tunnels(topology, "europe-west1") == ["t-eu"]
    assert tunnels(topology, "us-central1") == ["t-us"]


def test_global_mode_prefers_the_routers_own_region_at_equal_med(tmp_path: Path) -> None:
    """Both routers learn 172.16.8.0/24 at MED 100: inside each router's region its route has
    priority 100, elsewhere 100 plus a region-to-region cost of at least 201, so each region
    uses its own tunnel, not both."""
    topology = estate(tmp_path, mode="global")
    assert tunnels(topology, "europe-west1") == ["t-eu"]
    assert tunnels(topology, "us-central1") == ["t-us"]


def test_a_vm_reaches_the_overlapping_range_its_regions_tunnel_leads_to(tmp_path: Path) -> None:
    """172.16.8.0/24 is in two Scaleway VPCs; only scw-a has 172.16.8.10. From us-central1 the
    packet takes t-us to scw-b, where nothing has that address: not allowed."""
    topology = estate(tmp_path, mode="global")
    assert reach(topology, "vm-eu", "db-a", "tcp/5432").allowed
    answer = reach(topology, "vm-us", "db-a", "tcp/5432")
    assert not answer.allowed, answer.to_json()


def test_global_mode_a_far_route_with_a_much_lower_med_still_wins(tmp_path: Path) -> None:
    """A route learned in europe-west1 at MED 0 against one learned in us-central1 at MED 10000:
    from us-central1, 0 + cost (at most 9999) < 10000, so the europe-west1 tunnel carries it."""
    topology = estate(tmp_path, mode="global", med_a=0, med_b=10000)
    assert tunnels(topology, "us-central1") == ["t-eu"]
    assert tunnels(topology, "europe-west1") == ["t-eu"]


def test_lower_med_wins_and_equal_med_is_ecmp_in_one_region(tmp_path: Path) -> None:
    """Two sessions of routers in the same region: the lower priority value wins."""
    text = ESTATE.format(mode="global", med_a=100, med_b=100, eu_adv="").replace(
        "region: us-central1, asn: 64515", "region: europe-west1, asn: 64515"
    )
    (tmp_path / "bp.yaml").write_text(text)
    topology = build_topology(load(tmp_path / "bp.yaml"))
    assert tunnels(topology, "europe-west1") == ["t-eu", "t-us"]
    (tmp_path / "bp.yaml").write_text(
        text.replace(
            "policy, advertised_route_priority: 100}\n  - name: s-us",
            "policy, advertised_route_priority: 200}\n  - name: s-us",
        )
    )
    topology = build_topology(load(tmp_path / "bp.yaml"))
    assert tunnels(topology, "europe-west1") == ["t-us"]


def test_the_reply_takes_the_route_of_the_replying_vms_region(tmp_path: Path) -> None:
    """db-a reaches vm-us over t-eu (global mode advertises us's subnet there), but vm-us replies
    by its own region's route, t-us, into scw-b: the reply never reaches db-a."""
    topology = estate(tmp_path, mode="global")
    assert reach(topology, "db-a", "vm-eu", "tcp/22").allowed
    answer = reach(topology, "db-a", "vm-us", "tcp/22")
    assert not answer.allowed and answer.disposition == "NO_RETURN_ROUTE", answer.to_json()


def test_a_regional_learned_route_crosses_a_peering_for_its_region_only(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/vpc-peering (route exchange options): dynamic routes
    cross a peering only when the exporter exports and the importer imports custom routes, and
    keep the region of the exporting network's Cloud Router when its dynamic routing mode is
    regional."""

    def spoke_routes(export: bool, region: str) -> list[str]:
        text = (
            ESTATE.format(mode="regional", med_a=100, med_b=100, eu_adv="")
            .replace(
                "peer_network: spoke}",
                f"peer_network: spoke, export_custom_routes: {str(export).lower()}}}",
            )
            .replace(
                "peer_network: hub}",
                "peer_network: hub, import_custom_routes: true}",
            )
        )
        (tmp_path / "bp.yaml").write_text(text)
        spoke = build_topology(load(tmp_path / "bp.yaml")).networks["spoke"]
        address = int(ipaddress.IPv4Address("172.16.8.10"))
        return sorted(r.kind for r in lookup(spoke, address, region))

    assert spoke_routes(False, "europe-west1") == ["static"]  # the default route only
    assert spoke_routes(True, "europe-west1") == ["peering-dynamic"]
    assert spoke_routes(True, "us-central1") == ["peering-dynamic"]
    text = (tmp_path / "bp.yaml").read_text()
    spoke = build_topology(load(tmp_path / "bp.yaml")).networks["spoke"]
    regions = sorted(
        (r.region or "") for r in spoke.routes if str(r.destination) == "172.16.8.0/24"
    )
    assert regions == ["europe-west1", "us-central1"], text
