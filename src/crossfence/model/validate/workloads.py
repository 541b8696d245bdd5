"""Workloads: cloud, network, subnet, cluster and security groups; addresses inside their range."""

from __future__ import annotations

import ipaddress

from ..base import IPV6_REFUSED
from .base import IPNetwork, Validator

__all__ = ["check"]


def check(v: Validator) -> None:
    for workload in v.bp.workloads:
        v.ref(workload, ("cloud",), workload.cloud, ("clouds",), "cloud")
        network = v.ref(workload, ("network",), workload.network, ("networks",), "network")
        subnet = v.subnet_of(workload, ("subnet",), network, workload.subnet)
        cluster = v.ref(workload, ("cluster",), workload.cluster, ("clusters",), "cluster")
        for i, name in enumerate(workload.security_groups):
            v.ref(workload, ("security_groups", i), name, ("security_groups",), "security group")
        container: IPNetwork | None = None
        label = ""
        if subnet is not None:
            container, label = ipaddress.ip_network(subnet.cidr), f"subnet '{subnet.name}'"
        elif cluster is not None and cluster.name in v.pod_ranges:
            container, label = (
                v.pod_ranges[cluster.name],
                f"the pod range of cluster '{cluster.name}'",
            )
        for i, text in enumerate(workload.addresses):
            try:
                value = (
                    ipaddress.ip_network(text, strict=True)
                    if workload.kind == "external_api"
                    else ipaddress.ip_address(text)
                )
            except ValueError:
                expected = (
                    "a CIDR or an address" if workload.kind == "external_api" else "an IP address"
                )
                value = None
            if value is not None and value.version == 6:
                v.report.add(
                    workload,
                    ("addresses", i),
                    IPV6_REFUSED.format(value=text, what="address", example="10.0.0.10"),
                    "ipv6",
                )
                continue
            if value is None:
                v.report.add(
                    workload,
                    ("addresses", i),
                    f"{text!r} is not {expected} (expected e.g. '10.0.0.10')",
                    "invalid-cidr",
                )
                continue
            if (
                container is not None
                and isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address)
                and value not in container
            ):
                v.report.add(
                    workload,
                    ("addresses", i),
                    f"{value} is outside {label} {container} (expected an address inside it)",
                    "outside-range",
                )
        if workload.public_address is not None:
            try:
                public = ipaddress.ip_address(workload.public_address)
            except ValueError:
                v.report.add(
                    workload,
                    ("public_address",),
                    f"{workload.public_address!r} is not an IP address (expected e.g. '51.15.0.10')",
                    "invalid-cidr",
                )
            else:
                if public.version == 6:
                    v.report.add(
                        workload,
                        ("public_address",),
                        IPV6_REFUSED.format(
                            value=workload.public_address, what="address", example="51.15.0.10"
                        ),
                        "ipv6",
                    )
