"""The start of the terraform target, Google only: Terraform JSON whose every resource type, attribute and block the `hashicorp/google` schema has, references as `${type.name.attribute}`, VPN secrets as sensitive variables, the provider pinned.

Terraform's JSON syntax: https://developer.hashicorp.com/terraform/language/syntax/json (a
`resource` object keyed by type then name, expressions in `${...}` strings, nested blocks as
arrays of objects). The names are checked against `@cdktf/provider-google` 16.12.1, generated
from `hashicorp/google` 6.50.0's schema (`make schemas` packs it; the test skips without it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crossfence import load
from crossfence.providers.gcp.tfjson import GOOGLE_PROVIDER_VERSION, google_terraform

from .provider_schema import Schema, read_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
PACKAGE = ROOT / ".cache" / "npm" / "cdktf-provider-google-16.12.1.tgz"


SERVICES = """\
clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: p1}]
networks:
  - name: vpc
    cloud: gcp
    network_firewall_policy_enforcement_order: BEFORE_CLASSIC_FIREWALL
    subnets: [{name: a, cidr: 10.0.0.0/24, region: europe-west1}]
firewall_policies:
  - name: global-policy
    cloud: gcp
    kind: network
    networks: [vpc]
    rules:
      - {priority: 100, direction: ingress, action: deny, ports: ["tcp/22", "tcp/3389", "udp"], source_ranges: [0.0.0.0/0]}
      - {priority: 200, direction: egress, action: goto_next, ports: [all], destination_ranges: [10.9.0.0/16]}
  - name: regional-policy
    cloud: gcp
    kind: regional
    region: europe-west1
    networks: [vpc]
    rules:
      - {priority: 100, direction: ingress, action: allow, ports: ["tcp/443"], target_service_accounts: [web@p1.iam.gserviceaccount.com]}
routers:
  - name: router
    cloud: gcp
    network: vpc
    region: europe-west1
    asn: 64514
    nats:
      - {name: nat, source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS, subnetworks: [a], nat_ips: [34.1.2.3]}
org_policies:
  - {name: no-serial, cloud: gcp, constraint: compute.disableSerialPortAccess, policy_kind: boolean}
"""


def _unknown(value: Any, schema: Schema, where: str) -> list[str]:
    """The names in `value` the schema does not have (a block's objects checked in turn)."""
    wrong = []
    for key, item in value.items():
        if key not in schema.fields:
            wrong.append(f"{where}.{key}")
            continue
        nested = schema.fields[key]
        if nested is None:
            if key in schema.maps and isinstance(item, dict):
                if any(isinstance(v, (dict, list)) for v in item.values()):
                    wrong.append(f"{where}.{key} (a map of values, written with blocks)")
                continue
            if isinstance(item, dict) or (
                isinstance(item, list) and any(isinstance(i, dict) for i in item)
            ):
                wrong.append(f"{where}.{key} (an attribute, written as a block)")
            continue
        blocks = item if isinstance(item, list) else [item]
        for index, block in enumerate(blocks):
            if not isinstance(block, dict):
                wrong.append(f"{where}.{key}[{index}] (a block, written as a value)")
                continue
            wrong += _unknown(block, nested, f"{where}.{key}[{index}]")
    return wrong


@pytest.mark.parametrize("estate", ["example", "services"])
def test_every_name_is_in_the_provider_schema(estate: str, tmp_path: Path) -> None:
    """The example (networks, VPN, DNS, the organisation policy) and an estate of firewall
    policies, Cloud NAT with fixed addresses, a boolean organisation policy."""
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-google")
    if estate == "example":
        blueprint = load(EXAMPLE)
    else:
        (tmp_path / "estate.yaml").write_text(SERVICES, encoding="utf-8")
        blueprint = load(tmp_path / "estate.yaml")
    document, problems, _ = google_terraform(blueprint)
    assert problems == []
    wrong = []
    for kind, resources in document["resource"].items():
        schema = read_schema(PACKAGE, kind)
        for name, body in resources.items():
            wrong += _unknown(body, schema, f"{kind}.{name}")
    assert wrong == []
    assert len(document["resource"]) == (28 if estate == "example" else 12)


def test_a_wrong_name_fails_the_schema_check() -> None:
    """The check can fail: `export_custom_route` (no s) is not a peering attribute."""
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-google")
    schema = read_schema(PACKAGE, "google_compute_network_peering")
    assert _unknown({"export_custom_route": True}, schema, "p") == ["p.export_custom_route"]
    firewall = read_schema(PACKAGE, "google_compute_firewall")
    assert _unknown({"allow": [{"protocol": "tcp", "port": ["1"]}]}, firewall, "f") == [
        "f.allow[0].port"
    ]
    # a map attribute is an object in Terraform's JSON syntax; a list attribute is not
    instance = read_schema(PACKAGE, "google_compute_instance")
    assert _unknown({"metadata": {"k": "v"}}, instance, "i") == []
    assert _unknown({"tags": {"k": "v"}}, instance, "i") == [
        "i.tags (an attribute, written as a block)"
    ]


def test_the_provider_is_pinned() -> None:
    document, _, _ = google_terraform(load(EXAMPLE))
    assert document["terraform"]["required_providers"] == {
        "google": {"source": "hashicorp/google", "version": GOOGLE_PROVIDER_VERSION}
    }
    assert document["provider"]["google"] == [
        {"region": "europe-west1", "project": "eu-sovereign-prod"}
    ]


def test_references_are_terraform_references() -> None:
    """A subnet names its network by reference, so Terraform orders and links them."""
    resources = google_terraform(load(EXAMPLE))[0]["resource"]
    assert resources["google_compute_subnetwork"]["hub-ew1"]["network"] == (
        "${google_compute_network.hub.id}"
    )
    peering = resources["google_compute_network_peering"]["hub-to-prod"]
    assert peering["peer_network"] == "${google_compute_network.spoke-prod.self_link}"
    assert (peering["export_custom_routes"], peering["import_custom_routes"]) == (True, False)
    tunnel = resources["google_compute_vpn_tunnel"]["tunnel-0"]
    assert tunnel["vpn_gateway"] == "${google_compute_ha_vpn_gateway.hub-vpn.id}"
    assert tunnel["peer_external_gateway"] == "${google_compute_external_vpn_gateway.scw-vpn.id}"
    for kind, named in resources.items():
        for body in named.values():
            for value in json.dumps(body).split('"'):
                for ref in re.findall(r"\$\{([a-z_]+)\.([A-Za-z0-9_-]+)\.", value):
                    if ref[0] != "var":
                        assert ref[1] in resources[ref[0]], f"{kind}: {value}"


def test_vpn_secrets_are_sensitive_variables() -> None:
    """`sensitive = true` keeps a variable's value out of plan output
    (https://developer.hashicorp.com/terraform/language/values/variables#suppressing-values-in-cli-output)."""
    document = google_terraform(load(EXAMPLE))[0]
    assert document["variable"]["tunnel_0_shared_secret"] == {
        "type": "string",
        "sensitive": True,
        "description": "The IKE pre-shared key of VPN tunnel tunnel-0",
    }
    tunnel = document["resource"]["google_compute_vpn_tunnel"]["tunnel-0"]
    assert tunnel["shared_secret"] == "${var.tunnel_0_shared_secret}"


def test_cloud_router_custom_advertisement() -> None:
    """`bgp.advertise_mode = CUSTOM` with `advertised_groups = ["ALL_SUBNETS"]` and
    `advertised_ip_ranges` (https://cloud.google.com/network-connectivity/docs/router/how-to/advertising-overview)."""
    router = google_terraform(load(EXAMPLE))[0]["resource"]["google_compute_router"]["hub-router"]
    (bgp,) = router["bgp"]
    assert bgp["advertise_mode"] == "CUSTOM"
    assert bgp["advertised_groups"] == ["ALL_SUBNETS"]
    assert {
        "range": "199.36.153.4/30",
        "description": "restricted.googleapis.com (private API access from Scaleway)",
    } in bgp["advertised_ip_ranges"]


def test_firewall_ports_group_by_protocol() -> None:
    """`allow` blocks: one per protocol, `ports` of single ports and ranges; none for every port
    (https://cloud.google.com/firewall/docs/firewalls#protocols_and_ports)."""
    rules = google_terraform(load(EXAMPLE))[0]["resource"]["google_compute_firewall"]
    assert rules["spoke-prod-gke-prod-internal"]["allow"] == [{"protocol": "all"}]
    assert rules["hub-vault-from-ci"]["allow"] == [{"protocol": "tcp", "ports": ["8200"]}]


def test_a_route_to_an_instance_compile_does_not_write_is_an_error(tmp_path: Path) -> None:
    """A VM of two addresses is not written (one `network_ip` per interface): the route would
    point at nothing, so it is refused rather than written otherwise."""
    (tmp_path / "estate.yaml").write_text(
        "clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1}]\n"
        "networks:\n  - name: vpc\n    cloud: gcp\n"
        "    subnets: [{name: a, cidr: 10.0.0.0/24, region: europe-west1}]\n"
        "    routes: [{name: via-nva, destination: 10.9.0.0/16, next_hop_instance: nva}]\n"
        "workloads: [{name: nva, kind: vm, network: vpc, subnet: a, addresses: [10.0.0.5, 10.0.0.6]}]\n",
        encoding="utf-8",
    )
    _, problems, _ = google_terraform(load(tmp_path / "estate.yaml"))
    route = [p for p in problems if "route 'via-nva'" in p.message]
    assert len(route) == 1
    assert "next_hop_instance has no Terraform form here" in route[0].message
    assert route[0].line == 6


def test_a_name_gcp_refuses_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text(
        "clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1}]\n"
        "networks:\n  - name: my_vpc\n    cloud: gcp\n"
        "    subnets: [{name: a, cidr: 10.0.0.0/24, region: europe-west1}]\n",
        encoding="utf-8",
    )
    _, problems, _ = google_terraform(load(tmp_path / "estate.yaml"))
    (problem,) = problems
    assert problem.message.startswith("network 'my_vpc' is not a name GCP accepts")


def test_the_vpn_peer_restriction_is_the_projects_org_policy() -> None:
    """`compute.restrictVpnPeerIPs`, a list constraint: the allowed peer addresses
    (https://cloud.google.com/network-connectivity/docs/vpn/how-to/restricting-peer-ip-addresses)."""
    resources = google_terraform(load(EXAMPLE))[0]["resource"]
    policy = resources["google_org_policy_policy"]["restrict-vpn-peer-ips"]
    assert policy == {
        "name": "projects/eu-sovereign-prod/policies/compute.restrictVpnPeerIPs",
        "parent": "projects/eu-sovereign-prod",
        "spec": [{"rules": [{"values": [{"allowed_values": ["51.159.0.1", "51.159.0.2"]}]}]}],
    }


def test_a_forwarding_zone_forwards_privately() -> None:
    """Cloud DNS forwarding with `forwarding_path = "private"`: queries leave from
    35.199.192.0/19 through the VPC (https://cloud.google.com/dns/docs/zones/forwarding-zones)."""
    resources = google_terraform(load(EXAMPLE))[0]["resource"]
    zone = resources["google_dns_managed_zone"]["scw-internal"]
    assert zone["forwarding_config"] == [
        {"target_name_servers": [{"ipv4_address": "172.16.8.53", "forwarding_path": "private"}]}
    ]
    assert zone["visibility"] == "private"


def test_a_hierarchical_firewall_policy_is_an_error(tmp_path: Path) -> None:
    """Its parent (an organisation or folder) is not in the blueprint."""
    text = SERVICES.replace("    kind: network\n    networks: [vpc]\n", "    kind: hierarchical\n")
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    _, problems, _ = google_terraform(load(tmp_path / "estate.yaml"))
    assert [p.message.split(":")[0] for p in problems] == [
        "firewall policy 'global-policy' is hierarchical"
    ]


def test_the_load_balancer_sends_to_its_internet_neg_behind_iap_and_cloud_armor() -> None:
    """Global external Application Load Balancer with an internet NEG (`INTERNET_IP_PORT`, the
    Scaleway edge's address and port), IAP on the backend service, the Cloud Armor policy
    attached, its default rule at priority 2147483647
    (https://cloud.google.com/load-balancing/docs/https/setup-global-ext-https-external-backend,
    https://cloud.google.com/armor/docs/security-policy-overview#default-rules)."""
    resources = google_terraform(load(EXAMPLE))[0]["resource"]
    endpoint = resources["google_compute_global_network_endpoint"]["public-lb-scw-edge-neg"]
    assert (endpoint["ip_address"], endpoint["port"]) == ("51.15.0.10", 443)
    service = resources["google_compute_backend_service"]["public-lb-backend"]
    assert service["iap"] == [{"enabled": True}]
    assert service["backend"] == [
        {"group": "${google_compute_global_network_endpoint_group.public-lb-scw-edge-neg.id}"}
    ]
    assert service["security_policy"] == "${google_compute_security_policy.public-lb-armor.id}"
    (default,) = resources["google_compute_security_policy"]["public-lb-armor"]["rule"]
    assert (default["action"], default["priority"]) == ("allow", 2147483647)
    rule = resources["google_compute_global_forwarding_rule"]["public-lb"]
    assert rule["port_range"] == "443"
