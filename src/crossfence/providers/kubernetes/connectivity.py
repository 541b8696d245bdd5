"""Pod-to-pod (and ipBlock) connectivity of a whole cluster's NetworkPolicies, with NumPy.

`connectivity(cluster) -> Connectivity`. Its `to_json()` is::

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
cut at every port any rule uses and the address axis at every ipBlock boundary. Ingress and
egress become bool arrays `[service atom, class, peer class or range]`, each built from one
matrix product per distinct port set, then combined: allowed(s, d) = egress(s, d) & ingress(d, s).
`crossfence.providers.kubernetes.netpol` evaluates the same rules one connection at a time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from crossfence.engine.atoms import Atoms
from crossfence.engine.packets import IpSet, ServiceSet
from crossfence.providers.kubernetes.resources import (
    Cluster,
    LabelSelector,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)

__all__ = ["Connectivity", "connectivity"]

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
            for value, indices in by_value.items():
                if values is None or value in values:
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


def _fixed_services(ports: Sequence[NetworkPolicyPort]) -> ServiceSet:
    """The services of a rule's numeric and port-less entries (named ones resolve per pod)."""
    services = ServiceSet.none()
    for spec in ports:
        if spec.port is None:
            services |= ServiceSet.protocol(spec.protocol)
        elif isinstance(spec.port, int):
            services |= ServiceSet.ports(spec.protocol, spec.port, spec.end_port or spec.port)
    return services


class _Builder:
    """Turns a cluster into the class arrays; one instance per `connectivity()` call."""

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
        self.named_numbers = np.zeros((len(pods), len(self.named)), dtype=np.int64)
        for j, (name, protocol) in enumerate(self.named):
            for i, pod in enumerate(pods):
                self.named_numbers[i, j] = pod.resolve_port(name, protocol) or 0
        service_sets = [ServiceSet.all()]
        for policy in cluster.network_policies:
            for rule in (*policy.ingress, *policy.egress):
                service_sets.append(_fixed_services(rule.ports))
        for j, (_, protocol) in enumerate(self.named):
            for number in np.unique(self.named_numbers[:, j]):
                if number:
                    service_sets.append(ServiceSet.ports(protocol, int(number)))
        self.service_atoms: Atoms[ServiceSet] = Atoms(service_sets, ServiceSet)
        self.peer_cache: dict[object, tuple[BoolArray, BoolArray]] = {}
        # Rules naming the same ports share their per-class combinations (np.unique is costly).
        self.named_combos: dict[tuple[int, ...], tuple[NDArray[np.int64], NDArray[np.intp]]] = {}

    @staticmethod
    def _ip_set(peer: NetworkPolicyPeer) -> IpSet:
        assert peer.ip_block is not None
        block = IpSet.from_cidrs([str(peer.ip_block.cidr)], strict=False)
        return block - IpSet.from_cidrs([str(e) for e in peer.ip_block.excepts], strict=False)

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
            combos, inverse = np.unique(numbers[:, columns], axis=0, return_inverse=True)
            self.named_combos[key] = (combos, inverse.reshape(-1))
        combos, inverse = self.named_combos[key]
        for row, combo in enumerate(combos):
            services = ServiceSet.none()
            for (_, protocol), number in zip(specs, combo.tolist(), strict=True):
                if number:
                    services |= ServiceSet.ports(protocol, int(number))
            yield fixed | self.service_atoms.mask(services), inverse == row


class Connectivity:
    """The allowed services between every pair of endpoints (see the module docstring)."""

    def __init__(
        self,
        pod_names: list[str],
        pod_class: NDArray[np.intp],
        range_names: list[str],
        range_atom: list[int],
        pod_to_pod: BoolArray,
        pod_to_range: BoolArray,
        range_to_pod: BoolArray,
        service_atoms: Atoms[ServiceSet],
    ) -> None:
        self.endpoints = [*pod_names, *range_names]
        self._pods = len(pod_names)
        self._pod_class = pod_class
        self._range_atom = range_atom
        self._pod_to_pod = pod_to_pod  # [atom, source class, destination class]
        self._pod_to_range = pod_to_range  # [atom, source class, range]
        self._range_to_pod = range_to_pod  # [atom, range, destination class]
        self._service_atoms = service_atoms
        self._position = {name: i for i, name in enumerate(self.endpoints)}
        self._formatted: dict[bytes, list[str]] = {}

    def _format(self, mask: BoolArray) -> list[str]:
        key = mask.tobytes()
        formatted = self._formatted.get(key)
        if formatted is None:
            formatted = self._service_atoms.to_set(mask).format()
            self._formatted[key] = formatted
        return formatted

    def _mask(self, source: int, destination: int) -> BoolArray | None:
        pods = self._pods
        if source == destination or (source >= pods and destination >= pods):
            return None
        if source < pods and destination < pods:
            return self._pod_to_pod[:, self._pod_class[source], self._pod_class[destination]]
        if source < pods:
            return self._pod_to_range[
                :, self._pod_class[source], self._range_atom[destination - pods]
            ]
        return self._range_to_pod[:, self._range_atom[source - pods], self._pod_class[destination]]

    def services(self, source: str, destination: str) -> ServiceSet:
        """Everything `source` may open towards `destination` (endpoint names); KeyError if unknown."""
        mask = self._mask(self._position[source], self._position[destination])
        return ServiceSet.none() if mask is None else self._service_atoms.to_set(mask)

    def allowed(self, source: str, destination: str) -> list[str]:
        return self.services(source, destination).format()

    def connections(self) -> Iterator[tuple[str, str, list[str]]]:
        """(from, to, allowed) for every pair that allows something, in endpoint order."""
        names, pods = self.endpoints, self._pods
        pp_any: BoolArray = np.any(self._pod_to_pod, axis=0)
        pr_any: BoolArray = np.any(self._pod_to_range, axis=0)
        rp_any: BoolArray = np.any(self._range_to_pod, axis=0)
        range_atom = np.asarray(self._range_atom, dtype=np.intp)
        for i in range(len(names)):
            if i < pods:
                cs = self._pod_class[i]
                row = np.concatenate((pp_any[cs][self._pod_class], pr_any[cs][range_atom]))
                row[i] = False
            else:
                row = np.concatenate(
                    (rp_any[range_atom[i - pods]][self._pod_class], np.zeros(len(range_atom), bool))
                )
            for j in np.flatnonzero(row):
                mask = self._mask(i, int(j))
                assert mask is not None
                yield names[i], names[j], self._format(mask)

    def to_json(self) -> dict[str, object]:
        return {
            "endpoints": list(self.endpoints),
            "connections": [
                {"from": s, "to": d, "allowed": allowed} for s, d, allowed in self.connections()
            ],
        }

    def dumps(self) -> str:
        """`json.dumps(self.to_json())`, built from cached fragments (big clusters)."""
        quoted = [json.dumps(name) for name in self.endpoints]
        position = self._position
        allowed_json: dict[int, str] = {}
        parts = []
        for source, destination, allowed in self.connections():
            fragment = allowed_json.get(id(allowed))
            if fragment is None:
                fragment = json.dumps(allowed)
                allowed_json[id(allowed)] = fragment
            parts.append(
                f'{{"from": {quoted[position[source]]}, "to": {quoted[position[destination]]}, '
                f'"allowed": {fragment}}}'
            )
        return f'{{"endpoints": [{", ".join(quoted)}], "connections": [{", ".join(parts)}]}}'


def _combine(
    subrules: list[tuple[BoolArray, BoolArray, BoolArray]], shape: tuple[int, int, int]
) -> BoolArray:
    """OR of sel x peer x services over sub-rules: one matrix product per distinct service mask."""
    result = np.zeros(shape, dtype=np.bool_)
    groups: dict[bytes, list[tuple[BoolArray, BoolArray]]] = defaultdict(list)
    masks: dict[bytes, BoolArray] = {}
    for selected, peers, services in subrules:
        key = services.tobytes()
        groups[key].append((selected, peers))
        masks[key] = services
    for key, members in groups.items():
        selected = np.stack([s for s, _ in members]).astype(np.float32)
        peers = np.stack([p for _, p in members]).astype(np.float32)
        hit = (selected.T @ peers) > 0  # float32 counts stay exact far beyond any rule count
        for atom in np.flatnonzero(masks[key]):
            result[atom] |= hit
    return result


def connectivity(cluster: Cluster) -> Connectivity:
    """The NetworkPolicy connectivity of every pod pair and pod/range pair of the cluster."""
    build = _Builder(cluster)
    pods = cluster.pods
    n = len(pods)
    policies = cluster.network_policies
    selected = [build.selected(p) for p in policies]
    rules = [(i, rule) for i, p in enumerate(policies) for rule in (*p.ingress, *p.egress)]
    peer_masks = [build.peer_masks(policies[i], rule) for i, rule in rules]
    # Class signature: selection by each policy, membership in each rule's peers, named ports.
    columns = [*selected, *(pods_mask for pods_mask, _ in peer_masks)]
    bits = np.packbits(np.stack(columns, axis=1), axis=1) if columns else np.zeros((n, 0), np.uint8)
    signature = np.concatenate((bits, build.named_numbers.view(np.uint8).reshape(n, -1)), axis=1)
    if n:
        _, representative, pod_class = np.unique(
            signature, axis=0, return_index=True, return_inverse=True
        )
        pod_class = pod_class.reshape(-1)
    else:
        representative = np.zeros(0, dtype=np.intp)
        pod_class = np.zeros(0, dtype=np.intp)
    c, x, k = len(representative), len(build.ip_atoms), len(build.service_atoms)
    all_services = np.ones(k, dtype=np.bool_)
    class_named_numbers = build.named_numbers[representative]
    ingress: list[tuple[BoolArray, BoolArray, BoolArray]] = []
    egress: list[tuple[BoolArray, BoolArray, BoolArray]] = []
    isolated = {"ingress": np.zeros(c, np.bool_), "egress": np.zeros(c, np.bool_)}
    for (i, rule), (peer_pods, peer_ranges) in zip(rules, peer_masks, strict=True):
        policy = policies[i]
        direction = rule.direction
        if direction.capitalize() not in policy.policy_types:
            continue  # e.g. egress rules of a policy whose policyTypes is [Ingress]
        sel = selected[i][representative]
        peers = np.concatenate((peer_pods[representative], peer_ranges))
        fixed = (
            build.service_atoms.mask(_fixed_services(rule.ports)) if rule.ports else all_services
        )
        target = ingress if direction == "ingress" else egress
        if not any(isinstance(spec.port, str) for spec in rule.ports):
            target.append((sel, peers, fixed))
            continue
        # Named ports resolve on the receiving pod: the selected pod for ingress, the peer for egress.
        for mask, chosen in build.named_masks(rule, fixed, class_named_numbers):
            if direction == "ingress":
                target.append((sel & chosen, peers, mask))
            else:
                target.append((sel, peers & np.concatenate((chosen, np.zeros(x, np.bool_))), mask))
        if direction == "egress":
            # Addresses have no named ports: only the numeric part applies to ranges.
            target.append((sel, np.concatenate((np.zeros(c, np.bool_), peer_ranges)), fixed))
    for i, policy in enumerate(policies):
        for direction in ("ingress", "egress"):
            if direction.capitalize() in policy.policy_types:
                isolated[direction] |= selected[i][representative]
    ingress_allowed = _combine(ingress, (k, c, c + x))
    egress_allowed = _combine(egress, (k, c, c + x))
    ingress_allowed[:, ~isolated["ingress"], :] = True
    egress_allowed[:, ~isolated["egress"], :] = True
    pod_to_pod = egress_allowed[:, :, :c] & ingress_allowed[:, :, :c].transpose(0, 2, 1)
    pod_to_range = egress_allowed[:, :, c:]
    range_to_pod = ingress_allowed[:, :, c:].transpose(0, 2, 1)
    range_names: list[str] = []
    range_atom: list[int] = []
    for atom in range(x):
        for cidr in build.ip_atoms.atom(atom).to_cidrs():
            range_names.append(str(cidr))
            range_atom.append(atom)
    return Connectivity(
        [p.key for p in pods],
        pod_class,
        range_names,
        range_atom,
        pod_to_pod,
        pod_to_range,
        range_to_pod,
        build.service_atoms,
    )
