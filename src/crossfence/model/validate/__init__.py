"""Semantic validation of a blueprint: references, names, address plans, BGP and provider constraints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ...errors import Problem
from ..blueprint import Blueprint
from . import clusters, controls, dns, edge, names, networks, overlaps, vpn, workloads
from .base import Report, Validator

if TYPE_CHECKING:
    from ..vocabulary import Vocabulary

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


def validate(
    blueprint: Blueprint, vocabulary: Vocabulary, positions: Positions | None = None
) -> Iterator[Problem]:
    """Every semantic problem of the blueprint: errors (it must not be used) and warnings
    (suspicious); the model's rules, then each provider's own."""
    report = Report(positions)
    validator = Validator(blueprint, report, vocabulary)
    for rule in RULES:
        rule(validator)
    for provider in vocabulary.providers:
        for provider_rule in provider.rules:
            provider_rule(validator)
    yield from report.problems
