"""Istio rules as the documentation states them, one small folder of manifests per rule.

Sidecar injection: https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/
PeerAuthentication: https://istio.io/latest/docs/reference/config/security/peer_authentication/
AuthorizationPolicy: https://istio.io/latest/docs/reference/config/security/authorization-policy/
Concepts: https://istio.io/latest/docs/concepts/security/#authorization
Each test asks `reach` on the folder (`engine.manifest_reach`, what `crossfence reach DIR`
answers) and states the answer the page gives.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from crossfence.engine.manifest_reach import manifest_reach
from crossfence.engine.reach import Reach
from crossfence.errors import ManifestError
from crossfence.providers.istio import has_sidecar
from crossfence.providers.kubernetes import Cluster, load_manifests

# `server` (app: server, account server) and `client` (account client) in the injected
# namespace `foo`; `plain` in `legacy`, which has no sidecar; `other` in the injected `bar`.
# No Service targets port 8080: the sidecar auto-detects it; 9000 is declared TCP.
BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
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
metadata: {name: server, namespace: foo, labels: {app: server}}
spec:
  serviceAccountName: server
  containers: [{name: s, image: s, ports: [{containerPort: 8080}, {containerPort: 9000}]}]
status: {podIP: 10.1.0.10}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: foo}
spec:
  selector: {app: server}
  ports: [{name: tcp-data, port: 9000}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: foo, labels: {app: client}}
spec: {serviceAccountName: client, containers: [{name: c, image: c}]}
status: {podIP: 10.1.0.20}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: bar, labels: {app: other}}
spec: {serviceAccountName: other, containers: [{name: c, image: c}]}
status: {podIP: 10.1.1.20}
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: legacy, labels: {app: plain}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.1.2.20}
"""

Folder = Callable[..., Cluster]


@pytest.fixture
def folder(tmp_path: Path) -> Folder:
    """A folder of manifests: BASE (unless `base=False`) and `extra`, one file each."""
    counter = iter(range(1000))

    def make(extra: str, base: bool = True) -> Cluster:
        where = tmp_path / f"cluster-{next(counter)}"
        where.mkdir()
        if base:
            (where / "base.yaml").write_text(BASE, encoding="utf-8")
        (where / "policies.yaml").write_text(textwrap.dedent(extra).strip() + "\n", "utf-8")
        return load_manifests(where)

    return make


def ask(cluster: Cluster, src: str, dst: str = "foo/server", port: str = "tcp/9000") -> Reach:
    return manifest_reach(cluster, src, dst, port)


STRICT_MESH = """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
"""


# -- sidecar injection ------------------------------------------------------------------------


def _injection_case(namespace_labels: str, pod_labels: str, pod_annotations: str) -> str:
    return f"""
    apiVersion: v1
    kind: Namespace
    metadata: {{name: apps, labels: {namespace_labels}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {{name: p, namespace: apps, labels: {pod_labels}, annotations: {pod_annotations}}}
    spec: {{containers: [{{name: c, image: c}}]}}
    status: {{podIP: 10.1.3.5}}
    """


@pytest.mark.parametrize(
    ("namespace_labels", "pod_labels", "pod_annotations", "injected"),
    [
        ("{istio-injection: enabled}", "{}", "{}", True),
        ("{istio-injection: disabled}", "{}", "{}", False),
        ("{}", "{}", "{}", False),  # neither: enableNamespacesByDefault is off by default
        ("{}", '{sidecar.istio.io/inject: "true"}', "{}", True),
        ("{istio-injection: enabled}", '{sidecar.istio.io/inject: "false"}', "{}", False),
        # "If either label is disabled, the pod is not injected"
        ("{istio-injection: disabled}", '{sidecar.istio.io/inject: "true"}', "{}", False),
        # revisions: istio.io/rev enables, on the namespace or the pod
        ("{istio.io/rev: canary}", "{}", "{}", True),
        ("{}", "{istio.io/rev: canary}", "{}", True),
        ("{istio.io/rev: canary}", '{sidecar.istio.io/inject: "false"}', "{}", False),
        # "If the istio-injection label and the istio.io/rev label are both present on the same
        # namespace, the istio-injection label will take precedence."
        ("{istio-injection: disabled, istio.io/rev: canary}", "{}", "{}", False),
        ("{istio-injection: enabled, istio.io/rev: canary}", "{}", "{}", True),
        # the deprecated annotation still disables; it cannot enable, the webhook's object
        # selector reading labels only
        ("{istio-injection: enabled}", "{}", '{sidecar.istio.io/inject: "false"}', False),
        ("{}", "{}", '{sidecar.istio.io/inject: "true"}', False),
    ],
)
def test_sidecar_injection_follows_the_documented_logic(
    folder: Folder, namespace_labels: str, pod_labels: str, pod_annotations: str, injected: bool
) -> None:
    """https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy:
    "1. If either label is disabled, the pod is not injected 2. If either label is enabled, the
    pod is injected 3. If neither label is set, the pod is injected if
    .values.sidecarInjectorWebhook.enableNamespacesByDefault is enabled. This is not enabled by
    default"; the revision table: namespace and pod `istio.io/rev=canary` enable; and "If the
    istio-injection label and the istio.io/rev label are both present on the same namespace,
    the istio-injection label will take precedence." The annotation is "Deprecated in favor of
    sidecar.istio.io/inject label" (https://istio.io/latest/docs/reference/config/annotations/)."""
    cluster = folder(_injection_case(namespace_labels, pod_labels, pod_annotations), base=False)
    assert has_sidecar(cluster, cluster.pod("apps/p")) is injected


def test_a_client_the_injector_skips_is_plaintext_and_strict_rejects_it(folder: Folder) -> None:
    """A client in a namespace labelled `istio-injection=disabled` and `istio.io/rev=canary` has
    no sidecar (istio-injection takes precedence, the page above), so it talks plaintext, and
    mesh-wide STRICT "Connection is an mTLS tunnel" only: rejected. The pod label
    `sidecar.istio.io/inject: "true"` does not override a disabled namespace ("If either label
    is disabled, the pod is not injected")."""
    cluster = folder(
        STRICT_MESH
        + dedent("""
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: canary, labels: {istio-injection: disabled, istio.io/rev: canary}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: canary}
        spec: {containers: [{name: c, image: c}]}
        status: {podIP: 10.1.4.5}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: off, labels: {istio-injection: disabled}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: off, labels: {sidecar.istio.io/inject: "true"}}
        spec: {containers: [{name: c, image: c}]}
        status: {podIP: 10.1.4.6}
        """)
    )
    for client in ("canary/a", "off/b"):
        answer = ask(cluster, client)
        assert not answer.allowed
        assert answer.disposition == "DENIED_MESH_MTLS"
    assert ask(cluster, "foo/client").allowed


# -- PeerAuthentication -----------------------------------------------------------------------


def test_peer_authentication_levels_and_inheritance(folder: Folder) -> None:
    """Reference: "Policies to allow both mTLS and plaintext traffic for all workloads under
    namespace foo, but require mTLS for workload finance" (namespace PERMISSIVE, workload
    STRICT); the namespace policy overrides the mesh one; UNSET "Inherit from parent, if has
    one. Otherwise treated as PERMISSIVE"."""
    cluster = folder(
        STRICT_MESH
        + dedent("""
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: foo}
        spec: {mtls: {mode: PERMISSIVE}}
        """)
    )
    assert ask(cluster, "legacy/plain").allowed  # namespace PERMISSIVE beats mesh STRICT
    cluster = folder(
        STRICT_MESH
        + dedent("""
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: foo}
        spec: {mtls: {mode: UNSET}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: server, namespace: foo}
        spec: {selector: {matchLabels: {app: server}}}
        """)
    )
    # workload and namespace UNSET: the mesh's STRICT holds
    assert ask(cluster, "legacy/plain").disposition == "DENIED_MESH_MTLS"
    assert ask(cluster, "foo/client").allowed


def test_a_root_namespace_policy_with_a_selector_is_ignored(folder: Folder) -> None:
    """Reference: "Note: PeerAuthentication policies with workload selectors are ignored when
    deployed in the root namespace." (istio/istio ComposePeerAuthentication: "Workload-level
    policy, aka the one with selector and not in root namespace"): a STRICT one there leaves
    the default PERMISSIVE, for workloads of other namespaces and of the root one alike."""
    cluster = folder(
        """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: strict-selected, namespace: istio-system}
        spec: {selector: {matchLabels: {app: server}}, mtls: {mode: STRICT}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: server, namespace: istio-system, labels: {app: server, sidecar.istio.io/inject: "true"}}
        spec: {containers: [{name: s, image: s}]}
        status: {podIP: 10.1.5.10}
        """
    )
    assert ask(cluster, "legacy/plain").allowed
    assert ask(cluster, "legacy/plain", "istio-system/server").allowed


def test_port_level_mtls_needs_a_selector_with_labels(folder: Folder) -> None:
    """Reference, `portLevelMtls`: "Port specific mutual TLS settings. These only apply when a
    workload selector is specified." Istio's validation refuses a mesh or namespace policy
    (no selector, or one without labels) that has them ("mesh/namespace peer authentication
    cannot have port level mTLS"): refused with its location, never read as a DISABLE that
    would let plaintext through. With labels the port setting applies."""
    for selector in ("", "selector: {matchLabels: {}}"):
        with pytest.raises(ManifestError) as error:
            folder(
                f"""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {{name: default, namespace: foo}}
                spec:
                  {selector}
                  mtls: {{mode: STRICT}}
                  portLevelMtls: {{9000: {{mode: DISABLE}}}}
                """
            )
        assert "spec.portLevelMtls" in str(error.value), selector
    cluster = folder(
        """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: server, namespace: foo}
        spec:
          selector: {matchLabels: {app: server}}
          mtls: {mode: STRICT}
          portLevelMtls: {9000: {mode: DISABLE}}
        """
    )
    assert ask(cluster, "legacy/plain").allowed
    assert ask(cluster, "legacy/plain", port="tcp/8080").disposition == "DENIED_MESH_MTLS"


# -- AuthorizationPolicy ----------------------------------------------------------------------


def policy(name: str, spec: str, namespace: str = "foo") -> str:
    return (
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n---\n"
    )


def test_allow_nothing_allow_all_and_deny_all(folder: Folder) -> None:
    """Reference: "The following example shows an ALLOW policy that matches nothing. If there
    are no other ALLOW policies, requests will be denied because of the "deny by default"
    behavior" (`spec: {}`); "allow-all" is `rules: [{}]` ("the empty rule matches anything");
    "deny-all" (`action: DENY`, `rules: [{}]`) "will always deny requests even if there is
    another ALLOW policy allowing the request because the DENY policy takes precedence"."""
    nothing = folder(policy("allow-nothing", "{}"))
    assert ask(nothing, "foo/client").disposition == "DENIED_MESH_AUTHORIZATION"
    everything = folder(policy("allow-nothing", "{}") + policy("allow-all", "{rules: [{}]}"))
    assert ask(everything, "foo/client").allowed
    assert ask(everything, "legacy/plain").allowed
    deny = folder(
        policy("allow-all", "{rules: [{}]}") + policy("deny-all", "{action: DENY, rules: [{}]}")
    )
    assert ask(deny, "foo/client").disposition == "DENIED_MESH_AUTHORIZATION"


def test_a_deny_policy_without_rules_denies_nothing(folder: Folder) -> None:
    """Reference: a policy matches a request when one of its rules does (Rule: "A rule matches
    a request if ..."); a DENY policy with no rules never matches, and "If there are no ALLOW
    policies for the workload, allow the request" (concepts, #authorization)."""
    cluster = folder(policy("deny-none", "{action: DENY}"))
    assert ask(cluster, "foo/client").allowed


def test_audit_decides_nothing(folder: Folder) -> None:
    """Reference: "AUDIT policies do not affect whether requests are allowed or denied to the
    workload. Requests will be allowed or denied based solely on CUSTOM, DENY and ALLOW
    actions." An AUDIT policy alone is no ALLOW policy: the request is allowed."""
    cluster = folder(policy("audit", "{action: AUDIT, rules: [{}]}"))
    assert ask(cluster, "foo/client").allowed
    cluster = folder(
        policy("audit", "{action: AUDIT, rules: [{}]}")
        + policy("only-bar", "{rules: [{from: [{source: {namespaces: [bar]}}]}]}")
    )
    assert not ask(cluster, "foo/client").allowed
    assert ask(cluster, "bar/other").allowed


def test_custom_makes_the_answer_depend_on_its_provider(folder: Folder) -> None:
    """Concepts (#authorization): "If there are any CUSTOM policies that match the request,
    evaluate and deny the request if the evaluation result is deny." The external authorizer's
    answer is unknown: the connection is allowed only if it allows, never silently allowed."""
    cluster = folder(
        policy(
            "ext",
            "{action: CUSTOM, provider: {name: opa}, rules: [{to: [{operation: {ports: ['9000']}}]}]}",
        )
    )
    answer = ask(cluster, "foo/client")
    assert answer.allowed
    assert any("CUSTOM provider 'opa'" in c and "foo/ext rule 0" in c for c in answer.conditions)
    assert not ask(cluster, "foo/client", port="tcp/8080").conditions  # the rule does not match
    denied = folder(
        policy("ext", "{action: CUSTOM, provider: {name: opa}, rules: [{}]}")
        + policy("deny-all", "{action: DENY, rules: [{}]}")
    )
    assert not ask(denied, "foo/client").allowed


def test_custom_with_http_fields_on_tcp_still_delegates(folder: Folder) -> None:
    """Istio builds CUSTOM policies with the DENY action "so that a HTTP rule is properly
    handled when generating for TCP filter chain" (istio/istio pilot/pkg/security/authz/builder):
    on TCP the HTTP-only fields are dropped, as for DENY ("Authorization for TCP traffic" task,
    https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/: "Istio doesn't
    understand the HTTP-only fields while creating a DENY rule for tcp port and due to it's
    restrictive nature it denies all the traffic to the tcp ports"). So the provider is asked."""
    cluster = folder(
        policy(
            "ext",
            "{action: CUSTOM, provider: {name: opa}, rules: [{to: [{operation: {methods: [GET]}}]}]}",
        )
    )
    answer = ask(cluster, "foo/client")  # port 9000 is declared TCP
    assert answer.allowed
    assert any("CUSTOM provider 'opa'" in c for c in answer.conditions)


def test_target_refs_bind_gateways_not_the_sidecar(folder: Folder) -> None:
    """Reference, `targetRefs`: "Currently, the following resource attachment types are
    supported: kind: Gateway ... kind: Service ... This type is only supported for waypoints";
    a sidecar does not enforce such a policy (it is reported as a warning)."""
    cluster = folder(
        policy(
            "gateway-only",
            "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]}",
        )
    )
    assert ask(cluster, "foo/client").allowed
    assert any("targetRef" in w.message for w in cluster.warnings)


def test_root_namespace_policies_apply_to_the_whole_mesh(folder: Folder) -> None:
    """Reference, `selector`: "If the authorization policy is in the root namespace, the
    selector will additionally match with workloads in all namespaces"; without a selector a
    root-namespace policy applies to every workload of the mesh. A policy in `bar` does not
    apply to `foo`'s workloads."""
    cluster = folder(policy("allow-nothing", "{}", "istio-system"))
    assert ask(cluster, "foo/client").disposition == "DENIED_MESH_AUTHORIZATION"
    cluster = folder(
        policy(
            "server-from-bar",
            "{selector: {matchLabels: {app: server}}, rules: [{from: [{source: {namespaces: [bar]}}]}]}",
            "istio-system",
        )
    )
    assert not ask(cluster, "foo/client").allowed
    assert ask(cluster, "bar/other").allowed
    assert ask(cluster, "foo/server", "bar/other").allowed  # other's selector does not match
    cluster = folder(policy("allow-nothing", "{}", "bar"))
    assert ask(cluster, "foo/client").allowed


def test_a_policy_without_selector_applies_to_its_namespace(folder: Folder) -> None:
    """Reference, `selector`: "If not set, the policy will be applied to all workloads in the
    same namespace as the policy"... and not beyond it."""
    cluster = folder(policy("allow-nothing", "{}"))
    assert not ask(cluster, "bar/other").allowed  # foo/server, selected
    assert ask(cluster, "foo/client", "bar/other").allowed


def test_a_selector_without_match_labels_is_refused(folder: Folder) -> None:
    """WorkloadSelector has one field, `matchLabels`
    (https://istio.io/latest/docs/reference/config/type/workload-selector/). `selector: {app:
    server}` is refused with its location, not read as "every workload of the namespace"."""
    with pytest.raises(ManifestError) as error:
        folder(policy("typo", "{selector: {app: server}, rules: [{}]}"))
    assert "spec.selector.app" in str(error.value)
    assert "matchLabels" in str(error.value)


def test_principals_and_namespaces_need_mtls(folder: Folder) -> None:
    """Concepts, "Dependency on mutual TLS": principals/notPrincipals and namespaces/
    notNamespaces need mTLS, and using them with PERMISSIVE risks "unexpected requests
    rejection or policy bypass of plain text traffic": plaintext has no principal, so an ALLOW
    on a principal rejects it, a DENY on a namespace lets it through, a DENY on notNamespaces
    denies it."""
    allow = folder(
        policy(
            "from-client",
            "{rules: [{from: [{source: {principals: [cluster.local/ns/foo/sa/client, cluster.local/ns/legacy/sa/default]}}]}]}",
        )
    )
    assert ask(allow, "foo/client").allowed
    assert not ask(allow, "legacy/plain").allowed
    deny = folder(
        policy("deny-legacy", "{action: DENY, rules: [{from: [{source: {namespaces: [legacy]}}]}]}")
    )
    assert ask(deny, "legacy/plain").allowed  # plaintext bypasses the DENY
    deny_not = folder(
        policy(
            "deny-not-foo", "{action: DENY, rules: [{from: [{source: {notNamespaces: [foo]}}]}]}"
        )
    )
    assert not ask(deny_not, "legacy/plain").allowed
    assert ask(deny_not, "foo/client").allowed


def test_ip_blocks_and_ports(folder: Folder) -> None:
    """Reference, Source `ipBlocks`: "A list of IP blocks, populated from the source address of
    the IP packet"; Operation `ports` / `notPorts`: "A list of ports, which matches to the
    "destination.port" attribute" and its negation."""
    cluster = folder(
        policy(
            "from-legacy",
            "{rules: [{from: [{source: {ipBlocks: [10.1.2.0/24]}}], to: [{operation: {notPorts: ['8080']}}]}]}",
        )
    )
    assert ask(cluster, "legacy/plain").allowed
    assert not ask(cluster, "legacy/plain", port="tcp/8080").allowed
    assert not ask(cluster, "foo/client").allowed


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ("{rules: [{form: [{source: {namespaces: [bar]}}]}]}", "spec.rules[0].form"),
        ("{rules: [{from: [{sources: {namespaces: [bar]}}]}]}", "spec.rules[0].from[0].sources"),
        ("{rules: [{to: [{operations: {ports: ['9000']}}]}]}", "spec.rules[0].to[0].operations"),
        ("{rules: [{when: [{key: source.ip, value: [10.0.0.1]}]}]}", "spec.rules[0].when[0].value"),
        ("{action: DENY, rule: [{}]}", "spec.rule"),
    ],
)
def test_a_misspelt_field_is_refused(folder: Folder, spec: str, where: str) -> None:
    """The AuthorizationPolicy reference names every field of `spec`, `Rule` (`from`, `to`,
    `when`), `Rule.From` (`source`), `Rule.To` (`operation`) and `Condition` (`key`, `values`,
    `notValues`). A misspelt one is refused with its location (as strict field validation,
    kubectl's default, refuses the object) rather than dropped: `form:` dropped would leave a
    rule that matches every source."""
    with pytest.raises(ManifestError) as error:
        folder(policy("typo", spec))
    assert where in str(error.value)
    assert "unknown field" in str(error.value)


def test_ports_kept_from_the_sidecar_bypass_the_mesh(folder: Folder) -> None:
    """Annotations reference (https://istio.io/latest/docs/reference/config/annotations/):
    `traffic.sidecar.istio.io/excludeInboundPorts` "A comma separated list of inbound ports to
    be excluded from redirection to Envoy. Only applies when all inbound traffic (i.e. '*') is
    being redirected."; `includeInboundPorts` "... An empty list will disable all inbound
    redirection." A port the sidecar never sees gets neither STRICT mTLS nor authorization:
    plaintext from outside the mesh reaches it despite both."""
    deny_everything = STRICT_MESH + "---\n" + policy("allow-nothing", "{}", "istio-system")
    excluded = """
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: bypass
          namespace: foo
          annotations: {traffic.sidecar.istio.io/excludeInboundPorts: "9000,9100"}
        spec: {containers: [{name: s, image: s, ports: [{containerPort: 9000}]}]}
        status: {podIP: 10.1.0.30}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: only8080
          namespace: foo
          annotations: {traffic.sidecar.istio.io/includeInboundPorts: "8080"}
        spec: {containers: [{name: s, image: s, ports: [{containerPort: 9000}]}]}
        status: {podIP: 10.1.0.31}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: none
          namespace: foo
          annotations: {traffic.sidecar.istio.io/includeInboundPorts: ""}
        spec: {containers: [{name: s, image: s, ports: [{containerPort: 9000}]}]}
        status: {podIP: 10.1.0.32}
        """
    cluster = folder(deny_everything + dedent(excluded))
    assert ask(cluster, "legacy/plain", "foo/bypass").allowed
    assert ask(cluster, "legacy/plain", "foo/bypass", "tcp/8080").disposition == "DENIED_MESH_MTLS"
    assert ask(cluster, "legacy/plain", "foo/only8080").allowed
    assert not ask(cluster, "legacy/plain", "foo/only8080", "tcp/8080").allowed
    assert ask(cluster, "legacy/plain", "foo/none", "tcp/8080").allowed
    assert not ask(cluster, "foo/client", "foo/server").allowed  # no annotation: all redirected


@pytest.mark.parametrize(
    "annotations",
    [
        '{traffic.sidecar.istio.io/excludeOutboundPorts: "9000"}',
        '{traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.1.0.0/24"}',
        '{traffic.sidecar.istio.io/includeOutboundIPRanges: "10.2.0.0/16"}',
        '{traffic.sidecar.istio.io/includeOutboundIPRanges: ""}',
    ],
)
def test_a_client_port_kept_from_its_sidecar_leaves_in_plaintext(
    folder: Folder, annotations: str
) -> None:
    """Annotations reference (https://istio.io/latest/docs/reference/config/annotations/):
    `excludeOutboundPorts` "A comma separated list of outbound ports to be excluded from
    redirection to Envoy"; `excludeOutboundIPRanges` "... IP ranges in CIDR form to be excluded
    from redirection"; `includeOutboundIPRanges` "... An empty list will disable all outbound
    redirection." What the client's sidecar never sees is not wrapped in mTLS: STRICT rejects
    it, and a principal rule cannot match it, whatever sidecar the client has."""
    client = f"""
        ---
        apiVersion: v1
        kind: Pod
        metadata: {{name: leaky, namespace: foo, annotations: {annotations}}}
        spec: {{serviceAccountName: client, containers: [{{name: c, image: c}}]}}
        status: {{podIP: 10.1.0.21}}
        """
    cluster = folder(STRICT_MESH + dedent(client))
    assert ask(cluster, "foo/leaky").disposition == "DENIED_MESH_MTLS"
    assert ask(cluster, "foo/client").allowed
    cluster = folder(
        policy(
            "client",
            "{rules: [{from: [{source: {principals: [cluster.local/ns/foo/sa/client]}}]}]}",
        )
        + dedent(client).lstrip("-\n ")
    )
    assert ask(cluster, "foo/leaky").disposition == "DENIED_MESH_AUTHORIZATION"
    assert ask(cluster, "foo/client").allowed


def test_include_outbound_ports_redirect_whatever_the_address(folder: Folder) -> None:
    """Annotations reference: `includeOutboundPorts` "A comma separated list of outbound ports
    for which traffic is to be redirected to Envoy, regardless of the destination IP": even with
    every address excluded, port 9000 goes through the sidecar, in mTLS."""
    client = """
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: leaky
          namespace: foo
          annotations:
            traffic.sidecar.istio.io/includeOutboundIPRanges: ""
            traffic.sidecar.istio.io/includeOutboundPorts: "9000"
        spec: {serviceAccountName: client, containers: [{name: c, image: c}]}
        status: {podIP: 10.1.0.21}
        """
    cluster = folder(STRICT_MESH + dedent(client))
    assert ask(cluster, "foo/leaky").allowed
    assert ask(cluster, "foo/leaky", port="tcp/8080").disposition == "DENIED_MESH_MTLS"


def test_selector_and_target_refs_together_are_refused(folder: Folder) -> None:
    """Reference, `targetRefs`: "If not set, the policy is applied as defined by the selector.
    At most one of the selector and targetRefs can be set."."""
    with pytest.raises(ManifestError) as error:
        folder(
            policy(
                "both",
                "{selector: {matchLabels: {app: server}}, "
                "targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]}",
            )
        )
    assert "spec.selector" in str(error.value)


def test_a_pod_asked_by_its_address_is_that_pod(folder: Folder) -> None:
    """`reach DIR --to 10.1.0.10`: the address of `foo/server` is that pod, so its
    NetworkPolicy and its sidecar answer, as they do for `--to foo/server` (before, the address
    was "outside the cluster's pods" and every layer was skipped: allowed). Likewise a source
    address of a meshed pod carries that pod's identity and its egress policies."""
    cluster = folder(
        policy(
            "client-only",
            "{rules: [{from: [{source: {principals: [cluster.local/ns/foo/sa/client]}}]}]}",
        )
        + """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: no-egress, namespace: bar}
spec: {podSelector: {}, policyTypes: [Egress]}
"""
    )
    assert ask(cluster, "foo/client", "10.1.0.10").allowed
    assert ask(cluster, "legacy/plain", "10.1.0.10").disposition == "DENIED_MESH_AUTHORIZATION"
    assert ask(cluster, "10.1.0.20", "foo/server").allowed  # foo/client's address and identity
    assert ask(cluster, "10.1.1.20", "foo/server").disposition == "DENIED_EGRESS_NETPOL"


def test_remote_ip_blocks_are_the_peer_without_a_trusted_proxy(folder: Folder) -> None:
    """Reference, `remoteIpBlocks`: "A list of IP blocks, populated from X-Forwarded-For header
    or proxy protocol. To make use of this field, you must configure the numTrustedProxies
    field of the gatewayTopology under the meshConfig"; with no proxy in front of the sidecar
    (pod to pod) the remote address is the peer's own, as for `ipBlocks`."""
    cluster = folder(
        policy("remote", "{rules: [{from: [{source: {remoteIpBlocks: [10.1.2.20/32]}}]}]}")
    )
    assert ask(cluster, "legacy/plain").allowed
    assert not ask(cluster, "foo/client").allowed


def test_custom_on_an_http_port_conditions_the_requests_it_hands_over(folder: Folder) -> None:
    """Concepts (#authorization), CUSTOM: "evaluate and deny the request if the evaluation
    result is deny". On an HTTP port, a question without a request is about every request:
    those the CUSTOM rule matches (paths /admin*) depend on its provider, so the connection is
    allowed only on that condition; a request it does not match is not handed over."""
    http_port = """apiVersion: v1
kind: Service
metadata: {name: server-http, namespace: foo}
spec: {selector: {app: server}, ports: [{name: http, port: 8080}]}
---
"""
    cluster = folder(
        http_port
        + policy(
            "ext",
            "{action: CUSTOM, provider: {name: opa}, rules: [{to: [{operation: {paths: ['/admin*']}}]}]}",
        )
    )
    answer = ask(cluster, "foo/client", port="tcp/8080")
    assert answer.allowed
    assert any("CUSTOM provider 'opa'" in c for c in answer.conditions)
    home = manifest_reach(cluster, "foo/client", "foo/server", "tcp/8080", "GET", "/home")
    assert home.allowed and not home.conditions
    admin = manifest_reach(cluster, "foo/client", "foo/server", "tcp/8080", "GET", "/admin/x")
    assert admin.allowed and admin.conditions


def test_a_destination_rule_is_skipped_with_what_the_answers_assume(folder: Folder) -> None:
    """https://istio.io/latest/docs/ops/configuration/traffic-management/tls-configuration/:
    "If TLS settings are not explicitly configured in a DestinationRule, the sidecar will
    automatically determine if Istio mutual TLS should be sent"; "A mode setting of DISABLE
    will send plaintext". crossfence does not read DestinationRules: the warning that skips one
    says the answers assume auto mTLS."""
    cluster = folder(
        """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: server-plaintext, namespace: foo}
        spec: {host: server, trafficPolicy: {tls: {mode: DISABLE}}}
        """
    )
    (warning,) = [w for w in cluster.warnings if "DestinationRule" in w.message]
    assert "auto mTLS" in warning.message and warning.message.endswith("skipped")


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ("{rules: [{from: []}]}", "spec.rules[0].from"),
        ("{rules: [{from: [{}]}]}", "spec.rules[0].from[0].source"),
        ("{rules: [{to: []}]}", "spec.rules[0].to"),
        ("{rules: [{to: [{operation: null}]}]}", "spec.rules[0].to[0].operation"),
        ("{rules: [{from: [{source: {}}]}]}", "spec.rules[0].from[0].source"),
        ("{action: DENY, rules: [{to: [{operation: {}}]}]}", "spec.rules[0].to[0].operation"),
        (
            "{rules: [{from: [{source: {principals: ['']}}]}]}",
            "spec.rules[0].from[0].source.principals[0]",
        ),
        ("{provider: {name: opa}, rules: [{}]}", "spec.provider"),
    ],
)
def test_what_istio_validation_refuses_is_refused(folder: Folder, spec: str, where: str) -> None:
    """Istio's validation of AuthorizationPolicy (istio/istio pkg/config/validation): "`from`
    must not be empty", "`from.source` must not be nil", "`from.source` must not be empty",
    "`to` must not be empty", "`to.operation` must not be nil", empty values, and "`provider`
    must not be with non CUSTOM action". Read as absent, an empty `from` would match every
    source (a wider ALLOW than the cluster can hold), an empty `source: {}` or `operation: {}`
    every request (a DENY denying what the cluster, which refuses the policy, allows): refused
    with their location instead."""
    with pytest.raises(ManifestError) as error:
        folder(policy("invalid", spec))
    assert where in str(error.value)
