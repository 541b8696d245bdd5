"""Import of Kubernetes manifests: kinds, controllers, namespaces, addresses, located errors."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from crossfence.providers.kubernetes import DEFAULT_POD_RANGE, ManifestError, load_manifests


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_controllers_become_pods_named_by_ordinal(tmp_path: Path) -> None:
    """A controller's pod template gives `replicas` pods `name-0`, `name-1`, ... (Jobs:
    parallelism; DaemonSets and CronJobs: one pod)."""
    write(
        tmp_path / "apps.yaml",
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: frontend, namespace: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: frontend}}
          template:
            metadata: {labels: {app: frontend}}
            spec:
              serviceAccountName: front
              containers: [{name: nginx, image: nginx, ports: [{containerPort: 8080, name: http}]}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: data}
        spec: {replicas: 3, template: {metadata: {labels: {app: db}}, spec: {containers: []}}}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: kube-system}
        spec: {template: {spec: {containers: []}}}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: data}
        spec: {parallelism: 2, template: {spec: {containers: []}}}
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: backup, namespace: data}
        spec: {jobTemplate: {spec: {template: {spec: {containers: []}}}}}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: idle, namespace: web}
        spec: {replicas: 0, template: {spec: {containers: []}}}
        """,
    )
    cluster = load_manifests(tmp_path)
    assert [p.key for p in cluster.pods] == [
        "data/backup-0",
        "data/db-0",
        "data/db-1",
        "data/db-2",
        "data/migrate-0",
        "data/migrate-1",
        "kube-system/agent-0",
        "web/frontend-0",
        "web/frontend-1",
    ]
    frontend = cluster.pod("web/frontend-1")
    assert frontend.labels == {"app": "frontend"}
    assert frontend.owner == "Deployment/frontend"
    assert frontend.service_account == "front"
    assert frontend.resolve_port("http", "TCP") == 8080


def test_addresses_come_from_status_or_the_default_pod_range(tmp_path: Path) -> None:
    """Pods without status.podIP get the next free address of 10.244.0.0/16 in name order."""
    write(
        tmp_path / "pods.yaml",
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: b}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a}
        status: {podIP: 10.244.0.1}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: c}
        """,
    )
    cluster = load_manifests(tmp_path / "pods.yaml")
    assert DEFAULT_POD_RANGE.exploded == "10.244.0.0/16"
    assert [(p.key, p.ip) for p in cluster.pods] == [
        ("default/a", "10.244.0.1"),
        ("default/b", "10.244.0.2"),
        ("default/c", "10.244.0.3"),
    ]


def test_namespaces_lists_folders_and_unknown_kinds(tmp_path: Path) -> None:
    """Folders are read recursively; `List` items are objects; undeclared namespaces are created
    with kubernetes.io/metadata.name; unknown kinds are skipped with a located warning."""
    write(
        tmp_path / "ns.yaml",
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: web, labels: {team: a}}
        """,
    )
    write(
        tmp_path / "sub" / "deep" / "list.yml",
        """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Pod
          metadata: {name: p, namespace: web}
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: settings, namespace: other}
        """,
    )
    cluster = load_manifests(tmp_path)
    assert cluster.namespaces["web"].labels == {"team": "a", "kubernetes.io/metadata.name": "web"}
    assert cluster.namespaces["other"].labels == {"kubernetes.io/metadata.name": "other"}
    assert cluster.namespaces["other"].location is None
    assert [p.key for p in cluster.pods] == ["web/p"]
    [warning] = cluster.warnings
    assert str(warning).endswith("list.yml:7:3: items[1]: kind ConfigMap is not analysed; skipped")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "ingress: [{ports: [{port: ABC_1}]}]",
            "spec.ingress[0].ports[0].port: 'ABC_1' is not a port (expected an integer 1-65535 or a named port)",
        ),
        (
            "ingress: [{ports: [{port: 70000}]}]",
            "spec.ingress[0].ports[0].port: 70000 is not a port",
        ),
        (
            "ingress: [{ports: [{port: 80, protocol: ICMP}]}]",
            "'ICMP' is not a protocol (expected TCP, UDP or SCTP)",
        ),
        (
            "ingress: [{ports: [{port: 90, endPort: 80}]}]",
            "spec.ingress[0].ports[0].endPort: endPort 80 is below port 90",
        ),
        ("ingress: [{ports: [{port: http, endPort: 80}]}]", "endPort needs a numeric port"),
        ("ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]", "'10.0.0.0/33' is not a CIDR"),
        (
            "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}}]}]",
            "spec.ingress[0].from[0].ipBlock.except[0]: 11.0.0.0/8 is not strictly inside 10.0.0.0/8",
        ),
        (
            "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]",
            "a peer may not combine ipBlock with podSelector or namespaceSelector",
        ),
        ("ingress: [{from: [{}]}]", "a peer needs podSelector, namespaceSelector or ipBlock"),
        ("policyTypes: [Inbound]", "spec.policyTypes[0]: 'Inbound' is not Ingress or Egress"),
        (
            "egress: [{to: [{podSelector: {matchExpressions: [{key: a, operator: Has}]}}]}]",
            "'Has' is not In, NotIn, Exists or DoesNotExist",
        ),
        (
            "egress: [{to: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}]",
            "operator In needs at least one value",
        ),
    ],
)
def test_malformed_policies_give_located_errors(tmp_path: Path, body: str, expected: str) -> None:
    """Errors carry file:line:col and the kubectl field path of the offending value."""
    path = write(
        tmp_path / "netpol.yaml",
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: bad, namespace: web}}
        spec:
          podSelector: {{}}
          {body}
        """,
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(path)
    [problem] = caught.value.problems
    assert expected in str(problem)
    assert str(problem).startswith(f"{path}:6:")
    assert problem.line == 6


def test_error_location_points_at_the_value(tmp_path: Path) -> None:
    """The example of the brief: `netpol.yaml:12:19: spec.ingress[0].ports[0].port: ...`."""
    path = write(
        tmp_path / "netpol.yaml",
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: bad
          namespace: web
        spec:
          podSelector: {}
          ingress:
          - from:
            - podSelector: {}
            ports:
            - port: "80"
        """,
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(path)
    assert str(caught.value) == (
        f"{path}:12:13: spec.ingress[0].ports[0].port: '80' is not a port "
        "(expected an integer 1-65535 or a named port)"
    )


def test_every_problem_is_reported_and_yaml_errors_are_located(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml",
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        status: {podIP: not-an-ip}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        """,
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path / "a.yaml")
    messages = [str(p) for p in caught.value.problems]
    assert any("status.podIP: 'not-an-ip' is not an IP address" in m for m in messages)
    assert any("Pod default/p is already defined at" in m for m in messages)
    write(tmp_path / "b.yaml", "kind: Pod\nmetadata: {name: [unclosed\n")
    with pytest.raises(ManifestError, match=r"b\.yaml:\d+:\d+: invalid YAML"):
        load_manifests(tmp_path / "b.yaml")


def test_istio_kinds_are_imported(make_cluster: Any) -> None:
    cluster = make_cluster(
        """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-all, namespace: web}
        spec: {}
        """
    )
    assert [p.key for p in cluster.peer_authentications] == ["istio-system/default"]
    assert cluster.authorization_policies[0].action == "ALLOW"
    assert cluster.authorization_policies[0].rules == ()


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "010.0.0.1",
        "10.0.0",
        "10.0.0.256",
        "1e1.0.0.1",
        " 10.0.0.1",
        "10.0.0.1 ",
        "0x0a.0.0.1",
        "10.0.0.1/32",
        "::1",
        "10",
    ],
)
def test_pod_addresses_are_read_as_ipaddress_reads_them(tmp_path: Path, address: str) -> None:
    """`status.podIP` is accepted exactly when `ipaddress` takes it as IPv4 (no leading zeros, four
    decimal parts; https://docs.python.org/3/library/ipaddress.html#ipaddress.IPv4Address),
    and kept as written: the loader's fast path for canonical dotted quads changes nothing."""
    import ipaddress

    write(
        tmp_path / "pod.yaml",
        f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: p, namespace: web}}
        status: {{podIP: "{address}"}}
        """,
    )
    try:
        expected: str | None = str(ipaddress.IPv4Address(address))
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ManifestError, match=r"pod\.yaml:4:\d+: status\.podIP: "):
            load_manifests(tmp_path)
    else:
        assert [p.ip for p in load_manifests(tmp_path).pods] == [expected]


def test_locations_are_found_on_first_use_and_point_at_the_object(tmp_path: Path) -> None:
    """Locations are deferred (found when read) yet give the same `file:line:col`, compare and
    hash as plain ones, and a duplicate still quotes where the first definition is."""
    from crossfence.providers.kubernetes import Location

    path = write(
        tmp_path / "objects.yaml",
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: web}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: web}
        status: {podIP: 10.0.0.1}
        """,
    )
    cluster = load_manifests(tmp_path)
    (pod,) = cluster.pods
    assert str(pod.location) == f"{path}:5:1"
    assert pod.location == Location(str(path), 5, 1)
    assert hash(pod.location) == hash(Location(str(path), 5, 1))
    assert sorted([pod.location, cluster.namespaces["web"].location]) == [
        Location(str(path), 1, 1),
        Location(str(path), 5, 1),
    ]
    with path.open("a", encoding="utf-8") as stream:
        stream.write("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web}\n")
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    assert str(caught.value) == (f"{path}:10:1: Pod web/p is already defined at {path}:5:1")


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ("{podSelector: {}, ingres: []}", "spec.ingres"),
        ("{podSelector: {}, ingress: [{form: [{podSelector: {}}]}]}", "spec.ingress[0].form"),
        (
            "{podSelector: {}, egress: [{to: [{podselector: {}}]}]}",
            "spec.egress[0].to[0].podselector",
        ),
        (
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, exept: [10.1.0.0/16]}}]}]}",
            "spec.ingress[0].from[0].ipBlock.exept",
        ),
        (
            "{podSelector: {}, ingress: [{ports: [{prot: UDP, port: 53}]}]}",
            "spec.ingress[0].ports[0].prot",
        ),
    ],
)
def test_a_misspelt_network_policy_field_is_refused(tmp_path: Path, spec: str, where: str) -> None:
    """The NetworkPolicy API (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/)
    names every field of NetworkPolicySpec, NetworkPolicyIngressRule (`from`, `ports`),
    NetworkPolicyEgressRule (`to`, `ports`), NetworkPolicyPeer, IPBlock (`cidr`, `except`) and
    NetworkPolicyPort (`port`, `endPort`, `protocol`); the API server's strict field validation
    (kubectl's default) refuses any other. Dropped instead, `form:` would make the rule match
    every peer and `exept:` would let the excepted range in: the loader refuses them, located."""
    path = tmp_path / "policy.yaml"
    path.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        f"metadata: {{name: p, namespace: default}}\nspec: {spec}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as error:
        load_manifests(path)
    assert where in str(error.value)
    assert "unknown field" in str(error.value)
