"""Fixtures for the Kubernetes provider tests: clusters from inline manifests, both engines."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence.providers.kubernetes import Cluster, load_manifests

MakeCluster = Callable[[str], Cluster]


@pytest.fixture
def make_cluster(tmp_path: Path) -> MakeCluster:
    """Write `text` (dedented YAML) to a file and load it as a cluster."""
    counter = iter(range(1000))

    def make(text: str) -> Cluster:
        path = tmp_path / f"manifests-{next(counter)}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_manifests(path)

    return make
