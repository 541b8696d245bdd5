"""Upstream Kubernetes e2e NetworkPolicy cases, transcribed as truth tables with fixed pod IPs.

Source: kubernetes/kubernetes test/e2e/network/netpol/network_policy.go ("Netpol" SIG-network
suite). As upstream: namespaces x, y, z with pods a, b, c labelled `pod=<name>`; every pod serves
80 and 81 on TCP, UDP and SCTP with container ports named `serve-<port>-<protocol>`; the table
starts all-allowed and each case applies the same Expect* edits as the Go test (upstream's
`SetSpecIngressRules`/`SetSpecEgressRules` also set `policyTypes`, so the policies here do); loopback is
ignored (`ignoreLoopback = true` upstream). Pod x/a is 10.0.0.1, x/b 10.0.0.2, y/a 10.0.1.1, ...
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from k8s_helpers import allows

from crossfence.providers.kubernetes import Cluster, load_manifests

NAMESPACES = ("x", "y", "z")
PODS = ("a", "b", "c")
ALL = [f"{ns}/{pod}" for ns in NAMESPACES for pod in PODS]


def _ip(pod: str) -> str:
    ns, name = pod.split("/")
    return f"10.0.{NAMESPACES.index(ns)}.{PODS.index(name) + 1}"


def e2e_cluster(folder: Path, policies: list[dict[str, object]]) -> Cluster:
    objects: list[dict[str, object]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in NAMESPACES
    ]
    for pod in ALL:
        ns, name = pod.split("/")
        ports = [
            {"containerPort": port, "protocol": proto, "name": f"serve-{port}-{proto.lower()}"}
            for port in (80, 81)
            for proto in ("TCP", "UDP", "SCTP")
        ]
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "labels": {"pod": name}},
                "spec": {"containers": [{"name": "cont", "image": "agnhost", "ports": ports}]},
                "status": {"podIP": _ip(pod)},
            }
        )
    for policy in policies:
        objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **policy})
    folder.mkdir(parents=True, exist_ok=True)
    # JSON is YAML: one document per object.
    (folder / "cluster.yaml").write_text("\n---\n".join(json.dumps(o) for o in objects))
    return load_manifests(folder)


class Reachability:
    """The upstream truth table: (from, to) -> expected, all True to start."""

    def __init__(self) -> None:
        self.table = {(s, d): True for s in ALL for d in ALL if s != d}

    def expect(self, src: str, dst: str, value: bool) -> None:
        if src != dst:
            self.table[src, dst] = value

    def expect_peer(
        self, src: tuple[str | None, str | None], dst: tuple[str | None, str | None], value: bool
    ) -> None:
        def match(pod: str, peer: tuple[str | None, str | None]) -> bool:
            ns, name = pod.split("/")
            return (peer[0] is None or peer[0] == ns) and (peer[1] is None or peer[1] == name)

        for s, d in self.table:
            if match(s, src) and match(d, dst):
                self.table[s, d] = value

    def expect_all_ingress(self, pod: str, value: bool) -> None:
        self.expect_peer((None, None), tuple(pod.split("/")), value)  # type: ignore[arg-type]

    def expect_all_egress(self, pod: str, value: bool) -> None:
        self.expect_peer(tuple(pod.split("/")), (None, None), value)  # type: ignore[arg-type]


def policy(
    name: str, namespace: str, pod_selector: dict[str, object], **spec: object
) -> dict[str, object]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"podSelector": pod_selector, **spec},
    }


POD_A = {"matchLabels": {"pod": "a"}}
NS = "kubernetes.io/metadata.name"


@dataclass
class Case:
    name: str
    policies: list[dict[str, object]]
    protocol: str
    port: int
    edits: Callable[[Reachability], None]


def _none(r: Reachability) -> None:
    return None


CASES = [
    Case(
        "should support a 'default-deny-ingress' policy",
        [policy("deny-ingress", "x", {}, ingress=[])],
        "TCP",
        80,
        lambda r: r.expect_peer((None, None), ("x", None), False),
    ),
    Case(
        "should support a 'default-deny-all' policy",
        [policy("deny-all", "x", {}, ingress=[], egress=[], policyTypes=["Ingress", "Egress"])],
        "TCP",
        80,
        lambda r: (
            r.expect_peer((None, None), ("x", None), False),
            r.expect_peer(("x", None), (None, None), False),
        ),
    ),
    Case(
        "should enforce policy to allow traffic from pods within server namespace based on PodSelector",
        [
            policy(
                "x-a-allows-x-b",
                "x",
                POD_A,
                ingress=[{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
            )
        ],
        "TCP",
        80,
        lambda r: (r.expect_all_ingress("x/a", False), r.expect("x/b", "x/a", True)),
    ),
    Case(
        "should enforce policy to allow ingress traffic for a target",
        [
            policy("deny-all", "x", {}, ingress=[]),
            policy(
                "allow-all-to-a",
                "x",
                POD_A,
                ingress=[{"from": [{"podSelector": {}, "namespaceSelector": {}}]}],
            ),
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_all_ingress("x/a", True),
            r.expect_all_ingress("x/b", False),
            r.expect_all_ingress("x/c", False),
        ),
    ),
    Case(
        "should enforce policy to allow ingress traffic from pods in all namespaces",
        [
            policy(
                "allow-from-another-ns",
                "x",
                POD_A,
                ingress=[{"from": [{"namespaceSelector": {"matchLabels": {}}}]}],
            )
        ],
        "TCP",
        80,
        _none,
    ),
    Case(
        "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
        [
            policy(
                "allow-client-a-via-ns-selector",
                "x",
                POD_A,
                ingress=[{"from": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}]}],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_peer(("x", None), ("x", "a"), False),
            r.expect_peer(("z", None), ("x", "a"), False),
        ),
    ),
    Case(
        "should enforce policy based on PodSelector with MatchExpressions",
        [
            policy(
                "x-a-allows-x-b",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "pod", "operator": "In", "values": ["b"]}
                                    ]
                                }
                            }
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: (r.expect_all_ingress("x/a", False), r.expect("x/b", "x/a", True)),
    ),
    Case(
        "should enforce policy based on NamespaceSelector with MatchExpressions",
        [
            policy(
                "allow-ns-y-match-selector",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {"key": NS, "operator": "In", "values": ["y"]}
                                    ]
                                }
                            }
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_peer(("x", None), ("x", "a"), False),
            r.expect_peer(("z", None), ("x", "a"), False),
        ),
    ),
    Case(
        "should enforce policy based on PodSelector or NamespaceSelector",
        [
            policy(
                "allow-ns-y-match-selector",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {"key": NS, "operator": "NotIn", "values": ["x"]}
                                    ]
                                }
                            },
                            {"podSelector": {"matchLabels": {"pod": "b"}}},
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: r.expect("x/c", "x/a", False),
    ),
    Case(
        "should enforce policy based on PodSelector and NamespaceSelector",
        [
            policy(
                "allow-ns-y-podselector-and-nsselector",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {"key": NS, "operator": "NotIn", "values": ["x"]}
                                    ]
                                },
                                "podSelector": {"matchLabels": {"pod": "b"}},
                            }
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_all_ingress("x/a", False),
            r.expect("y/b", "x/a", True),
            r.expect("z/b", "x/a", True),
        ),
    ),
    Case(
        "should enforce policy based on Multiple PodSelectors and NamespaceSelectors",
        [
            policy(
                "allow-ns-y-z-pod-b-c",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {"key": NS, "operator": "NotIn", "values": ["x"]}
                                    ]
                                },
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "pod", "operator": "In", "values": ["b", "c"]}
                                    ]
                                },
                            }
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_peer(("x", None), ("x", "a"), False),
            r.expect("y/a", "x/a", False),
            r.expect("z/a", "x/a", False),
        ),
    ),
    Case(
        "should enforce policy based on any PodSelectors",
        [
            policy(
                "allow-ns-x-pod-b-c",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {"podSelector": {"matchLabels": {"pod": "b"}}},
                            {"podSelector": {"matchLabels": {"pod": "c"}}},
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_all_ingress("x/a", False),
            r.expect("x/b", "x/a", True),
            r.expect("x/c", "x/a", True),
        ),
    ),
    Case(
        "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector",
        [
            policy(
                "allow-ns-y-pod-a-via-namespace-pod-selector",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {NS: "y"}},
                                "podSelector": {"matchLabels": {"pod": "a"}},
                            }
                        ]
                    }
                ],
            )
        ],
        "TCP",
        80,
        lambda r: (r.expect_all_ingress("x/a", False), r.expect("y/a", "x/a", True)),
    ),
    *[
        Case(
            f"should enforce policy based on Ports (port {port})",
            [
                policy(
                    "allow-client-a-via-ns-selector",
                    "x",
                    POD_A,
                    ingress=[
                        {
                            "from": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}],
                            "ports": [{"port": 81, "protocol": "TCP"}],
                        }
                    ],
                )
            ],
            "TCP",
            port,
            edit,
        )
        for port, edit in (
            (
                81,
                lambda r: (
                    r.expect_peer(("x", None), ("x", "a"), False),
                    r.expect_peer(("z", None), ("x", "a"), False),
                ),
            ),
            (80, lambda r: r.expect_all_ingress("x/a", False)),
        )
    ],
    Case(
        "should enforce multiple, stacked policies with overlapping podSelectors (port 80 unblocked)",
        [
            policy(
                "allow-client-a-via-ns-selector",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}],
                        "ports": [{"port": 81, "protocol": "TCP"}],
                    }
                ],
            ),
            policy(
                "allow-client-a-via-ns-selector-80",
                "x",
                POD_A,
                ingress=[
                    {
                        "from": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}],
                        "ports": [{"port": 80, "protocol": "TCP"}],
                    }
                ],
            ),
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_peer(("x", None), ("x", "a"), False),
            r.expect_peer(("z", None), ("x", "a"), False),
        ),
    ),
    *[
        Case(
            f"should support allow-all policy (port {port})",
            [policy("allow-all", "x", {}, ingress=[{}])],
            "TCP",
            port,
            _none,
        )
        for port in (80, 81)
    ],
    *[
        Case(
            f"should allow ingress access on one named port (port {port})",
            [policy("allow-all", "x", {}, ingress=[{"ports": [{"port": "serve-81-tcp"}]}])],
            "TCP",
            port,
            edit,
        )
        for port, edit in (
            (81, _none),
            (80, lambda r: r.expect_peer((None, None), ("x", None), False)),
        )
    ],
    *[
        Case(
            f"should allow ingress access from namespace on one named port (port {port})",
            [
                policy(
                    "allow-client-a-via-ns-selector-80",
                    "x",
                    POD_A,
                    ingress=[
                        {
                            "from": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}],
                            "ports": [{"port": "serve-80-tcp", "protocol": "TCP"}],
                        }
                    ],
                )
            ],
            "TCP",
            port,
            edit,
        )
        for port, edit in (
            (
                80,
                lambda r: (
                    r.expect_peer(("x", None), ("x", "a"), False),
                    r.expect_peer(("z", None), ("x", "a"), False),
                ),
            ),
            (81, lambda r: r.expect_all_ingress("x/a", False)),
        )
    ],
    *[
        Case(
            f"should allow egress access on one named port (port {port})",
            [
                policy(
                    "allow-egress",
                    "x",
                    {},
                    egress=[{"ports": [{"port": "serve-80-tcp"}]}],
                    policyTypes=["Egress"],
                )
            ],
            "TCP",
            port,
            edit,
        )
        for port, edit in (
            (80, _none),
            (81, lambda r: r.expect_peer(("x", None), (None, None), False)),
        )
    ],
    Case(
        "should deny ingress from pods on other namespaces",
        [policy("deny-ns", "x", {}, ingress=[{"from": [{"podSelector": {}}]}])],
        "TCP",
        80,
        lambda r: (
            r.expect_peer(("y", None), ("x", None), False),
            r.expect_peer(("z", None), ("x", None), False),
        ),
    ),
    Case(
        "should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector",
        [
            policy(
                "allow-to-ns-y-pod-a",
                "x",
                POD_A,
                egress=[
                    {
                        "to": [
                            {
                                "namespaceSelector": {"matchLabels": {NS: "y"}},
                                "podSelector": {"matchLabels": {"pod": "a"}},
                            }
                        ]
                    }
                ],
                policyTypes=["Egress"],
            )
        ],
        "TCP",
        80,
        lambda r: (r.expect_all_egress("x/a", False), r.expect("x/a", "y/a", True)),
    ),
    Case(
        "should enforce ingress policy allowing any port traffic to a server on a specific protocol (UDP denied)",
        [policy("allow-ingress-by-proto", "x", POD_A, ingress=[{"ports": [{"protocol": "TCP"}]}])],
        "UDP",
        80,
        lambda r: r.expect_all_ingress("x/a", False),
    ),
    Case(
        "should enforce ingress policy allowing any port traffic to a server on a specific protocol (TCP allowed)",
        [policy("allow-ingress-by-proto", "x", POD_A, ingress=[{"ports": [{"protocol": "TCP"}]}])],
        "TCP",
        81,
        _none,
    ),
    Case(
        "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)",
        [
            policy(
                "allow-to-ns-y-pod-a",
                "x",
                POD_A,
                egress=[{"to": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}]}],
                policyTypes=["Egress"],
            ),
            policy(
                "allow-from-xa-on-ya",
                "y",
                POD_A,
                ingress=[
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {NS: "x"}}, "podSelector": POD_A}
                        ]
                    }
                ],
            ),
            policy(
                "allow-from-xa-on-yb",
                "y",
                {"matchLabels": {"pod": "b"}},
                ingress=[
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {NS: "x"}}, "podSelector": POD_A}
                        ]
                    }
                ],
            ),
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_all_egress("x/a", False),
            r.expect_all_ingress("y/a", False),
            r.expect_all_ingress("y/b", False),
            r.expect("x/a", "y/a", True),
            r.expect("x/a", "y/b", True),
            r.expect("x/a", "y/c", True),
        ),
    ),
    Case(
        "should allow egress access to server in CIDR block",
        [
            policy(
                "allow-client-a-via-cidr-egress-rule",
                "x",
                {"matchLabels": {"pod": "a"}},
                egress=[{"to": [{"ipBlock": {"cidr": "10.0.1.2/32"}}]}],
                policyTypes=["Egress"],
            )
        ],
        "TCP",
        80,
        lambda r: (r.expect_all_egress("x/a", False), r.expect("x/a", "y/b", True)),
    ),
    Case(
        "should enforce except clause while egress access to server in CIDR block",
        [
            policy(
                "deny-client-a-via-except-cidr-egress-rule",
                "x",
                POD_A,
                egress=[{"to": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.1.2/32"]}}]}],
                policyTypes=["Egress"],
            )
        ],
        "TCP",
        80,
        lambda r: r.expect("x/a", "y/b", False),
    ),
    Case(
        "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector",
        [
            policy("deny-egress-from-a", "x", POD_A, policyTypes=["Egress"]),
            policy(
                "allow-egress-to-b",
                "x",
                POD_A,
                egress=[{"to": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
                policyTypes=["Egress"],
            ),
        ],
        "TCP",
        80,
        lambda r: (r.expect_all_egress("x/a", False), r.expect("x/a", "x/b", True)),
    ),
    Case(
        "should not allow access by TCP when a policy specifies only UDP",
        [
            policy(
                "allow-only-udp-ingress-on-port-81",
                "x",
                POD_A,
                ingress=[{"ports": [{"port": 81, "protocol": "UDP"}]}],
            )
        ],
        "TCP",
        81,
        lambda r: r.expect_all_ingress("x/a", False),
    ),
    Case(
        "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label",
        [
            policy(
                "allow-client-a-via-ns-selector-for-immutable-ns-label",
                "x",
                POD_A,
                ingress=[{"from": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}]}],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_peer(("x", None), ("x", "a"), False),
            r.expect_peer(("z", None), ("x", "a"), False),
        ),
    ),
    Case(
        "should enforce ingress policy allowing any port traffic with endPort (80-81 covers 81)",
        [
            policy(
                "allow-port-range",
                "x",
                POD_A,
                ingress=[{"ports": [{"port": 80, "endPort": 81, "protocol": "TCP"}]}],
            )
        ],
        "TCP",
        81,
        _none,
    ),
    Case(
        "should enforce policy to allow ingress traffic only on SCTP",
        [
            policy(
                "allow-only-sctp-ingress-on-port-80",
                "x",
                POD_A,
                ingress=[{"ports": [{"port": 80, "protocol": "SCTP"}]}],
            )
        ],
        "SCTP",
        80,
        _none,
    ),
    Case(
        "should enforce policy to allow ingress traffic only on SCTP (TCP denied)",
        [
            policy(
                "allow-only-sctp-ingress-on-port-80",
                "x",
                POD_A,
                ingress=[{"ports": [{"port": 80, "protocol": "SCTP"}]}],
            )
        ],
        "TCP",
        80,
        lambda r: r.expect_all_ingress("x/a", False),
    ),
    Case(
        "should work with Ingress, Egress specified together",
        [
            policy(
                "allow-client-a-via-pod-selector",
                "x",
                POD_A,
                ingress=[{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
                egress=[
                    {
                        "to": [{"namespaceSelector": {"matchLabels": {NS: "y"}}}],
                        "ports": [{"port": 80, "protocol": "TCP"}],
                    }
                ],
                policyTypes=["Ingress", "Egress"],
            )
        ],
        "TCP",
        80,
        lambda r: (
            r.expect_all_ingress("x/a", False),
            r.expect("x/b", "x/a", True),
            r.expect_all_egress("x/a", False),
            r.expect_peer(("x", "a"), ("y", None), True),
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_upstream_e2e_truth_table(case: Case, tmp_path: Path) -> None:
    """https://github.com/kubernetes/kubernetes/blob/master/test/e2e/network/netpol/network_policy.go"""
    cluster = e2e_cluster(tmp_path, case.policies)
    expected = Reachability()
    case.edits(expected)
    actual = {
        pair: allows(cluster, pair[0], pair[1], case.protocol, case.port) for pair in expected.table
    }
    wrong = {pair: value for pair, value in actual.items() if value != expected.table[pair]}
    assert not wrong, f"{case.name}: unexpected verdicts {wrong}"
