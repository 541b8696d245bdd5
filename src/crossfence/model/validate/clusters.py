"""Kubernetes clusters: network, subnet, pod and service ranges, namespaces, node security groups."""

from __future__ import annotations

import ipaddress
from typing import Any

from ...located.files import list_files
from ..kubernetes import Cluster
from ..network import Subnet
from .base import IPNetwork, Validator, did_you_mean, names_of

__all__ = ["MANIFEST_SUFFIXES", "check"]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
"""The files a manifests folder is read from (`located.yamlsource.read_files`)."""


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
        _manifests(v, cluster)
        for i, name in enumerate(cluster.node_security_groups):
            v.ref(
                cluster,
                ("node_security_groups", i),
                name,
                ("security_groups",),
                "security group",
            )


def _manifests(v: Validator, cluster: Cluster) -> None:
    """Each `manifests` entry is a folder (or file) that can be read whole: a folder that cannot
    be listed, a broken link in it, would leave its NetworkPolicies out and allow what they
    deny. (What the files hold is read, and checked, when the estate is built.)"""
    for index, entry in enumerate(cluster.manifests):
        path = cluster.manifests_path(index)
        listing = list_files(path, MANIFEST_SUFFIXES)
        for problem in listing.errors:
            if problem.file == str(path):
                message = f"'{entry}': {problem.message}"
            else:
                message = f"'{entry}' cannot be read whole: {problem.file}: {problem.message}"
            if "(expected" not in message:
                message += (
                    " (expected a folder or file of Kubernetes/Istio manifests, relative to the "
                    "blueprint file)"
                )
            v.report.add(cluster, ("manifests", index), message, "manifests")


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
