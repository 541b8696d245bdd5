"""Endpoints every layer treats alike (twins): the layered matrix is worked out for two of each and copied to the rest.

Replicas of one pod template, or VMs of one instance group, differ only in their names and
addresses. When their addresses sit in the same atom of every boundary any layer looks at
(routes, segments, every filter rule's ranges, NetworkPolicy ipBlocks, public and API
addresses), and everything else an answer reads is equal (network, segment, region, tags,
filters, NAT, masquerading; for pods the cluster, the NetworkPolicy class, namespace, labels,
ports, service account and annotations), every layer answers a twin's pair as it answers its
sibling's. The matrix of a topology holding two of each group (two, so that the pairs between
twins are worked out too) then gives every cell of the full one:

- a cell between two groups is the cell between their first members;
- a cell between two members of one group is the cell between its first two members.

Anything an answer names individually stays alone: load balancers and their backends, the
instances routes send to, provider services, endpoints with several or shared addresses, and,
in a cluster whose authorization reads addresses, every endpoint (the mesh may then tell any
two apart).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable

import numpy as np
from numpy.typing import NDArray

from ..ir.layers import ClusterLayer
from ..ir.types import Endpoint, Filter, Topology
from ..providers.kubernetes.connectivity import Connectivity
from .fastmatrix import PackedConnections, routing_cuts
from .matrix import Conditional, Matrix

__all__ = ["Twins", "find_twins"]

Ints = NDArray[np.int64]


@dataclasses.dataclass
class Twins:
    """Groups of twin endpoints (names sorted, each group in name order; singletons omitted)."""

    groups: list[list[str]]

    def dropped(self) -> set[str]:
        """The members the reduced topology leaves out: all but each group's first two."""
        return {name for group in self.groups for name in group[2:]}

    def reduced(self, topology: Topology) -> Topology:
        """The topology without the members beyond each group's first two."""
        dropped = self.dropped()
        return dataclasses.replace(
            topology,
            endpoints={k: v for k, v in topology.endpoints.items() if k not in dropped},
        )

    def expand(self, small: Matrix, names: list[str]) -> Matrix:
        """The full matrix over `names` from the reduced topology's matrix."""
        packed = small._packed
        assert packed is not None
        position = {name: i for i, name in enumerate(names)}
        n = len(names)
        group_of = np.arange(n, dtype=np.int64)  # a singleton is its own group
        second = np.full(n, -1, dtype=np.int64)
        members: dict[int, Ints] = {}
        for group in self.groups:
            indices = np.array([position[name] for name in group], dtype=np.int64)
            group_of[indices] = indices[0]
            second[indices[0]] = indices[1]
            members[int(indices[0])] = indices
        small_to_full = np.array([position[name] for name in small.endpoints], dtype=np.int64)
        a = small_to_full[packed.sources]
        b = small_to_full[packed.destinations]
        ids = packed.ids
        ga, gb = group_of[a], group_of[b]
        # the first member stands for its group towards other groups; the first two for the
        # pairs inside it
        keep = np.where(ga != gb, (a == ga) & (b == gb), (a == ga) & (b == second[ga]))
        a, b, ids, ga, gb = a[keep], b[keep], ids[keep], ga[keep], gb[keep]
        sizes = np.ones(n, dtype=np.int64)
        flat_parts: list[Ints] = [np.arange(n, dtype=np.int64)]
        offset = np.arange(n, dtype=np.int64)
        start = n
        for first, indices in members.items():
            sizes[first] = indices.size
            offset[first] = start
            flat_parts.append(indices)
            start += indices.size
        flat = np.concatenate(flat_parts)
        na, nb = sizes[ga], sizes[gb]
        counts = na * nb
        pair = np.repeat(np.arange(a.size, dtype=np.int64), counts)
        starts = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(counts)[:-1]))
        k = np.arange(int(counts.sum()), dtype=np.int64) - starts[pair]
        out_a = flat[offset[ga[pair]] + k // nb[pair]]
        out_b = flat[offset[gb[pair]] + k % nb[pair]]
        out_ids = ids[pair]
        live = out_a != out_b
        out_a, out_b, out_ids = out_a[live], out_b[live], out_ids[live]
        order = np.argsort(out_a * max(1, n) + out_b, kind="stable")
        full = PackedConnections(out_a[order], out_b[order], out_ids[order], packed.sets)
        conditional: dict[tuple[str, str], Conditional] = {}
        role = {
            name: (k, rank)
            for k, group in enumerate(self.groups)
            for rank, name in enumerate(group)
        }
        for (x, y), found in small.conditional.items():
            kx, rx = role.get(x, (-1, 0))
            ky, ry = role.get(y, (-2, 0))
            if kx != ky and rx == 0 and ry == 0:
                sources = self.groups[kx] if kx >= 0 else [x]
                targets = self.groups[ky] if ky >= 0 else [y]
            elif kx == ky and (rx, ry) == (0, 1):
                sources = targets = self.groups[kx]
            else:
                continue  # a cell another one stands for
            for u in sources:
                for v in targets:
                    if u != v:
                        conditional[(u, v)] = found
        return Matrix(names, packed=full, conditional=conditional, layers=small.layers)


def find_twins(
    topology: Topology,
    views: dict[str, ClusterLayer],
    pod_of: Callable[[str], tuple[ClusterLayer, object] | None],
    connectivity: Callable[[ClusterLayer], Connectivity],
    reads_addresses: Callable[[ClusterLayer], bool],
) -> Twins:
    """Group the endpoints of `topology` that every layer treats alike (see the module docstring)."""
    if any(reads_addresses(view) for view in views.values()):
        return Twins([])
    cuts = _cuts(topology, [connectivity(view) for view in views.values()])
    named: set[str] = {
        route.next_hop.target
        for network in topology.networks.values()
        for route in network.routes
        if route.next_hop.kind in ("instance", "load_balancer")
    }
    for endpoint in topology.endpoints.values():
        if endpoint.proxy is not None:
            named.add(endpoint.name)
            named.update(name for name, _ in endpoint.proxy.backends)
    # an address another endpoint of the network also holds: the walk may stop at that one
    singles: dict[tuple[str | None, int], int] = {}
    ranges: list[Endpoint] = []
    for endpoint in topology.endpoints.values():
        if _single(endpoint) is None:
            ranges.append(endpoint)
        else:
            key = (endpoint.network, endpoint.address)
            singles[key] = singles.get(key, 0) + 1

    def alone(endpoint: Endpoint) -> bool:
        if singles.get((endpoint.network, endpoint.address), 0) != 1:
            return False
        return not any(
            other.network == endpoint.network and endpoint.address in other.addresses
            for other in ranges
        )

    filter_keys: dict[int, Hashable] = {}

    def filters(chain: tuple[Filter, ...]) -> tuple[Hashable, ...]:
        out = []
        for flt in chain:
            found = filter_keys.get(id(flt))
            if found is None:
                # equal small filters built apart (one per instance) are one; big ones by identity
                found = (
                    (flt.name, flt.layer, flt.rules, flt.default, flt.stateful)
                    if len(flt.rules) <= 32
                    else ("id", id(flt))
                )
                filter_keys[id(flt)] = found
            out.append(found)
        return tuple(out)

    groups: dict[Hashable, list[str]] = {}
    for name in sorted(topology.endpoints):
        endpoint = topology.endpoints[name]
        shape = _key(endpoint, named, cuts, filters, pod_of, connectivity)
        if shape is not None and alone(endpoint):
            groups.setdefault(shape, []).append(name)
    return Twins([members for members in groups.values() if len(members) > 1])


def _cuts(topology: Topology, clusters: list[Connectivity]) -> Ints:
    """Every address boundary any layer looks at: the walk's (`routing_cuts`), and the special
    paths', NAT addresses', every filter rule's and every cluster's ipBlocks'."""
    cuts = routing_cuts(topology)
    for network in topology.networks.values():
        for path in network.special_paths:
            cuts.update(path.addresses.bounds)
    seen: set[int] = set()
    for endpoint in topology.endpoints.values():
        if endpoint.nat_address is not None:
            cuts.update((endpoint.nat_address, endpoint.nat_address + 1))
        chains = (
            endpoint.egress,
            endpoint.ingress,
            endpoint.public_ingress,
            endpoint.public_egress,
        )
        for chain in chains:
            for flt in chain:
                if id(flt) not in seen:
                    seen.add(id(flt))
                    for rule in flt.rules:
                        cuts.update(rule.remote.bounds)
                        cuts.update(rule.local.bounds)
        if endpoint.proxy is not None:
            cuts.update(endpoint.proxy.egress_addresses.bounds)
            if endpoint.proxy.frontend_filter is not None:
                for rule in endpoint.proxy.frontend_filter.rules:
                    cuts.update(rule.remote.bounds)
                    cuts.update(rule.local.bounds)
    for network in topology.networks.values():
        boundaries = [network.between_segments] + [
            f for segment in network.segments for f in (segment.ingress, segment.egress)
        ]
        for boundary in boundaries:
            if boundary is not None:
                for rule in boundary.rules:
                    cuts.update(rule.remote.bounds)
                    cuts.update(rule.local.bounds)
    for cluster in clusters:
        cuts.update(cluster.address_cuts().tolist())
    return np.array(sorted(cuts), dtype=np.int64)


def _key(
    endpoint: Endpoint,
    named: set[str],
    cuts: Ints,
    filters: Callable[[tuple[Filter, ...]], tuple[Hashable, ...]],
    pod_of: Callable[[str], tuple[ClusterLayer, object] | None],
    connectivity: Callable[[ClusterLayer], Connectivity],
) -> Hashable | None:
    """What every layer reads of an endpoint, its address as an atom; None: it stays alone."""
    if (
        endpoint.name in named
        or endpoint.kind in ("internet", "external_api")
        or endpoint.api_of is not None
        or endpoint.special_path is not None
        or endpoint.network is None
        or _single(endpoint) is None
    ):
        return None
    atom = int(np.searchsorted(cuts, endpoint.address, side="right"))
    pod: Hashable = None
    found = pod_of(endpoint.name)
    if found is not None:
        view, replica = found
        from ..providers.kubernetes import Pod

        assert isinstance(replica, Pod)
        if replica.ip_int != endpoint.address:
            return None
        kube = connectivity(view)
        position = kube.pod_positions([replica.key])
        if position[0] < 0:
            return None
        pod = (
            view.name,
            int(kube.pod_classes(position)[0]),
            replica.namespace,
            tuple(sorted(replica.labels.items())),
            replica.ports,
            replica.service_account,
            tuple(sorted(replica.annotations.items())),
        )
    try:
        key = (
            endpoint.kind,
            endpoint.network,
            endpoint.cloud,
            endpoint.segment,
            endpoint.region,
            endpoint.tags,
            endpoint.services,
            filters(endpoint.egress),
            filters(endpoint.ingress),
            filters(endpoint.public_ingress),
            filters(endpoint.public_egress),
            endpoint.public_address,
            endpoint.public_interface,
            endpoint.nat,
            endpoint.nat_address,
            endpoint.masquerade,
            endpoint.routed,
            atom,
            pod,
        )
        hash(key)
    except TypeError:
        return None
    return key


def _single(endpoint: Endpoint) -> int | None:
    """The endpoint's address when it has exactly one."""
    bounds = endpoint.addresses.bounds
    if len(bounds) == 2 and bounds[1] == bounds[0] + 1:
        return int(bounds[0])
    return None
