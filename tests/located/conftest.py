"""The located-YAML tests read generated Kubernetes clusters: the strategies of the Kubernetes tests."""

from __future__ import annotations

import sys
from pathlib import Path

# `k8s_strategies` lives beside the Kubernetes tests (a folder without `__init__.py`, which pytest
# puts on sys.path only once it collects a test there): put it there for these tests too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers" / "kubernetes"))
