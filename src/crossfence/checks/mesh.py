"""Mesh checks: mTLS in global namespaces, and global policies the network layer contradicts."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Finding, ref, register

__all__: list[str] = []

# Dispositions decided by the mesh itself: the policy, not the network, said no.
_MESH_DECISIONS = ("DENIED_MESH", "DENIED_MTLS")


@register(
    "mesh.mtls-not-strict",
    "high",
    "mTLS not STRICT in a global namespace",
    "Global policies name workloads by their mTLS identity; with PERMISSIVE or DISABLE a client "
    "may connect in plaintext, carries no identity, and the policies cannot be enforced.",
    "Set `mtls_mode: STRICT` on the global namespace.",
)
def mtls_not_strict(context: Context, check: Check) -> Iterator[Finding]:
    for gns in context.blueprint.global_namespaces:
        if gns.mtls_mode != "STRICT":
            yield check.finding(
                f"global namespace {gns.name} runs mTLS {gns.mtls_mode}: peers are not "
                "authenticated, its identity-based policies are unenforceable",
                [ref("global-namespace", gns)],
            )


def _probe_path(pattern: str) -> str:
    """A concrete path an Istio-style pattern matches (`/api/*` -> `/api/probe`)."""
    if pattern.endswith("*"):
        return pattern[:-1] + "probe"
    if pattern.startswith("*"):
        return "/probe" + pattern[1:]
    return pattern


@register(
    "mesh.policy-contradicted-by-network",
    "high",
    "A global policy allows a flow that the network layer drops",
    "The mesh says yes, a firewall, route or NetworkPolicy underneath says no: the service breaks, "
    "and whoever reads only one layer is misled about what is enforced.",
    "Open the flow on every layer on its way (for cross-cluster traffic: the east-west gateway "
    "port between the clusters), or remove the policy.",
    rank=1,
)
def contradicted(context: Context, check: Check) -> Iterator[Finding]:
    for gns in context.blueprint.global_namespaces:
        for policy in gns.policies:
            if policy.action != "allow":
                continue
            destination = context.workload(policy.destination)
            if destination is None:
                continue
            port = policy.ports[0] if policy.ports else context.probe_port(destination)
            if port is None or "/" not in port or "-" in port:
                continue
            method = policy.methods[0] if policy.methods else None
            path = _probe_path(policy.paths[0]) if policy.paths else None
            for source in policy.sources:
                flow = context.ask(source, destination.name, port, method, path)
                if flow is None or flow.allowed or flow.disposition.startswith(_MESH_DECISIONS):
                    continue
                yield check.finding(
                    f"global policy {gns.name}/{policy.name} allows {source} → {destination.name} "
                    f"{port}, but the flow is {flow.disposition}",
                    [
                        ref("global-policy", policy, f"{gns.name}/{policy.name}"),
                        *(ref("workload", w) for w in (context.workload(source),) if w),
                        ref("workload", destination),
                    ],
                    [flow],
                )
