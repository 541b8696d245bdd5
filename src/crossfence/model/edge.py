"""Load balancers at the edge: GCP external HTTPS load balancer (IAP, Cloud Armor), Scaleway LB with ACLs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Address, Cidr, Model, Name, NamedModel

__all__ = ["Backend", "Iap", "LbAcl", "LoadBalancer", "SecurityPolicy"]


class Iap(Model):
    """Identity-Aware Proxy on a backend service."""

    enabled: bool = True
    """Whether IAP is on."""
    audience: str
    """Expected `aud` of the signed header JWT
    (`/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID`)."""
    identity_provider: str | None = None
    """Where identities come from (e.g. Cloud Identity synchronised with Azure AD)."""


class SecurityPolicy(Model):
    """Cloud Armor security policy attached to a backend service."""

    name: Name
    """The policy name."""
    default_action: Literal["allow", "deny"] = "allow"
    """Action when no rule matches."""
    denied_ranges: tuple[Cidr, ...] = ()
    """Source ranges denied."""


class Backend(Model):
    """A backend of a load balancer."""

    kind: Literal["internet_neg", "instance_group", "workload"] = "workload"
    """Internet NEG (an endpoint outside GCP), instance group, or a blueprint workload."""
    target: Name
    """The workload or load balancer the backend sends to."""
    port: int = Field(default=443, ge=1, le=65535)
    """Backend port."""
    protocol: Literal["http", "https", "http2", "tcp"] = "https"
    """Protocol to the backend."""


class LbAcl(Model):
    """A Scaleway load-balancer ACL rule (first match by index)."""

    name: str
    """Rule name."""
    action: Literal["allow", "deny"]
    """What a matching request gets."""
    ip_ranges: tuple[Cidr, ...] = ()
    """Client ranges the rule matches (empty: any)."""
    http_path_begins: tuple[str, ...] = ()
    """HTTP path prefixes the rule matches (empty: any)."""
    http_header: str | None = None
    """Optional HTTP header condition `name: value`."""
    index: int = Field(default=1, ge=1)
    """Order of evaluation."""


class LoadBalancer(NamedModel):
    """A load balancer: a proxy that terminates the client connection and opens a new one."""

    cloud: Name
    """The cloud it is in."""
    kind: Literal["gcp_external_https", "scaleway_lb"]
    """Which product."""
    address: Address
    """Frontend address."""
    network: Name | None = None
    """Scaleway: the VPC its private side is attached to."""
    private_network: Name | None = None
    """Scaleway: the Private Network its backends are reached through."""
    private_address: Address | None = None
    """Scaleway: its address on that Private Network (the source backends see)."""
    port: int = Field(default=443, ge=1, le=65535)
    """Frontend port."""
    protocol: Literal["https", "http", "tcp"] = "https"
    """Frontend protocol."""
    backends: tuple[Backend, ...] = ()
    """Where it forwards."""
    iap: Iap | None = None
    """GCP: Identity-Aware Proxy on the backend service."""
    security_policy: SecurityPolicy | None = None
    """GCP: Cloud Armor."""
    cdn: bool = False
    """GCP: Cloud CDN enabled."""
    acl_default_action: Literal["allow", "deny"] = "allow"
    """Scaleway: what a request no ACL rule matches gets."""
    acls: tuple[LbAcl, ...] = ()
    """Scaleway: frontend ACL rules."""
