"""The matrix through every layer: the cloud network, NetworkPolicy and the mesh, and the paths through load balancers.

A cell holds the services `layered_reach` answers allowed for the pair, split in two: those
allowed outright, and those allowed only for some requests (`allowed_if`: an IAP token, HTTP
methods and paths) with what the requests must carry. The work is the network matrix
(`fastmatrix`), then, vectorised per cluster, the NetworkPolicy services of every pair a pod
takes part in (`providers.kubernetes.connectivity`), the mesh's answer per destination and
client identity over the ports where it can change, the two legs of a connection through an
east-west gateway, and, pair by pair, the few paths `reach` follows through load balancers. A
property test holds every cell equal, port by port, to `layered_reach`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..algebra.packets import ServiceSet
from ..ir.layers import ClusterLayer
from ..ir.types import Endpoint, Topology
from ..providers.istio.authz import has_sidecar, mesh_principal
from ..providers.kubernetes import Pod
from ..providers.kubernetes.connectivity import Connectivity
from ..providers.kubernetes.connectivity import connectivity as kube_connectivity
from .fastmatrix import _Sets, fast_connections
from .layers import LayeredReach
from .matrix import Matrix
from .path import INTERNET_CLIENT, target_address
from .reach import _backend_chain

__all__ = ["Conditional", "layered_connectivity"]

TCP = ServiceSet.protocol("tcp")
Progress = Callable[[int, int], None]
Conditional = tuple[tuple[ServiceSet, tuple[str, ...]], ...]
"""Services allowed only for requests that carry what the conditions say."""


def layered_connectivity(topology: Topology, progress: Progress | None = None) -> Matrix:
    """The full matrix through every layer (see the module docstring)."""
    return _Layered(topology, progress).run()


@dataclass
class _Mesh:
    """The mesh's answer for one destination and client: allowed and conditional services."""

    allowed: int
    conditional: Conditional


class _Layered:
    def __init__(self, topology: Topology, progress: Progress | None) -> None:
        self.layered = LayeredReach(topology)
        self.full = self.layered.topology  # with the east-west gateways
        self.progress = progress
        self.names = sorted(topology.endpoints)
        self.all_names = sorted(self.full.endpoints)
        self.position = {name: i for i, name in enumerate(self.all_names)}
        self.sets = _Sets()
        self.views = list(self.layered.views.values())
        self.kube: dict[str, Connectivity] = {}
        self.cuts: dict[str, list[int]] = {}
        self.mesh_cache: dict[tuple[str, str, int, str | None], _Mesh] = {}
        self.conditional: dict[tuple[int, int], Conditional] = {}

    # -- per endpoint ----------------------------------------------------------------------

    def connectivity(self, view: ClusterLayer) -> Connectivity:
        found = self.kube.get(view.name)
        if found is None:
            found = self.kube[view.name] = kube_connectivity(view.kube)
        return found

    def pod(self, name: str) -> tuple[ClusterLayer, Pod] | None:
        return self.layered.pod_of(self.layered.workloads.get(name))

    def sees(self, source: Endpoint) -> int:
        """The address a destination pod sees from a non-pod source (as `LayeredReach.client`)."""
        return self.layered.client_address(source)

    def uses_addresses(self, view: ClusterLayer) -> bool:
        """Whether the cluster's authorization reads the client's address (ipBlocks, remote
        addresses): otherwise the mesh's answer depends on the identity alone."""
        for policy in view.kube.authorization_policies:
            for rule in policy.rules:
                if any(
                    "ipBlocks" in key or "IpBlocks" in key
                    for source in rule.sources
                    for key in source.values
                ) or any(c.key.endswith(".ip") for c in rule.conditions):
                    return True
        return False

    # -- the mesh --------------------------------------------------------------------------

    def port_cuts(self, view: ClusterLayer) -> list[int]:
        """TCP ports where the mesh's answer may change: every port its policies, peer
        authentications, Services and pods name, each on its own."""
        found = self.cuts.get(view.name)
        if found is None:
            ports: set[int] = set()
            kube = view.kube
            for policy in kube.authorization_policies:
                for rule in policy.rules:
                    for operation in rule.operations:
                        for key in ("ports", "notPorts"):
                            ports.update(_ints(operation.values.get(key, ())))
                    for condition in rule.conditions:
                        if "port" in condition.key:
                            ports.update(_ints((*condition.values, *condition.not_values)))
            for peer in kube.peer_authentications:
                ports.update(peer.port_modes)
            for service in kube.services:
                for service_port in service.ports:
                    ports.add(service_port.port)
                    if isinstance(service_port.target_port, int):
                        ports.add(service_port.target_port)
            for pod in kube.pods:
                ports.update(p.port for p in pod.ports)
            found = self.cuts[view.name] = sorted(p for p in ports if 1 <= p <= 65535)
        return found

    def mesh(self, view: ClusterLayer, pod: Pod, client_ip: int, principal: str | None) -> _Mesh:
        """What the destination's sidecar allows a client, over every TCP port (other
        protocols pass: the sidecar intercepts TCP only)."""
        key = (view.name, pod.key, client_ip if self.uses_addresses(view) else 0, principal)
        found = self.mesh_cache.get(key)
        if found is not None:
            return found
        if not has_sidecar(view.kube, pod):
            found = _Mesh(1, ())
        else:
            allowed = ServiceSet.all() - TCP
            by_conditions: dict[tuple[str, ...], ServiceSet] = {}
            for low, high in _atoms(self.port_cuts(view)):
                ok, requests = self.layered.mesh_outcome(view, pod, client_ip, principal, low)
                if not ok:
                    continue
                services = ServiceSet.ports("tcp", low, high)
                if requests:
                    by_conditions[requests] = (
                        by_conditions.get(requests, ServiceSet.none()) | services
                    )
                else:
                    allowed = allowed | services
            found = _Mesh(
                self.sets.intern(allowed),
                tuple((services, conditions) for conditions, services in by_conditions.items()),
            )
        self.mesh_cache[key] = found
        return found

    # -- the whole matrix -------------------------------------------------------------------

    def run(self) -> Matrix:
        packed = fast_connections(self.full, self.progress)
        remap = np.array([self.sets.intern(s) for s in packed.sets], dtype=np.int32)
        sources, destinations = packed.sources, packed.destinations
        ids = remap[packed.ids] if len(packed) else np.zeros(0, dtype=np.int32)
        n = len(self.all_names)
        endpoints = [self.full.endpoints[name] for name in self.all_names]
        shown = np.array(
            [name in self.full.endpoints and name in set(self.names) for name in self.all_names]
        )
        cluster_of = np.full(n, -1, dtype=np.intp)
        pod_at = np.full(n, -1, dtype=np.intp)
        pods: list[tuple[ClusterLayer, Pod] | None] = []
        view_index = {view.name: k for k, view in enumerate(self.views)}
        for i, name in enumerate(self.all_names):
            found = self.pod(name)
            pods.append(found)
            if found is not None:
                view, pod = found
                cluster_of[i] = view_index[view.name]
                pod_at[i] = self.connectivity(view).pod_positions([pod.key])[0]
        # the network matrix as a look-up: (source, destination) -> set id
        net = dict(
            zip(
                zip(sources.tolist(), destinations.tolist(), strict=True), ids.tolist(), strict=True
            )
        )
        keep = shown[sources] & shown[destinations]
        s, d, ids = sources[keep], destinations[keep], ids[keep]
        gateway = self.via_gateway(s, d, pods)
        ids = self.network_policies(s, d, ids, endpoints, pods, cluster_of, pod_at, gateway)
        edge = self.edge_pairs(s, d, endpoints, cluster_of)
        ids = self.with_mesh(s, d, ids, endpoints, pods, cluster_of, gateway | edge)
        for k in np.flatnonzero(edge & (ids != 0)).tolist():
            ids[k] = self.exact(int(s[k]), int(d[k]), int(ids[k]), pods)
        # through east-west gateways: the TCP services come from the gateway's two legs
        ids = np.where(gateway, self.sets_meet(ids, self.sets.intern(ServiceSet.all() - TCP)), ids)
        extra_s, extra_d, extra_ids = self.gateway_pairs(
            net, endpoints, pods, cluster_of, pod_at, shown
        )
        cells: dict[tuple[int, int], int] = {}
        for a, b, i in zip(s.tolist(), d.tolist(), ids.tolist(), strict=True):
            if i:
                cells[(a, b)] = i
        for a, b, i in zip(extra_s, extra_d, extra_ids, strict=True):
            cells[(a, b)] = self.sets.intern(
                self.sets.sets[cells.get((a, b), 0)] | self.sets.sets[i]
            )
        self.through_load_balancers(net, endpoints, shown, cells)
        return self.matrix(cells)

    def sets_meet(self, ids: NDArray[np.int32], other: int) -> NDArray[np.int32]:
        return self.sets.combine(ids, np.full(ids.size, other, dtype=np.int32))

    def via_gateway(
        self, s: NDArray[np.intp], d: NDArray[np.intp], pods: list[tuple[ClusterLayer, Pod] | None]
    ) -> NDArray[np.bool_]:
        """Pairs of pods whose TCP connections go through the destination's east-west gateway."""
        out = np.zeros(s.size, dtype=np.bool_)
        for k, (a, b) in enumerate(zip(s.tolist(), d.tolist(), strict=True)):
            out[k] = self.gateway_between(a, b, pods)
        return out

    def gateway_between(self, a: int, b: int, pods: list[tuple[ClusterLayer, Pod] | None]) -> bool:
        source, destination = pods[a], pods[b]
        if source is None or destination is None or source[0] is destination[0]:
            return False
        if destination[0].east_west is None:
            return False
        wa = self.layered.workloads[self.all_names[a]]
        wb = self.layered.workloads[self.all_names[b]]
        return self.layered.shares_global_namespace(wa, wb)

    def network_policies(
        self,
        s: NDArray[np.intp],
        d: NDArray[np.intp],
        ids: NDArray[np.int32],
        endpoints: list[Endpoint],
        pods: list[tuple[ClusterLayer, Pod] | None],
        cluster_of: NDArray[np.intp],
        pod_at: NDArray[np.intp],
        gateway: NDArray[np.bool_],
    ) -> NDArray[np.int32]:
        """Each pair's services through the source pod's egress and the destination pod's
        ingress NetworkPolicies, as `LayeredReach.ask` evaluates them."""
        ids = ids.copy()
        source_pod, destination_pod = cluster_of[s] >= 0, cluster_of[d] >= 0
        same = source_pod & destination_pod & (cluster_of[s] == cluster_of[d])
        proxy = np.array([endpoints[i].proxy is not None for i in range(len(endpoints))])
        towards = (
            np.array(
                [
                    self.target_of(endpoints[a], endpoints[b])
                    for a, b in zip(s.tolist(), d.tolist(), strict=True)
                ],
                dtype=np.int64,
            )
            if s.size
            else np.zeros(0, dtype=np.int64)
        )
        seen = (
            np.array([self.sees(endpoints[a]) for a in s.tolist()], dtype=np.int64)
            if s.size
            else np.zeros(0, dtype=np.int64)
        )
        for k, view in enumerate(self.views):
            kube = self.connectivity(view)
            mask = same & (cluster_of[s] == k)
            if mask.any():
                ids[mask] = self.meet_words(
                    ids[mask], kube, kube.between_pods(pod_at[s[mask]], pod_at[d[mask]])
                )
            # (pairs through an east-west gateway keep this direct answer for their non-TCP
            # services; their TCP ones come from the gateway's legs)
            mask = source_pod & ~same & (cluster_of[s] == k)
            if mask.any():
                ids[mask] = self.meet_words(
                    ids[mask], kube, kube.to_addresses(pod_at[s[mask]], towards[mask])
                )
            # an edge load balancer enters a meshed cluster through its ingress gateway: pair by pair
            mask = destination_pod & ~same & (cluster_of[d] == k) & ~(proxy[s] & view.meshed)
            if mask.any():
                ids[mask] = self.meet_words(
                    ids[mask], kube, kube.from_addresses(pod_at[d[mask]], seen[mask])
                )
        return ids

    def edge_pairs(
        self,
        s: NDArray[np.intp],
        d: NDArray[np.intp],
        endpoints: list[Endpoint],
        cluster_of: NDArray[np.intp],
    ) -> NDArray[np.bool_]:
        """A load balancer to a pod of a meshed cluster: it enters through the ingress gateway."""
        proxy = np.array([e.proxy is not None for e in endpoints], dtype=np.bool_)
        meshed = np.array([view.meshed for view in self.views] + [False], dtype=np.bool_)
        return proxy[s] & (cluster_of[d] >= 0) & meshed[cluster_of[d]]

    def exact(
        self, a: int, b: int, candidates: int, pods: list[tuple[ClusterLayer, Pod] | None]
    ) -> int:
        """One pair, service by service, as `layered_reach` answers it: over the pieces of the
        candidate services cut at every port the destination's cluster names."""
        destination = pods[b]
        assert destination is not None
        view = destination[0]
        cuts = sorted(set(self.port_cuts(view)) | set(self.policy_ports(view)))
        allowed = ServiceSet.none()
        conditional: dict[tuple[str, ...], ServiceSet] = {}
        for services in _pieces(self.sets.sets[candidates], cuts):
            protocol, port = services.sample()
            text = f"{protocol.lower()}/{port}" if port is not None else protocol.lower()
            answer = self.layered.ask(self.all_names[a], self.all_names[b], text)
            if answer.allowed and answer.conditions:
                key = tuple(answer.conditions)
                conditional[key] = conditional.get(key, ServiceSet.none()) | services
            elif answer.allowed:
                allowed = allowed | services
        if conditional:
            self.conditional[(a, b)] = tuple((v, k) for k, v in conditional.items())
        return self.sets.intern(allowed)

    def policy_ports(self, view: ClusterLayer) -> list[int]:
        """Every port a NetworkPolicy of the cluster names (numbers; named ports are the pods')."""
        ports: set[int] = set()
        for policy in view.kube.network_policies:
            for rule in (*policy.ingress, *policy.egress):
                for spec in rule.ports:
                    if isinstance(spec.port, int):
                        ports.add(spec.port)
                    if spec.end_port is not None:
                        ports.add(spec.end_port)
        return sorted(ports)

    def target_of(self, source: Endpoint, destination: Endpoint) -> int:
        return (
            INTERNET_CLIENT
            if destination.kind == "internet"
            else target_address(source, destination)
        )

    def meet_words(
        self, ids: NDArray[np.int32], kube: Connectivity, words: NDArray[np.uint32]
    ) -> NDArray[np.int32]:
        sets, inverse = kube.sets_of(words)
        mapped = np.array([self.sets.intern(x) for x in sets], dtype=np.int32)
        return self.sets.combine(ids, mapped[inverse]) if sets else ids

    def with_mesh(
        self,
        s: NDArray[np.intp],
        d: NDArray[np.intp],
        ids: NDArray[np.int32],
        endpoints: list[Endpoint],
        pods: list[tuple[ClusterLayer, Pod] | None],
        cluster_of: NDArray[np.intp],
        gateway: NDArray[np.bool_],
    ) -> NDArray[np.int32]:
        """Each pair with a destination pod: the sidecar's answer for the client it sees."""
        ids = ids.copy()
        for k in np.flatnonzero((cluster_of[d] >= 0) & ~gateway & (ids != 0)).tolist():
            a, b = int(s[k]), int(d[k])
            destination = pods[b]
            assert destination is not None
            view, pod = destination
            source = pods[a]
            _, client_ip, principal, _ = self.layered.client(source, self.all_names[a], view, False)
            outcome = self.mesh(view, pod, client_ip, principal)
            base = int(ids[k])
            ids[k] = self.sets.meet(base, outcome.allowed)
            self.add_conditional(a, b, base, outcome.conditional)
        return ids

    def add_conditional(self, a: int, b: int, base: int, conditional: Conditional) -> None:
        within = self.sets.sets[base]
        found = tuple(
            (within & services, conditions)
            for services, conditions in conditional
            if not (within & services).is_empty()
        )
        if found:
            self.conditional[(a, b)] = (*self.conditional.get((a, b), ()), *found)

    def gateway_pairs(
        self,
        net: dict[tuple[int, int], int],
        endpoints: list[Endpoint],
        pods: list[tuple[ClusterLayer, Pod] | None],
        cluster_of: NDArray[np.intp],
        pod_at: NDArray[np.intp],
        shown: NDArray[np.bool_],
    ) -> tuple[list[int], list[int], list[int]]:
        """Pods of a global namespace in another cluster: to the destination cluster's east-west
        gateway (the source's egress policies, the network), then the gateway to the pod (the
        network, the pod's ingress policies, the sidecar for the source's identity)."""
        out_s: list[int] = []
        out_d: list[int] = []
        out_i: list[int] = []
        by_cluster: dict[int, list[int]] = {}
        for i in np.flatnonzero(cluster_of >= 0).tolist():
            if shown[i]:
                by_cluster.setdefault(int(cluster_of[i]), []).append(i)
        for y, view in enumerate(self.views):
            gateway = view.east_west
            endpoint = view.east_west_endpoint
            if gateway is None or endpoint is None:
                continue
            g = self.position[endpoint.name]
            port = gateway.ports[0].port
            kube_y = self.connectivity(view)
            gateway_at = kube_y.pod_positions([gateway.key])[0]
            leg_two: dict[tuple[int, str], tuple[int, int, Conditional]] = {}
            for x, members in by_cluster.items():
                if x == y:
                    continue
                kube_x = self.connectivity(self.views[x])
                for a in members:
                    source = pods[a]
                    assert source is not None
                    targets = [b for b in by_cluster.get(y, []) if self.gateway_between(a, b, pods)]
                    if not targets:
                        continue
                    opens = self.sets.sets[net.get((a, g), 0)]
                    egress = kube_x.sets_of(
                        kube_x.to_addresses(
                            np.array([pod_at[a]]), np.array([gateway.ip_int], dtype=np.int64)
                        )
                    )[0]
                    if not (
                        opens.contains("tcp", port) and egress and egress[0].contains("tcp", port)
                    ):
                        continue
                    principal = mesh_principal(
                        source[0].trust_domain, source[1].namespace, source[1].service_account
                    )
                    for b in targets:
                        key = (b, principal)
                        leg = leg_two.get(key)
                        if leg is None:
                            destination = pods[b]
                            assert destination is not None
                            ingress = kube_y.sets_of(
                                kube_y.ingress_between(
                                    np.array([pod_at[b]]), np.array([gateway_at])
                                )
                            )[0]
                            services = self.sets.sets[net.get((g, b), 0)] & TCP
                            services = services & (ingress[0] if ingress else ServiceSet.none())
                            outcome = self.mesh(
                                destination[0], destination[1], gateway.ip_int, principal
                            )
                            base = self.sets.intern(services)
                            leg = leg_two[key] = (
                                self.sets.meet(base, outcome.allowed),
                                base,
                                outcome.conditional,
                            )
                        found, base, conditional = leg
                        self.add_conditional(a, b, base, conditional)
                        if found:
                            out_s.append(a)
                            out_d.append(b)
                            out_i.append(found)
        return out_s, out_d, out_i

    def through_load_balancers(
        self,
        net: dict[tuple[int, int], int],
        endpoints: list[Endpoint],
        shown: NDArray[np.bool_],
        cells: dict[tuple[int, int], int],
    ) -> None:
        """Where `reach` follows load balancers (the destination not addressable directly), and
        load balancers whose frontend rules carry request conditions: pair by pair, on the one
        port the path carries."""
        for b, destination in enumerate(endpoints):
            if not shown[b]:
                continue
            chain = _backend_chain(self.full, destination)
            conditional_frontend = destination.proxy is not None and any(
                rule.conditions
                for rule in (
                    destination.proxy.frontend_filter.rules
                    if destination.proxy.frontend_filter
                    else ()
                )
            )
            if not chain and not conditional_frontend:
                continue
            if chain:
                outer = self.position[chain[0].name]
                last = chain[-1].proxy
                assert last is not None
                served = next((sv for name, sv in last.backends if name == destination.name), None)
                candidates = [a for a in range(len(endpoints)) if shown[a] and net.get((a, outer))]
                candidates += [self.position[e.name] for e in chain if shown[self.position[e.name]]]
            else:
                served = destination.services
                candidates = [a for a in range(len(endpoints)) if shown[a] and net.get((a, b))]
            if served is None or served.is_empty():
                continue
            protocol, port = served.sample()
            for a in dict.fromkeys(candidates):
                if a == b:
                    continue
                answer = self.layered.ask(
                    self.all_names[a], self.all_names[b], f"{protocol.lower()}/{port}"
                )
                service = (
                    ServiceSet.ports(protocol.lower(), port)
                    if port is not None
                    else ServiceSet.protocol(protocol.lower())
                )
                current = self.sets.sets[cells.get((a, b), 0)] - service
                if answer.allowed and not answer.conditions:
                    current = current | service
                cells[(a, b)] = self.sets.intern(current)
                kept = tuple(
                    (services - service, conditions)
                    for services, conditions in self.conditional.get((a, b), ())
                    if not (services - service).is_empty()
                )
                if answer.allowed and answer.conditions:
                    kept = (*kept, (service, tuple(answer.conditions)))
                if kept:
                    self.conditional[(a, b)] = kept
                else:
                    self.conditional.pop((a, b), None)

    def matrix(self, cells: dict[tuple[int, int], int]) -> Matrix:
        names = self.all_names
        connections = {
            (names[a], names[b]): self.sets.sets[i] for (a, b), i in sorted(cells.items()) if i
        }
        conditional = {(names[a], names[b]): c for (a, b), c in sorted(self.conditional.items())}
        return Matrix(self.names, connections, conditional=conditional)


def _pieces(services: ServiceSet, cuts: list[int]) -> list[ServiceSet]:
    """The services cut at every port of `cuts` (each cut port on its own) for TCP, UDP and
    SCTP; other protocols whole."""
    pieces: list[ServiceSet] = []
    for protocol in ("tcp", "udp", "sctp"):
        within = services & ServiceSet.protocol(protocol)
        for low, high in _atoms(cuts):
            piece = within & ServiceSet.ports(protocol, low, high)
            if not piece.is_empty():
                pieces.append(piece)
        services = services - ServiceSet.protocol(protocol)
    if not services.is_empty():
        pieces.append(services)
    return pieces


def _ints(values: tuple[str, ...]) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except ValueError:
            continue
    return out


def _atoms(cuts: list[int]) -> list[tuple[int, int]]:
    """TCP ports 1-65535 cut so that every cut port is an atom of its own."""
    out: list[tuple[int, int]] = []
    low = 1
    for port in cuts:
        if port > low:
            out.append((low, port - 1))
        out.append((port, port))
        low = port + 1
    if low <= 65535:
        out.append((low, 65535))
    return out
