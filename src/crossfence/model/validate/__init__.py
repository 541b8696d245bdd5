"""Semantic validation of a blueprint: references, names, address plans, BGP and provider constraints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ...errors import Problem
from ..blueprint import Blueprint
from . import clusters, controls, dns, edge, names, networks, overlaps, vpn, workloads
from .base import Report, Validator

if TYPE_CHECKING:
    from ..loader import Positions

__all__ = ["validate"]

# One module per section of the model, on the shared `base`; the order is the order problems are
# reported in. `clusters` records each cluster's pod range, which `workloads` and `overlaps` read.
RULES: tuple[Callable[[Validator], None], ...] = (
    names.check,
    networks.check,
    vpn.check,
    clusters.check,
    workloads.check,
    edge.check,
    dns.check,
    controls.check,
    overlaps.check,
)


def validate(blueprint: Blueprint, positions: Positions | None = None) -> Iterator[Problem]:
    """Every semantic problem of the blueprint: errors (it must not be used) and warnings (suspicious)."""
    report = Report(positions)
    validator = Validator(blueprint, report)
    for rule in RULES:
        rule(validator)
    yield from report.problems
