"""Run the registered checks on a blueprint (fold consequences into their cause, apply suppressions),
or the checks of Kubernetes/Istio objects on a folder of manifests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .base import (
    REGISTRY,
    SEVERITIES,
    Check,
    Context,
    Finding,
    ManifestContext,
    OwnManifests,
    severity_at_least,
)

if TYPE_CHECKING:
    from ..ir.types import Topology
    from ..model import Blueprint
    from ..providers.kubernetes.resources import Cluster as KubeCluster

__all__ = ["Report", "run_checks", "run_manifest_checks"]


@dataclass
class Report:
    """The outcome of `check`: the checks that ran, the active findings and the suppressed ones."""

    blueprint: str
    origin: str | None
    checks: list[Check]
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unused_suppressions: list[Any] = field(default_factory=list)
    """Suppressions that matched no finding of a check that ran: stale, or a typo in `objects`;
    left in place they would silently hide a future finding."""

    def counts(self) -> dict[str, int]:
        """Active findings per severity, most severe first."""
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def failing(self, threshold: str) -> list[Finding]:
        """Active findings at or above `threshold`."""
        return [f for f in self.findings if severity_at_least(f.severity, threshold)]

    def to_json(self) -> dict[str, Any]:
        """The documented shape (see `crossfence.report.findings`)."""
        return {
            "blueprint": self.blueprint,
            "path": self.origin,
            "summary": {
                "checks": len(self.checks),
                **self.counts(),
                "suppressed": len(self.suppressed),
            },
            "checks": [c.to_json() for c in self.checks],
            "skipped": self.skipped,
            "findings": [f.to_json() for f in self.findings],
            "suppressed": [f.to_json() for f in self.suppressed],
            "unused_suppressions": [_suppression_json(s) for s in self.unused_suppressions],
        }


def _suppression_json(suppression: Any) -> dict[str, Any]:
    where = suppression.defined_at
    return {
        "check": suppression.check,
        "objects": list(suppression.objects),
        "reason": suppression.reason,
        "file": where.file if where is not None else None,
        "line": where.line if where is not None else None,
    }


def _pairs(context: Context, finding: Finding) -> set[tuple[str, str]]:
    pairs = {context.flow_pair(flow) for flow in finding.flows}
    for folded in finding.explains:
        pairs |= _pairs(context, folded)
    return pairs


def _fold(context: Context, findings: list[Finding]) -> list[Finding]:
    """One mistake, one finding: covered findings and consequences join the finding that explains them."""
    # 1. a finding that covers another check's findings on the same first object absorbs them
    kept: list[Finding] = []
    for finding in findings:
        owner = next(
            (
                other
                for other in findings
                if other is not finding
                and finding.check.id in other.covers
                and other.primary == finding.primary
            ),
            None,
        )
        if owner is None:
            kept.append(finding)
        else:
            owner.explains.append(finding)
    # 2. a consequence (a higher rank) whose flows a lower-ranked finding already shows joins it
    for rank in sorted({f.check.rank for f in kept if f.check.rank > 0}):
        for finding in [f for f in kept if f.check.rank == rank]:
            mine = _pairs(context, finding)
            if not mine:
                continue
            owner = next(
                (
                    other
                    for other in kept
                    if other.check.rank < rank
                    and (
                        mine <= _pairs(context, other)
                        or all(set(pair) & other.scope for pair in mine)
                    )
                ),
                None,
            )
            if owner is not None:
                owner.explains.append(finding)
                kept.remove(finding)
    return kept


def _suppression(blueprint: Blueprint, finding: Finding) -> Any:
    names = {o.name for o in finding.objects}
    for suppression in blueprint.suppressions:
        if suppression.check == finding.check.id and (
            not suppression.objects or names & set(suppression.objects)
        ):
            return suppression
    return None


def _check_suppressions(blueprint: Blueprint) -> None:
    """A suppression must name a check that exists: a typo would silently suppress nothing."""
    import difflib

    from ..errors import BlueprintError, Problem

    problems = []
    for index, suppression in enumerate(blueprint.suppressions):
        if suppression.check in REGISTRY:
            continue
        close = difflib.get_close_matches(suppression.check, list(REGISTRY), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        where = suppression.defined_at
        problems.append(
            Problem(
                f"unknown check {suppression.check!r} (expected a check id of docs/checks.md{hint})",
                where.file if where else None,
                where.line if where else None,
                where.column if where else None,
                f"suppressions[{index}].check",
                code="unknown-reference",
            )
        )
    if problems:
        raise BlueprintError(problems, summary=problems[0].message)


def run_checks(
    blueprint: Blueprint, topology: Topology | None = None, skip: Iterable[str] = ()
) -> Report:
    """Every registered check (but `skip`: ids or families) on the blueprint, folded and suppressed.

    Raises `BlueprintError` when a suppression names a check that does not exist.
    """
    if topology is None:
        from ..estate import build_topology

        topology = build_topology(blueprint)
    _check_suppressions(blueprint)
    skipped = set(skip)
    checks = [c for c in REGISTRY.values() if c.id not in skipped and c.family not in skipped]
    context = Context(blueprint, topology)
    findings = [finding for check in checks for finding in check.function(context, check)]
    for finding in findings:
        finding.unknowns = context.unknowns_of(finding)
    report = Report(
        blueprint.name,
        str(blueprint.origin) if blueprint.origin is not None else None,
        checks,
        skipped=sorted(skipped),
    )
    for finding in _fold(context, findings):
        # a finding that explains others depends on what they depend on
        for folded in finding.explains:
            known = {u.path for u in finding.unknowns}
            finding.unknowns += tuple(u for u in folded.unknowns if u.path not in known)
        finding.suppression = _suppression(blueprint, finding)
        (report.suppressed if finding.suppression else report.findings).append(finding)
    report.findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    ran = {c.id for c in checks}
    used = {id(f.suppression) for f in report.suppressed}
    report.unused_suppressions = [
        s for s in blueprint.suppressions if s.check in ran and id(s) not in used
    ]
    return report


def run_manifest_checks(
    cluster: KubeCluster, name: str, origin: str | None = None, skip: Iterable[str] = ()
) -> Report:
    """The checks that read Kubernetes/Istio objects only (but `skip`) on one folder of manifests.

    The report names the folder where a blueprint report names the blueprint; a folder of
    manifests has no intents and no suppressions, and one finding never explains another.
    """
    skipped = set(skip)
    checks = [
        c
        for c in REGISTRY.values()
        if c.on_manifests is not None and c.id not in skipped and c.family not in skipped
    ]
    context = ManifestContext([OwnManifests(cluster)])
    report = Report(name, origin, checks, skipped=sorted(skipped))
    for check in checks:
        assert check.on_manifests is not None
        report.findings.extend(check.on_manifests(context, check))
    report.findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    return report
