"""Synthetic Kubernetes clusters (namespaces, pods with fixed IPs, NetworkPolicies) for benchmarks.

`write_cluster(folder, pods=1000, policies=200, seed=0)` writes `namespaces.yaml`, `pods.yaml` and
`policies.yaml`. The shape follows common practice: every namespace has a default-deny ingress
policy, and the other policies open one app to a few peers (same-namespace apps, apps of a named
namespace, office ranges, a few named instances anywhere) on numeric, ranged or named ports; a tenth also restrict egress. Pods
are bare `Pod` objects with `status.podIP`, so network-config-analyzer names them exactly as
crossfence does. The same arguments always give the same files.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = ["cluster_objects", "write_cluster"]

_PODS_PER_APP = 5
_APPS_PER_NAMESPACE = 10
_TIERS = ("frontend", "backend", "db")
_OFFICE_RANGES = ("192.168.0.0/16", "172.16.0.0/12", "203.0.113.0/24")


def _pod(namespace: str, name: str, app: str, tier: str, ip: str, named: bool) -> dict[str, Any]:
    ports: list[dict[str, Any]] = [
        {"containerPort": 8080 + int(app.rsplit("-", 1)[1]) % 3, "name": "http"}
    ]
    if named:
        ports.append({"containerPort": 9090, "name": "metrics"})
        ports.append({"containerPort": 5353, "name": "dns", "protocol": "UDP"})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app": app, "tier": tier, "instance": name},
        },
        "spec": {
            "containers": [{"name": "main", "image": "registry.example/app:1", "ports": ports}]
        },
        "status": {"podIP": ip},
    }


def _ports(rng: random.Random) -> list[dict[str, Any]]:
    choice = rng.randrange(6)
    if choice == 0:
        return [{"port": 80}, {"port": 443}]
    if choice == 1:
        return [{"port": "http"}]
    if choice == 2:
        return [{"port": 8000, "endPort": 8100}]
    if choice == 3:
        return [{"port": "dns", "protocol": "UDP"}, {"port": 53, "protocol": "UDP"}]
    if choice == 4:
        return [{"port": "metrics"}, {"protocol": "SCTP"}]
    return []


def cluster_objects(pods: int, policies: int, seed: int = 0) -> list[dict[str, Any]]:
    """Kubernetes objects of a synthetic cluster with `pods` pods and `policies` policies."""
    rng = random.Random(seed)
    apps_total = max(1, pods // _PODS_PER_APP)
    namespaces = max(1, apps_total // _APPS_PER_NAMESPACE)
    objects: list[dict[str, Any]] = []
    for n in range(namespaces):
        labels = {"team": f"team-{n % 7}", "env": "prod" if n % 3 else "dev"}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": f"ns-{n}", "labels": labels},
            }
        )
    apps: list[tuple[str, str]] = []  # (namespace, app)
    names: list[str] = []
    for i in range(pods):
        app_index = i // _PODS_PER_APP
        namespace = f"ns-{app_index % namespaces}"
        app = f"app-{app_index}"
        if i % _PODS_PER_APP == 0:
            apps.append((namespace, app))
        tier = _TIERS[app_index % len(_TIERS)]
        ip = f"10.{128 + i // 65536}.{(i // 256) % 256}.{i % 256}"
        names.append(f"{app}-{i % _PODS_PER_APP}")
        objects.append(_pod(namespace, names[-1], app, tier, ip, app_index % 2 == 0))
    count = 0
    for n in range(min(namespaces, policies)):
        objects.append(_policy(f"ns-{n}", "default-deny", {}, {"policyTypes": ["Ingress"]}))
        count += 1
    while count < policies:
        namespace, app = apps[rng.randrange(len(apps))]
        spec: dict[str, Any] = {
            "ingress": [
                _rule(rng, namespace, apps, "from", names) for _ in range(rng.randint(1, 2))
            ]
        }
        if rng.random() < 0.1:
            spec["egress"] = [
                _rule(rng, namespace, apps, "to", names),
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]},
            ]
            spec["policyTypes"] = ["Ingress", "Egress"]
        if rng.random() < 0.2:
            selector: dict[str, Any] = {
                "matchExpressions": [{"key": "app", "operator": "In", "values": [app]}]
            }
        else:
            selector = {"matchLabels": {"app": app}}
        objects.append(_policy(namespace, f"allow-{count}", selector, spec))
        count += 1
    return objects


def _rule(
    rng: random.Random, namespace: str, apps: list[tuple[str, str]], field: str, names: list[str]
) -> dict[str, Any]:
    kind = rng.randrange(5)
    peer_namespace, peer_app = apps[rng.randrange(len(apps))]
    other_app = apps[rng.randrange(len(apps))][1]
    if kind == 0:
        peers: list[dict[str, Any]] = [{"podSelector": {"matchLabels": {"app": peer_app}}}]
    elif kind == 1:
        peers = [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": peer_namespace}
                },
                "podSelector": {"matchLabels": {"app": peer_app}},
            }
        ]
    elif kind == 2:
        peers = [{"ipBlock": {"cidr": rng.choice(_OFFICE_RANGES)}}]
    elif kind == 3:
        peers = [
            {
                "podSelector": {
                    "matchExpressions": [
                        {"key": "app", "operator": "In", "values": [peer_app, other_app]}
                    ]
                }
            },
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.128.0.0/9"]}},
        ]
    else:
        peers = [
            {
                "namespaceSelector": {
                    "matchLabels": {"team": f"team-{rng.randrange(7)}", "env": "dev"}
                },
                "podSelector": {"matchLabels": {"tier": "db", "app": peer_app}},
            }
        ]
    if rng.random() < 0.5:
        # A few named instances anywhere (debug access, canaries): pod-level selections like
        # these are what make NCA slow, and they split crossfence's pod classes too.
        instances = rng.sample(names, min(3, len(names)))
        peers.append(
            {
                "namespaceSelector": {},
                "podSelector": {
                    "matchExpressions": [{"key": "instance", "operator": "In", "values": instances}]
                },
            }
        )
    rule: dict[str, Any] = {field: peers}
    ports = _ports(rng)
    if ports:
        rule["ports"] = ports
    return rule


def _policy(
    namespace: str, name: str, selector: dict[str, Any], spec: dict[str, Any]
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"podSelector": selector, **spec},
    }


def write_cluster(folder: Path, pods: int, policies: int, seed: int = 0) -> Path:
    """Write the synthetic cluster's manifests into `folder` (created); returns `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    objects = cluster_objects(pods, policies, seed)
    groups = {
        "namespaces.yaml": [o for o in objects if o["kind"] == "Namespace"],
        "pods.yaml": [o for o in objects if o["kind"] == "Pod"],
        "policies.yaml": [o for o in objects if o["kind"] == "NetworkPolicy"],
    }
    yaml = YAML(typ="safe", pure=False)
    yaml.default_flow_style = False
    for name, group in groups.items():
        with (folder / name).open("w", encoding="utf-8") as stream:
            yaml.dump_all(group, stream)
    return folder
