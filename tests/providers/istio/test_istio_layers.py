"""Istio PeerAuthentication and AuthorizationPolicy, through `explain`, with documented examples.

PeerAuthentication: https://istio.io/latest/docs/reference/config/security/peer_authentication/
AuthorizationPolicy: https://istio.io/latest/docs/reference/config/security/authorization-policy/
TCP traffic: https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence.errors import QueryError
from crossfence.providers.kubernetes import Cluster, LayeredVerdict, explain

Mesh = Callable[[str], Cluster]


def http(
    cluster: Cluster, src: str, method: str = "GET", path: str = "/", port: int = 8000
) -> LayeredVerdict:
    return explain(cluster, src, "foo/httpbin", "TCP", port, method=method, path=path)


def line_at(source: str | None) -> str:
    """The text of the manifest line a step's `file:line` source points at."""
    assert source is not None
    file, _, line = source.rpartition(":")
    return Path(file).read_text().splitlines()[int(line) - 1]


def step(verdict: LayeredVerdict, layer: str) -> dict[str, str | None]:
    return next(s.to_json() for s in verdict.steps if s.layer == layer)


def test_default_mode_is_permissive(mesh: Mesh) -> None:
    """PeerAuthentication reference: without any policy the mode is PERMISSIVE (plaintext and mTLS)."""
    cluster = mesh("")
    verdict = explain(cluster, "legacy/sleep", "foo/httpbin", "TCP", 8000)
    assert verdict.allowed
    assert "mTLS PERMISSIVE" in str(step(verdict, "mesh mTLS")["detail"])
    assert "plaintext" in str(step(verdict, "mesh mTLS")["detail"])
    assert "connection uses mTLS" in str(
        step(explain(cluster, "bar/sleep", "foo/httpbin", "TCP", 8000), "mesh mTLS")["detail"]
    )


def test_mesh_wide_strict_rejects_plaintext(mesh: Mesh) -> None:
    """Reference example: a mesh-wide policy in the root namespace istio-system with mode STRICT."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        """
    )
    verdict = explain(cluster, "legacy/sleep", "foo/httpbin", "TCP", 8000)
    assert not verdict.allowed
    assert verdict.decided_by == "mesh mTLS"
    assert step(verdict, "mesh mTLS")["source"] is not None
    assert explain(cluster, "bar/sleep", "foo/httpbin", "TCP", 8000).allowed


def test_namespace_overrides_mesh_and_workload_port_overrides_namespace(mesh: Mesh) -> None:
    """Reference: workload > namespace > mesh; the example policy keeps STRICT for the workload but
    DISABLEs mTLS on one port (portLevelMtls); UNSET inherits from the parent."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: PERMISSIVE}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: foo}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: httpbin, namespace: foo}
        spec:
          selector: {matchLabels: {app: httpbin}}
          mtls: {mode: UNSET}
          portLevelMtls:
            8080: {mode: DISABLE}
        """
    )
    assert not explain(
        cluster, "legacy/sleep", "foo/httpbin", "TCP", 8000
    ).allowed  # UNSET -> foo STRICT
    assert explain(cluster, "legacy/sleep", "foo/httpbin", "TCP", 8080).allowed  # port DISABLE
    assert not explain(cluster, "legacy/sleep", "foo/tcp-echo", "TCP", 9000).allowed


def test_no_sidecar_on_destination_means_no_mesh_layer(mesh: Mesh) -> None:
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-all, namespace: istio-system}
        spec: {action: DENY, rules: [{}]}
        """
    )
    verdict = explain(cluster, "foo/sleep", "legacy/sleep", "TCP", 80)
    assert verdict.allowed
    assert step(verdict, "mesh mTLS")["action"] == "skip"
    assert not explain(
        cluster, "legacy/sleep", "foo/sleep", "TCP", 80
    ).allowed  # root-namespace DENY


def test_allow_nothing_and_allow_all(mesh: Mesh) -> None:
    """Reference: `spec: {}` (ALLOW, no rules) allows nothing; `rules: [{}]` matches everything."""
    nothing = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-nothing, namespace: foo}
        spec: {}
        """
    )
    verdict = http(nothing, "foo/sleep")
    assert not verdict.allowed
    assert verdict.decided_by == "mesh authorization"
    assert "no rule of the ALLOW policies (foo/allow-nothing) matches" in str(
        step(verdict, "mesh authorization")["detail"]
    )
    everything = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-all, namespace: foo}
        spec: {rules: [{}]}
        """
    )
    assert http(everything, "legacy/sleep").allowed


def test_deny_beats_allow(mesh: Mesh) -> None:
    """Reference: CUSTOM, then DENY, then ALLOW; "deny the request if any DENY policy matches"."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-all, namespace: foo}
        spec: {rules: [{}]}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-post-from-bar, namespace: foo}
        spec:
          action: DENY
          rules:
          - from: [{source: {namespaces: [bar]}}]
            to: [{operation: {methods: [POST]}}]
        """
    )
    denied = http(cluster, "bar/sleep", "POST")
    assert not denied.allowed
    assert "DENY policy foo/deny-post-from-bar rule 0 matches" in str(
        step(denied, "mesh authorization")["detail"]
    )
    assert (
        line_at(step(denied, "mesh authorization")["source"]).strip()
        == "- from: [{source: {namespaces: [bar]}}]"
    )
    assert http(cluster, "bar/sleep", "GET").allowed
    assert http(cluster, "foo/sleep", "POST").allowed


def test_allow_with_principals_methods_and_paths(mesh: Mesh) -> None:
    """Reference example: allow the sleep service account to GET /info* (prefix match)."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: httpbin, namespace: foo}
        spec:
          selector: {matchLabels: {app: httpbin}}
          rules:
          - from: [{source: {principals: [cluster.local/ns/foo/sa/sleep]}}]
            to: [{operation: {methods: [GET, HEAD], paths: [/info*]}}]
        """
    )
    assert http(cluster, "foo/sleep", "GET", "/info/abc").allowed
    assert not http(cluster, "foo/sleep", "POST", "/info").allowed
    assert not http(cluster, "foo/sleep", "GET", "/status").allowed
    assert not http(cluster, "bar/sleep", "GET", "/info").allowed  # other principal
    # the selector limits the policy to httpbin: tcp-echo has no ALLOW policy
    assert explain(cluster, "bar/sleep", "foo/tcp-echo", "TCP", 9000).allowed


def test_principals_and_namespaces_need_mtls(mesh: Mesh) -> None:
    """Reference: principals and namespaces "require mTLS"; plaintext has no identity, so a
    positive match fails while a not-field holds (Envoy's negated matcher)."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: from-legacy, namespace: foo}
        spec:
          rules:
          - from: [{source: {namespaces: [legacy]}}]
          - from: [{source: {notNamespaces: [bar]}}]
            to: [{operation: {ports: ["9000"]}}]
        """
    )
    assert not http(cluster, "legacy/sleep").allowed
    assert explain(cluster, "legacy/sleep", "foo/tcp-echo", "TCP", 9000).allowed
    assert not explain(cluster, "bar/sleep", "foo/tcp-echo", "TCP", 9000).allowed
    assert explain(cluster, "foo/sleep", "foo/tcp-echo", "TCP", 9000).allowed


def test_http_only_fields_on_tcp_traffic(mesh: Mesh) -> None:
    """authz-tcp task: an ALLOW rule with `methods` on TCP traffic is ignored, so the request is
    rejected; a DENY rule with `methods` on TCP ignores the HTTP field and denies port 9000, while
    port 9001 stays allowed."""
    allow = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: tcp-policy, namespace: foo}
        spec:
          selector: {matchLabels: {app: tcp-echo}}
          action: ALLOW
          rules:
          - to: [{operation: {methods: [GET], ports: ["9000"]}}]
        """
    )
    verdict = explain(allow, "foo/sleep", "foo/tcp-echo", "TCP", 9000)
    assert not verdict.allowed
    assert "HTTP-only fields on TCP traffic: ignored" in str(
        step(verdict, "mesh authorization")["detail"]
    )
    deny = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: tcp-policy, namespace: foo}
        spec:
          selector: {matchLabels: {app: tcp-echo}}
          action: DENY
          rules:
          - to: [{operation: {methods: [GET], ports: ["9000"]}}]
        """
    )
    assert not explain(deny, "foo/sleep", "foo/tcp-echo", "TCP", 9000).allowed
    assert explain(deny, "foo/sleep", "foo/tcp-echo", "TCP", 9001).allowed


def test_ip_blocks_ports_and_not_ports(mesh: Mesh) -> None:
    """Reference Source.ipBlocks (CIDR or single IP) and Operation.notPorts."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-bar-range, namespace: foo}
        spec:
          action: DENY
          rules:
          - from: [{source: {ipBlocks: [10.1.1.0/24]}}]
            to: [{operation: {notPorts: ["8000"]}}]
        """
    )
    assert not explain(cluster, "bar/sleep", "foo/tcp-echo", "TCP", 9000).allowed
    assert explain(cluster, "bar/sleep", "foo/httpbin", "TCP", 8000).allowed
    assert explain(cluster, "foo/sleep", "foo/tcp-echo", "TCP", 9000).allowed


def test_when_conditions_supported_and_unsupported(mesh: Mesh) -> None:
    """`when` with source.namespace is evaluated; request.headers cannot be, and is reported and
    resolved towards denial (an ALLOW rule does not match), never widened."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: conditions, namespace: foo}
        spec:
          rules:
          - when: [{key: source.namespace, values: [bar]}]
            to: [{operation: {ports: ["9000"]}}]
          - when: [{key: "request.headers[version]", values: [v1]}]
        """
    )
    assert explain(cluster, "bar/sleep", "foo/tcp-echo", "TCP", 9000).allowed
    assert not explain(cluster, "foo/sleep", "foo/tcp-echo", "TCP", 9000).allowed
    verdict = http(cluster, "foo/sleep")
    assert not verdict.allowed
    assert "'request.headers[version]' is not supported by crossfence" in str(
        step(verdict, "mesh authorization")["detail"]
    )


def test_custom_delegates_and_audit_does_not_decide(mesh: Mesh) -> None:
    """Reference: CUSTOM delegates to an extension provider; AUDIT only marks requests."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: ext-authz, namespace: foo}
        spec:
          action: CUSTOM
          provider: {name: opa}
          rules: [{to: [{operation: {paths: [/admin*]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: audit, namespace: foo}
        spec: {action: AUDIT, rules: [{}]}
        """
    )
    verdict = http(cluster, "foo/sleep", path="/admin/x")
    assert verdict.allowed
    authz = step(verdict, "mesh authorization")
    assert authz["action"] == "delegate"
    assert "provider 'opa'" in str(authz["detail"])
    assert step(http(cluster, "foo/sleep", path="/"), "mesh authorization")["action"] == "allow"


def test_explain_netpol_steps_name_policy_and_rule(mesh: Mesh) -> None:
    """The NetworkPolicy steps come first and quote file:line of the deciding rule."""
    cluster = mesh(
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: httpbin-from-bar, namespace: foo}
        spec:
          podSelector: {matchLabels: {app: httpbin}}
          ingress:
          - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: bar}}}]
            ports: [{port: 8000}]
        """
    )
    allowed = explain(cluster, "bar/sleep", "foo/httpbin", "TCP", 8000)
    assert [s.layer for s in allowed.steps] == [
        "egress netpol",
        "ingress netpol",
        "mesh mTLS",
        "mesh authorization",
    ]
    ingress = step(allowed, "ingress netpol")
    assert ingress["action"] == "allow"
    assert "foo/httpbin-from-bar ingress[0]" in str(ingress["detail"])
    assert line_at(ingress["source"]).strip().startswith("- from: [{namespaceSelector:")
    denied = explain(cluster, "foo/sleep", "foo/httpbin", "TCP", 8000)
    assert not denied.allowed and denied.decided_by == "ingress netpol"
    assert "isolated for ingress by foo/httpbin-from-bar" in str(
        step(denied, "ingress netpol")["detail"]
    )
    outside = explain(cluster, "203.0.113.9", "foo/httpbin", "TCP", 8000)
    assert step(outside, "egress netpol")["action"] == "skip"
    assert not outside.allowed
    assert outside.to_json()["service"] == "TCP/8000"
    with pytest.raises(QueryError, match="neither a pod nor an address"):
        explain(cluster, "foo/nope", "foo/httpbin", "TCP", 8000)
    with pytest.raises(QueryError, match="TCP needs a destination port"):
        explain(cluster, "foo/sleep", "foo/httpbin", "TCP", None)
