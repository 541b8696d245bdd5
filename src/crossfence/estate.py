"""The estate as every question reads it: a blueprint loaded with every registered provider's words, and its converged topology."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .engine.matrix import Matrix
    from .engine.reach import Reach
    from .ir.types import Topology
    from .model import Blueprint, UnknownValue

__all__ = [
    "LAYERS",
    "build_topology",
    "connectivity",
    "load",
    "reach",
    "unknown_endpoints",
    "unknowns_in",
]

Layers = Literal["all", "network"]
LAYERS: tuple[str, ...] = ("all", "network")
"""Which layers a question looks at: `all` (the cloud network, NetworkPolicy, the mesh), or
`network` (the cloud network alone: firewalls, routes, VPN/BGP, ACLs, load balancers)."""


def load(path: str | Path | Sequence[str | Path], overlays: Sequence[str | Path] = ()) -> Blueprint:
    """Load, merge and validate an estate: a blueprint file or folder, or what `terraform show
    -json` prints for a plan or state, a raw state file, or a folder of them (recognised by
    content), several combined into one; `overlays` (blueprint files or folders) complete it.
    The model's rules and every registered provider's apply (`providers/registry.py`).

    Raises `BlueprintError` with every problem when any error is found; otherwise returns the
    immutable `Blueprint`, whose `warnings` lists what is legal but suspicious and whose
    `unknowns` the values a plan does not know yet.
    """
    from .inputs import is_terraform
    from .providers.registry import terraform_mappings, vocabulary

    paths = [path] if isinstance(path, str | Path) else list(path)
    if len(paths) == 1 and not overlays and not is_terraform(Path(paths[0])):
        from .model.loader import load as load_model

        return load_model(paths[0], vocabulary())
    from .terraform.load import load_estate

    return load_estate(paths, overlays, vocabulary(), terraform_mappings())


def build_topology(blueprint: Blueprint) -> Topology:
    """The IR of a blueprint with every forwarding table filled (static, BGP-learned, propagated
    and peering-exchanged routes) and its Kubernetes and mesh layers."""
    from .engine.routing import converge
    from .providers.build import to_ir

    return converge(to_ir(blueprint))


def reach(
    topology: Topology,
    source: str,
    destination: str,
    port: str,
    method: str | None = None,
    path: str | None = None,
    layers: Layers = "all",
) -> Reach:
    """Can `source` open a connection to `destination` on `port` (`tcp/443`, `icmp`), and why:
    through every layer (what `crossfence reach` answers), or the network layers alone."""
    if layers == "network":
        from .engine.reach import reach as network_reach

        return network_reach(topology, source, destination, port)
    from .engine.layers import layered_reach

    return layered_reach(topology, source, destination, port, method, path)


def connectivity(
    topology: Topology,
    layers: Layers = "all",
    progress: Callable[[int, int], None] | None = None,
) -> Matrix:
    """The services every endpoint may open to every other (what `crossfence matrix` answers):
    through every layer, with the services allowed only for some requests apart, or the
    network layers alone."""
    if layers == "network":
        from .engine.matrix import connectivity as network_connectivity

        return network_connectivity(topology, progress)
    from .engine.layered_matrix import layered_connectivity

    return layered_connectivity(topology, progress)


# sections whose unknown values can change answers between any two endpoints: a VPN gateway's
# address joins tunnel halves across clouds, a peering or a tunnel carries routes for all
_ESTATE_WIDE = frozenset(
    {"vpn_gateways", "vpn_tunnels", "bgp_sessions", "peerings", "routing_policies"}
)


def unknown_endpoints(
    blueprint: Blueprint, topology: Topology
) -> list[tuple[UnknownValue, frozenset[str]]]:
    """Each value the plan does not know yet, with the endpoints whose answers depend on it: an
    answer between two endpoints depends on it when either is in its set.

    A workload's or a load balancer's own value (an address to be allocated): that endpoint. A
    value of a network (a firewall rule whose ranges are known after apply, left out of the
    rule: it decides what reaches the network's endpoints and leaves them) or of an object in
    one (a router's NAT addresses): the endpoints in that network. Anything else (a VPN
    gateway's address, which joins tunnels across clouds): every endpoint. Wider than the
    answers that truly depend on it, never narrower: an answer is `unknown` rather than wrong.
    """
    everyone = frozenset(topology.endpoints)
    out: list[tuple[UnknownValue, frozenset[str]]] = []
    for unknown in blueprint.unknowns:
        section = unknown.loc[0] if unknown.loc else None
        objects = getattr(blueprint, section, None) if isinstance(section, str) else None
        index = unknown.loc[1] if len(unknown.loc) > 1 else None
        obj = (
            objects[index]
            if isinstance(objects, tuple | list)
            and isinstance(index, int)
            and 0 <= index < len(objects)
            else None
        )
        name = getattr(obj, "name", None)
        network = name if section == "networks" else getattr(obj, "network", None)
        if section in ("workloads", "load_balancers") and name in topology.endpoints:
            found = frozenset({name})
        elif section not in _ESTATE_WIDE and isinstance(network, str):
            found = frozenset(
                n for n, endpoint in topology.endpoints.items() if endpoint.network == network
            )
        else:
            found = everyone
        out.append((unknown, found))
    return out


def unknowns_in(
    blueprint: Blueprint, answer: Reach, topology: Topology | None = None
) -> tuple[UnknownValue, ...]:
    """The values a plan does not know yet (`Blueprint.unknowns`) that an answer depends on: those
    of its source and destination (an address to be allocated, whose stand-in the answer used),
    those of every object its trace cites, and, given the `topology`, those whose endpoints
    (`unknown_endpoints`) include its source or destination (a rule whose ranges were left out
    matched nothing, and is cited by no trace). Empty: the answer holds whatever apply
    allocates; otherwise its verdict is `unknown`."""
    if not blueprint.unknowns:
        return ()
    objects = [
        obj
        for name in (answer.source, answer.destination)
        for obj in (blueprint.get("workloads", name), blueprint.get("load_balancers", name))
        if obj is not None
    ]
    found = [u for obj in objects for u in blueprint.unknowns_of(obj)]
    addresses = {answer.source, answer.destination}
    found += [u for u in blueprint.unknowns if u.stand_in in addresses]
    hops = [*answer.hops, *(hop for leg in answer.legs for hop in leg.hops)]
    cited = {
        (step.source.file, step.source.resource.rsplit("/", 1)[-1])
        for hop in hops
        for step in hop.steps
        if step.source is not None and step.source.file is not None
    }
    if cited:
        for _, obj in blueprint.walk():
            where = obj.defined_at
            name = getattr(obj, "name", None)
            if where is not None and (where.file, name) in cited:
                found += blueprint.unknowns_of(obj)
    if topology is not None:
        # a value left out of its list (a rule's ranges known after apply) decides answers whose
        # trace never cites it: the rule matched nothing
        ends = {answer.source, answer.destination}
        found += [u for u, names in unknown_endpoints(blueprint, topology) if names & ends]
    seen: dict[str, UnknownValue] = {}
    for unknown in found:
        seen.setdefault(unknown.path, unknown)
    return tuple(seen.values())
