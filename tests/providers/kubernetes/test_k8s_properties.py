"""Property: the NumPy connectivity engine gives the rule-by-rule evaluator's answer everywhere."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from k8s_strategies import PROBE_PORTS, clusters, write_objects
from tests.matrix_layout import matrix_text

from crossfence.algebra.packets import IpSet
from crossfence.providers.kubernetes import connectivity, load_manifests
from crossfence.providers.kubernetes.netpol import Endpoint, is_allowed

SERVICES = [(p, port) for p in ("TCP", "UDP", "SCTP") for port in PROBE_PORTS] + [("ICMP", None)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_arrays_agree_with_rule_by_rule_evaluation(objects: list[dict[str, Any]]) -> None:
    """Both engines implement https://kubernetes.io/docs/concepts/services-networking/network-policies/"""
    with tempfile.TemporaryDirectory() as folder:
        cluster = load_manifests(write_objects(Path(folder), objects))
    result = connectivity(cluster)
    endpoints: dict[str, Endpoint] = {p.key: Endpoint(p.ip_int, p) for p in cluster.pods}
    for name in result.endpoints[len(cluster.pods) :]:
        endpoints[name] = Endpoint(int(IpSet.parse(name).first_address()))
    for src, source in endpoints.items():
        for dst, destination in endpoints.items():
            if src == dst or (source.pod is None and destination.pod is None):
                continue
            services = result.services(src, dst)
            for protocol, port in SERVICES:
                expected = is_allowed(cluster, source, destination, protocol, port)
                assert services.contains(protocol, port) == expected, (src, dst, protocol, port)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_fast_dump_is_the_json_of_to_json(objects: list[dict[str, Any]]) -> None:
    """`dumps()` (rows per class, shared fragments) is `to_json()` in the matrix layout (one
    endpoint and one connection a line, as a blueprint's matrix) character for character on
    generated clusters, ipBlock ranges and pods a policy isolates included."""
    with tempfile.TemporaryDirectory() as folder:
        cluster = load_manifests(write_objects(Path(folder), objects))
    result = connectivity(cluster)
    assert result.dumps() == matrix_text(result.to_json())
    header = {"schema_version": 1}
    assert result.dumps(header) == matrix_text({**header, **result.to_json()})


def test_json_shape_and_fast_dump_agree(make_cluster: Any) -> None:
    """`dumps()` writes `to_json()`; absent pairs allow nothing."""
    import json

    cluster = make_cluster(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: n, labels: {app: a}}
        status: {podIP: 10.0.0.1}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: n}
        status: {podIP: 10.0.0.2}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: only-https, namespace: n}
        spec:
          podSelector: {matchLabels: {app: a}}
          ingress:
          - ports: [{port: 443}, {port: 8000, endPort: 8100}, {protocol: UDP}]
        """
    )
    result = connectivity(cluster)
    data = result.to_json()
    assert json.loads(result.dumps()) == data
    assert data["endpoints"] == ["n/a", "n/b", "0.0.0.0/0"]
    assert {"from": "n/b", "to": "n/a", "allowed": ["TCP/443", "TCP/8000-8100", "UDP"]} in data[
        "connections"
    ]
    assert {"from": "n/a", "to": "n/b", "allowed": ["*"]} in data["connections"]
    assert {
        "from": "0.0.0.0/0",
        "to": "n/a",
        "allowed": ["TCP/443", "TCP/8000-8100", "UDP"],
    } in data["connections"]
    assert not [c for c in data["connections"] if c["from"] == c["to"]]
