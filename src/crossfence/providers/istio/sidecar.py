"""Istio sidecars: which pods get one (injection), and which connections its redirection sees.

Injection follows the documented logic
(https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy);
the `traffic.sidecar.istio.io/*` pod annotations
(https://istio.io/latest/docs/reference/config/annotations/) keep ports and addresses from it:
what the sidecar does not see gets no mTLS and no authorization.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from crossfence.providers.kubernetes.resources import Cluster, Pod

__all__ = ["has_sidecar", "inbound_ports", "intercepts_inbound", "intercepts_outbound"]


def _holds(block: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(block, strict=False)
    except ValueError:
        return False


_INJECT = "sidecar.istio.io/inject"
"""The pod label (and the deprecated pod annotation) that turns injection on or off."""


def _namespace_injection(labels: Mapping[str, str]) -> bool | None:
    """The namespace's say: True enabled, False disabled, None neither. `istio-injection`
    takes precedence over `istio.io/rev`; only `enabled` and `disabled` are its values."""
    if "istio-injection" in labels:
        return {"enabled": True, "disabled": False}.get(labels["istio-injection"])
    return True if "istio.io/rev" in labels else None


def _pod_injection(pod: Pod) -> bool | None:
    """The pod's say: its `sidecar.istio.io/inject` label ("true" or "false"), else its
    `istio.io/rev` label (enabled); the deprecated annotation can only disable, since the
    injection webhook's object selector reads labels and is never called for an annotation."""
    label = pod.labels.get(_INJECT)
    if label in ("true", "false"):
        return label == "true"
    if label is None and pod.annotations.get(_INJECT) == "false":
        return False
    return True if "istio.io/rev" in pod.labels else None


def has_sidecar(cluster: Cluster, pod: Pod) -> bool:
    """Whether Istio injects a sidecar into the pod, by the documented logic
    (https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy):
    "If either label is disabled, the pod is not injected"; "If either label is enabled, the pod
    is injected"; if neither is set it is not (`enableNamespacesByDefault` is off by default)."""
    namespace = _namespace_injection(cluster.namespace_labels(pod.namespace))
    own = _pod_injection(pod)
    if namespace is False or own is False:
        return False
    return bool(namespace or own)


_INCLUDE_INBOUND = "traffic.sidecar.istio.io/includeInboundPorts"
_EXCLUDE_INBOUND = "traffic.sidecar.istio.io/excludeInboundPorts"


def inbound_ports(pod: Pod) -> tuple[bool, frozenset[int]]:
    """The pod's inbound redirection as its annotations set it: (every port but the listed
    ones, True; or only the listed ones, False)."""

    def ports(text: str) -> frozenset[int]:
        return frozenset(int(p) for p in text.split(",") if p.strip().isdigit())

    include = pod.annotations.get(_INCLUDE_INBOUND, "*").strip()
    if include == "*":
        return True, ports(pod.annotations.get(_EXCLUDE_INBOUND, ""))
    return False, ports(include)


def intercepts_inbound(pod: Pod, port: int) -> bool:
    """Whether the pod's sidecar sees inbound connections to `port`
    (https://istio.io/latest/docs/reference/config/annotations/): `includeInboundPorts` "A
    comma separated list of inbound ports for which traffic is to be redirected to Envoy. The
    wildcard character '*' can be used to configure redirection for all ports. An empty list
    will disable all inbound redirection." (the default is `*`), and `excludeInboundPorts` "A
    comma separated list of inbound ports to be excluded from redirection to Envoy. Only applies
    when all inbound traffic (i.e. '*') is being redirected." A port the sidecar does not see
    bypasses mTLS and authorization."""
    every, listed = inbound_ports(pod)
    return port not in listed if every else port in listed


def _annotation_list(pod: Pod, name: str, default: str = "") -> tuple[str, ...]:
    return tuple(p.strip() for p in pod.annotations.get(name, default).split(",") if p.strip())


def intercepts_outbound(pod: Pod, address: str, port: int) -> bool:
    """Whether the pod's sidecar sees its outbound connection to `address`:`port`, and so
    wraps it in mTLS (https://istio.io/latest/docs/reference/config/annotations/):
    `includeOutboundPorts` "outbound ports for which traffic is to be redirected to Envoy,
    regardless of the destination IP"; `excludeOutboundPorts` "outbound ports to be excluded
    from redirection to Envoy"; `includeOutboundIPRanges` "IP ranges in CIDR form to redirect to
    Envoy (optional). The wildcard character '*' can be used to redirect all outbound traffic.
    An empty list will disable all outbound redirection." (the default is `*`);
    `excludeOutboundIPRanges` "Only applies when all outbound traffic (i.e. '*') is being
    redirected". A connection the client's sidecar does not see leaves in plaintext."""
    prefix = "traffic.sidecar.istio.io/"
    ports = _annotation_list(pod, prefix + "excludeOutboundPorts")
    if str(port) in ports:
        return False
    if str(port) in _annotation_list(pod, prefix + "includeOutboundPorts"):
        return True
    include = _annotation_list(pod, prefix + "includeOutboundIPRanges", "*")
    if include == ("*",):
        excluded = _annotation_list(pod, prefix + "excludeOutboundIPRanges")
        return not any(_holds(block, address) for block in excluded)
    return any(_holds(block, address) for block in include)
