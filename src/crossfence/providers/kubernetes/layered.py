"""One connection explained layer by layer: egress NetworkPolicy, ingress NetworkPolicy, mesh.

`explain(cluster, src, dst, protocol, port, method=None, path=None, host=None) -> LayeredVerdict`.
`src`/`dst` are `namespace/pod` names or addresses (`203.0.113.7`; a CIDR stands for its first
address); the address of a pod stands for that pod. Every layer is evaluated and reported, in
the order a packet meets them; the verdict is the first layer that denies (`decided_by`); an
allowed verdict with
`conditions` holds only for the HTTP requests they describe (the sidecar reads HTTP on the port
and allows some requests only). Each step's `to_json()` is
`{"layer", "action", "detail", "source"}`, `source` being `file:line` of the policy rule. An
unknown endpoint or a missing port raises `crossfence.errors.QueryError` (CLI exit code 2).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from crossfence.algebra.addresses import query_address
from crossfence.errors import QueryError
from crossfence.providers.kubernetes.netpol import DirectionVerdict, Endpoint, evaluate_direction
from crossfence.providers.kubernetes.resources import PROTOCOLS, Cluster, Pod

__all__ = ["LayeredVerdict", "Step", "explain"]


@dataclass(frozen=True)
class Step:
    layer: str  # "egress netpol" | "ingress netpol" | "mesh mTLS" | "mesh authorization"
    action: str  # "allow" | "deny" | "skip" | "delegate"
    detail: str
    source: str | None  # file:line of the deciding policy or rule

    def to_json(self) -> dict[str, str | None]:
        return {
            "layer": self.layer,
            "action": self.action,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass(frozen=True)
class LayeredVerdict:
    source: str
    destination: str
    service: str  # "TCP/443", "ICMP"
    allowed: bool
    decided_by: str  # the first denying layer, or "all layers allow"
    steps: tuple[Step, ...]
    conditions: tuple[str, ...] = ()
    """Non-empty: allowed only for the requests these describe (the sidecar reads HTTP on the
    port and only some requests are allowed)."""

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.destination,
            "service": self.service,
            "allowed": self.allowed,
            "decided_by": self.decided_by,
            "conditions": list(self.conditions),
            "steps": [s.to_json() for s in self.steps],
        }


def _endpoint(cluster: Cluster, name: str) -> tuple[Endpoint, Pod | None]:
    for pod in cluster.pods:
        if pod.key == name:
            return Endpoint(pod.ip_int, pod), pod
    try:
        address = query_address(name)
    except ValueError as reason:
        raise QueryError.single(f"{name!r} {reason}") from None
    if address is not None:
        # the address of a pod is that pod: its policies and sidecar apply, whatever it is called
        owner = next((pod for pod in cluster.pods if pod.ip_int == address), None)
        if owner is not None:
            return Endpoint(address, owner), owner
    if address is None:
        import difflib

        close = difflib.get_close_matches(name, [pod.key for pod in cluster.pods], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise QueryError.single(
            f"{name!r} is neither a pod nor an address (expected namespace/name or an IPv4 address{hint})"
        )
    return Endpoint(address), None


def _netpol_step(verdict: DirectionVerdict, pod: Pod, other: str, service: str) -> Step:
    layer = f"{verdict.direction} netpol"
    kind = "Egress" if verdict.direction == "egress" else "Ingress"
    if not verdict.isolated:
        detail = (
            f"no NetworkPolicy with policyTypes {kind} selects {pod.key}: not isolated, allowed"
        )
        return Step(layer, "allow", detail, None)
    if verdict.matched:
        policy, rule = verdict.matched[0]
        peers = "; ".join(str(p) for p in rule.peers) or "every peer"
        ports = ", ".join(str(p) for p in rule.ports) or "every port"
        detail = (
            f"{policy.key} {verdict.direction}[{rule.index}] allows {service} with {other} "
            f"(peers: {peers}; ports: {ports})"
        )
        return Step(layer, "allow", detail, rule.location.file_line)
    names = ", ".join(p.key for p in verdict.policies)
    detail = f"{pod.key} is isolated for {verdict.direction} by {names}; no rule allows {service} with {other}"
    return Step(layer, "deny", detail, verdict.policies[0].location.file_line)


def explain(
    cluster: Cluster,
    src: str,
    dst: str,
    protocol: str,
    port: int | None,
    method: str | None = None,
    path: str | None = None,
    host: str | None = None,
) -> LayeredVerdict:
    """The verdict of `src` -> `dst` on `protocol`/`port`, with one step per layer."""
    protocol = protocol.upper()
    if protocol in PROTOCOLS and port is None:
        raise QueryError.single(
            f"{protocol} needs a destination port (expected e.g. {protocol}/443)"
        )
    service = f"{protocol}/{port}" if port is not None else protocol
    source, source_pod = _endpoint(cluster, src)
    destination, destination_pod = _endpoint(cluster, dst)
    steps: list[Step] = []
    conditions: list[str] = []
    if source_pod is not None:
        verdict = evaluate_direction(cluster, "egress", source_pod, destination, protocol, port)
        steps.append(_netpol_step(verdict, source_pod, dst, service))
    else:
        steps.append(Step("egress netpol", "skip", f"{src} is outside the cluster's pods", None))
    if destination_pod is not None:
        verdict = evaluate_direction(cluster, "ingress", destination_pod, source, protocol, port)
        steps.append(_netpol_step(verdict, destination_pod, src, service))
        steps.extend(
            _mesh_steps(
                cluster,
                source_pod,
                destination_pod,
                src,
                protocol,
                port,
                method,
                path,
                host,
                conditions,
            )
        )
    else:
        steps.append(Step("ingress netpol", "skip", f"{dst} is outside the cluster's pods", None))
    denied = next((s for s in steps if s.action == "deny"), None)
    return LayeredVerdict(
        src,
        dst,
        service,
        denied is None,
        denied.layer if denied else "all layers allow",
        tuple(steps),
        tuple(conditions) if denied is None else (),
    )


def _mesh_steps(
    cluster: Cluster,
    source_pod: Pod | None,
    destination: Pod,
    src: str,
    protocol: str,
    port: int | None,
    method: str | None,
    path: str | None,
    host: str | None,
    conditions: list[str],
) -> list[Step]:
    # Imported here: the Istio package reads manifests with this package's helpers.
    from crossfence.providers.istio.authz import Request, mtls_mode, principal
    from crossfence.providers.istio.connection import authorize_connection
    from crossfence.providers.istio.sidecar import (
        has_sidecar,
        intercepts_inbound,
        intercepts_outbound,
    )

    if not has_sidecar(cluster, destination):
        return [
            Step(
                "mesh mTLS", "skip", f"{destination.key} has no Istio sidecar: no mesh layer", None
            )
        ]
    if protocol != "TCP" or port is None:
        return [
            Step("mesh mTLS", "skip", f"Istio sidecars intercept TCP only, not {protocol}", None)
        ]
    if not intercepts_inbound(destination, port):
        detail = (
            f"port {port} of {destination.key} is not redirected to its sidecar "
            "(traffic.sidecar.istio.io/includeInboundPorts, excludeInboundPorts): no mesh layer"
        )
        return [Step("mesh mTLS", "skip", detail, destination.location.file_line)]
    mode, peer_auth = mtls_mode(cluster, destination, port)
    where = peer_auth.location.file_line if peer_auth else None
    origin = f"PeerAuthentication {peer_auth.key}" if peer_auth else "the default"
    # the client's sidecar wraps only the connections its outbound redirection sends it
    client_sidecar = (
        source_pod is not None
        and has_sidecar(cluster, source_pod)
        and intercepts_outbound(source_pod, destination.ip, port)
    )
    mtls = client_sidecar and mode != "DISABLE"
    steps = []
    if mode == "STRICT" and not mtls:
        detail = f"mTLS STRICT on {destination.key} port {port} ({origin}); {src} has no sidecar, plaintext rejected"
        steps.append(Step("mesh mTLS", "deny", detail, where))
    else:
        how = "mTLS" if mtls else "plaintext"
        detail = f"mTLS {mode} on {destination.key} port {port} ({origin}); connection uses {how}"
        steps.append(Step("mesh mTLS", "allow", detail, where))
    request = Request(
        source_ip=str(ipaddress.IPv4Address(source_pod.ip_int))
        if source_pod
        else src.split("/")[0],
        source_principal=principal(source_pod) if mtls and source_pod else None,
        source_namespace=source_pod.namespace if mtls and source_pod else None,
        destination_ip=destination.ip,
        port=port,
        method=method,
        path=path,
        host=host,
    )
    answer = authorize_connection(cluster, destination, request)
    location = answer.location
    steps.append(
        Step(
            "mesh authorization",
            answer.action,
            f"{answer.protocol.describe(port)}; {answer.explanation}",
            location.file_line if location else None,
        )
    )
    conditions.extend(answer.conditions)
    return steps
