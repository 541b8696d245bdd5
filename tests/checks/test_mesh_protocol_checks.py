"""HTTP-only authorization fields on ports the sidecar reads as TCP or TLS: on manifests and blueprints.

https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/: on TCP traffic an ALLOW
rule with an HTTP-only field is ignored, a DENY rule drops it and applies on the rest; the port's
protocol comes from its Service port's name or appProtocol
(https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence import load
from crossfence.checks import Report, run_checks, run_manifest_checks
from crossfence.model import Blueprint
from crossfence.providers.kubernetes import load_manifests

from .conftest import ids, only

CHECK = "mesh.authorization-http-rule-on-tcp-port"
GLOBAL = "mesh.global-policy-http-rule-on-tcp-port"

WORKLOAD = """\
apiVersion: v1
kind: Namespace
metadata: {name: foo, labels: {istio-injection: enabled}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: foo}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: foo}
spec:
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers: [{name: echo, ports: [{containerPort: 9000}, {containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: foo}
spec:
  selector: {app: echo}
  ports: [{name: tcp, port: 9000}, {name: http, port: 8080}]
"""


def policy(action: str, operation: str) -> str:
    return f"""\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: echo-policy, namespace: foo}}
spec:
  selector: {{matchLabels: {{app: echo}}}}
  action: {action}
  rules:
  - to: [{{operation: {operation}}}]
"""


@pytest.fixture
def check(tmp_path: Path) -> Callable[..., Report]:
    def run(*documents: str) -> Report:
        folder = tmp_path / "cluster"
        folder.mkdir(exist_ok=True)
        (folder / "objects.yaml").write_text("---\n".join(documents), encoding="utf-8")
        return run_manifest_checks(load_manifests(folder), "cluster", str(folder))

    return run


def test_an_allow_rule_with_methods_on_a_tcp_port_is_reported(
    check: Callable[..., Report],
) -> None:
    """The task's ALLOW `methods: ["GET"]`, `ports: ["9000"]`: "Istio ignores the invalid
    ALLOW rule", so the rule allows nothing."""
    report = check(WORKLOAD, policy("ALLOW", '{methods: ["GET"], ports: ["9000"]}'))
    assert ids(report) == [CHECK]
    finding = report.findings[0]
    assert finding.message == (
        "AuthorizationPolicy foo/echo-policy (ALLOW) rule 0 uses methods on port 9000 (name tcp "
        "on Service foo/echo port 9000): Istio ignores the rule there, so it allows nothing"
    )
    assert finding.severity == "medium"
    assert [(o.kind, o.name, o.line) for o in finding.objects] == [
        ("AuthorizationPolicy", "foo/echo-policy", 33),  # the rule
        ("Service", "foo/echo", 24),  # its ports
    ]


def test_an_allow_rule_that_also_covers_an_http_port_is_not_reported(
    check: Callable[..., Report],
) -> None:
    """Without `ports`, the rule covers 9000 (TCP) and 8080 (HTTP): its methods apply on 8080."""
    assert check(WORKLOAD, policy("ALLOW", '{methods: ["GET"]}')).findings == []
    assert check(WORKLOAD, policy("ALLOW", '{methods: ["GET"], ports: ["8080"]}')).findings == []


def test_a_deny_rule_with_methods_on_a_tcp_port_is_reported(
    check: Callable[..., Report],
) -> None:
    """DENY `methods: ["GET"]` with no ports: "it denies all the traffic to the tcp ports" —
    reported even though it also covers the HTTP port, where it denies GET only."""
    report = check(WORKLOAD, policy("DENY", '{methods: ["GET"]}'))
    assert ids(report) == [CHECK]
    assert report.findings[0].message.endswith(
        "port 9000 (name tcp on Service foo/echo port 9000): Istio drops those fields there, "
        "so the rule denies every connection its other fields match"
    )


def test_no_finding_without_a_sidecar_or_on_an_auto_detected_port(
    check: Callable[..., Report],
) -> None:
    """No sidecar: the mesh enforces nothing. An unnamed port is auto-detected: HTTP requests
    are read as HTTP there."""
    without_sidecar = WORKLOAD.replace("labels: {istio-injection: enabled}", "labels: {}")
    assert (
        check(without_sidecar, policy("ALLOW", '{methods: ["GET"], ports: ["9000"]}')).findings
        == []
    )
    unnamed = WORKLOAD.replace("{name: tcp, port: 9000}", "{port: 9000}")
    assert check(unnamed, policy("ALLOW", '{paths: ["/x"], ports: ["9000"]}')).findings == []


def test_the_reference_example_has_no_such_finding(base_report: Report) -> None:
    """customer-api serves plain HTTP on 8443 (`app_protocol: http`): the HTTP rules apply."""
    assert not [
        f for f in base_report.findings + base_report.suppressed if f.check.id in (CHECK, GLOBAL)
    ]


def test_a_tls_port_under_a_global_policy_with_methods(
    edited: Callable[..., Blueprint],
) -> None:
    """customer-api declared `https`: the global policy's GET/POST on /api/* never match, the
    cluster manifest's ALLOW on /api/* neither (both reported, each where it is written), and
    the frontend's calls are denied."""
    blueprint = edited(
        (
            "workloads.yaml",
            "{port: 8443, protocol: tcp, name: http, app_protocol: http}",
            "{port: 8443, protocol: tcp, name: http, app_protocol: https}",
        )
    )
    report = run_checks(blueprint)
    found = {f.check.id: f for f in report.findings}
    assert GLOBAL in found and CHECK in found
    assert found[GLOBAL].message == (
        "global policy shop/frontend-to-customer-api (allow) names methods, paths for "
        "customer-api on port 8443 (app_protocol https on workload customer-api port 8443): "
        "Istio ignores the rule there, so it allows nothing"
    )
    assert [(o.kind, o.name) for o in found[GLOBAL].objects] == [
        ("global-policy", "shop/frontend-to-customer-api"),
        ("workload", "customer-api"),
    ]
    assert found[GLOBAL].objects[0].file and found[GLOBAL].objects[0].file.endswith("clusters.yaml")
    assert found[CHECK].message.startswith(
        "cluster kapsule-eu: AuthorizationPolicy shop/customer-api-from-edge (ALLOW) rule 0 uses "
        "paths on port 8443"
    )


def test_a_blueprint_on_its_own(tmp_path: Path) -> None:
    """A small estate: the global policy names methods for a port declared `tcp`."""
    (tmp_path / "bp.yaml").write_text(
        """\
clouds:
  - {name: scw, provider: scaleway, jurisdiction: FR, region: fr-par}
networks:
  - {name: vpc, cloud: scw, private_networks: [{name: apps, cidr: 172.16.0.0/24}]}
clusters:
  - {name: k, cloud: scw, kind: kapsule, network: vpc, subnet: apps, pod_range: 100.64.0.0/16,
     service_range: 100.65.0.0/16, namespaces: [{name: shop, istio_injection: true}],
     mesh: {mtls_mode: STRICT}}
workloads:
  - {name: client, kind: pods, cluster: k, namespace: shop, labels: {app: client}}
  - {name: db, kind: pods, cluster: k, namespace: shop, labels: {app: db},
     ports: [{port: 5432, name: tcp-postgres}]}
global_namespaces:
  - name: shop
    trust_domain: example.eu
    members: [{cluster: k, namespace: shop}]
    policies:
      - {name: reads, action: deny, sources: [client], destination: db, methods: [DELETE]}
""",
        encoding="utf-8",
    )
    report = run_checks(load(tmp_path / "bp.yaml"), skip=["kubernetes"])
    assert only(report, GLOBAL) == ["shop/reads", "db"]
    assert "(deny) names methods for db on port 5432 (name tcp-postgres on workload db port " in (
        report.findings[0].message
    )
    assert report.findings[0].message.endswith(
        "Istio drops those fields there, so the rule denies every connection its other fields match"
    )
