"""Reach through every layer: pod egress NetworkPolicy, the cloud network, ingress NetworkPolicy, mesh mTLS and authorization.

A flow is delivered only if every layer on its way lets it through, in order (DESIGN, "Layers
compose"). Between clusters of a global namespace, Istio multi-network sends the connection to
the destination cluster's east-west gateway (mTLS passthrough, port 15443 by default): the
network path is source pod → east-west gateway, then gateway → destination pod inside its
cluster; the destination's NetworkPolicy sees the gateway pod, and its sidecar sees the source's
identity (https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/).
An edge load balancer in front of a meshed pod reaches it through the cluster's ingress gateway.
The destination sidecar reads the port as its protocol says (`providers.istio.protocol`); on an
HTTP port a question without a method or path is answered for every request, and a connection
allowed only for some requests carries their description in `Reach.conditions`.
"""

from __future__ import annotations

import dataclasses
import ipaddress

from ..errors import QueryError
from ..ir.layers import ClusterLayer, WorkloadIdentity
from ..ir.types import Endpoint, Source, Topology
from ..providers.istio.authz import Request, mesh_principal, mtls_mode
from ..providers.istio.connection import authorize_connection
from ..providers.istio.sidecar import has_sidecar, intercepts_inbound
from ..providers.kubernetes import Pod
from ..providers.kubernetes.netpol import DirectionVerdict, evaluate_direction
from ..providers.kubernetes.netpol import Endpoint as KubeEndpoint
from .path import INTERNET_CLIENT, Hop, Step, target_address
from .reach import Reach, parse_port, reach, resolve

__all__ = ["LayeredReach", "layered_reach"]


class LayeredReach:
    """Builds the layered answers of one topology (its cluster layers are read once)."""

    def __init__(self, topology: Topology) -> None:
        self.views = topology.clusters
        # the east-west gateways are network endpoints of the layered questions only: the
        # caller's topology (and a matrix computed from it) stays as built
        gateways = {
            view.east_west_endpoint.name: view.east_west_endpoint
            for view in self.views.values()
            if view.east_west_endpoint is not None
        }
        self.topology = dataclasses.replace(topology, endpoints={**topology.endpoints, **gateways})
        self.workloads = topology.workloads

    def pod_of(self, workload: WorkloadIdentity | None) -> tuple[ClusterLayer, Pod] | None:
        if workload is None or workload.kind != "pods" or workload.cluster not in self.views:
            return None
        view = self.views[workload.cluster]
        pods = view.pods.get(workload.name)
        return (view, pods[0]) if pods else None

    def workload_at(
        self, name: str, role: str
    ) -> tuple[WorkloadIdentity | None, tuple[ClusterLayer, Pod] | None]:
        """The workload an endpoint name stands for, and its pod; an address (`--to
        100.64.0.10`) stands for the pod that has it, as the network leg's `resolve` finds its
        endpoint: asked by address, a pod keeps its NetworkPolicies and its sidecar."""
        workload = self.workloads.get(name)
        if workload is not None or name in self.topology.endpoints:
            return workload, self.pod_of(workload)
        try:
            endpoint, address = resolve(self.topology, name, role)
        except QueryError:
            return None, None  # the network leg raises it, located
        workload = self.workloads.get(endpoint.name)
        found = self.pod_of(workload)
        if workload is None or found is None:
            return None, None
        view = found[0]
        pod = next((p for p in view.pods.get(workload.name, ()) if p.ip_int == address), None)
        return (workload, (view, pod)) if pod is not None else (None, None)

    def shares_global_namespace(self, a: WorkloadIdentity, b: WorkloadIdentity) -> bool:
        for gns in self.topology.global_namespaces:
            members = gns.members
            if (a.cluster, a.namespace) in members and (b.cluster, b.namespace) in members:
                return True
        return False

    def ask(
        self,
        source: str,
        destination: str,
        port_text: str,
        method: str | None = None,
        path: str | None = None,
    ) -> Reach:
        protocol, port = parse_port(port_text)
        src_workload, src_pod = self.workload_at(source, "from")
        dst_workload, dst_pod = self.workload_at(destination, "to")
        if src_pod is None and dst_pod is None:
            return reach(self.topology, source, destination, port_text)
        hops: list[Hop] = []
        client_name = source
        verdicts: list[tuple[str, bool]] = []
        conditions: list[str] = []
        requests: list[str] = []  # the mesh's: which requests the connection is allowed for

        via_gateway = (
            src_pod is not None
            and dst_pod is not None
            and src_pod[0] is not dst_pod[0]
            and dst_pod[0].east_west is not None
            and src_workload is not None
            and dst_workload is not None
            and self.shares_global_namespace(src_workload, dst_workload)
            and protocol == "tcp"
        )
        # 1. the source pod's egress NetworkPolicy, towards the address the packet carries
        if src_pod is not None:
            view, pod = src_pod
            target_port: int | None
            if via_gateway:
                assert dst_pod is not None and dst_pod[0].east_west is not None
                gateway = dst_pod[0].east_west
                target, target_port, label = (
                    KubeEndpoint(gateway.ip_int),
                    gateway.ports[0].port,
                    f"{dst_pod[0].name} east-west gateway {gateway.ip}",
                )
            else:
                address = self.target_of(source, destination)
                same = dst_pod is not None and dst_pod[0] is view
                target = KubeEndpoint(address, dst_pod[1] if same and dst_pod else None)
                target_port, label = port, destination
            verdict = evaluate_direction(
                view.kube, "egress", pod, target, protocol.upper(), target_port
            )
            hops.append(Hop(pod.key, [_netpol_step(verdict, pod, label, protocol, target_port)]))
            verdicts.append(("DENIED_EGRESS_NETPOL", verdict.allowed))

        # 2. the cloud network (one or two legs)
        if via_gateway:
            assert dst_pod is not None and dst_pod[0].east_west is not None
            assert dst_pod[0].east_west_endpoint is not None
            gateway_name = dst_pod[0].east_west_endpoint.name
            leg = reach(
                self.topology, source, gateway_name, f"tcp/{dst_pod[0].east_west.ports[0].port}"
            )
            hops.extend(leg.hops)
            verdicts.append((leg.disposition, leg.allowed))
            if leg.allowed:
                inner = reach(self.topology, gateway_name, destination, port_text)
                hops.append(
                    Hop(
                        gateway_name,
                        [
                            Step(
                                "MESH_GATEWAY",
                                f"the east-west gateway passes the mTLS connection through to {destination} (SNI routing)",
                                self.topology.endpoints[gateway_name].source,
                            )
                        ],
                    )
                )
                hops.extend(inner.hops[1:])
                verdicts.append((inner.disposition, inner.allowed))
        else:
            leg = reach(self.topology, source, destination, port_text)
            hops.extend(leg.hops)
            conditions.extend(leg.conditions)
            verdicts.append((leg.disposition, leg.allowed))
            if len(leg.legs) > 1:
                # the network answer went through load balancers: the last one is the client
                front = next(
                    (
                        e.name
                        for e in self.topology.endpoints.values()
                        if e.proxy and any(b == destination for b, _ in e.proxy.backends)
                    ),
                    None,
                )
                client_name = front or source

        # 3. the destination pod's ingress NetworkPolicy and its sidecar
        if dst_pod is not None:
            view, pod = dst_pod
            client_pod, client_ip, principal, edge = self.client(
                src_pod, client_name, view, via_gateway
            )
            verdict = evaluate_direction(
                view.kube,
                "ingress",
                pod,
                KubeEndpoint(client_ip, client_pod),
                protocol.upper(),
                port,
            )
            steps = [
                _netpol_step(
                    verdict, pod, client_pod.key if client_pod else client_name, protocol, port
                )
            ]
            verdicts.append(("DENIED_INGRESS_NETPOL", verdict.allowed))
            steps.extend(
                self._mesh(
                    view,
                    pod,
                    client_ip,
                    principal,
                    protocol,
                    port,
                    method,
                    path,
                    verdicts,
                    requests,
                    edge,
                )
            )
            hops.append(Hop(f"{pod.key} ({view.name})", steps))

        denied = next((name for name, ok in verdicts if not ok), None)
        return Reach(
            source,
            destination,
            port_text.lower(),
            denied is None,
            denied or "DELIVERED",
            hops,
            # a denied connection carries no request; the trace still shows the mesh's answer
            [*conditions, *requests] if denied is None else conditions,
        )

    def target_of(self, source: str, destination: str) -> int:
        """The address the packet carries towards a destination (as the network leg's)."""
        target = self.topology.endpoints.get(destination)
        if target is None:
            # a name the blueprint does not have, or an address it cannot take (IPv6, a range),
            # is the same located QueryError as from a VM: `resolve` decides
            return resolve(self.topology, destination, "to")[1]
        if target.kind == "internet":
            return INTERNET_CLIENT
        client = self.topology.endpoints.get(source)
        return target_address(client, target) if client is not None else target.address

    @staticmethod
    def client_address(endpoint: Endpoint) -> int:
        """The address a non-pod client's packets carry: a load balancer's egress side, the
        documentation address standing for an internet client, else its first address."""
        if endpoint.kind == "internet":
            return INTERNET_CLIENT
        if endpoint.proxy is not None and not endpoint.proxy.egress_addresses.is_empty():
            return endpoint.proxy.egress_addresses.min()
        return endpoint.address

    def mesh_outcome(
        self, view: ClusterLayer, pod: Pod, client_ip: int, principal: str | None, port: int
    ) -> tuple[bool, tuple[str, ...]]:
        """What the destination's sidecar answers a TCP connection on `port` (allowed, and the
        requests it is allowed for when only some are): the same decision `ask` traces."""
        verdicts: list[tuple[str, bool]] = []
        requests: list[str] = []
        self._mesh(
            view, pod, client_ip, principal, "tcp", port, None, None, verdicts, requests, None
        )
        allowed = all(ok for _, ok in verdicts)
        return allowed, tuple(requests) if allowed else ()

    def client(
        self,
        src_pod: tuple[ClusterLayer, Pod] | None,
        source: str,
        view: ClusterLayer,
        via_gateway: bool,
    ) -> tuple[Pod | None, int, str | None, str | None]:
        """Who the destination pod sees: (pod in its cluster, address, mTLS principal, edge note)."""
        if via_gateway and view.east_west is not None and src_pod is not None:
            pod = src_pod[1]
            return (
                view.east_west,
                view.east_west.ip_int,
                mesh_principal(src_pod[0].trust_domain, pod.namespace, pod.service_account),
                None,
            )
        if src_pod is not None and src_pod[0] is view:
            pod = src_pod[1]
            has = has_sidecar(view.kube, pod)
            return (
                pod,
                pod.ip_int,
                mesh_principal(view.trust_domain, pod.namespace, pod.service_account)
                if has
                else None,
                None,
            )
        endpoint = self.topology.endpoints.get(source)
        address = (
            self.client_address(endpoint)
            if endpoint is not None
            else resolve(self.topology, source, "from")[1]
        )
        if endpoint is not None and endpoint.proxy is not None and view.meshed:
            # an edge load balancer enters the mesh through the cluster's ingress gateway
            gateway = dataclasses.replace(
                view.ingress,
                ip=str(
                    ipaddress.IPv4Address(
                        endpoint.proxy.egress_addresses.min()
                        if not endpoint.proxy.egress_addresses.is_empty()
                        else address
                    )
                ),
            )
            principal = mesh_principal(
                view.trust_domain, gateway.namespace, gateway.service_account
            )
            return (
                gateway,
                gateway.ip_int,
                principal,
                f"{source} enters the mesh through the Istio ingress gateway of {view.name}",
            )
        if src_pod is not None:
            return None, src_pod[1].ip_int, None, None
        return None, address, None, None

    def _mesh(
        self,
        view: ClusterLayer,
        pod: Pod,
        client_ip: int,
        principal: str | None,
        protocol: str,
        port: int | None,
        method: str | None,
        path: str | None,
        verdicts: list[tuple[str, bool]],
        conditions: list[str],
        edge: str | None,
    ) -> list[Step]:
        """The destination's sidecar: mTLS, the port's protocol, authorization. A connection
        allowed only for some HTTP requests adds their description to `conditions`."""
        if not has_sidecar(view.kube, pod):
            return [Step("MESH", f"{pod.key} has no Istio sidecar: the mesh enforces nothing")]
        if protocol != "tcp" or port is None:
            return [Step("MESH", f"Istio sidecars intercept TCP only, not {protocol}")]
        if not intercepts_inbound(pod, port):
            return [
                Step(
                    "MESH",
                    f"port {port} of {pod.key} is not redirected to its sidecar "
                    "(traffic.sidecar.istio.io/includeInboundPorts, excludeInboundPorts): "
                    "the mesh enforces nothing on it",
                )
            ]
        steps = []
        if edge:
            steps.append(Step("MESH_INGRESS_GATEWAY", edge))
        mode, peer = mtls_mode(view.kube, pod, port)
        where = _source(
            peer.location if peer else None,
            f"PeerAuthentication/{peer.key}" if peer else "mesh default",
        )
        if mode == "STRICT" and principal is None:
            steps.append(
                Step(
                    "MESH_MTLS",
                    f"mTLS STRICT on {pod.key}:{port}: the client has no mesh identity, plaintext is rejected",
                    where,
                )
            )
            verdicts.append(("DENIED_MTLS", False))
            return steps
        how = (
            f"mTLS as {principal}"
            if principal and mode != "DISABLE"
            else "plaintext: no authenticated principal"
        )
        caveat = (
            "; PERMISSIVE also accepts plaintext, which carries no principal: identity-based policies cannot authenticate such clients"
            if mode == "PERMISSIVE"
            else ""
        )
        steps.append(
            Step(
                "MESH_MTLS",
                f"mTLS {mode} on {pod.key}:{port}; connection uses {how}{caveat}",
                where,
            )
        )
        request = Request(
            source_ip=str(ipaddress.IPv4Address(client_ip)),
            source_principal=principal if mode != "DISABLE" else None,
            source_namespace=principal.split("/ns/")[1].split("/")[0]
            if principal and mode != "DISABLE"
            else None,
            destination_ip=pod.ip,
            port=port,
            method=method,
            path=path,
        )
        answer = authorize_connection(view.kube, pod, request)
        steps.append(
            Step(
                "MESH_PROTOCOL",
                answer.protocol.describe(port),
                _source(answer.protocol.location, answer.protocol.resource)
                if answer.protocol.resource
                else None,
            )
        )
        policy = answer.decision.policy
        resource = (
            f"AuthorizationPolicy/{policy.namespace}/{policy.name}" if policy else "authorization"
        )
        steps.append(
            Step("MESH_AUTHORIZATION", answer.explanation, _source(answer.location, resource))
        )
        verdicts.append(("DENIED_MESH_AUTHORIZATION", answer.allowed))
        conditions.extend(answer.conditions)
        return steps


def _source(location: object, resource: str) -> Source | None:
    if location is None:
        return Source(resource)
    file = getattr(location, "file", None)
    line = getattr(location, "line", 0)
    return Source(resource, None, file or None, line or None)


def _netpol_step(
    verdict: DirectionVerdict, pod: Pod, other: str, protocol: str, port: int | None
) -> Step:
    action = "APPLY_EGRESS_NETPOL" if verdict.direction == "egress" else "APPLY_INGRESS_NETPOL"
    service = f"{protocol}/{port}" if port is not None else protocol
    if not verdict.isolated:
        return Step(action, f"no NetworkPolicy isolates {pod.key} for {verdict.direction}: allowed")
    if verdict.matched:
        policy, rule = verdict.matched[0]
        return Step(
            action,
            f"NetworkPolicy {policy.key} {verdict.direction}[{rule.index}] allows {service} with {other}",
            _source(rule.location, f"NetworkPolicy/{policy.key}"),
        )
    names = ", ".join(p.key for p in verdict.policies)
    return Step(
        action,
        f"{pod.key} is isolated for {verdict.direction} by {names}; no rule allows {service} with {other}: denied",
        _source(verdict.policies[0].location, f"NetworkPolicy/{verdict.policies[0].key}"),
    )


def layered_reach(
    topology: Topology,
    source: str,
    destination: str,
    port: str,
    method: str | None = None,
    path: str | None = None,
) -> Reach:
    """`reach` through every layer (see the module docstring)."""
    return LayeredReach(topology).ask(source, destination, port, method, path)
