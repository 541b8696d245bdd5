"""Istio provider: PeerAuthentication and AuthorizationPolicy semantics.

Objects are read by `crossfence.providers.kubernetes.load_manifests` with the rest of a folder;
`mtls_mode(cluster, pod, port)` gives the effective mTLS mode and the policy that set it, and
`authorize(cluster, pod, request)` the sidecar's CUSTOM -> DENY -> ALLOW decision with the policy
and rule that decided. `crossfence.providers.kubernetes.explain` shows both as trace steps.
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
    "PeerAuthentication",
    "Request",
    "authorize",
    "has_sidecar",
    "mtls_mode",
    "principal",
]
