"""The checks of one cluster's own Kubernetes/Istio objects, on small manifests and on the example."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from crossfence.checks import REGISTRY, Report, run_manifest_checks
from crossfence.checks.kubernetes import is_system_namespace
from crossfence.model import Blueprint
from crossfence.providers.kubernetes import load_manifests
from crossfence.report.sarif import sarif

from .conftest import ids, only, run_checks

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"

MANIFEST_CHECKS = [
    "kubernetes.pods-not-isolated",
    "mesh.peer-authentication-not-strict",
    "mesh.authorization-allows-all",
    "mesh.authorization-http-rule-on-tcp-port",
]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  replicas: {replicas}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: main, ports: [{{containerPort: 8080, name: http}}]}}]
"""

DEFAULT_DENY_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny-ingress, namespace: {namespace}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress]
"""


def _deployment(name: str, namespace: str, replicas: int = 1) -> str:
    return DEPLOYMENT.format(name=name, namespace=namespace, replicas=replicas)


@pytest.fixture
def check(tmp_path: Path) -> Callable[..., Report]:
    """Write manifest documents to a folder and run the manifest checks on it."""

    def run(*documents: str) -> Report:
        folder = tmp_path / "cluster"
        folder.mkdir(exist_ok=True)
        (folder / "objects.yaml").write_text("---\n".join(documents), encoding="utf-8")
        return run_manifest_checks(load_manifests(folder), "cluster", str(folder))

    return run


def test_the_manifest_checks_are_registered_with_their_docs() -> None:
    assert [c.id for c in REGISTRY.values() if c.on_manifests is not None] == MANIFEST_CHECKS
    doc = (Path(__file__).resolve().parents[2] / "docs" / "checks.md").read_text("utf-8")
    for check_id in MANIFEST_CHECKS:
        assert f"\n## {check_id}\n" in doc


def test_only_the_manifest_checks_run_on_a_folder(check: Callable[..., Report]) -> None:
    report = check(_deployment("web", "shop"), DEFAULT_DENY_INGRESS.format(namespace="shop"))
    assert [c.id for c in report.checks] == MANIFEST_CHECKS
    assert report.findings == [] and report.suppressed == []
    assert report.blueprint == "cluster" and str(report.origin).endswith("cluster")


# -- kubernetes.pods-not-isolated --------------------------------------------------------------


def test_pods_no_policy_selects_for_ingress_are_reported_per_namespace(
    check: Callable[..., Report],
) -> None:
    """https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation:
    "By default, a pod is non-isolated for ingress; all inbound connections are allowed." A pod
    is isolated for ingress only when a policy that selects it has "Ingress" in its policyTypes:
    an egress-only policy leaves it open."""
    egress_only = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
"""
    report = check(
        _deployment("web", "shop", replicas=2),
        _deployment("api", "shop"),
        egress_only,
        _deployment("batch", "jobs"),
    )
    assert ids(report) == ["kubernetes.pods-not-isolated"] * 2
    jobs, shop = report.findings  # one per namespace, in namespace order
    assert "namespace shop: 3 pods" in shop.message
    assert "shop/api-0, shop/web-0, shop/web-1" in shop.message
    assert [(o.kind, o.name) for o in shop.objects] == [
        ("Namespace", "shop"),
        ("Deployment", "shop/api"),
        ("Deployment", "shop/web"),
    ]
    assert all(o.file and o.file.endswith("objects.yaml") and o.line for o in shop.objects[1:])
    assert "namespace jobs: 1 pod that" in jobs.message and "accepts connections" in jobs.message
    assert shop.severity == "medium"


def test_a_default_deny_ingress_policy_isolates_every_pod(check: Callable[..., Report]) -> None:
    """The docs' "Default deny all ingress traffic" policy (`podSelector: {}`, `policyTypes:
    [Ingress]`) selects every pod of its namespace for ingress."""
    report = check(
        _deployment("web", "shop", replicas=2), DEFAULT_DENY_INGRESS.format(namespace="shop")
    )
    assert report.findings == []


def test_a_policy_without_policy_types_isolates_for_ingress(check: Callable[..., Report]) -> None:
    """https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/:
    without policyTypes, "Ingress" is always set (and "Egress" only if there are egress rules)."""
    policy = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {}}]
"""
    assert check(_deployment("web", "shop"), policy).findings == []


def test_namespaces_kubernetes_and_istio_own_are_not_checked(
    check: Callable[..., Report],
) -> None:
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/: "Avoid
    creating namespaces with the prefix kube-, since it is reserved for Kubernetes system
    namespaces"; istio-system holds Istio's control plane and gateways."""
    report = check(
        _deployment("coredns", "kube-system"),
        _deployment("istiod", "istio-system"),
        _deployment("lease-holder", "kube-node-lease"),
    )
    assert report.findings == []
    assert is_system_namespace("kube-public") and not is_system_namespace("istio-ingress")


def test_a_bare_pod_is_named_by_itself(check: Callable[..., Report]) -> None:
    pod = """\
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: default}
spec:
  containers: [{name: shell}]
"""
    [finding] = check(pod).findings
    assert [(o.kind, o.name) for o in finding.objects] == [
        ("Namespace", "default"),
        ("Pod", "default/debug"),
    ]


# -- mesh.peer-authentication-not-strict --------------------------------------------------------

PEER_AUTHENTICATION = """\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{spec}
"""


def _peer(name: str, namespace: str, spec: str) -> str:
    return PEER_AUTHENTICATION.format(name=name, namespace=namespace, spec=spec)


def test_a_mesh_wide_permissive_peer_authentication_is_reported(
    check: Callable[..., Report],
) -> None:
    """https://istio.io/latest/docs/reference/config/security/peer_authentication/: PERMISSIVE
    "Connection can be either plaintext or mTLS tunnel"; a policy in the root namespace
    (istio-system) without a selector applies to the whole mesh."""
    report = check(_peer("default", "istio-system", "  mtls: {mode: PERMISSIVE}"))
    assert only(report, "mesh.peer-authentication-not-strict") == ["istio-system/default"]
    finding = report.findings[0]
    assert "PERMISSIVE mesh-wide" in finding.message and finding.severity == "high"
    assert finding.objects[0].file and finding.objects[0].line == 1


def test_namespace_and_disable_modes_are_reported(check: Callable[..., Report]) -> None:
    """DISABLE: "Connection is not tunneled" (plaintext only), here for one namespace."""
    report = check(_peer("plain", "legacy", "  mtls: {mode: DISABLE}"))
    assert only(report, "mesh.peer-authentication-not-strict") == ["legacy/plain"]
    assert "DISABLE for namespace legacy" in report.findings[0].message


def test_a_port_level_exception_is_reported(check: Callable[..., Report]) -> None:
    """The reference's example: a workload STRICT except port 8080, `portLevelMtls: {8080:
    {mode: DISABLE}}`, which accepts plaintext on that port."""
    spec = """\
  selector: {matchLabels: {app: finance}}
  mtls: {mode: STRICT}
  portLevelMtls:
    8080: {mode: DISABLE}"""
    report = check(_peer("finance", "foo", spec))
    only(report, "mesh.peer-authentication-not-strict")
    message = report.findings[0].message
    assert "DISABLE on port 8080 for workloads {app=finance} in foo" in message
    assert "STRICT" not in message


@pytest.mark.parametrize(
    "spec",
    ["  mtls: {mode: STRICT}", "  mtls: {mode: UNSET}", "  selector: {matchLabels: {app: a}}"],
)
def test_strict_and_inherited_modes_are_not_reported(
    check: Callable[..., Report], spec: str
) -> None:
    """STRICT: "Connection is an mTLS tunnel"; UNSET (or no mtls) inherits from the parent."""
    assert check(_peer("default", "foo", spec)).findings == []


# -- mesh.authorization-allows-all --------------------------------------------------------------


def _authz(name: str, namespace: str, spec: str) -> str:
    return (
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}\n"
    )


def test_the_allow_all_policy_is_reported(check: Callable[..., Report]) -> None:
    """https://istio.io/latest/docs/reference/config/security/authorization-policy/: the
    "allow-all" example, `rules: [{}]`, "allows all requests to workloads in namespace foo"."""
    report = check(_authz("allow-all", "foo", "  action: ALLOW\n  rules:\n  - {}"))
    assert only(report, "mesh.authorization-allows-all") == ["foo/allow-all"]
    finding = report.findings[0]
    assert "every workload in namespace foo" in finding.message
    assert "rules[0] (line 7)" in finding.message
    assert finding.objects[0].line == 1 and finding.severity == "high"


def test_an_empty_rule_matches_everything(check: Callable[..., Report]) -> None:
    """A rule with no `from`, `to` or `when` matches every request (an empty `source: {}` or
    `operation: {}` is refused by Istio's validation: tests/providers/istio)."""
    spec = """\
  selector: {matchLabels: {app: api}}
  rules:
    - from: [{source: {principals: ["cluster.local/ns/web/sa/frontend"]}}]
    - {}"""
    report = check(_authz("api", "shop", spec))
    assert only(report, "mesh.authorization-allows-all") == ["shop/api"]
    assert "workloads {app=api} in shop: rules[1]" in report.findings[0].message


@pytest.mark.parametrize(
    "spec",
    [
        "  {}",  # the reference's "deny-all": an ALLOW policy that matches nothing
        "  action: DENY\n  rules:\n  - {}",  # denies everything: not an allow-all
        "  rules:\n  - from: [{source: {namespaces: [web]}}]",
        "  rules:\n  - to: [{operation: {methods: [GET]}}]",
        "  rules:\n  - when:\n    - key: request.auth.claims[iss]\n      values: ['https://issuer']",
    ],
)
def test_narrower_policies_are_not_reported(check: Callable[..., Report], spec: str) -> None:
    """The reference's "deny-all" (`spec: {}`) and rules with a source, an operation or a
    condition do not match every request."""
    assert check(_authz("policy", "foo", spec)).findings == []


# -- every output keeps working, SARIF located at the manifest -----------------------------------


def test_sarif_of_a_manifest_finding_validates_and_points_at_the_manifest(
    check: Callable[..., Report],
) -> None:
    report = check(_deployment("web", "shop"), _authz("allow-all", "shop", "  rules:\n  - {}"))
    log = sarif(report)
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(json.loads(json.dumps(log)))
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert set(results) == {"kubernetes.pods-not-isolated", "mesh.authorization-allows-all"}
    where = results["mesh.authorization-allows-all"]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("cluster/objects.yaml")
    assert where["region"]["startLine"] == 11  # the AuthorizationPolicy, second document
    # the namespace is not declared: the finding is located at the Deployment
    where = results["kubernetes.pods-not-isolated"]["locations"][0]["physicalLocation"]
    assert where["region"]["startLine"] == 1


# -- on a blueprint: each cluster's own manifests ------------------------------------------------


def test_the_reference_example_gives_no_manifest_finding(base_report: Report) -> None:
    assert not [f for f in base_report.findings + base_report.suppressed if f.check.on_manifests]
    assert {c.id for c in base_report.checks} >= set(MANIFEST_CHECKS)


def test_a_permissive_peer_authentication_in_a_cluster_manifest(
    edited: Callable[..., Blueprint],
) -> None:
    """The cluster's own manifests are checked, located in the manifest file, named with the cluster."""
    blueprint = edited(
        (
            "manifests/kapsule-eu/shop.yaml",
            "# The public path",
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            "metadata: {name: legacy, namespace: shop}\nspec:\n  mtls: {mode: PERMISSIVE}\n"
            "---\n# The public path",
        )
    )
    report = run_checks(blueprint)
    assert only(report, "mesh.peer-authentication-not-strict") == ["kapsule-eu/shop/legacy"]
    finding = report.findings[0]
    assert finding.message.startswith("cluster kapsule-eu: PeerAuthentication shop/legacy")
    location = finding.objects[0]
    assert location.file and location.file.endswith("manifests/kapsule-eu/shop.yaml")
    assert location.line and location.line > 1


def test_blueprint_pods_a_cluster_manifest_no_longer_isolates(
    edited: Callable[..., Blueprint],
) -> None:
    """The blueprint's pods count: gitlab-runner (ci) is isolated only by the ci manifest's
    policy; with Egress alone it accepts connections from everything."""
    blueprint = edited(
        ("manifests/gke-prod/ci.yaml", "policyTypes: [Ingress, Egress]", "policyTypes: [Egress]")
    )
    report = run_checks(blueprint)
    assert only(report, "kubernetes.pods-not-isolated") == ["gke-prod/ci", "gitlab-runner"]
    finding = report.findings[0]
    assert "cluster gke-prod: namespace ci: 1 pod" in finding.message
    assert all(o.file and o.line for o in finding.objects)  # blueprint namespace and workload


def test_the_istio_objects_derived_from_the_blueprint_are_not_checked(
    edited: Callable[..., Blueprint],
) -> None:
    """A PERMISSIVE cluster mesh and a global namespace's default deny (an ALLOW policy without
    rules) become Istio objects crossfence derives; they are not the cluster's manifests."""
    blueprint = edited(
        (
            "clusters.yaml",
            "mtls_mode: STRICT\n      east_west_gateway: {address: 172.16.0.100",
            "mtls_mode: PERMISSIVE\n      east_west_gateway: {address: 172.16.0.100",
        )
    )
    report = run_checks(blueprint)
    assert not [f for f in report.findings if f.check.on_manifests]
