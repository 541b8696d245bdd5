"""A seeded synthetic estate (the shapes of estate_synth.py) written as the `terraform show -json` of a plan, with its overlay.

Usage: `python benchmarks/plan_synth.py --workloads 10000 --rules 50000 --out DIR [--change N]`
writes DIR/plan.json (one compact line, as Terraform prints it: `planned_values` in modules,
`resource_changes`, `prior_state`) and DIR/overlay.yaml (what Terraform does not say: the
security groups that filter every interface). `--change N` opens N applications' own firewall rules
(targeted by their tag) to 0.0.0.0/0 in the plan: a second plan for `diff`.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from estate_synth import generate

__all__ = ["main", "resources", "write_plan"]

PROJECT = "synthetic"
COMPUTE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
SCW_PROJECT = "5a1b2c3d-0000-4000-8000-00000000abcd"
GOOGLE = "registry.terraform.io/hashicorp/google"
SCALEWAY = "registry.terraform.io/scaleway/scaleway"


def _net(name: str) -> str:
    return f"{COMPUTE}/global/networks/{name}"


def _subnet_link(name: str, region: str) -> str:
    return f"{COMPUTE}/regions/{region}/subnetworks/{name}"


def _scw_id(kind: str, name: str, zone: str = "fr-par") -> str:
    digest = hashlib.sha256(f"{kind}/{name}".encode()).hexdigest()[:12]
    return f"{zone}/00000000-0000-4000-8000-{digest}"


def _ports(specs: list[str]) -> list[dict[str, Any]]:
    blocks: dict[str, list[str]] = {}
    for spec in specs:
        protocol, _, ports = spec.partition("/")
        blocks.setdefault(protocol, [])
        if ports:
            blocks[protocol].append(ports)
    return [{"protocol": p, "ports": ports} for p, ports in blocks.items()]


def resources(sections: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The estate's resources as `(module, type, name, index, values)` dicts."""
    out: list[dict[str, Any]] = []

    def add(module: str, kind: str, name: str, index: Any, values: dict[str, Any]) -> None:
        out.append({"module": module, "type": kind, "name": name, "index": index, "values": values})

    regions: dict[tuple[str, str], str] = {}
    for network in sections["networks"]:
        name = network["name"]
        if network["cloud"] == "gcp":
            module = f'module.vpc["{name}"]'
            add(
                module,
                "google_compute_network",
                "this",
                None,
                {
                    "name": name,
                    "project": PROJECT,
                    "auto_create_subnetworks": False,
                    "routing_mode": "GLOBAL",
                    "delete_default_routes_on_create": False,
                    "self_link": _net(name),
                    "id": f"projects/{PROJECT}/global/networks/{name}",
                },
            )
            for subnet in network["subnets"]:
                region = subnet.get("region", "europe-west1")
                regions[(name, subnet["name"])] = region
                add(
                    module,
                    "google_compute_subnetwork",
                    "this",
                    subnet["name"],
                    {
                        "name": subnet["name"],
                        "project": PROJECT,
                        "region": region,
                        "ip_cidr_range": subnet["cidr"],
                        "network": _net(name),
                        "secondary_ip_range": [],
                        "private_ip_google_access": False,
                        "self_link": _subnet_link(subnet["name"], region),
                    },
                )
            for route in network.get("routes", []):
                add(
                    module,
                    "google_compute_route",
                    "this",
                    route["name"],
                    {
                        "name": route["name"],
                        "project": PROJECT,
                        "network": _net(name),
                        "dest_range": route["destination"],
                        "priority": 1000,
                        "tags": [],
                        "next_hop_gateway": f"{COMPUTE}/global/gateways/default-internet-gateway",
                    },
                )
            for rule in network["firewall_rules"]:
                ports = _ports(rule.get("ports", ["all"]))
                action = rule.get("action", "allow")
                add(
                    module,
                    "google_compute_firewall",
                    "rules",
                    rule["name"],
                    {
                        "name": f"{name}-{rule['name']}",
                        "project": PROJECT,
                        "network": _net(name),
                        "direction": rule.get("direction", "ingress").upper(),
                        "priority": rule.get("priority", 1000),
                        "allow": ports if action == "allow" else [],
                        "deny": ports if action == "deny" else [],
                        "source_ranges": rule.get("source_ranges", []),
                        "destination_ranges": rule.get("destination_ranges", []),
                        "source_tags": rule.get("source_tags", []),
                        "target_tags": rule.get("target_tags", []),
                        "source_service_accounts": rule.get("source_service_accounts", []),
                        "target_service_accounts": rule.get("target_service_accounts", []),
                        "disabled": False,
                        "description": "",
                        "log_config": [],
                    },
                )
        else:
            module = "module.scaleway"
            add(
                module,
                "scaleway_vpc",
                "this",
                None,
                {
                    "name": name,
                    "project_id": SCW_PROJECT,
                    "region": "fr-par",
                    "enable_routing": True,
                    "id": _scw_id("vpc", name),
                },
            )
            for pn in network["private_networks"]:
                add(
                    module,
                    "scaleway_vpc_private_network",
                    "this",
                    pn["name"],
                    {
                        "name": pn["name"],
                        "project_id": SCW_PROJECT,
                        "region": "fr-par",
                        "vpc_id": _scw_id("vpc", name),
                        "ipv4_subnet": [{"subnet": pn["cidr"]}],
                        "id": _scw_id("pn", pn["name"]),
                    },
                )
            rules = []
            for rule in network["acl"]["rules"]:
                ports = rule.get("destination_ports")
                sports = rule.get("source_ports")
                rules.append(
                    {
                        "action": rule["action"],
                        "protocol": rule.get("protocol", "any").upper(),
                        "source": rule.get("source", "0.0.0.0/0"),
                        "destination": rule.get("destination", "0.0.0.0/0"),
                        "src_port_low": int(sports) if sports else 0,
                        "src_port_high": int(sports) if sports else 0,
                        "dst_port_low": int(ports) if ports else 0,
                        "dst_port_high": int(ports) if ports else 0,
                        "description": rule.get("description", ""),
                    }
                )
            add(
                module,
                "scaleway_vpc_acl",
                "this",
                None,
                {
                    "vpc_id": _scw_id("vpc", name),
                    "region": "fr-par",
                    "project_id": SCW_PROJECT,
                    "is_ipv6": False,
                    "default_policy": network["acl"]["default_policy"],
                    "rules": rules,
                },
            )
    for peering in sections["peerings"]:
        add(
            "",
            "google_compute_network_peering",
            "this",
            peering["name"],
            {
                "name": peering["name"],
                "network": _net(peering["network"]),
                "peer_network": _net(peering["peer_network"]),
                "export_custom_routes": peering.get("export_custom_routes", False),
                "import_custom_routes": peering.get("import_custom_routes", False),
                "export_subnet_routes_with_public_ip": True,
                "import_subnet_routes_with_public_ip": False,
            },
        )
    for group in sections["security_groups"]:
        rules = []
        for rule in group.get("inbound_rules", []):
            protocol, _, port = rule["ports"].partition("/")
            low, _, high = port.partition("-")
            for cidr in rule.get("ip_ranges", ["0.0.0.0/0"]):
                rules.append(
                    {
                        "action": rule["action"],
                        "protocol": protocol.upper(),
                        "port": int(low) if port and not high else None,
                        "port_range": port if high else "",
                        "ip_range": cidr,
                    }
                )
        add(
            "module.scaleway",
            "scaleway_instance_security_group",
            "this",
            group["name"],
            {
                "name": group["name"],
                "project_id": SCW_PROJECT,
                "zone": "fr-par-1",
                "stateful": True,
                "inbound_default_policy": group["inbound_default_policy"],
                "outbound_default_policy": group["outbound_default_policy"],
                "inbound_rule": rules,
                "outbound_rule": [],
                "id": _scw_id("sg", group["name"], "fr-par-1"),
            },
        )
    _vpn(sections, add)
    pns = {
        pn["name"]: pn
        for n in sections["networks"]
        if n["cloud"] == "scw"
        for pn in n["private_networks"]
    }
    for workload in sections["workloads"]:
        if workload["network"] == "scw-vpc":
            public = workload.get("public_address")
            values: dict[str, Any] = {
                "name": workload["name"],
                "project_id": SCW_PROJECT,
                "zone": "fr-par-1",
                "private_network": [{"pn_id": _scw_id("pn", workload["subnet"])}],
                "private_ips": [{"id": "x", "address": workload["addresses"][0]}],
                "public_ips": [{"address": public}] if public else [],
                "security_group_id": _scw_id("sg", workload["security_groups"][0], "fr-par-1"),
                "id": _scw_id("server", workload["name"], "fr-par-1"),
            }
            if len(workload["security_groups"]) > 1:
                values["security_group_id"] = _scw_id(
                    "sg", workload["security_groups"][-1], "fr-par-1"
                )
            assert workload["subnet"] in pns
            add("module.scaleway", "scaleway_instance_server", "this", workload["name"], values)
        else:
            region = regions[(workload["network"], workload["subnet"])]
            add(
                f'module.app["{workload["name"].rsplit("-", 1)[0]}"]',
                "google_compute_instance",
                "this",
                workload["name"],
                {
                    "name": workload["name"],
                    "project": PROJECT,
                    "zone": f"{region}-b",
                    "tags": workload.get("network_tags", []),
                    "network_interface": [
                        {
                            "network": _net(workload["network"]),
                            "subnetwork": _subnet_link(workload["subnet"], region),
                            "network_ip": workload["addresses"][0],
                            "access_config": [],
                        }
                    ],
                    "service_account": [{"email": workload["service_account"], "scopes": []}]
                    if workload.get("service_account")
                    else [],
                    "can_ip_forward": False,
                },
            )
    return out


def _vpn(sections: dict[str, list[dict[str, Any]]], add: Any) -> None:
    router = sections["routers"][0]
    add(
        "module.hub",
        "google_compute_router",
        "this",
        None,
        {
            "name": router["name"],
            "project": PROJECT,
            "region": "europe-west1",
            "network": _net("hub"),
            "self_link": f"{COMPUTE}/regions/europe-west1/routers/{router['name']}",
            "bgp": [
                {
                    "asn": router["asn"],
                    "advertise_mode": "CUSTOM",
                    "advertised_groups": ["ALL_SUBNETS"],
                    "advertised_ip_ranges": router["advertised_ranges"],
                }
            ],
        },
    )
    add(
        "module.hub",
        "google_compute_ha_vpn_gateway",
        "this",
        None,
        {
            "name": "hub-vpn",
            "project": PROJECT,
            "region": "europe-west1",
            "network": _net("hub"),
            "self_link": f"{COMPUTE}/regions/europe-west1/vpnGateways/hub-vpn",
            "vpn_interfaces": [
                {"id": 0, "ip_address": "34.157.0.1"},
                {"id": 1, "ip_address": "34.157.1.1"},
            ],
        },
    )
    add(
        "module.hub",
        "google_compute_external_vpn_gateway",
        "this",
        None,
        {
            "name": "scw",
            "project": PROJECT,
            "self_link": f"{COMPUTE}/global/externalVpnGateways/scw",
            "interface": [{"id": 0, "ip_address": "51.159.0.1"}],
        },
    )
    policy = sections["routing_policies"][0]
    add(
        "module.scaleway",
        "scaleway_s2s_vpn_routing_policy",
        "this",
        None,
        {
            "name": policy["name"],
            "project_id": SCW_PROJECT,
            "region": "fr-par",
            "prefix_filter_in": policy["prefix_filter_in"],
            "prefix_filter_out": policy["prefix_filter_out"],
            "is_ipv6": False,
            "id": _scw_id("policy", "p"),
        },
    )
    add(
        "module.scaleway",
        "scaleway_ipam_ip",
        "vpn",
        None,
        {
            "address": "51.159.0.1",
            "project_id": SCW_PROJECT,
            "region": "fr-par",
            "id": _scw_id("ipam", "vpn"),
        },
    )
    add(
        "module.scaleway",
        "scaleway_s2s_vpn_gateway",
        "this",
        None,
        {
            "name": "scw-vpn",
            "project_id": SCW_PROJECT,
            "region": "fr-par",
            "private_network_id": _scw_id("pn", "pn-0"),
            "public_config": [{"ipam_ipv4_id": _scw_id("ipam", "vpn")}],
            "asn": 12876,
            "id": _scw_id("gw", "scw-vpn"),
        },
    )
    for i in (0, 1):
        add(
            "module.hub",
            "google_compute_vpn_tunnel",
            "this",
            i,
            {
                "name": f"tunnel-{i}",
                "project": PROJECT,
                "region": "europe-west1",
                "vpn_gateway": f"{COMPUTE}/regions/europe-west1/vpnGateways/hub-vpn",
                "vpn_gateway_interface": i,
                "peer_external_gateway": f"{COMPUTE}/global/externalVpnGateways/scw",
                "peer_external_gateway_interface": 0,
                "router": f"{COMPUTE}/regions/europe-west1/routers/hub-router",
                "ike_version": 2,
                "shared_secret": "x",
                "self_link": f"{COMPUTE}/regions/europe-west1/vpnTunnels/tunnel-{i}",
            },
        )
        add(
            "module.hub",
            "google_compute_router_interface",
            "this",
            i,
            {
                "name": f"if-{i}",
                "router": "hub-router",
                "region": "europe-west1",
                "project": PROJECT,
                "ip_range": f"169.254.{i}.1/30",
                "vpn_tunnel": f"tunnel-{i}",
            },
        )
        add(
            "module.hub",
            "google_compute_router_peer",
            "this",
            i,
            {
                "name": f"bgp-{i}",
                "router": "hub-router",
                "region": "europe-west1",
                "project": PROJECT,
                "interface": f"if-{i}",
                "peer_ip_address": f"169.254.{i}.2",
                "peer_asn": 12876,
                "advertised_route_priority": 100,
                "enable": True,
            },
        )
        add(
            "module.scaleway",
            "scaleway_s2s_vpn_customer_gateway",
            "this",
            str(i),
            {
                "name": f"gcp-{i}",
                "project_id": SCW_PROJECT,
                "region": "fr-par",
                "ipv4_public": f"34.157.{i}.1",
                "asn": 64514,
                "id": _scw_id("cgw", str(i)),
            },
        )
        add(
            "module.scaleway",
            "scaleway_s2s_vpn_connection",
            "this",
            str(i),
            {
                "name": f"gcp-{i}",
                "project_id": SCW_PROJECT,
                "region": "fr-par",
                "vpn_gateway_id": _scw_id("gw", "scw-vpn"),
                "customer_gateway_id": _scw_id("cgw", str(i)),
                "enable_route_propagation": True,
                "bgp_config_ipv4": [
                    {
                        "routing_policy_id": _scw_id("policy", "p"),
                        "private_ip": f"169.254.{i}.2/30",
                        "peer_private_ip": f"169.254.{i}.1/30",
                    }
                ],
            },
        )


def _address(entry: dict[str, Any]) -> str:
    index = entry["index"]
    key = (
        ""
        if index is None
        else (f"[{index}]" if isinstance(index, int) else f"[{json.dumps(index)}]")
    )
    prefix = f"{entry['module']}." if entry["module"] else ""
    return f"{prefix}{entry['type']}.{entry['name']}{key}"


def _modules(entries: list[dict[str, Any]]) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": []}
    children: dict[str, dict[str, Any]] = {}
    for entry in entries:
        provider = GOOGLE if entry["type"].startswith("google") else SCALEWAY
        obj = {
            "address": _address(entry),
            "mode": "managed",
            "type": entry["type"],
            "name": entry["name"],
            **({"index": entry["index"]} if entry["index"] is not None else {}),
            "provider_name": provider,
            "schema_version": 0,
            "values": entry["values"],
            "sensitive_values": {},
        }
        if not entry["module"]:
            root["resources"].append(obj)
            continue
        if entry["module"] not in children:
            children[entry["module"]] = {"resources": [], "address": entry["module"]}
            root.setdefault("child_modules", []).append(children[entry["module"]])
        children[entry["module"]]["resources"].append(obj)
    return root


def write_plan(before: list[dict[str, Any]], after: list[dict[str, Any]], out: Path) -> Path:
    old = {_address(e): e for e in before}
    changes = []
    for entry in after:
        address = _address(entry)
        was = old.get(address)
        actions = (
            ["no-op"]
            if was is not None and was["values"] == entry["values"]
            else (["update"] if was else ["create"])
        )
        changes.append(
            {
                "address": address,
                **({"module_address": entry["module"]} if entry["module"] else {}),
                "mode": "managed",
                "type": entry["type"],
                "name": entry["name"],
                **({"index": entry["index"]} if entry["index"] is not None else {}),
                "provider_name": GOOGLE if entry["type"].startswith("google") else SCALEWAY,
                "change": {
                    "actions": actions,
                    "before": was["values"] if was else None,
                    "after": entry["values"],
                    "after_unknown": {},
                    "before_sensitive": {},
                    "after_sensitive": {},
                },
            }
        )
    document = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": _modules(after)},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "values": {"root_module": _modules(before)}},
        "configuration": {"root_module": {}},
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return out


OVERLAY = """# what Terraform does not say: these groups filter every interface of the Instances
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
security_groups:
  - {name: scw-app-sg, applies_to: all_interfaces}
  - {name: scw-data-sg, applies_to: all_interfaces}
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=5000)
    parser.add_argument("--spokes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--change", type=int, default=0, help="firewall rules opened to 0.0.0.0/0 in the plan"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    estate = generate(args.workloads, args.rules, args.spokes, args.seed)
    before = resources(estate.sections)
    after = copy.deepcopy(before)
    opened = 0
    for entry in after:
        if opened >= args.change:
            break
        # an application's own rule (targeted by its tag), opened to the internet
        if (
            entry["type"] == "google_compute_firewall"
            and entry["index"].startswith("r")
            and entry["values"]["allow"]
            and entry["values"]["direction"] == "INGRESS"
            and entry["values"]["target_tags"]
        ):
            entry["values"].update(
                source_ranges=["0.0.0.0/0"], source_tags=[], source_service_accounts=[]
            )
            opened += 1
    write_plan(before, after, args.out / "plan.json")
    (args.out / "overlay.yaml").write_text(OVERLAY)
    print(
        f"{args.out}: {len(after)} resources, {estate.workloads} workloads, {estate.rules} firewall rules, {opened} opened"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
