"""Scaleway objects of a blueprint as Terraform JSON (`*.tf.json`) for the `scaleway/scaleway` provider: VPCs, Private Networks, the VPC ACL, security groups, Public Gateways, Site-to-Site VPN, load balancers, Instances, Kapsule clusters, Managed Databases, buckets and their keys.

Terraform's JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json);
resource and argument names are the provider's
(https://registry.terraform.io/providers/scaleway/scaleway/latest/docs), the ones the import
reads back (`terraform.py`, `terraform_edge.py`). References are `${scaleway_vpc.main.id}`.
What Terraform cannot express as the blueprint says is a located problem, never a broader
resource: a route (its next hop is an Instance compile does not write), a security group rule
naming other groups (Scaleway's rules take address ranges only), a protocol a Scaleway rule
does not take, an ACL matching HTTP on a load balancer in front of a TCP frontend.
"""

from __future__ import annotations

import uuid
from typing import Any

from ...algebra.ports import parse_port_spec
from ...errors import Problem
from ...model import Blueprint
from ...model.base import Model
from ...terraform.mapping import configuration
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref
from .tfjson_compute import instances
from .tfjson_managed import buckets, clusters, databases

__all__ = ["SCALEWAY_PROVIDER_VERSION", "applied", "computed", "scaleway_terraform"]

SCALEWAY_PROVIDER_VERSION = "2.79.0"
"""The `scaleway/scaleway` version pinned in `required_providers`. The written names are checked
against `@pulumiverse/scaleway` 1.54.0 (npm), bridged from the Scaleway Terraform provider; the
package does not record which release, but pulumiverse/pulumi-scaleway 1.53.0 was upgraded to
v2.79.0 (its `provider/go.mod`), so 1.54.0 is bridged from v2.79.0 or later. A bucket's SSE-KMS
(`kms_master_key_id`) needs v2.76.0 or later (terraform-provider-scaleway #4005)."""

# a Scaleway load balancer forwards what no ACL matches: a default deny is a last ACL denying
# every address (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/)
_EVERY_ADDRESS = "0.0.0.0/0"


class _Writer:
    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.clouds = {c.name for c in blueprint.clouds if c.provider == "scaleway"}
        self.resources: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, Any] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, obj: Model | None, path: str, message: str, warning: bool = False) -> None:
        at = obj.defined_at if obj is not None else None
        found = Problem(
            message,
            file=at.file if at else None,
            line=at.line if at else None,
            column=at.column if at else None,
            path=at.path if at else path,
            severity="warning" if warning else "error",
            code="compile",
        )
        (self.warnings if warning else self.problems).append(found)

    def add(self, kind: str, name: str, body: dict[str, Any]) -> None:
        self.resources.setdefault(kind, {})[_label(name)] = body


def scaleway_terraform(
    blueprint: Blueprint,
) -> tuple[dict[str, Any], list[Problem], list[Problem]]:
    """The Terraform JSON document of the blueprint's Scaleway objects, the problems that keep it
    from being written, and the warnings."""
    w = _Writer(blueprint)
    providers = []
    for cloud in blueprint.clouds:
        if cloud.provider == "scaleway":
            provider: dict[str, Any] = {"region": cloud.region}
            if cloud.project:
                provider["project_id"] = cloud.project
            if len(w.clouds) > 1:
                provider["alias"] = _label(cloud.name)
            providers.append(provider)
    for network in blueprint.networks:
        if network.cloud in w.clouds:
            _network(w, network)
    for group in blueprint.security_groups:
        if group.cloud in w.clouds:
            _security_group(w, group)
    for policy in blueprint.routing_policies:
        if policy.cloud in w.clouds:
            w.add(
                "scaleway_s2s_vpn_routing_policy",
                policy.name,
                {
                    "name": policy.name,
                    "is_ipv6": False,
                    "prefix_filter_in": list(policy.prefix_filter_in),
                    "prefix_filter_out": list(policy.prefix_filter_out),
                },
            )
    for gateway in blueprint.vpn_gateways:
        if gateway.cloud in w.clouds:
            _vpn_gateway(w, gateway)
    for balancer in blueprint.load_balancers:
        if balancer.cloud in w.clouds:
            _load_balancer(w, balancer)
    instances(w)
    clusters(w)
    databases(w)
    buckets(w)
    document = configuration(
        "scaleway",
        "scaleway/scaleway",
        SCALEWAY_PROVIDER_VERSION,
        providers,
        w.variables,
        w.resources,
    )
    return document, w.problems, w.warnings


def _ports(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    low, _, high = str(text).partition("-")
    return int(low), int(high or low)


def _network(w: _Writer, network: Any) -> None:
    path = f"networks[{network.name}]"
    if network.subnets or network.firewall_rules:
        w.problem(
            network,
            path,
            f"network '{network.name}' of a Scaleway cloud has GCP subnets or firewall rules "
            "(expected private_networks and security groups)",
        )
    w.add(
        "scaleway_vpc",
        network.name,
        {"name": network.name, "enable_routing": network.managed_routing},
    )
    vpc_id = _ref("scaleway_vpc", network.name)
    for pn in network.private_networks:
        body: dict[str, Any] = {
            "name": pn.name,
            "vpc_id": vpc_id,
            "ipv4_subnet": [{"subnet": pn.cidr}],
        }
        if pn.region:
            body["region"] = pn.region
        w.add("scaleway_vpc_private_network", pn.name, body)
    for route in network.routes:
        w.problem(
            route,
            f"{path}.routes[{route.name}]",
            f"route '{route.name}': its next hop is an Instance or a VPC connector, which the "
            "terraform target does not write (expected the route in the Instance's own Terraform)",
        )
    if network.acl is not None:
        rules = []
        for rule in network.acl.rules:
            entry: dict[str, Any] = {
                "action": rule.action,
                "protocol": rule.protocol.upper(),
                "source": rule.source,
                "destination": rule.destination,
            }
            for prefix, ports in (("src", rule.source_ports), ("dst", rule.destination_ports)):
                found = _ports(ports)
                if found is not None:
                    entry[f"{prefix}_port_low"], entry[f"{prefix}_port_high"] = found
            if rule.description:
                entry["description"] = rule.description
            rules.append(entry)
        w.add(
            "scaleway_vpc_acl",
            network.name,
            {
                "vpc_id": vpc_id,
                "is_ipv6": False,
                "default_policy": network.acl.default_policy,
                "rules": rules,
            },
        )
    for gateway in network.public_gateways:
        _public_gateway(w, network, gateway)


def _public_gateway(w: _Writer, network: Any, gateway: Any) -> None:
    w.add("scaleway_vpc_public_gateway_ip", gateway.name, {})
    w.add(
        "scaleway_vpc_public_gateway",
        gateway.name,
        {
            "name": gateway.name,
            "type": "VPC-GW-S",
            "ip_id": _ref("scaleway_vpc_public_gateway_ip", gateway.name),
        },
    )
    for attached in gateway.private_networks:
        w.add(
            "scaleway_vpc_gateway_network",
            f"{gateway.name}-{attached.private_network}",
            {
                "gateway_id": _ref("scaleway_vpc_public_gateway", gateway.name),
                "private_network_id": _ref(
                    "scaleway_vpc_private_network", attached.private_network
                ),
                "enable_masquerade": attached.enable_masquerade,
                "ipam_config": [{"push_default_route": attached.push_default_route}],
            },
        )
    del network


_PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "all": "ANY"}


def _security_group(w: _Writer, group: Any) -> None:
    path = f"security_groups[{group.name}]"
    body: dict[str, Any] = {
        "name": group.name,
        "inbound_default_policy": group.inbound_default_policy or "accept",
        "outbound_default_policy": group.outbound_default_policy or "accept",
        "stateful": group.stateful,
    }
    if group.enable_default_security is False:
        body["enable_default_security"] = False  # the SMTP block lifted for the account
    for field, block in (("inbound_rules", "inbound_rule"), ("outbound_rules", "outbound_rule")):
        rules = []
        for index, rule in enumerate(getattr(group, field)):
            where = f"{path}.{field}[{index}]"
            if rule.security_groups:
                w.problem(
                    rule,
                    where,
                    f"security group '{group.name}': a Scaleway rule takes address ranges, not "
                    "other security groups (expected ip_ranges)",
                )
                continue
            protocol, low, high = parse_port_spec(rule.ports)
            if protocol not in _PROTOCOLS:
                w.problem(
                    rule,
                    where,
                    f"security group '{group.name}': a Scaleway rule takes TCP, UDP, ICMP or ANY, "
                    f"not {rule.ports} (expected one of those)",
                )
                continue
            for ip_range in rule.ip_ranges:
                entry: dict[str, Any] = {
                    "action": rule.action,
                    "protocol": _PROTOCOLS[protocol],
                    "ip_range": ip_range,
                }
                if low is not None and high is not None:
                    if low == high:
                        entry["port"] = low
                    else:
                        entry["port_range"] = f"{low}-{high}"
                rules.append(entry)
        if rules:
            body[block] = rules
    w.add("scaleway_instance_security_group", group.name, body)


def _vpn_gateway(w: _Writer, gateway: Any) -> None:
    path = f"vpn_gateways[{gateway.name}]"
    if gateway.type != "scaleway_s2s" or gateway.private_network is None:
        w.problem(
            gateway,
            path,
            f"VPN gateway '{gateway.name}' of a Scaleway cloud is not a Site-to-Site VPN gateway "
            "on a Private Network (expected type scaleway_s2s and private_network)",
        )
        return
    # its public address is Scaleway's to allocate, through IPAM
    w.add("scaleway_ipam_ip", f"{gateway.name}-public", {"is_ipv6": False})
    body: dict[str, Any] = {
        "name": gateway.name,
        "gateway_type": "VGW-S",
        "private_network_id": _ref("scaleway_vpc_private_network", gateway.private_network),
        "public_config": [{"ipam_ipv4_id": _ref("scaleway_ipam_ip", f"{gateway.name}-public")}],
    }
    # its ASN is Scaleway's (an attribute, not an argument): the blueprint records it
    w.add("scaleway_s2s_vpn_gateway", gateway.name, body)
    blueprint = w.blueprint
    sessions = {s.tunnel: s for s in blueprint.bgp_sessions}
    for tunnel in blueprint.vpn_tunnels:
        if gateway.name == tunnel.local.gateway:
            mine, theirs = tunnel.local, tunnel.peer
        elif gateway.name == tunnel.peer.gateway:
            mine, theirs = tunnel.peer, tunnel.local
        else:
            continue
        _connection(w, gateway, tunnel, mine, theirs, sessions.get(tunnel.name))


def _connection(
    w: _Writer, gateway: Any, tunnel: Any, mine: Any, theirs: Any, session: Any
) -> None:
    blueprint = w.blueprint
    where = f"vpn_tunnels[{tunnel.name}]"
    peer = blueprint.get("vpn_gateways", theirs.gateway)
    address = (
        next((i.ip for i in peer.interfaces if i.id == theirs.interface), None) if peer else None
    )
    if peer is None or address is None:
        w.problem(
            tunnel,
            where,
            f"tunnel '{tunnel.name}': the peer's interface {theirs.interface} has no address "
            "(expected the peer gateway's interfaces)",
        )
        return
    # a connection names its gateway, not one of its addresses: which of them ends a tunnel
    # is Scaleway's to choose, and the read-back tunnel leaves from the gateway's first
    del mine
    customer = f"{tunnel.name}-peer"
    body_cgw: dict[str, Any] = {"name": customer, "ipv4_public": address}
    if session is None or not session.enabled:
        w.problem(
            tunnel,
            where,
            f"tunnel '{tunnel.name}': a Scaleway Site-to-Site connection routes over BGP only "
            "(expected an enabled bgp_sessions entry for it)",
        )
        return
    ours, other = (
        (session.local, session.peer)
        if session.local.speaker == gateway.name
        else (session.peer, session.local)
    )
    speaker = blueprint.get("routers", other.speaker) or blueprint.get(
        "vpn_gateways", other.speaker
    )
    asn = getattr(speaker, "asn", None)
    if asn is not None:
        body_cgw["asn"] = asn
    w.add("scaleway_s2s_vpn_customer_gateway", customer, body_cgw)
    bgp: dict[str, Any] = {"private_ip": ours.address, "peer_private_ip": other.address}
    if ours.routing_policy:
        bgp["routing_policy_id"] = _ref("scaleway_s2s_vpn_routing_policy", ours.routing_policy)
    else:
        w.problem(
            tunnel,
            where,
            f"tunnel '{tunnel.name}': a Scaleway connection's BGP session needs a routing policy "
            "(expected routing_policy on its end of the session)",
        )
        return
    body: dict[str, Any] = {
        "name": tunnel.name,
        "vpn_gateway_id": _ref("scaleway_s2s_vpn_gateway", gateway.name),
        "customer_gateway_id": _ref("scaleway_s2s_vpn_customer_gateway", customer),
        "initiation_policy": "customer_gateway",
        "enable_route_propagation": gateway.route_propagation,
        "bgp_config_ipv4": [bgp],
    }
    for key, suite in (("ikev2_ciphers", tunnel.ike), ("esp_ciphers", tunnel.esp)):
        ciphers = _ciphers(w, tunnel, suite, f"{where}.{key.split('_')[0]}")
        if ciphers:
            body[key] = ciphers
    w.add("scaleway_s2s_vpn_connection", tunnel.name, body)


_DH = {2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096"}
_DH |= {19: "ecp256", 20: "ecp384", 21: "ecp521", 31: "curve25519"}


def _ciphers(w: _Writer, tunnel: Any, suite: Any, where: str) -> list[dict[str, Any]]:
    """A cipher suite as the provider's blocks: one per encryption, each with every integrity and
    Diffie-Hellman group listed (Scaleway's names: https://www.scaleway.com/en/docs/site-to-site-vpn/)."""
    if not suite.encryption:
        return []
    unknown = [g for g in suite.dh_groups if g not in _DH]
    if unknown:
        w.problem(
            tunnel,
            where,
            f"tunnel '{tunnel.name}': Diffie-Hellman group {unknown[0]} has no Scaleway name "
            f"(expected one of {sorted(_DH)})",
        )
        return []
    out = []
    for encryption in suite.encryption:
        for group in suite.dh_groups or [None]:
            for integrity in suite.integrity or [""]:
                entry: dict[str, Any] = {
                    "encryption": encryption.lower(),
                    "integrity": integrity.lower(),
                }
                if group is not None:
                    entry["dh_group"] = _DH[group]
                out.append(entry)
    return out


def _load_balancer(w: _Writer, balancer: Any) -> None:
    path = f"load_balancers[{balancer.name}]"
    if balancer.kind != "scaleway_lb":
        w.problem(
            balancer,
            path,
            f"load balancer '{balancer.name}' of a Scaleway cloud is not a scaleway_lb",
        )
        return
    w.add("scaleway_lb_ip", balancer.name, {})
    body: dict[str, Any] = {
        "name": balancer.name,
        "type": "LB-S",
        "ip_ids": [_ref("scaleway_lb_ip", balancer.name)],
    }
    if balancer.private_network is not None:
        attached: dict[str, Any] = {
            "private_network_id": _ref("scaleway_vpc_private_network", balancer.private_network)
        }
        if balancer.private_address is not None:
            w.add(
                "scaleway_ipam_ip",
                f"{balancer.name}-private",
                {
                    "address": balancer.private_address,
                    "source": [
                        {
                            "private_network_id": _ref(
                                "scaleway_vpc_private_network", balancer.private_network
                            )
                        }
                    ],
                },
            )
            attached["ipam_ids"] = [_ref("scaleway_ipam_ip", f"{balancer.name}-private")]
        body["private_network"] = [attached]
    w.add("scaleway_lb", balancer.name, body)
    backend: dict[str, Any] = {
        "name": balancer.name,
        "lb_id": _ref("scaleway_lb", balancer.name),
        "forward_protocol": "tcp",
        "forward_port": balancer.port,
        "server_ips": [],
    }
    addresses: list[str] = []
    for index, target in enumerate(balancer.backends):
        found = w.blueprint.get("workloads", target.target)
        if found is None or target.kind != "workload":
            w.problem(
                balancer,
                f"{path}.backends[{index}]",
                f"load balancer '{balancer.name}': backend '{target.target}' is not a workload "
                "(expected a workload whose addresses the backend lists)",
            )
            continue
        backend["forward_port"] = target.port
        backend["forward_protocol"] = "http" if target.protocol in ("http", "https") else "tcp"
        if target.protocol == "https":
            backend["ssl_bridging"] = True
        addresses += list(found.addresses)
    backend["server_ips"] = addresses
    w.add("scaleway_lb_backend", balancer.name, backend)
    frontend: dict[str, Any] = {
        "name": balancer.name,
        "lb_id": _ref("scaleway_lb", balancer.name),
        "backend_id": _ref("scaleway_lb_backend", balancer.name),
        "inbound_port": balancer.port,
    }
    if balancer.protocol == "https":
        variable = f"{_label(balancer.name).replace('-', '_')}_certificate_id"
        w.variables[variable] = {
            "type": "string",
            "description": f"the id of the TLS certificate of load balancer {balancer.name}",
        }
        frontend["certificate_ids"] = [f"${{var.{variable}}}"]
    w.add("scaleway_lb_frontend", balancer.name, frontend)
    acls = sorted(balancer.acls, key=lambda a: a.index)
    last = max((a.index for a in acls), default=0)
    entries = [(a.index, a.name, a.action, list(a.ip_ranges), a) for a in acls]
    if balancer.acl_default_action == "deny":
        entries.append((last + 1, f"{balancer.name}-default-deny", "deny", [_EVERY_ADDRESS], None))
    for index, name, action, ranges, acl in entries:
        if acl is not None and (acl.http_path_begins or acl.http_header):
            match: dict[str, Any] = {"ip_subnet": ranges or [_EVERY_ADDRESS]}
            if acl.http_path_begins:
                match |= {
                    "http_filter": "path_begin",
                    "http_filter_value": list(acl.http_path_begins),
                }
            else:
                header, _, value = str(acl.http_header).partition(":")
                match |= {
                    "http_filter": "http_header_match",
                    "http_filter_option": header.strip(),
                    "http_filter_value": [value.strip()],
                }
        else:
            match = {"ip_subnet": ranges or [_EVERY_ADDRESS]}
        w.add(
            "scaleway_lb_acl",
            f"{balancer.name}-{name}",
            {
                "frontend_id": _ref("scaleway_lb_frontend", balancer.name),
                "name": name,
                "index": index - 1,
                "action": [{"type": action}],
                "match": [match],
            },
        )


def computed(
    kind: str, label: str, values: dict[str, Any], provider: dict[str, Any]
) -> dict[str, Any]:
    """What the provider computes for a compiled resource, as a plan after apply shows it: an id
    `<region>/<uuid>` (the import resolves references by it) and the provider's project."""
    out: dict[str, Any] = {}
    region = values.get("region") or provider.get("region") or "fr-par"
    if "region" not in values:
        out["region"] = region
    if provider.get("project_id") and "project_id" not in values:
        out["project_id"] = provider["project_id"]
    out["id"] = f"{region}/{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}.{label}')}"
    return out


def applied(blueprint: Blueprint, kind: str, name: str) -> dict[str, Any]:
    """What Scaleway allocates at apply, as the blueprint records it: a load balancer's flexible
    address, a Public Gateway's, a Site-to-Site VPN gateway's ASN. A Site-to-Site VPN gateway's is left out, as in a plan: its
    connections join the tunnel halves of the other cloud that point at it (`terraform/tunnels.py`)."""
    if kind == "scaleway_instance_ip":
        workload = blueprint.get("workloads", name)
        if workload is not None and workload.public_address:
            return {"address": workload.public_address}
    if kind == "scaleway_lb_ip":
        balancer = blueprint.get("load_balancers", name)
        if balancer is not None:
            return {"ip_address": balancer.address}
    if kind == "scaleway_s2s_vpn_gateway":
        gateway = blueprint.get("vpn_gateways", name)
        if gateway is not None and gateway.asn is not None:
            return {"asn": gateway.asn}
    if kind == "scaleway_vpc_public_gateway_ip":
        for network in blueprint.networks:
            for gateway in network.public_gateways:
                if _label(gateway.name) == name and gateway.public_address:
                    return {"address": gateway.public_address}
    return {}
