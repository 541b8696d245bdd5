"""Fixtures for the Istio provider tests: a meshed cluster plus inline policies."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence.providers.kubernetes import Cluster, load_manifests

# Two injected namespaces (foo, bar), one without sidecars (legacy); sleep calls httpbin as in
# the Istio security tasks. httpbin has no Service: its port is auto-detected (HTTP when the
# client speaks HTTP).
MESH = """
apiVersion: v1
kind: Namespace
metadata: {name: foo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: bar, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Pod
metadata: {name: httpbin, namespace: foo, labels: {app: httpbin}}
spec: {serviceAccountName: httpbin, containers: [{name: httpbin, image: httpbin, ports: [{containerPort: 8000}]}]}
status: {podIP: 10.1.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: tcp-echo, namespace: foo, labels: {app: tcp-echo}}
spec:
  containers:
  - {name: echo, image: tcp-echo, ports: [{containerPort: 9000}, {containerPort: 9001}, {containerPort: 9002}]}
status: {podIP: 10.1.0.11}
---
# As in the "TCP Traffic" task: the Service declares 9000 and 9001 as TCP and omits 9002.
apiVersion: v1
kind: Service
metadata: {name: tcp-echo, namespace: foo}
spec:
  selector: {app: tcp-echo}
  ports: [{name: tcp, port: 9000}, {name: tcp-other, port: 9001}]
---
apiVersion: v1
kind: Pod
metadata: {name: sleep, namespace: foo, labels: {app: sleep}}
spec: {serviceAccountName: sleep, containers: [{name: sleep, image: curl}]}
status: {podIP: 10.1.0.20}
---
apiVersion: v1
kind: Pod
metadata: {name: sleep, namespace: bar, labels: {app: sleep}}
spec: {serviceAccountName: sleep, containers: [{name: sleep, image: curl}]}
status: {podIP: 10.1.1.20}
---
apiVersion: v1
kind: Pod
metadata: {name: sleep, namespace: legacy, labels: {app: sleep}}
spec: {containers: [{name: sleep, image: curl}]}
status: {podIP: 10.1.2.20}
"""


@pytest.fixture
def mesh(tmp_path: Path) -> Callable[[str], Cluster]:
    """The MESH cluster plus `policies` (YAML documents)."""
    counter = iter(range(1000))

    def make(policies: str) -> Cluster:
        path = tmp_path / f"mesh-{next(counter)}.yaml"
        path.write_text(MESH + "---\n" + textwrap.dedent(policies).strip() + "\n", encoding="utf-8")
        return load_manifests(path)

    return make
