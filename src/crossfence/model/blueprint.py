"""The blueprint: the whole estate as one immutable object, with look-ups by name."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, PrivateAttr

from ..errors import Problem
from .base import Model, UnknownValue
from .cloud import Cloud, Jurisdiction, OrgPolicy
from .controls import Backup, Bucket, Credential, DlpPath, Key, ServicePerimeter, VaultRole
from .dns import DnsServerPolicy, DnsZone
from .edge import LoadBalancer
from .intents import Intent, Suppression
from .kubernetes import Cluster
from .mesh import GlobalNamespace
from .network import FirewallPolicy, Network, Peering, SecurityGroup
from .vpn import BgpSession, Router, RoutingPolicy, VpnGateway, VpnTunnel
from .workload import Workload

__all__ = ["SECTIONS", "Blueprint"]


class Blueprint(Model):
    """A multi-cloud estate. Every section is a list of named objects; a folder of files is merged."""

    model_config = ConfigDict(**Model.model_config, title="crossfence blueprint")

    crossfence: int = Field(default=1, ge=1, le=1)
    """Blueprint format version."""
    name: str = "estate"
    """Name of the estate."""
    description: str | None = None
    """Free text."""
    personal_data_jurisdiction: Jurisdiction | None = None
    """The jurisdiction personal data must stay in (`EU`): where it is stored and processed, and
    who holds the keys that protect it elsewhere. Unset, the sovereignty checks have nothing to
    compare with and stay silent."""
    clouds: tuple[Cloud, ...] = ()
    """Clouds (accounts, projects) with their provider and jurisdiction."""
    org_policies: tuple[OrgPolicy, ...] = ()
    """Organisation policies (GCP constraints)."""
    networks: tuple[Network, ...] = ()
    """VPCs with their subnets / Private Networks, routes and filters."""
    peerings: tuple[Peering, ...] = ()
    """VPC peering sides."""
    firewall_policies: tuple[FirewallPolicy, ...] = ()
    """GCP hierarchical, global network and regional network firewall policies."""
    security_groups: tuple[SecurityGroup, ...] = ()
    """Scaleway and AWS security groups."""
    vpn_gateways: tuple[VpnGateway, ...] = ()
    """VPN gateways."""
    routers: tuple[Router, ...] = ()
    """GCP Cloud Routers."""
    routing_policies: tuple[RoutingPolicy, ...] = ()
    """Scaleway VPN routing policies."""
    vpn_tunnels: tuple[VpnTunnel, ...] = ()
    """IPsec tunnels."""
    bgp_sessions: tuple[BgpSession, ...] = ()
    """BGP sessions over the tunnels."""
    clusters: tuple[Cluster, ...] = ()
    """Kubernetes clusters."""
    workloads: tuple[Workload, ...] = ()
    """VMs, pods, databases, load balancers, external APIs."""
    global_namespaces: tuple[GlobalNamespace, ...] = ()
    """Mesh namespaces spanning clusters."""
    load_balancers: tuple[LoadBalancer, ...] = ()
    """Edge load balancers."""
    dns_zones: tuple[DnsZone, ...] = ()
    """DNS zones."""
    dns_server_policies: tuple[DnsServerPolicy, ...] = ()
    """DNS server policies (inbound forwarding)."""
    keys: tuple[Key, ...] = ()
    """Encryption keys and their custody."""
    buckets: tuple[Bucket, ...] = ()
    """Object storage buckets."""
    service_perimeters: tuple[ServicePerimeter, ...] = ()
    """VPC Service Controls perimeters."""
    dlp_paths: tuple[DlpPath, ...] = ()
    """DLP clients and how they reach the API."""
    backups: tuple[Backup, ...] = ()
    """Backup jobs."""
    credentials: tuple[Credential, ...] = ()
    """Cloud credentials kept in Vault."""
    vault_roles: tuple[VaultRole, ...] = ()
    """Vault Kubernetes-auth roles."""
    intents: tuple[Intent, ...] = ()
    """Flows expected allowed or denied."""
    suppressions: tuple[Suppression, ...] = ()
    """Accepted findings, each with a reason."""

    _origin: Path | None = PrivateAttr(default=None)
    _warnings: tuple[Problem, ...] = PrivateAttr(default=())
    _unknowns: tuple[UnknownValue, ...] = PrivateAttr(default=())

    @property
    def origin(self) -> Path | None:
        """The file or folder it was loaded from."""
        return self._origin

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """What validation found legal but suspicious, graded by severity."""
        return self._warnings

    @property
    def unknowns(self) -> tuple[UnknownValue, ...]:
        """The values the input does not know yet (a Terraform plan's `after_unknown`), each with
        the field holding its stand-in: an answer that depends on one is `unknown`."""
        return self._unknowns

    def unknowns_of(self, obj: Model) -> tuple[UnknownValue, ...]:
        """The unknown values in one object (its fields and the objects inside it)."""
        where = obj.defined_at
        if where is None or not self._unknowns:
            return ()
        size = len(where.loc)
        return tuple(u for u in self._unknowns if u.loc[:size] == where.loc)

    @cached_property
    def _index(self) -> dict[str, dict[str, Any]]:
        return {
            section: {item.name: item for item in getattr(self, section)}
            for section in SECTIONS
            if section not in ("suppressions",)
        }

    def get(self, section: str, name: str) -> Any:
        """The object called `name` in `section` (e.g. `get("workloads", "vault")`), or None."""
        return self._index.get(section, {}).get(name)

    def cloud_of(self, obj: Any) -> Cloud | None:
        """The cloud an object is in, following network / cluster references."""
        cloud_name = getattr(obj, "cloud", None)
        if cloud_name is None:
            for link, section in (("network", "networks"), ("cluster", "clusters")):
                target = getattr(obj, link, None)
                if target is not None and self.get(section, target) is not None:
                    cloud_name = self.get(section, target).cloud
                    break
        return self.get("clouds", cloud_name) if cloud_name else None

    def walk(self) -> Iterator[tuple[str, Model]]:
        """Every object of the blueprint with its document path, depth first."""
        stack: list[tuple[str, Model]] = [("", self)]
        while stack:
            path, obj = stack.pop()
            if path:
                yield path, obj
            children = [
                (f"{path}{suffix}".lstrip("."), child) for suffix, child in obj.iter_children()
            ]
            stack.extend(reversed(children))


SECTIONS: tuple[str, ...] = tuple(
    name
    for name, field in Blueprint.model_fields.items()
    if str(field.annotation).startswith("tuple")
)
"""The list-valued top-level sections, in document order."""
