"""The estate as every question reads it: a blueprint loaded with every registered provider's words, and its converged topology."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ir.types import Topology
    from .model import Blueprint

__all__ = ["build_topology", "load"]


def load(path: str | Path) -> Blueprint:
    """Load, merge and validate a blueprint file or folder: the model's rules and every
    registered provider's (`providers/registry.py`).

    Raises `BlueprintError` with every problem when any error is found; otherwise returns the
    immutable `Blueprint`, whose `warnings` lists what is legal but suspicious.
    """
    from .model.loader import load as load_model
    from .providers.registry import vocabulary

    return load_model(path, vocabulary())


def build_topology(blueprint: Blueprint) -> Topology:
    """The IR of a blueprint with every forwarding table filled (static, BGP-learned, propagated
    and peering-exchanged routes) and its Kubernetes and mesh layers."""
    from .engine.routing import converge
    from .providers.build import to_ir

    return converge(to_ir(blueprint))
