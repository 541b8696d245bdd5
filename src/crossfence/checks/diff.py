"""`diff`: the flows that become allowed or denied, and the findings that appear or go, between two
blueprints, or between two folders of Kubernetes/Istio manifests."""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .runner import run_manifest_checks

if TYPE_CHECKING:
    from ..algebra.packets import IpSet, ServiceSet
    from ..engine.matrix import Matrix
    from ..model import Blueprint, UnknownValue
    from ..providers.kubernetes import Connectivity
    from ..providers.kubernetes.resources import Cluster as KubeCluster
    from .base import Finding

__all__ = ["BlueprintDiff", "FlowChange", "compare", "diff", "diff_manifests", "label"]


@dataclass
class FlowChange:
    """One pair of endpoints whose allowed services changed."""

    source: str
    destination: str
    added: list[str]
    """Services allowed now and not before (`TCP/443`)."""
    removed: list[str]
    """Services allowed before and not now."""
    before: list[str]
    after: list[str]
    added_if: list[dict[str, Any]] = field(default_factory=list)
    """Services allowed now for some requests and not before: `{"services", "conditions"}`."""
    removed_if: list[dict[str, Any]] = field(default_factory=list)
    """Services allowed before for some requests and not now."""
    unknowns: list[str] = field(default_factory=list)
    """Terraform input: the addresses of the values known only after apply that either side's
    answer for the pair depends on. Non-empty: the change is `unknown` (`added`, `removed` and
    their conditional forms are empty; `before` and `after` are with the stand-ins)."""

    def to_json(self) -> dict[str, Any]:
        """`{"from", "to", "added", "removed", "before", "after", "added_if", "removed_if"}`,
        and `unknowns` when the change is unknown."""
        out = {
            "from": self.source,
            "to": self.destination,
            "added": self.added,
            "removed": self.removed,
            "before": self.before,
            "after": self.after,
            "added_if": self.added_if,
            "removed_if": self.removed_if,
        }
        if self.unknowns:
            out["unknowns"] = self.unknowns
        return out


@dataclass
class BlueprintDiff:
    """What changed from OLD to NEW."""

    old: str
    new: str
    flows: list[FlowChange] = field(default_factory=list)
    endpoints_added: list[str] = field(default_factory=list)
    endpoints_removed: list[str] = field(default_factory=list)
    findings_added: list[Finding] = field(default_factory=list)
    findings_removed: list[Finding] = field(default_factory=list)
    old_warnings: list[Any] = field(default_factory=list)
    """The old estate's warnings, when it was read by `diff_estates` (to print them)."""
    findings_unknown: list[Finding] = field(default_factory=list)
    """Findings of OLD that NEW does not have with its stand-ins, but which depend on a value NEW
    knows only after apply: not resolved, unknown."""
    unknowns: list[tuple[str, UnknownValue, list[str]]] = field(default_factory=list)
    """Terraform input: each value either side knows only after apply (`old` or `new`, the value,
    the endpoints whose answers depend on it). Every pair with one of those endpoints is unknown
    on that side, listed in `flows` or not."""

    @property
    def opens(self) -> bool:
        """Something is allowed now that was not (outright or for some requests), or NEW depends
        on a value known only after apply: what it allows is not known, so "nothing opens" would
        be a guess."""
        return any(change.added or change.added_if for change in self.flows) or any(
            side == "new" and ends for side, _, ends in self.unknowns
        )

    @property
    def empty(self) -> bool:
        """Nothing changed."""
        return not (
            self.flows
            or self.unknowns
            or self.findings_unknown
            or self.endpoints_added
            or self.endpoints_removed
            or self.findings_added
            or self.findings_removed
        )

    def to_json(self) -> dict[str, Any]:
        """The documented shape (see `crossfence.report.diff`)."""
        from .base import unknown_json

        out: dict[str, Any] = {
            "old": self.old,
            "new": self.new,
            "endpoints": {"added": self.endpoints_added, "removed": self.endpoints_removed},
            "flows": [change.to_json() for change in self.flows],
            "findings": {
                "added": [f.to_json() for f in self.findings_added],
                "removed": [f.to_json() for f in self.findings_removed],
            },
        }
        if self.findings_unknown:
            out["findings"]["unknown"] = [f.to_json() for f in self.findings_unknown]
        if self.unknowns:
            out["unknowns"] = [
                {**unknown_json(u), "side": side, "endpoints": ends}
                for side, u, ends in self.unknowns
            ]
        return out


def _key(finding: Finding) -> tuple[str, tuple[str, ...]]:
    return finding.check.id, tuple(sorted(f"{o.kind}/{o.name}" for o in finding.objects))


def diff(old: Blueprint, new: Blueprint, layers: str = "all") -> BlueprintDiff:
    """Compare the connectivity matrices (through every layer, or the network layers alone) and
    the active findings. A pair with an endpoint only one version has is a flow of its own: all
    of its services added (a new endpoint) or removed (one that went)."""
    from .sides import both

    mode: Literal["all", "network"] = "network" if layers == "network" else "all"
    before, after = both(old, new, mode)
    return compare(label(old), label(new), before, after)


def label(blueprint: Blueprint) -> str:
    """What a diff calls an estate: where it was read from, else its name."""
    return blueprint.name if blueprint.origin is None else str(blueprint.origin)


Analysed = (
    tuple["Matrix", list["Finding"]]
    | tuple["Matrix", list["Finding"], list[tuple["UnknownValue", frozenset[str]]]]
)


def compare(old: str, new: str, before_side: Analysed, after_side: Analysed) -> BlueprintDiff:
    """The differences of two analysed estates (each: its matrix, its active findings, and the
    values it knows only after apply with their endpoints, `sides.analysed`).

    A pair with an endpoint whose answers depend on a value known after apply (either side) is
    `unknown`: listed when the stand-ins change it, with the values' addresses and no service
    added or removed. A finding of OLD that NEW lacks is not resolved when it depends on one of
    NEW's values (its flows' endpoints, its objects): it is listed as unknown."""
    before, old_findings = before_side[0], before_side[1]
    after, new_findings = after_side[0], after_side[1]
    unknown_before = before_side[2] if len(before_side) > 2 else []
    unknown_after = after_side[2] if len(after_side) > 2 else []
    names_before, names_after = set(before.endpoints), set(after.endpoints)
    result = BlueprintDiff(
        old,
        new,
        endpoints_added=sorted(names_after - names_before),
        endpoints_removed=sorted(names_before - names_after),
        unknowns=[
            (side, unknown, sorted(ends))
            for side, found in (("old", unknown_before), ("new", unknown_after))
            for unknown, ends in found
        ],
    )
    # endpoint -> the addresses of the values its answers depend on, either side
    depends: dict[str, set[str]] = {}
    for unknown, ends in [*unknown_before, *unknown_after]:
        for end in ends:
            depends.setdefault(end, set()).add(unknown.address)
    # matrices share a few hundred distinct service sets over millions of pairs: each difference
    # and each text is computed once per distinct set (or pair of sets)
    changes: dict[tuple[ServiceSet, ServiceSet], tuple[ServiceSet, ServiceSet]] = {}
    texts: dict[ServiceSet, list[str]] = {}

    def text(services: ServiceSet) -> list[str]:
        found = texts.get(services)
        if found is None:
            found = texts[services] = services.format()
        return list(found)

    for pair, was, now in _changed(before, after, names_before, names_after):
        key = (was, now)
        if key not in changes:
            changes[key] = (now - was, was - now)
        added, removed = changes[key]
        was_if = dict((c, s) for s, c in before.conditional.get(pair, ()))
        now_if = dict((c, s) for s, c in after.conditional.get(pair, ()))
        added_if = _conditional_change(now_if, was_if, was)
        removed_if = _conditional_change(was_if, now_if, now)
        if added.is_empty() and removed.is_empty() and not added_if and not removed_if:
            continue
        pending = depends.get(pair[0], set()) | depends.get(pair[1], set())
        if pending:
            change = FlowChange(pair[0], pair[1], [], [], text(was), text(now))
            change.unknowns = sorted(pending)
            result.flows.append(change)
            continue
        result.flows.append(
            FlowChange(
                pair[0],
                pair[1],
                text(added),
                text(removed),
                text(was),
                text(now),
                added_if,
                removed_if,
            )
        )
    found_before = {_key(f): f for f in old_findings}
    found_after = {_key(f): f for f in new_findings}
    result.findings_added = [f for k, f in found_after.items() if k not in found_before]
    gone = [f for k, f in found_before.items() if k not in found_after]
    result.findings_removed = [f for f in gone if not _depends(f, unknown_after)]
    result.findings_unknown = [f for f in gone if _depends(f, unknown_after)]
    return result


def _depends(finding: Finding, unknowns: list[tuple[UnknownValue, frozenset[str]]]) -> bool:
    """Whether an old finding may still hold in an estate with these values known after apply:
    one of its flows has an endpoint of theirs, one of its objects holds one, or its scope
    meets theirs."""
    if not unknowns:
        return False
    names = {n for flow in finding.flows for n in (flow.source, flow.destination)}
    names |= finding.scope
    addresses = tuple(o.address for o in finding.objects if o.address)
    for unknown, ends in unknowns:
        if names & ends:
            return True
        if any(
            unknown.address == a or unknown.address.startswith((f"{a}.", f"{a}["))
            for a in addresses
        ):
            return True
    return False


def _changed(
    before: Matrix, after: Matrix, names_before: set[str], names_after: set[str]
) -> list[tuple[tuple[str, str], ServiceSet, ServiceSet]]:
    """The pairs whose services differ or that are conditional on either side, in name order,
    with their services before and after. A pair with an endpoint only one version has is a flow
    of its own (a reviewer must see what a new workload can reach and what reaches it). Packed
    matrices (the fast engine's arrays) are compared as arrays: at 10,000 endpoints there are
    millions of pairs."""
    from ..algebra.packets import ServiceSet

    none = ServiceSet.none()
    packed = (getattr(before, "_packed", None), getattr(after, "_packed", None))
    unpacked = before._connections is not None or after._connections is not None
    if packed[0] is None or packed[1] is None or unpacked:
        pairs = set(before.connections) | set(after.connections)
        pairs |= set(before.conditional) | set(after.conditional)
        out = []
        for pair in sorted(pairs):
            if not (set(pair) <= names_before or set(pair) <= names_after):
                continue
            was = before.connections.get(pair, none)
            now = after.connections.get(pair, none)
            if was != now or pair in before.conditional or pair in after.conditional:
                out.append((pair, was, now))
        return out
    import numpy as np

    # every pair of a matrix is within its own endpoints: the union numbers them all
    names = sorted(names_before | names_after)
    position = {name: i for i, name in enumerate(names)}
    n = len(names)
    joint: dict[ServiceSet, int] = {none: 0}
    sets: list[ServiceSet] = [none]

    def keyed(matrix: Matrix, packed_pairs: Any) -> tuple[Any, Any]:
        index = np.array([position.get(name, -1) for name in matrix.endpoints], dtype=np.int64)
        numbers = []
        for services in packed_pairs.sets:
            number = joint.get(services)
            if number is None:
                number = joint[services] = len(sets)
                sets.append(services)
            numbers.append(number)
        canon = np.array(numbers, dtype=np.int64)
        src, dst = index[packed_pairs.sources], index[packed_pairs.destinations]
        keep = (src >= 0) & (dst >= 0)
        return src[keep] * n + dst[keep], canon[packed_pairs.ids[keep]]

    keys_a, ids_a = keyed(before, packed[0])
    keys_b, ids_b = keyed(after, packed[1])
    keys = np.concatenate((keys_a, keys_b))
    keys.sort(kind="stable")
    if keys.size:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    was_ids = np.zeros(keys.size, dtype=np.int64)
    now_ids = np.zeros(keys.size, dtype=np.int64)
    was_ids[np.searchsorted(keys, keys_a)] = ids_a
    now_ids[np.searchsorted(keys, keys_b)] = ids_b
    changed = set((keys[was_ids != now_ids]).tolist())
    for conditional in (before.conditional, after.conditional):
        changed |= {
            position[a] * n + position[b] for a, b in conditional if a in position and b in position
        }
    selected = np.array(sorted(changed), dtype=np.int64)
    where = np.searchsorted(keys, selected)
    if keys.size:
        present = (where < keys.size) & (keys[np.minimum(where, keys.size - 1)] == selected)
    else:
        present = np.zeros(selected.size, dtype=bool)
    out = []
    for key, at, found in zip(selected.tolist(), where.tolist(), present.tolist(), strict=True):
        before_set = sets[int(was_ids[at])] if found else none
        after_set = sets[int(now_ids[at])] if found else none
        out.append(((names[key // n], names[key % n]), before_set, after_set))
    return out


def _conditional_change(
    these: dict[tuple[str, ...], ServiceSet],
    those: dict[tuple[str, ...], ServiceSet],
    outright: ServiceSet,
) -> list[dict[str, Any]]:
    """Services allowed under conditions in `these` and not under the same conditions in
    `those`, nor outright there."""
    from ..algebra.packets import ServiceSet

    out = []
    for conditions, services in these.items():
        new = services - those.get(conditions, ServiceSet.none()) - outright
        if not new.is_empty():
            out.append({"services": new.format(), "conditions": list(conditions)})
    return out


# -- two folders of manifests ------------------------------------------------------------------

Network = ipaddress.IPv4Network


def _pieces(old: Iterable[Network], new: Iterable[Network]) -> list[Network]:
    """The common refinement of two partitions of the address space into CIDR blocks: the blocks
    of either that hold no smaller block of the other (two CIDR blocks nest or are disjoint)."""
    blocks = sorted(set(old) | set(new), key=lambda n: (int(n.network_address), n.prefixlen))
    return [
        block
        for block, following in zip(blocks, [*blocks[1:], None], strict=True)
        if following is None or following.network_address != block.network_address
    ]


def _container(blocks: list[Network], starts: list[int], piece: Network) -> Network:
    """The block of a partition that holds `piece` (sorted `blocks`, their first addresses)."""
    return blocks[bisect_right(starts, int(piece.network_address)) - 1]


def _pairs(
    connectivity: Connectivity, pods: set[str], pieces_of: dict[str, list[str]]
) -> dict[tuple[str, str], list[str]]:
    """(from, to) -> allowed over the kept pods and the address pieces."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for source, destination, allowed in connectivity.connections():
        sources = [source] if source in pods else pieces_of.get(source, [])
        destinations = [destination] if destination in pods else pieces_of.get(destination, [])
        for a in sources:
            for b in destinations:
                pairs[(a, b)] = allowed
    return pairs


def _order(name: str) -> tuple[int, int, int, str]:
    try:
        network = ipaddress.IPv4Network(name.lstrip("(").split(" ", 1)[0].rstrip(","))
    except ValueError:
        return (0, 0, 0, name)  # a pod, namespace/name
    return (1, int(network.network_address), network.prefixlen, name)


def _terms(addresses: IpSet) -> list[tuple[Network, list[Network]]]:
    """`addresses` as the fewest blocks named: the smallest block that covers them minus its
    holes, or the terms of each half, whichever names fewer blocks."""
    cidrs = addresses.to_cidrs()
    if len(cidrs) <= 1:
        return [(cidr, []) for cidr in cidrs]
    low, high = addresses.min(), addresses.max()
    cover = Network((low, 32 - (low ^ high).bit_length()), strict=False)
    holes = (type(addresses).from_cidrs([cover]) - addresses).to_cidrs()
    split = [
        term
        for half in cover.subnets(prefixlen_diff=1)
        for term in _terms(addresses & type(addresses).from_cidrs([half]))
    ]
    if 1 + len(holes) < sum(1 + len(h) for _, h in split):
        return [(cover, holes)]
    return split


def _range_name(networks: list[Network]) -> str:
    """Address blocks as one name: `CIDR`, or `CIDR except CIDR, ...` as an ipBlock writes it;
    several terms are joined by `, `, a term with holes in parentheses."""
    from ..algebra.packets import IpSet

    terms = _terms(IpSet.from_cidrs(networks))
    if len(terms) == 1 and terms[0][1]:
        block, holes = terms[0]
        return f"{block} except {', '.join(map(str, holes))}"
    return ", ".join(
        f"({block} except {', '.join(map(str, holes))})" if holes else str(block)
        for block, holes in terms
    )


def _change(source: str, destination: str, was_list: list[str], now_list: list[str]) -> FlowChange:
    from ..algebra.packets import ServiceSet

    was, now = ServiceSet.from_strings(was_list), ServiceSet.from_strings(now_list)
    added, removed = now - was, was - now
    return FlowChange(
        source, destination, added.format(), removed.format(), was.format(), now.format()
    )


def diff_manifests(
    old: KubeCluster, new: KubeCluster, old_name: str, new_name: str
) -> BlueprintDiff:
    """Compare the NetworkPolicy connectivity and the findings of the manifest checks.

    Flows join pods, and pods and address ranges (a pod only one version has: all its flows
    added or removed). Ranges are compared on
    the cuts of both versions (an ipBlock added in NEW splits OLD's ranges), so a range never
    appears or goes; per pod, the pieces whose services change alike are named together, by
    CIDR or as `CIDR except CIDR, ...`. Endpoints added and removed are pods.
    """
    from ..providers.kubernetes import connectivity

    before, after = connectivity(old), connectivity(new)
    pods_before = {pod.key for pod in old.pods}
    pods_after = {pod.key for pod in new.pods}
    ranges_before = [n for n in before.endpoints if n not in pods_before]
    ranges_after = [n for n in after.endpoints if n not in pods_after]
    pieces = _pieces(map(Network, ranges_before), map(Network, ranges_after))
    pieces_before: dict[str, list[str]] = {}
    pieces_after: dict[str, list[str]] = {}
    for names, pieces_of in ((ranges_before, pieces_before), (ranges_after, pieces_after)):
        blocks = sorted(map(Network, names), key=lambda n: int(n.network_address))
        starts = [int(block.network_address) for block in blocks]
        for piece in pieces:
            pieces_of.setdefault(str(_container(blocks, starts, piece)), []).append(str(piece))
    # a pod only one version has takes part with all its flows (added or removed whole)
    was_pairs = _pairs(before, pods_before, pieces_before)
    now_pairs = _pairs(after, pods_after, pieces_after)
    pods = pods_before | pods_after
    result = BlueprintDiff(
        old_name,
        new_name,
        endpoints_added=sorted(pods_after - pods_before),
        endpoints_removed=sorted(pods_before - pods_after),
    )
    # per pod and side, the address pieces whose services change alike are named as one range
    ranges: dict[tuple[str, bool, tuple[str, ...], tuple[str, ...]], list[Network]] = {}
    for pair in set(was_pairs) | set(now_pairs):
        was_list, now_list = was_pairs.get(pair, []), now_pairs.get(pair, [])
        if was_list == now_list:
            continue
        source, destination = pair
        if source in pods and destination in pods:
            result.flows.append(_change(source, destination, was_list, now_list))
        elif source in pods:
            key = (source, True, tuple(was_list), tuple(now_list))
            ranges.setdefault(key, []).append(Network(destination))
        else:
            key = (destination, False, tuple(was_list), tuple(now_list))
            ranges.setdefault(key, []).append(Network(source))
    for (pod, outbound, was_services, now_services), networks in ranges.items():
        name = _range_name(networks)
        source, destination = (pod, name) if outbound else (name, pod)
        result.flows.append(_change(source, destination, list(was_services), list(now_services)))
    result.flows = [
        change
        for change in sorted(result.flows, key=lambda c: (_order(c.source), _order(c.destination)))
        if change.added or change.removed
    ]
    found_before = {_key(f): f for f in run_manifest_checks(old, old_name).findings}
    found_after = {_key(f): f for f in run_manifest_checks(new, new_name).findings}
    result.findings_added = [f for k, f in found_after.items() if k not in found_before]
    result.findings_removed = [f for k, f in found_before.items() if k not in found_after]
    return result
