"""The full matrix, vectorised: endpoint classes, one path walk per class pair, filters as NumPy tables."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..algebra.atoms import Atoms
from ..algebra.packets import IpSet, ServiceSet
from ..ir.types import EPHEMERAL_PORTS, Endpoint, Filter, Topology
from . import path as path_module
from .filters import allowed_services, reply_services
from .path import INTERNET_CLIENT, PRIVATE_RANGES, Flow, follow, target_address

__all__ = ["PackedConnections", "fast_connections", "routing_cuts"]

_TRANSPORTS = ("tcp", "udp", "sctp")

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
        self.cache: dict[tuple[int, int], int] = {}

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
        key = (a, b) if a < b else (b, a)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.intern(self.sets[a] & self.sets[b])
        return found

    def combine(self, left: NDArray[np.int32], right: NDArray[np.int32]) -> NDArray[np.int32]:
        """Element-wise intersection of two id arrays."""
        out = np.where(left == 1, right, left).astype(np.int32)
        # everything else that is not trivially known: right not everything, sides different
        hard = np.flatnonzero(
            (left != 1) & (right != 1) & (left != right) & (left != 0) & (right != 0)
        )
        out[(right == 0)] = 0
        if hard.size:
            n = len(self.sets)
            code = left[hard].astype(np.int64) * n + right[hard]
            unique, inverse = np.unique(code, return_inverse=True)
            mapped = np.array([self.meet(c // n, c % n) for c in unique.tolist()], dtype=np.int32)
            out[hard] = mapped[inverse.reshape(-1)]
        return out


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
        if rule.conditions and rule.action != "allow":
            continue  # denies some requests only (as `filters.allowed_services`)
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


class _Services:
    """One cut of the service axis shared by every filter, so that a decision row over service
    atoms means the same set whichever filter made it: rows and masks are cached across filters."""

    def __init__(self, filters: Sequence[Filter], sets: _Sets) -> None:
        cuts: list[ServiceSet] = [ServiceSet.protocol(p) for p in _TRANSPORTS]
        low, high = EPHEMERAL_PORTS
        cuts += [ServiceSet.ports(p, low, high) for p in _TRANSPORTS]
        for flt in filters:
            for rule in flt.rules:
                cuts.append(rule.services)
                if rule.source_ports is not None:
                    cuts.append(rule.source_ports)
        self.atoms = Atoms(set(cuts), ServiceSet)
        self.sets = sets
        self.masks: dict[ServiceSet, NDArray[np.bool_]] = {}
        self.rows: dict[bytes, int] = {}

    def mask(self, services: ServiceSet) -> NDArray[np.bool_]:
        found = self.masks.get(services)
        if found is None:
            found = self.masks[services] = self.atoms.mask(services)
        return found

    def row_id(self, packed: NDArray[np.uint8]) -> int:
        key = packed.tobytes()
        found = self.rows.get(key)
        if found is None:
            bits = np.unpackbits(packed)[: len(self.atoms)].astype(np.bool_)
            found = self.rows[key] = self.sets.intern(self.atoms.to_set(bits))
        return found


# largest (rules x remote atoms x service atoms) bool block of one first-match evaluation
_MATCH_CELLS = 8_000_000


def _compile(flt: Filter, reply: bool, services: _Services) -> _Compiled:
    rules = _effective(flt, reply)
    local_atoms = Atoms([r[1] for r in rules], IpSet)
    remote_atoms = Atoms([r[2] for r in rules], IpSet)
    groups = [r[4] for r in rules]
    if any(b < a for a, b in itertools.pairwise(groups)):
        return _compile_exact(flt, reply, services.sets, local_atoms, remote_atoms)
    k = len(services.atoms)
    shape = (len(local_atoms), len(remote_atoms), k)
    default = flt.default == "allow"
    if not rules:
        decision = np.full(shape, default, dtype=np.bool_)
    else:
        lm = local_atoms.masks([r[1] for r in rules])
        rm = remote_atoms.masks([r[2] for r in rules])
        sm = np.stack([services.mask(r[3]) for r in rules])
        if any(r[0] == "next" for r in rules):
            decision = _paint(rules, groups, lm, rm, sm, shape, default)
        else:
            # first match wins: the first rule whose rectangle holds the cell decides; a last
            # all-covering row stands for the filter's default
            verdicts = np.array([r[0] == "allow" for r in rules] + [default], dtype=np.bool_)
            decision = np.empty(shape, dtype=np.bool_)
            for li in range(shape[0]):
                covers = rm & lm[:, li : li + 1]
                # remote atoms matched by the same rules decide alike: evaluate each pattern once
                patterns, back = np.unique(
                    np.packbits(covers, axis=0).T, axis=0, return_inverse=True
                )
                columns = np.unpackbits(patterns.T, axis=0, count=len(rules)).astype(np.bool_)
                first_match = np.empty((columns.shape[1], k), dtype=np.bool_)
                step = max(1, _MATCH_CELLS // ((len(rules) + 1) * k))
                for first in range(0, columns.shape[1], step):
                    block = columns[:, first : first + step, None] & sm[:, None, :]
                    block = np.concatenate(
                        (block, np.ones((1, *block.shape[1:]), dtype=np.bool_)), axis=0
                    )
                    first_match[first : first + step] = verdicts[block.argmax(axis=0)]
                decision[li] = first_match[back.reshape(-1)]
    rows = np.packbits(decision.reshape(shape[0] * shape[1], k), axis=1)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    ids = np.array([services.row_id(row) for row in unique], dtype=np.int32)
    table = ids[inverse.reshape(-1)].reshape(shape[0], shape[1])
    return _Compiled(
        np.asarray(local_atoms.boundaries[:-1], dtype=np.int64),
        np.asarray(remote_atoms.boundaries[:-1], dtype=np.int64),
        table,
        int(ids[0]) if len(ids) == 1 else None,
    )


def _paint(
    rules: list[tuple[str, IpSet, IpSet, ServiceSet, int]],
    groups: list[int],
    lm: NDArray[np.bool_],
    rm: NDArray[np.bool_],
    sm: NDArray[np.bool_],
    shape: tuple[int, int, int],
    default: bool,
) -> NDArray[np.bool_]:
    """First match with `next` rules: paint from the last rule to the first; a group's `next`
    rules hand their packets to what the groups after it decide."""
    decision = np.full(shape, default, dtype=np.bool_)
    after = decision
    for index in range(len(rules) - 1, -1, -1):
        action, group = rules[index][0], groups[index]
        if index == len(rules) - 1 or groups[index + 1] != group:
            after = decision.copy()
        cells = np.ix_(
            np.flatnonzero(lm[index]), np.flatnonzero(rm[index]), np.flatnonzero(sm[index])
        )
        if action == "allow":
            decision[cells] = True
        elif action == "deny":
            decision[cells] = False
        else:
            decision[cells] = after[cells]
    return decision


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


# An endpoint's own filter lists, by template kind: a class pair's walk records the slot, and
# every member pair applies its own filter there.
_LISTS: dict[str, tuple[str, str]] = {
    "se": ("src", "egress"),
    "si": ("src", "ingress"),
    "spe": ("src", "public_egress"),
    "spi": ("src", "public_ingress"),
    "di": ("dst", "ingress"),
    "de": ("dst", "egress"),
    "dpi": ("dst", "public_ingress"),
    "dpe": ("dst", "public_egress"),
}


def _shape(endpoint: Endpoint) -> tuple[object, ...]:
    """What a walk's template depends on in an endpoint's own filters: which lists it has, how
    long, and which filters in them are stateless (replies meet only those)."""
    return (
        endpoint.public_interface,
        endpoint.public_address is not None,
        tuple(
            tuple(f.stateful for f in getattr(endpoint, name))
            for name in ("egress", "ingress", "public_egress", "public_ingress")
        ),
    )


@dataclass
class _Template:
    """What the walk of one class pair met: filters in order, with their side and slot."""

    entries: tuple[tuple[str, int, str, bool], ...]
    """(kind, slot or filter number, local side `src`/`dst`, reply); kind `fx` (a fixed filter)
    or one of an endpoint's own filter lists (`_LISTS`: `se` the source's egress filter number
    `slot`, `di` the destination's ingress filter, ...)."""
    initial: int
    pairs: list[tuple[int, int]] = field(default_factory=list)


def fast_connections(topology: Topology, progress: Progress | None = None) -> PackedConnections:
    """Every non-empty (source, destination) service set, in `sorted(topology.endpoints)` order.

    The answer is the one `matrix.pair_services` gives for every pair (the differential tests
    hold it to that); only the work is shared:

    1. Routing classes. The walk of one flow (`path.follow`) depends on the source's network,
       segment, region and the tags routes use, and on where its address and the destination's
       sit among every boundary routing looks at (route prefixes, segment ranges, private ranges,
       public and API addresses). Endpoints alike in all of that form a class; the walk is done
       once per (source class, destination class) with `path.COLLECT` on and gives a template:
       the filters met in order, each with its side (which address is local) and direction. An
       endpoint's own egress or ingress filter is recorded as a slot, so every member applies
       its own filter there.
    2. Filters as tables. Each filter (and direction) is compiled once: its rules cut local
       addresses, remote addresses and services (one cut shared by all filters) into atoms; the
       first matching rule decides each (local, remote, service) cell (painted from the last rule
       when groups hand packets on with `next`), and each (local, remote) cell becomes the id of
       an interned `ServiceSet`.
    3. Composition. Candidate pairs come from the destinations' ingress tables (most deny by
       default, so candidates are close to the answer); every filter of the template is looked
       up for all candidates at once and the ids intersected; empty pairs are dropped and the
       rest stay arrays until the output asks for them.
    """
    return _Engine(topology, progress).run()


def routing_cuts(topology: Topology) -> set[int]:
    """Every address boundary a walk looks at: route prefixes, segment ranges, private ranges,
    provider API ranges and public addresses (a class of endpoints sits between two)."""
    cuts: set[int] = {0, 1 << 32}
    for network in topology.networks.values():
        for route in network.routes:
            cuts.add(int(route.destination.network_address))
            cuts.add(int(route.destination.broadcast_address) + 1)
        for segment in network.segments:
            cuts.update(segment.cidrs.bounds)
    for private in PRIVATE_RANGES:
        cuts.add(int(private.network_address))
        cuts.add(int(private.broadcast_address) + 1)
    for endpoint in topology.endpoints.values():
        if endpoint.api_of is not None or endpoint.kind == "external_api":
            cuts.update(endpoint.addresses.bounds)
        if endpoint.public_address is not None:
            cuts.update((endpoint.public_address, endpoint.public_address + 1))
    return cuts


class _Engine:
    def __init__(self, topology: Topology, progress: Progress | None) -> None:
        self.topology = topology
        self.progress = progress
        self.names = sorted(topology.endpoints)
        self.endpoints = [topology.endpoints[n] for n in self.names]
        self.sets = _Sets()
        self.codes: dict[tuple[str, int], tuple[NDArray[np.int64], list[Filter]]] = {}
        self.tgt_private = np.zeros(0, dtype=np.int64)
        self.plain_public = np.zeros(0, dtype=np.bool_)
        self.services = _Services(self.all_filters(), self.sets)
        self.compiled: dict[tuple[int, bool], _Compiled] = {}
        self.by_content: dict[tuple[object, ...], _Compiled] = {}
        self.filters: list[Filter] = []
        self.filter_number: dict[int, int] = {}
        self.reference: list[tuple[int, int]] = []
        """Pairs a class walk cannot stand for (ambiguous addresses): asked one by one."""

    def all_filters(self) -> list[Filter]:
        found: dict[int, Filter] = {}
        for e in self.endpoints:
            for flt in (*e.egress, *e.ingress, *e.public_ingress, *e.public_egress):
                found[id(flt)] = flt
            if e.proxy is not None and e.proxy.frontend_filter is not None:
                found[id(e.proxy.frontend_filter)] = e.proxy.frontend_filter
        for network in self.topology.networks.values():
            if network.between_segments is not None:
                found[id(network.between_segments)] = network.between_segments
            for segment in network.segments:
                for boundary in (segment.ingress, segment.egress):
                    if boundary is not None:
                        found[id(boundary)] = boundary
        return list(found.values())

    # -- classes ---------------------------------------------------------------------------

    def boundaries(self) -> NDArray[np.int64]:
        return np.array(sorted(routing_cuts(self.topology)), dtype=np.int64)

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
                    _shape(sender),
                    atom(address),
                    sender.routed is not None,
                    sender.masquerade,
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
        plain_public = np.array(
            [e.proxy is None and e.public_address is not None for e in endpoints],
            dtype=np.bool_,
        )
        self.plain_public = plain_public
        self.tgt_private = tgt_private
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
                _shape(e),
                atom(e.address),
                e.routed is not None,
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
        target = target_address(sender, destination)
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
            owner = sender if side == "src" else destination
            for name, (where, attribute) in _LISTS.items():
                if where != side:
                    continue
                slot = next((k for k, f in enumerate(getattr(owner, attribute)) if f is flt), -1)
                if slot >= 0:
                    kind = name
                    break
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
            # equal small filters built apart (Scaleway builds one per instance) compile once
            content = (flt.default, flt.rules, reply) if len(flt.rules) <= 32 else (id(flt), reply)
            found = self.by_content.get(content)
            if found is None:
                found = self.by_content[content] = _compile(flt, reply, self.services)
            self.compiled[key] = found
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
        """Every member pair of the template's class pairs: candidates first, then each filter."""
        if not sources.size or not dests.size:
            return
        tgt_private, tgt_public, proxy_public, dst_net_none, src_net_none = targets
        s, d = self.candidates(template, sources, dests, src_addr, proxy_public)
        keep = mask[src_class_of[s], dst_class_of[d]] & (s != d)
        s, d = s[keep], d[keep]
        if not s.size:
            return
        # as `path.target_address`: a public address from the internet, a load balancer's
        # public frontend from anywhere outside its network
        use_public = (proxy_public[d] & (src_net_none[s] | dst_net_none[d])) | (
            self.plain_public[d] & src_net_none[s]
        )
        tgt = np.where(use_public, tgt_public[d], tgt_private[d])
        src = src_addr[s]
        result = np.full(s.size, template.initial, dtype=np.int32)
        for kind, slot, side, reply in template.entries:
            live = np.flatnonzero(result)
            if not live.size:
                break
            local, remote = (src, tgt) if side == "src" else (tgt, src)
            values = self.entry(
                kind, slot, reply, s[live], d[live], local[live], remote[live], senders
            )
            if values is not None:
                result[live] = self.sets.combine(result[live], values)
        found = np.flatnonzero(result)
        out[0].append(s[found])
        out[1].append(d[found])
        out[2].append(result[found])

    def candidates(
        self,
        template: _Template,
        sources: NDArray[np.int64],
        dests: NDArray[np.int64],
        src_addr: NDArray[np.int64],
        proxy_public: NDArray[np.bool_],
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The pairs worth evaluating: those the destination's ingress filter lets something
        through for (most ingress filters deny by default, so this is close to the answer),
        or every pair when the template meets no such filter."""
        slot = next(
            (slot for kind, slot, _, reply in template.entries if kind == "di" and not reply), None
        )
        if slot is None:
            return _cartesian(sources, dests)
        parts_s: list[NDArray[np.int64]] = []
        parts_d: list[NDArray[np.int64]] = []
        by_filter: dict[int, tuple[Filter, list[int]]] = {}
        for d in dests.tolist():
            flt = self.endpoints[d].ingress[slot]
            by_filter.setdefault(id(flt), (flt, []))[1].append(d)
        source_addresses = src_addr[sources]
        for flt, members in by_filter.values():
            columns = np.array(members, dtype=np.int64)
            public = proxy_public[columns] | self.plain_public[columns]
            if public.any():
                # the target address depends on the source: keep every pair
                ps, pd = _cartesian(sources, columns[public])
                parts_s.append(ps)
                parts_d.append(pd)
                columns = columns[~public]
                if not columns.size:
                    continue
            compiled = self.table(flt, False)
            if compiled.constant == 0:
                continue
            local_atom = (
                np.searchsorted(compiled.local, self.tgt_private[columns], side="right") - 1
            )
            remote_atom = np.searchsorted(compiled.remote, source_addresses, side="right") - 1
            for atom in np.unique(local_atom).tolist():
                picked = sources[compiled.table[atom][remote_atom] != 0]
                if picked.size:
                    ps, pd = _cartesian(picked, columns[local_atom == atom])
                    parts_s.append(ps)
                    parts_d.append(pd)
        if not parts_s:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(parts_s), np.concatenate(parts_d)

    def entry(
        self,
        kind: str,
        slot: int,
        reply: bool,
        s: NDArray[np.int64],
        d: NDArray[np.int64],
        local: NDArray[np.int64],
        remote: NDArray[np.int64],
        senders: list[Endpoint],
    ) -> NDArray[np.int32] | None:
        """The ids one template entry gives each pair; None when it allows everything."""
        if kind == "fx":
            compiled = self.table(self.filters[slot], reply)
            if compiled.constant == 1:
                return None
            return compiled.lookup(local, remote)
        owners = s if _LISTS[kind][0] == "src" else d
        codes, filters = self.slot_codes(kind, slot, senders)
        compiled_all = [self.table(f, reply) for f in filters]
        pair_codes = codes[owners]
        present = np.unique(pair_codes)
        if all(compiled_all[c].constant == 1 for c in present.tolist()):
            return None
        values = np.ones(s.size, dtype=np.int32)
        if present.size == 1:
            groups = [(int(present[0]), np.arange(s.size))]
        else:
            order = np.argsort(pair_codes, kind="stable")
            cuts = np.flatnonzero(np.diff(pair_codes[order])) + 1
            groups = [(int(pair_codes[g[0]]), g) for g in np.split(order, cuts)]
        for code, picked in groups:
            compiled = compiled_all[code]
            if compiled.constant is not None:
                values[picked] = compiled.constant
            else:
                values[picked] = compiled.lookup(local[picked], remote[picked])
        return values

    def slot_codes(
        self, kind: str, slot: int, senders: list[Endpoint]
    ) -> tuple[NDArray[np.int64], list[Filter]]:
        """Per endpoint, the number of its filter in one slot (its egress or ingress filter `slot`)."""
        key = (kind, slot)
        found = self.codes.get(key)
        if found is None:
            numbers: dict[int, int] = {}
            filters: list[Filter] = []
            codes = np.zeros(len(self.endpoints), dtype=np.int64)
            for i, e in enumerate(self.endpoints):
                side, attribute = _LISTS[kind]
                own = getattr(senders[i] if side == "src" else e, attribute)
                if slot < len(own):
                    flt = own[slot]
                    code = numbers.get(id(flt))
                    if code is None:
                        code = numbers[id(flt)] = len(filters)
                        filters.append(flt)
                    codes[i] = code
            found = self.codes[key] = (codes, filters)
        return found


def _cartesian(
    sources: NDArray[np.int64], dests: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    return np.repeat(sources, dests.size), np.tile(dests, sources.size)
