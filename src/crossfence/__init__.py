"""crossfence: one blueprint for a multi-cloud estate; reachability and security checks across every layer."""

from __future__ import annotations

from .engine.matrix import Matrix, connectivity
from .engine.reach import Reach, reach
from .errors import (
    BlueprintError,
    CrossfenceError,
    InputError,
    ManifestError,
    Problem,
    QueryError,
    UnsupportedError,
)
from .ir.build import build_topology
from .model import Blueprint, load

__version__ = "0.1.0"

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
    "UnsupportedError",
    "__version__",
    "build_topology",
    "connectivity",
    "load",
    "reach",
]
