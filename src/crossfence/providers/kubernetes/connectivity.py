"""Pod-to-pod (and ipBlock) connectivity of a whole cluster's NetworkPolicies, with NumPy.

`connectivity(cluster) -> Connectivity`. Its `to_json()` (written by the faster `dumps()`, or
`write(stream)`, which streams it, one endpoint and one connection a line) is::

    {"endpoints": ["ns/pod", ..., "0.0.0.0/5", ...],
     "connections": [{"from": "ns/a", "to": "ns/b", "allowed": ["TCP/443", "UDP", "*"]}, ...]}

Endpoints are the pods (`namespace/name`, sorted) and then the address ranges outside the pods,
`0.0.0.0/0` cut at every ipBlock boundary and named by CIDR (a range that is no CIDR gives several
endpoints). A pair that is absent allows nothing; `allowed` uses `ServiceSet.format()` (`TCP` is
every TCP port, `*` everything). A pod's traffic to itself is never listed (a pod cannot block
its own loopback). Range-to-range pairs are outside the cluster and never listed. This is the
NetworkPolicy layer only; the mesh decides per request, see `explain`.

How (DESIGN "Engine: a hint"): pods that every policy treats alike (same selecting policies, same
membership in every rule's peers, same named-port numbers) form one class; the service axis is
cut at every port any rule uses, and a set of service atoms is a bit mask in 32-bit words. Each
direction is one array `[class, peer class or range, word]`: every rule ORs its port mask into
the block (selected classes x peer classes), a sparse scatter that costs what the rule selects;
non-isolated classes get every bit. allowed(s, d) = egress[s, d] & ingress[d, s].
`crossfence.providers.kubernetes.netpol` evaluates the same rules one connection at a time.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from crossfence.algebra.atoms import Atoms, distinct_rows
from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.providers.kubernetes.classes import BoolArray, PolicyArrays, fixed_services
from crossfence.providers.kubernetes.resources import Cluster

__all__ = ["Connectivity", "connectivity"]

Words = NDArray[np.uint32]
_WORD = 32


def _to_words(mask: BoolArray, words: int) -> Words:
    """Bool mask over service atoms -> little-endian bit words (atom k is bit k % 32 of word k // 32)."""
    padded = np.zeros(words * _WORD, dtype=np.bool_)
    padded[: mask.size] = mask
    return np.packbits(padded, bitorder="little").view("<u4").astype(np.uint32)


def _to_mask(words: Words, atoms: int) -> BoolArray:
    bits = np.unpackbits(np.ascontiguousarray(words, dtype="<u4").view(np.uint8), bitorder="little")
    return bits[:atoms].astype(np.bool_)


class Connectivity:
    """The allowed services between every pair of endpoints (see the module docstring)."""

    def __init__(
        self,
        pod_names: list[str],
        pod_class: NDArray[np.intp],
        range_names: list[str],
        range_atom: list[int],
        ingress: Words,
        egress: Words,
        service_atoms: Atoms[ServiceSet],
        ip_atoms: Atoms[IpSet] | None = None,
    ) -> None:
        self.endpoints = [*pod_names, *range_names]
        self._pods = len(pod_names)
        self._pod_class = pod_class
        self._classes = ingress.shape[0]
        self._range_atom = np.asarray(range_atom, dtype=np.intp)
        self._ingress = ingress  # [destination class, source class or C + range, word]
        self._egress = egress  # [source class, destination class or C + range, word]
        self._service_atoms = service_atoms
        self._position = {name: i for i, name in enumerate(self.endpoints)}
        self._formatted: dict[bytes, list[str]] = {}
        self._every = _to_words(np.ones(len(service_atoms), dtype=np.bool_), ingress.shape[2])
        self._tables: tuple[Words, Words, Words] | None = None
        self._ip_atoms = ip_atoms

    # -- pairs by index, vectorised (the layered matrix reads these) --------------------------

    def pod_positions(self, keys: list[str]) -> NDArray[np.intp]:
        """The position of each pod key (`namespace/name`) among the pods; -1 when absent."""
        return np.array([self._position.get(k, -1) for k in keys], dtype=np.intp)

    def pair_sets(
        self, kind: str, rows: NDArray[np.intp], columns: NDArray[np.int64]
    ) -> tuple[list[ServiceSet], NDArray[np.intp]]:
        """The distinct service sets of many pairs, and each pair's index into them, worked out
        once per class pair (pairs of one class pair share their words): `kind` is `between`
        (rows source pods, columns destination pods), `to` (rows source pods, columns
        addresses) or `from` (rows destination pods, columns addresses)."""
        if not rows.size:
            return [], np.zeros(0, dtype=np.intp)
        row_class = self._pod_class[rows].astype(np.int64)
        if kind == "between":
            column_class = self._pod_class[columns].astype(np.int64)
        else:
            column_class = self._columns(columns).astype(np.int64)
        width = int(column_class.max()) + 1
        codes, inverse = np.unique(row_class * width + column_class, return_inverse=True)
        cr, cc = codes // width, codes % width
        if kind == "between":
            words = self._egress[cr, cc] & self._ingress[cc, cr]
        elif kind == "to":
            words = self._egress[cr, cc]
        else:
            words = self._ingress[cr, cc]
        sets, of_code = self.sets_of(words)
        return sets, of_code[inverse.reshape(-1)]

    def pod_classes(self, positions: NDArray[np.intp]) -> NDArray[np.intp]:
        """The class of each pod position: pods of one class are treated alike by every policy."""
        out: NDArray[np.intp] = self._pod_class[positions]
        return out

    def address_cuts(self) -> NDArray[np.int64]:
        """The address boundaries of the ipBlock atoms (where the policies' answer may change)."""
        if self._ip_atoms is None:
            return np.zeros(0, dtype=np.int64)
        return self._ip_atoms.boundaries

    def between_pods(self, sources: NDArray[np.intp], destinations: NDArray[np.intp]) -> Words:
        """`[pair, word]`: what each source pod may open to each destination pod (both
        directions' policies)."""
        cs, cd = self._pod_class[sources], self._pod_class[destinations]
        both: Words = self._egress[cs, cd] & self._ingress[cd, cs]
        return both

    def ingress_between(self, destinations: NDArray[np.intp], sources: NDArray[np.intp]) -> Words:
        """`[pair, word]`: what each destination pod's ingress policies let each source pod
        open to it (the source's own egress policies aside)."""
        out: Words = self._ingress[self._pod_class[destinations], self._pod_class[sources]]
        return out

    def _columns(self, addresses: NDArray[np.int64]) -> NDArray[np.intp]:
        assert self._ip_atoms is not None
        columns: NDArray[np.intp] = self._ip_atoms.locate(addresses) + self._classes
        return columns

    def to_addresses(self, sources: NDArray[np.intp], addresses: NDArray[np.int64]) -> Words:
        """`[pair, word]`: what each source pod's egress policies let it open to an address
        that is not a pod of the cluster."""
        out: Words = self._egress[self._pod_class[sources], self._columns(addresses)]
        return out

    def from_addresses(self, destinations: NDArray[np.intp], addresses: NDArray[np.int64]) -> Words:
        """`[pair, word]`: what each destination pod's ingress policies let an address that is
        not a pod of the cluster open to it."""
        out: Words = self._ingress[self._pod_class[destinations], self._columns(addresses)]
        return out

    def sets_of(self, words: Words) -> tuple[list[ServiceSet], NDArray[np.intp]]:
        """The distinct service sets among rows of words, and each row's index into them."""
        if not len(words):
            return [], np.zeros(0, dtype=np.intp)
        unique, inverse = np.unique(words, axis=0, return_inverse=True)
        sets = [
            self._service_atoms.to_set(_to_mask(row, len(self._service_atoms))) for row in unique
        ]
        return sets, inverse.reshape(-1)

    def _class_tables(self) -> tuple[Words, Words, Words]:
        """What each class may open to each class `[class, class, word]`, to each range endpoint
        `[class, range, word]`, and what each range endpoint may open to each class
        `[range, class, word]`: made once, then a row of endpoints is one gather by class."""
        if self._tables is None:
            c, at = self._classes, self._classes + self._range_atom
            between = self._egress[:, :c] & self._ingress[:, :c].transpose(1, 0, 2)
            self._tables = (between, self._egress[:, at], self._ingress[:, at].transpose(1, 0, 2))
        return self._tables

    def _words(self, source: int, destination: int) -> Words | None:
        pods, c = self._pods, self._classes
        if source == destination or (source >= pods and destination >= pods):
            return None
        if source < pods and destination < pods:
            cs, cd = self._pod_class[source], self._pod_class[destination]
            both: Words = self._egress[cs, cd] & self._ingress[cd, cs]
            return both
        if source < pods:
            to_range: Words = self._egress[
                self._pod_class[source], c + self._range_atom[destination - pods]
            ]
            return to_range
        from_range: Words = self._ingress[
            self._pod_class[destination], c + self._range_atom[source - pods]
        ]
        return from_range

    def _format(self, words: Words) -> list[str]:
        key = words.tobytes()
        formatted = self._formatted.get(key)
        if formatted is None:
            mask = _to_mask(words, len(self._service_atoms))
            formatted = self._service_atoms.to_set(mask).format()
            self._formatted[key] = formatted
        return formatted

    def services(self, source: str, destination: str) -> ServiceSet:
        """Everything `source` may open towards `destination` (endpoint names); KeyError if unknown."""
        words = self._words(self._position[source], self._position[destination])
        if words is None:
            return ServiceSet.none()
        return self._service_atoms.to_set(_to_mask(words, len(self._service_atoms)))

    def allowed(self, source: str, destination: str) -> list[str]:
        return self.services(source, destination).format()

    def _row(self, i: int) -> Words:
        """What endpoint `i` may open towards every endpoint (itself included), as words."""
        between, to_range, from_range = self._class_tables()
        if i >= self._pods:
            from_pods: Words = from_range[i - self._pods, self._pod_class]
            return from_pods
        cs = self._pod_class[i]
        return np.concatenate((between[cs, self._pod_class], to_range[cs]))

    def _rows(self) -> Iterator[tuple[int, NDArray[np.intp], Words]]:
        """Per source endpoint: destination indices that allow something, and their words."""
        for i in range(len(self.endpoints)):
            words = self._row(i)
            allowed: BoolArray = np.asarray(words.any(axis=1))
            if i < self._pods:
                allowed[i] = False
            targets = np.flatnonzero(allowed)
            yield i, targets, words[targets]

    def connections(self) -> Iterator[tuple[str, str, list[str]]]:
        """(from, to, allowed) for every pair that allows something, in endpoint order."""
        names = self.endpoints
        for i, targets, words in self._rows():
            for j, row in zip(targets.tolist(), words, strict=True):
                yield names[i], names[j], self._format(row)

    def to_json(self) -> dict[str, object]:
        return {
            "endpoints": list(self.endpoints),
            "connections": [{"from": s, "to": d, "allowed": a} for s, d, a in self.connections()],
        }

    def dumps(self, header: Mapping[str, object] | None = None) -> str:
        """`to_json()` as JSON, `header`'s items first, one endpoint and one connection a line
        (the layout of a blueprint's matrix, `engine.matrix.Matrix.write_json`), built from
        fragments shared by a class (big clusters)."""
        return "".join(self._pieces(header))

    def write(self, stream: TextIO, header: Mapping[str, object] | None = None) -> None:
        """Write `dumps()` to `stream` piece by piece: the document is never whole in memory
        (at 1,000 pods it is 4 MB, and fresh memory costs page faults)."""
        for piece in self._pieces(header):
            stream.write(piece)

    def _pieces(self, header: Mapping[str, object] | None = None) -> Iterator[str]:
        """The text of `dumps()`, in order: the endpoints, then one piece per source endpoint.

        Pods of one class have the same row, but for the pod itself: each class's list of
        `"to": …, "allowed": …` fragments is formatted once and joined, at C speed, behind each
        of its pods' `"from"`.
        """
        quoted = [json.dumps(name) for name in self.endpoints]
        fragments: dict[bytes, str] = {}

        def fragment(row: Words) -> str:
            key = row.tobytes()
            text = fragments.get(key)
            if text is None:
                text = fragments[key] = f', "allowed": {json.dumps(self._format(row))}}}'
            return text

        allow_all = fragment(self._every)
        pods, pod_class = self._pods, self._pod_class
        # Most pairs allow everything (pods no policy isolates): they share one fragment, the
        # others are looked up one by one.
        tables = between, to_range, from_range = self._class_tables()
        some: list[BoolArray] = [np.asarray(table.any(axis=2)) for table in tables]
        partial: list[BoolArray] = [
            np.asarray((table != self._every).any(axis=2)) for table in tables
        ]
        ranges_at = np.arange(len(self._range_atom)) + pods

        def body(targets: NDArray[np.intp], words: Words, partial: BoolArray) -> list[str]:
            tails = [allow_all] * len(targets)
            for t in np.flatnonzero(partial).tolist():
                tails[t] = fragment(words[t])
            return list(map(str.__add__, map(quoted.__getitem__, targets.tolist()), tails))

        def pod_row(cs: int) -> tuple[list[int], list[str]]:
            to_pods = np.flatnonzero(some[0][cs, pod_class])
            ranges = np.flatnonzero(some[1][cs])
            classes = pod_class[to_pods]
            items = body(to_pods, between[cs, classes], partial[0][cs, classes])
            items += body(ranges_at[ranges], to_range[cs, ranges], partial[1][cs, ranges])
            return to_pods.tolist(), items

        def range_row(r: int) -> tuple[list[int], list[str]]:
            to_pods = np.flatnonzero(some[2][r, pod_class])
            classes = pod_class[to_pods]
            return to_pods.tolist(), body(to_pods, from_range[r, classes], partial[2][r, classes])

        rows: dict[tuple[bool, int], tuple[list[int], list[str]]] = {}
        head = "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in (header or {}).items())
        names = ",".join(f"\n    {name}" for name in quoted) + ("\n  " if quoted else "")
        yield f'{{\n{head}  "endpoints": [{names}],\n  "connections": ['
        separator = "\n    "
        for i in range(len(self.endpoints)):
            is_pod = i < pods
            key = (is_pod, int(pod_class[i]) if is_pod else i - pods)
            row = rows.get(key)
            if row is None:
                row = rows[key] = pod_row(key[1]) if is_pod else range_row(key[1])
            targets_of, items = row
            if is_pod:
                at = bisect_left(targets_of, i)
                if at < len(targets_of) and targets_of[at] == i:
                    items = items[:at] + items[at + 1 :]  # not to itself
            if items:
                prefix = f'{{"from": {quoted[i]}, "to": '
                yield separator + prefix + f",\n    {prefix}".join(items)
                separator = ",\n    "
        yield "]\n}\n" if separator == "\n    " else "\n  ]\n}\n"


def connectivity(cluster: Cluster) -> Connectivity:
    """The NetworkPolicy connectivity of every pod pair and pod/range pair of the cluster."""
    arrays = PolicyArrays(cluster)
    pods = cluster.pods
    n = len(pods)
    policies = cluster.network_policies
    selected = [arrays.selected(p) for p in policies]
    rules = [(i, rule) for i, p in enumerate(policies) for rule in (*p.ingress, *p.egress)]
    peer_masks = [arrays.peer_masks(policies[i], rule) for i, rule in rules]
    # Class signature: selection by each policy, membership in each rule's peers, named ports.
    columns = [*selected, *(pods_mask for pods_mask, _ in peer_masks)]
    membership = np.stack(columns, axis=1) if columns else np.zeros((n, 0), np.bool_)
    bits = np.packbits(membership, axis=1)
    named = arrays.named_numbers.view(np.uint8).reshape(n, 8 * len(arrays.named))
    signature = np.concatenate((bits, named), axis=1)
    representative = np.zeros(0, dtype=np.intp)
    pod_class = np.zeros(0, dtype=np.intp)
    if n:
        representative, pod_class = distinct_rows(signature)
    c, x, k = len(representative), len(arrays.ip_atoms), len(arrays.service_atoms)
    words = max(1, -(-k // _WORD))
    every = _to_words(np.ones(k, dtype=np.bool_), words)
    tables = {
        "ingress": np.zeros((c, c + x, words), dtype=np.uint32),
        "egress": np.zeros((c, c + x, words), dtype=np.uint32),
    }
    isolated = {"ingress": np.zeros(c, np.bool_), "egress": np.zeros(c, np.bool_)}
    class_named_numbers = arrays.named_numbers[representative]
    # Every policy's selection and every rule's peers per class, in one gather.
    by_class = membership[representative]
    selected_classes = by_class[:, : len(policies)]
    peer_classes = by_class[:, len(policies) :]
    # Rules often name the same ports: their service mask (and its words) is made once.
    port_masks: dict[tuple[tuple[str, int | str | None, int | None], ...], tuple[BoolArray, Words]]
    port_masks = {}
    for r, ((i, rule), (_, peer_ranges)) in enumerate(zip(rules, peer_masks, strict=True)):
        direction = rule.direction
        if direction.capitalize() not in policies[i].policy_types:
            continue  # e.g. egress rules of a policy whose policyTypes is [Ingress]
        table = tables[direction]
        sel = np.flatnonzero(selected_classes[:, i])
        peer_class = peer_classes[:, r]
        if not sel.size or not (peer_class.any() or peer_ranges.any()):
            continue
        ports = tuple((spec.protocol, spec.port, spec.end_port) for spec in rule.ports)
        cached = port_masks.get(ports)
        if cached is None:
            mask = (
                arrays.service_atoms.mask(fixed_services(rule.ports))
                if rule.ports
                else np.ones(k, np.bool_)
            )
            cached = port_masks[ports] = (mask, _to_words(mask, words))
        fixed, fixed_words = cached
        peer_columns = np.concatenate((np.flatnonzero(peer_class), c + np.flatnonzero(peer_ranges)))
        if not any(isinstance(spec.port, str) for spec in rule.ports):
            table[sel[:, None], peer_columns] |= fixed_words
            continue
        # Named ports resolve on the receiving pod: the selected pod for ingress, the peer for egress.
        for mask, chosen in arrays.named_masks(rule, fixed, class_named_numbers):
            bits_of = _to_words(mask, words)
            if direction == "ingress":
                rows = np.flatnonzero(selected_classes[:, i] & chosen)
                table[rows[:, None], peer_columns] |= bits_of
            else:
                cols = np.flatnonzero(peer_class & chosen)
                table[sel[:, None], cols] |= bits_of
        if direction == "egress" and peer_ranges.any():
            # Addresses have no named ports: only the numeric part applies to ranges.
            table[sel[:, None], c + np.flatnonzero(peer_ranges)] |= fixed_words
    for i, policy in enumerate(policies):
        for direction in ("ingress", "egress"):
            if direction.capitalize() in policy.policy_types:
                isolated[direction] |= selected_classes[:, i]
    for direction, table in tables.items():
        table[~isolated[direction]] = every
    range_names: list[str] = []
    range_atom: list[int] = []
    for atom in range(x):
        for cidr in arrays.ip_atoms.atom(atom).to_cidrs():
            range_names.append(str(cidr))
            range_atom.append(atom)
    return Connectivity(
        [p.key for p in pods],
        pod_class,
        range_names,
        range_atom,
        tables["ingress"],
        tables["egress"],
        arrays.service_atoms,
        arrays.ip_atoms,
    )
