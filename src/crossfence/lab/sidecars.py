"""The mesh in the plan: a sidecar for each injected pod, an Envoy for each east-west gateway and for each load balancer that enters the mesh.

Which pods have a sidecar, how their ports are read (Istio's protocol selection) and which
clusters' pods reach each other through an east-west gateway (members of one global namespace,
Istio multi-network) come from the IR's cluster layers; the mTLS modes and authorization are
compiled from the Istio objects (`mesh.py`). A load balancer in front of a meshed pod reaches it
as the cluster's ingress gateway would: with the gateway's identity
(`istio-system/istio-ingressgateway-service-account`), from the balancer's egress address.
"""

from __future__ import annotations

from pathlib import Path

from ..ir.layers import ClusterLayer
from ..ir.types import Topology
from ..providers.istio.authz import has_sidecar
from ..providers.istio.protocol import HTTP, TCP, TLS, port_protocol
from ..providers.kubernetes.resources import Pod
from .envoy import (
    MARK,
    Certificates,
    InboundPort,
    MeshRoute,
    SidecarConfig,
    eastwest_config,
    sidecar_config,
    sni,
)
from .mesh import peer_mode, rbac
from .pki import ca_path, paths
from .plan import EnvoySpec, Plan

__all__ = ["INGRESS_ACCOUNT", "plan_mesh", "spiffe"]

INGRESS_ACCOUNT = ("istio-system", "istio-ingressgateway-service-account")


def spiffe(trust_domain: str, namespace: str, account: str) -> str:
    return f"spiffe://{trust_domain}/ns/{namespace}/sa/{account}"


class _Mesh:
    def __init__(self, plan: Plan, topology: Topology, directory: Path) -> None:
        self.plan = plan
        self.topology = topology
        self.directory = directory
        # (cluster, workload) -> its meshed pods and their namespaces
        self.meshed: list[tuple[ClusterLayer, str, int, Pod, str]] = []
        for view in topology.clusters.values():
            for workload, pods in view.pods.items():
                instances = plan.instances.get(workload, [])
                for index, pod in enumerate(pods):
                    if index < len(instances) and has_sidecar(view.kube, pod):
                        self.meshed.append((view, workload, index, pod, instances[index].netns))

    def tcp_ports(self, netns: str) -> tuple[int, ...]:
        return next((s.tcp for s in self.plan.servers if s.netns == netns), ())

    def certificates(self, identity: str) -> Certificates:
        found = paths(self.directory, identity)
        return Certificates(found.certificate, found.key, ca_path(self.directory))

    def admin(self) -> Path:
        """The admin socket of the next Envoy (short: unix socket paths are short)."""
        return self.directory / f"envoy{len(self.plan.envoys)}.admin"

    def shared(self, a: ClusterLayer, a_pod: Pod, b: ClusterLayer, b_pod: Pod) -> bool:
        return any(
            (a.name, a_pod.namespace) in g.members and (b.name, b_pod.namespace) in g.members
            for g in self.topology.global_namespaces
        )

    def routes_from(self, view: ClusterLayer, pod: Pod) -> list[MeshRoute]:
        """The mesh destinations a sidecar knows: its cluster's meshed pods, directly, and those
        of a global namespace it shares in another cluster, through their east-west gateway."""
        routes = []
        for other, workload, _, target, netns in self.meshed:
            if target is pod:
                continue
            name_of = target.namespace
            via: tuple[str, int] | None = None
            if other is not view:
                gateway = other.east_west
                if (
                    gateway is None
                    or not gateway.ports
                    or not self.shared(view, pod, other, target)
                ):
                    continue
                via = (gateway.ip, gateway.ports[0].port)
            for port in self.tcp_ports(netns):
                routes.append(
                    MeshRoute(
                        target.ip, port, via or (target.ip, port), sni(workload, name_of, port)
                    )
                )
        return routes

    def sidecars(self) -> None:
        for view, workload, _, pod, netns in self.meshed:
            identity = spiffe(view.trust_domain, pod.namespace, pod.service_account)
            inbound = []
            for port in self.tcp_ports(netns):
                protocol = port_protocol(view.kube, pod, port).kind
                kind = {HTTP: "http", TCP: "tcp", TLS: "tcp"}.get(protocol, "auto")
                readings = (rbac(view.kube, pod, True), rbac(view.kube, pod, False))
                for note in readings[0].notes + readings[1].notes:
                    if note not in self.plan.notes:
                        self.plan.notes.append(note)
                mode = peer_mode(view.kube, pod, port)
                inbound.append(InboundPort(port, mode, kind, *readings))
            config = SidecarConfig(pod.ip, inbound, self.routes_from(view, pod))
            admin = self.admin()
            text = sidecar_config(config, self.certificates(identity), admin)
            self.plan.envoys.append(
                EnvoySpec(netns, "sidecar", workload, identity, text, str(admin))
            )
            for server in self.plan.servers:
                if server.netns == netns:
                    server.host = "127.0.0.1"
            # Istio's outbound interception: every TCP connection the pod opens goes to its sidecar
            self.plan.redirects[netns] = [
                f"meta l4proto tcp ip daddr != 127.0.0.0/8 meta mark != {MARK}"
            ]

    def gateways(self) -> None:
        for view in self.topology.clusters.values():
            gateway, endpoint = view.east_west, view.east_west_endpoint
            if gateway is None or endpoint is None or not gateway.ports:
                continue
            instances = self.plan.instances.get(endpoint.name, [])
            if not instances:
                continue
            routes: dict[str, list[tuple[str, int]]] = {}
            for other, workload, _, pod, netns in self.meshed:
                if other is not view:
                    continue
                for port in self.tcp_ports(netns):
                    routes.setdefault(sni(workload, pod.namespace, port), []).append((pod.ip, port))
            if not routes:
                continue
            netns = instances[0].netns
            port = gateway.ports[0].port
            self.plan.proxies = [
                p for p in self.plan.proxies if not (p.netns == netns and p.mode == "eastwest")
            ]
            admin = self.admin()
            text = eastwest_config(gateway.ip, port, routes, admin)
            self.plan.envoys.append(
                EnvoySpec(netns, "eastwest", endpoint.name, None, text, str(admin))
            )

    def ingress(self) -> None:
        """Load balancers whose backends are meshed pods enter the mesh as the cluster's
        ingress gateway does."""
        for name, endpoint in self.topology.endpoints.items():
            proxy = endpoint.proxy
            if proxy is None or proxy.egress_network is None:
                continue
            instance = self.plan.instances.get(name, [None])[0]
            if instance is None:
                continue
            routes: list[MeshRoute] = []
            trust = None
            for view, workload, _, pod, netns in self.meshed:
                if not any(backend == workload for backend, _ in proxy.backends):
                    continue
                trust = view.trust_domain
                for port in self.tcp_ports(netns):
                    routes.append(
                        MeshRoute(pod.ip, port, (pod.ip, port), sni(workload, pod.namespace, port))
                    )
            if not routes or trust is None:
                continue
            identity = spiffe(trust, *INGRESS_ACCOUNT)
            config = SidecarConfig(None, [], routes, bind=instance.egress)
            admin = self.admin()
            text = sidecar_config(config, self.certificates(identity), admin)
            self.plan.envoys.append(
                EnvoySpec(instance.netns, "ingress", name, identity, text, str(admin))
            )
            targets = ", ".join(sorted({r.address for r in routes}))
            self.plan.redirects[instance.netns] = [
                f"meta l4proto tcp ip daddr {{ {targets} }} meta mark != {MARK}"
            ]


def plan_mesh(plan: Plan, topology: Topology, directory: Path) -> None:
    """Add the mesh's Envoys to the plan (after the layout; before the rulesets)."""
    mesh = _Mesh(plan, topology, directory)
    mesh.sidecars()
    mesh.gateways()
    mesh.ingress()
    plan.mesh = True
