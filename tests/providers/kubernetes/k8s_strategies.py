"""Hypothesis strategies: small clusters (namespaces, bare pods with IPs, NetworkPolicies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

__all__ = ["PROBE_PORTS", "clusters", "write_objects"]

LABEL_KEYS = ("app", "tier")
LABEL_VALUES = ("a", "b", "c")
NAMESPACES = ("ns1", "ns2", "ns3")
PORT_NAMES = ("http", "dns")
# Every port a generated rule or container can use, and its neighbours.
PROBE_PORTS = (
    1,
    52,
    53,
    54,
    79,
    80,
    81,
    443,
    5352,
    5353,
    5354,
    8000,
    8050,
    8100,
    8101,
    8080,
    9090,
    65535,
)
# Pod IPs live in 10.0.0.0/24; ipBlocks either avoid pod IPs or cut around them (see `ip_blocks`).
POD_NET = "10.0.0"

labels = st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=2)


_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@st.composite
def selectors(draw: st.DrawFn, operators: tuple[str, ...] = _OPERATORS) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    match_labels = draw(
        st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=1)
    )
    if match_labels:
        selector["matchLabels"] = match_labels
    if draw(st.booleans()):
        operator = draw(st.sampled_from(operators))
        expression: dict[str, Any] = {
            "key": draw(st.sampled_from(LABEL_KEYS)),
            "operator": operator,
        }
        if operator in ("In", "NotIn"):
            expression["values"] = draw(
                st.lists(st.sampled_from(LABEL_VALUES), min_size=1, max_size=2, unique=True)
            )
        selector["matchExpressions"] = [expression]
    return selector


def ip_blocks(pod_ips: bool) -> st.SearchStrategy[dict[str, Any]]:
    """ipBlocks; with `pod_ips` False they never contain a pod address (NCA ignores those)."""
    outside = st.sampled_from(
        (
            {"cidr": "192.168.0.0/16"},
            {"cidr": "192.168.0.0/16", "except": ["192.168.1.0/24"]},
            {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]},
            {"cidr": "172.16.0.0/12"},
        )
    )
    if not pod_ips:
        return outside
    inside = st.sampled_from(
        (
            {"cidr": f"{POD_NET}.0/24"},
            {"cidr": f"{POD_NET}.0/30"},
            {"cidr": "0.0.0.0/0", "except": [f"{POD_NET}.2/32"]},
        )
    )
    return st.one_of(outside, inside)


@st.composite
def peers(draw: st.DrawFn, pod_ips: bool, nca: bool = False) -> dict[str, Any]:
    kind = draw(st.sampled_from(("pod", "namespace", "both", "ipBlock")))
    if kind == "ipBlock":
        return {"ipBlock": draw(ip_blocks(pod_ips))}
    peer: dict[str, Any] = {}
    if kind == "pod":
        peer["podSelector"] = draw(selectors())
    elif kind == "both":
        # NCA's Exists / DoesNotExist select no pod of another namespace (deviation 4)
        peer["podSelector"] = draw(selectors(("In", "NotIn") if nca else _OPERATORS))
    if kind in ("namespace", "both"):
        peer["namespaceSelector"] = draw(
            st.one_of(
                selectors(),
                st.sampled_from(NAMESPACES).map(
                    lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}}
                ),
            )
        )
    return peer


port_specs = st.one_of(
    st.sampled_from(
        (
            {"port": 80},
            {"port": 443, "protocol": "TCP"},
            {"port": 53, "protocol": "UDP"},
            {"port": 8000, "endPort": 8100},
            {"port": "http"},
            {"port": "dns", "protocol": "UDP"},
            {"protocol": "SCTP"},
            {"protocol": "UDP"},
        )
    )
)


@st.composite
def rules(draw: st.DrawFn, field: str, pod_ips: bool, nca: bool = False) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        rule[field] = draw(st.lists(peers(pod_ips, nca), min_size=1, max_size=2))
    if draw(st.integers(0, 2)):
        rule["ports"] = draw(st.lists(port_specs, min_size=1, max_size=2))
    return rule


@st.composite
def policies(draw: st.DrawFn, index: int, pod_ips: bool, nca: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selectors())}
    shape = draw(st.sampled_from(("ingress", "egress", "both", "default")))
    if shape in ("ingress", "both", "default"):
        spec["ingress"] = draw(st.lists(rules("from", pod_ips, nca), max_size=2))
    if shape in ("egress", "both") or (shape == "default" and draw(st.booleans())):
        # NCA reads `egress: []` without policyTypes as egress-isolating (the API does not).
        minimum = 1 if nca and shape == "default" else 0
        spec["egress"] = draw(st.lists(rules("to", pod_ips, nca), min_size=minimum, max_size=2))
    if shape == "ingress":
        spec["policyTypes"] = ["Ingress"]
    elif shape == "egress":
        spec["policyTypes"] = ["Egress"]
    elif shape == "both":
        spec["policyTypes"] = ["Ingress", "Egress"]
    namespace = draw(st.sampled_from(NAMESPACES))
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"policy-{index}", "namespace": namespace},
        "spec": spec,
    }


@st.composite
def clusters(draw: st.DrawFn, nca: bool = False) -> list[dict[str, Any]]:
    """Objects of one small cluster; `nca` leaves out what NCA reads differently from the API
    (ipBlocks holding pod addresses, `egress: []` without policyTypes, Exists / DoesNotExist
    pod selectors beside a namespaceSelector)."""
    pod_ips = not nca
    objects: list[dict[str, Any]] = []
    for name in NAMESPACES:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": draw(labels)},
            }
        )
    count = draw(st.integers(2, 6))
    for i in range(count):
        ports: list[dict[str, Any]] = []
        if draw(st.booleans()):
            ports.append({"containerPort": draw(st.sampled_from((80, 8080, 8050))), "name": "http"})
        if draw(st.booleans()):
            ports.append(
                {
                    "containerPort": draw(st.sampled_from((53, 5353))),
                    "name": "dns",
                    "protocol": "UDP",
                }
            )
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"pod-{i}",
                    "namespace": draw(st.sampled_from(NAMESPACES)),
                    "labels": draw(labels),
                },
                "spec": {"containers": [{"name": "main", "image": "app", "ports": ports}]},
                "status": {"podIP": f"{POD_NET}.{i + 1}"},
            }
        )
    for i in range(draw(st.integers(0, 4))):
        objects.append(draw(policies(i, pod_ips, nca)))
    return objects


def write_objects(folder: Path, objects: list[dict[str, Any]]) -> Path:
    """One multi-document YAML file (JSON documents are YAML)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cluster.yaml").write_text("\n---\n".join(json.dumps(o) for o in objects) + "\n")
    return folder
