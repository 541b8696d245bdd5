"""NetworkPolicy semantics, one documented rule per test; expected values come from the docs.

Concepts: https://kubernetes.io/docs/concepts/services-networking/network-policies/
API: https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
Every verdict is checked on both engines (`allows` fails on disagreement).
"""

from __future__ import annotations

from typing import Any

from k8s_helpers import allows

from crossfence.providers.kubernetes import Cluster, connectivity

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Namespace
metadata: {name: other, labels: {project: myproject}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: default, labels: {role: db}}
spec:
  containers:
  - name: db
    image: postgres
    ports: [{containerPort: 6379, name: redis}, {containerPort: 5432, name: pg}, {containerPort: 53, name: dns, protocol: UDP}]
status: {podIP: 172.17.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: frontend, namespace: default, labels: {role: frontend}}
spec:
  containers: [{name: web, image: nginx, ports: [{containerPort: 8080, name: redis}]}]
status: {podIP: 172.17.0.11}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: other, labels: {role: client}}
status: {podIP: 172.17.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: stranger, namespace: other, labels: {role: other}}
status: {podIP: 172.17.1.6}
"""


def with_policies(make_cluster: Any, policies: str) -> Cluster:
    cluster: Cluster = make_cluster(PODS + "---\n" + policies)
    return cluster


def test_pods_are_non_isolated_without_policies(make_cluster: Any) -> None:
    """Docs, "The two sorts of pod isolation": by default a pod is non-isolated for ingress and egress."""
    cluster = with_policies(make_cluster, "")
    assert allows(cluster, "other/client", "default/db", "TCP", 6379)
    assert allows(cluster, "default/db", "other/client", "ICMP", None)


def test_docs_example_policy(make_cluster: Any) -> None:
    """Docs "The NetworkPolicy resource" example test-network-policy: db ingress from 172.17.0.0/16
    except 172.17.1.0/24, namespace project=myproject, or role=frontend pods, on TCP 6379."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: test-network-policy, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          policyTypes: [Ingress, Egress]
          ingress:
          - from:
            - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
            - namespaceSelector: {matchLabels: {project: myproject}}
            - podSelector: {matchLabels: {role: frontend}}
            ports: [{protocol: TCP, port: 6379}]
          egress:
          - to: [{ipBlock: {cidr: 10.0.0.0/24}}]
            ports: [{protocol: TCP, port: 5978}]
        """.replace("\n        ", "\n"),
    )
    assert allows(cluster, "default/frontend", "default/db", "TCP", 6379)
    assert allows(cluster, "other/client", "default/db", "TCP", 6379)  # namespace project=myproject
    assert not allows(cluster, "default/frontend", "default/db", "TCP", 5432)
    assert not allows(
        cluster, "default/db", "default/frontend", "TCP", 8080
    )  # egress only 10.0.0.0/24:5978
    result = connectivity(cluster)
    assert result.allowed("default/db", "10.0.0.0/24") == ["TCP/5978"]
    assert result.allowed("172.17.0.0/24", "default/db") == ["TCP/6379"]
    assert result.allowed("172.17.1.0/24", "default/db") == []  # the except range


def test_policy_types_default_to_ingress_only(make_cluster: Any) -> None:
    """API: policyTypes unset -> Ingress always, Egress only if the policy has egress rules."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-ingress, namespace: default}
        spec: {podSelector: {}}
        """.replace("\n        ", "\n"),
    )
    assert cluster.network_policies[0].policy_types == frozenset({"Ingress"})
    assert not allows(cluster, "other/client", "default/db", "TCP", 80)
    assert allows(cluster, "default/db", "other/client", "TCP", 80)  # egress not isolated


def test_policy_types_default_includes_egress_with_egress_rules(make_cluster: Any) -> None:
    """API: "policies that contain an egress section are assumed to affect egress"."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-dns, namespace: default}
        spec:
          podSelector: {matchLabels: {role: frontend}}
          egress: [{ports: [{port: 53, protocol: UDP}]}]
        """.replace("\n        ", "\n"),
    )
    assert cluster.network_policies[0].policy_types == frozenset({"Ingress", "Egress"})
    assert allows(cluster, "default/frontend", "default/db", "UDP", 53)
    assert not allows(cluster, "default/frontend", "default/db", "TCP", 53)
    assert not allows(
        cluster, "default/db", "default/frontend", "TCP", 8080
    )  # ingress isolated too


def test_empty_pod_selector_selects_every_pod_of_the_namespace(make_cluster: Any) -> None:
    """Docs "Default deny all ingress traffic": podSelector {} selects all pods of the namespace only."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny-ingress, namespace: default}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        """.replace("\n        ", "\n"),
    )
    assert not allows(cluster, "default/frontend", "default/db", "TCP", 80)
    assert not allows(cluster, "other/client", "default/frontend", "TCP", 80)
    assert allows(cluster, "default/db", "other/client", "TCP", 80)


def test_allow_all_ingress_with_empty_rule(make_cluster: Any) -> None:
    """Docs "Allow all ingress traffic": ingress: [{}] allows everything despite other policies."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny-ingress, namespace: default}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-all-ingress, namespace: default}
        spec: {podSelector: {}, ingress: [{}], policyTypes: [Ingress]}
        """.replace("\n        ", "\n"),
    )
    assert allows(cluster, "other/client", "default/db", "SCTP", 9)
    assert connectivity(cluster).allowed("other/client", "default/db") == ["*"]


def test_default_deny_egress_and_all(make_cluster: Any) -> None:
    """Docs "Default deny all egress traffic" and "Default deny all ingress and all egress traffic"."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny-egress, namespace: other}
        spec: {podSelector: {}, policyTypes: [Egress]}
        """.replace("\n        ", "\n"),
    )
    assert not allows(cluster, "other/client", "default/db", "TCP", 80)
    assert allows(cluster, "default/db", "other/client", "TCP", 80)
    assert connectivity(cluster).allowed("other/client", "0.0.0.0/0") == []


def test_namespace_and_pod_selector_in_one_peer_is_and(make_cluster: Any) -> None:
    """Docs "Behavior of to and from selectors": one element with both selectors = pods matching
    the podSelector inside namespaces matching the namespaceSelector; two elements = OR."""
    and_cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: and, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {project: myproject}}
              podSelector: {matchLabels: {role: client}}
        """.replace("\n        ", "\n"),
    )
    assert allows(and_cluster, "other/client", "default/db", "TCP", 1)
    assert not allows(and_cluster, "other/stranger", "default/db", "TCP", 1)
    assert not allows(and_cluster, "default/frontend", "default/db", "TCP", 1)
    or_cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: or, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {project: myproject}}
            - podSelector: {matchLabels: {role: client}}
        """.replace("\n        ", "\n"),
    )
    assert allows(or_cluster, "other/stranger", "default/db", "TCP", 1)  # any pod of myproject
    assert not allows(or_cluster, "default/frontend", "default/db", "TCP", 1)


def test_pod_selector_alone_is_limited_to_the_policy_namespace(make_cluster: Any) -> None:
    """Docs: a podSelector peer "selects particular Pods in the same namespace as the NetworkPolicy"."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-clients, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]
        """.replace("\n        ", "\n"),
    )
    assert not allows(cluster, "other/client", "default/db", "TCP", 1)


def test_match_expressions_operators(make_cluster: Any) -> None:
    """API LabelSelectorRequirement: In, NotIn (a missing key satisfies NotIn), Exists, DoesNotExist."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: expressions, namespace: default}
        spec:
          podSelector: {matchExpressions: [{key: role, operator: In, values: [db]}]}
          ingress:
          - from:
            - namespaceSelector: {matchExpressions: [{key: project, operator: Exists}]}
              podSelector: {matchExpressions: [{key: role, operator: NotIn, values: [other]}]}
            - podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}, {key: role, operator: In, values: [frontend]}]}
        """.replace("\n        ", "\n"),
    )
    assert allows(cluster, "other/client", "default/db", "TCP", 1)
    assert not allows(cluster, "other/stranger", "default/db", "TCP", 1)
    assert allows(cluster, "default/frontend", "default/db", "TCP", 1)


def test_named_port_resolves_on_each_destination_pod(make_cluster: Any) -> None:
    """API NetworkPolicyPort.port: "a named port on a pod"; the name resolves per destination pod
    (db: redis=6379, frontend: redis=8080)."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: redis, namespace: default}
        spec:
          podSelector: {}
          ingress: [{ports: [{port: redis}]}]
        """.replace("\n        ", "\n"),
    )
    result = connectivity(cluster)
    assert result.allowed("other/client", "default/db") == ["TCP/6379"]
    assert result.allowed("other/client", "default/frontend") == ["TCP/8080"]
    assert result.allowed("0.0.0.0/0", "default/db") == ["TCP/6379"]


def test_named_port_in_egress_resolves_on_the_peer(make_cluster: Any) -> None:
    """A named port in an egress rule resolves on the destination pod; addresses have no names."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-dns, namespace: other}
        spec:
          podSelector: {matchLabels: {role: client}}
          policyTypes: [Egress]
          egress: [{ports: [{port: dns, protocol: UDP}, {port: 443}]}]
        """.replace("\n        ", "\n"),
    )
    result = connectivity(cluster)
    assert result.allowed("other/client", "default/db") == ["TCP/443", "UDP/53"]
    assert result.allowed("other/client", "default/frontend") == ["TCP/443"]
    assert result.allowed("other/client", "0.0.0.0/0") == ["TCP/443"]


def test_end_port_range_and_protocols(make_cluster: Any) -> None:
    """Docs "Targeting a range of ports": port 32000 endPort 32768 allows the inclusive range; the
    protocol defaults to TCP; UDP and SCTP ports are separate."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: multi-port-egress, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          policyTypes: [Ingress]
          ingress:
          - ports: [{port: 32000, endPort: 32768}, {protocol: SCTP, port: 9}, {protocol: UDP}]
        """.replace("\n        ", "\n"),
    )
    assert allows(cluster, "other/client", "default/db", "TCP", 32000)
    assert allows(cluster, "other/client", "default/db", "TCP", 32768)
    assert not allows(cluster, "other/client", "default/db", "TCP", 32769)
    assert allows(cluster, "other/client", "default/db", "UDP", 32000)
    assert allows(cluster, "other/client", "default/db", "SCTP", 9)
    assert not allows(cluster, "other/client", "default/db", "SCTP", 10)
    assert not allows(cluster, "other/client", "default/db", "ICMP", None)  # ports restrict to L4
    assert connectivity(cluster).allowed("other/client", "default/db") == [
        "TCP/32000-32768",
        "UDP",
        "SCTP/9",
    ]


def test_ip_block_matches_pod_addresses(make_cluster: Any) -> None:
    """Upstream semantics: an ipBlock matches pods whose IP it holds (e2e "should allow egress
    access to server in CIDR block"); except carves addresses out."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: cidr, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress: [{from: [{ipBlock: {cidr: 172.17.1.0/24, except: [172.17.1.6/32]}}]}]
        """.replace("\n        ", "\n"),
    )
    assert allows(cluster, "other/client", "default/db", "TCP", 1)  # 172.17.1.5
    assert not allows(cluster, "other/stranger", "default/db", "TCP", 1)  # 172.17.1.6, excepted
    assert not allows(cluster, "default/frontend", "default/db", "TCP", 1)


def test_union_of_policies_and_both_directions_required(make_cluster: Any) -> None:
    """Docs: policies are additive (union); a connection needs the source's egress AND the
    destination's ingress to allow it."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: db-80, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress: [{ports: [{port: 80}]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: db-443, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress: [{ports: [{port: 443}]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: client-egress-443, namespace: other}
        spec:
          podSelector: {matchLabels: {role: client}}
          policyTypes: [Egress]
          egress: [{ports: [{port: 443}, {port: 8080}]}]
        """.replace("\n        ", "\n"),
    )
    result = connectivity(cluster)
    assert result.allowed("other/stranger", "default/db") == ["TCP/80", "TCP/443"]
    assert result.allowed("other/client", "default/db") == ["TCP/443"]
    assert result.allowed("other/client", "default/frontend") == ["TCP/443", "TCP/8080"]


def test_egress_rules_ignored_when_policy_types_is_ingress(make_cluster: Any) -> None:
    """API: policyTypes decides which directions a policy affects; egress rules of an Ingress-only
    policy isolate nothing."""
    cluster = with_policies(
        make_cluster,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: ingress-only, namespace: default}
        spec:
          podSelector: {matchLabels: {role: db}}
          policyTypes: [Ingress]
          ingress: [{}]
          egress: [{ports: [{port: 1}]}]
        """.replace("\n        ", "\n"),
    )
    assert allows(cluster, "default/db", "other/client", "TCP", 80)
