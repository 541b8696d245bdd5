"""The whole plan of a lab from a blueprint and its IR: layout, tunnels, BIRD, rulesets, servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..ir.types import Topology
from .bird import plan_birds
from .filters import build_rulesets
from .flows import server_ports
from .layout import Layout
from .plan import Plan
from .state import Names
from .wireguard import plan_tunnels

__all__ = ["make_plan"]


def make_plan(blueprint: Any, topology: Topology, lab: str, directory: Path) -> Plan:
    """Everything `up` will create, decided before anything is (pure: no system call)."""
    names = Names(lab)

    def ports(endpoint: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        found = topology.endpoints.get(endpoint)
        return server_ports(found) if found is not None else ((), ())

    layout = Layout(blueprint, topology, names, ports)
    plan = layout.build()
    plan_tunnels(blueprint, topology, plan, layout, names, directory)
    plan_birds(plan, layout, topology, directory)
    build_rulesets(plan, layout, topology)
    return plan
