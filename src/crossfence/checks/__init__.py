"""Security pattern checks (one module per family) and the blueprint's intents, run by `run_checks`;
the checks of Kubernetes/Istio objects alone also run on a folder of manifests (`run_manifest_checks`)."""

from __future__ import annotations

from . import (
    backup,
    dlp,
    identity,
    intents,
    keys,
    kubernetes,
    mesh,
    network,
    sovereignty,
    zerotrust,
)
from .base import REGISTRY, SEVERITIES, Check, Finding, ObjectRef, Severity
from .runner import Report, run_checks, run_manifest_checks

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
    "kubernetes",
    "mesh",
    "network",
    "run_checks",
    "run_manifest_checks",
    "sovereignty",
    "zerotrust",
]
