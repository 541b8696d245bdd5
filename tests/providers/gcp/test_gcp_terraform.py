"""The `google` provider's resources read into the blueprint, each argument as the provider's documentation defines it.

Pages: https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/<type>.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.terraform.plans import R, plan, show_state, write

import crossfence
from crossfence.errors import BlueprintError
from crossfence.estate import unknowns_in

C = "https://www.googleapis.com/compute/v1/projects/p1"


def network(name: str = "vpc", **values: Any) -> R:
    return R(
        f"google_compute_network.{name.replace('-', '_')}",
        {
            "name": name,
            "project": "p1",
            "auto_create_subnetworks": False,
            "routing_mode": "REGIONAL",
            "self_link": f"{C}/global/networks/{name}",
            "id": f"projects/p1/global/networks/{name}",
            **values,
        },
    )


def subnet(name: str, cidr: str, net: str = "vpc", **values: Any) -> R:
    return R(
        f"google_compute_subnetwork.{name.replace('-', '_')}",
        {
            "name": name,
            "project": "p1",
            "region": "europe-west1",
            "ip_cidr_range": cidr,
            "network": f"{C}/global/networks/{net}",
            "self_link": f"{C}/regions/europe-west1/subnetworks/{name}",
            "secondary_ip_range": [],
            **values,
        },
    )


def vm(name: str, sub: str, ip: str | None, **values: Any) -> R:
    nic: dict[str, Any] = {
        "subnetwork": f"{C}/regions/europe-west1/subnetworks/{sub}",
        "access_config": [],
    }
    if ip:
        nic["network_ip"] = ip
    nic.update(values.pop("nic", {}))
    return R(
        f"google_compute_instance.{name.replace('-', '_')}",
        {
            "name": name,
            "project": "p1",
            "zone": "europe-west1-b",
            "tags": values.pop("tags", []),
            "network_interface": [nic],
            "service_account": [],
            "can_ip_forward": False,
            **values,
        },
    )


def firewall(name: str, **values: Any) -> R:
    return R(
        f"google_compute_firewall.{name.replace('-', '_')}",
        {
            "name": name,
            "project": "p1",
            "network": f"{C}/global/networks/vpc",
            "direction": "INGRESS",
            "priority": 1000,
            "allow": [],
            "deny": [],
            "source_ranges": [],
            "destination_ranges": [],
            "target_tags": [],
            "disabled": False,
            **values,
        },
    )


def load(tmp_path: Path, resources: list[R], overlay: str | None = None) -> crossfence.Blueprint:
    path = write(tmp_path / "state.json", show_state(resources))
    overlays = []
    if overlay is not None:
        (tmp_path / "overlay.yaml").write_text(overlay)
        overlays.append(tmp_path / "overlay.yaml")
    return crossfence.load(path, overlays)


BASE = [network(), subnet("s", "10.0.0.0/24"), vm("web", "s", "10.0.0.5", tags=["web"])]


def test_firewall_protocols_and_ports(tmp_path: Path) -> None:
    """compute_firewall: `allow`/`deny` blocks with "protocol ... one of the following well known
    protocol strings (tcp, udp, icmp, esp, ah, sctp, ipip, all), or the IP protocol number" and
    "ports ... only applicable for UDP or TCP protocol ... ["22"], ["80","443"], and ["12345-12349"]"."""
    rule = firewall(
        "mixed",
        allow=[
            {"protocol": "tcp", "ports": ["22", "8000-8100"]},
            {"protocol": "udp", "ports": []},
            {"protocol": "47", "ports": []},
        ],
        source_ranges=["10.1.0.0/16"],
    )
    deny = firewall(
        "block",
        deny=[{"protocol": "all", "ports": []}],
        direction="EGRESS",
        priority=900,
        destination_ranges=["0.0.0.0/0"],
    )
    bp = load(tmp_path, [*BASE, rule, deny])
    rules = {r.name: r for r in bp.networks[0].firewall_rules}
    assert rules["mixed"].ports == ("tcp/22", "tcp/8000-8100", "udp", "proto/47")
    assert (
        rules["block"].action,
        rules["block"].direction,
        rules["block"].ports,
        rules["block"].priority,
    ) == ("deny", "egress", ("all",), 900)


def test_firewall_reaches_as_written(tmp_path: Path) -> None:
    """An ingress allow from the IAP range to the `web` tag opens tcp/22 and nothing else."""
    bp = load(
        tmp_path,
        [
            *BASE,
            firewall(
                "ssh",
                allow=[{"protocol": "tcp", "ports": ["22"]}],
                source_ranges=["35.235.240.0/20"],
                target_tags=["web"],
            ),
        ],
    )
    topology = crossfence.build_topology(bp)
    assert crossfence.reach(topology, "35.235.240.9", "web", "tcp/22").allowed
    assert not crossfence.reach(topology, "35.235.240.9", "web", "tcp/23").allowed


@pytest.mark.parametrize(
    "gateway",
    [
        f"{C}/global/gateways/default-internet-gateway",
        "projects/p1/global/gateways/default-internet-gateway",
        "global/gateways/default-internet-gateway",
        "default-internet-gateway",
    ],
)
def test_route_to_the_internet_gateway(tmp_path: Path, gateway: str) -> None:
    """compute_route `next_hop_gateway`: "you can only specify the internet gateway, using a full or
    partial valid URL" (the four forms)."""
    route = R(
        "google_compute_route.api",
        {
            "name": "api",
            "project": "p1",
            "network": f"{C}/global/networks/vpc",
            "dest_range": "199.36.153.4/30",
            "priority": 1000,
            "tags": [],
            "next_hop_gateway": gateway,
        },
    )
    assert (
        load(tmp_path, [*BASE, route]).networks[0].routes[0].next_hop_gateway
        == "default_internet_gateway"
    )


def test_peering_route_exchange(tmp_path: Path) -> None:
    """compute_network_peering: `export_custom_routes`, `import_custom_routes`,
    `export_subnet_routes_with_public_ip` (defaults to true) read as written."""
    peering = R(
        "google_compute_network_peering.a",
        {
            "name": "a-to-b",
            "network": f"{C}/global/networks/vpc",
            "peer_network": f"{C}/global/networks/other",
            "export_custom_routes": True,
            "import_custom_routes": False,
            "export_subnet_routes_with_public_ip": False,
            "import_subnet_routes_with_public_ip": True,
        },
    )
    bp = load(tmp_path, [*BASE, network("other"), subnet("o", "10.1.0.0/24", "other"), peering])
    side = bp.peerings[0]
    assert (
        side.network,
        side.peer_network,
        side.export_custom_routes,
        side.import_custom_routes,
    ) == ("vpc", "other", True, False)
    assert (side.export_subnet_routes_with_public_ip, side.import_subnet_routes_with_public_ip) == (
        False,
        True,
    )


def test_router_custom_advertisement(tmp_path: Path) -> None:
    """compute_router `bgp`: `advertise_mode` DEFAULT or CUSTOM, `advertised_groups` ["ALL_SUBNETS"],
    `advertised_ip_ranges` with `range` and `description`."""
    router = R(
        "google_compute_router.r",
        {
            "name": "r",
            "project": "p1",
            "region": "europe-west1",
            "network": f"{C}/global/networks/vpc",
            "bgp": [
                {
                    "asn": 64514,
                    "advertise_mode": "CUSTOM",
                    "advertised_groups": ["ALL_SUBNETS"],
                    "advertised_ip_ranges": [{"range": "10.10.0.0/16", "description": "spoke"}],
                }
            ],
        },
    )
    r = load(tmp_path, [*BASE, router]).routers[0]
    assert (r.asn, r.advertise_mode, r.advertised_groups, r.advertised_ranges[0].range) == (
        64514,
        "custom",
        ("all_subnets",),
        "10.10.0.0/16",
    )


@pytest.mark.parametrize(
    ("address", "path", "expected"),
    [
        ("172.16.8.53", "default", "private"),
        ("8.8.8.8", "default", "default"),
        ("8.8.8.8", "private", "private"),
    ],
)
def test_dns_forwarding_path(tmp_path: Path, address: str, path: str, expected: str) -> None:
    """Standard routing sends to an RFC 1918 target through the VPC from 35.199.192.0/19, as private
    routing does; to other addresses over the internet
    (https://cloud.google.com/dns/docs/zones/zones-overview#forwarding-targets)."""
    zone = R(
        "google_dns_managed_zone.z",
        {
            "name": "z",
            "project": "p1",
            "dns_name": "corp.",
            "visibility": "private",
            "private_visibility_config": [
                {"networks": [{"network_url": f"{C}/global/networks/vpc"}]}
            ],
            "forwarding_config": [
                {
                    "target_name_servers": [
                        {
                            "ipv4_address": address,
                            "forwarding_path": path if path != "default" else "",
                        }
                    ]
                }
            ],
            "peering_config": [],
        },
    )
    zone_model = load(tmp_path, [*BASE, zone]).dns_zones[0]
    assert (
        zone_model.kind,
        zone_model.networks,
        zone_model.forwarding_targets[0].forwarding_path,
    ) == ("forwarding", ("vpc",), expected)


def test_group_manager_addresses_are_unknown(tmp_path: Path) -> None:
    """A managed instance group of `target_size` VMs: their addresses are allocated by GCP, so each
    is recorded as unknown with the address of the group, and stands in from the top of the subnet;
    an answer about them says which unknowns it depends on."""
    template = R(
        "google_compute_instance_template.t",
        {
            "name": "t",
            "project": "p1",
            "self_link": f"{C}/global/instanceTemplates/t",
            "id": "projects/p1/global/instanceTemplates/t",
            "tags": ["app"],
            "network_interface": [
                {"subnetwork": f"{C}/regions/europe-west1/subnetworks/s", "access_config": []}
            ],
            "service_account": [],
        },
    )
    group = R(
        "module.app.google_compute_instance_group_manager.g",
        {
            "name": "app",
            "project": "p1",
            "zone": "europe-west1-b",
            "target_size": 2,
            "version": [{"instance_template": f"{C}/global/instanceTemplates/t", "name": ""}],
        },
    )
    rule = firewall(
        "app",
        allow=[{"protocol": "tcp", "ports": ["443"]}],
        source_ranges=["10.0.0.0/24"],
        target_tags=["app"],
    )
    bp = load(tmp_path, [*BASE, template, group, rule])
    app = bp.get("workloads", "app")
    assert app.addresses == ("10.0.0.254", "10.0.0.253")
    assert [(u.path, u.address, u.stand_in) for u in bp.unknowns_of(app)] == [
        (
            "workloads[1].addresses[0]",
            "module.app.google_compute_instance_group_manager.g.target_size",
            "10.0.0.254",
        ),
        (
            "workloads[1].addresses[1]",
            "module.app.google_compute_instance_group_manager.g.target_size",
            "10.0.0.253",
        ),
    ]
    answer = crossfence.reach(crossfence.build_topology(bp), "web", "app", "tcp/443")
    assert [u.stand_in for u in unknowns_in(bp, answer)] == ["10.0.0.254", "10.0.0.253"]
    assert (
        unknowns_in(
            bp, crossfence.reach(crossfence.build_topology(bp), "35.235.240.1", "web", "tcp/22")
        )
        == ()
    )


def test_unknown_firewall_range_disables_the_allow_rule_and_is_recorded(tmp_path: Path) -> None:
    """An ingress rule without sources is 0.0.0.0/0 (hashicorp/terraform-provider-google#6789):
    leaving the unknown range out would open the rule to everyone, so the allow rule is read as
    disabled (docs/terraform.md, "GCP firewall rules known after apply")."""
    rule = firewall("from-new", allow=[{"protocol": "tcp", "ports": ["443"]}], target_tags=["web"])
    rule.values.pop("source_ranges")
    rule.unknown = {"source_ranges": True}
    rule.action = ["create"]
    path = write(tmp_path / "plan.json", plan([*BASE, rule]))
    bp = crossfence.load(path)
    read = bp.networks[0].firewall_rules[0]
    assert (read.source_ranges, read.disabled) == ((), True)
    assert [(u.path, u.address, u.stand_in) for u in bp.unknowns] == [
        (
            "networks[0].firewall_rules[0].source_ranges",
            "google_compute_firewall.from_new.source_ranges",
            "disabled: true",
        )
    ]


def test_ephemeral_external_address_is_unknown(tmp_path: Path) -> None:
    """An `access_config` without `nat_ip` gets an ephemeral external address at apply."""
    bp = load(
        tmp_path,
        [
            network(),
            subnet("s", "10.0.0.0/24"),
            vm(
                "web",
                "s",
                "10.0.0.5",
                nic={"access_config": [{"nat_ip": "", "network_tier": "PREMIUM"}]},
            ),
        ],
    )
    web = bp.get("workloads", "web")
    assert web.public_address == "192.0.2.1"
    assert (
        bp.unknowns_of(web)[0].address
        == "google_compute_instance.web.network_interface[0].access_config[0].nat_ip"
    )


def test_unmodelled_argument_is_warned(tmp_path: Path) -> None:
    """compute_instance `can_ip_forward`: "Whether to allow sending and receiving of packets with
    non-matching source or destination IPs" — a router VM, which crossfence does not model."""
    bp = load(
        tmp_path,
        [network(), subnet("s", "10.0.0.0/24"), vm("nat", "s", "10.0.0.9", can_ip_forward=True)],
    )
    warning = next(w for w in bp.warnings if w.code == "terraform-unmodelled")
    assert (
        warning.path == "google_compute_instance.nat.can_ip_forward"
        and "does not model" in warning.message
    )


def test_unread_type_once_per_type(tmp_path: Path) -> None:
    extra = [R(f'google_sql_database_instance.db["{k}"]', {"name": k}) for k in ("a", "b", "c")]
    bp = load(
        tmp_path,
        [
            *BASE,
            *extra,
            R("random_password.p", {"result": "x"}),
            R("google_project_service.s", {"service": "compute.googleapis.com"}),
        ],
    )
    unread = [w for w in bp.warnings if w.code == "terraform-unread"]
    assert len(unread) == 1
    assert unread[0].message.startswith(
        '3 resources of type google_sql_database_instance not read (first: google_sql_database_instance.db["a"])'
    )


def test_gke_cluster(tmp_path: Path) -> None:
    """container_cluster: `ip_allocation_policy` names the secondary ranges of pods and services;
    `private_cluster_config.enable_private_nodes` false gives nodes external addresses (warned)."""
    cluster = R(
        "google_container_cluster.c",
        {
            "name": "gke",
            "project": "p1",
            "location": "europe-west1",
            "network": "projects/p1/global/networks/vpc",
            "subnetwork": "projects/p1/regions/europe-west1/subnetworks/nodes",
            "ip_allocation_policy": [
                {"cluster_secondary_range_name": "pods", "services_secondary_range_name": "svc"}
            ],
            "private_cluster_config": [{"enable_private_nodes": False}],
            "node_config": [{"tags": ["node"], "service_account": "n@p1.iam.gserviceaccount.com"}],
        },
    )
    pool = R(
        "google_container_node_pool.extra",
        {
            "name": "extra",
            "cluster": "projects/p1/locations/europe-west1/clusters/gke",
            "node_config": [{"tags": ["node", "extra"], "service_account": "default"}],
        },
    )
    cluster.values["id"] = "projects/p1/locations/europe-west1/clusters/gke"
    nodes = subnet(
        "nodes",
        "10.0.0.0/20",
        secondary_ip_range=[
            {"range_name": "pods", "ip_cidr_range": "10.4.0.0/14"},
            {"range_name": "svc", "ip_cidr_range": "10.8.0.0/20"},
        ],
    )
    bp = load(tmp_path, [network(), nodes, cluster, pool])
    gke = bp.clusters[0]
    assert (
        gke.kind,
        gke.pod_range,
        gke.service_range,
        gke.node_tags,
        gke.node_service_account,
    ) == ("gke", "pods", "svc", ("node", "extra"), "n@p1.iam.gserviceaccount.com")
    assert any(
        w.path == "google_container_cluster.c.private_cluster_config.enable_private_nodes"
        for w in bp.warnings
    )


def test_ha_vpn_between_two_gcp_networks(tmp_path: Path) -> None:
    """HA VPN to another HA VPN gateway (`peer_gcp_gateway`): each side's tunnel, Cloud Router
    interface and BGP peer are one half; the two halves are one tunnel and one BGP session
    (https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn2)."""
    resources = [*BASE, network("b"), subnet("sb", "10.9.0.0/24", "b"), vm("far", "sb", "10.9.0.5")]
    for side, net, ip, asn, peer_asn, local, peer in (
        ("a", "vpc", "34.1.0.1", 64514, 64515, "169.254.0.1", "169.254.0.2"),
        ("b", "b", "34.2.0.1", 64515, 64514, "169.254.0.2", "169.254.0.1"),
    ):
        other = "b" if side == "a" else "a"
        resources += [
            R(
                f"google_compute_ha_vpn_gateway.{side}",
                {
                    "name": f"gw-{side}",
                    "project": "p1",
                    "region": "europe-west1",
                    "network": f"{C}/global/networks/{net}",
                    "self_link": f"{C}/regions/europe-west1/vpnGateways/gw-{side}",
                    "vpn_interfaces": [{"id": 0, "ip_address": ip}],
                },
            ),
            R(
                f"google_compute_router.{side}",
                {
                    "name": f"r-{side}",
                    "project": "p1",
                    "region": "europe-west1",
                    "network": f"{C}/global/networks/{net}",
                    "self_link": f"{C}/regions/europe-west1/routers/r-{side}",
                    "bgp": [
                        {
                            "asn": asn,
                            "advertise_mode": "DEFAULT",
                            "advertised_groups": [],
                            "advertised_ip_ranges": [],
                        }
                    ],
                },
            ),
            R(
                f"google_compute_vpn_tunnel.{side}",
                {
                    "name": f"t-{side}",
                    "project": "p1",
                    "region": "europe-west1",
                    "vpn_gateway": f"{C}/regions/europe-west1/vpnGateways/gw-{side}",
                    "vpn_gateway_interface": 0,
                    "peer_gcp_gateway": f"{C}/regions/europe-west1/vpnGateways/gw-{other}",
                    "router": f"{C}/regions/europe-west1/routers/r-{side}",
                    "shared_secret": "s3cr3t",
                    "ike_version": 2,
                    "self_link": f"{C}/regions/europe-west1/vpnTunnels/t-{side}",
                },
            ),
            R(
                f"google_compute_router_interface.{side}",
                {
                    "name": f"if-{side}",
                    "router": f"r-{side}",
                    "region": "europe-west1",
                    "ip_range": f"{local}/30",
                    "vpn_tunnel": f"t-{side}",
                },
            ),
            R(
                f"google_compute_router_peer.{side}",
                {
                    "name": f"bgp-{side}",
                    "router": f"r-{side}",
                    "region": "europe-west1",
                    "interface": f"if-{side}",
                    "peer_ip_address": peer,
                    "peer_asn": peer_asn,
                    "advertised_route_priority": 100,
                    "enable": True,
                },
            ),
        ]
    resources.append(
        firewall("all", allow=[{"protocol": "all", "ports": []}], source_ranges=["10.0.0.0/8"])
    )
    resources.append(
        R(
            "google_compute_firewall.b_all",
            {
                **firewall("b-all").values,
                "network": f"{C}/global/networks/b",
                "allow": [{"protocol": "all", "ports": []}],
                "source_ranges": ["10.0.0.0/8"],
            },
        )
    )
    bp = load(tmp_path, resources)
    (tunnel,) = bp.vpn_tunnels
    assert (tunnel.name, tunnel.local.gateway, tunnel.peer.gateway) == ("t-a", "gw-a", "gw-b")
    (session,) = bp.bgp_sessions
    assert (
        session.local.speaker,
        session.local.address,
        session.peer.speaker,
        session.peer.address,
    ) == ("r-a", "169.254.0.1/30", "r-b", "169.254.0.2/30")
    assert crossfence.reach(crossfence.build_topology(bp), "web", "far", "tcp/443").allowed


def test_network_firewall_policy(tmp_path: Path) -> None:
    """compute_network_firewall_policy with its `_rule` (match.layer4_configs, src_ip_ranges) and
    `_association` (attachment_target: the network)."""
    policy = R(
        "google_compute_network_firewall_policy.p",
        {
            "name": "pol",
            "project": "p1",
            "self_link": f"{C}/global/firewallPolicies/pol",
            "id": "projects/p1/global/firewallPolicies/pol",
        },
    )
    rule = R(
        "google_compute_network_firewall_policy_rule.r",
        {
            "firewall_policy": "pol",
            "project": "p1",
            "priority": 100,
            "direction": "INGRESS",
            "action": "deny",
            "match": [
                {
                    "src_ip_ranges": ["0.0.0.0/0"],
                    "layer4_configs": [{"ip_protocol": "tcp", "ports": ["23"]}],
                }
            ],
            "target_service_accounts": [],
            "disabled": False,
        },
    )
    association = R(
        "google_compute_network_firewall_policy_association.a",
        {
            "name": "a",
            "firewall_policy": "pol",
            "attachment_target": f"{C}/global/networks/vpc",
            "project": "p1",
        },
    )
    fp = load(tmp_path, [*BASE, policy, rule, association]).firewall_policies[0]
    assert (
        fp.kind,
        fp.networks,
        fp.rules[0].action,
        fp.rules[0].ports,
        fp.rules[0].source_ranges,
    ) == ("network", ("vpc",), "deny", ("tcp/23",), ("0.0.0.0/0",))


def test_unassociated_hierarchical_policy_applies_to_nothing(tmp_path: Path) -> None:
    policy = R(
        "google_compute_firewall_policy.org",
        {
            "short_name": "org",
            "parent": "organizations/1",
            "name": "123",
            "id": "locations/global/firewallPolicies/123",
            "project": "p1",
        },
    )
    bp = load(tmp_path, [*BASE, policy])
    assert bp.firewall_policies == ()
    assert any("applies to nothing" in w.message for w in bp.warnings)


def test_lb_internet_neg_names_the_endpoint_at_its_address(tmp_path: Path) -> None:
    """The external HTTPS load balancer chain: forwarding rule -> target HTTPS proxy -> URL map ->
    backend service (IAP, Cloud Armor, CDN) -> internet NEG endpoint, whose address is an endpoint
    of the estate (a VM's external address here)."""
    web = vm("web", "s", "10.0.0.5", nic={"access_config": [{"nat_ip": "203.0.113.50"}]})
    chain = [
        R(
            "google_compute_global_forwarding_rule.f",
            {
                "name": "edge",
                "project": "p1",
                "ip_address": "34.120.0.1",
                "port_range": "443-443",
                "target": f"{C}/global/targetHttpsProxies/px",
                "load_balancing_scheme": "EXTERNAL_MANAGED",
            },
        ),
        R(
            "google_compute_target_https_proxy.px",
            {
                "name": "px",
                "project": "p1",
                "url_map": f"{C}/global/urlMaps/m",
                "self_link": f"{C}/global/targetHttpsProxies/px",
            },
        ),
        R(
            "google_compute_url_map.m",
            {
                "name": "m",
                "project": "p1",
                "default_service": f"{C}/global/backendServices/bs",
                "self_link": f"{C}/global/urlMaps/m",
            },
        ),
        R(
            "google_compute_backend_service.bs",
            {
                "name": "bs",
                "project": "p1",
                "protocol": "HTTPS",
                "enable_cdn": False,
                "iap": [{"enabled": True, "oauth2_client_secret": "x"}],
                "generated_id": 42,
                "backend": [{"group": f"{C}/global/networkEndpointGroups/neg"}],
                "security_policy": "",
                "self_link": f"{C}/global/backendServices/bs",
            },
        ),
        R(
            "google_compute_global_network_endpoint_group.neg",
            {
                "name": "neg",
                "project": "p1",
                "network_endpoint_type": "INTERNET_IP_PORT",
                "default_port": 443,
                "self_link": f"{C}/global/networkEndpointGroups/neg",
            },
        ),
        R(
            "google_compute_global_network_endpoint.e",
            {
                "global_network_endpoint_group": "neg",
                "project": "p1",
                "ip_address": "203.0.113.50",
                "port": 8443,
            },
        ),
        R("data.google_project.p", {"project_id": "p1", "number": "777"}, mode="data"),
    ]
    bp = load(tmp_path, [network(), subnet("s", "10.0.0.0/24"), web, *chain])
    lb = bp.load_balancers[0]
    assert (lb.name, lb.address, lb.port, lb.protocol) == ("edge", "34.120.0.1", 443, "https")
    assert [(b.kind, b.target, b.port, b.protocol) for b in lb.backends] == [
        ("internet_neg", "web", 8443, "https")
    ]
    assert lb.iap is not None and lb.iap.audience == "/projects/777/global/backendServices/42"


def test_missing_subnet_of_a_vm_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError) as error:
        load(tmp_path, [network(), vm("web", "gone", "10.0.0.5")])
    problem = error.value.errors[0]
    assert problem.path == "google_compute_instance.web.network_interface[0].subnetwork"
