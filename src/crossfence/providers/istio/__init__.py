"""Istio provider: protocol selection, PeerAuthentication and AuthorizationPolicy semantics.

Objects are read by `crossfence.providers.kubernetes.load_manifests` with the rest of a folder;
`mtls_mode(cluster, pod, port)` gives the effective mTLS mode and the policy that set it,
`port_protocol(cluster, pod, port)` how the sidecar reads a port (HTTP, opaque TLS/TCP, or
auto-detection), `authorize(cluster, pod, request)` the sidecar's CUSTOM -> DENY -> ALLOW
decision for one request with the policy and rule that decided, and
`authorize_connection(cluster, pod, request)` the answer for a connection on that port: allowed,
denied, or allowed only for the requests its conditions describe.
`crossfence.providers.kubernetes.explain` shows them as trace steps.
"""

from __future__ import annotations

from crossfence.providers.istio.authz import (
    TRUST_DOMAIN,
    AuthorizationDecision,
    Request,
    authorize,
    has_sidecar,
    mtls_mode,
    principal,
)
from crossfence.providers.istio.connection import ConnectionDecision, authorize_connection
from crossfence.providers.istio.protocol import PortProtocol, port_protocol
from crossfence.providers.istio.resources import (
    ROOT_NAMESPACE,
    AuthorizationPolicy,
    AuthorizationRule,
    PeerAuthentication,
)

__all__ = [
    "ROOT_NAMESPACE",
    "TRUST_DOMAIN",
    "AuthorizationDecision",
    "AuthorizationPolicy",
    "AuthorizationRule",
    "ConnectionDecision",
    "PeerAuthentication",
    "PortProtocol",
    "Request",
    "authorize",
    "authorize_connection",
    "has_sidecar",
    "mtls_mode",
    "port_protocol",
    "principal",
]
