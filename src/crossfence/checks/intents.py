"""Intents: every flow the blueprint expects allowed or denied, checked through every layer."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Finding, ref, register

__all__: list[str] = []


@register(
    "intents.not-met",
    "high",
    "An intent does not hold",
    "Intents are what the architecture depends on; one that does not hold is either a broken "
    "service or an open door.",
    "Read the trace: it names the layer and rule that decide; change that rule or the intent.",
    rank=2,
)
def not_met(context: Context, check: Check) -> Iterator[Finding]:
    for intent in context.blueprint.intents:
        flow = context.ask(
            intent.source, intent.destination, intent.port, intent.method, intent.path
        )
        if flow is None:
            yield check.finding(
                f"intent {intent.name} cannot be asked: {intent.source} → {intent.destination} "
                f"{intent.port} names no endpoint of the blueprint",
                [ref("intent", intent)],
            )
            continue
        verdict = "allowed" if flow.allowed else "denied"
        if verdict == intent.expect:
            continue
        yield check.finding(
            f"intent {intent.name} expects {intent.source} → {intent.destination} {intent.port} "
            f"{intent.expect}, but it is {verdict} ({flow.disposition})",
            [ref("intent", intent)],
            [flow],
        )
