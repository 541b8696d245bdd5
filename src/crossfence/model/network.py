"""Networks: VPCs, subnets and Private Networks, routes, peerings, and the filters attached to them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from .base import Address, Cidr, Model, Name, NamedModel, PortSpec

__all__ = [
    "AclRule",
    "FirewallPolicy",
    "FirewallPolicyRule",
    "FirewallRule",
    "GatewayNetwork",
    "Network",
    "NetworkAcl",
    "NetworkAclRule",
    "Peering",
    "PortRange",
    "PublicGateway",
    "Route",
    "RouteTable",
    "SecondaryRange",
    "SecurityGroup",
    "SecurityGroupRule",
    "Subnet",
    "VpcAcl",
]


def _check_port_range(value: Any) -> str:
    text = str(value).strip()
    low_text, _, high_text = text.partition("-")
    try:
        low, high = int(low_text), int(high_text or low_text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a port range (expected e.g. '5432' or '1024-65535')"
        ) from None
    if not (1 <= low <= high <= 65535):
        raise ValueError(f"{value!r} is not a valid port range (expected low-high within 1-65535)")
    return f"{low}" if low == high else f"{low}-{high}"


PortRange = Annotated[
    str,
    BeforeValidator(_check_port_range),
    WithJsonSchema({"type": ["string", "integer"], "examples": ["5432", "1024-65535"]}),
]
"""One port or an inclusive port range, without protocol: ``5432``, ``1024-65535``."""


class SecondaryRange(NamedModel):
    """A GCP subnet secondary range (alias IPs: GKE pods and services)."""

    cidr: Cidr
    """The range, e.g. `10.12.0.0/16`."""


class Subnet(NamedModel):
    """A subnet (GCP, AWS) or a Private Network (Scaleway, a layer-2 segment)."""

    cidr: Cidr
    """Primary IPv4 range."""
    region: str | None = None
    """Region or zone; defaults to the cloud's region."""
    secondary_ranges: tuple[SecondaryRange, ...] = ()
    """GCP secondary ranges (for GKE pods and services)."""
    private_google_access: bool = False
    """GCP: VMs without external IPs may reach Google APIs."""


class Route(NamedModel):
    """A static route (GCP), a route-table route (AWS) or a VPC custom route (Scaleway). Exactly
    one next hop is set."""

    destination: Cidr
    """Destination range."""
    priority: int = Field(default=1000, ge=0, le=65535)
    """GCP route priority: lower wins among routes of equal prefix length."""
    tags: tuple[str, ...] = ()
    """GCP: the route applies only to instances with one of these network tags."""
    next_hop_gateway: Literal["default_internet_gateway"] | None = None
    """Send to the internet gateway (GCP `default-internet-gateway`, AWS IGW)."""
    next_hop_ip: Address | None = None
    """Send to this address in the network (Scaleway: the private address of the next-hop
    resource on a Private Network)."""
    next_hop_instance: Name | None = None
    """Send to this VM workload (appliance; Scaleway: an Instance or Elastic Metal server on a
    Private Network of the VPC)."""
    next_hop_vpn_tunnel: Name | None = None
    """Send into this VPN tunnel (classic/static routing)."""
    next_hop_vpn_gateway: Name | None = None
    """AWS: send to this virtual private gateway."""
    next_hop_transit_gateway: Name | None = None
    """AWS: send to this transit gateway."""
    next_hop_peering: Name | None = None
    """AWS: send over this VPC peering connection. Scaleway: through this VPC connector (a
    peering whose `network` is the route's VPC)."""
    next_hop_ilb: Address | Name | None = None
    """GCP: send to this internal passthrough Network Load Balancer (its forwarding rule's name or
    address; Terraform `next_hop_ilb`)."""
    blackhole: bool = False
    """Drop matching traffic."""

    @model_validator(mode="after")
    def _one_next_hop(self) -> Route:
        hops = [
            name
            for name in (
                "next_hop_gateway",
                "next_hop_ip",
                "next_hop_instance",
                "next_hop_vpn_tunnel",
                "next_hop_vpn_gateway",
                "next_hop_transit_gateway",
                "next_hop_peering",
                "next_hop_ilb",
            )
            if getattr(self, name) is not None
        ] + (["blackhole"] if self.blackhole else [])
        if len(hops) != 1:
            found = ", ".join(hops) if hops else "none"
            raise ValueError(
                f"a route needs exactly one next hop, found {found} (expected one of "
                "next_hop_gateway, next_hop_ip, next_hop_instance, next_hop_vpn_tunnel, "
                "next_hop_vpn_gateway, next_hop_transit_gateway, next_hop_peering, next_hop_ilb, "
                "blackhole)"
            )
        return self

    @property
    def next_hop(self) -> tuple[str, str]:
        """The next hop as (kind, target)."""
        for kind in (
            "gateway",
            "ip",
            "instance",
            "vpn_tunnel",
            "vpn_gateway",
            "transit_gateway",
            "peering",
            "ilb",
        ):
            value = getattr(self, f"next_hop_{kind}")
            if value is not None:
                return kind, str(value)
        return "blackhole", ""


class FirewallRule(NamedModel):
    """A GCP VPC firewall rule (https://cloud.google.com/firewall/docs/firewalls)."""

    direction: Literal["ingress", "egress"] = "ingress"
    """Traffic direction the rule applies to."""
    priority: int = Field(default=1000, ge=0, le=65535)
    """0 is highest; at equal priority a deny rule wins over an allow rule."""
    action: Literal["allow", "deny"] = "allow"
    """What a matching packet gets."""
    ports: tuple[PortSpec, ...] = ("all",)
    """Protocols and ports: `tcp/443`, `tcp/8000-8100`, `udp`, `icmp`, `ipip`, `proto/47`, `all`."""
    source_ranges: tuple[Cidr, ...] = ()
    """Ingress: source ranges."""
    destination_ranges: tuple[Cidr, ...] = ()
    """Egress (and ingress, as a destination filter): destination ranges."""
    source_tags: tuple[str, ...] = ()
    """Ingress: instances with these network tags — in the same VPC network only."""
    source_service_accounts: tuple[str, ...] = ()
    """Ingress: instances running as these service accounts — in the same VPC network only."""
    target_tags: tuple[str, ...] = ()
    """Applies only to instances with one of these network tags (default: all instances)."""
    target_service_accounts: tuple[str, ...] = ()
    """Applies only to instances running as one of these service accounts."""
    disabled: bool = False
    """A disabled rule is ignored."""
    enable_logging: bool = False
    """Firewall rules logging."""


class FirewallPolicyRule(Model):
    """A rule of a hierarchical, global network or regional network firewall policy."""

    priority: int = Field(ge=0, le=2147483647)
    """Lower is evaluated first; priorities are unique within a policy."""
    direction: Literal["ingress", "egress"] = "ingress"
    """Traffic direction."""
    action: Literal["allow", "deny", "goto_next"]
    """`allow` and `deny` decide; `goto_next` passes evaluation to the next step of the order."""
    ports: tuple[PortSpec, ...] = ("all",)
    """Protocols and ports: `tcp/443`, `udp`, `icmp`, `ipip`, `proto/47`, `all`."""
    source_ranges: tuple[Cidr, ...] = ()
    """Ingress source ranges (empty: any)."""
    destination_ranges: tuple[Cidr, ...] = ()
    """Egress destination ranges (empty: any)."""
    target_service_accounts: tuple[str, ...] = ()
    """Applies only to instances running as these service accounts (empty: all)."""
    description: str | None = None
    """Free text."""
    disabled: bool = False
    """A disabled rule is ignored."""


class FirewallPolicy(NamedModel):
    """A GCP hierarchical (organisation/folder), global network or regional network firewall policy."""

    cloud: Name
    """The cloud it belongs to."""
    kind: Literal["hierarchical", "network", "regional"] = "network"
    """`hierarchical` (every network of the cloud, evaluated first), `network` (a global network
    firewall policy) or `regional` (a regional network firewall policy, for one region)."""
    region: str | None = None
    """Regional policies: their one target region; they apply to the instances of the associated
    networks in that region."""
    networks: tuple[Name, ...] = ()
    """Network and regional policies: the networks the policy is associated with."""
    rules: tuple[FirewallPolicyRule, ...] = ()
    """Rules, evaluated by priority."""


class AclRule(Model):
    """A Scaleway VPC ACL rule (stateless, first match)."""

    action: Literal["accept", "drop"]
    """What a matching packet gets."""
    protocol: Literal["tcp", "udp", "icmp", "any"] = "any"
    """IP protocol."""
    source: Cidr = "0.0.0.0/0"
    """Source range."""
    source_ports: PortRange | None = None
    """Source ports (TCP/UDP); none means any."""
    destination: Cidr = "0.0.0.0/0"
    """Destination range."""
    destination_ports: PortRange | None = None
    """Destination ports (TCP/UDP); none means any."""
    description: str | None = None
    """Free text."""


class VpcAcl(Model):
    """Scaleway VPC ACL: filters only traffic between the Private Networks of one VPC."""

    default_policy: Literal["accept", "drop"] = "accept"
    """Applied when no rule matches."""
    rules: tuple[AclRule, ...] = ()
    """Rules in order; the first match decides."""


class SecurityGroupRule(Model):
    """A security-group rule (Scaleway instance security group or AWS security group)."""

    action: Literal["accept", "drop"] = "accept"
    """AWS security groups accept only."""
    ports: PortSpec = "all"
    """Protocol and ports."""
    ip_ranges: tuple[Cidr, ...] = ("0.0.0.0/0",)
    """Remote ranges (source for inbound, destination for outbound)."""
    security_groups: tuple[Name, ...] = ()
    """AWS: remote members of these security groups."""
    description: str | None = None
    """Free text."""


class SecurityGroup(NamedModel):
    """A stateful instance-level filter: Scaleway security group or AWS security group."""

    cloud: Name
    """The cloud it belongs to."""
    network: Name | None = None
    """AWS: the VPC it belongs to."""
    inbound_default_policy: Literal["accept", "drop"] | None = None
    """Scaleway default `accept`; AWS is always `drop` (allow-only rules)."""
    outbound_default_policy: Literal["accept", "drop"] | None = None
    """Scaleway default `accept`; AWS `drop` unless an outbound rule allows (AWS adds allow-all)."""
    stateful: bool = True
    """Stateful groups let the replies of an allowed flow back."""
    applies_to: Literal["public_interface", "all_interfaces"] | None = None
    """Scaleway security groups filter the public interface only (default); set
    `all_interfaces` if your instances enforce it on Private Networks too. AWS: all."""
    enable_default_security: bool | None = None
    """Scaleway: remote SMTP ports (TCP 25, 465, 587) are blocked for the group's instances (the
    API's read-only `enable_default_security`, "True if SMTP is blocked on IPv4 and IPv6");
    unset means true, as for every new account. Set false once Scaleway lifted the block for the
    account (a support request). AWS: not accepted (see the cloud's
    `port_25_restriction_removed`)."""
    inbound_rules: tuple[SecurityGroupRule, ...] = ()
    """Inbound rules (Scaleway: first match; AWS: union of allows)."""
    outbound_rules: tuple[SecurityGroupRule, ...] = ()
    """Outbound rules."""


class NetworkAclRule(Model):
    """An AWS network ACL entry: ordered by rule number, stateless."""

    rule_number: int = Field(ge=1, le=32766)
    """Evaluated in increasing order; first match wins."""
    action: Literal["allow", "deny"]
    """What a matching packet gets."""
    ports: PortSpec = "all"
    """Protocol and ports."""
    cidr: Cidr = "0.0.0.0/0"
    """Remote range."""


class NetworkAcl(NamedModel):
    """An AWS network ACL attached to subnets; ends in an implicit deny (`*`)."""

    default: bool = False
    """The VPC's default network ACL: it covers every subnet not associated with another ACL.
    Without one, those subnets get the default ACL as AWS creates it (allow all, both ways)."""
    subnets: tuple[Name, ...] = ()
    """Subnets of the network it is associated with."""
    ingress: tuple[NetworkAclRule, ...] = ()
    """Inbound entries."""
    egress: tuple[NetworkAclRule, ...] = ()
    """Outbound entries."""


class RouteTable(NamedModel):
    """An AWS route table associated with subnets (the `main` one covers the others)."""

    main: bool = False
    """The VPC's main route table."""
    subnets: tuple[Name, ...] = ()
    """Explicitly associated subnets."""
    routes: tuple[Route, ...] = ()
    """Routes besides the implicit `local` route."""
    propagating_vpn_gateways: tuple[Name, ...] = ()
    """Virtual private gateways whose BGP routes are propagated into this table."""


class GatewayNetwork(Model):
    """A Private Network attached to a Scaleway Public Gateway (Terraform `scaleway_vpc_gateway_network`)."""

    private_network: Name
    """The Private Network of this VPC."""
    enable_masquerade: bool = True
    """NAT: resources of the Private Network reach the internet with the gateway's address."""
    push_default_route: bool = False
    """Advertise the gateway as the Private Network's default route (IPAM `push_default_route`)."""


class PublicGateway(NamedModel):
    """A Scaleway Public Gateway: sits at the border of Private Networks and gives them access to
    the internet through NAT (https://www.scaleway.com/en/developers/api/public-gateway/)."""

    public_address: Address | None = None
    """Its flexible IP address."""
    private_networks: tuple[GatewayNetwork, ...] = ()
    """The Private Networks attached to it."""


class Network(NamedModel):
    """A VPC: GCP VPC network, Scaleway VPC, AWS VPC."""

    cloud: Name
    """The cloud the network is in."""
    routing_mode: Literal["regional", "global"] = "regional"
    """GCP dynamic routing mode: whether Cloud Routers learn routes for all regions."""
    delete_default_routes_on_create: bool = False
    """GCP: the network has no system-generated default route (0.0.0.0/0 to the default internet
    gateway, which GCP creates with every network unless it is deleted; Terraform
    `delete_default_routes_on_create`)."""
    network_firewall_policy_enforcement_order: Literal[
        "AFTER_CLASSIC_FIREWALL", "BEFORE_CLASSIC_FIREWALL"
    ] = "AFTER_CLASSIC_FIREWALL"
    """GCP: whether the network firewall policies are evaluated after the VPC firewall rules
    (the default) or before them."""
    cidr_blocks: tuple[Cidr, ...] = ()
    """AWS: the VPC's CIDR blocks (subnets must lie inside them)."""
    subnets: tuple[Subnet, ...] = ()
    """GCP and AWS subnets."""
    private_networks: tuple[Subnet, ...] = ()
    """Scaleway Private Networks (layer 2) of this VPC."""
    managed_routing: bool = True
    """Scaleway: VPC routing is activated, so all Private Networks of the VPC reach each other;
    `false` describes a VPC on which routing was never activated (each Private Network reaches
    only itself)."""
    routes: tuple[Route, ...] = ()
    """GCP static (custom) routes; Scaleway VPC custom routes."""
    firewall_rules: tuple[FirewallRule, ...] = ()
    """GCP VPC firewall rules."""
    acl: VpcAcl | None = None
    """Scaleway VPC ACL (between Private Networks)."""
    public_gateways: tuple[PublicGateway, ...] = ()
    """Scaleway Public Gateways of this VPC's Private Networks."""
    route_tables: tuple[RouteTable, ...] = ()
    """AWS route tables."""
    network_acls: tuple[NetworkAcl, ...] = ()
    """AWS network ACLs."""

    @property
    def all_subnets(self) -> tuple[Subnet, ...]:
        """Subnets and Private Networks together."""
        return self.subnets + self.private_networks


class Peering(NamedModel):
    """One side of a VPC peering: a GCP peering side, or a Scaleway VPC connector (`network` is
    its origin VPC, `peer_network` its target). Both are made of two sides, one per network."""

    network: Name
    """The network this side belongs to."""
    peer_network: Name
    """The other network."""
    export_custom_routes: bool = False
    """Export this network's static and dynamic routes to the peer."""
    import_custom_routes: bool = False
    """Import the peer's exported custom routes."""
    export_subnet_routes_with_public_ip: bool = True
    """Export subnet routes that use privately used public IP ranges."""
    import_subnet_routes_with_public_ip: bool = False
    """Import such subnet routes from the peer."""
