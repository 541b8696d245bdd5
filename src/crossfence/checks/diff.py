"""`diff`: the flows that become allowed or denied, and the findings that appear or go, between two blueprints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .runner import run_checks

if TYPE_CHECKING:
    from ..model import Blueprint
    from .base import Finding

__all__ = ["BlueprintDiff", "FlowChange", "diff"]


@dataclass
class FlowChange:
    """One pair of endpoints whose allowed services changed."""

    source: str
    destination: str
    added: list[str]
    """Services allowed now and not before (`TCP/443`)."""
    removed: list[str]
    """Services allowed before and not now."""
    before: list[str]
    after: list[str]

    def to_json(self) -> dict[str, Any]:
        """`{"from", "to", "added", "removed", "before", "after"}`."""
        return {
            "from": self.source,
            "to": self.destination,
            "added": self.added,
            "removed": self.removed,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class BlueprintDiff:
    """What changed from OLD to NEW."""

    old: str
    new: str
    flows: list[FlowChange] = field(default_factory=list)
    endpoints_added: list[str] = field(default_factory=list)
    endpoints_removed: list[str] = field(default_factory=list)
    findings_added: list[Finding] = field(default_factory=list)
    findings_removed: list[Finding] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing changed."""
        return not (
            self.flows
            or self.endpoints_added
            or self.endpoints_removed
            or self.findings_added
            or self.findings_removed
        )

    def to_json(self) -> dict[str, Any]:
        """The documented shape (see `crossfence.report.diff`)."""
        return {
            "old": self.old,
            "new": self.new,
            "endpoints": {"added": self.endpoints_added, "removed": self.endpoints_removed},
            "flows": [change.to_json() for change in self.flows],
            "findings": {
                "added": [f.to_json() for f in self.findings_added],
                "removed": [f.to_json() for f in self.findings_removed],
            },
        }


def _key(finding: Finding) -> tuple[str, tuple[str, ...]]:
    return finding.check.id, tuple(sorted(f"{o.kind}/{o.name}" for o in finding.objects))


def diff(old: Blueprint, new: Blueprint) -> BlueprintDiff:
    """Compare the connectivity matrices (endpoints common to both) and the active findings."""
    from ..engine.matrix import connectivity
    from ..engine.packets import ServiceSet
    from ..ir.build import build_topology

    before = connectivity(build_topology(old))
    after = connectivity(build_topology(new))
    names_before, names_after = set(before.endpoints), set(after.endpoints)
    common = names_before & names_after
    result = BlueprintDiff(
        old.name if old.origin is None else str(old.origin),
        new.name if new.origin is None else str(new.origin),
        endpoints_added=sorted(names_after - names_before),
        endpoints_removed=sorted(names_before - names_after),
    )
    for pair in sorted(set(before.connections) | set(after.connections)):
        if not set(pair) <= common:
            continue
        was = before.connections.get(pair, ServiceSet.none())
        now = after.connections.get(pair, ServiceSet.none())
        added, removed = now - was, was - now
        if added.is_empty() and removed.is_empty():
            continue
        result.flows.append(
            FlowChange(
                pair[0], pair[1], added.format(), removed.format(), was.format(), now.format()
            )
        )
    found_before = {_key(f): f for f in run_checks(old).findings}
    found_after = {_key(f): f for f in run_checks(new).findings}
    result.findings_added = [f for k, f in found_after.items() if k not in found_before]
    result.findings_removed = [f for k, f in found_before.items() if k not in found_after]
    return result
