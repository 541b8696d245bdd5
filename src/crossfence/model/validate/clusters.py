"""Kubernetes clusters: network, subnet, pod and service ranges, namespaces, node security groups."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..network import Subnet
from .base import IPNetwork, Validator, did_you_mean, names_of

__all__ = ["check"]


def check(v: Validator) -> None:
    for cluster in v.bp.clusters:
        v.ref(cluster, ("cloud",), cluster.cloud, ("clouds",), "cloud")
        network = v.ref(cluster, ("network",), cluster.network, ("networks",), "network")
        subnet = v.subnet_of(cluster, ("subnet",), network, cluster.subnet)
        pods = cluster_range(v, cluster, "pod_range", subnet)
        cluster_range(v, cluster, "service_range", subnet)
        if pods is not None:
            v.pod_ranges[cluster.name] = pods
        v.duplicates(cluster.namespaces, "namespace", f" in cluster '{cluster.name}'")
        for i, name in enumerate(cluster.node_security_groups):
            v.ref(
                cluster,
                ("node_security_groups", i),
                name,
                ("security_groups",),
                "security group",
            )


def cluster_range(
    v: Validator, cluster: Any, field: str, subnet: Subnet | None
) -> IPNetwork | None:
    value = getattr(cluster, field)
    if value is None:
        return None
    try:
        return ipaddress.ip_network(value)
    except ValueError:
        pass
    try:
        # '10.12.0.1/16' also matches the name pattern; say what is really wrong with it
        fixed = ipaddress.ip_network(value, strict=False)
    except ValueError:
        fixed = None
    if fixed is not None:
        v.report.add(
            cluster,
            (field,),
            f"{value!r} has host bits set (expected the network address, e.g. '{fixed}')",
            "invalid-cidr",
        )
        return None
    if subnet is None:
        return None
    for secondary in subnet.secondary_ranges:
        if secondary.name == value:
            return ipaddress.ip_network(secondary.cidr)
    options = names_of(subnet.secondary_ranges)
    v.report.add(
        cluster,
        (field,),
        f"'{value}' is neither a CIDR nor a secondary range of subnet '{subnet.name}' (expected a CIDR or one of: {', '.join(options) or 'none defined'}{did_you_mean(value, options)})",
        "unknown-reference",
    )
    return None
