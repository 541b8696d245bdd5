"""Global namespaces: one service-mesh namespace spanning clusters and clouds, with its policies."""

from __future__ import annotations

from typing import Literal

from .base import Model, Name, NamedModel, PortSpec

__all__ = ["GlobalNamespace", "GlobalPolicy", "Member"]


class Member(Model):
    """A cluster namespace taking part in a global namespace."""

    cluster: Name
    """The cluster."""
    namespace: str
    """Its Kubernetes namespace."""


class GlobalPolicy(NamedModel):
    """A service-level policy of a global namespace, enforced in every member cluster."""

    action: Literal["allow", "deny"] = "allow"
    """What it does to matching requests."""
    sources: tuple[Name, ...] = ()
    """Source workloads (empty: any workload of the global namespace)."""
    destination: Name
    """Destination workload."""
    ports: tuple[PortSpec, ...] = ()
    """Destination TCP ports, `tcp/PORT` or `tcp/LOW-HIGH` (empty: any); the sidecars carry TCP only."""
    methods: tuple[str, ...] = ()
    """HTTP methods (empty: any)."""
    paths: tuple[str, ...] = ()
    """HTTP paths, Istio-style: exact, `prefix*`, `*suffix` (empty: any)."""


class GlobalNamespace(NamedModel):
    """A namespace that spans clusters and clouds under one trust domain."""

    trust_domain: str
    """SPIFFE trust domain of the identities (`example.eu`)."""
    members: tuple[Member, ...]
    """The cluster namespaces it spans."""
    mtls_mode: Literal["STRICT", "PERMISSIVE", "DISABLE"] = "STRICT"
    """PeerAuthentication mode applied to every member namespace."""
    default_action: Literal["allow", "deny"] = "deny"
    """What happens to traffic no policy allows (`deny`: allow-list)."""
    policies: tuple[GlobalPolicy, ...] = ()
    """Service-level policies."""
