"""`matrix`: the services allowed between every pair of endpoints (and the internet)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from ..algebra.packets import ServiceSet
from ..ir.types import Endpoint, Filter, Topology
from . import path as path_module
from .fastmatrix import PackedConnections, fast_connections
from .filters import allowed_services, reply_services
from .path import Flow, follow, target_address

__all__ = ["Matrix", "connectivity", "pair_services", "reference_connectivity"]


class Matrix:
    """Allowed services per (source, destination); absent pairs allow nothing.

    The fast engine hands over its pairs packed as arrays; `connections` (a dict) is only built
    when someone asks for it, and `to_json` reads the arrays directly.
    """

    def __init__(
        self,
        endpoints: list[str],
        connections: dict[tuple[str, str], ServiceSet] | None = None,
        packed: PackedConnections | None = None,
    ) -> None:
        self.endpoints = endpoints
        self._connections = connections
        self._packed = packed

    @property
    def connections(self) -> dict[tuple[str, str], ServiceSet]:
        if self._connections is None:
            self._connections = {}
            if self._packed is not None:
                self._connections = {
                    (a, b): services for a, b, services in self._packed.items(self.endpoints)
                }
        return self._connections

    def __len__(self) -> int:
        """How many pairs allow something."""
        if self._connections is None and self._packed is not None:
            return len(self._packed)
        return sum(1 for s in self.connections.values() if not s.is_empty())

    def to_json(self) -> dict[str, Any]:
        """`{"endpoints": [...], "connections": [{"from", "to", "allowed": ["TCP/443", ...]}]}`."""
        if self._connections is None and self._packed is not None:
            # each distinct set is formatted once; pairs with the same set share its list
            allowed = [services.format() for services in self._packed.sets]
            names = self.endpoints
            rows = [
                {"from": names[a], "to": names[b], "allowed": allowed[i]}
                for a, b, i in zip(
                    self._packed.sources.tolist(),
                    self._packed.destinations.tolist(),
                    self._packed.ids.tolist(),
                    strict=True,
                )
            ]
            return {"endpoints": self.endpoints, "connections": rows}
        return {
            "endpoints": self.endpoints,
            "connections": [
                {"from": a, "to": b, "allowed": services.format()}
                for (a, b), services in self.connections.items()
                if not services.is_empty()
            ],
        }

    def write_json(
        self, stream: TextIO, chunk: int = 65536, header: Mapping[str, object] | None = None
    ) -> None:
        """Write `to_json()` as JSON, `header`'s items first (the CLI's `schema_version`), one
        endpoint and one connection a line (the layout of a manifests folder's matrix too),
        without building it: rows are formatted from per-endpoint and per-set pieces and
        written in chunks, so a matrix of millions of pairs costs a chunk of memory, not the
        whole document twice."""
        names = [json.dumps(n) for n in self.endpoints]
        stream.write("{\n")
        for key, value in (header or {}).items():
            stream.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
        stream.write('  "endpoints": [')
        stream.write(",".join(f"\n    {n}" for n in names))
        stream.write("\n  ],\n" if names else "],\n")
        rows: Iterable[tuple[int, int, int]]
        if self._connections is None and self._packed is not None:
            sets = self._packed.sets
            rows = zip(
                self._packed.sources.tolist(),
                self._packed.destinations.tolist(),
                self._packed.ids.tolist(),
                strict=True,
            )
        else:
            index = {n: i for i, n in enumerate(self.endpoints)}
            sets = []
            numbers: dict[ServiceSet, int] = {}
            listed = []
            for (a, b), services in self.connections.items():
                if services.is_empty():
                    continue
                number = numbers.setdefault(services, len(sets))
                if number == len(sets):
                    sets.append(services)
                listed.append((index[a], index[b], number))
            rows = listed
        allowed = [json.dumps(s.format()) for s in sets]
        stream.write('  "connections": [')
        buffer: list[str] = []
        first = True
        for src, dst, set_id in rows:
            buffer.append(
                f'{"" if first else ","}\n    {{"from": {names[src]}, "to": {names[dst]}, '
                f'"allowed": {allowed[set_id]}}}'
            )
            first = False
            if len(buffer) >= chunk:
                stream.write("".join(buffer))
                buffer.clear()
        stream.write("".join(buffer))
        stream.write("]\n}\n" if first else "\n  ]\n}\n")


def _as_source(endpoint: Endpoint) -> Endpoint:
    """A load balancer sends from its egress side (Google front ends; its private address)."""
    if endpoint.proxy is None:
        return endpoint
    return Endpoint(
        endpoint.name,
        endpoint.kind,
        endpoint.proxy.egress_addresses,
        endpoint.proxy.egress_network,
        endpoint.cloud,
        segment=endpoint.segment,
        source=endpoint.source,
    )


def pair_services(topology: Topology, source: Endpoint, destination: Endpoint) -> ServiceSet:
    """Every service `source` can open to `destination`: one path walk, then the filters met."""
    sender = _as_source(source)
    if sender.addresses.is_empty():
        return ServiceSet.none()
    source_address = sender.address
    if source.name == "internet":
        source_address = 0xCB007107  # 203.0.113.7, a documentation address standing for any client
    met: list[tuple[Filter, int, int, bool]] = []
    path_module.COLLECT = met
    try:
        trace = follow(
            topology, Flow(sender, source_address, target_address(sender, destination), "tcp", 1)
        )
    finally:
        path_module.COLLECT = None
    if (
        not trace.allowed
        or trace.delivered_to is None
        or trace.delivered_to.name != destination.name
    ):
        return ServiceSet.none()
    # a load balancer accepts connections on its frontend port only
    services = destination.services if destination.proxy is not None else ServiceSet.all()
    for flt, local, remote, reply in met:
        services = services & (
            reply_services(flt, local, remote) if reply else allowed_services(flt, local, remote)
        )
        if services.is_empty():
            break
    return services


def reference_connectivity(
    topology: Topology, progress: Callable[[int, int], None] | None = None
) -> Matrix:
    """The full matrix, one path walk per pair: slow, and the reference the fast one must equal."""
    names = sorted(topology.endpoints)
    matrix = Matrix(names, {})
    total = len(names) * (len(names) - 1)
    done = 0
    for a in names:
        for b in names:
            if a == b:
                continue
            services = pair_services(topology, topology.endpoints[a], topology.endpoints[b])
            if not services.is_empty():
                matrix.connections[(a, b)] = services
            done += 1
        if progress is not None:
            progress(done, total)
    return matrix


def connectivity(topology: Topology, progress: Callable[[int, int], None] | None = None) -> Matrix:
    """The full matrix between every endpoint (workloads, load balancers, the internet).

    Vectorised (`fastmatrix`): the same answer as `reference_connectivity`, pair for pair.
    """
    names = sorted(topology.endpoints)
    return Matrix(names, packed=fast_connections(topology, progress))
