"""Edge and mesh: the global namespaces' members and policies, the load balancers' backends."""

from __future__ import annotations

from ...algebra.ports import parse_port_spec
from .base import Validator

__all__ = ["check"]


def check(v: Validator) -> None:
    bp = v.bp
    for gns in bp.global_namespaces:
        for i, member in enumerate(gns.members):
            v.ref(gns, ("members", i, "cluster"), member.cluster, ("clusters",), "cluster")
        v.duplicates(gns.policies, "policy", f" in global namespace '{gns.name}'")
        for i, policy in enumerate(gns.policies):
            for j, spec in enumerate(policy.ports):
                protocol, _, _ = parse_port_spec(spec)
                if protocol not in ("tcp", "all"):
                    v.report.add(
                        gns,
                        ("policies", i, "ports", j),
                        f"{spec!r}: the mesh's sidecars carry TCP only, so a global policy "
                        "names TCP ports (expected tcp/PORT or tcp/LOW-HIGH)",
                        "invalid-value",
                    )
            for j, source in enumerate(policy.sources):
                v.ref(gns, ("policies", i, "sources", j), source, ("workloads",), "workload")
            v.ref(
                gns,
                ("policies", i, "destination"),
                policy.destination,
                ("workloads",),
                "workload",
            )
    for lb in bp.load_balancers:
        v.ref(lb, ("cloud",), lb.cloud, ("clouds",), "cloud")
        network = v.ref(lb, ("network",), lb.network, ("networks",), "network")
        v.subnet_of(lb, ("private_network",), network, lb.private_network)
        for i, backend in enumerate(lb.backends):
            v.ref(
                lb,
                ("backends", i, "target"),
                backend.target,
                ("workloads", "load_balancers"),
                "backend",
            )
