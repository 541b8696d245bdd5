"""The round trip of the kubernetes and istio targets: the blueprint as its compiled folders state it, to be analysed again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import Blueprint, Cluster, GlobalNamespace

__all__ = ["UNSET", "read_back"]

UNSET = "UNSET"
"""Istio's PeerAuthentication mode that inherits from the level above: what a blueprint mode
becomes once the compiled PeerAuthentication states it instead."""


def _cluster(cluster: Cluster, out: Path) -> Cluster:
    folders = [str(cluster.manifests_path(i).resolve()) for i in range(len(cluster.manifests))]
    for target in ("kubernetes", "istio"):
        compiled = out / target / cluster.name
        if compiled.is_dir():
            folders.append(str(compiled.resolve()))
    update: dict[str, Any] = {"manifests": tuple(folders), "namespaces": ()}
    if cluster.mesh is not None:
        # model_copy does not validate: UNSET is not a blueprint mode, but it is the mode whose
        # PeerAuthentication decides nothing, so the compiled one alone sets the mesh's mode
        update["mesh"] = cluster.mesh.model_copy(update={"mtls_mode": UNSET})
    return cluster.model_copy(update=update)


def _global_namespace(gns: GlobalNamespace) -> GlobalNamespace:
    # membership and trust domain stay: they say which pods go through the east-west gateways
    # and which identities they carry, which no compiled policy states
    return gns.model_copy(update={"policies": (), "default_action": "allow", "mtls_mode": UNSET})


def read_back(blueprint: Blueprint, out: Path) -> Blueprint:
    """`blueprint` with each cluster reading, after its own manifests, its compiled
    `kubernetes/` and `istio/` folders under `out`, and without what those folders state: the
    declared namespaces, the mesh's and the global namespaces' mTLS modes, the global
    namespaces' policies and default action. Analysed, it must answer what `blueprint` does."""
    copied = blueprint.model_copy(
        update={
            "clusters": tuple(_cluster(c, out) for c in blueprint.clusters),
            "global_namespaces": tuple(_global_namespace(g) for g in blueprint.global_namespaces),
        }
    )
    copied.__dict__.pop("_index", None)  # the look-up by name caches the objects replaced above
    return copied
