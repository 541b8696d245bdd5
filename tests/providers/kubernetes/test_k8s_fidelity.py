"""NetworkPolicy rules of the concepts page not covered elsewhere, each on a small folder.

https://kubernetes.io/docs/concepts/services-networking/network-policies/ and the API reference
https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/. Every
pod-to-pod verdict is checked on both engines (`allows`), addresses through `explain`.
"""

from __future__ import annotations

import textwrap
from typing import Any

from k8s_helpers import allows

from crossfence.providers.kubernetes import Cluster, connectivity, explain

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, image: c, ports: [{containerPort: 53, protocol: UDP, name: dns}, {containerPort: 53, name: dns-tcp}]}]}
status: {podIP: 10.96.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {role: web}}
spec: {containers: [{name: c, image: c, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: app, labels: {role: worker}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.244.1.6}
"""


def cluster_with(make_cluster: Any, policies: str) -> Cluster:
    made: Cluster = make_cluster(PODS + "---\n" + textwrap.dedent(policies))
    return made


def test_egress_only_policy_leaves_ingress_open(make_cluster: Any) -> None:
    """API reference, `policyTypes`: "Valid options are ["Ingress"], ["Egress"], or ["Ingress",
    "Egress"]"; the concepts page: a pod is isolated for ingress only if "there is any
    NetworkPolicy that both selects the pod and has "Ingress" in its policyTypes". A default
    deny egress policy ("Default deny all egress traffic") isolates egress only."""
    cluster = cluster_with(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny-egress, namespace: app}
        spec: {podSelector: {}, policyTypes: [Egress]}
        """,
    )
    assert not allows(cluster, "app/web", "app/worker", "TCP", 80)
    assert allows(cluster, "kube-system/coredns", "app/web", "TCP", 8080)  # ingress still open


def test_egress_to_dns_only(make_cluster: Any) -> None:
    """Concepts page: with egress isolation "the only allowed connections from the pod are
    those allowed by the egress list"; a rule to namespace kube-system (its automatic
    `kubernetes.io/metadata.name` label: "The Kubernetes control plane sets an immutable label
    kubernetes.io/metadata.name on all namespaces") on UDP and TCP 53 lets DNS through and
    nothing else, to no address outside the pods either."""
    cluster = cluster_with(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: dns-only, namespace: app}
        spec:
          podSelector: {}
          policyTypes: [Egress]
          egress:
          - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
            ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
        """,
    )
    assert allows(cluster, "app/web", "kube-system/coredns", "UDP", 53)
    assert allows(cluster, "app/web", "kube-system/coredns", "TCP", 53)
    assert not allows(cluster, "app/web", "kube-system/coredns", "TCP", 80)
    assert not allows(cluster, "app/web", "app/worker", "UDP", 53)
    assert not explain(
        cluster, "app/web", "8.8.8.8", "UDP", 53
    ).allowed  # selectors match pods only
    assert connectivity(cluster).allowed("app/web", "kube-system/coredns") == ["TCP/53", "UDP/53"]


def test_a_policy_that_selects_no_pod_changes_nothing(make_cluster: Any) -> None:
    """Concepts page: "By default, a pod is non-isolated for ingress"; isolation comes only from
    a policy that selects the pod. A deny-all policy whose podSelector matches no pod isolates
    none."""
    cluster = cluster_with(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-nothing, namespace: app}
        spec: {podSelector: {matchLabels: {role: none}}, policyTypes: [Ingress, Egress]}
        """,
    )
    assert allows(cluster, "app/web", "app/worker", "TCP", 80)
    assert allows(cluster, "app/worker", "app/web", "TCP", 8080)


def test_ingress_empty_list_and_absent_both_deny(make_cluster: Any) -> None:
    """Concepts page, "Default deny all ingress traffic": a policy selecting the pods with
    policyTypes Ingress and no ingress rule isolates them with nothing allowed; `ingress: []`
    is the same empty list of rules."""
    for rules in ("", "ingress: []"):
        cluster = cluster_with(
            make_cluster,
            f"""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {{name: default-deny-ingress, namespace: app}}
            spec:
              podSelector: {{}}
              policyTypes: [Ingress]
              {rules}
            """,
        )
        assert not allows(cluster, "kube-system/coredns", "app/web", "TCP", 8080), rules
        assert allows(cluster, "app/web", "kube-system/coredns", "UDP", 53), rules


def test_a_selector_set_to_null_is_unset(make_cluster: Any) -> None:
    """API reference, NetworkPolicyPeer: `podSelector` "If namespaceSelector is also set, then
    the NetworkPolicyPeer as a whole selects the Pods matching podSelector in the Namespaces
    selected by NamespaceSelector. Otherwise it selects the Pods matching podSelector in the
    policy's own namespace." `namespaceSelector: null` is the field unset (a pointer the API
    decodes to nil; NCA reads it so too), not `{}`: the peer stays in the policy's namespace."""
    cluster = cluster_with(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-workers, namespace: app}
        spec:
          podSelector: {matchLabels: {role: web}}
          ingress:
          - from:
            - namespaceSelector: null
              podSelector: {matchLabels: {k8s-app: kube-dns}}
            - podSelector: {matchLabels: {role: worker}}
        """,
    )
    assert allows(cluster, "app/worker", "app/web", "TCP", 8080)
    # kube-dns is in kube-system: not selected by a peer without a namespaceSelector
    assert not allows(cluster, "kube-system/coredns", "app/web", "TCP", 8080)
