"""VPN gateways, Cloud Routers, routing policies, tunnels and BGP sessions between clouds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ASN, Address, Cidr, Model, Name, NamedModel
from .vocabulary import GatewayType

__all__ = [
    "AdvertisedRange",
    "BgpEnd",
    "BgpSession",
    "CipherSuite",
    "CloudNat",
    "Router",
    "RoutingPolicy",
    "TransitGatewayAttachment",
    "TransitGatewayRoute",
    "TransitGatewayRouteTable",
    "TunnelEnd",
    "VpnGateway",
    "VpnInterface",
    "VpnTunnel",
]


class VpnInterface(Model):
    """A public interface of a VPN gateway."""

    id: int = Field(ge=0, le=3)
    """Interface index (HA VPN has 0 and 1)."""
    ip: Address
    """Its public address (the IPsec peer address the other side sees)."""


class TransitGatewayAttachment(Model):
    """An AWS transit gateway's VPC attachment (Terraform
    `aws_ec2_transit_gateway_vpc_attachment`)."""

    network: Name
    """The VPC attached."""
    transit_gateway_default_route_table_association: bool = True
    """Associated with the transit gateway's default route table (unless a route table lists
    it in `associations`): packets arriving from the VPC are routed by that table."""
    transit_gateway_default_route_table_propagation: bool = True
    """Propagates the VPC's CIDR blocks into the transit gateway's default route table."""


class TransitGatewayRoute(Model):
    """A static route of a transit gateway route table (Terraform
    `aws_ec2_transit_gateway_route`): to an attachment, or blackhole."""

    destination_cidr_block: Cidr
    """The destination."""
    transit_gateway_attachment: Name | None = None
    """The VPC whose attachment the packets are sent to."""
    blackhole: bool = False
    """Drop the packets to the destination."""


class TransitGatewayRouteTable(NamedModel):
    """A transit gateway route table (Terraform `aws_ec2_transit_gateway_route_table`), with its
    associations, propagations and static routes."""

    default: bool = False
    """The transit gateway's default association and propagation route table (Terraform
    `association_default_route_table_id`, `propagation_default_route_table_id`). Without one,
    the default route table AWS creates is implicit: it holds the propagated routes only."""
    associations: tuple[Name, ...] = ()
    """The VPCs whose attachments are associated with this table (one table per attachment;
    Terraform `aws_ec2_transit_gateway_route_table_association`)."""
    propagations: tuple[Name, ...] = ()
    """The VPCs whose attachments propagate their CIDR blocks into this table (Terraform
    `aws_ec2_transit_gateway_route_table_propagation`)."""
    routes: tuple[TransitGatewayRoute, ...] = ()
    """Static routes."""


class VpnGateway(NamedModel):
    """A VPN gateway: GCP HA VPN, Scaleway Site-to-Site VPN gateway, AWS VGW or transit gateway."""

    cloud: Name
    """The cloud it is in."""
    network: Name
    """The network (VPC) it serves."""
    type: GatewayType
    """Gateway kind."""
    region: str | None = None
    """Region; defaults to the cloud's."""
    interfaces: tuple[VpnInterface, ...] = ()
    """Public interfaces (HA VPN: two)."""
    asn: ASN | None = None
    """BGP ASN when the gateway speaks BGP itself (Scaleway: 12876; AWS VGW/TGW)."""
    private_network: Name | None = None
    """Scaleway: the Private Network the gateway is attached to."""
    route_propagation: bool = False
    """Scaleway: install BGP-learned routes into the VPC (off by default: routes are blocked)."""
    attachments: tuple[TransitGatewayAttachment, ...] = ()
    """AWS transit gateway: its VPC attachments. `network` is attached too, with the default
    association and propagation, unless an entry here names it."""
    route_tables: tuple[TransitGatewayRouteTable, ...] = ()
    """AWS transit gateway: its route tables (the default one is implicit unless one is marked
    `default`)."""


class AdvertisedRange(Model):
    """A custom advertised range of a Cloud Router."""

    range: Cidr
    """The prefix advertised."""
    description: str | None = None
    """Why it is advertised."""


class CloudNat(NamedModel):
    """A Cloud NAT gateway on a Cloud Router: VMs and pods without an external IP address reach
    the internet through it (https://cloud.google.com/nat/docs/overview). Regional: it serves
    the subnets of its router's region."""

    source_subnetwork_ip_ranges_to_nat: Literal[
        "ALL_SUBNETWORKS_ALL_IP_RANGES",
        "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES",
        "LIST_OF_SUBNETWORKS",
    ] = "ALL_SUBNETWORKS_ALL_IP_RANGES"
    """Which source ranges it translates: every range of every subnet of the region (primary and
    secondary, e.g. GKE pods), only the primary ranges, or every range of the listed subnets."""
    subnetworks: tuple[Name, ...] = ()
    """`LIST_OF_SUBNETWORKS`: the subnets it serves."""
    nat_ips: tuple[Address, ...] = ()
    """The external addresses it translates to (Terraform `nat_ips` with
    `nat_ip_allocate_option = MANUAL_ONLY`); empty: Google allocates them (`AUTO_ONLY`), and
    crossfence treats the address as unknown, so only rules that admit any address admit it."""


class Router(NamedModel):
    """A GCP Cloud Router: the BGP speaker of an HA VPN, and the home of Cloud NAT gateways."""

    cloud: Name
    """The cloud it is in."""
    network: Name
    """The VPC network it serves."""
    region: str | None = None
    """Region; defaults to the cloud's."""
    asn: ASN
    """Its ASN (private: 64512-65534 or 4200000000-4294967294)."""
    advertise_mode: Literal["default", "custom"] = "default"
    """`default` advertises the VPC's own subnets only; `custom` advertises what is listed."""
    advertised_groups: tuple[Literal["all_subnets"], ...] = ()
    """Custom mode: groups to advertise (`all_subnets`: the subnets the router can see)."""
    advertised_ranges: tuple[AdvertisedRange, ...] = ()
    """Custom mode: extra ranges to advertise."""
    nats: tuple[CloudNat, ...] = ()
    """Cloud NAT gateways configured on this router."""


class RoutingPolicy(NamedModel):
    """A Scaleway Site-to-Site VPN routing policy: prefix filters for BGP in and out."""

    cloud: Name
    """The cloud it is in."""
    prefix_filter_in: tuple[Cidr, ...] = ()
    """Prefixes accepted from the peer (a learned route is accepted if inside one of them)."""
    prefix_filter_out: tuple[Cidr, ...] = ()
    """Prefixes whose VPC ranges are announced to the peer (each range inside one of them, with
    route propagation on)."""
    is_ipv6: bool = False
    """IPv6 policy: it covers IPv6 traffic only, so it lets no IPv4 route through."""


class CipherSuite(Model):
    """IKE or ESP proposal."""

    encryption: tuple[str, ...] = ()
    """Encryption algorithms (`AES-GCM-16-256`, `AES-CBC-256`, ...)."""
    integrity: tuple[str, ...] = ()
    """Integrity algorithms (`HMAC-SHA2-256-128`, ...); empty with AEAD ciphers."""
    dh_groups: tuple[int, ...] = ()
    """Diffie-Hellman groups (14, 19, 20, 21, ...)."""


class TunnelEnd(Model):
    """One end of a VPN tunnel."""

    gateway: Name
    """The VPN gateway."""
    interface: int = Field(default=0, ge=0, le=3)
    """Which of its interfaces terminates the tunnel."""


class VpnTunnel(NamedModel):
    """An IPsec tunnel between two VPN gateways of different clouds."""

    local: TunnelEnd
    """This end (by convention the hub side)."""
    peer: TunnelEnd
    """The other end."""
    ike_version: Literal[1, 2] = 2
    """IKE version."""
    ike: CipherSuite = Field(default_factory=CipherSuite)
    """Phase 1 proposal."""
    esp: CipherSuite = Field(default_factory=CipherSuite)
    """Phase 2 proposal."""


class BgpEnd(Model):
    """One end of a BGP session: the speaker and its link-local interface."""

    speaker: Name
    """A Cloud Router, or a VPN gateway that speaks BGP itself (Scaleway, AWS)."""
    address: str
    """Its inside-tunnel address with prefix, from 169.254.0.0/16, e.g. `169.254.0.1/30`."""
    advertised_route_priority: int = Field(default=100, ge=0, le=65535)
    """GCP: base priority (MED) of the routes it advertises; lower is preferred."""
    routing_policy: Name | None = None
    """Scaleway: the routing policy applied to this session."""


class BgpSession(NamedModel):
    """An eBGP session over a VPN tunnel."""

    tunnel: Name
    """The tunnel it runs over."""
    local: BgpEnd
    """The local tunnel end's speaker."""
    peer: BgpEnd
    """The peer tunnel end's speaker."""
    enabled: bool = True
    """A disabled session exchanges nothing."""
