"""The estate's topology as a graph of nested groups (cloud ⊃ network ⊃ subnet ⊃ cluster ⊃ endpoint; a manifests folder: cluster ⊃ namespace ⊃ pod) and links, for the HTML report and the diagrams."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ir.types import Topology
from ..model import Blueprint
from ..model.base import SourceRef
from ..providers.kubernetes import Cluster as KubeCluster

__all__ = [
    "Edge",
    "Graph",
    "Node",
    "cluster_graph",
    "endpoint_id",
    "network_id",
    "source_json",
    "topology_graph",
]

# Every matrix endpoint is a leaf (`ep:<name>`), so a cell of the grid and a hop of a trace can
# point at the topology; the groups come from the blueprint (clouds and their jurisdiction,
# networks, subnets, clusters), which the IR no longer has as such.


@dataclass(frozen=True)
class Node:
    """A box of the topology: a group (cloud, network, subnet, cluster) or a leaf."""

    id: str
    """Unique among the graph's nodes: `cloud:gcp`, `net:hub`, `sub:hub/hub-ew1`, `ep:vault`."""
    label: str
    """What the drawing shows (user text: escaped by each renderer)."""
    kind: str
    """`cloud`, `network`, `subnet`, `cluster`, `namespace` (a global namespace), `gateway` (a
    VPN gateway), `internet`, or an endpoint's kind (`vm`, `pods`, `load_balancer`,
    `external_api`...)."""
    parent: str | None = None
    """The group it is drawn in; None at the top."""
    detail: str = ""
    """One line more: a cloud's jurisdiction and region, a subnet's CIDR, a workload's ports."""
    personal_data: str = "none"
    """`none`, `processes` or `stores` (workloads)."""
    source: SourceRef | None = None
    """Where the object was written (file, line, column) and, read from Terraform's JSON, the
    resource's address: the page's detail panel shows them, as a trace's hops show theirs."""


@dataclass(frozen=True)
class Edge:
    """A link drawn between two nodes."""

    id: str
    source: str
    target: str
    kind: str
    """`peering`, `vpn` (a tunnel with its BGP session), `backend` (a load balancer to what it
    forwards to), `member` (a global namespace to a cluster)."""
    label: str = ""
    sources: tuple[SourceRef, ...] = ()
    """Where the objects it draws were written (a peering's two sides, a tunnel and its BGP
    session), with their Terraform addresses when read from Terraform's JSON."""


@dataclass
class Graph:
    """Nodes, parents before children, and edges."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """`{"nodes": [{"id", "label", "kind", "parent", "detail", "personal_data", "source"}],
        "edges": [{"id", "source", "target", "kind", "label", "sources"}]}`; a `source` is
        `{"file", "line", "column", "address"}` (address null outside Terraform) or null."""
        return {
            "nodes": [
                {
                    "id": n.id,
                    "label": n.label,
                    "kind": n.kind,
                    "parent": n.parent,
                    "detail": n.detail,
                    "personal_data": n.personal_data,
                    "source": source_json(n.source),
                }
                for n in self.nodes
            ],
            "edges": [
                {
                    "id": e.id,
                    "source": e.source,
                    "target": e.target,
                    "kind": e.kind,
                    "label": e.label,
                    "sources": [source_json(ref) for ref in e.sources],
                }
                for e in self.edges
            ],
        }


def source_json(ref: SourceRef | None) -> dict[str, Any] | None:
    """A node's or edge's source in the island."""
    if ref is None:
        return None
    return {"file": ref.file, "line": ref.line, "column": ref.column, "address": ref.address}


def _written(ref: SourceRef | None) -> bool:
    """Whether a source is the object's own text (not a Terraform resource it was inferred from)."""
    return ref is not None and ref.address is None


def _refs(*objects: Any) -> tuple[SourceRef, ...]:
    return tuple(o.defined_at for o in objects if o is not None and o.defined_at is not None)


def endpoint_id(name: str) -> str:
    """The node of a matrix endpoint."""
    return f"ep:{name}"


def network_id(name: str) -> str:
    """The node of a network."""
    return f"net:{name}"


def _subnet_id(network: str, subnet: str) -> str:
    return f"sub:{network}/{subnet}"


def topology_graph(blueprint: Blueprint, topology: Topology) -> Graph:
    """The estate drawn as nested groups: clouds (with jurisdiction) ⊃ networks ⊃ subnets ⊃
    clusters ⊃ workloads; load balancers and external APIs in their network or cloud; VPN
    gateways in their network; peerings, VPN tunnels (with their BGP sessions), load-balancer
    backends and global namespaces as edges."""
    graph = Graph()
    ids: set[str] = set()

    def add(node: Node) -> None:
        if node.id not in ids:
            ids.add(node.id)
            graph.nodes.append(node)

    for cloud in blueprint.clouds:
        add(
            Node(
                f"cloud:{cloud.name}",
                cloud.name,
                "cloud",
                detail=f"{cloud.provider}, jurisdiction {cloud.jurisdiction}"
                + (f", {cloud.region}" if cloud.region else ""),
                # read from Terraform, a cloud is inferred from its first network's resource:
                # that address would name the network, not the cloud
                source=cloud.defined_at if _written(cloud.defined_at) else None,
            )
        )
    clouds = {f"cloud:{c.name}" for c in blueprint.clouds}
    for network in blueprint.networks:
        cloud_id = f"cloud:{network.cloud}"
        add(
            Node(
                network_id(network.name),
                network.name,
                "network",
                cloud_id if cloud_id in clouds else None,
                source=network.defined_at,
            )
        )
        for subnet in network.all_subnets:
            add(
                Node(
                    _subnet_id(network.name, subnet.name),
                    subnet.name,
                    "subnet",
                    network_id(network.name),
                    str(subnet.cidr),
                    source=subnet.defined_at,
                )
            )
    for group in blueprint.clusters:
        nodes_subnet = _subnet_id(group.network, group.subnet)
        mesh = f", Istio mTLS {group.mesh.mtls_mode}" if group.mesh else ""
        add(
            Node(
                f"cluster:{group.name}",
                group.name,
                "cluster",
                nodes_subnet if nodes_subnet in ids else network_id(group.network),
                f"{group.kind}, pods {group.pod_range}{mesh}",
                source=group.defined_at,
            )
        )
    for gateway in blueprint.vpn_gateways:
        add(
            Node(
                f"gw:{gateway.name}",
                gateway.name,
                "gateway",
                network_id(gateway.network) if network_id(gateway.network) in ids else None,
                f"VPN gateway ({gateway.type})" + (f", AS {gateway.asn}" if gateway.asn else ""),
                source=gateway.defined_at,
            )
        )
    workloads = {w.name: w for w in blueprint.workloads}
    written = {o.name: o.defined_at for o in [*blueprint.load_balancers, *blueprint.workloads]}
    for name, endpoint in topology.endpoints.items():
        workload = workloads.get(name)
        cluster = topology.workloads[name].cluster if name in topology.workloads else None
        parent: str | None = None
        if cluster and f"cluster:{cluster}" in ids:
            parent = f"cluster:{cluster}"
        elif endpoint.network and endpoint.segment:
            parent = _subnet_id(endpoint.network, endpoint.segment)
        if parent not in ids and endpoint.network:
            parent = network_id(endpoint.network)
        if parent not in ids and endpoint.cloud:
            parent = f"cloud:{endpoint.cloud}"
        if parent not in ids:
            parent = None
        label = name
        if workload is not None and workload.namespace:
            label = f"{name} ({workload.namespace})"
        add(
            Node(
                endpoint_id(name),
                label,
                endpoint.kind,
                parent,
                ", ".join(endpoint.services.format()) if endpoint.kind != "internet" else "",
                workload.personal_data if workload is not None else "none",
                written.get(name),
            )
        )
    _links(blueprint, graph, ids)
    return graph


def _links(blueprint: Blueprint, graph: Graph, ids: set[str]) -> None:
    """Peerings (a pair of one-sided peerings is one edge), tunnels, backends, namespaces."""
    drawn: dict[frozenset[str], int] = {}
    for peering in blueprint.peerings:
        a, b = network_id(peering.network), network_id(peering.peer_network)
        if a not in ids or b not in ids:
            continue
        key = frozenset((a, b))
        if key in drawn:
            edge = graph.edges[drawn[key]]
            graph.edges[drawn[key]] = Edge(
                edge.id,
                edge.source,
                edge.target,
                edge.kind,
                f"{edge.label} / {peering.name}",
                edge.sources + _refs(peering),
            )
            continue
        drawn[key] = len(graph.edges)
        graph.edges.append(
            Edge(f"peering:{peering.name}", a, b, "peering", peering.name, _refs(peering))
        )
    sessions = {s.tunnel: s for s in blueprint.bgp_sessions}
    for tunnel in blueprint.vpn_tunnels:
        a, b = f"gw:{tunnel.local.gateway}", f"gw:{tunnel.peer.gateway}"
        if a not in ids or b not in ids:
            continue
        session = sessions.get(tunnel.name)
        bgp = f" (BGP {session.name})" if session is not None else ""
        graph.edges.append(
            Edge(f"vpn:{tunnel.name}", a, b, "vpn", f"{tunnel.name}{bgp}", _refs(tunnel, session))
        )
    for lb in blueprint.load_balancers:
        for number, backend in enumerate(lb.backends):
            a, b = endpoint_id(lb.name), endpoint_id(backend.target)
            if a in ids and b in ids:
                graph.edges.append(
                    Edge(
                        f"backend:{lb.name}:{number}",
                        a,
                        b,
                        "backend",
                        f"{backend.protocol}/{backend.port}",
                        _refs(lb),
                    )
                )
    for namespace in blueprint.global_namespaces:
        node = f"gns:{namespace.name}"
        graph.nodes.append(
            Node(
                node,
                namespace.name,
                "namespace",
                None,
                f"global namespace, trust domain {namespace.trust_domain}, mTLS {namespace.mtls_mode}",
                source=namespace.defined_at,
            )
        )
        ids.add(node)
        for member in namespace.members:
            if f"cluster:{member.cluster}" in ids:
                graph.edges.append(
                    Edge(
                        f"member:{namespace.name}:{member.cluster}",
                        node,
                        f"cluster:{member.cluster}",
                        "member",
                        member.namespace,
                        _refs(namespace),
                    )
                )


def cluster_graph(cluster: KubeCluster, name: str, endpoints: list[str]) -> Graph:
    """A folder of manifests drawn as one cluster ⊃ its namespaces ⊃ their pods; the matrix's
    other endpoints (the address ranges NetworkPolicies tell apart) in a group of their own."""
    graph = Graph()
    root = f"cluster:{name}"
    graph.nodes.append(Node(root, name, "cluster", None, f"{len(cluster.pods)} pods"))
    pods = {pod.key: pod for pod in cluster.pods}
    namespaces = sorted({pod.namespace for pod in cluster.pods})
    for namespace in namespaces:
        graph.nodes.append(Node(f"ns:{namespace}", namespace, "kubernetes_namespace", root))
    outside = [e for e in endpoints if e not in pods]
    if outside:
        graph.nodes.append(
            Node("addresses", "addresses outside the pods", "addresses", None, "IPv4 ranges")
        )
    for endpoint in endpoints:
        pod = pods.get(endpoint)
        if pod is None:
            graph.nodes.append(Node(endpoint_id(endpoint), endpoint, "address_range", "addresses"))
            continue
        ports = ", ".join(f"{p.protocol}/{p.port}" for p in pod.ports)
        graph.nodes.append(
            Node(
                endpoint_id(endpoint),
                pod.name,
                "pod",
                f"ns:{pod.namespace}",
                f"{pod.ip}" + (f", {ports}" if ports else ""),
            )
        )
    return graph
