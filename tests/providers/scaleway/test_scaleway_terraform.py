"""The `scaleway` provider's resources read into the blueprint, each argument as the provider's documentation defines it.

Pages: https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/<type>.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.terraform.plans import R, show_state, write

import crossfence

P = "6f1b2c3d-0000-4000-8000-000000000001"


def scw(address: str, key: str, values: dict[str, Any], zone: str = "fr-par") -> R:
    location = {"zone": zone} if zone.count("-") == 2 else {"region": zone}
    return R(address, {"project_id": P, **location, "id": f"{zone}/{key}", **values})


def vpc() -> list[R]:
    return [
        scw(
            "scaleway_vpc.v",
            "11111111-1111-4111-8111-111111111111",
            {"name": "vpc", "enable_routing": True},
        ),
        scw(
            'scaleway_vpc_private_network.pn["apps"]',
            "22222222-2222-4222-8222-222222222222",
            {
                "name": "pn-apps",
                "vpc_id": "fr-par/11111111-1111-4111-8111-111111111111",
                "ipv4_subnet": [{"subnet": "172.16.0.0/22"}],
            },
        ),
        scw(
            'scaleway_vpc_private_network.pn["data"]',
            "33333333-3333-4333-8333-333333333333",
            {
                "name": "pn-data",
                "vpc_id": "fr-par/11111111-1111-4111-8111-111111111111",
                "ipv4_subnet": [{"subnet": "172.16.8.0/24"}],
            },
        ),
    ]


def server(
    name: str,
    key: str,
    address: str,
    pn: str = "33333333-3333-4333-8333-333333333333",
    **values: Any,
) -> R:
    return scw(
        f'scaleway_instance_server.s["{name}"]',
        key,
        {
            "name": name,
            "private_network": [{"pn_id": f"fr-par/{pn}"}],
            "private_ips": [{"id": "x", "address": address}, {"id": "y", "address": "fd00::1"}],
            "public_ips": [],
            **values,
        },
        "fr-par-1",
    )


def load(tmp_path: Path, resources: list[R]) -> crossfence.Blueprint:
    return crossfence.load(write(tmp_path / "state.json", show_state(resources)))


def test_security_group_provider_defaults(tmp_path: Path) -> None:
    """instance_security_group: "stateful - (Defaults to true)", "inbound_default_policy - (Defaults
    to accept)", "outbound_default_policy - (Defaults to accept)"; a rule's "protocol - (Defaults to
    TCP)", `port` or `port_range`, `ip_range` (no range: any address)."""
    group = scw(
        "scaleway_instance_security_group.g",
        "44444444-4444-4444-8444-444444444444",
        {
            "name": "g",
            "inbound_rule": [
                {"action": "accept", "port": 22, "ip_range": "10.0.0.0/8"},
                {"action": "drop", "protocol": "UDP", "port_range": "1000-2000"},
                {"action": "accept", "protocol": "ANY"},
            ],
        },
        "fr-par-1",
    )
    g = load(tmp_path, [*vpc(), group]).security_groups[0]
    assert (g.stateful, g.inbound_default_policy, g.outbound_default_policy) == (
        True,
        "accept",
        "accept",
    )
    assert [(r.action, r.ports, r.ip_ranges) for r in g.inbound_rules] == [
        ("accept", "tcp/22", ("10.0.0.0/8",)),
        ("drop", "udp/1000-2000", ("0.0.0.0/0",)),
        ("accept", "all", ("0.0.0.0/0",)),
    ]


def test_security_group_smtp_block_is_read_only_when_lifted(tmp_path: Path) -> None:
    """instance_security_group: `enable_default_security` "Whether to block SMTP on IPv4 and
    IPv6" (the Instance API: "True if SMTP is blocked on IPv4 and IPv6"), true by default: a
    state saying false lifts the block; true or absent keeps it (the field stays unset)."""
    groups = [
        scw(
            f"scaleway_instance_security_group.{name}",
            key,
            {"name": name, **values},
            "fr-par-1",
        )
        for name, key, values in (
            ("lifted", "44444444-4444-4444-8444-444444444441", {"enable_default_security": False}),
            ("blocked", "44444444-4444-4444-8444-444444444442", {"enable_default_security": True}),
            ("unsaid", "44444444-4444-4444-8444-444444444443", {}),
        )
    ]
    bp = load(tmp_path, [*vpc(), *groups])
    assert {g.name: g.enable_default_security for g in bp.security_groups} == {
        "lifted": False,
        "blocked": None,
        "unsaid": None,
    }


def test_security_group_rules_resource_adds_rules(tmp_path: Path) -> None:
    """instance_security_group_rules holds the rules of a group with `external_rules = true`."""
    group = scw(
        "scaleway_instance_security_group.g",
        "44444444-4444-4444-8444-444444444444",
        {"name": "g", "inbound_default_policy": "drop", "external_rules": True, "inbound_rule": []},
        "fr-par-1",
    )
    rules = R(
        "scaleway_instance_security_group_rules.r",
        {
            "security_group_id": "fr-par-1/44444444-4444-4444-8444-444444444444",
            "inbound_rule": [{"action": "accept", "protocol": "TCP", "port": 443}],
            "outbound_rule": [],
        },
    )
    g = load(tmp_path, [*vpc(), group, rules]).security_groups[0]
    assert [r.ports for r in g.inbound_rules] == ["tcp/443"] and g.inbound_default_policy == "drop"


def test_vpc_acl_rules(tmp_path: Path) -> None:
    """vpc_acl: `default_policy` (defaults to accept), rules with `protocol` (ANY by default),
    `src_port_low`/`src_port_high`, `dst_port_low`/`dst_port_high` (0: any), `action`."""
    acl = scw(
        "scaleway_vpc_acl.a",
        "55555555-5555-4555-8555-555555555555",
        {
            "vpc_id": "fr-par/11111111-1111-4111-8111-111111111111",
            "is_ipv6": False,
            "default_policy": "drop",
            "rules": [
                {
                    "protocol": "TCP",
                    "source": "172.16.0.0/22",
                    "src_port_low": 0,
                    "src_port_high": 0,
                    "destination": "172.16.8.0/24",
                    "dst_port_low": 5432,
                    "dst_port_high": 5433,
                    "action": "accept",
                    "description": "db",
                },
                {
                    "protocol": "ANY",
                    "source": "0.0.0.0/0",
                    "destination": "0.0.0.0/0",
                    "action": "drop",
                },
            ],
        },
    )
    network = load(tmp_path, [*vpc(), acl]).networks[0]
    assert network.acl is not None and network.acl.default_policy == "drop"
    first, second = network.acl.rules
    assert (first.protocol, first.source_ports, first.destination_ports, first.description) == (
        "tcp",
        None,
        "5432-5433",
        "db",
    )
    assert second.protocol == "any"


def test_instance_address_on_its_private_network(tmp_path: Path) -> None:
    """instance_server: `private_network.pn_id` places it; of its `private_ips`, the IPv4 address in
    that Private Network's range is its address (IPv6 is not analysed)."""
    bp = load(
        tmp_path, [*vpc(), server("db", "66666666-6666-4666-8666-666666666666", "172.16.8.10")]
    )
    db = bp.workloads[0]
    assert (db.network, db.subnet, db.addresses) == ("vpc", "pn-data", ("172.16.8.10",))


def test_lb_acl_list_ends_in_allow(tmp_path: Path) -> None:
    """ "If traffic reaches the end of the list of ACLs without any actions being applied to it, it
    is allowed to pass to the backend" (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/);
    lb_acl `index`: "ACLs are applied in ascending order, 0 is the first ACL executed"."""
    lb = scw(
        "scaleway_lb.lb",
        "77777777-7777-4777-8777-777777777777",
        {
            "name": "edge",
            "ip_address": "51.15.0.10",
            "private_network": [
                {
                    "private_network_id": "fr-par/22222222-2222-4222-8222-222222222222",
                    "ipam_ids": [],
                }
            ],
        },
        "fr-par-1",
    )
    backend = scw(
        "scaleway_lb_backend.b",
        "88888888-8888-4888-8888-888888888888",
        {
            "lb_id": "fr-par-1/77777777-7777-4777-8777-777777777777",
            "forward_protocol": "http",
            "forward_port": 8443,
            "server_ips": ["172.16.0.20"],
        },
        "fr-par-1",
    )
    frontend = scw(
        "scaleway_lb_frontend.f",
        "99999999-9999-4999-8999-999999999999",
        {
            "lb_id": "fr-par-1/77777777-7777-4777-8777-777777777777",
            "backend_id": "fr-par-1/88888888-8888-4888-8888-888888888888",
            "inbound_port": 443,
            "certificate_ids": ["c"],
            "acl": [],
        },
        "fr-par-1",
    )
    acls = [
        scw(
            "scaleway_lb_acl.office",
            "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
            {
                "frontend_id": "fr-par-1/99999999-9999-4999-8999-999999999999",
                "name": "office",
                "index": 0,
                "action": [{"type": "allow"}],
                "match": [
                    {
                        "ip_subnet": ["198.51.100.0/24"],
                        "http_filter": "acl_http_filter_none",
                        "http_filter_value": [],
                        "invert": False,
                    }
                ],
            },
            "fr-par-1",
        ),
        scw(
            "scaleway_lb_acl.rest",
            "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
            {
                "frontend_id": "fr-par-1/99999999-9999-4999-8999-999999999999",
                "name": "rest",
                "index": 1,
                "action": [{"type": "deny"}],
                "match": [
                    {
                        "ip_subnet": ["0.0.0.0/0"],
                        "http_filter": "acl_http_filter_none",
                        "http_filter_value": [],
                        "invert": False,
                    }
                ],
            },
            "fr-par-1",
        ),
    ]
    app = server(
        "app",
        "cccccccc-cccc-4ccc-8ccc-cccccccccccc",
        "172.16.0.20",
        "22222222-2222-4222-8222-222222222222",
    )
    bp = load(tmp_path, [*vpc(), lb, backend, frontend, *acls, app])
    edge = bp.load_balancers[0]
    assert (edge.acl_default_action, edge.port, edge.protocol, edge.private_network) == (
        "allow",
        443,
        "https",
        "pn-apps",
    )
    assert [(a.name, a.index, a.action) for a in edge.acls] == [
        ("office", 1, "allow"),
        ("rest", 2, "deny"),
    ]
    assert [(b.target, b.port, b.protocol) for b in edge.backends] == [("app", 8443, "http")]
    topology = crossfence.build_topology(bp)
    assert crossfence.reach(topology, "198.51.100.7", "edge", "tcp/443").allowed
    assert not crossfence.reach(topology, "203.0.113.7", "edge", "tcp/443").allowed


def test_vpn_gateway_learns_its_address_from_the_peer(tmp_path: Path) -> None:
    """A Site-to-Site VPN gateway whose public IP Scaleway allocated (no IPAM IP in the files) joins
    the one tunnel half pointing at a customer gateway's address, and learns its own address from it."""
    gateway = scw(
        "scaleway_s2s_vpn_gateway.g",
        "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
        {
            "name": "gw",
            "private_network_id": "fr-par/22222222-2222-4222-8222-222222222222",
            "public_config": [{"ipam_ipv4_id": ""}],
            "asn": 12876,
        },
    )
    customer = scw(
        "scaleway_s2s_vpn_customer_gateway.c",
        "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee",
        {"name": "gcp", "ipv4_public": "34.157.0.1", "asn": 64514},
    )
    policy = scw(
        "scaleway_s2s_vpn_routing_policy.p",
        "ffffffff-ffff-4fff-8fff-ffffffffffff",
        {
            "name": "pol",
            "prefix_filter_in": ["10.0.0.0/24"],
            "prefix_filter_out": ["172.16.0.0/22"],
        },
    )
    connection = scw(
        "scaleway_s2s_vpn_connection.c",
        "12121212-1212-4121-8121-121212121212",
        {
            "name": "c",
            "vpn_gateway_id": "fr-par/dddddddd-dddd-4ddd-8ddd-dddddddddddd",
            "customer_gateway_id": "fr-par/eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee",
            "enable_route_propagation": True,
            "bgp_config_ipv4": [
                {
                    "routing_policy_id": "fr-par/ffffffff-ffff-4fff-8fff-ffffffffffff",
                    "private_ip": "169.254.0.2/30",
                    "peer_private_ip": "169.254.0.1/30",
                }
            ],
            "secret_id": "s",
        },
    )
    from tests.providers.gcp.test_gcp_terraform import C, network, subnet

    gcp = [
        network("hub"),
        subnet("h", "10.0.0.0/24", "hub"),
        R(
            "google_compute_ha_vpn_gateway.g",
            {
                "name": "hub-vpn",
                "project": "p1",
                "region": "europe-west1",
                "network": f"{C}/global/networks/hub",
                "self_link": f"{C}/regions/europe-west1/vpnGateways/hub-vpn",
                "vpn_interfaces": [{"id": 0, "ip_address": "34.157.0.1"}],
            },
        ),
        R(
            "google_compute_external_vpn_gateway.e",
            {
                "name": "scw",
                "project": "p1",
                "self_link": f"{C}/global/externalVpnGateways/scw",
                "interface": [{"id": 0, "ip_address": "51.159.0.9"}],
            },
        ),
        R(
            "google_compute_router.r",
            {
                "name": "r",
                "project": "p1",
                "region": "europe-west1",
                "network": f"{C}/global/networks/hub",
                "self_link": f"{C}/regions/europe-west1/routers/r",
                "bgp": [{"asn": 64514}],
            },
        ),
        R(
            "google_compute_vpn_tunnel.t",
            {
                "name": "t0",
                "project": "p1",
                "region": "europe-west1",
                "vpn_gateway": f"{C}/regions/europe-west1/vpnGateways/hub-vpn",
                "vpn_gateway_interface": 0,
                "peer_external_gateway": f"{C}/global/externalVpnGateways/scw",
                "peer_external_gateway_interface": 0,
                "router": f"{C}/regions/europe-west1/routers/r",
                "self_link": f"{C}/regions/europe-west1/vpnTunnels/t0",
            },
        ),
        R(
            "google_compute_router_interface.i",
            {
                "name": "if0",
                "router": "r",
                "region": "europe-west1",
                "ip_range": "169.254.0.1/30",
                "vpn_tunnel": "t0",
            },
        ),
        R(
            "google_compute_router_peer.p",
            {
                "name": "bgp0",
                "router": "r",
                "region": "europe-west1",
                "interface": "if0",
                "peer_ip_address": "169.254.0.2",
                "peer_asn": 12876,
                "enable": True,
            },
        ),
    ]
    bp = load(tmp_path, [*vpc(), gateway, customer, policy, connection, *gcp])
    scw_gw = bp.get("vpn_gateways", "gw")
    assert [(i.id, i.ip) for i in scw_gw.interfaces] == [
        (0, "51.159.0.9")
    ] and scw_gw.route_propagation
    session = bp.bgp_sessions[0]
    assert (
        session.local.speaker,
        session.peer.speaker,
        session.peer.routing_policy,
        session.peer.address,
    ) == ("r", "gw", "pol", "169.254.0.2/30")


def test_tunnel_with_one_half_is_left_out(tmp_path: Path) -> None:
    gateway = scw(
        "scaleway_s2s_vpn_gateway.g",
        "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
        {
            "name": "gw",
            "private_network_id": "fr-par/22222222-2222-4222-8222-222222222222",
            "asn": 12876,
        },
    )
    customer = scw(
        "scaleway_s2s_vpn_customer_gateway.c",
        "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee",
        {"name": "onprem", "ipv4_public": "198.51.100.1", "asn": 65000},
    )
    connection = scw(
        "scaleway_s2s_vpn_connection.c",
        "12121212-1212-4121-8121-121212121212",
        {
            "vpn_gateway_id": "fr-par/dddddddd-dddd-4ddd-8ddd-dddddddddddd",
            "customer_gateway_id": "fr-par/eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee",
        },
    )
    bp = load(tmp_path, [*vpc(), gateway, customer, connection])
    assert bp.vpn_tunnels == ()
    warning = next(w for w in bp.warnings if w.code == "terraform-tunnel")
    assert warning.path == "scaleway_s2s_vpn_connection.c" and "198.51.100.1" in warning.message


def test_kapsule_cluster_and_pool(tmp_path: Path) -> None:
    """k8s_cluster `pod_cidr`, `service_cidr`, `private_network_id`; k8s_pool `security_group_id`
    and `public_ip_disabled` ("Defaults to false": nodes with public addresses, warned)."""
    group = scw(
        "scaleway_instance_security_group.g",
        "44444444-4444-4444-8444-444444444444",
        {"name": "nodes"},
        "fr-par-1",
    )
    cluster = scw(
        "scaleway_k8s_cluster.k",
        "13131313-1313-4131-8131-131313131313",
        {
            "name": "k",
            "private_network_id": "fr-par/22222222-2222-4222-8222-222222222222",
            "pod_cidr": "100.64.0.0/16",
            "service_cidr": "100.65.0.0/16",
            "kubeconfig": [{"token": "t0ken"}],
        },
    )
    pool = scw(
        "scaleway_k8s_pool.p",
        "14141414-1414-4141-8141-141414141414",
        {
            "cluster_id": "fr-par/13131313-1313-4131-8131-131313131313",
            "security_group_id": "fr-par-1/44444444-4444-4444-8444-444444444444",
            "public_ip_disabled": False,
        },
        "fr-par-1",
    )
    bp = load(tmp_path, [*vpc(), group, cluster, pool])
    k = bp.clusters[0]
    assert (k.kind, k.subnet, k.pod_range, k.service_range, k.node_security_groups) == (
        "kapsule",
        "pn-apps",
        "100.64.0.0/16",
        "100.65.0.0/16",
        ("nodes",),
    )
    assert any(w.path == "scaleway_k8s_pool.p.public_ip_disabled" for w in bp.warnings)
    assert "t0ken" not in bp.model_dump_json()


def test_managed_database_on_its_private_network(tmp_path: Path) -> None:
    """rdb_instance `private_network` endpoint: its `ip` and `port` on the Private Network."""
    db = scw(
        "scaleway_rdb_instance.db",
        "15151515-1515-4151-8151-151515151515",
        {
            "name": "db",
            "password": "pw",
            "private_network": [
                {
                    "pn_id": "fr-par/33333333-3333-4333-8333-333333333333",
                    "ip": "172.16.8.10",
                    "port": 5432,
                }
            ],
            "load_balancer": [],
        },
    )
    workload = load(tmp_path, [*vpc(), db]).workloads[0]
    assert (workload.kind, workload.subnet, workload.addresses, workload.ports[0].port) == (
        "managed_database",
        "pn-data",
        ("172.16.8.10",),
        5432,
    )
