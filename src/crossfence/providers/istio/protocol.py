"""Istio protocol selection: what the destination sidecar reads on a port (HTTP, opaque TLS or TCP, or auto-detection).

https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/: the
protocol of a Service port is given by `appProtocol` or by the port name `<protocol>[-<suffix>]`;
"If both are defined, appProtocol takes precedence over the port name" (the same page), as
Istio's `ConvertProtocol` does (istio/istio pkg/config/kube/conversion.go, test "prefers
appProtocol over portName"). For the sidecar `http`, `http2`, `grpc` and `grpc-web` are HTTP
(methods, paths and hosts visible); `https` is "the same as tls" ("Because the Sidecar does not
decrypt TLS traffic"); `tcp`, and `mongo`, `mysql`, `redis` (opaque TCP unless their experimental
filters are on, and never HTTP), are opaque. Anything else, or no name, is auto-detected: "Istio
can automatically detect HTTP and HTTP/2 traffic. If the protocol cannot automatically be
determined, traffic will be treated as plain TCP traffic." — except the ports `ConvertProtocol`
keeps from sniffing (25, 53, 3306, 27017), which are TCP.

A pod's port takes the protocol of every Service port that selects the pod and targets it
(`targetPort` as a number, or as the name of the pod's container port). No such Service port
(Istio's pass-through filter chain) is auto-detection too. Services that disagree, opaque on
one and HTTP (or auto) on another, make the port AMBIGUOUS: crossfence then answers for both
readings rather than guess which one Istio picked.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossfence.providers.kubernetes.errors import Location
from crossfence.providers.kubernetes.resources import Cluster, Pod, Service, ServicePort

__all__ = [
    "AMBIGUOUS",
    "AUTO",
    "HTTP",
    "SNIFFING_EXCLUDED_PORTS",
    "TCP",
    "TLS",
    "PortProtocol",
    "classify",
    "declared_ports",
    "port_protocol",
]

HTTP = "http"
"""The sidecar parses HTTP: methods, paths and hosts are visible to AuthorizationPolicy."""
TLS = "tls"
"""Opaque TLS (`https`, `tls`): the sidecar does not decrypt it."""
TCP = "tcp"
"""An opaque TCP stream."""
AUTO = "auto"
"""Auto-detection: HTTP when the client speaks HTTP (or HTTP/2), plain TCP otherwise."""
AMBIGUOUS = "ambiguous"
"""Services disagree: opaque for one, HTTP or auto-detected for another."""

_PROTOCOLS = {
    "http": HTTP,
    "http2": HTTP,
    "grpc": HTTP,
    "grpc-web": HTTP,
    "https": TLS,
    "tls": TLS,
    "tcp": TCP,
    "mongo": TCP,
    "mysql": TCP,
    "redis": TCP,
}

SNIFFING_EXCLUDED_PORTS = frozenset({25, 53, 3306, 27017})
"""SMTP, DNS, MySQL, MongoDB: an unnamed Service port with one of these numbers is TCP, not
auto-detected (`wellKnownPorts` of istio/istio pkg/config/kube/conversion.go)."""


@dataclass(frozen=True)
class PortProtocol:
    """How the destination sidecar reads one port, and what said so."""

    kind: str
    """HTTP, TLS, TCP, AUTO or AMBIGUOUS."""
    reason: str
    """What decided it, in the words of the manifest or blueprint it comes from."""
    location: Location | None = None
    """The Service port (or blueprint port) that decided it; None when nothing declares it."""
    resource: str | None = None
    """`Service/<namespace>/<name>` or `workload/<name>` (a blueprint workload's port)."""

    @property
    def opaque(self) -> bool:
        """TLS or TCP: the sidecar sees no HTTP request, so HTTP-only policy fields never match."""
        return self.kind in (TLS, TCP)

    def describe(self, port: int) -> str:
        """One sentence for a trace: how the sidecar reads `port`, and why."""
        what = {
            HTTP: "HTTP to the sidecar (methods and paths are visible)",
            TLS: "opaque TLS to the sidecar (it does not decrypt it: no methods or paths)",
            TCP: "opaque TCP to the sidecar (no methods or paths)",
            AUTO: "auto-detected by the sidecar (HTTP when the client speaks HTTP, else TCP)",
            AMBIGUOUS: "declared both opaque and HTTP by different Services",
        }[self.kind]
        return f"port {port} is {what}: {self.reason}"


def classify(port: int, name: str | None, app_protocol: str | None) -> str:
    """The kind of one Service port: `appProtocol` first, else the name's `<protocol>` prefix."""
    value = app_protocol if app_protocol is not None else name
    if value:
        lowered = value.lower()
        # `grpc-web` holds a hyphen: it is matched before the name is cut at its first one
        word = "grpc-web" if lowered.startswith("grpc-web") else lowered.split("-", 1)[0]
        kind = _PROTOCOLS.get(word)
        if kind is not None:
            return kind
    return TCP if port in SNIFFING_EXCLUDED_PORTS else AUTO


def _why(service: Service, service_port: ServicePort, kind: str) -> str:
    """What decided `kind` for the port, in the words of the file it is written in."""
    workload = _workload(service)
    owner = (
        f"workload {workload} port {service_port.port}"
        if workload is not None
        else f"Service {service.key} port {service_port.port}"
    )
    field, value = (
        ("appProtocol", service_port.app_protocol)
        if service_port.app_protocol is not None
        else ("name", service_port.name)
    )
    if workload is not None and field == "appProtocol":
        field = "app_protocol"
    if classify(0, service_port.name, service_port.app_protocol) != AUTO:
        return f"{field} {value} on {owner}"  # the name or appProtocol decided
    if not value:
        said = f"{owner} has no name or {'app_protocol' if workload else 'appProtocol'}"
    else:
        said = f"{field} {value!r} on {owner} is no protocol Istio knows"
    if kind == TCP:
        return f"{said}, and Istio does not auto-detect port {service_port.port}"
    return said


def _workload(service: Service) -> str | None:
    """The blueprint workload a Service stands for, if it is one."""
    if service.owner is not None and service.owner.startswith("Workload/"):
        return service.owner.split("/", 1)[1]
    return None


def _resource(service: Service) -> str:
    workload = _workload(service)
    return f"workload/{workload}" if workload is not None else f"Service/{service.key}"


def _target(pod: Pod, service_port: ServicePort) -> int | None:
    """The pod port a TCP Service port sends to (`targetPort`: a number or a container port's name)."""
    if service_port.protocol != "TCP":
        return None  # sidecars proxy TCP only
    target = service_port.target_port
    return target if isinstance(target, int) else pod.resolve_port(target, "TCP")


def declared_ports(cluster: Cluster, pod: Pod) -> set[int]:
    """The pod's TCP ports its containers or the Services selecting it declare."""
    ports = {p.port for p in pod.ports if p.protocol == "TCP"}
    for service in cluster.services:
        if service.selects(pod):
            ports |= {t for sp in service.ports if (t := _target(pod, sp)) is not None}
    return ports


def port_protocol(cluster: Cluster, pod: Pod, port: int) -> PortProtocol:
    """How `pod`'s sidecar reads TCP connections to `port` (see the module docstring)."""
    found: list[PortProtocol] = []
    for service in cluster.services:
        if not service.selects(pod):
            continue
        for service_port in service.ports:
            if _target(pod, service_port) != port:
                continue
            kind = classify(service_port.port, service_port.name, service_port.app_protocol)
            found.append(
                PortProtocol(
                    kind,
                    _why(service, service_port, kind),
                    service_port.location or service.location,
                    _resource(service),
                )
            )
    if not found:
        return PortProtocol(
            AUTO, f"no Service port targets {pod.key}:{port} (Istio's pass-through filter chain)"
        )
    kinds = {p.kind for p in found}
    if len(kinds) == 1:
        return found[0]
    reasons = "; ".join(p.reason for p in found)
    if kinds <= {TLS, TCP}:
        return PortProtocol(
            TCP if TCP in kinds else TLS, reasons, found[0].location, found[0].resource
        )
    kind = AUTO if kinds <= {HTTP, AUTO} else AMBIGUOUS
    return PortProtocol(kind, reasons, found[0].location, found[0].resource)
