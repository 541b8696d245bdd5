"""The `google` provider's instances, managed instance groups, GKE clusters and external HTTPS load balancer read into the blueprint."""

from __future__ import annotations

import re
from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.values import UNKNOWN, at, blocks, one

__all__ = ["MAPPINGS", "finish"]

DOCS = "https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/"
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def _placement(
    b: Builder, resource: Resource, nic_path: tuple[str | int, ...]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The blueprint network and subnet of a network interface."""
    subnet_resource = b.ref(resource, (*nic_path, "subnetwork"), ("google_compute_subnetwork",))
    subnet = b.object_of(subnet_resource)
    if subnet is None or subnet_resource is None:
        if at(resource.values, *nic_path, "subnetwork") in (None, ""):
            b.error(
                resource,
                (*nic_path, "subnetwork"),
                "is not set: crossfence needs the subnet of a VM (expected a custom mode network's subnet)",
            )
        return None
    network_resource = b.ref(subnet_resource, ("network",), ("google_compute_network",))
    network = b.object_of(network_resource, "networks")
    if network is None:
        return None
    return network, subnet


def _identity(values: dict[str, Any], workload: dict[str, Any]) -> None:
    tags = at(values, "tags")
    if isinstance(tags, list) and tags:
        workload["network_tags"] = [t for t in tags if isinstance(t, str)]
    email = at(values, "service_account", "email")
    if isinstance(email, str) and email:
        workload["service_account"] = email
    labels = at(values, "labels")
    if isinstance(labels, dict) and labels:
        workload["labels"] = {str(k): str(v) for k, v in labels.items() if isinstance(v, str)}


def _public(b: Builder, resource: Resource, workload: dict[str, Any]) -> None:
    for index, config in blocks(one(resource.values, "network_interface"), "access_config"):
        nat_ip = config.get("nat_ip")
        if isinstance(nat_ip, str) and nat_ip:
            workload["public_address"] = nat_ip
        else:
            # an ephemeral external address: allocated at apply
            stand_in = b.public_stand_in()
            workload["public_address"] = stand_in
            b.unknown(
                workload,
                ("public_address",),
                resource,
                ("network_interface", 0, "access_config", index, "nat_ip"),
                stand_in,
            )
        return


def _instance(resource: Resource, b: Builder) -> None:
    nics = list(blocks(resource.values, "network_interface"))
    if not nics:
        b.warn(
            resource, "network_interface", "is empty: the VM is on no network, so it is left out"
        )
        return
    if len(nics) > 1:
        b.warn(
            resource,
            "network_interface",
            f"has {len(nics)} interfaces: crossfence reads the first only",
        )
    placed = _placement(b, resource, ("network_interface", 0))
    if placed is None:
        return
    network, subnet = placed
    workload: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "endpoints"),
        "kind": "vm",
        "network": network["name"],
        "subnet": subnet["name"],
    }
    _identity(resource.values, workload)
    address = at(resource.values, "network_interface", 0, "network_ip")
    if isinstance(address, str) and address:
        workload["addresses"] = [address]
    else:
        b.pending_address(
            workload, "addresses", subnet, resource, ("network_interface", 0, "network_ip")
        )
    _public(b, resource, workload)
    b.add(
        "workloads",
        workload,
        resource,
        {
            "addresses": "network_interface[0].network_ip",
            "network": "network_interface[0].network",
            "subnet": "network_interface[0].subnetwork",
            "network_tags": "tags",
            "service_account": "service_account[0].email",
            "public_address": "network_interface[0].access_config[0].nat_ip",
        },
    )


def _group_manager(resource: Resource, b: Builder) -> None:
    size = at(resource.values, "target_size")
    if not isinstance(size, int):
        b.warn(
            resource,
            "target_size",
            "is not known (an autoscaler sets it): the group's VMs are left out (expected a target_size)",
        )
        return
    if size == 0:
        return
    template = b.ref(
        resource,
        ("version", 0, "instance_template"),
        ("google_compute_instance_template", "google_compute_region_instance_template"),
    )
    if template is None:
        return
    placed = _placement(b, template, ("network_interface", 0))
    if placed is None:
        return
    network, subnet = placed
    workload: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "endpoints"),
        "kind": "vm",
        "network": network["name"],
        "subnet": subnet["name"],
        "description": f"managed instance group of {size} VMs from template {template.address}",
    }
    _identity(template.values, workload)
    for _ in range(size):
        b.pending_address(workload, "addresses", subnet, resource, ("target_size",))
    if list(blocks(one(template.values, "network_interface"), "access_config")):
        stand_in = b.public_stand_in()
        workload["public_address"] = stand_in
        b.unknown(
            workload,
            ("public_address",),
            template,
            ("network_interface", 0, "access_config"),
            stand_in,
        )
    b.add(
        "workloads",
        workload,
        resource,
        {"addresses": "target_size", "network_tags": "version[0].instance_template"},
    )


def _cluster(resource: Resource, b: Builder) -> None:
    network_resource = b.ref(resource, ("network",), ("google_compute_network",))
    subnet_resource = b.ref(resource, ("subnetwork",), ("google_compute_subnetwork",))
    network = b.object_of(network_resource, "networks")
    subnet = b.object_of(subnet_resource)
    if network is None or subnet is None:
        if network_resource is None and subnet_resource is None:
            b.error(
                resource,
                ("subnetwork",),
                "is not set (expected the cluster's subnet: crossfence reads VPC-native clusters in a custom mode network)",
            )
        return
    policy = one(resource.values, "ip_allocation_policy")
    cluster: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "clusters"),
        "cloud": b.cloud(resource),
        "kind": "gke",
        "network": network["name"],
        "subnet": subnet["name"],
    }
    for field, name_key, cidr_key in (
        ("pod_range", "cluster_secondary_range_name", "cluster_ipv4_cidr_block"),
        ("service_range", "services_secondary_range_name", "services_ipv4_cidr_block"),
    ):
        value = at(policy, name_key) or at(policy, cidr_key)
        if field == "pod_range" and not value:
            value = at(resource.values, "cluster_ipv4_cidr")
        if isinstance(value, str) and value:
            cluster[field] = value
        elif value is UNKNOWN:
            b.error(
                resource,
                ("ip_allocation_policy", 0, cidr_key),
                "is known only after apply (expected the range, or a secondary range's name)",
            )
            return
    tags: list[str] = list(at(resource.values, "node_config", "tags") or [])
    account = at(resource.values, "node_config", "service_account")
    for pool in _pools(b, resource):
        tags += [t for t in at(pool.values, "node_config", "tags") or [] if t not in tags]
        account = account or at(pool.values, "node_config", "service_account")
    if tags:
        cluster["node_tags"] = [t for t in tags if isinstance(t, str)]
    if isinstance(account, str) and account and account != "default":
        cluster["node_service_account"] = account
    if at(resource.values, "default_snat_status", "disabled") is True:
        # default SNAT off: pod traffic keeps the pod's address (what compile writes for
        # pods_masqueraded: false; masquerading to every destination is an ip-masq-agent
        # ConfigMap, no argument: https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent)
        cluster["pods_masqueraded"] = False
    if at(resource.values, "private_cluster_config", "enable_private_nodes") is not True:
        b.warn(
            resource,
            "private_cluster_config.enable_private_nodes",
            "is not true: the nodes have external addresses, which crossfence does not model (the "
            "internet's reach to them is in no answer)",
        )
    b.add(
        "clusters",
        cluster,
        resource,
        {
            "pod_range": "ip_allocation_policy[0].cluster_secondary_range_name",
            "service_range": "ip_allocation_policy[0].services_secondary_range_name",
            "node_tags": "node_config[0].tags",
            "node_service_account": "node_config[0].service_account",
            "pods_masqueraded": "default_snat_status[0].disabled",
        },
    )


def _pools(b: Builder, cluster: Resource) -> list[Resource]:
    pools: dict[str, list[Resource]] = b.state.setdefault("gke-pools", {})
    if not pools:
        pools["_"] = []
        for file in b.index.files:
            for resource in file.resources:
                if resource.type == "google_container_node_pool" and resource.mode == "managed":
                    found = b.ref(resource, ("cluster",), ("google_container_cluster",))
                    if found is not None:
                        pools.setdefault(found.address + "@" + found.file, []).append(resource)
    return pools.get(cluster.address + "@" + cluster.file, [])


# --- the external HTTPS load balancer ------------------------------------------------------------
def _forwarding_rule(resource: Resource, b: Builder) -> None:
    scheme = b.text(resource, "load_balancing_scheme") or "EXTERNAL"
    if scheme not in ("EXTERNAL", "EXTERNAL_MANAGED"):
        b.warn(
            resource, "load_balancing_scheme", f"is {scheme}: only external load balancers are read"
        )
        return
    proxy = b.ref(
        resource,
        ("target",),
        ("google_compute_target_https_proxy", "google_compute_target_http_proxy"),
    )
    if proxy is None:
        return
    url_map = b.ref(proxy, ("url_map",), ("google_compute_url_map",))
    service = (
        b.ref(url_map, ("default_service",), ("google_compute_backend_service",))
        if url_map
        else None
    )
    if service is None:
        return
    if url_map is not None and (
        at(url_map.values, "path_matcher") or at(url_map.values, "host_rule")
    ):
        b.warn(
            url_map,
            "path_matcher",
            "routes some requests to other backend services: only default_service is read",
        )
    port_range = b.text(resource, "port_range") or (
        "443" if proxy.type.endswith("https_proxy") else "80"
    )
    balancer: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "endpoints"),
        "cloud": b.cloud(resource),
        "kind": "gcp_external_https",
        "port": int(port_range.split("-", 1)[0]),
        "protocol": "https" if proxy.type.endswith("https_proxy") else "http",
    }
    address = at(resource.values, "ip_address")
    if isinstance(address, str) and not _IP.match(address):
        found = b.ref(resource, ("ip_address",), ("google_compute_global_address",))
        address = at(found.values, "address") if found is not None else None
    if isinstance(address, str) and address:
        balancer["address"] = address
    else:
        balancer["address"] = b.public_stand_in()
        b.unknown(balancer, ("address",), resource, ("ip_address",), balancer["address"])
    if at(service.values, "enable_cdn") is True:
        balancer["cdn"] = True
    iap = one(service.values, "iap")
    if iap and iap.get("enabled", True) is not False:
        balancer["iap"] = {"audience": _audience(b, service, balancer)}
    armor = b.ref(service, ("security_policy",), ("google_compute_security_policy",))
    if armor is not None:
        balancer["security_policy"] = _armor(b, armor)
    obj = b.add(
        "load_balancers",
        balancer,
        resource,
        {
            "address": "ip_address",
            "port": "port_range",
            "iap": "iap",
            "cdn": "enable_cdn",
            "backends": "target",
        },
    )
    b.state.setdefault("gcp-lb-backends", []).append((obj, service))


def _audience(b: Builder, service: Resource, balancer: dict[str, Any]) -> str:
    """`/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID`, what IAP signs its header for."""
    number = None
    project = at(service.values, "project")
    for file in b.index.files:
        for resource in file.resources:
            if resource.type == "google_project" and at(resource.values, "project_id") in (
                project,
                None,
            ):
                number = at(resource.values, "number")
    generated = at(service.values, "generated_id")
    known_number = isinstance(number, str | int)
    known_id = isinstance(generated, int | str)
    if known_number and known_id:
        return f"/projects/{number}/global/backendServices/{generated}"
    # IAP signs for the service's number, allocated at apply: the overlay may give the audience
    stand_in = (
        f"/projects/{number if known_number else 'PROJECT_NUMBER'}"
        f"/global/backendServices/{generated if known_id else 'SERVICE_ID'}"
    )
    b.unknown(balancer, ("iap", "audience"), service, ("generated_id",), stand_in)
    return stand_in


def _armor(b: Builder, policy: Resource) -> dict[str, Any]:
    armor: dict[str, Any] = {
        "name": b.name(policy, b.text(policy, "name"), f"armor:{policy.address}")
    }
    denied: list[str] = []
    for index, rule in blocks(policy.values, "rule"):
        action = str(rule.get("action", ""))
        priority = rule.get("priority")
        ranges = at(rule, "match", "config", "src_ip_ranges") or []
        if at(rule, "match", "expr"):
            b.warn(
                policy,
                ("rule", index, "match", "expr"),
                "is a custom expression, which crossfence does not model",
            )
            continue
        if rule.get("preview") is True:
            continue
        if priority == 2147483647:
            armor["default_action"] = "deny" if action.startswith("deny") else "allow"
        elif action.startswith("deny"):
            denied += [r for r in ranges if isinstance(r, str) and r != "*"]
        elif action == "allow" and ranges:
            b.warn(
                policy,
                ("rule", index),
                "allows some ranges before the default rule: crossfence reads the default rule and the denied ranges only",
            )
    if denied:
        armor["denied_ranges"] = denied
    return armor


def _backends(b: Builder, service: Resource) -> list[tuple[dict[str, Any], Resource, int]]:
    """(backend without its target, the resource that names the target, its index)."""
    out = []
    protocol = (b.text(service, "protocol") or "HTTP").lower()
    protocol = protocol if protocol in ("http", "https", "http2", "tcp") else "https"
    for index, _backend in blocks(service.values, "backend"):
        group = b.ref(
            service,
            ("backend", index, "group"),
            (
                "google_compute_global_network_endpoint_group",
                "google_compute_instance_group_manager",
                "google_compute_region_instance_group_manager",
            ),
        )
        if group is None:
            continue
        if group.type == "google_compute_global_network_endpoint_group":
            kind = b.text(group, "network_endpoint_type")
            default_port = at(group.values, "default_port")
            for endpoint in _endpoints(b, group):
                port = at(endpoint.values, "port") or default_port or 443
                out.append(
                    ({"kind": "internet_neg", "port": port, "protocol": protocol}, endpoint, index)
                )
            if kind == "INTERNET_FQDN_PORT":
                b.state.setdefault("gcp-fqdn", []).append(group)
        else:
            out.append(({"kind": "instance_group", "port": 80, "protocol": protocol}, group, index))
    return out


def _endpoints(b: Builder, group: Resource) -> list[Resource]:
    index: dict[str, list[Resource]] = b.state.setdefault("gcp-neg-endpoints", {})
    if not index:
        index["_"] = []
        for file in b.index.files:
            for resource in file.resources:
                if (
                    resource.type == "google_compute_global_network_endpoint"
                    and resource.mode == "managed"
                ):
                    found = b.ref(
                        resource,
                        ("global_network_endpoint_group",),
                        ("google_compute_global_network_endpoint_group",),
                    )
                    if found is not None:
                        index.setdefault(found.address + "@" + found.file, []).append(resource)
    return index.get(group.address + "@" + group.file, [])


def finish(b: Builder) -> None:
    """Load-balancer backends: an internet NEG endpoint is the estate's endpoint at its address."""
    by_address: dict[str, str] = {}
    for balancer in b.sections.get("load_balancers", []):
        if isinstance(balancer.get("address"), str):
            by_address.setdefault(balancer["address"], balancer["name"])
    for workload in b.sections.get("workloads", []):
        for address in [workload.get("public_address"), *(workload.get("addresses") or [])]:
            if isinstance(address, str):
                by_address.setdefault(address, workload["name"])
    for balancer, service in b.state.get("gcp-lb-backends", []):
        backends = []
        for backend, source, _ in _backends(b, service):
            target: str | None
            if source.type == "google_compute_global_network_endpoint":
                address = b.text(source, "ip_address")
                target = by_address.get(address) if address else None
                if target is None:
                    fqdn = b.text(source, "fqdn")
                    b.warn(
                        source,
                        "fqdn" if fqdn else "ip_address",
                        f"{fqdn or address} is no endpoint of the estate: write the backend in the overlay "
                        "(load_balancers[].backends, with terraform: naming the forwarding rule)",
                    )
                    continue
            else:
                found = b.object_of(source, "workloads")
                if found is None:
                    continue
                target = found["name"]
            backends.append({**backend, "target": target})
        if backends:
            balancer["backends"] = backends


MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "google_compute_instance",
        "workloads[] (kind vm)",
        _instance,
        reads=(
            "name",
            "network_interface[0].subnetwork",
            "network_interface[0].network_ip",
            "network_interface[0].access_config[0].nat_ip",
            "tags",
            "service_account[0].email",
            "labels",
        ),
        ignored={
            "machine_type": "capacity",
            "boot_disk": "storage",
            "metadata": "configuration",
            "scheduling": "placement",
        },
        unmodelled=(
            Unmodelled(
                "can_ip_forward", "a VM that forwards packets routes traffic for others", False
            ),
            Unmodelled(
                "network_interface.alias_ip_range", "alias IP ranges add addresses to the VM"
            ),
        ),
        phase=6,
        docs=DOCS + "compute_instance",
    ),
    ResourceMapping(
        "google_compute_instance_group_manager",
        "workloads[] (kind vm, one address per instance, each unknown until apply)",
        _group_manager,
        reads=("name", "target_size", "version[0].instance_template"),
        ignored={"auto_healing_policies": "availability", "update_policy": "rollout"},
        phase=6,
        docs=DOCS + "compute_instance_group_manager",
    ),
    ResourceMapping(
        "google_compute_region_instance_group_manager",
        "workloads[] (kind vm, one address per instance, each unknown until apply)",
        _group_manager,
        reads=("name", "target_size", "version[0].instance_template"),
        ignored={"auto_healing_policies": "availability", "update_policy": "rollout"},
        phase=6,
        docs=DOCS + "compute_region_instance_group_manager",
    ),
    companion(
        "google_compute_instance_template",
        "its instance group manager",
        ("network_interface", "tags", "service_account"),
        DOCS + "compute_instance_template",
        unmodelled=(
            Unmodelled(
                "can_ip_forward", "a VM that forwards packets routes traffic for others", False
            ),
        ),
    ),
    companion(
        "google_compute_region_instance_template",
        "its instance group manager",
        ("network_interface", "tags", "service_account"),
        DOCS + "compute_region_instance_template",
    ),
    ResourceMapping(
        "google_container_cluster",
        "clusters[] (kind gke)",
        _cluster,
        reads=(
            "name",
            "network",
            "subnetwork",
            "ip_allocation_policy",
            "cluster_ipv4_cidr",
            "private_cluster_config.enable_private_nodes",
            "default_snat_status.disabled",
            "node_config.tags",
            "node_config.service_account",
        ),
        ignored={
            "master_authorized_networks_config": "the control plane's endpoint, not workload traffic",
            "node_pool": "read from google_container_node_pool",
            "initial_node_count": "capacity",
        },
        unmodelled=(
            Unmodelled("networking_mode", "a routes-based cluster's pod routes", "VPC_NATIVE"),
        ),
        phase=6,
        docs=DOCS + "container_cluster",
    ),
    companion(
        "google_container_node_pool",
        "its cluster: node tags and service account",
        ("cluster", "node_config.tags", "node_config.service_account"),
        DOCS + "container_node_pool",
    ),
    ResourceMapping(
        "google_compute_global_forwarding_rule",
        "load_balancers[] (kind gcp_external_https)",
        _forwarding_rule,
        reads=("name", "ip_address", "port_range", "target", "load_balancing_scheme"),
        ignored={"labels": "metadata"},
        phase=7,
        docs=DOCS + "compute_global_forwarding_rule",
    ),
    companion(
        "google_compute_target_https_proxy",
        "the forwarding rule",
        ("url_map",),
        DOCS + "compute_target_https_proxy",
        {"ssl_certificates": "TLS certificates", "ssl_policy": "TLS versions"},
    ),
    companion(
        "google_compute_target_http_proxy",
        "the forwarding rule",
        ("url_map",),
        DOCS + "compute_target_http_proxy",
    ),
    companion(
        "google_compute_url_map",
        "the forwarding rule",
        ("default_service",),
        DOCS + "compute_url_map",
        unmodelled=(Unmodelled("path_matcher", "other backend services for some hosts and paths"),),
    ),
    companion(
        "google_compute_backend_service",
        "the forwarding rule: backends, IAP, Cloud Armor, CDN",
        ("backend.group", "protocol", "iap", "security_policy", "enable_cdn", "generated_id"),
        DOCS + "compute_backend_service",
        {"health_checks": "health, not access", "log_config": "logging", "timeout_sec": "timing"},
    ),
    companion(
        "google_compute_global_network_endpoint_group",
        "the backend service",
        ("network_endpoint_type", "default_port"),
        DOCS + "compute_global_network_endpoint_group",
    ),
    companion(
        "google_compute_global_network_endpoint",
        "its network endpoint group",
        ("global_network_endpoint_group", "ip_address", "fqdn", "port"),
        DOCS + "compute_global_network_endpoint",
    ),
    companion(
        "google_compute_security_policy",
        "the backend service (Cloud Armor)",
        ("rule.action", "rule.priority", "rule.match.config.src_ip_ranges"),
        DOCS + "compute_security_policy",
        {"adaptive_protection_config": "DDoS tuning"},
    ),
)
