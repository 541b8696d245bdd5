"""The blueprint model: typed, immutable, loaded from YAML with source locations."""

from __future__ import annotations

from .base import Model, NamedModel, SourceRef, parse_port_spec
from .blueprint import SECTIONS, Blueprint
from .cloud import Cloud, OrgPolicy
from .controls import (
    Backup,
    Bucket,
    Credential,
    DlpPath,
    Key,
    ServicePerimeter,
    VaultBinding,
    VaultRole,
)
from .dns import DnsServerPolicy, DnsZone, ForwardingTarget
from .edge import Backend, Iap, LbAcl, LoadBalancer, SecurityPolicy
from .intents import Intent, Suppression
from .kubernetes import Cluster, EastWestGateway, KubernetesNamespace, Mesh
from .loader import load
from .mesh import GlobalNamespace, GlobalPolicy, Member
from .network import (
    AclRule,
    FirewallPolicy,
    FirewallPolicyRule,
    FirewallRule,
    Network,
    NetworkAcl,
    NetworkAclRule,
    Peering,
    Route,
    RouteTable,
    SecondaryRange,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    VpcAcl,
)
from .schema import json_schema
from .vpn import (
    AdvertisedRange,
    BgpEnd,
    BgpSession,
    CipherSuite,
    CloudNat,
    Router,
    RoutingPolicy,
    TunnelEnd,
    VpnGateway,
    VpnInterface,
    VpnTunnel,
)
from .workload import Port, Workload

__all__ = [
    "SECTIONS",
    "AclRule",
    "AdvertisedRange",
    "Backend",
    "Backup",
    "BgpEnd",
    "BgpSession",
    "Blueprint",
    "Bucket",
    "CipherSuite",
    "Cloud",
    "CloudNat",
    "Cluster",
    "Credential",
    "DlpPath",
    "DnsServerPolicy",
    "DnsZone",
    "EastWestGateway",
    "FirewallPolicy",
    "FirewallPolicyRule",
    "FirewallRule",
    "ForwardingTarget",
    "GlobalNamespace",
    "GlobalPolicy",
    "Iap",
    "Intent",
    "Key",
    "KubernetesNamespace",
    "LbAcl",
    "LoadBalancer",
    "Member",
    "Mesh",
    "Model",
    "NamedModel",
    "Network",
    "NetworkAcl",
    "NetworkAclRule",
    "OrgPolicy",
    "Peering",
    "Port",
    "Route",
    "RouteTable",
    "Router",
    "RoutingPolicy",
    "SecondaryRange",
    "SecurityGroup",
    "SecurityGroupRule",
    "SecurityPolicy",
    "ServicePerimeter",
    "SourceRef",
    "Subnet",
    "Suppression",
    "TunnelEnd",
    "VaultBinding",
    "VaultRole",
    "VpcAcl",
    "VpnGateway",
    "VpnInterface",
    "VpnTunnel",
    "Workload",
    "json_schema",
    "load",
    "parse_port_spec",
]
