"""Zero-trust checks: nothing reaches personal data from the internet except through the identity-aware edge."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine.reach import reach
from ..errors import InputError
from .base import Check, Context, Finding, ref, register

__all__: list[str] = []


@register(
    "zerotrust.iap-bypass",
    "critical",
    "The backend behind IAP is reachable from the internet",
    "IAP authenticates every request at Google's edge; a backend that accepts connections from "
    "anything but Google's front ends lets any client skip it.",
    "Allow only Google's front-end ranges (130.211.0.0/22, 35.191.0.0/16 and the ranges of the "
    "load balancer in use) on the backend, and verify the IAP JWT in the application.",
)
def iap_bypass(context: Context, check: Check) -> Iterator[Finding]:
    for lb in context.blueprint.load_balancers:
        if lb.iap is None or not lb.iap.enabled:
            continue
        for backend in lb.backends:
            if backend.kind != "internet_neg":
                continue
            flow = context.ask("internet", backend.target, f"tcp/{backend.port}")
            if flow is None or not flow.allowed or flow.conditions:
                continue
            target = context.blueprint.get("load_balancers", backend.target) or context.workload(
                backend.target
            )
            yield check.finding(
                f"an internet client reaches {backend.target}:{backend.port} directly, "
                f"bypassing {lb.name} and its IAP",
                [ref("load-balancer", target), ref("load-balancer", lb)],
                [flow],
            )


@register(
    "zerotrust.internet-to-personal-data",
    "critical",
    "Personal data reachable from the internet without the zero-trust edge",
    "A store or processor of personal data that the internet reaches without an identity-aware "
    "proxy on the way trusts the network instead of the user.",
    "Put the workload behind the identity-aware edge and drop every other path from the internet.",
)
def internet_to_personal_data(context: Context, check: Check) -> Iterator[Finding]:
    for workload in context.blueprint.workloads:
        port = context.probe_port(workload)
        if workload.personal_data == "none" or port is None:
            continue
        try:
            # the network layers only: the question is whether a path skips the edge at all
            flow = reach(context.topology, "internet", workload.name, port)
        except InputError:
            continue
        if flow.allowed and not flow.conditions:
            yield check.finding(
                f"an internet client reaches {workload.name} {port} ({workload.personal_data} "
                "personal data) with no identity-aware proxy on the way",
                [ref("workload", workload)],
                [flow],
            )
