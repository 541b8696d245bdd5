"""Differential tests against network-config-analyzer 2.1.0 (the NCA env var names its CLI).

Generated clusters use bare pods with fixed IPs so both tools name pods `namespace/name`.
Known deviations of NCA from the Kubernetes API (each tested below, and left out of the generated
comparison):

1. NCA never matches a pod by an ipBlock that holds the pod's IP, while upstream Kubernetes does:
   the upstream e2e test "should allow egress access to server in CIDR block" allows x/a -> y/b
   through an ipBlock of y/b's pod IP (transcribed in test_k8s_upstream_e2e.py).
2. NCA treats `egress: []` in a policy without policyTypes as affecting egress (isolating the
   selected pods for egress); the API server's defaulting (pkg/apis/networking/v1/defaults.go,
   `if len(obj.Egress) != 0`) adds Egress only for a non-empty egress list.
3. A peer's podSelector with an `Exists` or `DoesNotExist` expression selects, in NCA, no pod
   outside the policy's own namespace, even when the peer's namespaceSelector selects the pod's
   namespace; `In`, `NotIn` and matchLabels do. The API's selector semantics
   (k8s.io/apimachinery labels.Requirement.Matches: Exists matches every set of labels that has
   the key) do not depend on the namespace, and the NetworkPolicy docs combine the two selectors
   as "pods matching podSelector in namespaces matching namespaceSelector".
4. NCA collapses a controller's replicas into one endpoint (`ns/web[Deployment]`) where
   crossfence lists `ns/web-0`, `ns/web-1`; naming only, so the generated clusters use bare pods.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from k8s_strategies import clusters, write_objects
from tests.scripts import ROOT, load_script

from crossfence.providers.kubernetes import connectivity, load_manifests

# the oracle (running NCA, reading its output) is shared with benchmarks/k8s_vs_nca.py
_ORACLE = load_script(ROOT / "benchmarks" / "nca_oracle.py")
pod_pairs, run_nca = _ORACLE.pod_pairs, _ORACLE.run_nca

NCA = os.environ.get("NCA")
pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(
        not NCA,
        reason="NCA is not set (path of network-config-analyzer's nca CLI; `make test` sets it)",
    ),
]


def _compare(folder: Path) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    assert NCA is not None
    ours = pod_pairs(connectivity(load_manifests(folder)).to_json())
    theirs = run_nca(NCA, folder)
    differences = {}
    for pair in set(ours) | set(theirs):
        mine = ours[pair].format() if pair in ours else []
        nca = theirs[pair].format() if pair in theirs else []
        if mine != nca:
            differences[pair] = (mine, nca)
    return differences


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(nca=True))
def test_same_pod_to_pod_connectivity_as_nca(objects: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        differences = _compare(write_objects(Path(folder), objects))
    assert not differences, differences


IPBLOCK_OF_POD = """
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: x, labels: {pod: a}}
spec: {containers: [{name: c, image: agnhost}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: y, labels: {pod: b}}
spec: {containers: [{name: c, image: agnhost}]}
status: {podIP: 10.0.1.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.1.2/32}}]
"""


EMPTY_EGRESS = """
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: ns1, labels: {app: a}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: ns1, labels: {app: b}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np1, namespace: ns1}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress: [{}]
  egress: []
"""


def test_nca_deviation_empty_egress_list_isolates_egress(tmp_path: Path) -> None:
    """API defaulting: policyTypes gets Egress only when spec.egress is non-empty, so ns1/p1 may
    still send; NCA isolates it for egress and reports nothing from p1."""
    (tmp_path / "cluster.yaml").write_text(EMPTY_EGRESS)
    differences = _compare(tmp_path)
    assert differences == {("ns1/p1", "ns1/p2"): (["*"], [])}


def test_nca_deviation_ipblock_does_not_match_pods(tmp_path: Path) -> None:
    """Upstream e2e "should allow egress access to server in CIDR block": x/a reaches the server pod.

    NCA reports nothing from x/client to y/server; crossfence follows upstream and allows it.
    """
    (tmp_path / "cluster.yaml").write_text(IPBLOCK_OF_POD)
    differences = _compare(tmp_path)
    assert differences == {("x/client", "y/server"): (["*"], [])}


EXISTS_ACROSS_NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: ns1}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns2}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: ns1}
spec: {containers: [{name: main, image: app}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns2, labels: {app: a}}
spec: {containers: [{name: main, image: app}]}
status: {podIP: 10.0.0.5}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-any-app, namespace: ns1}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {}
          podSelector:
            matchExpressions: [{key: app, operator: Exists}]
"""


def test_nca_deviation_exists_selects_no_pod_of_another_namespace(tmp_path: Path) -> None:
    """Found by the generated comparison: ns2/client has the `app` label, and the peer selects
    pods with `app` in every namespace, so it may reach ns1/server; NCA reports nothing (with
    `matchLabels: {app: a}` instead, it allows the connection)."""
    (tmp_path / "cluster.yaml").write_text(EXISTS_ACROSS_NAMESPACES)
    assert _compare(tmp_path) == {("ns2/client", "ns1/server"): (["*"], [])}
    (tmp_path / "cluster.yaml").write_text(
        EXISTS_ACROSS_NAMESPACES.replace(
            "matchExpressions: [{key: app, operator: Exists}]", "matchLabels: {app: a}"
        )
    )
    assert _compare(tmp_path) == {}
