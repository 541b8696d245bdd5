"""The terraform target's Scaleway document: names checked against the provider's published schema, references, the load balancer's ACLs, what cannot be written.

The schema is `@pulumiverse/scaleway` 1.54.0 (npm), bridged from the Scaleway Terraform provider
(`make schemas` packs it; the test skips without it): each resource's `<Resource>Args` and its
nested inputs, names back in snake_case, a list of blocks under its plural name as the bridge
writes it (`inbound_rule` is `inboundRules`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crossfence import load
from crossfence.providers.scaleway.tfjson import SCALEWAY_PROVIDER_VERSION, scaleway_terraform

from .provider_schema import Schema, read_pulumi_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
PACKAGE = ROOT / ".cache" / "npm" / "pulumiverse-scaleway-1.54.0.tgz"

SMALL = """\
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: apps, cidr: 172.16.0.0/22}
      - {name: data, cidr: 172.16.8.0/24}
    public_gateways:
      - name: gw
        public_address: 51.15.1.1
        private_networks: [{private_network: apps, enable_masquerade: true, push_default_route: true}]
security_groups:
  - name: sg
    cloud: scw
    inbound_default_policy: drop
    inbound_rules:
      - {action: accept, ports: tcp/8000-8100, ip_ranges: [10.0.0.0/8, 172.16.0.0/12]}
      - {action: accept, ports: icmp}
    outbound_rules:
      - {action: drop, ports: udp/53, ip_ranges: [0.0.0.0/0]}
"""


def _unknown(value: Any, schema: Schema, where: str) -> list[str]:
    wrong = []
    for key, item in value.items():
        if key not in schema.fields:
            wrong.append(f"{where}.{key}")
            continue
        nested = schema.fields[key]
        if nested is None:
            if isinstance(item, dict) or (
                isinstance(item, list) and any(isinstance(i, dict) for i in item)
            ):
                wrong.append(f"{where}.{key} (an attribute, written as a block)")
            continue
        for index, block in enumerate(item if isinstance(item, list) else [item]):
            if not isinstance(block, dict):
                wrong.append(f"{where}.{key}[{index}] (a block, written as a value)")
                continue
            wrong += _unknown(block, nested, f"{where}.{key}[{index}]")
    return wrong


def _document(estate: str, tmp_path: Path) -> dict[str, Any]:
    if estate == "example":
        blueprint = load(EXAMPLE)
    else:
        (tmp_path / "estate.yaml").write_text(SMALL, encoding="utf-8")
        blueprint = load(tmp_path / "estate.yaml")
    document, problems, _ = scaleway_terraform(blueprint)
    assert problems == []
    return document


@pytest.mark.parametrize("estate", ["example", "small"])
def test_every_name_is_in_the_provider_schema(estate: str, tmp_path: Path) -> None:
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @pulumiverse/scaleway")
    document = _document(estate, tmp_path)
    wrong = []
    for kind, resources in document["resource"].items():
        schema = read_pulumi_schema(PACKAGE, kind)
        for name, body in resources.items():
            wrong += _unknown(body, schema, f"{kind}.{name}")
    assert wrong == []
    assert len(document["resource"]) == (18 if estate == "example" else 6)


def test_a_wrong_name_fails_the_schema_check() -> None:
    """The check can fail: `src_port` is no VPC ACL rule attribute (`src_port_low` is)."""
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @pulumiverse/scaleway")
    schema = read_pulumi_schema(PACKAGE, "scaleway_vpc_acl")
    assert _unknown({"rules": [{"src_port": 1}]}, schema, "acl") == ["acl.rules[0].src_port"]
    assert _unknown({"rules": [{"src_port_low": 1}]}, schema, "acl") == []


def test_the_provider_is_pinned() -> None:
    document = scaleway_terraform(load(EXAMPLE))[0]
    assert document["terraform"]["required_providers"]["scaleway"] == {
        "source": "scaleway/scaleway",
        "version": SCALEWAY_PROVIDER_VERSION,
    }


def test_references_and_the_load_balancers_acls() -> None:
    """The edge admits the Google front ends and denies every other address last: a Scaleway
    load balancer forwards what no ACL matches
    (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/)."""
    resources = scaleway_terraform(load(EXAMPLE))[0]["resource"]
    assert resources["scaleway_vpc_private_network"]["pn-apps"]["vpc_id"] == (
        "${scaleway_vpc.scw-vpc.id}"
    )
    acls = sorted(resources["scaleway_lb_acl"].values(), key=lambda a: a["index"])
    assert [(a["action"][0]["type"], a["match"][0]["ip_subnet"]) for a in acls] == [
        ("allow", ["130.211.0.0/22", "35.191.0.0/16", "34.96.0.0/20", "34.127.192.0/18"]),
        ("deny", ["0.0.0.0/0"]),
    ]
    connection = resources["scaleway_s2s_vpn_connection"]["tunnel-0"]
    assert connection["bgp_config_ipv4"] == [
        {
            "private_ip": "169.254.0.2/30",
            "peer_private_ip": "169.254.0.1/30",
            "routing_policy_id": "${scaleway_s2s_vpn_routing_policy.scw-gcp-policy.id}",
        }
    ]


def test_security_group_rules_one_per_range(tmp_path: Path) -> None:
    resources = _document("small", tmp_path)["resource"]
    group = resources["scaleway_instance_security_group"]["sg"]
    assert group["inbound_rule"] == [
        {
            "action": "accept",
            "protocol": "TCP",
            "ip_range": "10.0.0.0/8",
            "port_range": "8000-8100",
        },
        {
            "action": "accept",
            "protocol": "TCP",
            "ip_range": "172.16.0.0/12",
            "port_range": "8000-8100",
        },
        {"action": "accept", "protocol": "ICMP", "ip_range": "0.0.0.0/0"},
    ]


def test_a_rule_naming_security_groups_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text(
        SMALL.replace(
            "      - {action: accept, ports: icmp}",
            "      - {action: accept, ports: icmp, security_groups: [sg]}",
        ),
        encoding="utf-8",
    )
    _, problems, _ = scaleway_terraform(load(tmp_path / "estate.yaml"))
    assert [p.path for p in problems] == ["security_groups[0].inbound_rules[1]"]
    assert "takes address ranges, not other security groups" in problems[0].message


def test_a_lifted_smtp_block_is_written_as_enable_default_security(tmp_path: Path) -> None:
    """`enable_default_security: false` (the SMTP block lifted for the account) is written as the
    resource's `enable_default_security = false`; unset, the argument is left to the provider's
    default (blocked)."""
    assert (
        "enable_default_security"
        not in (_document("small", tmp_path)["resource"]["scaleway_instance_security_group"]["sg"])
    )
    (tmp_path / "estate.yaml").write_text(
        SMALL.replace(
            "    inbound_default_policy: drop\n",
            "    inbound_default_policy: drop\n    enable_default_security: false\n",
        ),
        encoding="utf-8",
    )
    document, problems, _ = scaleway_terraform(load(tmp_path / "estate.yaml"))
    assert problems == []
    group = document["resource"]["scaleway_instance_security_group"]["sg"]
    assert group["enable_default_security"] is False
