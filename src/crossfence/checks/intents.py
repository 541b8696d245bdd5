"""Intents: every flow the blueprint expects allowed or denied, checked through every layer (`unknown` when the answer waits on a Terraform apply)."""

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
        if verdict == intent.expect or context.unknowns_in(flow):
            continue
        yield check.finding(
            f"intent {intent.name} expects {intent.source} → {intent.destination} {intent.port} "
            f"{intent.expect}, but it is {verdict} ({flow.disposition})",
            [ref("intent", intent)],
            [flow],
        )


@register(
    "intents.unknown",
    "high",
    "An intent depends on a value known only after apply",
    "The answer to the intent's flow depends on a value the Terraform plan does not know yet (an "
    "address to be allocated, a firewall rule's ranges): with the stand-ins put in their place it "
    "may hold or not, which is a guess, not an answer. It is decided once the value is known.",
    "Apply, then check the state (`terraform show -json`); or write the value in the "
    "configuration (a reserved address, literal ranges) so the plan knows it.",
    rank=2,
)
def unknown(context: Context, check: Check) -> Iterator[Finding]:
    for intent in context.blueprint.intents:
        flow = context.ask(
            intent.source, intent.destination, intent.port, intent.method, intent.path
        )
        if flow is None:
            continue
        if not context.unknowns_in(flow):
            continue
        verdict = "allowed" if flow.allowed else "denied"
        yield check.finding(
            f"intent {intent.name} expects {intent.source} → {intent.destination} {intent.port} "
            f"{intent.expect}: unknown until apply (with the stand-ins it is {verdict}, which is "
            "not an answer)",
            [ref("intent", intent)],
            [flow],
        )
