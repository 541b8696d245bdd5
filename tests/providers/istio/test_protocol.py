"""Istio protocol selection, and authorization as the port's protocol lets the sidecar see the traffic.

Protocol selection: https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
(and istio/istio pkg/config/kube/conversion.go with its test, for what the page leaves out).
TCP traffic: https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from crossfence.providers.istio.protocol import (
    AMBIGUOUS,
    AUTO,
    HTTP,
    TCP,
    TLS,
    classify,
    port_protocol,
)
from crossfence.providers.kubernetes import Cluster, LayeredVerdict, explain

Mesh = Callable[[str], Cluster]


def docs(*parts: str) -> str:
    """YAML documents, each dedented on its own."""
    return "---\n".join(textwrap.dedent(part).strip() + "\n" for part in parts)


def authorization(verdict: LayeredVerdict) -> str:
    return next(s.detail for s in verdict.steps if s.layer == "mesh authorization")


@pytest.mark.parametrize(
    ("port", "name", "app_protocol", "kind"),
    [
        # "By the name of the port: name: <protocol>[-<suffix>]"
        (80, "http", None, HTTP),
        (80, "http-web", None, HTTP),
        (80, "http2-x", None, HTTP),
        (80, "grpc", None, HTTP),
        (80, "grpc-web-x", None, HTTP),  # conversion_test: "resolves grpc-web"
        (80, "HTTP", None, HTTP),  # protocol.Parse ignores case
        # "https | TLS Encrypted data. Because the Sidecar does not decrypt TLS traffic, this is
        # the same as tls"
        (443, "https", None, TLS),
        (443, "tls-passthrough", None, TLS),
        # "tcp | Opaque TCP data stream"; mongo, mysql, redis: "If not enabled, [they are]
        # treated as opaque TCP data streams"
        (9000, "tcp", None, TCP),
        (27017, "mongo", None, TCP),
        (6379, "redis-cache", None, TCP),
        # "In Kubernetes 1.18+, by the appProtocol field"
        (80, None, "http", HTTP),
        (80, "web", "https", TLS),
        # "If both are defined, appProtocol takes precedence over the port name"
        # (conversion_test: "prefers appProto over portName")
        (80, "http-something", "https", TLS),
        (80, "tcp", "grpc", HTTP),
        # no protocol named: "Istio can automatically detect HTTP and HTTP/2 traffic"
        (80, None, None, AUTO),
        (80, "web", None, AUTO),
        (80, "httpx", None, AUTO),  # the prefix is cut at a hyphen only
        (80, "grpcweb-x", None, AUTO),  # conversion_test: "not resolved incorrectly"
        # conversion_test "resolves based on known ports": 3306 is not sniffed
        (3306, "random-name", None, TCP),
        (53, None, None, TCP),
    ],
)
def test_a_service_port_protocol(
    port: int, name: str | None, app_protocol: str | None, kind: str
) -> None:
    assert classify(port, name, app_protocol) == kind


SERVICES = """
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: foo, labels: {app: api}}
spec:
  serviceAccountName: api
  containers:
  - name: api
    ports: [{containerPort: 8080, name: web}, {containerPort: 8443}, {containerPort: 9000}, {containerPort: 5000}]
status: {podIP: 10.1.0.30}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: foo}
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80, targetPort: web}
  - {name: tcp-admin, port: 8443, appProtocol: https}
  - {name: dns, port: 9000, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: foo}
spec:
  selector: {app: other}
  ports: [{name: http, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: manual, namespace: foo}
spec:
  ports: [{name: http, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: api-grpc, namespace: foo}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 5000}]
---
apiVersion: v1
kind: Service
metadata: {name: api-raw, namespace: foo}
spec:
  selector: {app: api}
  ports: [{name: tcp, port: 5000}]
"""


def test_the_protocol_of_a_pod_port_comes_from_the_service_ports_targeting_it(
    mesh: Mesh,
) -> None:
    """A Service port's protocol holds for the pod port its `targetPort` names (a number or a
    container port's name); a port no Service targets is auto-detected (the pass-through chain),
    as is a port only a UDP Service port, a Service selecting other pods, or a Service without
    a selector names."""
    cluster = mesh(SERVICES)
    pod = cluster.pod("foo/api")
    web = port_protocol(cluster, pod, 8080)
    assert (web.kind, web.reason) == (HTTP, "name http on Service foo/api port 80")
    assert web.resource == "Service/foo/api" and web.location is not None
    assert port_protocol(cluster, pod, 80).kind == AUTO  # the Service port, not a pod port
    admin = port_protocol(cluster, pod, 8443)
    assert (admin.kind, admin.reason) == (TLS, "appProtocol https on Service foo/api port 8443")
    assert admin.opaque
    assert port_protocol(cluster, pod, 9000).kind == AUTO
    assert "no Service port targets foo/api:9000" in port_protocol(cluster, pod, 9000).reason
    # two Services disagree: crossfence does not guess which one Istio applies
    both = port_protocol(cluster, pod, 5000)
    assert both.kind == AMBIGUOUS and not both.opaque
    assert "name grpc on Service foo/api-grpc" in both.reason
    assert "name tcp on Service foo/api-raw" in both.reason


TCP_ECHO = "foo/tcp-echo"


def tcp(cluster: Cluster, port: int, method: str | None = None) -> LayeredVerdict:
    return explain(cluster, "foo/sleep", TCP_ECHO, "TCP", port, method=method, path=None)


def test_authz_tcp_allow_ports_and_the_pass_through_chain(mesh: Mesh) -> None:
    """The task's first policy, ALLOW ports 9000 and 9001: "requests to port 9000 are allowed",
    9001 too, and "requests to port 9002 are denied ... which also applies to the pass through
    filter chain, even if the port is not declared explicitly in the ... service object"."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: tcp-policy, namespace: foo}
        spec:
          selector: {matchLabels: {app: tcp-echo}}
          action: ALLOW
          rules:
          - to: [{operation: {ports: ["9000", "9001"]}}]
        """
    )
    assert tcp(cluster, 9000).allowed and tcp(cluster, 9001).allowed
    assert not tcp(cluster, 9002).allowed and tcp(cluster, 9002).conditions == ()


def test_authz_tcp_allow_with_methods_is_ignored_even_for_a_get(mesh: Mesh) -> None:
    """ALLOW `methods: ["GET"]`, `ports: ["9000"]`: "requests to port 9000 are denied ...
    Istio ignores the invalid ALLOW rule", and 9001 is denied as it matches no ALLOW rule. The
    port is TCP to the sidecar: a GET the client would send is not visible to it either."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: tcp-policy, namespace: foo}
        spec:
          selector: {matchLabels: {app: tcp-echo}}
          action: ALLOW
          rules:
          - to: [{operation: {methods: ["GET"], ports: ["9000"]}}]
        """
    )
    assert not tcp(cluster, 9000).allowed and not tcp(cluster, 9001).allowed
    with_get = tcp(cluster, 9000, method="GET")
    assert not with_get.allowed and with_get.conditions == ()
    detail = authorization(with_get)
    assert "port 9000 is opaque TCP to the sidecar" in detail
    assert "name tcp on Service foo/tcp-echo port 9000" in detail
    assert "foo/tcp-policy rule 0 uses HTTP-only fields on TCP traffic: ignored" in detail
    assert "does not see the method or path" in detail


def test_authz_tcp_deny_with_methods_only_denies_every_tcp_port(mesh: Mesh) -> None:
    """DENY `methods: ["GET"]` alone: "requests to port 9000 are denied ... it denies all the
    traffic to the tcp ports", and 9001 "Same reason as above"."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: tcp-policy, namespace: foo}
        spec:
          selector: {matchLabels: {app: tcp-echo}}
          action: DENY
          rules:
          - to: [{operation: {methods: ["GET"]}}]
        """
    )
    for port in (9000, 9001):
        verdict = tcp(cluster, port)
        assert not verdict.allowed
        assert "DENY policy foo/tcp-policy rule 0 matches" in authorization(verdict)
        assert "only its TCP fields apply" in authorization(verdict)
    # a POST would not match `methods: [GET]`, but the sidecar sees no method on a TCP port
    assert not tcp(cluster, 9000, method="POST").allowed


def test_authz_tcp_deny_with_methods_and_ports(mesh: Mesh) -> None:
    """DENY `methods: ["GET"]`, `ports: ["9000"]`: "requests to port 9000 is denied ... the
    request matches the `ports`"; "requests to port 9001 are allowed"."""
    cluster = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: tcp-policy, namespace: foo}
        spec:
          selector: {matchLabels: {app: tcp-echo}}
          action: DENY
          rules:
          - to: [{operation: {methods: ["GET"], ports: ["9000"]}}]
        """
    )
    assert not tcp(cluster, 9000).allowed
    assert tcp(cluster, 9001).allowed and tcp(cluster, 9001).conditions == ()


HTTPBIN_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000}]
"""

GET_INFO = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules:
  - from: [{source: {principals: [cluster.local/ns/foo/sa/sleep]}}]
    to: [{operation: {methods: [GET, HEAD], paths: [/info*]}}]
"""


def connect(
    cluster: Cluster, src: str = "foo/sleep", method: str | None = None, path: str | None = None
) -> LayeredVerdict:
    return explain(cluster, src, "foo/httpbin", "TCP", 8000, method=method, path=path)


def test_an_http_port_without_a_request_is_allowed_only_for_the_requests_a_rule_names(
    mesh: Mesh,
) -> None:
    """The reference's example policy (sleep may GET or HEAD /info*) on a port named http: a
    connection is neither plainly allowed nor denied; it is allowed for those requests only."""
    cluster = mesh(docs(HTTPBIN_SERVICE, GET_INFO))
    verdict = connect(cluster)
    assert verdict.allowed
    assert verdict.conditions == (
        "an HTTP request GET or HEAD on /info* (AuthorizationPolicy foo/httpbin rule 0)",
    )
    assert verdict.to_json()["conditions"] == list(verdict.conditions)
    detail = authorization(verdict)
    assert "port 8000 is HTTP to the sidecar" in detail
    assert "allowed only for the HTTP requests the conditions describe" in detail
    # a request the question fixes is decided exactly
    exact = connect(cluster, method="GET", path="/info/x")
    assert exact.allowed and exact.conditions == ()
    assert not connect(cluster, method="POST", path="/info").allowed
    # another principal: no request at all
    other = connect(cluster, "bar/sleep")
    assert not other.allowed and other.conditions == ()
    assert "no HTTP request is allowed" in authorization(other)


def test_only_the_attributes_the_question_leaves_open_are_conditions(mesh: Mesh) -> None:
    """With a method but no path, the path is the condition; with a host policy and no host,
    the host is."""
    cluster = mesh(
        docs(
            HTTPBIN_SERVICE,
            """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: httpbin, namespace: foo}
        spec:
          rules:
          - to: [{operation: {methods: [GET], paths: [/info*], hosts: [httpbin.foo]}}]
        """,
        )
    )
    verdict = connect(cluster, method="GET")
    assert verdict.conditions == (
        "an HTTP request on /info* for host httpbin.foo (AuthorizationPolicy foo/httpbin rule 0)",
    )
    assert not connect(cluster, method="POST").allowed


def test_deny_rules_become_exclusions_and_an_empty_set_is_denied(mesh: Mesh) -> None:
    """DENY before ALLOW: without an ALLOW policy a DENY on /admin* leaves every other request;
    an ALLOW on /api/* that a DENY on /api/* cancels allows nothing; a DENY that excludes no
    request the ALLOW rules let through is not a condition."""
    deny_admin = mesh(
        docs(
            HTTPBIN_SERVICE,
            """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: no-admin, namespace: foo}
        spec:
          action: DENY
          rules: [{to: [{operation: {paths: [/admin*]}}]}]
        """,
        )
    )
    assert connect(deny_admin).conditions == (
        "an HTTP request other than on /admin* (DENY AuthorizationPolicy foo/no-admin rule 0)",
    )
    cancelled = mesh(
        docs(
            HTTPBIN_SERVICE,
            """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: api, namespace: foo}
        spec:
          rules: [{to: [{operation: {paths: ["/api/*"]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: no-api, namespace: foo}
        spec:
          action: DENY
          rules: [{to: [{operation: {paths: ["/api/*"]}}]}]
        """,
        )
    )
    assert not connect(cancelled).allowed
    get_only = mesh(
        docs(
            HTTPBIN_SERVICE,
            """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: get, namespace: foo}
        spec:
          rules: [{to: [{operation: {methods: [GET]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: no-writes, namespace: foo}
        spec:
          action: DENY
          rules: [{to: [{operation: {notMethods: [GET]}}]}]
        """,
        )
    )
    assert connect(get_only).conditions == (
        "an HTTP request GET (AuthorizationPolicy foo/get rule 0)",
    )


def test_rules_that_together_allow_every_request_allow_the_connection(mesh: Mesh) -> None:
    """`methods: [GET]` or `notMethods: [GET]`: every request matches one of them."""
    cluster = mesh(
        docs(
            HTTPBIN_SERVICE,
            """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: either, namespace: foo}
        spec:
          rules:
          - to: [{operation: {methods: [GET]}}]
          - to: [{operation: {notMethods: [GET]}}]
        """,
        )
    )
    verdict = connect(cluster)
    assert verdict.allowed and verdict.conditions == ()
    assert "every HTTP request is allowed" in authorization(verdict)


def test_an_auto_detected_port(mesh: Mesh) -> None:
    """httpbin has no Service: Istio auto-detects HTTP. A question with a method is HTTP (the
    sidecar detects it); without one, a rule with `methods` allows HTTP traffic only: as TCP
    the ALLOW rule is ignored. A rule without HTTP fields allows whatever the client speaks."""
    cluster = mesh(GET_INFO)
    verdict = connect(cluster)
    assert verdict.allowed
    assert verdict.conditions == (
        "HTTP traffic (the sidecar auto-detects the protocol on port 8000; other traffic is denied)",
        "an HTTP request GET or HEAD on /info* (AuthorizationPolicy foo/httpbin rule 0)",
    )
    assert "port 8000 is auto-detected by the sidecar" in authorization(verdict)
    assert "denied as TCP" in authorization(verdict)
    exact = connect(cluster, method="GET", path="/info")
    assert exact.allowed and exact.conditions == ()
    open_port = mesh(
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: from-foo, namespace: foo}
        spec:
          rules: [{from: [{source: {namespaces: [foo]}}]}]
        """
    )
    plain = connect(open_port)
    assert plain.allowed and plain.conditions == ()
    assert "allowed whatever the client speaks" in authorization(plain)
    assert not connect(open_port, "bar/sleep").allowed


def test_services_that_disagree_allow_http_requests_only_on_a_condition(mesh: Mesh) -> None:
    """One Service says http, another tcp, for the same pod port: even a GET the policy allows
    is allowed only if the sidecar reads the port as HTTP; as TCP the ALLOW rule is ignored."""
    cluster = mesh(
        docs(
            HTTPBIN_SERVICE,
            """
            apiVersion: v1
            kind: Service
            metadata: {name: httpbin-raw, namespace: foo}
            spec:
              selector: {app: httpbin}
              ports: [{name: tcp, port: 8000}]
            """,
            GET_INFO,
        )
    )
    verdict = connect(cluster, method="GET", path="/info")
    assert verdict.allowed
    assert verdict.conditions[0].startswith("the sidecar reading port 8000 as HTTP")
    assert "declared both opaque and HTTP by different Services" in authorization(verdict)
