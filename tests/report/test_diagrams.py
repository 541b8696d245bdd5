"""The topology as nested groups, and as DOT and Mermaid that Graphviz's `dot` and Mermaid's own parser accept."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crossfence import build_topology, load
from crossfence.report.diagrams import to_dot, to_mermaid
from crossfence.report.graph import Graph, topology_graph

from .estates import HOSTILE, write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    blueprint = load(write(tmp_path_factory.mktemp("small"), name=HOSTILE, description=HOSTILE))
    return topology_graph(blueprint, build_topology(blueprint))


def test_groups_nest_cloud_network_subnet_cluster_workload(graph: Graph) -> None:
    parent = {n.id: n.parent for n in graph.nodes}
    assert parent["net:hub"] == "cloud:gcp"
    assert parent["sub:hub/hub-a"] == "net:hub"
    assert parent["ep:db"] == "sub:hub/hub-a"
    assert parent["cluster:k"] == "sub:vpc/apps"
    assert parent["ep:api"] == "cluster:k"
    assert parent["ep:internet"] is None
    nodes = {n.id: n for n in graph.nodes}
    assert "jurisdiction EU" in nodes["cloud:scw"].detail
    assert nodes["ep:db"].personal_data == "stores"
    # a parent is listed before its children (Cytoscape adds them in that order)
    seen: set[str] = set()
    for node in graph.nodes:
        assert node.parent is None or node.parent in seen, node.id
        seen.add(node.id)


def test_links_one_edge_per_peering_pair_and_global_namespaces(graph: Graph) -> None:
    peerings = [e for e in graph.edges if e.kind == "peering"]
    assert [(e.source, e.target, e.label) for e in peerings] == [
        ("net:hub", "net:spoke", "hub-spoke / spoke-hub")
    ]
    assert [(e.source, e.target) for e in graph.edges if e.kind == "member"] == [
        ("gns:shop", "cluster:k")
    ]


def test_every_matrix_endpoint_is_a_node(tmp_path: Path) -> None:
    from crossfence import connectivity

    blueprint = load(write(tmp_path))
    topology = build_topology(blueprint)
    ids = {n.id for n in topology_graph(blueprint, topology).nodes}
    assert {f"ep:{name}" for name in connectivity(topology).endpoints} <= ids


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="needs Graphviz's dot (apt-get install graphviz)"
)
def test_dot_renders_with_graphviz(graph: Graph) -> None:
    text = to_dot(graph, HOSTILE)
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # the drawing shows each group and the name as written (SVG escapes it)
    assert "hub&#45;a" in done.stdout and "&lt;/script&gt;" in done.stdout
    assert "<script>" not in done.stdout


def test_dot_of_the_reference_example_renders(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot (apt-get install graphviz)")
    blueprint = load(ROOT / "examples" / "eu-sovereign")
    text = to_dot(topology_graph(blueprint, build_topology(blueprint)), blueprint.name)
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    for name in ("customer-db", "scw-vpc", "tunnel-0 (BGP bgp-0)", "jurisdiction EU"):
        assert name.replace("-", "&#45;") in done.stdout


def _mermaid_js() -> Path:
    """Mermaid's browser bundle: $MERMAID_JS, or what `make mermaid` caches."""
    given = os.environ.get("MERMAID_JS")
    if given:
        return Path(given)
    cached = sorted((ROOT / ".cache").glob("mermaid-*/package/dist/mermaid.min.js"))
    return cached[-1] if cached else ROOT / ".cache" / "mermaid" / "mermaid.min.js"


def _mermaid(chromium: Any, text: str) -> dict[str, Any]:
    bundle = _mermaid_js()
    if not bundle.exists():
        pytest.skip(f"Mermaid's bundle is not at {bundle} (make mermaid fetches it with npm)")
    page = chromium.new_page()
    try:
        page.set_content("<!DOCTYPE html><html><body></body></html>")
        page.add_script_tag(path=str(bundle))
        result: dict[str, Any] = page.evaluate(
            """async (text) => {
                mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
                try {
                    const parsed = await mermaid.parse(text);
                    const drawn = await mermaid.render('diagram', text);
                    return {ok: true, type: parsed.diagramType, svg: drawn.svg};
                } catch (error) {
                    return {ok: false, error: String(error && error.message || error)};
                }
            }""",
            text,
        )
        return result
    finally:
        page.close()


def test_mermaid_parses_and_renders_with_mermaids_own_parser(graph: Graph, chromium: Any) -> None:
    result = _mermaid(chromium, to_mermaid(graph))
    assert result["ok"], result.get("error")
    assert result["type"] == "flowchart-v2"
    assert "hub-a" in result["svg"] and "db" in result["svg"]
    assert "<script>" not in result["svg"]


def test_mermaids_parser_rejects_a_broken_diagram(chromium: Any) -> None:
    """The check above can fail: Mermaid refuses what it cannot read."""
    assert not _mermaid(chromium, 'flowchart LR\n  a["x" --> \n')["ok"]


def test_mermaid_of_the_reference_example_parses(chromium: Any) -> None:
    blueprint = load(ROOT / "examples" / "eu-sovereign")
    result = _mermaid(chromium, to_mermaid(topology_graph(blueprint, build_topology(blueprint))))
    assert result["ok"], result.get("error")


def test_control_characters_in_labels_are_escapes_in_dot_and_mermaid() -> None:
    """A label is user text (a pod's name from a manifests folder, a detail): ESC, CR and a
    right-to-left override are written as escapes, never raw into the drawing's source."""
    from crossfence.report.graph import Node

    label = "a\x1b[2Jb\rc\u202ed"
    graph = Graph(nodes=[Node(id="ep:x", label=label, kind="vm")])
    for source in (to_dot(graph, label), to_mermaid(graph)):
        assert not any(raw in source for raw in ("\x1b", "\r", "\u202e")), source
        assert "x1b[2Jb" in source and "u202ed" in source, source
