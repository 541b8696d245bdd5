"""`reach` on a folder of Kubernetes/Istio manifests: the layered explanation as a `Reach` with hops and steps."""

from __future__ import annotations

from ..ir.types import Source
from ..providers.kubernetes import Cluster, explain
from .path import Hop, Step
from .reach import Reach, parse_port

__all__ = ["manifest_reach"]


def manifest_reach(
    cluster: Cluster,
    source: str,
    destination: str,
    port: str,
    method: str | None = None,
    http_path: str | None = None,
) -> Reach:
    """Can `source` open a connection to `destination` on `port` in this cluster: each layer's
    step (egress NetworkPolicy on the source's hop, the others on the destination's), its
    source `file:line`, the verdict named after the layer that decides."""
    protocol, number = parse_port(port)
    verdict = explain(cluster, source, destination, protocol, number, method, http_path)
    hops: list[Hop] = []
    for step in verdict.steps:
        where = step.source.rsplit(":", 1) if step.source else None
        origin = (
            Source(step.layer, None, where[0], int(where[1]))
            if where and where[1].isdigit()
            else None
        )
        action = f"{step.layer.upper().replace(' ', '_')}_{step.action.upper()}"
        node = source if step.layer.startswith("egress") else destination
        if hops and hops[-1].node == node:
            hops[-1].steps.append(Step(action, step.detail, origin))
        else:
            hops.append(Hop(node, [Step(action, step.detail, origin)]))
    disposition = (
        "DELIVERED" if verdict.allowed else f"DENIED_{verdict.decided_by.upper().replace(' ', '_')}"
    )
    return Reach(
        source, destination, port.lower(), verdict.allowed, disposition, hops, [*verdict.conditions]
    )
