"""The `scaleway` provider's load balancers, Public Gateways, Site-to-Site VPN, Kapsule, Managed Databases, Object Storage and Key Manager keys read into the blueprint."""

from __future__ import annotations

from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.tunnels import BgpHalf, TunnelHalf, add_half
from ...terraform.values import UNKNOWN, at, blocks, one

__all__ = ["MAPPINGS", "finish"]

DOCS = "https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/"
ORDER = 1
"""Scaleway halves are the `peer` end of a tunnel with GCP (registered first)."""
SCALEWAY_ASN = 12876
"""The ASN of every Scaleway VPN gateway (the `asn` attribute of `scaleway_s2s_vpn_gateway`)."""


def _pn(
    b: Builder, resource: Resource, *path: str | int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    from .terraform import private_network_of

    return private_network_of(b, resource, *path)


def _host(value: Any) -> str | None:
    from .terraform import host

    return host(value)


def _ipam_address(b: Builder, resource: Resource, path: tuple[str | int, ...]) -> str | None:
    found = b.ref(resource, path, ("scaleway_ipam_ip",))
    return _host(at(found.values, "address")) if found is not None else None


# --- load balancers --------------------------------------------------------------------------------
def _lb(resource: Resource, b: Builder) -> None:
    balancer: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "endpoints"),
        "cloud": b.cloud(resource),
        "kind": "scaleway_lb",
    }
    address = _host(at(resource.values, "ip_address"))
    if address is None:
        for lb_ip in b.refs(resource, ("ip_ids",), ("scaleway_lb_ip",)):
            address = _host(at(lb_ip.values, "ip_address"))
            if address:
                break
    if address is None:
        found = b.ref(resource, ("ip_id",), ("scaleway_lb_ip",))
        address = _host(at(found.values, "ip_address")) if found is not None else None
    if address is None:
        address = b.public_stand_in()
        b.unknown(balancer, ("address",), resource, ("ip_address",), address)
    balancer["address"] = address
    networks = list(blocks(resource.values, "private_network"))
    if networks:
        index, block = networks[0]
        placed = _pn(b, resource, "private_network", index, "private_network_id")
        if placed is not None:
            vpc, pn = placed
            balancer["network"] = vpc["name"]
            balancer["private_network"] = pn["name"]
            private = None
            for position, _ in enumerate(block.get("ipam_ids") or []):
                private = _ipam_address(
                    b, resource, ("private_network", index, "ipam_ids", position)
                )
            private = (
                private or _host(at(block, "static_config", 0)) or _host(block.get("ip_address"))
            )
            if private:
                balancer["private_address"] = private
            else:
                b.unknown(
                    balancer, ("private_address",), resource, ("private_network", index, "ipam_ids")
                )
        if len(networks) > 1:
            b.warn(
                resource,
                "private_network",
                f"attaches {len(networks)} Private Networks: crossfence reads the first only",
            )
    b.add(
        "load_balancers",
        balancer,
        resource,
        {
            "address": "ip_ids",
            "private_network": "private_network.private_network_id",
            "private_address": "private_network.ipam_ids",
            "backends": "(frontend's backend)",
        },
    )


def _acl(
    index: int,
    acl: dict[str, Any],
    b: Builder,
    resource: Resource,
    path: tuple[str | int, ...],
    balancer: dict[str, Any],
) -> dict[str, Any] | None:
    action = str(at(acl, "action", "type") or "allow")
    if action not in ("allow", "deny"):
        b.warn(
            resource, path, f"is a {action} ACL, which crossfence does not model: it is left out"
        )
        return None
    match = one(acl, "match")
    entry: dict[str, Any] = {
        "name": str(acl.get("name") or f"acl-{index}"),
        "action": action,
        "index": index,
    }
    listed = match.get("ip_subnet")
    subnets = [s for s in listed if isinstance(s, str)] if isinstance(listed, list) else []
    if listed is UNKNOWN or (isinstance(listed, list) and UNKNOWN in listed):
        # an empty `ip_subnet` matches every client: an allow ACL whose subnets are known after
        # apply is left out (it allows nothing yet), a deny ACL matches every client
        attribute = (*path, "match", 0, "ip_subnet")
        if action == "allow":
            b.unknown(balancer, ("acls",), resource, attribute)
            return None
        b.unknown(
            balancer, ("acls",), resource, attribute, "[] (the deny ACL matches every client)"
        )
        subnets = []
    if subnets:
        entry["ip_ranges"] = [s if "/" in s else f"{s}/32" for s in subnets]
    kind = match.get("http_filter")
    values = [v for v in match.get("http_filter_value") or [] if isinstance(v, str)]
    if kind == "path_begin" and values:
        entry["http_path_begins"] = values
    elif kind == "http_header_match" and values:
        entry["http_header"] = f"{match.get('http_filter_option') or ''}: {values[0]}".strip()
    elif kind not in (None, "", "acl_http_filter_none"):
        b.warn(
            resource,
            (*path, "match", "http_filter"),
            f"is {kind}, which crossfence does not model: the ACL is left out",
        )
        return None
    if match.get("invert") is True or match.get("ips_edge_services") is True:
        b.warn(
            resource,
            (*path, "match"),
            "inverts its match or matches Edge Services addresses, which crossfence does not model: the ACL is left out",
        )
        return None
    return entry


def _frontend(resource: Resource, b: Builder) -> None:
    lb_resource = b.ref(resource, ("lb_id",), ("scaleway_lb",))
    balancer = b.object_of(lb_resource, "load_balancers")
    if balancer is None:
        return
    if "port" in balancer:
        b.warn(
            resource,
            "",
            f"is a second frontend of {balancer['name']}: crossfence reads one frontend per load balancer (the first, port {balancer['port']})",
        )
        return
    backend = b.ref(resource, ("backend_id",), ("scaleway_lb_backend",))
    port = at(resource.values, "inbound_port")
    if isinstance(port, int):
        balancer["port"] = port
    forward = str(at(backend.values, "forward_protocol") or "tcp") if backend else "tcp"
    certificates = at(resource.values, "certificate_ids") or []
    balancer["protocol"] = "https" if certificates else ("http" if forward == "http" else "tcp")
    acls = [
        a
        for index, acl in blocks(resource.values, "acl")
        if (a := _acl(index + 1, acl, b, resource, ("acl", index), balancer))
    ]
    if acls:
        balancer["acls"] = acls
    b.state.setdefault("scw-frontends", {})[resource.address + "@" + resource.file] = balancer
    if backend is not None:
        b.state.setdefault("scw-lb-backends", []).append((balancer, backend))


def _lb_acl(resource: Resource, b: Builder) -> None:
    frontend = b.ref(resource, ("frontend_id",), ("scaleway_lb_frontend",))
    if frontend is None:
        return
    balancer = b.state.get("scw-frontends", {}).get(frontend.address + "@" + frontend.file)
    if balancer is None:
        return
    index = at(resource.values, "index")
    acl = _acl(
        (index if isinstance(index, int) else 0) + 1,
        {**resource.values, "name": b.text(resource, "name") or resource.name},
        b,
        resource,
        (),
        balancer,
    )
    if acl is not None:
        balancer.setdefault("acls", []).append(acl)
        balancer["acls"].sort(key=lambda a: a["index"])


# --- Public Gateways ------------------------------------------------------------------------------
def _public_gateway(resource: Resource, b: Builder) -> None:
    gateway: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "public_gateways")
    }
    found = b.ref(resource, ("ip_id",), ("scaleway_vpc_public_gateway_ip",))
    address = _host(at(found.values, "address")) if found is not None else None
    if address:
        gateway["public_address"] = address
    b.record(
        gateway, resource, {"public_address": "ip_id", "private_networks": "(gateway networks)"}
    )
    b.state.setdefault("scw-gateways", {})[resource.address + "@" + resource.file] = gateway


def _gateway_network(resource: Resource, b: Builder) -> None:
    found = b.ref(resource, ("gateway_id",), ("scaleway_vpc_public_gateway",))
    gateway = (
        b.state.get("scw-gateways", {}).get(found.address + "@" + found.file) if found else None
    )
    placed = _pn(b, resource, "private_network_id")
    if gateway is None or placed is None:
        return
    vpc, pn = placed
    if not any(g is gateway for g in vpc.get("public_gateways", [])):
        vpc.setdefault("public_gateways", []).append(gateway)
    attached: dict[str, Any] = {"private_network": pn["name"]}
    if at(resource.values, "enable_masquerade") is False:
        attached["enable_masquerade"] = False
    if at(resource.values, "ipam_config", "push_default_route") is True:
        attached["push_default_route"] = True
    b.child(
        gateway,
        "private_networks",
        attached,
        resource,
        {
            "enable_masquerade": "enable_masquerade",
            "push_default_route": "ipam_config.push_default_route",
        },
    )


# --- Site-to-Site VPN -----------------------------------------------------------------------------
def _vpn_gateway(resource: Resource, b: Builder) -> None:
    placed = _pn(b, resource, "private_network_id")
    if placed is None:
        return
    vpc, pn = placed
    asn = at(resource.values, "asn")
    gateway: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "vpn_gateways"),
        "cloud": b.cloud(resource),
        "network": vpc["name"],
        "private_network": pn["name"],
        "type": "scaleway_s2s",
        "asn": asn if isinstance(asn, int) else SCALEWAY_ASN,
    }
    b.add(
        "vpn_gateways",
        gateway,
        resource,
        {
            "private_network": "private_network_id",
            "interfaces": "public_config.ipam_ipv4_id",
            "route_propagation": "(connections' enable_route_propagation)",
        },
    )


def _policy(resource: Resource, b: Builder) -> None:
    if at(resource.values, "is_ipv6") is True:
        return  # IPv6 prefixes: IPv6 is not analysed
    policy: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "routing_policies"),
        "cloud": b.cloud(resource),
    }
    for key in ("prefix_filter_in", "prefix_filter_out"):
        prefixes = [p for p in at(resource.values, key) or [] if isinstance(p, str)]
        if prefixes:
            policy[key] = prefixes
    b.add("routing_policies", policy, resource)


def _ciphers(values: Any) -> dict[str, Any]:
    """`ikev2_ciphers` / `esp_ciphers` blocks as a cipher suite: Scaleway's DH group names by
    their IANA number (modp2048 is 14, ecp384 is 20, curve25519 is 31)."""
    numbers = {
        "modp1024": 2,
        "modp1536": 5,
        "modp2048": 14,
        "modp3072": 15,
        "modp4096": 16,
        "ecp256": 19,
        "ecp384": 20,
        "ecp521": 21,
        "curve25519": 31,
    }
    suite: dict[str, Any] = {}
    blocks_ = [c for _, c in blocks({"c": values}, "c")]
    encryption = [str(c["encryption"]).upper() for c in blocks_ if c.get("encryption")]
    integrity = [str(c["integrity"]).upper() for c in blocks_ if c.get("integrity")]
    groups = [
        numbers[str(c["dh_group"]).lower()]
        for c in blocks_
        if str(c.get("dh_group") or "").lower() in numbers
    ]
    if encryption:
        suite["encryption"] = encryption
    if integrity:
        suite["integrity"] = integrity
    if groups:
        suite["dh_groups"] = groups
    return suite


def _connection(resource: Resource, b: Builder) -> None:
    gateway_resource = b.ref(resource, ("vpn_gateway_id",), ("scaleway_s2s_vpn_gateway",))
    gateway = b.object_of(gateway_resource, "vpn_gateways")
    customer = b.ref(resource, ("customer_gateway_id",), ("scaleway_s2s_vpn_customer_gateway",))
    if gateway is None or gateway_resource is None or customer is None:
        return
    if (
        at(resource.values, "enable_route_propagation") is True
        or at(resource.values, "route_propagation_enabled") is True
    ):
        gateway["route_propagation"] = True
    local_ip = _ipam_address(b, gateway_resource, ("public_config", 0, "ipam_ipv4_id"))
    bgp = one(resource.values, "bgp_config_ipv4")
    session = one(resource.values, "bgp_session_ipv4")
    policy_resource = b.ref(
        resource, ("bgp_config_ipv4", 0, "routing_policy_id"), ("scaleway_s2s_vpn_routing_policy",)
    )
    policy = b.object_of(policy_resource, "routing_policies")
    peer_asn = at(customer.values, "asn")
    half = TunnelHalf(
        resource,
        b.planned_name(resource, b.text(resource, "name")),
        gateway,
        0,
        local_ip,
        _host(at(customer.values, "ipv4_public")),
        ORDER,
        2,
        _ciphers(at(resource.values, "ikev2_ciphers")),
        _ciphers(at(resource.values, "esp_ciphers")),
        BgpHalf(
            gateway["name"],
            _text(bgp, "private_ip") or _text(session, "private_ip"),
            _text(bgp, "peer_private_ip") or _text(session, "peer_private_ip"),
            gateway["asn"],
            peer_asn if isinstance(peer_asn, int) else None,
            routing_policy=policy["name"] if policy else None,
            name=None,
            resource=resource,
        ),
    )
    add_half(b, half)


def _text(values: Any, key: str) -> str | None:
    value = at(values, key)
    return value if isinstance(value, str) and value else None


# --- Kapsule, Managed Databases, Object Storage ----------------------------------------------------
def _cluster(resource: Resource, b: Builder) -> None:
    placed = _pn(b, resource, "private_network_id")
    if placed is None:
        if at(resource.values, "private_network_id") in (None, ""):
            b.error(
                resource,
                ("private_network_id",),
                "is not set (expected the cluster's Private Network)",
            )
        return
    vpc, pn = placed
    cluster: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "clusters"),
        "cloud": b.cloud(resource),
        "kind": "kapsule",
        "network": vpc["name"],
        "subnet": pn["name"],
    }
    for key, field in (("pod_cidr", "pod_range"), ("service_cidr", "service_range")):
        value = at(resource.values, key)
        if isinstance(value, str) and value:
            cluster[field] = value
        elif field == "pod_range":
            b.error(
                resource,
                (key,),
                "is known only after apply (expected the cluster's pod range in the configuration)",
            )
            return
    obj = b.add(
        "clusters",
        cluster,
        resource,
        {
            "pod_range": "pod_cidr",
            "service_range": "service_cidr",
            "node_security_groups": "(pools' security_group_id)",
        },
    )
    b.state.setdefault("scw-clusters", {})[resource.address + "@" + resource.file] = obj


def _pool(resource: Resource, b: Builder) -> None:
    found = b.ref(resource, ("cluster_id",), ("scaleway_k8s_cluster",))
    cluster = (
        b.state.get("scw-clusters", {}).get(found.address + "@" + found.file) if found else None
    )
    if cluster is None:
        return
    group = b.object_of(
        b.ref(resource, ("security_group_id",), ("scaleway_instance_security_group",)),
        "security_groups",
    )
    if group is not None and group["name"] not in cluster.get("node_security_groups", []):
        cluster.setdefault("node_security_groups", []).append(group["name"])
    if at(resource.values, "public_ip_disabled") is not True:
        b.warn(
            resource,
            "public_ip_disabled",
            "is not true: the nodes have public addresses, which crossfence does not model (the internet's reach to them is in no answer)",
        )


def _database(resource: Resource, b: Builder) -> None:
    networks = list(blocks(resource.values, "private_network"))
    if not networks:
        b.warn(
            resource,
            "private_network",
            "is empty: a Managed Database reached through its public endpoint only is not placed; it is left out",
        )
        return
    index, block = networks[0]
    placed = _pn(b, resource, "private_network", index, "pn_id")
    if placed is None:
        return
    vpc, pn = placed
    database: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "endpoints"),
        "kind": "managed_database",
        "network": vpc["name"],
        "subnet": pn["name"],
    }
    address = _host(block.get("ip")) or _host(block.get("ip_net"))
    if address:
        database["addresses"] = [address]
    else:
        b.pending_address(database, "addresses", pn, resource, ("private_network", index, "ip"))
    port = block.get("port")
    if isinstance(port, int):
        database["ports"] = [f"tcp/{port}"]
    if at(resource.values, "load_balancer"):
        b.warn(
            resource,
            "load_balancer",
            "gives the database a public endpoint, which crossfence does not model",
        )
    b.add(
        "workloads",
        database,
        resource,
        {
            "addresses": "private_network.ip",
            "subnet": "private_network.pn_id",
            "ports": "private_network.port",
        },
    )


def _bucket(resource: Resource, b: Builder) -> None:
    b.add(
        "buckets",
        {
            "name": b.name(resource, b.text(resource, "name"), "buckets"),
            "cloud": b.cloud(resource),
            "location": str(b.text(resource, "region") or "fr-par"),
        },
        resource,
        {"location": "region"},
    )


def _key(resource: Resource, b: Builder) -> None:
    b.add(
        "keys",
        {
            "name": b.name(resource, b.text(resource, "name"), "keys"),
            "kind": "customer_managed",
        },
        resource,
    )


def _bucket_encryption(resource: Resource, b: Builder) -> None:
    """A bucket's default encryption: `aws:kms` with a Key Manager key is that key's
    (customer-managed); `AES256` is Scaleway's own (SSE-ONE), no blueprint key
    (https://www.scaleway.com/en/docs/object-storage/api-cli/enable-sse-kms/)."""
    bucket = b.object_of(b.ref(resource, ("bucket",), ("scaleway_object_bucket",)), "buckets")
    if bucket is None:
        return
    for index, rule in blocks(resource.values, "rule"):
        default = one(rule, "apply_server_side_encryption_by_default")
        if str(default.get("sse_algorithm") or "").lower() != "aws:kms":
            continue
        path = ("rule", index, "apply_server_side_encryption_by_default", 0, "kms_master_key_id")
        key = b.object_of(b.ref(resource, path, ("scaleway_key_manager_key",)), "keys")
        if key is not None:
            bucket["encryption_key"] = key["name"]
            if bucket["name"] not in key.setdefault("protects", []):
                key["protects"].append(bucket["name"])


def finish(b: Builder) -> None:
    """Load-balancer backends: each server address is the workload with that address in the
    load balancer's own VPC (addresses are resolved per network)."""
    by_address: dict[tuple[str, str], str] = {}
    for workload in b.sections.get("workloads", []):
        for address in workload.get("addresses") or []:
            if isinstance(address, str) and workload.get("network"):
                by_address.setdefault((workload["network"], address), workload["name"])
    for balancer, backend in b.state.get("scw-lb-backends", []):
        port = at(backend.values, "forward_port")
        protocol = str(at(backend.values, "forward_protocol") or "tcp")
        if at(backend.values, "ssl_bridging") is True:
            protocol = "https"
        targets = []
        for index, ip in enumerate(at(backend.values, "server_ips") or []):
            if ip is UNKNOWN:
                continue
            name = by_address.get((str(balancer.get("network")), str(ip)))
            if name is None:
                b.warn(
                    backend,
                    ("server_ips", index),
                    f"{ip} is no workload of {balancer.get('network') or 'the load balancer network'}: write the backend in the overlay (load_balancers[].backends)",
                )
                continue
            targets.append(
                {
                    "kind": "workload",
                    "target": name,
                    "port": port if isinstance(port, int) else 443,
                    "protocol": protocol if protocol in ("http", "https", "tcp") else "tcp",
                }
            )
        if targets:
            balancer["backends"] = targets


MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "scaleway_lb",
        "load_balancers[] (kind scaleway_lb)",
        _lb,
        reads=(
            "name",
            "ip_address",
            "ip_ids",
            "ip_id",
            "private_network.private_network_id",
            "private_network.ipam_ids",
        ),
        ignored={"type": "capacity", "ssl_compatibility_level": "TLS versions"},
        phase=7,
        docs=DOCS + "lb",
    ),
    ResourceMapping(
        "scaleway_lb_frontend",
        "load_balancers[].port, protocol, acls[]",
        _frontend,
        reads=("lb_id", "backend_id", "inbound_port", "certificate_ids", "acl"),
        ignored={"timeout_client": "timing", "enable_http3": "protocol version"},
        phase=8,
        docs=DOCS + "lb_frontend",
    ),
    ResourceMapping(
        "scaleway_lb_acl",
        "load_balancers[].acls[]",
        _lb_acl,
        reads=(
            "frontend_id",
            "name",
            "index",
            "action.type",
            "match.ip_subnet",
            "match.http_filter",
            "match.http_filter_value",
            "match.http_filter_option",
        ),
        phase=9,
        docs=DOCS + "lb_acl",
    ),
    companion(
        "scaleway_lb_backend",
        "the frontend: backends[] (server_ips resolved in the load balancer's VPC)",
        ("forward_protocol", "forward_port", "server_ips", "ssl_bridging"),
        DOCS + "lb_backend",
        {"health_check_http": "health, not access", "proxy_protocol": "connection metadata"},
    ),
    companion("scaleway_lb_ip", "the load balancer: its address", ("ip_address",), DOCS + "lb_ip"),
    ResourceMapping(
        "scaleway_vpc_public_gateway",
        "networks[].public_gateways[]",
        _public_gateway,
        reads=("name", "ip_id"),
        ignored={"type": "capacity", "bastion_enabled": "SSH bastion on the gateway"},
        unmodelled=(
            Unmodelled(
                "bastion_enabled",
                "the gateway's SSH bastion lets the internet in on its port",
                False,
            ),
        ),
        phase=3,
        docs=DOCS + "vpc_public_gateway",
    ),
    companion(
        "scaleway_vpc_public_gateway_ip",
        "the Public Gateway: its address",
        ("address",),
        DOCS + "vpc_public_gateway_ip",
    ),
    ResourceMapping(
        "scaleway_vpc_gateway_network",
        "networks[].public_gateways[].private_networks[]",
        _gateway_network,
        reads=(
            "gateway_id",
            "private_network_id",
            "enable_masquerade",
            "ipam_config.push_default_route",
        ),
        phase=4,
        docs=DOCS + "vpc_gateway_network",
    ),
    companion(
        "scaleway_vpc_public_gateway_pat_rule",
        "nothing yet",
        (),
        DOCS + "vpc_public_gateway_pat_rule",
        unmodelled=(
            Unmodelled(
                "private_port", "a PAT rule opens a port of the gateway's address to a private host"
            ),
        ),
    ),
    ResourceMapping(
        "scaleway_s2s_vpn_gateway",
        "vpn_gateways[] (type scaleway_s2s)",
        _vpn_gateway,
        reads=("name", "private_network_id", "asn", "public_config.ipam_ipv4_id"),
        ignored={"gateway_type": "capacity"},
        phase=3,
        docs=DOCS + "s2s_vpn_gateway",
    ),
    ResourceMapping(
        "scaleway_s2s_vpn_routing_policy",
        "routing_policies[]",
        _policy,
        reads=("name", "prefix_filter_in", "prefix_filter_out", "is_ipv6"),
        phase=2,
        docs=DOCS + "s2s_vpn_routing_policy",
    ),
    ResourceMapping(
        "scaleway_s2s_vpn_connection",
        "vpn_tunnels[], bgp_sessions[] (joined with the peer's half); vpn_gateways[].route_propagation",
        _connection,
        reads=(
            "vpn_gateway_id",
            "customer_gateway_id",
            "enable_route_propagation",
            "bgp_config_ipv4",
            "ikev2_ciphers",
            "esp_ciphers",
        ),
        ignored={"initiation_policy": "who starts the tunnel", "secret_id": "a secret: never read"},
        phase=5,
        docs=DOCS + "s2s_vpn_connection",
    ),
    companion(
        "scaleway_s2s_vpn_customer_gateway",
        "the connection: the peer's address and ASN",
        ("ipv4_public", "asn"),
        DOCS + "s2s_vpn_customer_gateway",
    ),
    companion(
        "scaleway_ipam_ip",
        "whoever it is attached to: its address",
        ("address", "resource.id"),
        DOCS + "ipam_ip",
    ),
    companion(
        "scaleway_instance_ip",
        "its Instance: the public address",
        ("address",),
        DOCS + "instance_ip",
    ),
    companion(
        "scaleway_instance_private_nic",
        "its Instance: the private address",
        ("server_id", "private_network_id", "private_ips", "ipam_ip_ids"),
        DOCS + "instance_private_nic",
    ),
    ResourceMapping(
        "scaleway_k8s_cluster",
        "clusters[] (kind kapsule)",
        _cluster,
        reads=("name", "private_network_id", "pod_cidr", "service_cidr"),
        ignored={
            "version": "software",
            "cni": "the CNI does not change the network's answers",
            "autoscaler_config": "capacity",
        },
        phase=6,
        docs=DOCS + "k8s_cluster",
    ),
    ResourceMapping(
        "scaleway_k8s_pool",
        "clusters[].node_security_groups",
        _pool,
        reads=("cluster_id", "security_group_id", "public_ip_disabled"),
        ignored={"node_type": "capacity", "size": "capacity", "autoscaling": "capacity"},
        phase=7,
        docs=DOCS + "k8s_pool",
    ),
    ResourceMapping(
        "scaleway_rdb_instance",
        "workloads[] (kind managed_database)",
        _database,
        reads=(
            "name",
            "private_network.pn_id",
            "private_network.ip",
            "private_network.ip_net",
            "private_network.port",
            "load_balancer",
        ),
        ignored={
            "engine": "software",
            "node_type": "capacity",
            "password": "a secret: never read",
            "backup_schedule_frequency": "backups",
        },
        phase=6,
        docs=DOCS + "rdb_instance",
    ),
    ResourceMapping(
        "scaleway_key_manager_key",
        "keys[] (kind customer_managed; `held_by` from the overlay)",
        _key,
        reads=("name",),
        ignored={
            "usage": "what the key does, not who reaches what",
            "algorithm": "cryptography",
            "rotation_policy": "key lifecycle",
        },
        phase=6,
        docs=DOCS + "key_manager_key",
    ),
    ResourceMapping(
        "scaleway_object_bucket_server_side_encryption_configuration",
        "buckets[].encryption_key, keys[].protects",
        _bucket_encryption,
        reads=(
            "bucket",
            "rule.apply_server_side_encryption_by_default.sse_algorithm",
            "rule.apply_server_side_encryption_by_default.kms_master_key_id",
        ),
        ignored={"rule.bucket_key_enabled": "how object keys are derived"},
        phase=8,
        docs=DOCS + "object_bucket_server_side_encryption_configuration",
    ),
    ResourceMapping(
        "scaleway_object_bucket",
        "buckets[]",
        _bucket,
        reads=("name", "region"),
        ignored={"versioning": "retention", "lifecycle_rule": "retention"},
        phase=7,
        docs=DOCS + "object_bucket",
    ),
)
