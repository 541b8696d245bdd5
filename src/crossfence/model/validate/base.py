"""What every validation rule shares: the problem report, the name index, references, did-you-mean."""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from ...errors import Problem, Severity
from ..base import Model
from ..blueprint import Blueprint
from ..network import Network, Subnet

if TYPE_CHECKING:
    from ..loader import Positions
    from ..vocabulary import Vocabulary

__all__ = [
    "RESERVED_ENDPOINTS",
    "IPNetwork",
    "Report",
    "Validator",
    "did_you_mean",
    "names_of",
    "within",
]

IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
RESERVED_ENDPOINTS = ("internet",)


class Report:
    """Collects problems, locating each at the field it is about."""

    def __init__(self, positions: Positions | None) -> None:
        self.positions = positions
        self.problems: list[Problem] = []

    def add(
        self,
        obj: Model,
        field: tuple[str | int, ...],
        message: str,
        code: str,
        severity: Severity = "error",
    ) -> None:
        where = obj.defined_at
        loc = (*where.loc, *field) if where else field
        file, line, column = (where.file, where.line, where.column) if where else (None, None, None)
        if self.positions is not None and where is not None:
            found = self.positions.find(loc)
            if found:
                file, line, column = found
        from ..loader import format_path

        self.problems.append(
            Problem(
                message,
                file=file,
                line=line,
                column=column,
                path=format_path(loc),
                severity=severity,
                code=code,
            )
        )


def did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def within(inner: IPNetwork, outer: IPNetwork) -> bool:
    return (
        inner.version == outer.version
        and int(outer.network_address) <= int(inner.network_address)
        and int(inner.broadcast_address) <= int(outer.broadcast_address)
    )


def names_of(items: Iterable[Any]) -> list[str]:
    return [item.name for item in items]


class Validator:
    """The blueprint with its objects indexed by name, and the report the rules add to."""

    def __init__(self, blueprint: Blueprint, report: Report, vocabulary: Vocabulary) -> None:
        self.bp = blueprint
        self.report = report
        self.vocabulary = vocabulary
        self.index: dict[str, dict[str, Any]] = {
            section: {item.name: item for item in getattr(blueprint, section)}
            for section in (
                "clouds",
                "networks",
                "vpn_gateways",
                "peerings",
                "routers",
                "routing_policies",
                "vpn_tunnels",
                "clusters",
                "workloads",
                "load_balancers",
                "security_groups",
                "buckets",
                "keys",
                "credentials",
                "service_perimeters",
            )
        }
        self.endpoints = {**self.index["workloads"], **self.index["load_balancers"]}
        # filled by the clusters' rules: the pod range of each cluster, read by later rules
        self.pod_ranges: dict[str, IPNetwork] = {}

    def ref(
        self,
        obj: Model,
        field: tuple[str | int, ...],
        name: str | None,
        kinds: tuple[str, ...],
        what: str,
    ) -> Any:
        """Resolve a reference; report it when it names nothing."""
        if name is None:
            return None
        for kind in kinds:
            target = self.index[kind].get(name)
            if target is not None:
                return target
        options = [n for kind in kinds for n in self.index[kind]]
        self.report.add(
            obj,
            field,
            f"unknown {what} '{name}' (expected one of: {', '.join(sorted(options)) or 'none defined'}"
            f"{did_you_mean(name, options)})",
            "unknown-reference",
        )
        return None

    def subnet_of(
        self, obj: Model, field: tuple[str | int, ...], network: Network | None, name: str | None
    ) -> Subnet | None:
        if network is None or name is None:
            return None
        for subnet in network.all_subnets:
            if subnet.name == name:
                return subnet
        options = names_of(network.all_subnets)
        self.report.add(
            obj,
            field,
            f"unknown subnet '{name}' in network '{network.name}' "
            f"(expected one of: {', '.join(options) or 'none defined'}{did_you_mean(name, options)})",
            "unknown-reference",
        )
        return None

    def duplicates(self, items: Iterable[Any], what: str, scope: str = "") -> None:
        seen: dict[str, Any] = {}
        for item in items:
            name = item.name
            if name in seen:
                first = seen[name].defined_at
                self.report.add(
                    item,
                    ("name",),
                    f"duplicate {what} name '{name}'{scope} (expected unique names; first defined at "
                    f"{first if first else 'another place'})",
                    "duplicate-name",
                )
            else:
                seen[name] = item

    def provider(self, cloud_name: str | None) -> str | None:
        cloud = self.index["clouds"].get(cloud_name) if cloud_name else None
        return cloud.provider if cloud else None
