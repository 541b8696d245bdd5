"""DNS between clouds: forwarding zones and inbound server policies."""

from __future__ import annotations

from typing import Literal

from .base import Address, Model, Name, NamedModel

__all__ = ["DnsServerPolicy", "DnsZone", "ForwardingTarget"]


class ForwardingTarget(Model):
    """A name server a forwarding zone sends queries to."""

    address: Address
    """Its address."""
    workload: Name | None = None
    """The blueprint workload that answers there."""
    forwarding_path: Literal["default", "private"] = "private"
    """GCP: `private` always sends through the VPC (from 35.199.192.0/19); `default` does so for
    RFC 1918 targets only and sends to other addresses over the internet."""


class DnsZone(NamedModel):
    """A DNS zone (Cloud DNS private, forwarding or peering zone; Scaleway private zone)."""

    cloud: Name
    """The cloud it is in."""
    domain: str
    """DNS name, ending in a dot (`scw.internal.`)."""
    kind: Literal["private", "forwarding", "peering", "public"] = "private"
    """Zone kind."""
    networks: tuple[Name, ...] = ()
    """Networks it is visible to."""
    forwarding_targets: tuple[ForwardingTarget, ...] = ()
    """Forwarding zones: where queries go."""


class DnsServerPolicy(NamedModel):
    """A Cloud DNS server policy with inbound forwarding: other networks may query this VPC."""

    network: Name
    """The network."""
    inbound_forwarding: bool = True
    """Whether inbound forwarder addresses are created."""
    forwarder_addresses: tuple[Address, ...] = ()
    """The inbound forwarder addresses (one from each subnet of the network)."""
