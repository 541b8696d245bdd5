"""Security pattern checks (one module per family) and the blueprint's intents, run by `run_checks`."""

from __future__ import annotations

from . import backup, dlp, identity, intents, keys, mesh, network, sovereignty, zerotrust
from .base import REGISTRY, SEVERITIES, Check, Finding, ObjectRef, Severity
from .runner import Report, run_checks

__all__ = [
    "REGISTRY",
    "SEVERITIES",
    "Check",
    "Finding",
    "ObjectRef",
    "Report",
    "Severity",
    "backup",
    "dlp",
    "identity",
    "intents",
    "keys",
    "mesh",
    "network",
    "run_checks",
    "sovereignty",
    "zerotrust",
]
