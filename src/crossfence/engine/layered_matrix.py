"""The matrix through every layer: the cloud network, NetworkPolicy and the mesh, and the paths through load balancers.

A cell holds the services `layered_reach` answers allowed for the pair, split in two: those
allowed outright, and those allowed only for some requests (`allowed_if`: an IAP token, HTTP
methods and paths) with what the requests must carry. The work, pairs as arrays throughout:

1. the network matrix (`fastmatrix`), on the topology with the east-west gateways;
2. per cluster, the NetworkPolicy services of every pair a pod takes part in, gathered from the
   cluster's class tables (`providers.kubernetes.connectivity`) by pod class and address atom;
3. the mesh's answer once per destination class (same cluster, namespace, labels, ports and
   identity) and client identity, over the ports where it can change, then gathered per pair;
4. pods of a global namespace in two clusters: the two legs through the destination cluster's
   east-west gateway, per source identity and destination;
5. pair by pair, the few paths `reach` follows through load balancers, and load balancers that
   enter a meshed cluster through its ingress gateway.

A property test holds every cell equal, port by port, to `layered_reach`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..algebra.packets import ServiceSet
from ..ir.layers import ClusterLayer
from ..ir.types import Topology
from ..providers.istio.authz import mesh_principal
from ..providers.istio.sidecar import has_sidecar, inbound_ports
from ..providers.kubernetes import Pod
from ..providers.kubernetes.connectivity import Connectivity
from ..providers.kubernetes.connectivity import connectivity as kube_connectivity
from .fastmatrix import PackedConnections, _Sets, fast_connections
from .layers import LayeredReach
from .matrix import Conditional, Matrix
from .path import INTERNET_CLIENT
from .reach import _backend_chain
from .twins import Twins, find_twins

__all__ = ["layered_connectivity"]

TCP = ServiceSet.protocol("tcp")
Progress = Callable[[int, int], None]
Ints = NDArray[np.int64]
Ids = NDArray[np.int32]
Mask = NDArray[np.bool_]
TWINS_WORTH = 0.1
"""The share of endpoints twins must leave out for the second pass to be worth it."""


def layered_connectivity(
    topology: Topology, progress: Progress | None = None, twins: bool = True
) -> Matrix:
    """The full matrix through every layer (see the module docstring); with `twins`, worked
    out for two endpoints of each group every layer treats alike and copied to the rest
    (`twins.py`)."""
    whole = _Layered(topology, progress)
    if not twins:
        return whole.run()
    found = whole.twins(topology)
    if len(found.dropped()) < len(topology.endpoints) * TWINS_WORTH:
        return whole.run()  # too few twins to be worth a second pass
    small = _Layered(found.reduced(topology), progress)
    small.kube, small.reads_addresses = whole.kube, whole.reads_addresses
    return found.expand(small.run(), whole.names)


@dataclass
class _Mesh:
    """The mesh's answer for one destination class and client: allowed and conditional services."""

    allowed: int
    conditional: Conditional


class _Layered:
    def __init__(self, topology: Topology, progress: Progress | None) -> None:
        self.layered = LayeredReach(topology)
        self.full = self.layered.topology  # with the east-west gateways
        self.progress = progress
        self.names = sorted(topology.endpoints)
        self.all_names = sorted(self.full.endpoints)
        self.n = len(self.all_names)
        self.position = {name: i for i, name in enumerate(self.all_names)}
        self.endpoints = [self.full.endpoints[name] for name in self.all_names]
        self.sets = _Sets()
        self.views = list(self.layered.views.values())
        self.kube: dict[str, Connectivity] = {}
        self.cuts: dict[str, list[int]] = {}
        self.reads_addresses: dict[str, bool] = {}
        self.mesh_cache: dict[tuple[object, ...], _Mesh] = {}
        self.conditional: dict[tuple[int, int], Conditional] = {}
        self.pods: list[tuple[ClusterLayer, Pod] | None] = [
            self.layered.pod_of(self.layered.workloads.get(name)) for name in self.all_names
        ]

    def twins(self, topology: Topology) -> Twins:
        """The endpoints of `topology` every layer treats alike (`twins.py`)."""
        return find_twins(
            topology,
            self.layered.views,
            lambda name: self.layered.pod_of(self.layered.workloads.get(name)),
            self.connectivity,
            self.uses_addresses,
        )

    # -- per cluster -----------------------------------------------------------------------

    def connectivity(self, view: ClusterLayer) -> Connectivity:
        found = self.kube.get(view.name)
        if found is None:
            found = self.kube[view.name] = kube_connectivity(view.kube)
        return found

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
                ports.update(inbound_ports(pod)[1])  # where the sidecar's redirection changes
            found = self.cuts[view.name] = sorted(p for p in ports if 1 <= p <= 65535)
        return found

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

    def uses_addresses(self, view: ClusterLayer) -> bool:
        """Whether the cluster's authorization reads the client's or the destination's address
        (ipBlocks, `when` on an address): otherwise the mesh's answer depends on identities."""
        found = self.reads_addresses.get(view.name)
        if found is None:
            found = any(
                any("ipblocks" in key.lower() for source in rule.sources for key in source.values)
                or any(c.key.endswith(".ip") for c in rule.conditions)
                for policy in view.kube.authorization_policies
                for rule in policy.rules
            )
            self.reads_addresses[view.name] = found
        return found

    def mesh(self, view: ClusterLayer, pod: Pod, client_ip: int, principal: str | None) -> _Mesh:
        """What the destination's sidecar allows a client, over every TCP port (other
        protocols pass: the sidecar intercepts TCP only)."""
        if not has_sidecar(view.kube, pod):
            return _Mesh(1, ())
        allowed = ServiceSet.all() - TCP
        by_conditions: dict[tuple[str, ...], ServiceSet] = {}
        for low, high in _atoms(self.port_cuts(view)):
            ok, requests = self.layered.mesh_outcome(view, pod, client_ip, principal, low)
            if not ok:
                continue
            services = ServiceSet.ports("tcp", low, high)
            if requests:
                by_conditions[requests] = by_conditions.get(requests, ServiceSet.none()) | services
            else:
                allowed = allowed | services
        return _Mesh(
            self.sets.intern(allowed),
            tuple((services, conditions) for conditions, services in by_conditions.items()),
        )

    def mesh_class(self, i: int) -> tuple[object, ...]:
        """What the mesh's answer to a destination pod depends on, besides the client."""
        found = self.pods[i]
        assert found is not None
        view, pod = found
        where: object = pod.ip if self.uses_addresses(view) else None
        return (
            view.name,
            pod.namespace,
            tuple(sorted(pod.labels.items())),
            tuple(pod.ports),
            pod.service_account,
            tuple(sorted(pod.annotations.items())),
            where,
        )

    # -- the whole matrix -------------------------------------------------------------------

    def run(self) -> Matrix:
        n = self.n
        packed = fast_connections(self.full, self.progress)
        remap = np.array([self.sets.intern(x) for x in packed.sets], dtype=np.int32)
        s: Ints = packed.sources.astype(np.int64)
        d: Ints = packed.destinations.astype(np.int64)
        ids: Ids = remap[packed.ids] if len(packed) else np.zeros(0, dtype=np.int32)
        self.net = (s, d, ids)
        names = set(self.names)
        shown = np.array([name in names for name in self.all_names], dtype=np.bool_)
        keep = shown[s] & shown[d]
        s, d, ids = s[keep], d[keep], ids[keep]
        view_index = {view.name: k for k, view in enumerate(self.views)}
        self.cluster_of = np.full(n, -1, dtype=np.intp)
        self.pod_at = np.full(n, -1, dtype=np.intp)
        for i, found in enumerate(self.pods):
            if found is not None:
                view, pod = found
                self.cluster_of[i] = view_index[view.name]
                self.pod_at[i] = self.connectivity(view).pod_positions([pod.key])[0]
        gateway = self.gateway_table()[self.member_code[s], self.member_code[d]]
        ids = self.network_policies(s, d, ids, gateway)
        edge = self.edge_pairs(s, d)
        ids = self.with_mesh(s, d, ids, gateway | edge)
        for k in np.flatnonzero(edge & (ids != 0)).tolist():
            ids[k] = self.exact(int(s[k]), int(d[k]), int(ids[k]))
        # through an east-west gateway: TCP comes from the gateway's two legs, the rest stays
        if gateway.any():
            ids[gateway] = self.sets.combine(
                ids[gateway],
                np.full(
                    int(gateway.sum()), self.sets.intern(ServiceSet.all() - TCP), dtype=np.int32
                ),
            )
        gs, gd, gi = self.gateway_pairs(shown)
        s, d, ids = self.merge(
            np.concatenate((s, gs)), np.concatenate((d, gd)), np.concatenate((ids, gi))
        )
        s, d, ids = self.through_load_balancers(shown, s, d, ids)
        return self.matrix(s, d, ids)

    # -- the network leg, NetworkPolicy -------------------------------------------------------

    def target(self, s: Ints, d: Ints) -> Ints:
        """The address each pair's packets carry (as `LayeredReach.target_of`)."""
        endpoints = self.endpoints
        private = np.array(
            [e.address if not e.addresses.is_empty() else 0 for e in endpoints], dtype=np.int64
        )
        public = np.array(
            [e.public_address if e.public_address is not None else -1 for e in endpoints],
            dtype=np.int64,
        )
        net_none = np.array([e.network is None for e in endpoints], dtype=np.bool_)
        proxy = np.array([e.proxy is not None for e in endpoints], dtype=np.bool_)
        internet = np.array([e.kind == "internet" for e in endpoints], dtype=np.bool_)
        use_public = (public[d] >= 0) & (net_none[s] | (proxy[d] & net_none[d]))
        out: Ints = np.where(use_public, public[d], private[d])
        out[internet[d]] = INTERNET_CLIENT
        return out

    def client_addresses(self) -> Ints:
        """Per endpoint, the address a destination pod sees from it when it is not a pod of
        the same cluster (a pod of another one: its own address)."""
        out = np.zeros(self.n, dtype=np.int64)
        for i, endpoint in enumerate(self.endpoints):
            found = self.pods[i]
            if found is not None:
                out[i] = found[1].ip_int
            else:
                out[i] = self.layered.client_address(endpoint)
        return out

    def network_policies(self, s: Ints, d: Ints, ids: Ids, gateway: Mask) -> Ids:
        """Each pair's services through the source pod's egress and the destination pod's
        ingress NetworkPolicies, as `LayeredReach.ask` evaluates them (pairs through an
        east-west gateway keep this direct answer for their non-TCP services)."""
        ids = ids.copy()
        cluster_of, pod_at = self.cluster_of, self.pod_at
        source_pod, destination_pod = cluster_of[s] >= 0, cluster_of[d] >= 0
        same = source_pod & destination_pod & (cluster_of[s] == cluster_of[d])
        proxy = np.array([e.proxy is not None for e in self.endpoints], dtype=np.bool_)
        towards = self.target(s, d)
        seen = self.client_addresses()[s]
        for k, view in enumerate(self.views):
            kube = self.connectivity(view)
            mask = same & (cluster_of[s] == k)
            if mask.any():
                ids[mask] = self.meet_sets(
                    ids[mask], kube.pair_sets("between", pod_at[s[mask]], pod_at[d[mask]])
                )
            mask = source_pod & ~same & (cluster_of[s] == k)
            if mask.any():
                ids[mask] = self.meet_sets(
                    ids[mask], kube.pair_sets("to", pod_at[s[mask]], towards[mask])
                )
            # an edge load balancer enters a meshed cluster through its ingress gateway: `exact`
            mask = destination_pod & ~same & (cluster_of[d] == k) & ~(proxy[s] & view.meshed)
            if mask.any():
                ids[mask] = self.meet_sets(
                    ids[mask], kube.pair_sets("from", pod_at[d[mask]], seen[mask])
                )
        return ids

    def meet_sets(self, ids: Ids, found: tuple[list[ServiceSet], NDArray[np.intp]]) -> Ids:
        sets, inverse = found
        if not sets:
            return ids
        mapped = np.array([self.sets.intern(x) for x in sets], dtype=np.int32)
        return self.sets.combine(ids, mapped[inverse])

    # -- the mesh ------------------------------------------------------------------------------

    def with_mesh(self, s: Ints, d: Ints, ids: Ids, skip: Mask) -> Ids:
        """Each pair with a destination pod: the sidecar's answer for the client it sees, once
        per destination class and client identity."""
        ids = ids.copy()
        todo = np.flatnonzero((self.cluster_of[d] >= 0) & ~skip & (ids != 0))
        if not todo.size:
            return ids
        same = self.cluster_of[s[todo]] == self.cluster_of[d[todo]]
        classes: dict[tuple[object, ...], int] = {}
        dest_class = np.full(self.n, -1, dtype=np.int64)
        for i in np.unique(d[todo]).tolist():
            dest_class[i] = classes.setdefault(self.mesh_class(i), len(classes))
        # the client's identity: a pod of the same cluster shows its principal (when it has a
        # sidecar); anything else is plaintext, its address read only where policies read one
        identities: dict[tuple[str | None, int], int] = {}
        inside_code = np.full(self.n, -1, dtype=np.int64)
        for i in np.unique(s[todo][same]).tolist():
            found = self.pods[i]
            assert found is not None
            view, pod = found
            principal = (
                mesh_principal(view.trust_domain, pod.namespace, pod.service_account)
                if has_sidecar(view.kube, pod)
                else None
            )
            key = (principal, pod.ip_int if self.uses_addresses(view) else 0)
            inside_code[i] = identities.setdefault(key, len(identities))
        outside = np.full(todo.size, identities.setdefault((None, 0), len(identities)))
        reads = np.array([self.uses_addresses(v) for v in self.views] + [False], dtype=np.bool_)
        mask = ~same & reads[self.cluster_of[d[todo]]]
        if mask.any():
            seen = self.client_addresses()[s[todo[mask]]]
            outside[mask] = [
                identities.setdefault((None, int(a)), len(identities)) for a in seen.tolist()
            ]
        client_key = np.where(same, inside_code[s[todo]], outside)
        pairs = dest_class[d[todo]] * max(1, len(identities)) + client_key
        _, first, inverse = np.unique(pairs, return_index=True, return_inverse=True)
        by_identity = {v: key for key, v in identities.items()}
        outcomes: list[_Mesh] = []
        for f in first.tolist():
            b = int(d[todo[f]])
            principal, address = by_identity[int(client_key[f])]
            outcomes.append(self.mesh_for(b, address, principal))
        allowed = np.array([o.allowed for o in outcomes], dtype=np.int32)
        inverse = inverse.reshape(-1)
        base = ids[todo]
        ids[todo] = self.sets.combine(base, allowed[inverse])
        for j in np.flatnonzero(
            np.array([bool(o.conditional) for o in outcomes])[inverse]
        ).tolist():
            k = int(todo[j])
            self.add_conditional(
                int(s[k]), int(d[k]), int(base[j]), outcomes[int(inverse[j])].conditional
            )
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

    # -- east-west gateways ------------------------------------------------------------------

    def gateway_table(self) -> Mask:
        """`[source member code, destination member code]`: pods whose TCP connections go
        through the destination cluster's east-west gateway (members of one global namespace
        in two clusters, the destination's with a gateway). Code -1 (the last row and column)
        is every endpoint that is no pod."""
        codes: dict[tuple[str, str], int] = {}
        member = np.full(self.n, -1, dtype=np.intp)
        for i, found in enumerate(self.pods):
            if found is not None:
                member[i] = codes.setdefault((found[0].name, found[1].namespace), len(codes))
        self.member_code = member
        table = np.zeros((len(codes) + 1, len(codes) + 1), dtype=np.bool_)
        gateways = {v.name for v in self.views if v.east_west is not None}
        for (cx, nx), x in codes.items():
            for (cy, ny), y in codes.items():
                table[x, y] = (
                    cx != cy
                    and cy in gateways
                    and any(
                        (cx, nx) in g.members and (cy, ny) in g.members
                        for g in self.full.global_namespaces
                    )
                )
        return table

    def gateway_pairs(self, shown: Mask) -> tuple[Ints, Ints, Ids]:
        """To the destination cluster's east-west gateway (the source's egress policies, the
        network), then the gateway to the pod (the network, the pod's ingress policies, the
        sidecar for the source's identity)."""
        out_s: list[Ints] = []
        out_d: list[Ints] = []
        out_i: list[Ids] = []
        table = self.gateway_table()
        net_s, net_d, net_ids = self.net
        pods = np.flatnonzero((self.cluster_of >= 0) & shown)
        for y, view in enumerate(self.views):
            gateway, endpoint = view.east_west, view.east_west_endpoint
            if gateway is None or endpoint is None:
                continue
            g = self.position[endpoint.name]
            port = gateway.ports[0].port
            kube_y = self.connectivity(view)
            gateway_at = int(kube_y.pod_positions([gateway.key])[0])
            to_gateway = _column(net_s, net_d, net_ids, g, self.n)
            from_gateway = _row(net_s, net_d, net_ids, g, self.n)
            targets = pods[self.cluster_of[pods] == y]
            if not targets.size:
                continue
            ingress_sets, ingress_of = kube_y.sets_of(
                kube_y.ingress_between(self.pod_at[targets], np.full(targets.size, gateway_at))
            )
            ingress_ids = np.array([self.sets.intern(x) for x in ingress_sets], dtype=np.int32)
            tcp = self.sets.intern(TCP)
            leg_base = self.sets.combine(
                self.sets.combine(
                    from_gateway[targets], np.full(targets.size, tcp, dtype=np.int32)
                ),
                ingress_ids[ingress_of],
            )
            for x, source_view in enumerate(self.views):
                if x == y:
                    continue
                sources = pods[self.cluster_of[pods] == x]
                if not sources.size:
                    continue
                kube_x = self.connectivity(source_view)
                egress_sets, egress_of = kube_x.sets_of(
                    kube_x.to_addresses(
                        self.pod_at[sources], np.full(sources.size, gateway.ip_int, dtype=np.int64)
                    )
                )
                egress_opens = np.array(
                    [x_.contains("tcp", port) for x_ in egress_sets], dtype=np.bool_
                )
                net_opens = np.array(
                    [
                        self.sets.sets[int(i)].contains("tcp", port)
                        for i in to_gateway[sources].tolist()
                    ],
                    dtype=np.bool_,
                )
                ready = sources[egress_opens[egress_of] & net_opens] if egress_sets else sources[:0]
                by_principal: dict[str, list[int]] = {}
                for a in ready.tolist():
                    found = self.pods[a]
                    assert found is not None
                    pod = found[1]
                    principal = mesh_principal(
                        source_view.trust_domain, pod.namespace, pod.service_account
                    )
                    by_principal.setdefault(principal, []).append(a)
                for principal, members in by_principal.items():
                    cells = np.zeros(targets.size, dtype=np.int32)
                    conditional: list[Conditional] = []
                    for t, b in enumerate(targets.tolist()):
                        outcome = self.mesh_for(b, gateway.ip_int, principal)
                        cells[t] = self.sets.meet(int(leg_base[t]), outcome.allowed)
                        conditional.append(outcome.conditional)
                    for a in members:
                        allowed = table[self.member_code[a], self.member_code[targets]]
                        out_s.append(np.full(int(allowed.sum()), a, dtype=np.int64))
                        out_d.append(targets[allowed].astype(np.int64))
                        out_i.append(cells[allowed])
                        for t in np.flatnonzero(allowed).tolist():
                            if conditional[t]:
                                self.add_conditional(
                                    a, int(targets[t]), int(leg_base[t]), conditional[t]
                                )
        if not out_s:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.int32)
        return np.concatenate(out_s), np.concatenate(out_d), np.concatenate(out_i)

    def mesh_for(self, b: int, client_ip: int, principal: str | None) -> _Mesh:
        found = self.pods[b]
        assert found is not None
        view, pod = found
        key = (self.mesh_class(b), principal, client_ip if self.uses_addresses(view) else 0)
        outcome = self.mesh_cache.get(key)
        if outcome is None:
            outcome = self.mesh_cache[key] = self.mesh(view, pod, client_ip, principal)
        return outcome

    # -- load balancers ----------------------------------------------------------------------

    def edge_pairs(self, s: Ints, d: Ints) -> Mask:
        """A load balancer to a pod of a meshed cluster: it enters through the ingress gateway."""
        proxy = np.array([e.proxy is not None for e in self.endpoints], dtype=np.bool_)
        meshed = np.array([view.meshed for view in self.views] + [False], dtype=np.bool_)
        out: Mask = proxy[s] & (self.cluster_of[d] >= 0) & meshed[self.cluster_of[d]]
        return out

    def exact(self, a: int, b: int, candidates: int) -> int:
        """One pair, service by service, as `layered_reach` answers it: over the pieces of the
        candidate services cut at every port the destination's cluster names."""
        found = self.pods[b]
        assert found is not None
        view = found[0]
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

    def through_load_balancers(
        self, shown: Mask, s: Ints, d: Ints, ids: Ids
    ) -> tuple[Ints, Ints, Ids]:
        """Where `reach` follows load balancers (the destination not addressable directly), and
        load balancers whose frontend rules carry request conditions: pair by pair, on the one
        port the path carries."""
        n = self.n
        keys = s * n + d
        updates: dict[int, int] = {}
        net_s, net_d, net_ids = self.net
        backends = {
            name for e in self.endpoints if e.proxy is not None for name, _ in e.proxy.backends
        }
        for b, destination in enumerate(self.endpoints):
            if not shown[b]:
                continue
            chain = _backend_chain(self.full, destination) if destination.name in backends else []
            frontend = destination.proxy.frontend_filter if destination.proxy else None
            conditional_frontend = frontend is not None and any(
                r.conditions for r in frontend.rules
            )
            if not chain and not conditional_frontend:
                continue
            if chain:
                last = chain[-1].proxy
                assert last is not None
                served = next((sv for name, sv in last.backends if name == destination.name), None)
                outer = self.position[chain[0].name]
                reaching = _column(net_s, net_d, net_ids, outer, n)
                candidates = [a for a in np.flatnonzero(reaching != 0).tolist() if shown[a]]
                candidates += [self.position[e.name] for e in chain]
            else:
                served = destination.services
                reaching = _column(net_s, net_d, net_ids, b, n)
                candidates = [a for a in np.flatnonzero(reaching != 0).tolist() if shown[a]]
            if served is None or served.is_empty():
                continue
            protocol, port = served.sample()
            service = (
                ServiceSet.ports(protocol.lower(), port)
                if port is not None
                else ServiceSet.protocol(protocol.lower())
            )
            text = f"{protocol.lower()}/{port}" if port is not None else protocol.lower()
            for a in dict.fromkeys(candidates):
                if a == b or not shown[a]:
                    continue
                answer = self.layered.ask(self.all_names[a], self.all_names[b], text)
                key = a * n + b
                at = np.searchsorted(keys, key)
                current_id = updates.get(
                    key, int(ids[at]) if at < keys.size and keys[at] == key else 0
                )
                current = self.sets.sets[current_id] - service
                if answer.allowed and not answer.conditions:
                    current = current | service
                updates[key] = self.sets.intern(current)
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
        if not updates:
            return s, d, ids
        new_keys = np.array(sorted(updates), dtype=np.int64)
        new_ids = np.array([updates[k] for k in new_keys.tolist()], dtype=np.int32)
        keep = ~np.isin(keys, new_keys)
        keys = np.concatenate((keys[keep], new_keys))
        ids = np.concatenate((ids[keep], new_ids))
        order = np.argsort(keys, kind="stable")
        keys, ids = keys[order], ids[order]
        return keys // n, keys % n, ids

    # -- assembling ----------------------------------------------------------------------------

    def merge(self, s: Ints, d: Ints, ids: Ids) -> tuple[Ints, Ints, Ids]:
        """Sorted by pair, one entry per pair (the union of its entries' services)."""
        n = self.n
        keys = s * n + d
        order = np.argsort(keys, kind="stable")
        keys, ids = keys[order], ids[order]
        if keys.size:
            starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
            if starts.size != keys.size:
                merged = ids[starts].copy()
                ends = np.concatenate((starts[1:], [keys.size]))
                unions: dict[tuple[int, ...], int] = {}
                for j in np.flatnonzero(ends - starts > 1).tolist():
                    parts = tuple(sorted(set(ids[int(starts[j]) : int(ends[j])].tolist())))
                    found = unions.get(parts)
                    if found is None:
                        union = ServiceSet.none()
                        for part in parts:
                            union = union | self.sets.sets[part]
                        found = unions[parts] = self.sets.intern(union)
                    merged[j] = found
                keys, ids = keys[starts], merged
        return keys // n, keys % n, ids

    def matrix(self, s: Ints, d: Ints, ids: Ids) -> Matrix:
        out_index = np.full(self.n, -1, dtype=np.int64)
        for i, name in enumerate(self.names):
            out_index[self.position[name]] = i
        live = ids != 0
        packed = PackedConnections(
            out_index[s[live]], out_index[d[live]], ids[live], self.sets.sets
        )
        names = self.all_names
        conditional = {
            (names[a], names[b]): c for (a, b), c in sorted(self.conditional.items()) if c
        }
        return Matrix(self.names, packed=packed, conditional=conditional, layers="all")


def _column(s: Ints, d: Ints, ids: Ids, target: int, n: int) -> Ids:
    """Per source endpoint, the set id of its network cell towards `target` (0: nothing)."""
    out = np.zeros(n, dtype=np.int32)
    mask = d == target
    out[s[mask]] = ids[mask]
    return out


def _row(s: Ints, d: Ints, ids: Ids, source: int, n: int) -> Ids:
    """Per destination endpoint, the set id of the network cell from `source` (0: nothing)."""
    out = np.zeros(n, dtype=np.int32)
    mask = s == source
    out[d[mask]] = ids[mask]
    return out


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
