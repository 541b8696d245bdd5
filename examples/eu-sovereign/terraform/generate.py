"""Write the reference estate as Terraform shows it: `terraform show -json` of a plan and of state, and the plan variants.

The estate is the one of the YAML blueprint one folder up (SCENARIO.md), as the `google` and
`scaleway` providers hold it: every resource with the attributes the provider records (ids,
self_links, computed values), in modules (`module.hub`, `module.spoke["prod"]` with for_each
keys, `module.edge`, `module.scaleway`), written in the JSON format Terraform 1.11 prints
(https://developer.hashicorp.com/terraform/internals/json-format): one compact line,
`format_version` 1.2, `planned_values` with `root_module` and `child_modules`,
`resource_changes` with `before`, `after`, `after_unknown`, `after_sensitive`, `prior_state`,
`configuration` with every argument's expression (its `references`, or its `constant_value`).
What Terraform does not hold (jurisdictions, personal data, ports, manifests, intents) is in
`overlay.yaml`, written by hand.

    .venv/bin/python examples/eu-sovereign/terraform/generate.py            # rewrite the files
    .venv/bin/python examples/eu-sovereign/terraform/generate.py --out DIR  # write them elsewhere

Each variant is a plan of one change to the deployed estate (`state.json`): peering-no-export,
default-advertisement, edge-open, single-tunnel. The files are committed; a test regenerates
them and fails when the committed ones differ. Edit this file, never the JSON.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = "eu-sovereign-prod"
PROJECT_NUMBER = "123456789"
SCW_PROJECT = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
GOOGLE = "registry.terraform.io/hashicorp/google"
SCALEWAY = "registry.terraform.io/scaleway/scaleway"
COMPUTE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
SECRET = "(a pre-shared key a real state holds in clear)"

COMPUTED = {
    "id",
    "self_link",
    "creation_timestamp",
    "generated_id",
    "fingerprint",
    "gateway_address",
    "gateway_ipv4",
    "label_fingerprint",
    "instance_id",
    "cpu_platform",
    "current_status",
    "detailed_status",
    "tunnel_id",
    "shared_secret_hash",
    "ip_address_computed",
    "number",
    "created_at",
    "updated_at",
    "organization_id",
    "status",
    "asn_computed",
    "mac_address",
    "srn",
    "is_default",
    "secret_id",
    "secret_version",
    "bgp_session_ipv4",
    "bgp_status_ipv4",
    "tunnel_status",
    "apiserver_url",
    "kubeconfig",
    "wildcard_dns",
    "nodes",
    "address_cidr",
    "endpoint",
    "master_auth",
    "private_ips",
    "public_ips",
    "vpn_interfaces",
    "ip_address",
}
"""Attributes the provider computes: in the state, not in the configuration."""


@dataclass
class Res:
    """One resource instance as a provider records it."""

    module: str
    type: str
    name: str
    values: dict[str, Any]
    index: int | str | None = None
    mode: str = "managed"
    sensitive: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    """Argument -> the address of the resource its expression refers to (`.self_link`)."""

    @property
    def address(self) -> str:
        key = (
            ""
            if self.index is None
            else (
                f"[{self.index}]" if isinstance(self.index, int) else f"[{json.dumps(self.index)}]"
            )
        )
        data = "data." if self.mode == "data" else ""
        prefix = f"{self.module}." if self.module else ""
        return f"{prefix}{data}{self.type}.{self.name}{key}"

    @property
    def provider(self) -> str:
        return GOOGLE if self.type.startswith("google") else SCALEWAY


# --- GCP ---------------------------------------------------------------------------------------------
def _network_values(name: str, delete_default: bool) -> dict[str, Any]:
    return {
        "name": name,
        "project": PROJECT,
        "description": "",
        "auto_create_subnetworks": False,
        "routing_mode": "GLOBAL",
        "delete_default_routes_on_create": delete_default,
        "mtu": 1460,
        "network_firewall_policy_enforcement_order": "AFTER_CLASSIC_FIREWALL",
        "enable_ula_internal_ipv6": False,
        "internal_ipv6_range": "",
        "gateway_ipv4": "",
        "bgp_best_path_selection_mode": "LEGACY",
        "id": f"projects/{PROJECT}/global/networks/{name}",
        "self_link": f"{COMPUTE}/global/networks/{name}",
        "timeouts": None,
    }


def _subnet_values(
    name: str, cidr: str, network: str, access: bool, secondary: list[tuple[str, str]]
) -> dict[str, Any]:
    return {
        "name": name,
        "project": PROJECT,
        "region": "europe-west1",
        "description": "",
        "ip_cidr_range": cidr,
        "network": f"{COMPUTE}/global/networks/{network}",
        "private_ip_google_access": access,
        "private_ipv6_google_access": "DISABLE_GOOGLE_ACCESS",
        "purpose": "PRIVATE",
        "role": "",
        "stack_type": "IPV4_ONLY",
        "ipv6_access_type": "",
        "log_config": [],
        "secondary_ip_range": [{"range_name": r, "ip_cidr_range": c} for r, c in secondary],
        "gateway_address": cidr.rsplit(".", 1)[0] + ".1",
        "id": f"projects/{PROJECT}/regions/europe-west1/subnetworks/{name}",
        "self_link": f"{COMPUTE}/regions/europe-west1/subnetworks/{name}",
        "timeouts": None,
    }


def _firewall(
    module: str,
    key: str,
    network: str,
    ports: list[tuple[str, list[str]]],
    sources: list[str],
    tags: list[str],
) -> Res:
    return Res(
        module,
        "google_compute_firewall",
        "rules",
        {
            "name": key,
            "project": PROJECT,
            "network": f"{COMPUTE}/global/networks/{network}",
            "description": "",
            "direction": "INGRESS",
            "priority": 1000,
            "disabled": False,
            "allow": [{"protocol": p, "ports": list(ps)} for p, ps in ports],
            "deny": [],
            "source_ranges": sources,
            "destination_ranges": [],
            "source_tags": [],
            "source_service_accounts": [],
            "target_tags": tags,
            "target_service_accounts": [],
            "log_config": [],
            "enable_logging": None,
            "id": f"projects/{PROJECT}/global/firewalls/{key}",
            "self_link": f"{COMPUTE}/global/firewalls/{key}",
            "creation_timestamp": "2026-09-14T08:12:31.405-07:00",
            "timeouts": None,
        },
        index=key,
        config={"network": f"{module}.google_compute_network.this"},
    )


def hub() -> list[Res]:
    m = "module.hub"
    ranges = [
        ("10.10.0.0/16", "prod spoke nodes"),
        ("10.12.0.0/16", "prod spoke GKE pods"),
        ("199.36.153.4/30", "restricted.googleapis.com (private API access from Scaleway)"),
        ("35.199.192.0/19", "Cloud DNS forwarding sources"),
    ]
    out = [
        Res(m, "google_compute_network", "this", _network_values("hub", False)),
        Res(
            m,
            "google_compute_subnetwork",
            "this",
            _subnet_values("hub-ew1", "10.0.0.0/24", "hub", True, []),
            index="hub-ew1",
            config={"network": f"{m}.google_compute_network.this"},
        ),
        Res(
            m,
            "google_compute_route",
            "restricted_googleapis",
            {
                "name": "restricted-googleapis",
                "project": PROJECT,
                "description": "Private Google Access for the other cloud",
                "network": f"{COMPUTE}/global/networks/hub",
                "dest_range": "199.36.153.4/30",
                "priority": 1000,
                "tags": [],
                "next_hop_gateway": f"{COMPUTE}/global/gateways/default-internet-gateway",
                "next_hop_ip": None,
                "next_hop_instance": None,
                "next_hop_instance_zone": None,
                "next_hop_vpn_tunnel": None,
                "next_hop_ilb": None,
                "next_hop_network": "",
                "id": f"projects/{PROJECT}/global/routes/restricted-googleapis",
                "self_link": f"{COMPUTE}/global/routes/restricted-googleapis",
                "timeouts": None,
            },
            config={"network": f"{m}.google_compute_network.this"},
        ),
        _firewall(
            m, "vault-from-kapsule", "hub", [("tcp", ["8200"])], ["100.64.0.0/16"], ["vault"]
        ),
        _firewall(m, "vault-from-ci", "hub", [("tcp", ["8200"])], ["10.12.0.0/16"], ["vault"]),
        Res(
            m,
            "google_compute_router",
            "this",
            {
                "name": "hub-router",
                "project": PROJECT,
                "region": "europe-west1",
                "description": "",
                "network": f"{COMPUTE}/global/networks/hub",
                "encrypted_interconnect_router": False,
                "bgp": [
                    {
                        "asn": 64514,
                        "advertise_mode": "CUSTOM",
                        "advertised_groups": ["ALL_SUBNETS"],
                        "advertised_ip_ranges": [{"range": r, "description": d} for r, d in ranges],
                        "keepalive_interval": 20,
                        "identifier_range": "",
                    }
                ],
                "id": f"projects/{PROJECT}/regions/europe-west1/routers/hub-router",
                "self_link": f"{COMPUTE}/regions/europe-west1/routers/hub-router",
                "timeouts": None,
            },
            config={"network": f"{m}.google_compute_network.this"},
        ),
        Res(
            m,
            "google_compute_ha_vpn_gateway",
            "this",
            {
                "name": "hub-vpn",
                "project": PROJECT,
                "region": "europe-west1",
                "description": "",
                "network": f"{COMPUTE}/global/networks/hub",
                "stack_type": "IPV4_ONLY",
                "gateway_ip_version": "IPV4",
                "vpn_interfaces": [
                    {"id": 0, "ip_address": "34.157.0.1", "interconnect_attachment": ""},
                    {"id": 1, "ip_address": "34.157.1.1", "interconnect_attachment": ""},
                ],
                "id": f"projects/{PROJECT}/regions/europe-west1/vpnGateways/hub-vpn",
                "self_link": f"{COMPUTE}/regions/europe-west1/vpnGateways/hub-vpn",
                "timeouts": None,
            },
            config={"network": f"{m}.google_compute_network.this"},
        ),
        Res(
            m,
            "google_compute_external_vpn_gateway",
            "scaleway",
            {
                "name": "scw-vpn-peer",
                "project": PROJECT,
                "description": "the Scaleway Site-to-Site VPN gateway",
                "redundancy_type": "SINGLE_IP_INTERNALLY_REDUNDANT",
                "labels": {},
                "terraform_labels": {},
                "effective_labels": {},
                "interface": [{"id": 0, "ip_address": "51.159.0.1", "ipv6_address": ""}],
                "id": f"projects/{PROJECT}/global/externalVpnGateways/scw-vpn-peer",
                "self_link": f"{COMPUTE}/global/externalVpnGateways/scw-vpn-peer",
                "timeouts": None,
            },
        ),
    ]
    suite = [
        {
            "phase1": [
                {
                    "encryption": ["AES-GCM-16-256"],
                    "integrity": [],
                    "prf": ["PRF-HMAC-SHA2-256"],
                    "dh": ["Group-20"],
                }
            ],
            "phase2": [{"encryption": ["AES-GCM-16-256"], "integrity": [], "pfs": ["Group-20"]}],
        }
    ]
    for i in (0, 1):
        out += [
            Res(
                m,
                "google_compute_vpn_tunnel",
                "this",
                {
                    "name": f"tunnel-{i}",
                    "project": PROJECT,
                    "region": "europe-west1",
                    "description": "",
                    "vpn_gateway": f"{COMPUTE}/regions/europe-west1/vpnGateways/hub-vpn",
                    "vpn_gateway_interface": i,
                    "peer_external_gateway": f"{COMPUTE}/global/externalVpnGateways/scw-vpn-peer",
                    "peer_external_gateway_interface": 0,
                    "peer_gcp_gateway": None,
                    "peer_ip": "51.159.0.1",
                    "router": f"{COMPUTE}/regions/europe-west1/routers/hub-router",
                    "ike_version": 2,
                    "shared_secret": SECRET,
                    "shared_secret_hash": "Kq8w1Xc0QmZbYtHn",
                    "cipher_suite": suite,
                    "local_traffic_selector": ["0.0.0.0/0"],
                    "remote_traffic_selector": ["0.0.0.0/0"],
                    "target_vpn_gateway": None,
                    "labels": {},
                    "terraform_labels": {},
                    "effective_labels": {},
                    "detailed_status": "Tunnel is up and running.",
                    "tunnel_id": f"41522718{i}",
                    "id": f"projects/{PROJECT}/regions/europe-west1/vpnTunnels/tunnel-{i}",
                    "self_link": f"{COMPUTE}/regions/europe-west1/vpnTunnels/tunnel-{i}",
                    "timeouts": None,
                },
                index=i,
                sensitive={"shared_secret": True},
                config={
                    "vpn_gateway": f"{m}.google_compute_ha_vpn_gateway.this",
                    "peer_external_gateway": f"{m}.google_compute_external_vpn_gateway.scaleway",
                    "router": f"{m}.google_compute_router.this",
                },
            ),
            Res(
                m,
                "google_compute_router_interface",
                "this",
                {
                    "name": f"if-tunnel-{i}",
                    "project": PROJECT,
                    "region": "europe-west1",
                    "router": "hub-router",
                    "ip_range": f"169.254.{i}.1/30",
                    "vpn_tunnel": f"tunnel-{i}",
                    "interconnect_attachment": None,
                    "subnetwork": None,
                    "private_ip_address": None,
                    "redundant_interface": None,
                    "id": f"projects/{PROJECT}/regions/europe-west1/routers/hub-router/if-tunnel-{i}",
                    "timeouts": None,
                },
                index=i,
                config={
                    "router": f"{m}.google_compute_router.this",
                    "vpn_tunnel": f"{m}.google_compute_vpn_tunnel.this[{i}]",
                },
            ),
            Res(
                m,
                "google_compute_router_peer",
                "this",
                {
                    "name": f"bgp-{i}",
                    "project": PROJECT,
                    "region": "europe-west1",
                    "router": "hub-router",
                    "interface": f"if-tunnel-{i}",
                    "peer_ip_address": f"169.254.{i}.2",
                    "peer_asn": 12876,
                    "ip_address": f"169.254.{i}.1",
                    "advertised_route_priority": 100,
                    "advertise_mode": "DEFAULT",
                    "advertised_groups": [],
                    "advertised_ip_ranges": [],
                    "enable": True,
                    "enable_ipv6": False,
                    "bfd": [
                        {
                            "session_initialization_mode": "DISABLED",
                            "min_receive_interval": 1000,
                            "min_transmit_interval": 1000,
                            "multiplier": 5,
                        }
                    ],
                    "md5_authentication_key": [],
                    "management_type": "MANAGED_BY_USER",
                    "id": f"projects/{PROJECT}/regions/europe-west1/routers/hub-router/bgp-{i}",
                    "timeouts": None,
                },
                index=i,
                config={
                    "router": f"{m}.google_compute_router.this",
                    "interface": f"{m}.google_compute_router_interface.this[{i}]",
                },
            ),
        ]
    out += [
        Res(
            m,
            "google_compute_instance",
            "vault",
            {
                "name": "vault",
                "project": PROJECT,
                "zone": "europe-west1-b",
                "machine_type": "e2-standard-2",
                "tags": ["vault"],
                "labels": {"app": "vault"},
                "can_ip_forward": False,
                "deletion_protection": True,
                "network_interface": [
                    {
                        "name": "nic0",
                        "network": f"{COMPUTE}/global/networks/hub",
                        "subnetwork": f"{COMPUTE}/regions/europe-west1/subnetworks/hub-ew1",
                        "subnetwork_project": PROJECT,
                        "network_ip": "10.0.0.10",
                        "access_config": [],
                        "alias_ip_range": [],
                        "stack_type": "IPV4_ONLY",
                        "nic_type": "",
                        "queue_count": 0,
                        "ipv6_access_config": [],
                    }
                ],
                "service_account": [
                    {
                        "email": f"vault@{PROJECT}.iam.gserviceaccount.com",
                        "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                    }
                ],
                "metadata": {"enable-oslogin": "TRUE"},
                "instance_id": "7431285602930462871",
                "id": f"projects/{PROJECT}/zones/europe-west1-b/instances/vault",
                "self_link": f"{COMPUTE}/zones/europe-west1-b/instances/vault",
                "timeouts": None,
            },
            config={
                "network_interface.subnetwork": f'{m}.google_compute_subnetwork.this["hub-ew1"]'
            },
        ),
        Res(
            m,
            "google_dns_policy",
            "inbound",
            {
                "name": "hub-inbound",
                "project": PROJECT,
                "description": "",
                "enable_inbound_forwarding": True,
                "enable_logging": False,
                "alternative_name_server_config": [],
                "networks": [{"network_url": f"{COMPUTE}/global/networks/hub"}],
                "id": f"projects/{PROJECT}/policies/hub-inbound",
                "timeouts": None,
            },
            config={"networks.network_url": f"{m}.google_compute_network.this"},
        ),
    ]
    return out


def spokes() -> list[Res]:
    out: list[Res] = []
    for key, cidr, secondary in (
        (
            "prod",
            "10.10.0.0/20",
            [("gke-prod-pods", "10.12.0.0/16"), ("gke-prod-services", "10.13.0.0/20")],
        ),
        ("dev", "10.20.0.0/20", []),
    ):
        m = f'module.spoke["{key}"]'
        net = f"spoke-{key}"
        out += [
            Res(m, "google_compute_network", "this", _network_values(net, True)),
            Res(
                m,
                "google_compute_subnetwork",
                "this",
                _subnet_values(f"{key}-nodes", cidr, net, key == "prod", secondary),
                config={"network": f"{m}.google_compute_network.this"},
            ),
        ]
    p, d = 'module.spoke["prod"]', 'module.spoke["dev"]'
    out += [
        _firewall(
            p,
            "eastwest-from-kapsule",
            "spoke-prod",
            [("tcp", ["15443"])],
            ["172.16.0.0/22", "100.64.0.0/16"],
            ["gke-prod-node"],
        ),
        _firewall(
            p,
            "gke-prod-internal",
            "spoke-prod",
            [("all", [])],
            ["10.10.0.0/20", "10.12.0.0/16"],
            ["gke-prod-node"],
        ),
        _firewall(d, "dev-ssh-from-iap", "spoke-dev", [("tcp", ["22"])], ["35.235.240.0/20"], []),
        Res(
            p,
            "google_container_cluster",
            "this",
            {
                "name": "gke-prod",
                "project": PROJECT,
                "location": "europe-west1",
                "network": f"projects/{PROJECT}/global/networks/spoke-prod",
                "subnetwork": f"projects/{PROJECT}/regions/europe-west1/subnetworks/prod-nodes",
                "networking_mode": "VPC_NATIVE",
                "remove_default_node_pool": True,
                "initial_node_count": 1,
                "ip_allocation_policy": [
                    {
                        "cluster_secondary_range_name": "gke-prod-pods",
                        "services_secondary_range_name": "gke-prod-services",
                        "cluster_ipv4_cidr_block": "10.12.0.0/16",
                        "services_ipv4_cidr_block": "10.13.0.0/20",
                        "stack_type": "IPV4",
                        "additional_pod_ranges_config": [],
                        "pod_cidr_overprovision_config": [],
                    }
                ],
                "private_cluster_config": [
                    {
                        "enable_private_nodes": True,
                        "enable_private_endpoint": False,
                        "master_ipv4_cidr_block": "172.20.0.0/28",
                        "private_endpoint": "172.20.0.2",
                        "public_endpoint": "35.240.0.9",
                    }
                ],
                "node_config": [
                    {
                        "tags": ["gke-prod-node"],
                        "service_account": f"gke-prod-nodes@{PROJECT}.iam.gserviceaccount.com",
                        "machine_type": "e2-standard-4",
                    }
                ],
                "master_auth": [
                    {
                        "client_certificate": "",
                        "client_key": "",
                        "cluster_ca_certificate": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
                    }
                ],
                "endpoint": "35.240.0.9",
                "network_policy": [{"enabled": False, "provider": "PROVIDER_UNSPECIFIED"}],
                "id": f"projects/{PROJECT}/locations/europe-west1/clusters/gke-prod",
                "self_link": "",
                "timeouts": None,
            },
            sensitive={"master_auth": [{"client_key": True}]},
            config={
                "network": f"{p}.google_compute_network.this",
                "subnetwork": f"{p}.google_compute_subnetwork.this",
            },
        ),
        Res(
            d,
            "google_compute_instance",
            "dev_tools",
            {
                "name": "dev-tools",
                "project": PROJECT,
                "zone": "europe-west1-b",
                "machine_type": "e2-small",
                "tags": ["dev"],
                "labels": {},
                "can_ip_forward": False,
                "network_interface": [
                    {
                        "name": "nic0",
                        "network": f"{COMPUTE}/global/networks/spoke-dev",
                        "subnetwork": f"{COMPUTE}/regions/europe-west1/subnetworks/dev-nodes",
                        "network_ip": "10.20.0.10",
                        "access_config": [],
                        "alias_ip_range": [],
                        "stack_type": "IPV4_ONLY",
                    }
                ],
                "service_account": [],
                "instance_id": "5519273022143307129",
                "id": f"projects/{PROJECT}/zones/europe-west1-b/instances/dev-tools",
                "self_link": f"{COMPUTE}/zones/europe-west1-b/instances/dev-tools",
                "timeouts": None,
            },
            config={"network_interface.subnetwork": f"{d}.google_compute_subnetwork.this"},
        ),
    ]
    return out


def _peering(
    name: str, network: str, peer: str, export: bool, import_: bool, local: str, remote: str
) -> Res:
    return Res(
        "",
        "google_compute_network_peering",
        name.replace("-", "_"),
        {
            "name": name,
            "network": f"{COMPUTE}/global/networks/{network}",
            "peer_network": f"{COMPUTE}/global/networks/{peer}",
            "export_custom_routes": export,
            "import_custom_routes": import_,
            "export_subnet_routes_with_public_ip": True,
            "import_subnet_routes_with_public_ip": False,
            "stack_type": "IPV4_ONLY",
            "state": "ACTIVE",
            "state_details": "[2026-09-14T08:20:11.118-07:00]: Connected.",
            "id": f"{network}/{name}",
            "timeouts": None,
        },
        config={"network": local, "peer_network": remote},
    )


def peerings() -> list[Res]:
    hub_net, prod, dev = (
        "module.hub.google_compute_network.this",
        'module.spoke["prod"].google_compute_network.this',
        'module.spoke["dev"].google_compute_network.this',
    )
    return [
        _peering("hub-to-prod", "hub", "spoke-prod", True, False, hub_net, prod),
        _peering("prod-to-hub", "spoke-prod", "hub", False, True, prod, hub_net),
        _peering("hub-to-dev", "hub", "spoke-dev", True, False, hub_net, dev),
        _peering("dev-to-hub", "spoke-dev", "hub", False, False, dev, hub_net),
    ]


def edge() -> list[Res]:
    m = "module.edge"
    return [
        Res(
            m,
            "google_compute_global_address",
            "public",
            {
                "name": "public-lb-ip",
                "project": PROJECT,
                "address": "34.120.0.10",
                "address_type": "EXTERNAL",
                "ip_version": "IPV4",
                "id": f"projects/{PROJECT}/global/addresses/public-lb-ip",
                "self_link": f"{COMPUTE}/global/addresses/public-lb-ip",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_compute_global_forwarding_rule",
            "https",
            {
                "name": "public-lb",
                "project": PROJECT,
                "ip_address": "34.120.0.10",
                "ip_protocol": "TCP",
                "port_range": "443-443",
                "load_balancing_scheme": "EXTERNAL_MANAGED",
                "target": f"{COMPUTE}/global/targetHttpsProxies/public-lb-proxy",
                "network": "",
                "labels": {},
                "id": f"projects/{PROJECT}/global/forwardingRules/public-lb",
                "self_link": f"{COMPUTE}/global/forwardingRules/public-lb",
                "timeouts": None,
            },
            config={
                "ip_address": f"{m}.google_compute_global_address.public",
                "target": f"{m}.google_compute_target_https_proxy.this",
            },
        ),
        Res(
            m,
            "google_compute_target_https_proxy",
            "this",
            {
                "name": "public-lb-proxy",
                "project": PROJECT,
                "url_map": f"{COMPUTE}/global/urlMaps/public-lb-map",
                "ssl_certificates": [f"{COMPUTE}/global/sslCertificates/public-lb-cert"],
                "quic_override": "NONE",
                "id": f"projects/{PROJECT}/global/targetHttpsProxies/public-lb-proxy",
                "self_link": f"{COMPUTE}/global/targetHttpsProxies/public-lb-proxy",
                "timeouts": None,
            },
            config={"url_map": f"{m}.google_compute_url_map.this"},
        ),
        Res(
            m,
            "google_compute_managed_ssl_certificate",
            "this",
            {
                "name": "public-lb-cert",
                "project": PROJECT,
                "managed": [{"domains": ["shop.example.eu"]}],
                "type": "MANAGED",
                "id": f"projects/{PROJECT}/global/sslCertificates/public-lb-cert",
                "self_link": f"{COMPUTE}/global/sslCertificates/public-lb-cert",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_compute_url_map",
            "this",
            {
                "name": "public-lb-map",
                "project": PROJECT,
                "default_service": f"{COMPUTE}/global/backendServices/public-lb-backend",
                "host_rule": [],
                "path_matcher": [],
                "id": f"projects/{PROJECT}/global/urlMaps/public-lb-map",
                "self_link": f"{COMPUTE}/global/urlMaps/public-lb-map",
                "timeouts": None,
            },
            config={"default_service": f"{m}.google_compute_backend_service.scaleway"},
        ),
        Res(
            m,
            "google_compute_backend_service",
            "scaleway",
            {
                "name": "public-lb-backend",
                "project": PROJECT,
                "protocol": "HTTPS",
                "load_balancing_scheme": "EXTERNAL_MANAGED",
                "enable_cdn": True,
                "timeout_sec": 30,
                "health_checks": [],
                "backend": [
                    {
                        "group": f"{COMPUTE}/global/networkEndpointGroups/scw-edge-neg",
                        "balancing_mode": "UTILIZATION",
                        "capacity_scaler": 1,
                        "max_utilization": 0,
                    }
                ],
                "iap": [
                    {
                        "enabled": True,
                        "oauth2_client_id": "123456789-abc.apps.googleusercontent.com",
                        "oauth2_client_secret": "(an OAuth client secret)",
                        "oauth2_client_secret_sha256": "c2hhMjU2",
                    }
                ],
                "security_policy": f"{COMPUTE}/global/securityPolicies/public-lb-armor",
                "generated_id": 987654321,
                "log_config": [],
                "id": f"projects/{PROJECT}/global/backendServices/public-lb-backend",
                "self_link": f"{COMPUTE}/global/backendServices/public-lb-backend",
                "timeouts": None,
            },
            sensitive={"iap": [{"oauth2_client_secret": True}]},
            config={
                "backend.group": f"{m}.google_compute_global_network_endpoint_group.scaleway",
                "security_policy": f"{m}.google_compute_security_policy.armor",
            },
        ),
        Res(
            m,
            "google_compute_global_network_endpoint_group",
            "scaleway",
            {
                "name": "scw-edge-neg",
                "project": PROJECT,
                "network_endpoint_type": "INTERNET_IP_PORT",
                "default_port": 443,
                "description": "",
                "id": f"projects/{PROJECT}/global/networkEndpointGroups/scw-edge-neg",
                "self_link": f"{COMPUTE}/global/networkEndpointGroups/scw-edge-neg",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_compute_global_network_endpoint",
            "scw_edge",
            {
                "project": PROJECT,
                "global_network_endpoint_group": "scw-edge-neg",
                "ip_address": "51.15.0.10",
                "fqdn": "",
                "port": 443,
                "id": f"{PROJECT}/scw-edge-neg/51.15.0.10//443",
                "timeouts": None,
            },
            config={
                "global_network_endpoint_group": f"{m}.google_compute_global_network_endpoint_group.scaleway"
            },
        ),
        Res(
            m,
            "google_compute_security_policy",
            "armor",
            {
                "name": "public-lb-armor",
                "project": PROJECT,
                "type": "CLOUD_ARMOR",
                "description": "",
                "rule": [
                    {
                        "action": "allow",
                        "priority": 2147483647,
                        "description": "default rule",
                        "preview": False,
                        "match": [
                            {
                                "versioned_expr": "SRC_IPS_V1",
                                "config": [{"src_ip_ranges": ["*"]}],
                                "expr": [],
                            }
                        ],
                    }
                ],
                "adaptive_protection_config": [],
                "fingerprint": "lAqGqLu0wvo=",
                "id": f"projects/{PROJECT}/global/securityPolicies/public-lb-armor",
                "self_link": f"{COMPUTE}/global/securityPolicies/public-lb-armor",
                "timeouts": None,
            },
        ),
    ]


def services() -> list[Res]:
    m = "module.services"
    return [
        Res(
            m,
            "google_dns_managed_zone",
            "scw_internal",
            {
                "name": "scw-internal",
                "project": PROJECT,
                "dns_name": "scw.internal.",
                "visibility": "private",
                "description": "Scaleway's private names",
                "private_visibility_config": [
                    {
                        "networks": [
                            {"network_url": f"{COMPUTE}/global/networks/hub"},
                            {"network_url": f"{COMPUTE}/global/networks/spoke-prod"},
                        ],
                        "gke_clusters": [],
                    }
                ],
                "forwarding_config": [
                    {
                        "target_name_servers": [
                            {"ipv4_address": "172.16.8.53", "forwarding_path": "private"}
                        ]
                    }
                ],
                "peering_config": [],
                "dnssec_config": [],
                "labels": {},
                "managed_zone_id": 4771302198,
                "id": f"projects/{PROJECT}/managedZones/scw-internal",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_storage_bucket",
            "dr_backups",
            {
                "name": "dr-backups",
                "project": PROJECT,
                "location": "EUROPE-WEST1",
                "storage_class": "STANDARD",
                "uniform_bucket_level_access": True,
                "encryption": [],
                "versioning": [{"enabled": True}],
                "lifecycle_rule": [],
                "url": "gs://dr-backups",
                "id": "dr-backups",
                "self_link": "https://www.googleapis.com/storage/v1/b/dr-backups",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_org_policy_policy",
            "restrict_vpn_peer_ips",
            {
                "name": f"projects/{PROJECT}/policies/compute.restrictVpnPeerIPs",
                "parent": f"projects/{PROJECT}",
                "spec": [
                    {
                        "rules": [
                            {
                                "values": [
                                    {
                                        "allowed_values": ["51.159.0.1", "51.159.0.2"],
                                        "denied_values": [],
                                    }
                                ],
                                "allow_all": "",
                                "deny_all": "",
                                "enforce": "",
                                "condition": [],
                            }
                        ],
                        "inherit_from_parent": False,
                        "reset": False,
                        "etag": "",
                        "update_time": "",
                    }
                ],
                "dry_run_spec": [],
                "etag": "BwYk0L2Q",
                "id": f"projects/{PROJECT}/policies/compute.restrictVpnPeerIPs",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_access_context_manager_access_level",
            "scaleway",
            {
                "name": "accessPolicies/555000111/accessLevels/scaleway_data",
                "parent": "accessPolicies/555000111",
                "title": "scaleway-data",
                "basic": [
                    {
                        "combining_function": "AND",
                        "conditions": [
                            {
                                "ip_subnetworks": ["172.16.8.0/24"],
                                "negate": False,
                                "members": [],
                                "regions": [],
                                "required_access_levels": [],
                                "device_policy": [],
                                "vpc_network_sources": [],
                            }
                        ],
                    }
                ],
                "custom": [],
                "description": "",
                "id": "accessPolicies/555000111/accessLevels/scaleway_data",
                "timeouts": None,
            },
        ),
        Res(
            m,
            "google_access_context_manager_service_perimeter",
            "dlp",
            {
                "name": "accessPolicies/555000111/servicePerimeters/dlp_perimeter",
                "parent": "accessPolicies/555000111",
                "title": "dlp-perimeter",
                "perimeter_type": "PERIMETER_TYPE_REGULAR",
                "status": [
                    {
                        "resources": [f"projects/{PROJECT_NUMBER}"],
                        "restricted_services": ["dlp.googleapis.com", "storage.googleapis.com"],
                        "access_levels": ["accessPolicies/555000111/accessLevels/scaleway_data"],
                        "egress_policies": [],
                        "ingress_policies": [],
                        "vpc_accessible_services": [],
                    }
                ],
                "use_explicit_dry_run_spec": False,
                "spec": [],
                "description": "",
                "id": "accessPolicies/555000111/servicePerimeters/dlp_perimeter",
                "timeouts": None,
            },
            config={
                "status.access_levels": f"{m}.google_access_context_manager_access_level.scaleway"
            },
        ),
        Res(
            "",
            "google_project",
            "this",
            {
                "project_id": PROJECT,
                "number": PROJECT_NUMBER,
                "name": PROJECT,
                "id": f"projects/{PROJECT}",
            },
            mode="data",
        ),
    ]


# --- Scaleway ----------------------------------------------------------------------------------------
def _uuid(seed: int) -> str:
    return f"{seed:08x}-5c1e-4b2a-9f3d-{seed * 7919 % 16**12:012x}"


SCW_IDS: dict[str, str] = {}


def scw_id(key: str, zone: str = "fr-par") -> str:
    if key not in SCW_IDS:
        SCW_IDS[key] = _uuid(len(SCW_IDS) + 1)
    return f"{zone}/{SCW_IDS[key]}"


def _scw(values: dict[str, Any], key: str, zone: str = "fr-par") -> dict[str, Any]:
    region = zone.rsplit("-", 1)[0] if zone.count("-") == 2 else zone
    location = {"zone": zone} if zone != region else {"region": region}
    return {
        **values,
        "project_id": SCW_PROJECT,
        "organization_id": SCW_PROJECT,
        **location,
        "id": scw_id(key, zone),
    }


def scaleway() -> list[Res]:
    m = "module.scaleway"
    pn = {"pn-apps": "172.16.0.0/22", "pn-data": "172.16.8.0/24"}
    acl_rules = [
        (
            "accept",
            "TCP",
            "100.64.0.0/16",
            (0, 0),
            "172.16.8.0/24",
            (5432, 5432),
            "Kapsule pods to the database",
        ),
        (
            "accept",
            "TCP",
            "172.16.8.0/24",
            (5432, 5432),
            "100.64.0.0/16",
            (0, 0),
            "the database answers the pods",
        ),
        (
            "drop",
            "ANY",
            "0.0.0.0/0",
            (0, 0),
            "172.16.8.10/32",
            (0, 0),
            "nothing else reaches the database, from any network",
        ),
        (
            "drop",
            "ANY",
            "172.16.0.0/22",
            (0, 0),
            "172.16.8.0/24",
            (0, 0),
            "nothing else from pn-apps to pn-data",
        ),
        (
            "drop",
            "ANY",
            "172.16.8.0/24",
            (0, 0),
            "172.16.0.0/22",
            (0, 0),
            "nothing else from pn-data to pn-apps",
        ),
        (
            "drop",
            "ANY",
            "100.64.0.0/16",
            (0, 0),
            "172.16.8.0/24",
            (0, 0),
            "nothing else from the pods to pn-data",
        ),
        (
            "drop",
            "ANY",
            "172.16.8.0/24",
            (0, 0),
            "100.64.0.0/16",
            (0, 0),
            "nothing else from pn-data to the pods",
        ),
    ]
    out = [
        Res(
            m,
            "scaleway_vpc",
            "main",
            _scw(
                {
                    "name": "scw-vpc",
                    "tags": [],
                    "enable_routing": True,
                    "enable_custom_routes_propagation": True,
                    "is_default": False,
                    "created_at": "2026-09-14T15:02:11Z",
                    "updated_at": "2026-09-14T15:02:11Z",
                },
                "vpc",
            ),
        ),
    ]
    for name, cidr in pn.items():
        out.append(
            Res(
                m,
                "scaleway_vpc_private_network",
                "this",
                _scw(
                    {
                        "name": name,
                        "tags": [],
                        "vpc_id": scw_id("vpc"),
                        "is_regional": True,
                        "enable_default_route_propagation": False,
                        "ipv4_subnet": [
                            {
                                "subnet": cidr,
                                "address": cidr.split("/")[0],
                                "prefix_length": int(cidr.split("/")[1]),
                                "id": _uuid(100 + len(out)),
                            }
                        ],
                        "ipv6_subnets": [],
                    },
                    f"pn:{name}",
                ),
                index=name,
                config={"vpc_id": f"{m}.scaleway_vpc.main"},
            )
        )
    out.append(
        Res(
            m,
            "scaleway_vpc_acl",
            "main",
            _scw(
                {
                    "vpc_id": scw_id("vpc"),
                    "is_ipv6": False,
                    "default_policy": "accept",
                    "rules": [
                        {
                            "action": a,
                            "protocol": p,
                            "source": s,
                            "src_port_low": sp[0],
                            "src_port_high": sp[1],
                            "destination": d,
                            "dst_port_low": dp[0],
                            "dst_port_high": dp[1],
                            "description": text,
                        }
                        for a, p, s, sp, d, dp, text in acl_rules
                    ],
                },
                "acl",
            ),
            config={"vpc_id": f"{m}.scaleway_vpc.main"},
        )
    )
    for name, rules in (
        ("customer-db-sg", []),
        (
            "scw-data-sg",
            [
                {
                    "action": "accept",
                    "protocol": "TCP",
                    "port": 22,
                    "port_range": "",
                    "ip_range": "172.16.0.0/22",
                    "ip": "",
                }
            ],
        ),
        ("kapsule-nodes-sg", []),
    ):
        out.append(
            Res(
                m,
                "scaleway_instance_security_group",
                "this",
                _scw(
                    {
                        "name": name,
                        "description": "",
                        "stateful": True,
                        "inbound_default_policy": "drop",
                        "outbound_default_policy": "accept",
                        "inbound_rule": rules,
                        "outbound_rule": [],
                        "external_rules": False,
                        "enable_default_security": True,
                        "tags": [],
                    },
                    f"sg:{name}",
                    "fr-par-1",
                ),
                index=name,
            )
        )
    out += [
        Res(
            m,
            "scaleway_ipam_ip",
            "vpn_public",
            _scw(
                {
                    "address": "51.159.0.1",
                    "address_cidr": "51.159.0.1/32",
                    "is_ipv6": False,
                    "source": [{"zonal": "fr-par-1", "private_network_id": "", "subnet_id": ""}],
                    "resource": [],
                    "tags": [],
                },
                "ipam:vpn",
            ),
        ),
        Res(
            m,
            "scaleway_s2s_vpn_gateway",
            "this",
            _scw(
                {
                    "name": "scw-vpn",
                    "gateway_type": "VGW-S",
                    "private_network_id": scw_id("pn:pn-apps"),
                    "public_config": [{"ipam_ipv4_id": scw_id("ipam:vpn"), "ipam_ipv6_id": ""}],
                    "asn": 12876,
                    "status": "active",
                    "tags": [],
                    "zone": "fr-par-1",
                },
                "vpngw",
            ),
            config={
                "private_network_id": f'{m}.scaleway_vpc_private_network.this["pn-apps"]',
                "public_config.ipam_ipv4_id": f"{m}.scaleway_ipam_ip.vpn_public",
            },
        ),
        Res(
            m,
            "scaleway_s2s_vpn_routing_policy",
            "gcp",
            _scw(
                {
                    "name": "scw-gcp-policy",
                    "is_ipv6": False,
                    "tags": [],
                    "prefix_filter_in": [
                        "10.0.0.0/24",
                        "10.10.0.0/16",
                        "10.12.0.0/16",
                        "199.36.153.4/30",
                        "35.199.192.0/19",
                    ],
                    "prefix_filter_out": ["172.16.0.0/22", "172.16.8.0/24", "100.64.0.0/16"],
                },
                "policy",
            ),
        ),
    ]
    for i in ("0", "1"):
        out += [
            Res(
                m,
                "scaleway_s2s_vpn_customer_gateway",
                "gcp",
                _scw(
                    {
                        "name": f"gcp-hub-vpn-if{i}",
                        "ipv4_public": f"34.157.{i}.1",
                        "ipv6_public": "",
                        "asn": 64514,
                        "tags": [],
                    },
                    f"cgw:{i}",
                ),
                index=i,
            ),
            Res(
                m,
                "scaleway_s2s_vpn_connection",
                "gcp",
                _scw(
                    {
                        "name": f"gcp-tunnel-{i}",
                        "vpn_gateway_id": scw_id("vpngw"),
                        "customer_gateway_id": scw_id(f"cgw:{i}"),
                        "initiation_policy": "customer_gateway",
                        "enable_route_propagation": True,
                        "route_propagation_enabled": True,
                        "is_ipv6": False,
                        "bgp_config_ipv4": [
                            {
                                "routing_policy_id": scw_id("policy"),
                                "private_ip": f"169.254.{i}.2/30",
                                "peer_private_ip": f"169.254.{i}.1/30",
                            }
                        ],
                        "bgp_config_ipv6": [],
                        "bgp_session_ipv4": [
                            {
                                "routing_policy_id": scw_id("policy"),
                                "private_ip": f"169.254.{i}.2/30",
                                "peer_private_ip": f"169.254.{i}.1/30",
                            }
                        ],
                        "ikev2_ciphers": [
                            {"encryption": "aes256gcm", "integrity": "", "dh_group": "ecp384"}
                        ],
                        "esp_ciphers": [
                            {"encryption": "aes256gcm", "integrity": "", "dh_group": "ecp384"}
                        ],
                        "secret_id": scw_id(f"secret:{i}"),
                        "secret_version": 1,
                        "status": "active",
                        "tunnel_status": "up",
                        "bgp_status_ipv4": "up",
                        "tags": [],
                    },
                    f"conn:{i}",
                ),
                index=i,
                config={
                    "vpn_gateway_id": f"{m}.scaleway_s2s_vpn_gateway.this",
                    "customer_gateway_id": f"{m}.scaleway_s2s_vpn_customer_gateway.gcp[{json.dumps(i)}]",
                    "bgp_config_ipv4.routing_policy_id": f"{m}.scaleway_s2s_vpn_routing_policy.gcp",
                },
            ),
        ]
    out += [
        Res(
            m,
            "scaleway_lb_ip",
            "edge",
            _scw(
                {
                    "ip_address": "51.15.0.10",
                    "is_ipv6": False,
                    "reverse": "",
                    "lb_id": scw_id("lb", "fr-par-1"),
                },
                "lbip",
                "fr-par-1",
            ),
        ),
        Res(
            m,
            "scaleway_ipam_ip",
            "edge_private",
            _scw(
                {
                    "address": "172.16.0.50",
                    "address_cidr": "172.16.0.50/22",
                    "is_ipv6": False,
                    "source": [
                        {"zonal": "", "private_network_id": scw_id("pn:pn-apps"), "subnet_id": ""}
                    ],
                    "resource": [],
                    "tags": [],
                },
                "ipam:lb",
            ),
            config={
                "source.private_network_id": f'{m}.scaleway_vpc_private_network.this["pn-apps"]'
            },
        ),
        Res(
            m,
            "scaleway_lb",
            "edge",
            _scw(
                {
                    "name": "scw-edge",
                    "type": "LB-S",
                    "ip_ids": [scw_id("lbip", "fr-par-1")],
                    "ip_address": "51.15.0.10",
                    "ipv6_address": "",
                    "private_network": [
                        {
                            "private_network_id": scw_id("pn:pn-apps"),
                            "ipam_ids": [scw_id("ipam:lb")],
                            "dhcp_config": True,
                            "static_config": [],
                            "status": "ready",
                            "zone": "fr-par-1",
                        }
                    ],
                    "ssl_compatibility_level": "ssl_compatibility_level_intermediate",
                    "assign_flexible_ip": None,
                    "assign_flexible_ipv6": None,
                    "external_private_networks": False,
                    "tags": [],
                },
                "lb",
                "fr-par-1",
            ),
            config={
                "ip_ids": f"{m}.scaleway_lb_ip.edge",
                "private_network.private_network_id": f'{m}.scaleway_vpc_private_network.this["pn-apps"]',
                "private_network.ipam_ids": f"{m}.scaleway_ipam_ip.edge_private",
            },
        ),
        Res(
            m,
            "scaleway_lb_backend",
            "api",
            _scw(
                {
                    "name": "customer-api",
                    "lb_id": scw_id("lb", "fr-par-1"),
                    "forward_protocol": "http",
                    "forward_port": 8443,
                    "forward_port_algorithm": "roundrobin",
                    "server_ips": [],
                    "ssl_bridging": False,
                    "proxy_protocol": "none",
                    "health_check_http": [],
                },
                "backend",
                "fr-par-1",
            ),
            config={"lb_id": f"{m}.scaleway_lb.edge"},
        ),
        Res(
            m,
            "scaleway_lb_frontend",
            "https",
            _scw(
                {
                    "name": "https",
                    "lb_id": scw_id("lb", "fr-par-1"),
                    "backend_id": scw_id("backend", "fr-par-1"),
                    "inbound_port": 443,
                    "certificate_ids": [scw_id("cert", "fr-par-1")],
                    "external_acls": True,
                    "acl": [],
                    "enable_http3": False,
                    "timeout_client": "30s",
                },
                "frontend",
                "fr-par-1",
            ),
            config={"lb_id": f"{m}.scaleway_lb.edge", "backend_id": f"{m}.scaleway_lb_backend.api"},
        ),
        _lb_acl(
            m,
            "google_front_ends",
            "google-front-ends",
            0,
            "allow",
            ["130.211.0.0/22", "35.191.0.0/16", "34.96.0.0/20", "34.127.192.0/18"],
        ),
        _lb_acl(m, "deny_others", "deny-others", 1, "deny", ["0.0.0.0/0"]),
        Res(
            m,
            "scaleway_k8s_cluster",
            "kapsule",
            _scw(
                {
                    "name": "kapsule-eu",
                    "type": "kapsule",
                    "version": "1.31.2",
                    "cni": "cilium",
                    "private_network_id": scw_id("pn:pn-apps"),
                    "pod_cidr": "100.64.0.0/16",
                    "service_cidr": "100.65.0.0/16",
                    "service_dns_ip": "100.65.0.10",
                    "apiserver_url": "https://7c1e2a.api.k8s.fr-par.scw.cloud:6443",
                    "wildcard_dns": "*.7c1e2a.nodes.k8s.fr-par.scw.cloud",
                    "kubeconfig": [
                        {
                            "config_file": "(a kubeconfig a real state holds)",
                            "host": "https://7c1e2a.api.k8s.fr-par.scw.cloud:6443",
                            "cluster_ca_certificate": "LS0tLS1C",
                            "token": "(a token)",
                        }
                    ],
                    "delete_additional_resources": False,
                    "tags": [],
                },
                "k8s",
            ),
            sensitive={"kubeconfig": True},
            config={"private_network_id": f'{m}.scaleway_vpc_private_network.this["pn-apps"]'},
        ),
        Res(
            m,
            "scaleway_k8s_pool",
            "default",
            _scw(
                {
                    "name": "default",
                    "cluster_id": scw_id("k8s"),
                    "node_type": "PRO2-S",
                    "size": 3,
                    "autoscaling": False,
                    "public_ip_disabled": True,
                    "security_group_id": scw_id("sg:kapsule-nodes-sg", "fr-par-1"),
                    "nodes": [],
                    "zone": "fr-par-1",
                },
                "pool",
            ),
            config={"cluster_id": f"{m}.scaleway_k8s_cluster.kapsule"},
        ),
    ]
    servers = [
        ("customer-db", "172.16.8.10", "customer-db-sg"),
        ("hsm", "172.16.8.20", "scw-data-sg"),
        ("backup", "172.16.8.30", "scw-data-sg"),
        ("dlp-client", "172.16.8.40", "scw-data-sg"),
        ("scw-dns", "172.16.8.53", "scw-data-sg"),
    ]
    for name, address, group in servers:
        out.append(
            Res(
                m,
                "scaleway_instance_server",
                "this",
                _scw(
                    {
                        "name": name,
                        "type": "PRO2-XXS",
                        "image": "ubuntu_noble",
                        "enable_dynamic_ip": False,
                        "ip_id": None,
                        "ip_ids": [],
                        "security_group_id": scw_id(f"sg:{group}", "fr-par-1"),
                        "state": "started",
                        "private_network": [
                            {
                                "pn_id": scw_id("pn:pn-data"),
                                "mac_address": "02:00:00:1a:2b:3c",
                                "status": "available",
                                "zone": "fr-par-1",
                                "pnic_id": _uuid(300 + len(out)),
                            }
                        ],
                        "private_ips": [{"id": _uuid(400 + len(out)), "address": address}],
                        "public_ips": [],
                        "tags": [],
                        "user_data": {},
                    },
                    f"server:{name}",
                    "fr-par-1",
                ),
                index=name,
                config={
                    "security_group_id": f'{m}.scaleway_instance_security_group.this["{group}"]',
                    "private_network.pn_id": f'{m}.scaleway_vpc_private_network.this["pn-data"]',
                },
            )
        )
    return out


def _lb_acl(
    module: str, name: str, acl_name: str, index: int, action: str, subnets: list[str]
) -> Res:
    return Res(
        module,
        "scaleway_lb_acl",
        name,
        _scw(
            {
                "frontend_id": scw_id("frontend", "fr-par-1"),
                "name": acl_name,
                "index": index,
                "description": "",
                "action": [{"type": action, "redirect": []}],
                "match": [
                    {
                        "ip_subnet": subnets,
                        "ips_edge_services": False,
                        "http_filter": "acl_http_filter_none",
                        "http_filter_value": [],
                        "http_filter_option": "",
                        "invert": False,
                    }
                ],
            },
            f"acl:{name}",
            "fr-par-1",
        ),
        config={"frontend_id": f"{module}.scaleway_lb_frontend.https"},
    )


def estate() -> list[Res]:
    SCW_IDS.clear()
    return [*hub(), *spokes(), *peerings(), *edge(), *services(), *scaleway()]


# --- the JSON Terraform prints --------------------------------------------------------------------------
def _object(res: Res) -> dict[str, Any]:
    out: dict[str, Any] = {
        "address": res.address,
        "mode": res.mode,
        "type": res.type,
        "name": res.name,
    }
    if res.index is not None:
        out["index"] = res.index
    out |= {
        "provider_name": res.provider,
        "schema_version": 0,
        "values": res.values,
        "sensitive_values": _mirror(res.values, res.sensitive),
    }
    return out


def _mirror(values: Any, sensitive: Any) -> Any:
    """`sensitive_values`: the shape of the values' containers, `true` where sensitive."""
    if sensitive is True:
        return True
    if isinstance(values, dict):
        out = {}
        for key, value in values.items():
            sub = _mirror(
                value, (sensitive or {}).get(key) if isinstance(sensitive, dict) else None
            )
            if sub not in ({}, [], None, False) or (
                isinstance(value, list | dict) and sub is not None and sub is not False
            ):
                out[key] = sub
        return out
    if isinstance(values, list):
        return [
            _mirror(v, sensitive[i] if isinstance(sensitive, list) and i < len(sensitive) else None)
            for i, v in enumerate(values)
        ]
    return None


def _modules(resources: list[Res]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    children: dict[str, dict[str, Any]] = {}
    for res in resources:
        if not res.module:
            root.setdefault("resources", []).append(_object(res))
            continue
        if res.module not in children:
            children[res.module] = {"resources": [], "address": res.module}
            root.setdefault("child_modules", []).append(children[res.module])
        children[res.module]["resources"].append(_object(res))
    return root


def _expressions(res: Res) -> dict[str, Any]:
    """Every argument's expression: the resource it refers to, or its constant value."""
    out: dict[str, Any] = {}
    for key, value in res.values.items():
        if key in COMPUTED or key == "timeouts" or value is None:
            continue
        target = res.config.get(key)
        if target is not None:
            relative = re.sub(r"^(module\.[^.]+\.)+", "", target)
            attribute = "id" if res.type.startswith("scaleway") else "self_link"
            out[key] = {
                "references": [
                    f"{relative}.{attribute}",
                    relative.split("[")[0] if "[" in relative else relative,
                ]
            }
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            nested = []
            for block in value:
                entry = {}
                for sub, sub_value in block.items():
                    ref = res.config.get(f"{key}.{sub}")
                    if ref is not None:
                        relative = re.sub(r"^(module\.[^.]+\.)+", "", ref)
                        entry[sub] = {"references": [f"{relative}.id", relative]}
                    elif sub not in COMPUTED and sub_value is not None:
                        entry[sub] = {"constant_value": sub_value}
                nested.append(entry)
            out[key] = nested
        else:
            out[key] = {"constant_value": value}
    return out


def _configuration(resources: list[Res]) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": [], "module_calls": {}}
    seen: set[tuple[str, str]] = set()
    for res in resources:
        if res.mode != "managed":
            continue
        key = (res.module, f"{res.type}.{res.name}")
        if key in seen:
            continue
        seen.add(key)
        entry: dict[str, Any] = {
            "address": f"{res.type}.{res.name}",
            "mode": "managed",
            "type": res.type,
            "name": res.name,
            "provider_config_key": "google" if res.type.startswith("google") else "scaleway",
            "expressions": _expressions(res),
            "schema_version": 0,
        }
        if isinstance(res.index, str):
            entry["for_each_expression"] = {"references": ["var.items"]}
        elif isinstance(res.index, int):
            entry["count_expression"] = {"constant_value": 2}
        if not res.module:
            root["resources"].append(entry)
            continue
        call = re.match(r"module\.([a-z_]+)", res.module)
        assert call
        module = root["module_calls"].setdefault(
            call.group(1), {"source": f"./modules/{call.group(1)}", "module": {"resources": []}}
        )
        if '["' in res.module:
            module["for_each_expression"] = {"constant_value": ["prod", "dev"]}
        if entry["address"] not in {r["address"] for r in module["module"]["resources"]}:
            module["module"]["resources"].append(entry)
    return {
        "provider_config": {
            "google": {
                "name": "google",
                "full_name": GOOGLE,
                "version_constraint": "~> 6.12",
                "expressions": {
                    "project": {"constant_value": PROJECT},
                    "region": {"constant_value": "europe-west1"},
                },
            },
            "scaleway": {
                "name": "scaleway",
                "full_name": SCALEWAY,
                "version_constraint": "~> 2.60",
                "expressions": {
                    "region": {"constant_value": "fr-par"},
                    "zone": {"constant_value": "fr-par-1"},
                },
            },
        },
        "root_module": root,
    }


def show_state(resources: list[Res]) -> dict[str, Any]:
    """`terraform show -json` of the deployed estate."""
    return {
        "format_version": "1.0",
        "terraform_version": "1.11.4",
        "values": {"outputs": {}, "root_module": _modules(resources)},
    }


def show_plan(before: list[Res], after: list[Res]) -> dict[str, Any]:
    """`terraform show -json PLANFILE` of a plan from `before` (the state) to `after`."""
    old = {r.address: r for r in before}
    new = {r.address: r for r in after}
    changes = []
    for address in [*new, *(a for a in old if a not in new)]:
        was, will = old.get(address), new.get(address)
        res = will or was
        assert res is not None
        if will is None:
            actions = ["delete"]
        elif was is None:
            actions = ["create"]
        else:
            actions = ["no-op"] if was.values == will.values else ["update"]
        change: dict[str, Any] = {
            "address": address,
            **({"module_address": res.module} if res.module else {}),
            "mode": res.mode,
            "type": res.type,
            "name": res.name,
            **({"index": res.index} if res.index is not None else {}),
            "provider_name": res.provider,
            "change": {
                "actions": actions,
                "before": was.values if was else None,
                "after": will.values if will else None,
                "after_unknown": {},
                "before_sensitive": _mirror(was.values, was.sensitive) if was else False,
                "after_sensitive": _mirror(will.values, will.sensitive) if will else False,
            },
        }
        if res.mode == "data":
            continue
        changes.append(change)
    managed = [r for r in after if r.mode == "managed"]
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {"project": {"value": PROJECT}},
        "planned_values": {"outputs": {}, "root_module": _modules(managed)},
        "resource_changes": changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.11.4",
            "values": {"outputs": {}, "root_module": _modules(before)},
        },
        "configuration": _configuration(after),
        "relevant_attributes": [],
        "timestamp": "2026-11-30T09:41:07Z",
        "applyable": any(c["change"]["actions"] != ["no-op"] for c in changes),
        "complete": True,
        "errored": False,
    }


# --- variants: one change each -------------------------------------------------------------------------
def _edit(
    resources: list[Res], address: str, change: Callable[[dict[str, Any]], None]
) -> list[Res]:
    out = copy.deepcopy(resources)
    found = [r for r in out if r.address == address]
    assert len(found) == 1, address
    change(found[0].values)
    return out


def _without(resources: list[Res], *addresses: str) -> list[Res]:
    out = [r for r in copy.deepcopy(resources) if r.address not in addresses]
    assert len(out) == len(resources) - len(addresses), addresses
    return out


def _edge_open(resources: list[Res]) -> list[Res]:
    out = _edit(
        resources, "module.scaleway.scaleway_lb_acl.google_front_ends", lambda v: v.update(index=1)
    )
    out = _edit(out, "module.scaleway.scaleway_lb_acl.deny_others", lambda v: v.update(index=2))
    SCW_IDS.setdefault("acl:allow_any", _uuid(999))
    out.append(_lb_acl("module.scaleway", "allow_any", "allow-any", 0, "allow", ["0.0.0.0/0"]))
    return out


def _default_advertisement(values: dict[str, Any]) -> None:
    values["bgp"][0].update(advertise_mode="DEFAULT", advertised_groups=[], advertised_ip_ranges=[])


VARIANTS: dict[str, tuple[str, Callable[[list[Res]], list[Res]]]] = {
    "peering-no-export": (
        "hub-to-prod stops exporting custom routes: the BGP routes learned from Scaleway never reach spoke-prod.",
        lambda r: _edit(
            r,
            "google_compute_network_peering.hub_to_prod",
            lambda v: v.update(export_custom_routes=False),
        ),
    ),
    "default-advertisement": (
        "hub-router goes back to default advertisement: only the hub's own subnet is advertised to Scaleway.",
        lambda r: _edit(r, "module.hub.google_compute_router.this", _default_advertisement),
    ),
    "edge-open": (
        "an ACL ahead of the Google front-end ranges lets 0.0.0.0/0 reach scw-edge: the internet bypasses public-lb and its IAP.",
        _edge_open,
    ),
    "single-tunnel": (
        "tunnel-1 is destroyed on both sides, with its Cloud Router interface and BGP peer: no second path.",
        lambda r: _without(
            r,
            "module.hub.google_compute_vpn_tunnel.this[1]",
            "module.hub.google_compute_router_interface.this[1]",
            "module.hub.google_compute_router_peer.this[1]",
            'module.scaleway.scaleway_s2s_vpn_connection.gcp["1"]',
        ),
    ),
}


def _dump(document: dict[str, Any]) -> str:
    # Terraform prints one line of compact JSON, escaping <, > and & as Go's encoder does
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def generate(out: Path) -> list[Path]:
    base = estate()
    written = []
    files = {"state.json": show_state(base), "plan.json": show_plan(base, base)}
    for name, (_, change) in VARIANTS.items():
        files[f"variants/{name}/plan.json"] = show_plan(base, change(base))
    for name, document in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(document))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="where to write (default: beside this file)"
    )
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
