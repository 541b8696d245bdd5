"""Shared helpers of the Kubernetes provider tests."""

from __future__ import annotations

from crossfence.providers.kubernetes import Cluster, connectivity
from crossfence.providers.kubernetes.netpol import Endpoint, is_allowed


def allows(cluster: Cluster, src: str, dst: str, protocol: str, port: int | None) -> bool:
    """Both engines' answer for pod-to-pod traffic; fails the test if they disagree."""
    source = cluster.pod(src)
    destination = cluster.pod(dst)
    scalar = is_allowed(
        cluster,
        Endpoint(source.ip_int, source),
        Endpoint(destination.ip_int, destination),
        protocol,
        port,
    )
    services = connectivity(cluster).services(src, dst)
    arrays = services.contains(protocol, port) if port is not None else services.contains(protocol)
    assert scalar == arrays, f"engines disagree on {src} -> {dst} {protocol}/{port}"
    return scalar
