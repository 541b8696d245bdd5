"""A seeded synthetic multi-cloud estate (GCP hub and spokes, HA VPN + BGP to Scaleway) as a blueprint folder."""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Usage: `python benchmarks/estate_synth.py --workloads 10000 --rules 50000 --spokes 8 --out DIR`
#
# The shape follows the reference architecture: a GCP hub VPC peered with N spoke VPCs (the hub
# exports custom routes, most spokes import them), a Cloud Router with custom advertisement and an
# HA VPN (two tunnels, two BGP sessions) to a Scaleway VPC with Private Networks, a VPC ACL and
# security groups. Workloads are VMs grouped into applications (one network tag and service account
# per application, tier and environment tags), spread over the subnets of their network. Firewall
# rules are what such estates hold: application-to-application allows by source tag (same VPC) or
# by host ranges (across peerings), subnet-wide allows to a tier, denies of single hosts and small
# ranges at a stronger priority, service-account targets, egress denies, and a few estate-wide rules
# (IAP SSH, health checks, the Scaleway ranges).

__all__ = ["Estate", "generate", "main", "write_estate"]

PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9200, 11211, 27017, 5000, 8000]
RANGES = [(8000, 8100), (9000, 9099), (30000, 32767), (5000, 5010)]
TIERS = ["web", "app", "data", "ops"]
ENVS = ["prod", "staging", "dev"]
SUBNETS_PER_SPOKE = 4
PRIVATE_NETWORKS = 4
SCALEWAY_SHARE = 0.08  # of the workloads


@dataclass
class App:
    """An application: its VMs share a network tag and a service account."""

    name: str
    network: str
    tier: str
    env: str
    hosts: list[str] = field(default_factory=list)


@dataclass
class Estate:
    """The generated blueprint sections, ready to write."""

    sections: dict[str, list[dict[str, Any]]]
    workloads: int
    rules: int
    manifests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Cluster -> its NetworkPolicies (written as `manifests/<cluster>/policies.yaml`)."""
    pods: int = 0


def _subnets(spoke: int) -> list[tuple[str, str]]:
    """(name, cidr) of a spoke's subnets: 10.<spoke>.<16k>.0/20, room for 4,000 hosts each."""
    return [(f"spoke{spoke}-sn{k}", f"10.{spoke}.{16 * k}.0/20") for k in range(SUBNETS_PER_SPOKE)]


def _hosts(cidr: str) -> Iterator[str]:
    net = ipaddress.IPv4Network(cidr)
    for offset in range(10, net.num_addresses - 1):
        yield str(net.network_address + offset)


def _ports(rng: random.Random) -> list[str]:
    if rng.random() < 0.15:
        low, high = rng.choice(RANGES)
        return [f"tcp/{low}-{high}"]
    count = 1 if rng.random() < 0.7 else 2
    out = [f"tcp/{p}" for p in rng.sample(PORTS, count)]
    if rng.random() < 0.05:
        out.append("udp/53")
    return out


def generate(workloads: int, rules: int, spokes: int, seed: int, pods: int = 0) -> Estate:
    """The blueprint sections of one estate; the same arguments give the same estate. With
    `pods`, two meshed clusters (GKE in spoke1, Kapsule on Scaleway) share a global namespace."""
    rng = random.Random(seed)
    networks: list[dict[str, Any]] = []
    peerings: list[dict[str, Any]] = []
    hub_subnets = [
        ("hub-ew1", "10.0.0.0/20", "europe-west1"),
        ("hub-ew4", "10.0.16.0/20", "europe-west4"),
    ]
    hub = {
        "name": "hub",
        "cloud": "gcp",
        "routing_mode": "global",
        "subnets": [{"name": n, "cidr": c, "region": r} for n, c, r in hub_subnets],
        "routes": [
            {
                "name": "default-internet",
                "destination": "0.0.0.0/0",
                "next_hop_gateway": "default_internet_gateway",
            }
        ],
        "firewall_rules": [],
    }
    networks.append(hub)
    subnet_cidrs: dict[str, list[tuple[str, str]]] = {"hub": [(n, c) for n, c, _ in hub_subnets]}
    importing = []
    for spoke in range(1, spokes + 1):
        name = f"spoke{spoke}"
        subnet_cidrs[name] = _subnets(spoke)
        networks.append(
            {
                "name": name,
                "cloud": "gcp",
                "routing_mode": "global",
                "subnets": [
                    {
                        "name": n,
                        "cidr": c,
                        "region": "europe-west1" if k % 2 == 0 else "europe-west4",
                    }
                    for k, (n, c) in enumerate(subnet_cidrs[name])
                ],
                "firewall_rules": [],
            }
        )
        # every fourth spoke does not import the hub's custom routes: no route to Scaleway
        imports = spoke % 4 != 0
        if imports:
            importing.append(spoke)
        peerings.append(
            {
                "name": f"hub-to-{name}",
                "network": "hub",
                "peer_network": name,
                "export_custom_routes": True,
            }
        )
        peerings.append(
            {
                "name": f"{name}-to-hub",
                "network": name,
                "peer_network": "hub",
                "import_custom_routes": imports,
            }
        )
    pns = [(f"pn-{k}", f"172.16.{4 * k}.0/22") for k in range(PRIVATE_NETWORKS)]
    subnet_cidrs["scw-vpc"] = pns
    acl_rules: list[dict[str, Any]] = [
        {
            "action": "accept",
            "protocol": "tcp",
            "source": "10.0.0.0/8",
            "destination": pns[1][1],
            "destination_ports": "5432",
            "description": "GCP applications to the databases",
        },
        {
            "action": "accept",
            "protocol": "tcp",
            "source": pns[1][1],
            "source_ports": "5432",
            "destination": "10.0.0.0/8",
            "description": "the databases answer",
        },
        {
            "action": "drop",
            "source": pns[0][1],
            "destination": pns[1][1],
            "description": "nothing else from pn-0 to pn-1",
        },
    ]
    for k in range(12):
        a, b = rng.sample(range(PRIVATE_NETWORKS), 2)
        action, protocol = rng.choice(["accept", "drop"]), rng.choice(["tcp", "udp", "any"])
        port = str(rng.choice(PORTS)) if rng.random() < 0.5 else None
        acl_rules.append(
            {
                "action": action,
                "protocol": protocol,
                "source": pns[a][1],
                "destination": pns[b][1],
                # ports only where the protocol has them: a rule for any protocol with ports is
                # refused (ambiguous) when it accepts, and its ports ignored when it drops
                **({"destination_ports": port} if port is not None and protocol != "any" else {}),
                "description": f"synthetic rule {k}",
            }
        )
    networks.append(
        {
            "name": "scw-vpc",
            "cloud": "scw",
            "managed_routing": True,
            "private_networks": [{"name": n, "cidr": c} for n, c in pns],
            "acl": {"default_policy": "accept", "rules": acl_rules},
        }
    )
    security_groups: list[dict[str, Any]] = [
        {
            "name": "scw-app-sg",
            "cloud": "scw",
            "inbound_default_policy": "drop",
            "outbound_default_policy": "accept",
            "stateful": True,
            "applies_to": "all_interfaces",
            "inbound_rules": [
                {"action": "accept", "ports": "tcp/443", "ip_ranges": ["10.0.0.0/19"]},
                {"action": "accept", "ports": "tcp/8000-8100", "ip_ranges": ["172.16.0.0/16"]},
                {"action": "drop", "ports": "tcp/22", "ip_ranges": ["10.0.0.0/8"]},
                {"action": "accept", "ports": "tcp/22", "ip_ranges": ["172.16.0.0/22"]},
            ],
        },
        {
            "name": "scw-data-sg",
            "cloud": "scw",
            "inbound_default_policy": "drop",
            "outbound_default_policy": "accept",
            "stateful": True,
            "applies_to": "all_interfaces",
            "inbound_rules": [
                {
                    "action": "accept",
                    "ports": "tcp/5432",
                    "ip_ranges": ["10.0.0.0/19", "172.16.0.0/22"],
                },
                {"action": "accept", "ports": "tcp/22", "ip_ranges": ["172.16.0.0/22"]},
            ],
        },
        {
            "name": "scw-public-sg",
            "cloud": "scw",
            "inbound_default_policy": "drop",
            "outbound_default_policy": "accept",
            "stateful": True,
            "inbound_rules": [{"action": "accept", "ports": "tcp/443"}],
        },
    ]

    # workloads: applications of 4 to 16 VMs, each in one network, spread over its subnets
    gcp_networks = ["hub"] + [f"spoke{s}" for s in range(1, spokes + 1)]
    free = {
        net: {name: _hosts(cidr) for name, cidr in subnet_cidrs[net]}
        for net in [*gcp_networks, "scw-vpc"]
    }
    apps: list[App] = []
    wl: list[dict[str, Any]] = []
    scaleway_target = int(workloads * SCALEWAY_SHARE)
    count = 0
    while count < workloads:
        on_scaleway = count < scaleway_target
        network = "scw-vpc" if on_scaleway else rng.choice(gcp_networks)
        size = min(rng.randint(4, 16), workloads - count)
        app = App(f"app{len(apps)}", network, rng.choice(TIERS), rng.choice(ENVS))
        apps.append(app)
        for i in range(size):
            subnet, _ = rng.choice(subnet_cidrs[network])
            address = next(free[network][subnet])
            name = f"{app.name}-{i}"
            entry: dict[str, Any] = {
                "name": name,
                "kind": "vm",
                "network": network,
                "subnet": subnet,
                "addresses": [address],
            }
            if on_scaleway:
                sg = "scw-data-sg" if subnet == pns[1][0] else "scw-app-sg"
                entry["security_groups"] = [sg]
                if i == 0 and rng.random() < 0.2:
                    entry["security_groups"] = [sg, "scw-public-sg"]
                    entry["public_address"] = f"51.15.{len(apps) % 250}.{10 + i}"
            else:
                entry["network_tags"] = [app.name, f"tier-{app.tier}", f"env-{app.env}"]
                entry["service_account"] = f"{app.name}@synthetic.iam.gserviceaccount.com"
            wl.append(entry)
            app.hosts.append(address)
            count += 1
    by_network: dict[str, list[App]] = {}
    for app in apps:
        by_network.setdefault(app.network, []).append(app)

    # firewall rules, spread over the GCP networks in proportion to their applications
    gcp_apps = [a for a in apps if a.network != "scw-vpc"]
    scw_apps = by_network.get("scw-vpc", [])
    rules_of: dict[str, list[dict[str, Any]]] = {
        n["name"]: n["firewall_rules"] for n in networks if n["cloud"] == "gcp"
    }
    estate_wide: list[dict[str, Any]] = [
        {"name": "allow-iap-ssh", "ports": ["tcp/22"], "source_ranges": ["35.235.240.0/20"]},
        {
            "name": "allow-health-checks",
            "ports": ["tcp/80", "tcp/443", "tcp/8080"],
            "source_ranges": ["130.211.0.0/22", "35.191.0.0/16"],
            "target_tags": ["tier-web"],
        },
        {
            "name": "allow-from-scaleway",
            "ports": ["tcp/443", "tcp/8443"],
            "source_ranges": ["172.16.0.0/22"],
            "target_tags": ["tier-app"],
        },
        {
            "name": "deny-dev-to-prod",
            "action": "deny",
            "priority": 500,
            "source_tags": ["env-dev"],
            "target_tags": ["env-prod"],
        },
    ]
    for net in rules_of:
        rules_of[net].extend(dict(r) for r in estate_wide)
    made = len(rules_of) * len(estate_wide)
    serial = 0
    while made < rules and gcp_apps:
        target = rng.choice(gcp_apps)
        rule: dict[str, Any] = {
            "name": f"r{serial}",
            "priority": rng.randint(100, 2000),
            "ports": _ports(rng),
        }
        serial += 1
        kind = rng.random()
        if kind < 0.45:
            # app to app in the same VPC: by tags (or by service accounts: GCP does not mix the
            # two in one rule, https://cloud.google.com/compute/docs/reference/rest/v1/firewalls)
            peers = by_network[target.network]
            source = rng.choice(peers)
            if rng.random() < 0.8:
                rule["source_tags"] = [source.name]
                rule["target_tags"] = [target.name]
            else:
                rule["source_service_accounts"] = [
                    f"{source.name}@synthetic.iam.gserviceaccount.com"
                ]
                rule["target_service_accounts"] = [
                    f"{target.name}@synthetic.iam.gserviceaccount.com"
                ]
        elif kind < 0.70:
            # app to app across the hub, or from Scaleway: by host ranges
            source = rng.choice(gcp_apps if rng.random() < 0.9 or not scw_apps else scw_apps)
            hosts = rng.sample(source.hosts, min(len(source.hosts), rng.randint(1, 4)))
            rule["source_ranges"] = [f"{h}/32" for h in hosts]
            rule["target_tags"] = [target.name]
        elif kind < 0.71:
            # a subnet to a tier (sparingly: these open wide)
            net = rng.choice(list(subnet_cidrs))
            _, cidr = rng.choice(subnet_cidrs[net])
            rule["source_ranges"] = [cidr]
            rule["target_tags"] = [target.name, f"tier-{target.tier}"][
                : 1 if rng.random() < 0.8 else 2
            ][-1:]
        elif kind < 0.86:
            # deny a host or a small range, at a stronger priority
            source = rng.choice(gcp_apps)
            host = ipaddress.IPv4Address(rng.choice(source.hosts))
            prefix = rng.choice([32, 32, 30, 28])
            rule["source_ranges"] = [str(ipaddress.IPv4Network(f"{host}/{prefix}", strict=False))]
            rule["action"] = "deny"
            rule["priority"] = rng.randint(100, 900)
            rule["target_tags"] = [target.name]
        elif kind < 0.98:
            # service-account target, from another application's service account
            source = rng.choice(by_network[target.network])
            rule["source_service_accounts"] = [f"{source.name}@synthetic.iam.gserviceaccount.com"]
            rule["target_service_accounts"] = [f"{target.name}@synthetic.iam.gserviceaccount.com"]
        else:
            # egress deny to a range (exfiltration guard)
            rule["direction"] = "egress"
            rule["action"] = "deny"
            net = rng.choice(list(subnet_cidrs))
            _, cidr = rng.choice(subnet_cidrs[net])
            rule["destination_ranges"] = [cidr]
            rule["target_tags"] = [target.name]
        rules_of[target.network].append(rule)
        made += 1

    advertised = [{"range": f"10.{s}.0.0/16", "description": f"spoke{s}"} for s in importing]
    estate: dict[str, list[dict[str, Any]]] = {
        "clouds": [
            {
                "name": "gcp",
                "provider": "gcp",
                "jurisdiction": "US",
                "region": "europe-west1",
                "project": "synthetic",
            },
            {"name": "scw", "provider": "scaleway", "jurisdiction": "EU", "region": "fr-par"},
        ],
        "networks": networks,
        "peerings": peerings,
        "security_groups": security_groups,
        "vpn_gateways": [
            {
                "name": "hub-vpn",
                "cloud": "gcp",
                "network": "hub",
                "type": "ha_vpn",
                "region": "europe-west1",
                "interfaces": [{"id": 0, "ip": "34.157.0.1"}, {"id": 1, "ip": "34.157.1.1"}],
            },
            {
                "name": "scw-vpn",
                "cloud": "scw",
                "network": "scw-vpc",
                "private_network": pns[0][0],
                "type": "scaleway_s2s",
                "asn": 12876,
                "route_propagation": True,
                "interfaces": [{"id": 0, "ip": "51.159.0.1"}, {"id": 1, "ip": "51.159.0.2"}],
            },
        ],
        "routers": [
            {
                "name": "hub-router",
                "cloud": "gcp",
                "network": "hub",
                "region": "europe-west1",
                "asn": 64514,
                "advertise_mode": "custom",
                "advertised_groups": ["all_subnets"],
                "advertised_ranges": advertised,
            }
        ],
        "routing_policies": [
            {
                "name": "scw-gcp-policy",
                "cloud": "scw",
                "prefix_filter_in": ["10.0.0.0/8"],
                "prefix_filter_out": [c for _, c in pns],
            }
        ],
        "vpn_tunnels": [
            {
                "name": f"tunnel-{i}",
                "ike_version": 2,
                "local": {"gateway": "hub-vpn", "interface": i},
                "peer": {"gateway": "scw-vpn", "interface": i},
                "ike": {"encryption": ["AES-GCM-16-256"], "integrity": [], "dh_groups": [20]},
                "esp": {"encryption": ["AES-GCM-16-256"], "integrity": [], "dh_groups": [20]},
            }
            for i in (0, 1)
        ],
        "bgp_sessions": [
            {
                "name": f"bgp-{i}",
                "tunnel": f"tunnel-{i}",
                "local": {
                    "speaker": "hub-router",
                    "address": f"169.254.{i}.1/30",
                    "advertised_route_priority": 100,
                },
                "peer": {
                    "speaker": "scw-vpn",
                    "address": f"169.254.{i}.2/30",
                    "routing_policy": "scw-gcp-policy",
                },
            }
            for i in (0, 1)
        ],
        "workloads": wl,
    }
    result = Estate(estate, workloads, made)
    if pods:
        _add_clusters(result, pods, rng, pns[0][0])
    return result


NAMESPACES = 6
POD_APPS = 12


def _add_clusters(estate: Estate, pods: int, rng: random.Random, scw_subnet: str) -> None:
    """Two meshed clusters sharing the global namespace `shared` (its namespace `ns-0` in both),
    pods workloads in applications, NetworkPolicies and global policies."""
    sections = estate.sections
    spoke1 = next(n for n in sections["networks"] if n["name"] == "spoke1")
    spoke1["subnets"][0]["secondary_ranges"] = [{"name": "gke-pods", "cidr": "10.192.0.0/12"}]
    node_subnet = spoke1["subnets"][0]
    node_host = str(ipaddress.IPv4Network(node_subnet["cidr"]).network_address + 5)
    spoke1["firewall_rules"] += [
        {
            "name": "eastwest-from-scaleway",
            "priority": 50,
            "ports": ["tcp/15443"],
            "source_ranges": ["172.16.0.0/16", "100.64.0.0/12"],
            "target_tags": ["gke-node"],
        },
        {
            "name": "gke-internal",
            "priority": 50,
            "ports": ["all"],
            "source_ranges": [node_subnet["cidr"], "10.192.0.0/12"],
            "target_tags": ["gke-node"],
        },
    ]
    router = sections["routers"][0]
    router["advertised_ranges"].append({"range": "10.192.0.0/12", "description": "GKE pods"})
    sections["routing_policies"][0]["prefix_filter_out"].append("100.64.0.0/12")
    namespaces = [{"name": f"ns-{k}", "istio_injection": True} for k in range(NAMESPACES)]
    sections["clusters"] = [
        {
            "name": "gke",
            "cloud": "gcp",
            "kind": "gke",
            "network": "spoke1",
            "subnet": node_subnet["name"],
            "pod_range": "gke-pods",
            "node_tags": ["gke-node"],
            "namespaces": namespaces,
            "mesh": {"mtls_mode": "STRICT", "east_west_gateway": {"address": node_host}},
            "manifests": ["manifests/gke"],
        },
        {
            "name": "kapsule",
            "cloud": "scw",
            "kind": "kapsule",
            "network": "scw-vpc",
            "subnet": scw_subnet,
            "pod_range": "100.64.0.0/12",
            "namespaces": namespaces,
            "mesh": {"mtls_mode": "STRICT", "east_west_gateway": {"address": "172.16.0.5"}},
            "manifests": ["manifests/kapsule"],
        },
    ]
    apps = [(f"svc{k}", f"ns-{k % NAMESPACES}") for k in range(POD_APPS)]
    for i in range(pods):
        cluster = "gke" if i % 2 == 0 else "kapsule"
        app, namespace = apps[rng.randrange(len(apps))]
        sections["workloads"].append(
            {
                "name": f"{cluster}-{app}-{i}",
                "kind": "pods",
                "cluster": cluster,
                "namespace": namespace,
                "service_account": app,
                "labels": {"app": app},
                "ports": [{"port": 8080, "name": "http", "app_protocol": "http"}],
            }
        )
    sections["global_namespaces"] = [
        {
            "name": "shared",
            "trust_domain": "example.eu",
            "mtls_mode": "STRICT",
            "members": [
                {"cluster": "gke", "namespace": "ns-0"},
                {"cluster": "kapsule", "namespace": "ns-0"},
            ],
            "default_action": "deny",
            "policies": [],
        }
    ]
    shared = [w for w in sections["workloads"] if w.get("namespace") == "ns-0"]
    for k in range(min(20, len(shared))):
        source, destination = rng.choice(shared), rng.choice(shared)
        sections["global_namespaces"][0]["policies"].append(
            {
                "name": f"p{k}",
                "sources": [source["name"]],
                "destination": destination["name"],
                "ports": ["tcp/8080"],
                **({"methods": ["GET"], "paths": ["/api/*"]} if rng.random() < 0.5 else {}),
            }
        )
    for cluster in ("gke", "kapsule"):
        policies: list[dict[str, Any]] = []
        for k in range(NAMESPACES):
            namespace = f"ns-{k}"
            policies.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": "default-deny", "namespace": namespace},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
                }
            )
            policies.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": "same-namespace-and-mesh", "namespace": namespace},
                    "spec": {
                        "podSelector": {},
                        "ingress": [
                            {
                                "from": [
                                    {"podSelector": {}},
                                    {
                                        "namespaceSelector": {
                                            "matchLabels": {
                                                "kubernetes.io/metadata.name": "istio-system"
                                            }
                                        }
                                    },
                                ],
                                "ports": [{"port": 8080, "protocol": "TCP"}],
                            }
                        ],
                    },
                }
            )
            app, _ = apps[k]
            policies.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": f"{app}-egress", "namespace": namespace},
                    "spec": {
                        "podSelector": {"matchLabels": {"app": app}},
                        "policyTypes": ["Egress"],
                        "egress": [
                            {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]},
                            {
                                "to": [{"ipBlock": {"cidr": "172.16.0.0/16"}}],
                                "ports": [{"port": 15443}],
                            },
                        ],
                    },
                }
            )
        estate.manifests[cluster] = policies
    estate.pods = pods


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    # quote every string: addresses, port ranges and names stay strings whatever they look like
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not _flat(item):
                out.append(f"{pad}{key}:")
                _emit(item, indent + 1, out)
            else:
                out.append(f"{pad}{key}: {_inline(item)}")
    else:
        for item in value:
            if isinstance(item, dict):
                lines: list[str] = []
                _emit(item, indent + 1, lines)
                first = lines[0].lstrip()
                out.append(f"{pad}- {first}")
                out.extend(lines[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")


def _flat(value: Any) -> bool:
    if isinstance(value, list):
        return all(not isinstance(v, (dict, list)) for v in value)
    return False


def _inline(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def write_estate(estate: Estate, out: Path) -> Path:
    """Write the blueprint folder: estate.yaml (clouds, VPN) plus one file per big section."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "estate.yaml": [
            "clouds",
            "peerings",
            "vpn_gateways",
            "routers",
            "routing_policies",
            "vpn_tunnels",
            "bgp_sessions",
        ],
        "networks.yaml": ["networks", "security_groups"],
        "workloads.yaml": ["workloads"],
    }
    if estate.pods:
        files["clusters.yaml"] = ["clusters", "global_namespaces"]
        for cluster, documents in estate.manifests.items():
            folder = out / "manifests" / cluster
            folder.mkdir(parents=True, exist_ok=True)
            text: list[str] = []
            for document in documents:
                text.append("---")
                _emit(document, 0, text)
            (folder / "policies.yaml").write_text("\n".join(text) + "\n")
    for filename, sections in files.items():
        lines = [
            f"# synthetic estate ({estate.workloads} workloads, {estate.rules} firewall rules)"
        ]
        if filename == "estate.yaml":
            lines += ["crossfence: 1", "name: synthetic"]
        for section in sections:
            lines.append(f"{section}:")
            _emit(estate.sections[section], 1, lines)
        (out / filename).write_text("\n".join(lines) + "\n")
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=5000)
    parser.add_argument("--spokes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pods", type=int, default=0, help="pods workloads in two meshed clusters")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    estate = generate(args.workloads, args.rules, args.spokes, args.seed, args.pods)
    write_estate(estate, args.out)
    print(
        f"{args.out}: {estate.workloads} workloads, {estate.pods} pods workloads, "
        f"{estate.rules} firewall rules"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
