"""DNS: zones (fully qualified, forwarding targets) and DNS server policies."""

from __future__ import annotations

from .base import Validator

__all__ = ["check"]


def check(v: Validator) -> None:
    bp = v.bp
    for zone in bp.dns_zones:
        v.ref(zone, ("cloud",), zone.cloud, ("clouds",), "cloud")
        for i, name in enumerate(zone.networks):
            v.ref(zone, ("networks", i), name, ("networks",), "network")
        for i, target in enumerate(zone.forwarding_targets):
            v.ref(
                zone,
                ("forwarding_targets", i, "workload"),
                target.workload,
                ("workloads",),
                "workload",
            )
        if not zone.domain.endswith("."):
            v.report.add(
                zone,
                ("domain",),
                f"{zone.domain!r} is not fully qualified (expected a trailing dot: '{zone.domain}.')",
                "invalid-value",
            )
        if zone.kind == "forwarding" and not zone.forwarding_targets:
            v.report.add(
                zone,
                ("forwarding_targets",),
                "a forwarding zone needs targets (expected forwarding_targets:)",
                "missing",
            )
    for server_policy in bp.dns_server_policies:
        v.ref(server_policy, ("network",), server_policy.network, ("networks",), "network")
