"""crossfence: one blueprint for a multi-cloud estate; reachability and security checks across every layer."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checks import Report, run_checks
    from .engine.matrix import Matrix
    from .engine.reach import Reach
    from .errors import (
        BlueprintError,
        CrossfenceError,
        InputError,
        ManifestError,
        Problem,
        QueryError,
        UnsupportedError,
    )
    from .estate import build_topology, connectivity, load, reach
    from .model import Blueprint

from .version import __version__

# Imported on first use (PEP 562): `crossfence matrix DIR` on Kubernetes manifests and
# `import crossfence.providers.kubernetes` need neither pydantic nor the network engine, and a
# whole-process run is what users (and the benchmark against network-config-analyzer) time.
_EXPORTS = {
    "Blueprint": "model",
    "load": "estate",
    "BlueprintError": "errors",
    "CrossfenceError": "errors",
    "InputError": "errors",
    "ManifestError": "errors",
    "Problem": "errors",
    "QueryError": "errors",
    "UnsupportedError": "errors",
    "Matrix": "engine.matrix",
    "connectivity": "estate",
    "Reach": "engine.reach",
    "reach": "estate",
    "build_topology": "estate",
    "Report": "checks",
    "run_checks": "checks",
}

__all__ = [
    "Blueprint",
    "BlueprintError",
    "CrossfenceError",
    "InputError",
    "ManifestError",
    "Matrix",
    "Problem",
    "QueryError",
    "Reach",
    "Report",
    "UnsupportedError",
    "__version__",
    "build_topology",
    "connectivity",
    "load",
    "reach",
    "run_checks",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crossfence' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
