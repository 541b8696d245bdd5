"""The reference example is the estate SCENARIO.md describes, and it validates without warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crossfence import load
from crossfence.model import Blueprint

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"


@pytest.fixture(scope="module")
def bp() -> Blueprint:
    return load(EXAMPLE)


def _subnets(bp: Blueprint, network: str) -> dict[str, str]:
    return {s.name: s.cidr for s in bp.get("networks", network).all_subnets}


def test_validates_without_warnings(bp: Blueprint) -> None:
    assert bp.warnings == ()
    assert bp.name == "eu-sovereign"
    assert bp.origin == EXAMPLE


def test_clouds(bp: Blueprint) -> None:
    assert [(c.name, c.provider, c.jurisdiction, c.region) for c in bp.clouds] == [
        ("gcp", "gcp", "US", "europe-west1"),
        ("scw", "scaleway", "EU", "fr-par"),
    ]


def test_gcp_hub_and_spokes(bp: Blueprint) -> None:
    assert {n.name: n.cloud for n in bp.networks} == {
        "hub": "gcp",
        "spoke-prod": "gcp",
        "spoke-dev": "gcp",
        "scw-vpc": "scw",
    }
    for name in ("hub", "spoke-prod", "spoke-dev"):
        assert bp.get("networks", name).routing_mode == "global"
    assert _subnets(bp, "hub") == {"hub-ew1": "10.0.0.0/24"}
    assert _subnets(bp, "spoke-prod") == {"prod-nodes": "10.10.0.0/20"}
    assert _subnets(bp, "spoke-dev") == {"dev-nodes": "10.20.0.0/20"}
    prod_nodes = bp.get("networks", "spoke-prod").subnets[0]
    assert {r.name: r.cidr for r in prod_nodes.secondary_ranges} == {
        "gke-prod-pods": "10.12.0.0/16",
        "gke-prod-services": "10.13.0.0/20",
    }


def test_peerings_export_to_prod_but_dev_does_not_import(bp: Blueprint) -> None:
    sides = {
        p.name: (p.network, p.peer_network, p.export_custom_routes, p.import_custom_routes)
        for p in bp.peerings
    }
    assert sides == {
        "hub-to-prod": ("hub", "spoke-prod", True, False),
        "prod-to-hub": ("spoke-prod", "hub", False, True),
        "hub-to-dev": ("hub", "spoke-dev", True, False),
        "dev-to-hub": ("spoke-dev", "hub", False, False),
    }


def test_ha_vpn_cloud_router_and_advertisement(bp: Blueprint) -> None:
    hub_vpn = bp.get("vpn_gateways", "hub-vpn")
    assert (hub_vpn.cloud, hub_vpn.network, hub_vpn.type) == ("gcp", "hub", "ha_vpn")
    assert [i.id for i in hub_vpn.interfaces] == [0, 1]
    router = bp.get("routers", "hub-router")
    assert (router.network, router.asn, router.advertise_mode) == ("hub", 64514, "custom")
    assert router.advertised_groups == ("all_subnets",)
    assert [r.range for r in router.advertised_ranges] == [
        "10.10.0.0/16",
        "10.12.0.0/16",
        "199.36.153.4/30",
        "35.199.192.0/19",
    ]


def test_org_policy_allows_only_the_scaleway_gateway(bp: Blueprint) -> None:
    (policy,) = bp.org_policies
    assert (policy.cloud, policy.constraint) == ("gcp", "compute.restrictVpnPeerIPs")
    scw_vpn = bp.get("vpn_gateways", "scw-vpn")
    assert sorted(policy.allowed_values) == sorted(i.ip for i in scw_vpn.interfaces)
    assert len(policy.allowed_values) == 2


def test_scaleway_vpc(bp: Blueprint) -> None:
    assert _subnets(bp, "scw-vpc") == {"pn-apps": "172.16.0.0/22", "pn-data": "172.16.8.0/24"}
    addresses = {w.name: (w.subnet, w.addresses) for w in bp.workloads if w.network == "scw-vpc"}
    assert addresses == {
        "customer-db": ("pn-data", ("172.16.8.10",)),
        "hsm": ("pn-data", ("172.16.8.20",)),
        "backup": ("pn-data", ("172.16.8.30",)),
        "dlp-client": ("pn-data", ("172.16.8.40",)),
        "scw-dns": ("pn-data", ("172.16.8.53",)),
    }
    db = bp.get("workloads", "customer-db")
    assert (db.kind, [(p.protocol, p.port) for p in db.ports]) == (
        "vm",
        [("tcp", 5432)],
    )


def test_vpc_acl_lets_only_kapsule_pods_reach_the_database(bp: Blueprint) -> None:
    acl = bp.get("networks", "scw-vpc").acl
    assert acl is not None
    first = acl.rules[0]
    assert (first.action, first.protocol, first.source, first.destination) == (
        "accept",
        "tcp",
        "100.64.0.0/16",
        "172.16.8.0/24",
    )
    assert first.destination_ports == "5432"
    # everything else between pn-apps and pn-data is dropped, in both directions
    drops = {(r.source, r.destination) for r in acl.rules if r.action == "drop"}
    assert {("172.16.0.0/22", "172.16.8.0/24"), ("172.16.8.0/24", "172.16.0.0/22")} <= drops


def test_scaleway_vpn_gateway_and_routing_policy(bp: Blueprint) -> None:
    scw_vpn = bp.get("vpn_gateways", "scw-vpn")
    assert (scw_vpn.cloud, scw_vpn.type, scw_vpn.asn) == ("scw", "scaleway_s2s", 12876)
    policy = bp.get("routing_policies", "scw-gcp-policy")
    assert policy.prefix_filter_out == ("172.16.0.0/22", "172.16.8.0/24", "100.64.0.0/16")
    advertised = {r.range for r in bp.get("routers", "hub-router").advertised_ranges}
    assert advertised | {"10.0.0.0/24"} == set(policy.prefix_filter_in)


def test_two_tunnels_with_bgp_on_link_local_30s(bp: Blueprint) -> None:
    assert [
        (t.name, t.local.gateway, t.local.interface, t.peer.gateway, t.peer.interface)
        for t in bp.vpn_tunnels
    ] == [("tunnel-0", "hub-vpn", 0, "scw-vpn", 0), ("tunnel-1", "hub-vpn", 1, "scw-vpn", 1)]
    assert [
        (s.tunnel, s.local.speaker, s.local.address, s.peer.speaker, s.peer.address)
        for s in bp.bgp_sessions
    ] == [
        ("tunnel-0", "hub-router", "169.254.0.1/30", "scw-vpn", "169.254.0.2/30"),
        ("tunnel-1", "hub-router", "169.254.1.1/30", "scw-vpn", "169.254.1.2/30"),
    ]


def test_clusters(bp: Blueprint) -> None:
    gke = bp.get("clusters", "gke-prod")
    assert (gke.kind, gke.network, gke.subnet, gke.pod_range, gke.service_range) == (
        "gke",
        "spoke-prod",
        "prod-nodes",
        "gke-prod-pods",
        "gke-prod-services",
    )
    kapsule = bp.get("clusters", "kapsule-eu")
    assert (kapsule.kind, kapsule.network, kapsule.subnet, kapsule.pod_range) == (
        "kapsule",
        "scw-vpc",
        "pn-apps",
        "100.64.0.0/16",
    )
    for cluster in (gke, kapsule):
        assert cluster.mesh is not None and cluster.mesh.east_west_gateway is not None
        assert cluster.mesh.east_west_gateway.port == 15443


# SCENARIO.md, "Workloads, clusters and the global namespace"
WORKLOADS: dict[str, tuple[str, Any, str]] = {
    "frontend": ("gke-prod", ("web", "frontend"), "none"),
    "gitlab-runner": ("gke-prod", ("ci", "gitlab-runner"), "none"),
    "vault": ("hub", None, "none"),
    "customer-api": ("kapsule-eu", ("shop", "customer-api"), "processes"),
    "customer-db": ("pn-data", None, "stores"),
    "hsm": ("pn-data", None, "processes"),
    "backup": ("pn-data", None, "processes"),
    "dlp-client": ("pn-data", None, "processes"),
    "scw-dns": ("pn-data", None, "none"),
}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_workloads_table(bp: Blueprint, name: str) -> None:
    where, identity, personal_data = WORKLOADS[name]
    workload = bp.get("workloads", name)
    assert workload is not None
    assert where in (workload.cluster, workload.network, workload.subnet)
    if identity is not None:
        assert (workload.kind, workload.namespace, workload.service_account) == ("pods", *identity)
    assert workload.personal_data == personal_data


def test_vault_vm(bp: Blueprint) -> None:
    vault = bp.get("workloads", "vault")
    assert (vault.kind, vault.subnet, vault.addresses) == ("vm", "hub-ew1", ("10.0.0.10",))
    assert [p.port for p in vault.ports] == [8200]


def test_global_namespace(bp: Blueprint) -> None:
    (shop,) = bp.global_namespaces
    assert (shop.name, shop.trust_domain, shop.mtls_mode, shop.default_action) == (
        "shop",
        "example.eu",
        "STRICT",
        "deny",
    )
    assert [(m.cluster, m.namespace) for m in shop.members] == [
        ("gke-prod", "web"),
        ("kapsule-eu", "shop"),
    ]
    policies = {p.name: p for p in shop.policies}
    to_api = policies["frontend-to-customer-api"]
    assert (to_api.action, to_api.sources, to_api.destination) == (
        "allow",
        ("frontend",),
        "customer-api",
    )
    assert (to_api.ports, to_api.methods, to_api.paths) == (
        ("tcp/8443",),
        ("GET", "POST"),
        ("/api/*",),
    )
    to_db = policies["customer-api-to-db"]
    assert (to_db.sources, to_db.destination, to_db.ports) == (
        ("customer-api",),
        "customer-db",
        ("tcp/5432",),
    )


def test_edge_iap_and_scaleway_acl(bp: Blueprint) -> None:
    public = bp.get("load_balancers", "public-lb")
    assert (public.cloud, public.kind, public.cdn) == ("gcp", "gcp_external_https", True)
    assert public.security_policy is not None
    assert public.iap is not None and public.iap.enabled
    assert public.iap.audience == "/projects/123456789/global/backendServices/987654321"
    assert "Azure AD" in (public.iap.identity_provider or "")
    (backend,) = public.backends
    assert (backend.kind, backend.target, backend.port) == ("internet_neg", "scw-edge", 443)
    edge = bp.get("load_balancers", "scw-edge")
    assert (edge.address, edge.port, edge.acl_default_action) == ("51.15.0.10", 443, "deny")
    assert [(b.target, b.port) for b in edge.backends] == [("customer-api", 8443)]
    allowed = {r for acl in edge.acls if acl.action == "allow" for r in acl.ip_ranges}
    assert {"130.211.0.0/22", "35.191.0.0/16"} <= allowed
    assert "0.0.0.0/0" not in allowed


def test_dns_forwarding(bp: Blueprint) -> None:
    (zone,) = bp.dns_zones
    assert (zone.cloud, zone.domain, zone.kind) == ("gcp", "scw.internal.", "forwarding")
    assert "hub" in zone.networks
    assert [(t.address, t.workload, t.forwarding_path) for t in zone.forwarding_targets] == [
        ("172.16.8.53", "scw-dns", "private")
    ]
    (policy,) = bp.dns_server_policies
    assert (policy.network, policy.inbound_forwarding, policy.forwarder_addresses) == (
        "hub",
        True,
        ("10.0.0.2",),
    )
    forwarders = bp.get("workloads", "cloud-dns-forwarders")
    assert forwarders.addresses == ("35.199.192.0/19",)


def test_keys_backups_dlp_and_vault_roles(bp: Blueprint) -> None:
    (key,) = bp.keys
    assert (key.kind, key.held_by, key.protects, key.protects_disks) == (
        "customer_supplied",
        "hsm",
        ("dr-backups",),
        True,
    )
    bucket = bp.get("buckets", "dr-backups")
    assert (bucket.cloud, bucket.encryption_key, bucket.reached_via) == (
        "gcp",
        key.name,
        "restricted-googleapis",
    )
    (backup,) = bp.backups
    assert (backup.agent, backup.source, backup.destination, backup.via) == (
        "backup",
        "customer-db",
        "dr-backups",
        "restricted-googleapis",
    )
    assert backup.encrypted_at_source is True
    (dlp,) = bp.dlp_paths
    assert (dlp.client, dlp.api, dlp.inspection) == (
        "dlp-client",
        "restricted-googleapis",
        "in_memory",
    )
    assert dlp.service_perimeter is not None
    assert bp.get("workloads", "restricted-googleapis").addresses == ("199.36.153.4/30",)
    assert {c.name: (c.cloud, c.usage, c.vault) for c in bp.credentials} == {
        "deployer": ("scw", "deploy", "vault"),
        "user": ("scw", "runtime", "vault"),
    }
    roles = {
        r.name: (r.credentials, [(b.cluster, b.namespace, b.service_account) for b in r.bindings])
        for r in bp.vault_roles
    }
    assert roles == {
        "scw-deployer": (("deployer",), [("gke-prod", "ci", "gitlab-runner")]),
        "scw-user": (("user",), [("kapsule-eu", "shop", "customer-api")]),
    }


def test_intents_cover_the_scenario_questions(bp: Blueprint) -> None:
    intents = {i.name: (i.source, i.destination, i.port, i.expect) for i in bp.intents}
    assert intents["frontend-calls-customer-api"] == (
        "frontend",
        "customer-api",
        "tcp/8443",
        "allowed",
    )
    assert intents["frontend-never-reaches-db"] == ("frontend", "customer-db", "tcp/5432", "denied")
    assert intents["internet-cannot-bypass-iap"] == ("203.0.113.7", "scw-edge", "tcp/443", "denied")
    assert intents["customer-api-reads-vault"] == ("customer-api", "vault", "tcp/8200", "allowed")
    assert intents["dns-forwarding"] == ("cloud-dns-forwarders", "scw-dns", "udp/53", "allowed")


def test_objects_carry_their_source_location(bp: Blueprint) -> None:
    router = bp.get("routers", "hub-router")
    assert router.defined_at is not None
    assert Path(router.defined_at.file).name == "gcp-network.yaml"
    text = (EXAMPLE / "gcp-network.yaml").read_text(encoding="utf-8").splitlines()
    assert text[router.defined_at.line - 1].strip() == "- name: hub-router"
