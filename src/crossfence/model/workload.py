"""Workloads: VMs, pod groups, managed databases, load balancers and external APIs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from .base import Labels, Model, Name, NamedModel, parse_port_spec

__all__ = ["Port", "Workload"]


def _port_shorthand(value: Any) -> Any:
    # Accept the short form "tcp/8443" for a port object; the long form names the port.
    if isinstance(value, str):
        protocol, low, high = parse_port_spec(value)
        if low is None or low != high or protocol not in ("tcp", "udp", "sctp"):
            raise ValueError(f"{value!r} is not a single port (expected e.g. 'tcp/8443')")
        return {"protocol": protocol, "port": low}
    return value


class Port(Model):
    """A port a workload listens on."""

    port: int = Field(ge=1, le=65535)
    """Port number."""
    protocol: Literal["tcp", "udp", "sctp"] = "tcp"
    """Transport protocol."""
    name: str | None = None
    """Port name (Kubernetes named ports). For pods in a mesh, a `<protocol>[-<suffix>]` name
    gives the port's protocol when `app_protocol` is not set, as a Service port's name does."""
    app_protocol: (
        Literal[
            "http",
            "http2",
            "grpc",
            "grpc-web",
            "https",
            "tls",
            "tcp",
            "mongo",
            "mysql",
            "redis",
            "postgres",
        ]
        | None
    ) = None
    """Application protocol, for L7 policies; for pods in a mesh, what a Service port's
    `appProtocol` says (it takes precedence over the name): `http`, `http2`, `grpc`, `grpc-web`
    are HTTP to the sidecar, `https` and `tls` opaque TLS, `tcp`, `mongo`, `mysql`, `redis`
    opaque TCP; anything else, or neither field, is auto-detected."""


PortEntry = Annotated[Port, BeforeValidator(_port_shorthand, json_schema_input_type=Port | str)]


class Workload(NamedModel):
    """Something that sends or receives traffic."""

    kind: Literal["vm", "pods", "managed_database", "load_balancer", "external_api"]
    """What it is."""
    cloud: Name | None = None
    """The cloud; derived from network or cluster when omitted."""
    network: Name | None = None
    """VMs, databases, load balancers: their VPC. External APIs: the VPC whose internet gateway
    reaches them privately (Private Google Access) and from which their traffic enters."""
    subnet: Name | None = None
    """VMs, databases, load balancers: their subnet or Private Network."""
    cluster: Name | None = None
    """Pods: their cluster."""
    namespace: str | None = None
    """Pods: their Kubernetes namespace."""
    addresses: Annotated[
        tuple[str, ...],
        BeforeValidator(lambda v: (v,) if isinstance(v, str) else v),
    ] = ()
    """Private addresses (VMs, databases) or ranges (external APIs, e.g. `199.36.153.4/30`).
    Pods get addresses from their cluster's pod range when none are given."""
    public_address: str | None = None
    """A public IPv4 address, if it has one."""
    ports: tuple[PortEntry, ...] = ()
    """Ports it listens on: `tcp/8443` or {port, protocol, name, app_protocol}."""
    labels: Labels
    """Pod or instance labels."""
    network_tags: tuple[str, ...] = ()
    """GCP network tags (firewall targets and sources)."""
    service_account: str | None = None
    """GCP service account email (VMs) or Kubernetes service account (pods)."""
    security_groups: tuple[Name, ...] = ()
    """Scaleway or AWS security groups attached to it."""
    replicas: int = Field(default=1, ge=1, le=100_000)
    """Pods: how many."""
    personal_data: Literal["none", "processes", "stores"] = "none"
    """Whether it stores or processes personal data."""
    hostname: str | None = None
    """External APIs: the DNS name (`restricted.googleapis.com`)."""
    iap_audience: str | None = None
    """Behind IAP: the audience whose signed header (`x-goog-iap-jwt-assertion`) the workload
    verifies on every request; none means it does not verify it."""

    @model_validator(mode="after")
    def _placement(self) -> Workload:
        if self.kind == "pods":
            if self.cluster is None or self.namespace is None:
                raise ValueError(
                    "a pods workload needs its cluster and namespace (expected cluster: and namespace:)"
                )
        elif self.kind == "external_api":
            if not self.addresses:
                raise ValueError(
                    "an external_api needs the address ranges it is reached at (expected addresses:)"
                )
        else:
            if self.network is None or self.subnet is None:
                raise ValueError(
                    f"a {self.kind} workload needs its network and subnet (expected network: and subnet:)"
                )
            if not self.addresses:
                raise ValueError(
                    f"a {self.kind} workload needs an address (expected addresses: e.g. '10.0.0.10')"
                )
        return self
