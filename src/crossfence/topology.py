"""From a blueprint to the topology every question reads: the providers build the IR, the engine's control plane converges it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ir.types import Topology
    from .model import Blueprint

__all__ = ["build_topology"]


def build_topology(blueprint: Blueprint) -> Topology:
    """The IR of a blueprint with every forwarding table filled (static, BGP-learned, propagated
    and peering-exchanged routes) and its Kubernetes and mesh layers."""
    from .engine.routing import converge
    from .providers.build import to_ir

    return converge(to_ir(blueprint))
