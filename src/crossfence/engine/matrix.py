"""`matrix`: the services allowed between every pair of endpoints (and the internet)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from ..algebra.packets import ServiceSet
from ..ir.types import Endpoint, Filter, Topology
from . import path as path_module
from .fastmatrix import PackedConnections, fast_connections
from .filters import allowed_services, reply_services
from .path import INTERNET_CLIENT, Flow, follow, target_address

__all__ = ["Conditional", "Matrix", "connectivity", "pair_services", "reference_connectivity"]


Conditional = tuple[tuple[ServiceSet, tuple[str, ...]], ...]
"""Services allowed only for requests that carry what the conditions say."""


class Matrix:
    """Allowed services per (source, destination); absent pairs allow nothing. A pair may also
    allow services only for some requests (`conditional`: an IAP token, HTTP methods and
    paths), listed apart as `allowed_if`.

    The fast engine hands over its pairs packed as arrays; `connections` (a dict) is only built
    when someone asks for it, and `to_json` reads the arrays directly.
    """

    def __init__(
        self,
        endpoints: list[str],
        connections: dict[tuple[str, str], ServiceSet] | None = None,
        packed: PackedConnections | None = None,
        conditional: dict[tuple[str, str], Conditional] | None = None,
        layers: str = "network",
    ) -> None:
        self.endpoints = endpoints
        self._connections = connections
        self._packed = packed
        self.conditional: dict[tuple[str, str], Conditional] = conditional or {}
        self.layers = layers
        """`all` (cloud network, NetworkPolicy, mesh), `network` (the cloud network alone) or
        `kubernetes` (one cluster's NetworkPolicies, from a manifests folder)."""

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
        """How many pairs allow something (outright or for some requests)."""
        if self._connections is None and self._packed is not None and not self.conditional:
            return len(self._packed)
        return len(
            {k for k, s in self.connections.items() if not s.is_empty()} | set(self.conditional)
        )

    def verdict(self, source: str, destination: str, protocol: str, port: int | None) -> str:
        """`allowed`, `conditional` or `denied` for one service of a pair."""
        if self.connections.get((source, destination), ServiceSet.none()).contains(protocol, port):
            return "allowed"
        for services, _ in self.conditional.get((source, destination), ()):
            if services.contains(protocol, port):
                return "conditional"
        return "denied"

    def indexed_rows(self) -> tuple[list[tuple[int, int, int]], list[ServiceSet]]:
        """Every pair listed, as (source index, destination index, set number), sorted, and the
        sets the numbers name: read from the packed arrays without building `connections`."""
        rows = self._rows()
        return rows, self._row_sets

    def listed_pairs(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(source indices, destination indices) of every pair listed (allowing something,
        outright or for some requests), as arrays: what a summary counts, without a Python
        object per pair."""
        if self._connections is None and self._packed is not None:
            sources, destinations, _, _ = self._packed_rows(ordered=False)
            return sources, destinations
        rows = np.array(self._rows(), dtype=np.int64).reshape(-1, 3)
        return rows[:, 0], rows[:, 1]

    def _packed_rows(
        self, ordered: bool
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], list[ServiceSet]]:
        """The packed pairs as arrays (sources, destinations, set numbers) and the sets they
        number, with the pairs allowed for some requests only added as allowing nothing
        outright (`ordered`: sorted by pair again after adding them)."""
        assert self._packed is not None
        sets = list(self._packed.sets)
        sources = self._packed.sources.astype(np.int64)
        destinations = self._packed.destinations.astype(np.int64)
        ids = self._packed.ids.astype(np.int64)
        if self.conditional:
            index = {name: i for i, name in enumerate(self.endpoints)}
            n = max(1, len(self.endpoints))
            cs = np.array([index[a] for a, _ in self.conditional], dtype=np.int64)
            cd = np.array([index[b] for _, b in self.conditional], dtype=np.int64)
            extra = ~np.isin(cs * n + cd, sources * n + destinations)
            sets.append(ServiceSet.none())
            sources = np.concatenate((sources, cs[extra]))
            destinations = np.concatenate((destinations, cd[extra]))
            ids = np.concatenate((ids, np.full(int(extra.sum()), len(sets) - 1, dtype=np.int64)))
            if ordered:
                order = np.argsort(sources * n + destinations, kind="stable")
                sources, destinations, ids = sources[order], destinations[order], ids[order]
        return sources, destinations, ids, sets

    def rows(self) -> Iterable[tuple[str, str, list[str], list[dict[str, Any]]]]:
        """(from, to, allowed, allowed_if) of every pair listed, in order, one at a time."""
        rows, sets = self.indexed_rows()
        allowed = [s.format() for s in sets]
        names = self.endpoints
        for a, b, i in rows:
            pair = (names[a], names[b])
            yield (*pair, allowed[i], self._allowed_if(*pair) if pair in self.conditional else [])

    def _rows(self) -> list[tuple[int, int, int]]:
        """(source, destination, set number) of every pair listed, and fills `_row_sets`."""
        if self._connections is None and self._packed is not None:
            sources, destinations, ids, self._row_sets = self._packed_rows(ordered=True)
            return list(zip(sources.tolist(), destinations.tolist(), ids.tolist(), strict=True))
        index = {n: i for i, n in enumerate(self.endpoints)}
        sets: list[ServiceSet] = []
        numbers: dict[ServiceSet, int] = {}
        listed_rows = []
        pairs = {k for k, s in self.connections.items() if not s.is_empty()} | set(self.conditional)
        for a, b in sorted(pairs, key=lambda k: (index[k[0]], index[k[1]])):
            services = self.connections.get((a, b), ServiceSet.none())
            number = numbers.setdefault(services, len(sets))
            if number == len(sets):
                sets.append(services)
            listed_rows.append((index[a], index[b], number))
        self._row_sets = sets
        return listed_rows

    def _allowed_if(self, a: str, b: str) -> list[dict[str, Any]]:
        return [
            {"services": services.format(), "conditions": list(conditions)}
            for services, conditions in self.conditional.get((a, b), ())
        ]

    def to_json(self) -> dict[str, Any]:
        """`{"endpoints": [...], "connections": [{"from", "to", "allowed": ["TCP/443", ...]}]}`;
        a pair allowed for some requests only has `"allowed_if": [{"services", "conditions"}]`."""
        rows = self._rows()
        allowed = [services.format() for services in self._row_sets]
        names = self.endpoints
        out = []
        for a, b, i in rows:
            row: dict[str, Any] = {"from": names[a], "to": names[b], "allowed": allowed[i]}
            if (names[a], names[b]) in self.conditional:
                row["allowed_if"] = self._allowed_if(names[a], names[b])
            out.append(row)
        return {"endpoints": self.endpoints, "connections": out}

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
        rows: Iterable[tuple[int, int, int]] = self._rows()
        allowed = [json.dumps(s.format()) for s in self._row_sets]
        stream.write('  "connections": [')
        buffer: list[str] = []
        first = True
        # each pair allowed for some requests, keyed as a number; one text per distinct value
        # (twins share theirs)
        n = max(1, len(self.endpoints))
        index = {name: i for i, name in enumerate(self.endpoints)}
        texts: dict[int, str] = {}
        conditional: dict[int, str] = {}
        for (a, b), value in self.conditional.items():
            text = texts.get(id(value))
            if text is None:
                text = texts[id(value)] = ', "allowed_if": ' + json.dumps(self._allowed_if(a, b))
            conditional[index[a] * n + index[b]] = text
        for src, dst, set_id in rows:
            extra = conditional.get(src * n + dst, "") if conditional else ""
            buffer.append(
                f'{"" if first else ","}\n    {{"from": {names[src]}, "to": {names[dst]}, '
                f'"allowed": {allowed[set_id]}{extra}}}'
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
        source_address = INTERNET_CLIENT
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
