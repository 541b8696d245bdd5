"""Zero-trust checks: nothing reaches personal data from the internet except through the identity-aware edge."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from ..algebra.packets import ServiceSet
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
            target = context.blueprint.get("load_balancers", backend.target) or context.workload(
                backend.target
            )
            flows = []
            for client in _clients(target):
                flow = context.ask(client, backend.target, f"tcp/{backend.port}")
                if flow is not None and flow.allowed and not flow.conditions:
                    flows.append(flow)
            if not flows:
                continue
            who = ", ".join(
                "an internet client" if f.source == "internet" else f.source for f in flows
            )
            verb = "reaches" if len(flows) == 1 else "reach"
            yield check.finding(
                f"{who} {verb} {backend.target}:{backend.port} directly, "
                f"bypassing {lb.name} and its IAP",
                [ref("load-balancer", target), ref("load-balancer", lb)],
                flows,
            )


GOOGLE_FRONT_ENDS = tuple(
    ipaddress.ip_network(r)
    for r in ("130.211.0.0/22", "35.191.0.0/16", "34.96.0.0/20", "34.127.192.0/18")
)
"""Where Google's external Application Load Balancer connects from: its front ends and health
checks (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges) and, for
internet NEGs, https://cloud.google.com/load-balancing/docs/negs/internet-neg-concepts."""

_SAMPLE_CLIENT = ipaddress.ip_address("203.0.113.7")
"""The address `internet` stands for in reach (a documentation address, RFC 5737)."""


def _clients(target: Any) -> list[str]:
    """Who to probe the backend from: any internet client, and one address of each range its ACL
    allows outside Google's front ends (a range that excludes the sample client would hide it)."""
    clients = ["internet"]
    for acl in getattr(target, "acls", ()):
        if acl.action != "allow":
            continue
        for text in acl.ip_ranges:
            network = ipaddress.ip_network(text)
            if _SAMPLE_CLIENT in network or any(
                network.subnet_of(google)  # type: ignore[arg-type]
                for google in GOOGLE_FRONT_ENDS
                if google.version == network.version
            ):
                continue
            address = next(iter(network.hosts()), network.network_address)
            clients.append(str(address))
    return clients


@register(
    "zerotrust.internet-to-personal-data",
    "critical",
    "Personal data reachable from the internet without the zero-trust edge",
    "A store or processor of personal data that the internet reaches without an identity-aware "
    "proxy on the way trusts the network instead of the user.",
    "Put the workload behind the identity-aware edge and drop every other path from the internet.",
)
def internet_to_personal_data(context: Context, check: Check) -> Iterator[Finding]:
    from ..engine.matrix import pair_services

    internet = context.topology.endpoints.get("internet")
    for workload in context.blueprint.workloads:
        if workload.personal_data == "none":
            continue
        endpoint = context.topology.endpoints.get(workload.name)
        # any service the internet opens straight to it (its external or flexible IP) ...
        exposed = (
            pair_services(context.topology, internet, endpoint)
            if internet is not None and endpoint is not None
            else None
        )
        port = context.probe_port(workload)
        if (
            exposed is not None
            and not exposed.is_empty()
            and not (port is not None and _opens(exposed, port))
        ):
            protocol, number = exposed.sample()
            port = f"{protocol}/{number}".lower() if number is not None else protocol.lower()
        if port is None:
            continue
        try:
            # ... or through load balancers; the network layers only: the question is whether a
            # path skips the edge at all
            flow = reach(context.topology, "internet", workload.name, port)
        except InputError:
            continue
        if flow.allowed and not flow.conditions:
            services = (
                f" (the internet opens {', '.join(exposed.format())})"
                if exposed is not None and not exposed.is_empty()
                else ""
            )
            yield check.finding(
                f"an internet client reaches {workload.name} {port} ({workload.personal_data} "
                f"personal data) with no identity-aware proxy on the way{services}",
                [ref("workload", workload)],
                [flow],
            )


def _opens(services: ServiceSet, port: str) -> bool:
    protocol, _, number = port.partition("/")
    return services.contains(protocol, int(number) if number else None)


def _behind(context: Context, name: str) -> list[str]:
    """The workloads a load balancer finally sends to, through every load balancer behind it."""
    seen: list[str] = []
    queue = [name]
    while queue:
        current = queue.pop(0)
        lb = context.blueprint.get("load_balancers", current)
        if lb is None:
            if current not in seen and context.workload(current) is not None:
                seen.append(current)
            continue
        queue += [b.target for b in lb.backends if b.target != current]
    return seen


@register(
    "zerotrust.iap-token-not-verified",
    "high",
    "A backend behind IAP does not verify the IAP token",
    "IAP signs every request it lets through (`x-goog-iap-jwt-assertion`); a backend that does "
    "not verify that JWT and its audience trusts whoever reaches it, so one network mistake (an "
    "open ACL, a new path) removes the zero-trust edge altogether.",
    "Verify the ES256 JWT on every request: issuer https://cloud.google.com/iap and the backend "
    "service's audience (`iap_audience` on the workload).",
)
def iap_token_not_verified(context: Context, check: Check) -> Iterator[Finding]:
    for lb in context.blueprint.load_balancers:
        if lb.iap is None or not lb.iap.enabled:
            continue
        for name in _behind(context, lb.name):
            workload = context.workload(name)
            if workload is None or workload.iap_audience == lb.iap.audience:
                continue
            what = (
                "does not verify the IAP JWT"
                if workload.iap_audience is None
                else f"verifies the IAP JWT for audience {workload.iap_audience}, not {lb.iap.audience}"
            )
            yield check.finding(
                f"{name}, behind {lb.name} (IAP), {what}",
                [ref("workload", workload), ref("load-balancer", lb)],
            )
