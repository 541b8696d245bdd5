"""Pods grouped into classes that every NetworkPolicy treats alike; selectors and ports as arrays.

`PolicyArrays(cluster)` indexes labels so a selector is a few vectorised lookups, cuts the address
axis at every ipBlock boundary and the service axis at every port a rule or a named container
port uses (`crossfence.algebra.atoms`), and gives each policy's selection and each rule's peers as
bool arrays over pods and address ranges. `connectivity` builds on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from crossfence.algebra.atoms import Atoms, distinct_rows, sorted_unique
from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.providers.kubernetes.resources import (
    Cluster,
    LabelSelector,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)

__all__ = ["BoolArray", "PolicyArrays", "fixed_services"]

BoolArray = NDArray[np.bool_]


class _LabelIndex:
    """Which objects carry which labels, so a selector becomes a few vectorised lookups."""

    def __init__(self, label_maps: Sequence[Mapping[str, str]]) -> None:
        self.size = len(label_maps)
        self.by_key: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, labels in enumerate(label_maps):
            for key, value in labels.items():
                self.by_key[key][value].append(i)
        self.cache: dict[object, BoolArray] = {}

    def _indices(self, key: str, values: Sequence[str] | None) -> BoolArray:
        cache_key = (key, tuple(values) if values is not None else None)
        mask = self.cache.get(cache_key)
        if mask is None:
            mask = np.zeros(self.size, dtype=np.bool_)
            by_value = self.by_key.get(key, {})
            # Look up only the wanted values: a key like `instance` has one value per pod.
            for indices in (
                by_value.values() if values is None else (by_value.get(v, []) for v in values)
            ):
                mask[indices] = True
            self.cache[cache_key] = mask
        return mask

    def matches(self, selector: LabelSelector) -> BoolArray:
        mask = np.ones(self.size, dtype=np.bool_)
        for key, value in selector.match_labels:
            mask &= self._indices(key, (value,))
        for requirement in selector.match_expressions:
            if requirement.operator == "In":
                mask &= self._indices(requirement.key, requirement.values)
            elif requirement.operator == "NotIn":
                mask &= ~self._indices(requirement.key, requirement.values)
            elif requirement.operator == "Exists":
                mask &= self._indices(requirement.key, None)
            else:
                mask &= ~self._indices(requirement.key, None)
        return mask


def fixed_services(ports: Sequence[NetworkPolicyPort]) -> ServiceSet:
    """The services of a rule's numeric and port-less entries (named ones resolve per pod)."""
    services = ServiceSet.none()
    for spec in ports:
        if spec.port is None:
            services |= ServiceSet.protocol(spec.protocol)
        elif isinstance(spec.port, int):
            services |= ServiceSet.ports(spec.protocol, spec.port, spec.end_port or spec.port)
    return services


class PolicyArrays:
    """A cluster's selectors, peers and ports as arrays; one instance per `connectivity()` call."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        pods = cluster.pods
        self.namespaces = list(cluster.namespaces)
        ns_position = {name: i for i, name in enumerate(self.namespaces)}
        self.pod_namespace = np.array([ns_position[p.namespace] for p in pods], dtype=np.int64)
        self.pod_labels = _LabelIndex([p.labels for p in pods])
        self.namespace_labels = _LabelIndex([cluster.namespaces[n].labels for n in self.namespaces])
        self.ns_position = ns_position
        ip_block_sets = [
            self._ip_set(peer)
            for policy in cluster.network_policies
            for rule in (*policy.ingress, *policy.egress)
            for peer in rule.peers
            if peer.ip_block is not None
        ]
        self.ip_atoms: Atoms[IpSet] = Atoms(ip_block_sets, IpSet)
        self.pod_ip_atom = self.ip_atoms.locate(np.array([p.ip_int for p in pods], dtype=np.int64))
        self.named = sorted(
            {
                (spec.port, spec.protocol)
                for policy in cluster.network_policies
                for rule in (*policy.ingress, *policy.egress)
                for spec in rule.ports
                if isinstance(spec.port, str)
            }
        )
        # Column per referenced (name, protocol): the container port number on each pod, 0 = none.
        column: dict[tuple[str | None, str], int] = {spec: j for j, spec in enumerate(self.named)}
        numbers = [[0] * len(self.named) for _ in pods]
        for row, pod in zip(numbers, pods, strict=True):
            # reversed: the first container port of a name wins, as `Pod.resolve_port` has it
            for port in reversed(pod.ports):
                j = column.get((port.name, port.protocol))
                if j is not None:
                    row[j] = port.port
        self.named_numbers = np.array(numbers, dtype=np.int64).reshape(len(pods), len(self.named))
        service_sets = [ServiceSet.all()]
        for policy in cluster.network_policies:
            for rule in (*policy.ingress, *policy.egress):
                service_sets.append(fixed_services(rule.ports))
        for j, (_, protocol) in enumerate(self.named):
            for number in sorted_unique(self.named_numbers[:, j]):
                if number:
                    service_sets.append(ServiceSet.ports(protocol, int(number)))
        self.service_atoms: Atoms[ServiceSet] = Atoms(service_sets, ServiceSet)
        self.peer_cache: dict[object, tuple[BoolArray, BoolArray]] = {}
        # Rules naming the same ports share their per-class combinations.
        self.named_combos: dict[tuple[int, ...], tuple[NDArray[np.int64], NDArray[np.intp]]] = {}

    @staticmethod
    def _ip_set(peer: NetworkPolicyPeer) -> IpSet:
        assert peer.ip_block is not None
        block = IpSet.from_cidrs([peer.ip_block.cidr])
        return block - IpSet.from_cidrs(peer.ip_block.excepts)

    def selected(self, policy: NetworkPolicy) -> BoolArray:
        in_namespace: BoolArray = self.pod_namespace == self.ns_position[policy.namespace]
        return in_namespace & self.pod_labels.matches(policy.pod_selector)

    def peer_masks(
        self, policy: NetworkPolicy, rule: NetworkPolicyRule
    ) -> tuple[BoolArray, BoolArray]:
        """(pods, address ranges) that the rule's peers match; no peers match everything."""
        n, x = len(self.cluster.pods), len(self.ip_atoms)
        if not rule.peers:
            return np.ones(n, dtype=np.bool_), np.ones(x, dtype=np.bool_)
        pods = np.zeros(n, dtype=np.bool_)
        ranges = np.zeros(x, dtype=np.bool_)
        for peer in rule.peers:
            key = (policy.namespace, peer.pod_selector, peer.namespace_selector, peer.ip_block)
            cached = self.peer_cache.get(key)
            if cached is None:
                cached = self._peer(policy, peer)
                self.peer_cache[key] = cached
            pods |= cached[0]
            ranges |= cached[1]
        return pods, ranges

    def _peer(self, policy: NetworkPolicy, peer: NetworkPolicyPeer) -> tuple[BoolArray, BoolArray]:
        if peer.ip_block is not None:
            ranges = self.ip_atoms.mask(self._ip_set(peer))
            return ranges[self.pod_ip_atom], ranges
        if peer.namespace_selector is None:
            namespaces = np.zeros(len(self.namespaces), dtype=np.bool_)
            namespaces[self.ns_position[policy.namespace]] = True
        else:
            namespaces = self.namespace_labels.matches(peer.namespace_selector)
        pods = namespaces[self.pod_namespace]
        if peer.pod_selector is not None:
            pods = pods & self.pod_labels.matches(peer.pod_selector)
        return pods, np.zeros(len(self.ip_atoms), dtype=np.bool_)

    def named_masks(
        self, rule: NetworkPolicyRule, fixed: BoolArray, numbers: NDArray[np.int64]
    ) -> Iterator[tuple[BoolArray, BoolArray]]:
        """(service mask, which rows) for the rule on pods whose named-port rows are `numbers`.

        Only the columns the rule names matter, and they take few distinct values, so each
        distinct combination is turned into a service mask once.
        """
        specs = [(s.port, s.protocol) for s in rule.ports if isinstance(s.port, str)]
        columns = [self.named.index(spec) for spec in specs]
        key = tuple(columns)
        if key not in self.named_combos:
            rows = numbers[:, columns]
            first, inverse = distinct_rows(rows)
            self.named_combos[key] = (rows[first], inverse)
        combos, inverse = self.named_combos[key]
        for row, combo in enumerate(combos):
            services = ServiceSet.none()
            for (_, protocol), number in zip(specs, combo.tolist(), strict=True):
                if number:
                    services |= ServiceSet.ports(protocol, int(number))
            yield fixed | self.service_atoms.mask(services), inverse == row
