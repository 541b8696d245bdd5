"""The full matrix, vectorised: endpoint classes, one path walk per class pair, filters as NumPy tables.

The answer is the one `matrix.pair_services` gives for every pair (the differential tests hold it
to that); only the work is shared:

1. **Routing classes.** The walk of one flow (`path.follow`) depends on the source's network,
   segment, region, the tags routes use, and on where its address and the destination's address
   sit among every boundary that routing looks at (route prefixes, segment ranges, private ranges,
   public and API addresses). Endpoints alike in all of that form a class; the walk is done once
   per (source class, destination class) with `path.COLLECT` on, and gives a *template*: the
   filters met in order, each with its side (which address is local) and direction (reply or not).
   A filter that belongs to the endpoint (its own egress or ingress filters) is recorded as a slot,
   so every member applies its own filter there.
2. **Filters as tables.** Each filter (and direction) is compiled once: its rules cut the local
   addresses, the remote addresses and the services into atoms; the first-match decision is a
   bool array over (local atom, remote atom, service atom) painted from the last rule to the first
   (groups with `next` painted from the result of the groups after them); each (local, remote)
   cell becomes the id of an interned `ServiceSet`.
3. **Composition.** For each template, the ids of every (source, destination) member pair are
   looked up with NumPy and intersected through a table of id pairs; empty pairs are dropped and
   the rest kept as arrays until the output asks for them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..ir.types import EPHEMERAL_PORTS, Endpoint, Filter, Topology
from . import path as path_module
from .atoms import Atoms
from .filters import allowed_services, reply_services
from .packets import IpSet, ServiceSet
from .path import PRIVATE_RANGES, Flow, follow

__all__ = ["PackedConnections", "fast_connections"]

# documentation address standing for any client of the internet (as in `matrix.pair_services`)
INTERNET_CLIENT = 0xCB007107
_TRANSPORTS = ("tcp", "udp", "sctp")
# cells per evaluation chunk: bounds the (sources x destinations) scratch arrays
_CHUNK_CELLS = 2_000_000
# largest id table kept dense for intersections (ids x ids int32)
_DENSE_IDS = 4096

Progress = Callable[[int, int], None]


@dataclass
class PackedConnections:
    """Non-empty pairs as arrays: endpoint indices (sorted by source, then destination) and set ids."""

    sources: NDArray[np.int64]
    destinations: NDArray[np.int64]
    ids: NDArray[np.int32]
    sets: list[ServiceSet]

    def __len__(self) -> int:
        return int(self.ids.size)

    def items(self, names: Sequence[str]) -> Iterator[tuple[str, str, ServiceSet]]:
        sets = self.sets
        for a, b, i in zip(
            self.sources.tolist(), self.destinations.tolist(), self.ids.tolist(), strict=True
        ):
            yield names[a], names[b], sets[i]


class _Sets:
    """Interned service sets: id 0 is nothing, id 1 everything; intersections cached by id pair."""

    def __init__(self) -> None:
        self.sets: list[ServiceSet] = [ServiceSet.none(), ServiceSet.all()]
        self.ids: dict[ServiceSet, int] = {self.sets[0]: 0, self.sets[1]: 1}
        self.lut = np.full((64, 64), -1, dtype=np.int32)
        self.formatted: list[list[str]] | None = None

    def intern(self, services: ServiceSet) -> int:
        found = self.ids.get(services)
        if found is None:
            found = len(self.sets)
            self.sets.append(services)
            self.ids[services] = found
        return found

    def meet(self, a: int, b: int) -> int:
        if a == b or b == 1:
            return a
        if a == 1:
            return b
        if a == 0 or b == 0:
            return 0
        if a < self.lut.shape[0] and b < self.lut.shape[0]:
            known = int(self.lut[a, b])
            if known >= 0:
                return known
        out = self.intern(self.sets[a] & self.sets[b])
        if a < self.lut.shape[0] and b < self.lut.shape[0]:
            self.lut[a, b] = out
        return out

    def combine(self, left: NDArray[np.int32], right: NDArray[np.int32]) -> NDArray[np.int32]:
        """Element-wise intersection of two id arrays."""
        n = len(self.sets)
        if n <= _DENSE_IDS:
            if self.lut.shape[0] < n:
                size = min(_DENSE_IDS, max(n, 2 * self.lut.shape[0]))
                grown = np.full((size, size), -1, dtype=np.int32)
                grown[: self.lut.shape[0], : self.lut.shape[0]] = self.lut
                self.lut = grown
            size = self.lut.shape[0]
            code = left.astype(np.int64) * size + right
            flat = self.lut.reshape(-1)
            out = flat[code]
            missing = out < 0
            if missing.any():
                for c in np.unique(code[missing]).tolist():
                    self.lut[c // size, c % size] = self.meet(c // size, c % size)
                out = self.lut.reshape(-1)[code]
            result: NDArray[np.int32] = out.astype(np.int32, copy=False)
            return result
        code = left.astype(np.int64) * n + right
        unique, inverse = np.unique(code, return_inverse=True)
        mapped = np.array([self.meet(c // n, c % n) for c in unique.tolist()], dtype=np.int32)
        return mapped[inverse].reshape(left.shape)


@dataclass
class _Compiled:
    """A filter in one direction: ids of the allowed services per (local atom, remote atom)."""

    local: NDArray[np.int64]
    remote: NDArray[np.int64]
    table: NDArray[np.int32]
    constant: int | None
    """The id every cell holds, when they all hold the same."""

    def lookup(self, local: NDArray[np.int64], remote: NDArray[np.int64]) -> NDArray[np.int32]:
        """Ids for broadcastable arrays of local and remote addresses."""
        li = np.searchsorted(self.local, local, side="right") - 1
        ri = np.searchsorted(self.remote, remote, side="right") - 1
        out: NDArray[np.int32] = np.asarray(self.table[li, ri], dtype=np.int32)
        return out


def _effective(flt: Filter, reply: bool) -> list[tuple[str, IpSet, IpSet, ServiceSet, int]]:
    """(action, local, remote, services matched, group) per rule, as `filters` evaluates them."""
    low, high = EPHEMERAL_PORTS
    transports = ServiceSet.union_all(ServiceSet.protocol(p) for p in _TRANSPORTS)
    out = []
    for rule in flt.rules:
        if reply:
            # reply_services: the reply leaves the service port for an ephemeral client port
            ported = ServiceSet.union_all(
                ServiceSet.protocol(p)
                for p in _TRANSPORTS
                if ServiceSet.ports(p, low, high).issubset(rule.services)
            )
            if rule.source_ports is not None:
                ported = ported & rule.source_ports
            services = ported | (rule.services - transports)
            # reply_services has no groups: a `next` rule takes its packets and allows none
            action, group = ("allow" if rule.action == "allow" else "deny"), 0
        else:
            services = rule.services
            if rule.source_ports is not None:
                services = services & ServiceSet.union_all(
                    ServiceSet.protocol(p)
                    for p in _TRANSPORTS
                    if ServiceSet.ports(p, low, high).issubset(rule.source_ports)
                )
            action, group = rule.action, rule.group
        if not services.is_empty() and not rule.remote.is_empty() and not rule.local.is_empty():
            out.append((action, rule.local, rule.remote, services, group))
    return out


def _compile(flt: Filter, reply: bool, sets: _Sets) -> _Compiled:
    rules = _effective(flt, reply)
    local_atoms = Atoms([r[1] for r in rules], IpSet)
    remote_atoms = Atoms([r[2] for r in rules], IpSet)
    service_atoms = Atoms([r[3] for r in rules], ServiceSet)
    groups = [r[4] for r in rules]
    if any(b < a for a, b in itertools.pairwise(groups)):
        return _compile_exact(flt, reply, sets, local_atoms, remote_atoms)
    shape = (len(local_atoms), len(remote_atoms), len(service_atoms))
    decision = np.full(shape, flt.default == "allow", dtype=np.bool_)
    if rules:
        lm = local_atoms.masks([r[1] for r in rules])
        rm = remote_atoms.masks([r[2] for r in rules])
        sm = service_atoms.masks([r[3] for r in rules])
        # first match wins: paint from the last rule to the first; a group's `next` rules
        # hand their packets to what the groups after it decide
        after = decision
        for index in range(len(rules) - 1, -1, -1):
            action, _, _, _, group = rules[index]
            if index == len(rules) - 1 or groups[index + 1] != group:
                after = decision.copy() if any(r[0] == "next" for r in rules) else decision
            cells = np.ix_(
                np.flatnonzero(lm[index]), np.flatnonzero(rm[index]), np.flatnonzero(sm[index])
            )
            if action == "allow":
                decision[cells] = True
            elif action == "deny":
                decision[cells] = False
            else:
                decision[cells] = after[cells]
    rows = decision.reshape(shape[0] * shape[1], shape[2])
    packed = np.packbits(rows, axis=1)
    unique, inverse = np.unique(packed, axis=0, return_inverse=True)
    ids = np.empty(len(unique), dtype=np.int32)
    for k in range(len(unique)):
        bits = np.unpackbits(unique[k])[: shape[2]].astype(np.bool_)
        ids[k] = sets.intern(service_atoms.to_set(bits))
    table = ids[inverse.reshape(-1)].reshape(shape[0], shape[1])
    return _Compiled(
        np.asarray(local_atoms.boundaries[:-1], dtype=np.int64),
        np.asarray(remote_atoms.boundaries[:-1], dtype=np.int64),
        table,
        int(ids[0]) if len(ids) == 1 else None,
    )


def _compile_exact(
    flt: Filter, reply: bool, sets: _Sets, local_atoms: Atoms[IpSet], remote_atoms: Atoms[IpSet]
) -> _Compiled:
    """Groups out of order (never built today): ask `filters` once per atom cell."""
    table = np.empty((len(local_atoms), len(remote_atoms)), dtype=np.int32)
    evaluate = reply_services if reply else allowed_services
    for i, local in enumerate(local_atoms.starts.tolist()):
        for j, remote in enumerate(remote_atoms.starts.tolist()):
            table[i, j] = sets.intern(evaluate(flt, local, remote))
    values = np.unique(table)
    return _Compiled(
        np.asarray(local_atoms.boundaries[:-1], dtype=np.int64),
        np.asarray(remote_atoms.boundaries[:-1], dtype=np.int64),
        table,
        int(values[0]) if values.size == 1 else None,
    )


def _as_source(endpoint: Endpoint) -> Endpoint:
    """A load balancer sends from its egress side (as in `matrix._as_source`)."""
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


class _Owners:
    """Which endpoint `path`'s walker finds at an address of a network: the first one holding it."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.small: dict[tuple[str, int], int] = {}
        self.big: list[tuple[int, str, int, int]] = []
        for order, endpoint in enumerate(endpoints):
            if endpoint.network is None or endpoint.kind == "external_api":
                continue
            for start, stop in endpoint.addresses:
                if stop - start > 4096:
                    self.big.append((order, endpoint.network, start, stop))
                    continue
                for address in range(start, stop):
                    self.small.setdefault((endpoint.network, address), order)

    def owner(self, network: str, address: int) -> int | None:
        best = self.small.get((network, address))
        for order, net, start, stop in self.big:
            if net == network and start <= address < stop and (best is None or order < best):
                best = order
        return best


@dataclass
class _Template:
    """What the walk of one class pair met: filters in order, with their side and slot."""

    entries: tuple[tuple[str, int, str, bool], ...]
    """(kind, slot or filter number, local side `src`/`dst`, reply); kind `se` (the source's
    egress filter number `slot`), `di` (the destination's ingress filter), `fx` (a fixed filter)."""
    initial: int
    pairs: list[tuple[int, int]] = field(default_factory=list)


def fast_connections(topology: Topology, progress: Progress | None = None) -> PackedConnections:
    """Every non-empty (source, destination) service set, in `sorted(topology.endpoints)` order."""
    return _Engine(topology, progress).run()


class _Engine:
    def __init__(self, topology: Topology, progress: Progress | None) -> None:
        self.topology = topology
        self.progress = progress
        self.names = sorted(topology.endpoints)
        self.endpoints = [topology.endpoints[n] for n in self.names]
        self.sets = _Sets()
        self.compiled: dict[tuple[int, bool], _Compiled] = {}
        self.filters: list[Filter] = []
        self.filter_number: dict[int, int] = {}
        self.reference: list[tuple[int, int]] = []
        """Pairs a class walk cannot stand for (ambiguous addresses): asked one by one."""

    # -- classes ---------------------------------------------------------------------------

    def boundaries(self) -> NDArray[np.int64]:
        cuts: set[int] = {0, 1 << 32}
        for network in self.topology.networks.values():
            for route in network.routes:
                cuts.add(int(route.destination.network_address))
                cuts.add(int(route.destination.broadcast_address) + 1)
            for segment in network.segments:
                cuts.update(segment.cidrs.bounds)
        for private in PRIVATE_RANGES:
            cuts.add(int(private.network_address))
            cuts.add(int(private.broadcast_address) + 1)
        for endpoint in self.endpoints:
            if endpoint.api_of is not None or endpoint.kind == "external_api":
                cuts.update(endpoint.addresses.bounds)
            if endpoint.public_address is not None:
                cuts.update((endpoint.public_address, endpoint.public_address + 1))
        return np.array(sorted(cuts), dtype=np.int64)

    def run(self) -> PackedConnections:
        endpoints = self.endpoints
        n = len(endpoints)
        cuts = self.boundaries()
        route_tags = {
            t for net in self.topology.networks.values() for r in net.routes for t in r.tags
        }
        owners = _Owners(list(self.topology.endpoints.values()))
        order = {name: i for i, name in enumerate(self.topology.endpoints)}

        def atom(address: int) -> int:
            return int(np.searchsorted(cuts, address, side="right"))

        senders = [_as_source(e) for e in endpoints]
        src_addr = np.zeros(n, dtype=np.int64)
        can_send = np.zeros(n, dtype=np.bool_)
        src_keys: dict[tuple[object, ...], list[int]] = {}
        for i, (e, sender) in enumerate(zip(endpoints, senders, strict=True)):
            if sender.addresses.is_empty():
                continue
            can_send[i] = True
            address = INTERNET_CLIENT if e.name == "internet" else sender.address
            src_addr[i] = address
            if e.proxy is not None or sender.network is None:
                key: tuple[object, ...] = ("solo", e.name)
            else:
                key = (
                    "plain",
                    sender.network,
                    sender.segment,
                    sender.region,
                    tuple(sorted(route_tags & set(sender.tags))),
                    len(sender.egress),
                    atom(address),
                )
            src_keys.setdefault(key, []).append(i)
        tgt_private = np.array(
            [e.address if not e.addresses.is_empty() else 0 for e in endpoints], dtype=np.int64
        )
        tgt_public = np.array(
            [e.public_address if e.public_address is not None else 0 for e in endpoints],
            dtype=np.int64,
        )
        proxy_public = np.array(
            [e.proxy is not None and e.public_address is not None for e in endpoints],
            dtype=np.bool_,
        )
        dst_net_none = np.array([e.network is None for e in endpoints], dtype=np.bool_)
        src_net_none = np.array([s.network is None for s in senders], dtype=np.bool_)
        dst_keys: dict[tuple[object, ...], list[int]] = {}
        keep: set[int] = set()  # endpoints the walks need to see
        for i, e in enumerate(endpoints):
            if e.addresses.is_empty():
                continue
            plain = not (
                e.proxy is not None
                or e.network is None
                or e.kind == "external_api"
                or e.api_of is not None
                or e.public_address is not None
            )
            if not plain:
                dst_keys.setdefault(("solo", e.name), []).append(i)
                keep.add(i)
                continue
            assert e.network is not None
            if owners.owner(e.network, e.address) != order[e.name]:
                continue  # another endpoint answers at its address: nothing reaches it
            key = (
                "plain",
                e.network,
                e.segment,
                e.region,
                tuple(sorted(route_tags & set(e.tags))),
                len(e.ingress),
                atom(e.address),
            )
            dst_keys.setdefault(key, []).append(i)
        # the walks run on a topology holding the endpoints they may meet, in the same order,
        # so that the walker's linear look-ups stay short and give the same answers
        src_classes = list(src_keys.values())
        dst_classes = list(dst_keys.values())
        for members in dst_classes:
            keep.update(members[:2])
        ordered = list(self.topology.endpoints)
        kept = {endpoints[i].name for i in keep}
        for i in keep:
            for address in (int(tgt_private[i]), int(tgt_public[i])):
                for network in self.topology.networks:
                    found = owners.owner(network, address)
                    if found is not None:
                        kept.add(ordered[found])
        small = type(self.topology)(
            networks=self.topology.networks,
            endpoints={k: v for k, v in self.topology.endpoints.items() if k in kept},
            tunnels=self.topology.tunnels,
            gateways=self.topology.gateways,
        )

        templates: dict[tuple[object, ...], _Template] = {}
        total = len(src_classes) * len(dst_classes)
        done = 0
        for si, src_members in enumerate(src_classes):
            for di, dst_members in enumerate(dst_classes):
                done += 1
                pair = self.representative(src_members, dst_members)
                if pair is None:
                    continue
                s0, d0 = pair
                walked = self.walk(small, senders[s0], endpoints[d0], int(src_addr[s0]))
                if walked is None:
                    continue
                if isinstance(walked, str):
                    self.reference.extend(
                        (s, d) for s in src_members for d in dst_members if s != d
                    )
                    continue
                entries, initial = walked
                known = templates.get((entries, initial))
                if known is None:
                    known = templates[(entries, initial)] = _Template(entries, initial)
                known.pairs.append((si, di))
            if self.progress is not None:
                self.progress(done, total * 2)

        src_class_of = np.full(n, -1, dtype=np.int64)
        for k, members in enumerate(src_classes):
            src_class_of[members] = k
        dst_class_of = np.full(n, -1, dtype=np.int64)
        for k, members in enumerate(dst_classes):
            dst_class_of[members] = k

        out_s: list[NDArray[np.int64]] = []
        out_d: list[NDArray[np.int64]] = []
        out_i: list[NDArray[np.int32]] = []
        for number, template in enumerate(templates.values()):
            mask = np.zeros((len(src_classes), len(dst_classes)), dtype=np.bool_)
            rows_, cols_ = zip(*template.pairs, strict=True)
            mask[list(rows_), list(cols_)] = True
            sources = np.flatnonzero(np.isin(src_class_of, np.unique(rows_)) & can_send)
            dests = np.flatnonzero(np.isin(dst_class_of, np.unique(cols_)))
            self.evaluate(
                template,
                mask,
                sources,
                dests,
                src_class_of,
                dst_class_of,
                src_addr,
                (tgt_private, tgt_public, proxy_public, dst_net_none, src_net_none),
                senders,
                (out_s, out_d, out_i),
            )
            if self.progress is not None:
                self.progress(total + (number + 1) * total // max(1, len(templates)), total * 2)
        if self.reference:
            from .matrix import pair_services

            for s, d in self.reference:
                services = pair_services(self.topology, endpoints[s], endpoints[d])
                if not services.is_empty():
                    out_s.append(np.array([s], dtype=np.int64))
                    out_d.append(np.array([d], dtype=np.int64))
                    out_i.append(np.array([self.sets.intern(services)], dtype=np.int32))
        if out_s:
            s_all = np.concatenate(out_s)
            d_all = np.concatenate(out_d)
            i_all = np.concatenate(out_i)
        else:
            s_all = np.zeros(0, dtype=np.int64)
            d_all = np.zeros(0, dtype=np.int64)
            i_all = np.zeros(0, dtype=np.int32)
        ordering = np.argsort(s_all * max(1, n) + d_all, kind="stable")
        return PackedConnections(s_all[ordering], d_all[ordering], i_all[ordering], self.sets.sets)

    def representative(self, sources: list[int], dests: list[int]) -> tuple[int, int] | None:
        for s in sources[:2]:
            for d in dests[:2]:
                if s != d:
                    return s, d
        return None

    def number(self, flt: Filter) -> int:
        found = self.filter_number.get(id(flt))
        if found is None:
            found = self.filter_number[id(flt)] = len(self.filters)
            self.filters.append(flt)
        return found

    def walk(
        self,
        topology: Topology,
        sender: Endpoint,
        destination: Endpoint,
        source_address: int,
    ) -> tuple[tuple[tuple[str, int, str, bool], ...], int] | str | None:
        """The template of one class pair (None: nothing gets through; "reference": ask per pair)."""
        target = (
            destination.public_address
            if destination.proxy is not None
            and destination.public_address is not None
            and (sender.network is None or destination.network is None)
            else destination.address
        )
        assert target is not None
        met: list[tuple[Filter, int, int, bool]] = []
        path_module.COLLECT = met
        try:
            trace = follow(topology, Flow(sender, source_address, target, "tcp", 1))
        finally:
            path_module.COLLECT = None
        if (
            not trace.allowed
            or trace.delivered_to is None
            or trace.delivered_to.name != destination.name
        ):
            return None
        if met and source_address == target:
            return "reference"
        entries = []
        for flt, local, remote, reply in met:
            side = "src" if (local, remote) == (source_address, target) else "dst"
            if side == "dst" and (local, remote) != (target, source_address):
                return "reference"
            kind, slot = "fx", -1
            if not reply and side == "src":
                slot = next((k for k, f in enumerate(sender.egress) if f is flt), -1)
                kind = "se" if slot >= 0 else "fx"
            elif not reply and side == "dst":
                slot = next((k for k, f in enumerate(destination.ingress) if f is flt), -1)
                kind = "di" if slot >= 0 else "fx"
            if kind == "fx":
                slot = self.number(flt)
            entries.append((kind, slot, side, reply))
        initial = self.sets.intern(destination.services) if destination.proxy is not None else 1
        return tuple(entries), initial

    def table(self, flt: Filter, reply: bool) -> _Compiled:
        key = (id(flt), reply)
        found = self.compiled.get(key)
        if found is None:
            self.number(flt)  # keeps the filter alive while its id is a key
            found = self.compiled[key] = _compile(flt, reply, self.sets)
        return found

    def evaluate(
        self,
        template: _Template,
        mask: NDArray[np.bool_],
        sources: NDArray[np.int64],
        dests: NDArray[np.int64],
        src_class_of: NDArray[np.int64],
        dst_class_of: NDArray[np.int64],
        src_addr: NDArray[np.int64],
        targets: tuple[
            NDArray[np.int64],
            NDArray[np.int64],
            NDArray[np.bool_],
            NDArray[np.bool_],
            NDArray[np.bool_],
        ],
        senders: list[Endpoint],
        out: tuple[list[NDArray[np.int64]], list[NDArray[np.int64]], list[NDArray[np.int32]]],
    ) -> None:
        if not sources.size or not dests.size:
            return
        tgt_private, tgt_public, proxy_public, dst_net_none, src_net_none = targets
        endpoints = self.endpoints
        # per-destination filter groups for `di` slots
        groups: dict[int, list[tuple[Filter, NDArray[np.int64]]]] = {}
        for kind, slot, _, _ in template.entries:
            if kind == "di" and slot not in groups:
                by_filter: dict[int, tuple[Filter, list[int]]] = {}
                for column, d in enumerate(dests.tolist()):
                    flt = endpoints[d].ingress[slot]
                    by_filter.setdefault(id(flt), (flt, []))[1].append(column)
                groups[slot] = [(f, np.array(c, dtype=np.int64)) for f, c in by_filter.values()]
        public_cols = proxy_public[dests]
        rows_per_chunk = max(1, _CHUNK_CELLS // dests.size)
        for first in range(0, sources.size, rows_per_chunk):
            rows = sources[first : first + rows_per_chunk]
            shape = (rows.size, dests.size)
            src = src_addr[rows][:, None]
            if public_cols.any():
                use_public = public_cols[None, :] & (
                    src_net_none[rows][:, None] | dst_net_none[dests][None, :]
                )
                tgt = np.where(use_public, tgt_public[dests][None, :], tgt_private[dests][None, :])
            else:
                tgt = tgt_private[dests][None, :]
            keep = mask[src_class_of[rows][:, None], dst_class_of[dests][None, :]]
            keep &= rows[:, None] != dests[None, :]
            if not keep.any():
                continue
            if template.initial == 1:
                result: NDArray[np.int32] | None = None
            else:
                result = np.full(shape, template.initial, dtype=np.int32)
            for kind, slot, side, reply in template.entries:
                values = self.entry(
                    kind, slot, side, reply, rows, dests, src, tgt, shape, senders, groups
                )
                if values is None:
                    continue
                result = values if result is None else self.sets.combine(result, values)
            if result is None:
                result = np.ones(shape, dtype=np.int32)
            result = np.where(keep, result, 0).astype(np.int32)
            r, c = np.nonzero(result)
            if r.size:
                out[0].append(rows[r])
                out[1].append(dests[c])
                out[2].append(result[r, c])

    def entry(
        self,
        kind: str,
        slot: int,
        side: str,
        reply: bool,
        rows: NDArray[np.int64],
        dests: NDArray[np.int64],
        src: NDArray[np.int64],
        tgt: NDArray[np.int64],
        shape: tuple[int, int],
        senders: list[Endpoint],
        groups: dict[int, list[tuple[Filter, NDArray[np.int64]]]],
    ) -> NDArray[np.int32] | None:
        """The ids of one template entry over a chunk; None when it allows everything."""
        local, remote = (src, tgt) if side == "src" else (tgt, src)
        if kind == "fx":
            compiled = self.table(self.filters[slot], reply)
            if compiled.constant == 1:
                return None
            return np.broadcast_to(compiled.lookup(local, remote), shape).astype(np.int32)
        if kind == "se":
            by_filter: dict[int, tuple[Filter, list[int]]] = {}
            for row, s in enumerate(rows.tolist()):
                flt = senders[s].egress[slot]
                by_filter.setdefault(id(flt), (flt, []))[1].append(row)
            parts = [(f, np.array(r, dtype=np.int64)) for f, r in by_filter.values()]
            compiled_parts = [(self.table(f, reply), r) for f, r in parts]
            if all(c.constant == 1 for c, _ in compiled_parts):
                return None
            values = np.empty(shape, dtype=np.int32)
            for compiled, picked in compiled_parts:
                if compiled.constant is not None:
                    values[picked] = compiled.constant
                    continue
                lo = local[picked] if local.shape[0] > 1 else local
                re = remote[picked] if remote.shape[0] > 1 else remote
                values[picked] = np.broadcast_to(compiled.lookup(lo, re), (picked.size, shape[1]))
            return values
        compiled_cols = [(self.table(f, reply), c) for f, c in groups[slot]]
        if all(c.constant == 1 for c, _ in compiled_cols):
            return None
        values = np.empty(shape, dtype=np.int32)
        for compiled, cols in compiled_cols:
            if compiled.constant is not None:
                values[:, cols] = compiled.constant
                continue
            lo = local[:, cols] if local.shape[1] > 1 else local
            re = remote[:, cols] if remote.shape[1] > 1 else remote
            values[:, cols] = np.broadcast_to(compiled.lookup(lo, re), (shape[0], cols.size))
        return values
