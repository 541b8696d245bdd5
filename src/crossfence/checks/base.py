"""The shared shape of every check: `Check`, `Finding`, `ObjectRef`, the registry and the `Context` checks ask."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..engine.reach import Reach, resolve
from ..errors import InputError

if TYPE_CHECKING:
    from ..engine.layers import LayeredReach
    from ..ir.types import Topology
    from ..model import Blueprint, UnknownValue, Workload
    from ..model.intents import Suppression
    from ..providers.kubernetes.resources import Cluster as KubeCluster

__all__ = [
    "DOCS",
    "REGISTRY",
    "SEVERITIES",
    "Check",
    "Context",
    "Finding",
    "ManifestContext",
    "ObjectRef",
    "OwnManifests",
    "Severity",
    "covered",
    "overlaps",
    "ref",
    "register",
    "register_manifest_check",
    "severity_at_least",
    "unknown_json",
]

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
"""Most severe first."""

DOCS = "docs/checks.md"
"""Where every check is documented, one section per id (anchors are the id without dots)."""


def severity_at_least(severity: str, threshold: str) -> bool:
    """Whether `severity` is `threshold` or worse."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


@dataclass(frozen=True)
class ObjectRef:
    """A blueprint object a finding involves, with where it was written."""

    kind: str
    name: str
    file: str | None = None
    line: int | None = None
    address: str | None = None
    """The Terraform address of the resource it was read from (None for a blueprint's own)."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else ""
        if self.address:
            where = f"{self.address}, {where}" if where else self.address
        return f"{self.kind}/{self.name}" + (f" ({where})" if where else "")

    def to_json(self) -> dict[str, Any]:
        """`{"kind", "name", "file", "line"}`, and `address` for an object read from Terraform."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "file": self.file,
            "line": self.line,
        }
        if self.address:
            out["address"] = self.address
        return out


def unknown_json(unknown: UnknownValue) -> dict[str, Any]:
    """A value a Terraform plan does not know yet, as every JSON output gives it."""
    return {
        "address": unknown.address,
        "path": unknown.path,
        "file": unknown.file,
        "line": unknown.line,
        "column": unknown.column,
        "stand_in": unknown.stand_in,
    }


CheckFunction = Callable[["Context", "Check"], Iterable["Finding"]]
ManifestCheckFunction = Callable[["ManifestContext", "Check"], Iterable["Finding"]]


@dataclass(frozen=True)
class Check:
    """One security pattern: a stable id, a severity, what it is, why it matters and how to fix it."""

    id: str
    severity: Severity
    title: str
    why: str
    fix: str
    function: CheckFunction = field(repr=False, compare=False)
    rank: int = 0
    """0: a cause. Higher ranks are consequences (a contradicted mesh policy: 1, an intent: 2):
    their finding folds into a lower-ranked finding that already shows the same flows."""
    on_manifests: ManifestCheckFunction | None = field(default=None, repr=False, compare=False)
    """Set for a check that reads only Kubernetes/Istio objects: it also runs on a folder of
    manifests (`run_manifest_checks`), with the same function as `function`."""

    @property
    def family(self) -> str:
        """The module the check belongs to (`network` for `network.vpn-single-tunnel`)."""
        return self.id.split(".", 1)[0]

    @property
    def doc(self) -> str:
        """The link to the check's section of the documentation."""
        return f"{DOCS}#{self.id.replace('.', '')}"

    def finding(
        self,
        message: str,
        objects: Iterable[ObjectRef],
        flows: Iterable[Reach] = (),
        covers: Iterable[str] = (),
        scope: Iterable[str] = (),
    ) -> Finding:
        """A finding of this check."""
        return Finding(self, message, tuple(objects), list(flows), tuple(covers), frozenset(scope))

    def to_json(self) -> dict[str, Any]:
        """`{"id", "severity", "title", "why", "fix", "doc"}`."""
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "why": self.why,
            "fix": self.fix,
            "doc": self.doc,
        }


@dataclass
class Finding:
    """What one check found: a message, the objects involved, and the flows that show it."""

    check: Check
    message: str
    objects: tuple[ObjectRef, ...]
    flows: list[Reach] = field(default_factory=list)
    covers: tuple[str, ...] = ()
    """Ids of other checks whose findings on the same first object this one already explains."""
    scope: frozenset[str] = frozenset()
    """Endpoints whose broken flows this finding explains (a workload placed in the wrong cloud)."""
    explains: list[Finding] = field(default_factory=list)
    """Findings folded into this one: consequences of the same mistake."""
    suppression: Suppression | None = None
    unknowns: tuple[UnknownValue, ...] = ()
    """Terraform input: the values known only after apply that the finding depends on (those of
    its flows, its objects and the endpoints of its scope). Non-empty: the finding holds with the
    stand-ins put in their place, and may not hold once they are allocated (`run_checks` fills it)."""

    @property
    def severity(self) -> Severity:
        """The check's severity."""
        return self.check.severity

    @property
    def primary(self) -> ObjectRef | None:
        """The object the finding is about (the first one)."""
        return self.objects[0] if self.objects else None

    @property
    def depends_on(self) -> str:
        """`depends on 2 values known after apply: ADDRESS, ADDRESS`, what every report adds to a
        finding with `unknowns`; '' for one that depends on none."""
        if not self.unknowns:
            return ""
        count = len(self.unknowns)
        return (
            f"depends on {count} value{'s' if count > 1 else ''} known after apply: "
            + ", ".join(u.address for u in self.unknowns)
        )

    def location(self) -> ObjectRef | None:
        """The first involved object that knows where it was written."""
        return next((o for o in self.objects if o.file), None)

    def to_json(self) -> dict[str, Any]:
        """The documented shape (see `crossfence.report.findings`)."""
        data: dict[str, Any] = {
            "check": self.check.id,
            "severity": self.severity,
            "title": self.check.title,
            "message": self.message,
            "objects": [o.to_json() for o in self.objects],
            "traces": [flow.to_json() for flow in self.flows],
            "explains": [
                {
                    "check": f.check.id,
                    "message": f.message,
                    "objects": [o.to_json() for o in f.objects],
                }
                for f in self.explains
            ],
        }
        if self.suppression is not None:
            data["suppressed"] = {"reason": self.suppression.reason}
        if self.unknowns:
            data["unknowns"] = [unknown_json(u) for u in self.unknowns]
        return data


REGISTRY: dict[str, Check] = {}
"""Every check, by id, in registration order (family modules register on import)."""


def register(
    id: str,
    severity: Severity,
    title: str,
    why: str,
    fix: str,
    rank: int = 0,
) -> Callable[[CheckFunction], CheckFunction]:
    """Decorator: add a check function to the registry under a stable id."""

    def add(function: CheckFunction) -> CheckFunction:
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        REGISTRY[id] = Check(id, severity, title, why, fix, function, rank)
        return function

    return add


def register_manifest_check(
    id: str, severity: Severity, title: str, why: str, fix: str
) -> Callable[[ManifestCheckFunction], ManifestCheckFunction]:
    """Decorator: a check of Kubernetes/Istio objects only, which runs on a blueprint (each
    cluster's own manifests) and on a folder of manifests alike."""

    def add(function: ManifestCheckFunction) -> ManifestCheckFunction:
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        REGISTRY[id] = Check(id, severity, title, why, fix, function, 0, function)
        return function

    return add


def ref(kind: str, obj: Any, name: str | None = None) -> ObjectRef:
    """An `ObjectRef` for a blueprint object, located where it was written."""
    where = getattr(obj, "defined_at", None)
    label = name if name is not None else str(getattr(obj, "name", kind))
    if where is None:
        return ObjectRef(kind, label)
    return ObjectRef(kind, label, where.file, where.line, where.address)


@dataclass(frozen=True)
class OwnManifests:
    """One cluster's own Kubernetes/Istio objects, as the manifest checks read them."""

    kube: KubeCluster
    cluster: str | None = None
    """The blueprint cluster's name; None for a folder of manifests (one cluster, unnamed)."""

    def name(self, namespaced: str) -> str:
        """`namespaced` (`web/frontend`) prefixed with the cluster's name when there is one."""
        return f"{self.cluster}/{namespaced}" if self.cluster else namespaced


class ManifestContext:
    """What a check of Kubernetes/Istio objects may read: each cluster's own manifests."""

    def __init__(self, clusters: Iterable[OwnManifests] | None = None) -> None:
        self._clusters = list(clusters) if clusters is not None else None

    def manifests(self) -> list[OwnManifests]:
        """Every cluster's own objects (loaded on first use)."""
        if self._clusters is None:
            self._clusters = self._load_manifests()
        return self._clusters

    def _load_manifests(self) -> list[OwnManifests]:
        return []


class Context(ManifestContext):
    """What a check may read: the blueprint, its topology, and reach through every layer (memoised)."""

    def __init__(self, blueprint: Blueprint, topology: Topology) -> None:
        super().__init__()
        self.blueprint = blueprint
        self.topology = topology
        self._layered: LayeredReach | None = None
        self._asked: dict[tuple[str, str, str, str | None, str | None], Reach | None] = {}
        self._unknown_ends: list[tuple[UnknownValue, frozenset[str]]] | None = None
        self._unknowns_in: dict[int, tuple[Reach, tuple[UnknownValue, ...]]] = {}

    @property
    def layered(self) -> LayeredReach:
        """Reach through pod NetworkPolicy, the cloud network, the east-west gateway and the mesh."""
        if self._layered is None:
            from ..engine.layers import LayeredReach

            self._layered = LayeredReach(self.topology)
        return self._layered

    def _load_manifests(self) -> list[OwnManifests]:
        """Per blueprint cluster: the objects of its own manifests (`clusters[].manifests`) and the
        blueprint's pods placed in it (with the Services their port declarations stand for). Not the Istio objects crossfence derives from the blueprint
        (the mesh-wide mTLS of `clusters[].mesh`, the global namespaces' policies): the blueprint's
        own mesh checks read those where they are written."""
        from ..providers.kubernetes.resources import Cluster as KubeCluster

        clusters = []
        for name, layer in self.topology.clusters.items():
            own = layer.own
            blueprint_pods = [pod for pods in layer.pods.values() for pod in pods]
            # the Services standing for blueprint workloads: their ports' protocols
            blueprint_services = [s for s in layer.kube.services if s.owner is not None]
            kube = KubeCluster(
                namespaces=dict(layer.kube.namespaces),
                pods=[*own.pods, *blueprint_pods],
                services=[*own.services, *blueprint_services],
                network_policies=own.network_policies,
                authorization_policies=own.authorization_policies,
                peer_authentications=own.peer_authentications,
            )
            clusters.append(OwnManifests(kube, name))
        return clusters

    def ask(
        self,
        source: str,
        destination: str,
        port: str,
        method: str | None = None,
        path: str | None = None,
    ) -> Reach | None:
        """The layered answer for one flow; None when the question cannot be asked here."""
        key = (source, destination, port, method, path)
        if key not in self._asked:
            try:
                self._asked[key] = self.layered.ask(source, destination, port, method, path)
            except InputError:
                self._asked[key] = None
        return self._asked[key]

    def unknowns_in(self, flow: Reach) -> tuple[UnknownValue, ...]:
        """The values a Terraform plan does not know yet that a flow's answer depends on
        (`crossfence.estate.unknowns_in`): non-empty, its verdict is `unknown`."""
        if not self.blueprint.unknowns:
            return ()
        # memoised by identity (`ask` memoises the flows): the flow is kept alive with its answer
        found = self._unknowns_in.get(id(flow))
        if found is None or found[0] is not flow:
            from ..estate import unknowns_in

            found = self._unknowns_in[id(flow)] = (
                flow,
                unknowns_in(self.blueprint, flow, self.topology),
            )
        return found[1]

    def unknowns_of(self, finding: Finding) -> tuple[UnknownValue, ...]:
        """The values known only after apply a finding depends on: its flows' (`unknowns_in`),
        those of the objects it names (by Terraform address), and those whose endpoints
        (`crossfence.estate.unknown_endpoints`) meet its scope."""
        unknowns = self.blueprint.unknowns
        if not unknowns:
            return ()
        found = [u for flow in finding.flows for u in self.unknowns_in(flow)]
        addresses = {o.address for o in finding.objects if o.address}
        found += [
            u
            for u in unknowns
            if any(u.address == a or u.address.startswith((f"{a}.", f"{a}[")) for a in addresses)
        ]
        if finding.scope:
            if self._unknown_ends is None:
                from ..estate import unknown_endpoints

                self._unknown_ends = unknown_endpoints(self.blueprint, self.topology)
            found += [u for u, ends in self._unknown_ends if ends & finding.scope]
        seen: dict[str, UnknownValue] = {}
        for unknown in found:
            seen.setdefault(unknown.path, unknown)
        return tuple(seen.values())

    def endpoint_name(self, name: str) -> str:
        """The endpoint a name or address stands for (`203.0.113.7` is `internet`)."""
        try:
            return resolve(self.topology, name, "to")[0].name
        except InputError:
            return name

    def flow_pair(self, flow: Reach) -> tuple[str, str]:
        """(source endpoint, destination endpoint) of a flow, names resolved."""
        return self.endpoint_name(flow.source), self.endpoint_name(flow.destination)

    # -- reading the model -------------------------------------------------------------------

    @property
    def jurisdiction(self) -> str | None:
        """The jurisdiction personal data must stay in, if the blueprint says."""
        return self.blueprint.personal_data_jurisdiction

    def workload(self, name: str) -> Workload | None:
        """The workload called `name`."""
        found: Workload | None = self.blueprint.get("workloads", name)
        return found

    def network_of(self, workload: Workload) -> str | None:
        """The VPC a workload's traffic leaves from (pods: their cluster's)."""
        if workload.cluster is not None:
            cluster = self.blueprint.get("clusters", workload.cluster)
            return cluster.network if cluster is not None else None
        return workload.network

    def workloads_in(self, networks: Iterable[str]) -> Iterator[Workload]:
        """Workloads (not external APIs) whose traffic leaves from one of `networks`."""
        wanted = set(networks)
        for workload in self.blueprint.workloads:
            if workload.kind != "external_api" and self.network_of(workload) in wanted:
                yield workload

    @staticmethod
    def probe_port(workload: Workload) -> str | None:
        """The first port a workload listens on (`tcp/8443`), the one flows towards it are probed on."""
        if not workload.ports:
            return None
        port = workload.ports[0]
        return f"{port.protocol}/{port.port}"

    def routers_of(self, network: str) -> list[Any]:
        """Cloud Routers of a network that speak BGP over a tunnel."""
        speakers = {s.local.speaker for s in self.blueprint.bgp_sessions} | {
            s.peer.speaker for s in self.blueprint.bgp_sessions
        }
        return [r for r in self.blueprint.routers if r.network == network and r.name in speakers]

    def vpn_peer_networks(self, network: str) -> set[str]:
        """Networks joined to `network` by a VPN tunnel."""
        gateways = {g.name: g for g in self.blueprint.vpn_gateways}
        peers: set[str] = set()
        for tunnel in self.blueprint.vpn_tunnels:
            ends = [gateways.get(tunnel.local.gateway), gateways.get(tunnel.peer.gateway)]
            if any(end is not None and end.network == network for end in ends):
                peers |= {end.network for end in ends if end is not None and end.network != network}
        return peers


def overlaps(cidr: str, ranges: Iterable[str]) -> bool:
    """Whether `cidr` overlaps any of `ranges`."""
    net = ipaddress.ip_network(cidr, strict=False)
    return any(net.overlaps(ipaddress.ip_network(r, strict=False)) for r in ranges)


def covered(cidr: str, ranges: Iterable[str]) -> bool:
    """Whether `cidr` lies inside one of `ranges`."""
    net = ipaddress.ip_network(cidr, strict=False)
    for other in ranges:
        candidate = ipaddress.ip_network(other, strict=False)
        if net.version == candidate.version and net.subnet_of(candidate):  # type: ignore[arg-type]
            return True
    return False
