"""Kubernetes provider: manifests to endpoints, NetworkPolicy semantics, connectivity and traces.

Library API (stable; the CLI wires it):

- `load_manifests(path) -> Cluster` reads a manifest file or folder (raises `ManifestError`,
  whose `problems` carry `file:line:col` and a field path; warnings are in `Cluster.warnings`);
- `connectivity(cluster) -> Connectivity`; `.to_json()` / `.dumps()` give
  `{"endpoints": [...], "connections": [{"from", "to", "allowed"}]}`;
- `explain(cluster, src, dst, protocol, port, method=None, path=None) -> LayeredVerdict`, the
  verdict of one connection with one step per layer (source egress NetworkPolicy, destination
  ingress NetworkPolicy, mesh mTLS, mesh authorization), each `{"action", "detail", "source"}`.

`crossfence matrix DIR --format json` prints the connectivity JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossfence.providers.kubernetes.connectivity import Connectivity, connectivity
from crossfence.providers.kubernetes.errors import Location, ManifestError, Problem
from crossfence.providers.kubernetes.manifests import DEFAULT_POD_RANGE, load_manifests
from crossfence.providers.kubernetes.resources import Cluster, NetworkPolicy, Pod

if TYPE_CHECKING:
    from crossfence.providers.kubernetes.layered import LayeredVerdict, Step, explain

_LAYERED = ("LayeredVerdict", "Step", "explain")


def __getattr__(name: str) -> Any:
    """`explain` and its verdict types, imported on first use (PEP 562): `matrix DIR` needs
    neither the rule-by-rule evaluator nor the mesh. (Their module is `layered`, not `explain`:
    a submodule named like the function would replace it on the package once imported.)"""
    if name in _LAYERED:
        from crossfence.providers.kubernetes import layered

        value = getattr(layered, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_POD_RANGE",
    "Cluster",
    "Connectivity",
    "LayeredVerdict",
    "Location",
    "ManifestError",
    "NetworkPolicy",
    "Pod",
    "Problem",
    "Step",
    "connectivity",
    "explain",
    "load_manifests",
]
