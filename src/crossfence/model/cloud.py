"""Clouds (provider, jurisdiction, region) and organisation policies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import Name, NamedModel
from .vocabulary import Provider

__all__ = ["Cloud", "OrgPolicy"]

Jurisdiction = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$", to_upper=True)]


class Cloud(NamedModel):
    """One cloud account/project/organisation the estate runs in."""

    provider: Provider
    """Which provider: one of the registered providers (`gcp`, `scaleway`, `aws`)."""
    jurisdiction: Jurisdiction
    """Legal jurisdiction of the provider (ISO-style code: `EU`, `US`, `CH`, ...).
    Personal data must stay in the jurisdiction the estate's policy requires."""
    region: str
    """Default region (`europe-west1`, `fr-par`, `eu-west-3`)."""
    project: str | None = None
    """Provider-side identifier: GCP project id, Scaleway project id, AWS account id."""
    port_25_restriction_removed: bool = False
    """AWS: AWS removed EC2's restriction on outbound TCP port 25 for this account, on the
    account's request ("Amazon EC2 blocks traffic on port 25 by default"). False (the default):
    instances' TCP port 25 to internet addresses is blocked, whatever the security groups say."""


class OrgPolicy(NamedModel):
    """An organisation policy constraint, e.g. GCP `compute.restrictVpnPeerIPs`."""

    cloud: Name
    """The cloud (organisation/project) the policy is set on."""
    constraint: str
    """The constraint id, e.g. `compute.restrictVpnPeerIPs`."""
    enforce: bool = True
    """For boolean constraints: whether it is enforced."""
    allowed_values: tuple[str, ...] = ()
    """For list constraints: the values allowed (e.g. peer IPs); empty means no allow-list."""
    denied_values: tuple[str, ...] = ()
    """For list constraints: the values denied."""
    policy_kind: Literal["list", "boolean"] = Field(default="list")
    """Whether the constraint is a list constraint or a boolean one."""
