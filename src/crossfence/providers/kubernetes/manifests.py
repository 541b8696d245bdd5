"""Import of Kubernetes and Istio manifests (a file or a folder) into one `Cluster`.

`load_manifests(path) -> Cluster` reads every document (multi-document YAML, `List` kinds,
folders recursively, files in sorted order). Pods come from `Pod` objects and from the pod
templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs and
CronJobs: a controller `web/frontend` with `replicas: 2` gives pods `web/frontend-0` and
`web/frontend-1` (DaemonSets and CronJobs give one pod, Jobs `parallelism` pods). A pod without
`status.podIP` gets the next free address of `DEFAULT_POD_RANGE` (10.244.0.0/16, the kind/flannel
default), in sorted `namespace/name` order, so the same manifests always give the same addresses.
Namespaces that are referenced but not declared are created; every namespace carries the label
`kubernetes.io/metadata.name` as the API server sets it. Unknown kinds are skipped with a warning
(`Cluster.warnings`) and counted per kind (`Cluster.skipped_kinds`); so are files that hold no
object (Helm charts, templates and values, other JSON and YAML: `sources.py`) and files that are
not YAML or JSON. Malformed objects, and files that do not read, raise `ManifestError` listing
every located problem.
"""

from __future__ import annotations

import gc
import ipaddress
from pathlib import Path
from typing import Any, NamedTuple

from crossfence.located.yamlsource import FieldPath, read_files
from crossfence.providers.kubernetes.errors import Location, ManifestError, Problem, located
from crossfence.providers.kubernetes.fields import Fields
from crossfence.providers.kubernetes.netpol_parse import parse_network_policy
from crossfence.providers.kubernetes.resources import (
    Cluster,
    ContainerPort,
    Namespace,
    Pod,
    Service,
    ServicePort,
)
from crossfence.providers.kubernetes.sources import KIND_HINTS, skip_reason

__all__ = ["DEFAULT_POD_RANGE", "load_manifests"]

DEFAULT_POD_RANGE = ipaddress.IPv4Network("10.244.0.0/16")

# kind -> path of the pod template inside the controller's object
_CONTROLLERS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_NAMESPACE_LABEL = "kubernetes.io/metadata.name"


class _PendingPod(NamedTuple):
    """A `Pod`'s fields, its address not yet chosen when `ip` is None (same order as `Pod`)."""

    namespace: str
    name: str
    labels: dict[str, str]
    ip: str | None
    ports: tuple[ContainerPort, ...]
    service_account: str
    annotations: dict[str, str]
    location: Location
    owner: str | None


class _Loader:
    def __init__(self) -> None:
        self.cluster = Cluster()
        self.errors: list[Problem] = []
        self.pending_pods: list[_PendingPod] = []
        self.referenced_namespaces: set[str] = set()
        self.seen: dict[tuple[str, str, str], Location] = {}

    def load(self, path: str | Path) -> Cluster:
        warnings = self.cluster.warnings
        for source in read_files(path, warnings, warn_others=True):
            reason = skip_reason(source)
            if reason is not None:
                warnings.append(located(Location(source.name, 0, 0), "", reason, "warning"))
                continue
            if source.error is not None:
                self.errors.extend(source.error.problems)
                continue
            for document in source.documents:
                self.object(Fields(document, self.errors, warnings), document.value, ())
        self.finish()
        if self.errors:
            raise ManifestError(self.errors)
        return self.cluster

    def object(self, fields: Fields, value: Any, path: FieldPath) -> None:
        if value is None:
            return
        obj = fields.mapping(value, path)
        if obj.get("kind") is None:
            if obj:
                fields.error(path, "not a Kubernetes object (no kind)")
            return
        kind = fields.string(obj["kind"], (*path, "kind"))
        fields.string(obj.get("apiVersion"), (*path, "apiVersion"))
        if not kind or not isinstance(obj.get("apiVersion", ""), str | int | float):
            return  # (a mapping or a list there is an error already)
        if kind.endswith("List") and "items" in obj:
            for i, item in enumerate(fields.sequence(obj.get("items"), (*path, "items"))):
                self.object(fields, item, (*path, "items", i))
            return
        metadata = fields.mapping(obj.get("metadata"), (*path, "metadata"))
        name = fields.string(metadata.get("name"), (*path, "metadata", "name"))
        if not name:
            fields.error((*path, "metadata"), f"a {kind} needs metadata.name")
            return
        namespace = fields.string(
            metadata.get("namespace"), (*path, "metadata", "namespace"), "default"
        )
        if kind != "Namespace":
            self.referenced_namespaces.add(namespace)
        identity = (str(kind), namespace if kind != "Namespace" else "", name)
        where = fields.locate(path)
        if identity in self.seen:
            fields.error(
                path, f"{kind} {namespace}/{name} is already defined at {self.seen[identity]}"
            )
            return
        self.seen[identity] = where
        if kind == "Namespace":
            labels = fields.labels(metadata.get("labels"), (*path, "metadata", "labels"))
            labels[_NAMESPACE_LABEL] = name
            self.cluster.namespaces[name] = Namespace(name, labels, fields.locate(path))
        elif kind == "Pod":
            spec_path = (*path, "spec")
            ip = self.pod_ip(fields, fields.mapping(obj.get("status"), (*path, "status")), path)
            self.pod(fields, namespace, name, metadata, obj.get("spec"), spec_path, path, None, ip)
        elif kind in _CONTROLLERS:
            self.controller(fields, str(kind), namespace, name, obj, path)
        elif kind == "Service":
            self.service(fields, namespace, name, obj, path)
        elif kind == "NetworkPolicy":
            policy = parse_network_policy(fields, namespace, name, obj, path)
            self.cluster.network_policies.append(policy)
        elif kind in ("AuthorizationPolicy", "PeerAuthentication"):
            from crossfence.providers.istio import resources as istio

            if kind == "AuthorizationPolicy":
                authz = istio.parse_authorization_policy(fields, namespace, name, obj, path)
                self.cluster.authorization_policies.append(authz)
            else:
                peer = istio.parse_peer_authentication(fields, namespace, name, obj, path)
                self.cluster.peer_authentications.append(peer)
        else:
            hint = KIND_HINTS.get(kind)
            fields.warn(
                path,
                f"kind {kind} is not analysed: {hint}; skipped"
                if hint
                else f"kind {kind} is not analysed; skipped",
            )
            skipped = self.cluster.skipped_kinds
            skipped[str(kind)] = skipped.get(str(kind), 0) + 1

    def pod_ip(self, fields: Fields, status: dict[str, Any], path: FieldPath) -> str | None:
        if status.get("podIP") is not None:
            return fields.address(status["podIP"], (*path, "status", "podIP"))
        ips = fields.sequence(status.get("podIPs"), (*path, "status", "podIPs"))
        for i, entry in enumerate(ips):
            ip = fields.mapping(entry, (*path, "status", "podIPs", i)).get("ip")
            if ip is not None and ":" not in str(ip):
                return fields.address(ip, (*path, "status", "podIPs", i, "ip"))
        return None

    def controller(
        self,
        fields: Fields,
        kind: str,
        namespace: str,
        name: str,
        obj: dict[str, Any],
        path: FieldPath,
    ) -> None:
        template_path = (*path, *_CONTROLLERS[kind])
        template: Any = obj
        for part in _CONTROLLERS[kind]:
            template = template.get(part) if isinstance(template, dict) else None
        if not isinstance(template, dict):
            fields.error(template_path, f"a {kind} needs a pod template")
            return
        spec = fields.mapping(obj.get("spec"), (*path, "spec"))
        if kind in ("DaemonSet", "CronJob"):
            count = 1  # one pod stands for the whole set: nodes are not modelled
        else:
            field = "parallelism" if kind == "Job" else "replicas"
            raw = spec.get(field, 1)
            count = fields.integer(raw, (*path, "spec", field), 0, 100_000) or 0
        metadata = fields.mapping(template.get("metadata"), (*template_path, "metadata"))
        for ordinal in range(count):
            self.pod(
                fields,
                namespace,
                f"{name}-{ordinal}",
                metadata,
                template.get("spec"),
                (*template_path, "spec"),
                path,
                f"{kind}/{name}",
                None,
            )

    def pod(
        self,
        fields: Fields,
        namespace: str,
        name: str,
        metadata: dict[str, Any],
        spec_value: Any,
        spec_path: FieldPath,
        path: FieldPath,
        owner: str | None,
        ip: str | None,
    ) -> None:
        meta_path = (*spec_path[:-1], "metadata")
        labels = fields.labels(metadata.get("labels"), (*meta_path, "labels"))
        annotations = fields.labels(metadata.get("annotations"), (*meta_path, "annotations"))
        spec = fields.mapping(spec_value, spec_path)
        ports: list[ContainerPort] = []
        for c_field in ("initContainers", "containers"):
            for i, container in enumerate(
                fields.sequence(spec.get(c_field), (*spec_path, c_field))
            ):
                c_path = (*spec_path, c_field, i)
                c_ports = fields.mapping(container, c_path).get("ports")
                for j, entry in enumerate(fields.sequence(c_ports, (*c_path, "ports"))):
                    p_path = (*c_path, "ports", j)
                    port_spec = fields.mapping(entry, p_path)
                    number = fields.integer(
                        port_spec.get("containerPort"), (*p_path, "containerPort"), 1, 65535
                    )
                    protocol = fields.protocol(port_spec.get("protocol"), (*p_path, "protocol"))
                    port_name = port_spec.get("name")
                    if port_name is not None:
                        checked = fields.port(port_name, (*p_path, "name"))
                        port_name = checked if isinstance(checked, str) else None
                    if number is not None:
                        ports.append(ContainerPort(number, protocol, port_name))
        account = fields.string(
            spec.get("serviceAccountName", spec.get("serviceAccount")),
            (*spec_path, "serviceAccountName"),
            "default",
        )
        location = fields.locate(path)
        identity = ("Pod", namespace, name)
        if owner is not None and identity in self.seen:
            fields.error(
                path, f"pod {namespace}/{name} of {owner} clashes with {self.seen[identity]}"
            )
            return
        self.seen[identity] = location
        # built in `finish`, once its address is known
        self.pending_pods.append(
            _PendingPod(
                namespace, name, labels, ip, tuple(ports), account, annotations, location, owner
            )
        )

    def service(
        self, fields: Fields, namespace: str, name: str, obj: dict[str, Any], path: FieldPath
    ) -> None:
        spec = fields.mapping(obj.get("spec"), (*path, "spec"))
        selector = fields.labels(spec.get("selector"), (*path, "spec", "selector"))
        ports = []
        for i, entry in enumerate(fields.sequence(spec.get("ports"), (*path, "spec", "ports"))):
            p_path = (*path, "spec", "ports", i)
            raw = fields.mapping(entry, p_path)
            number = fields.integer(raw.get("port"), (*p_path, "port"), 1, 65535)
            target = fields.port(raw.get("targetPort", number), (*p_path, "targetPort"))
            protocol = fields.protocol(raw.get("protocol"), (*p_path, "protocol"))
            port_name = fields.string(raw.get("name"), (*p_path, "name")) or None
            app_protocol = fields.string(raw.get("appProtocol"), (*p_path, "appProtocol")) or None
            if number is not None and target is not None:
                ports.append(
                    ServicePort(
                        number, target, protocol, port_name, app_protocol, fields.locate(p_path)
                    )
                )
        self.cluster.services.append(
            Service(namespace, name, selector, tuple(ports), fields.locate(path))
        )

    def finish(self) -> None:
        for name in sorted(self.referenced_namespaces - set(self.cluster.namespaces)):
            self.cluster.namespaces[name] = Namespace(name, {_NAMESPACE_LABEL: name}, None)
        self.cluster.namespaces = dict(sorted(self.cluster.namespaces.items()))
        used = {pod.ip for pod in self.pending_pods if pod.ip is not None}
        free = (str(address) for address in DEFAULT_POD_RANGE.hosts() if str(address) not in used)
        pods = []
        for pod in sorted(self.pending_pods, key=lambda pod: (pod.namespace, pod.name)):
            ip = pod.ip
            if ip is None:
                ip = next(free, None)
                if ip is None:
                    self.errors.append(
                        located(pod.location, "", f"no free address in {DEFAULT_POD_RANGE}")
                    )
                    continue
            pods.append(Pod(pod.namespace, pod.name, pod.labels, ip, *pod[4:]))
        self.cluster.pods = pods


def load_manifests(path: str | Path) -> Cluster:
    """Read a manifest file or folder as one cluster; raises `ManifestError` on malformed input."""
    # Loading allocates hundreds of thousands of small acyclic objects; the cyclic garbage
    # collector's passes over that growing heap cost more than the parsing itself (3x on 5,000 pods).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Loader().load(path)
    finally:
        if enabled:
            gc.enable()
