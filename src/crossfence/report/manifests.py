"""The summary `validate` prints for a folder of Kubernetes/Istio manifests (one cluster).

The JSON shape (`crossfence validate DIR --format json`), stable::

    {"schema_version": 1, "valid": true, "kind": "manifests",
     "problems": [Problem],                  # the warnings; errors exit 2 with {"valid": false, ...}
     "summary": {"name": str,                # the folder's name
                 "namespaces": [{"name", "declared": bool, "pods", "services", "network_policies",
                                 "authorization_policies", "peer_authentications"}],
                 "counts": {"namespaces", "pods", "services", "network_policies",
                            "authorization_policies", "peer_authentications", "skipped"},
                 "skipped_kinds": {kind: count}}}

`Problem` is the blueprint's (`{"severity", "code", "file", "line", "column", "path", "message"}`).
Pods count replicas (a Deployment with `replicas: 3` is three pods); a namespace that objects
use without declaring it is listed with `"declared": false`; `skipped` counts the objects of
kinds crossfence does not analyse (ConfigMap, Ingress, ...). A blueprint's document has the same
shape, with `"kind": "blueprint"` and its own summary; the JSON Schema of both is `crossfence
schema validate`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..providers.kubernetes.resources import Cluster

__all__ = ["manifest_summary_json", "render_manifest_summary"]

_KINDS = (
    ("pods", "pods"),
    ("services", "services"),
    ("network_policies", "NetworkPolicies"),
    ("authorization_policies", "AuthorizationPolicies"),
    ("peer_authentications", "PeerAuthentications"),
)


def _per_namespace(cluster: Cluster) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {
        name: {
            "name": name,
            "declared": namespace.location is not None,
            **{key: 0 for key, _ in _KINDS},
        }
        for name, namespace in cluster.namespaces.items()
    }
    objects: dict[str, list[Any]] = {
        "pods": cluster.pods,
        "services": cluster.services,
        "network_policies": cluster.network_policies,
        "authorization_policies": cluster.authorization_policies,
        "peer_authentications": cluster.peer_authentications,
    }
    for key, items in objects.items():
        for item in items:
            row = rows.setdefault(
                item.namespace,
                {"name": item.namespace, "declared": False, **{k: 0 for k, _ in _KINDS}},
            )
            row[key] += 1
    return [rows[name] for name in sorted(rows)]


def manifest_summary_json(cluster: Cluster, name: str) -> dict[str, Any]:
    """Counts per namespace and in total, in the documented `validate --format json` shape."""
    namespaces = _per_namespace(cluster)
    counts = {"namespaces": len(namespaces)}
    counts.update({key: sum(row[key] for row in namespaces) for key, _ in _KINDS})
    counts["skipped"] = sum(cluster.skipped_kinds.values())
    return {
        "name": name,
        "namespaces": namespaces,
        "counts": counts,
        "skipped_kinds": dict(sorted(cluster.skipped_kinds.items())),
    }


def _plural(count: int, noun: str) -> str:
    if count == 1 and noun.endswith("ies"):
        return f"1 {noun[:-3]}y"
    if count == 1 and noun.endswith("s"):
        return f"1 {noun[:-1]}"
    return f"{count} {noun}"


def render_manifest_summary(cluster: Cluster, name: str, console: Console) -> None:
    """A table of the namespaces with what each holds, then the totals and the skipped kinds."""
    summary = manifest_summary_json(cluster, name)
    console.print(f"[bold]{escape(name)}[/] — Kubernetes/Istio manifests, read as one cluster")
    table = Table(title="Namespaces", title_justify="left")
    table.add_column("namespace")
    for _, label in _KINDS:
        table.add_column(label, justify="right")
    for row in summary["namespaces"]:
        label = row["name"] if row["declared"] else f"{row['name']} (not declared)"
        table.add_row(escape(label), *(str(row[key]) for key, _ in _KINDS))
    console.print(table)
    counts = summary["counts"]
    totals = [_plural(counts["namespaces"], "namespaces")]
    totals += [_plural(counts[key], label) for key, label in _KINDS]
    console.print(", ".join(totals))
    if summary["skipped_kinds"]:
        skipped = ", ".join(f"{n} {kind}" for kind, n in summary["skipped_kinds"].items())
        console.print(f"not analysed (skipped): {escape(skipped)}")
