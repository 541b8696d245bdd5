"""The self-contained HTML report: one JSON island (topology, matrix, traces, findings, diff) read by inline page code and the vendored Cytoscape.js."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..checks import Report
from ..checks.diff import BlueprintDiff
from ..engine.matrix import Matrix
from ..engine.reach import Reach
from ..errors import CrossfenceError
from ..ir.types import Topology
from ..model import Blueprint
from ..providers.kubernetes import Cluster as KubeCluster
from ..providers.kubernetes import Connectivity
from ..version import __version__
from . import SCHEMA_VERSION
from .diff import diff_json
from .findings import report_document
from .graph import Graph, cluster_graph, topology_graph
from .network import endpoint_groups, group_summary

__all__ = [
    "FULL_MATRIX_PAIRS",
    "TRACED_ENDPOINTS",
    "TRACE_BUDGET",
    "VENDORED",
    "ManifestInput",
    "ReportInput",
    "island",
    "manifest_report_data",
    "render_html",
    "report_data",
]

FULL_MATRIX_PAIRS = 20_000
"""Up to this many listed pairs, the report holds the whole matrix (`matrix --format json`);
above, the page shows it counted per group (as `matrix` prints a large one in text)."""
TRACED_ENDPOINTS = 60
"""Up to this many endpoints, the report holds the trace of every pair (on the destination's
ports and the pair's allowed ones); above, the page says which `reach` to run."""
TRACE_BUDGET = 3_000_000
"""About how many characters of packed traces a report holds at most (a few MB of page)."""
_PORTS_PER_PAIR = 4
VENDORED = ("cytoscape.min.js", "layout-base.js", "cose-base.js", "cytoscape-fcose.js")
"""The vendored scripts (`report/vendor/`, see its README), inlined in this order."""


@dataclass
class ReportInput:
    """What one report shows: the estate, its matrix and findings, and a diff against an older
    blueprint when there is one."""

    blueprint: Blueprint
    topology: Topology
    matrix: Matrix
    findings: Report
    path: str
    diff: BlueprintDiff | None = None


def _ports(services: list[str], allowed: list[str]) -> list[str]:
    """The ports a pair is traced on (`reach` syntax): the destination's, then the pair's
    allowed ones, single ports only (a range or a whole protocol is no one question)."""
    ports: list[str] = []
    for service in [*services, *allowed]:
        protocol, _, port = service.partition("/")
        if protocol.lower() in ("tcp", "udp") and port.isdigit():
            text = f"{protocol.lower()}/{port}"
            if text not in ports:
                ports.append(text)
    return ports[:_PORTS_PER_PAIR]


class _Packer:
    """Traces with each string and each source written once: the hops of one estate's flows
    repeat the same routes and rules, so a table of them makes the island several times
    smaller. A packed step is `[action, detail, source]` (indexes; source -1 when none), a hop
    `[node, [step...]]`; the page unpacks them into `reach`'s shape."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.sources: list[dict[str, Any]] = []
        self._string: dict[str, int] = {}
        self._source: dict[str, int] = {}
        self.size = 0
        """About how many characters the packed traces take in the island."""

    def text(self, value: str) -> int:
        number = self._string.get(value)
        if number is None:
            number = self._string[value] = len(self.strings)
            self.strings.append(value)
            self.size += len(value) + 4
        return number

    def source(self, value: dict[str, Any] | None) -> int:
        if value is None:
            return -1
        key = json.dumps(value, sort_keys=True)
        number = self._source.get(key)
        if number is None:
            number = self._source[key] = len(self.sources)
            self.sources.append(value)
            self.size += len(key)
        return number

    def flow(self, flow: dict[str, Any]) -> dict[str, Any]:
        hops = [
            [
                self.text(hop["node"]),
                [
                    [self.text(s["action"]), self.text(s["detail"]), self.source(s["source"])]
                    for s in hop["steps"]
                ],
            ]
            for hop in flow["hops"]
        ]
        packed = {**flow, "hops": hops}
        self.size += len(json.dumps(packed, separators=(",", ":")))
        return packed


Ask = Callable[[str, str, str], Reach]
"""`reach`: (source, destination, port) -> its answer."""


def _traces(
    endpoints: list[str], ask: Ask, ports_of: Callable[[str, str], list[str]]
) -> dict[str, Any]:
    """The `reach` answer of every ordered pair of endpoints on its ports (`ports_of(source,
    destination)`), packed (`_Packer`): `{"strings", "sources", "pairs": [{"from", "to",
    "flows"}], "complete"}`; past `TRACE_BUDGET` characters the rest is left out (`complete`
    false) and the page names the `reach` to run."""
    packer = _Packer()
    pairs: list[dict[str, Any]] = []
    complete = True
    for source in endpoints:
        for destination in endpoints:
            if source == destination:
                continue
            if packer.size > TRACE_BUDGET:
                complete = False
                break
            flows = []
            for port in ports_of(source, destination):
                try:
                    flows.append(packer.flow(ask(source, destination, port).to_json()))
                except CrossfenceError as error:  # a question the engine refuses: the page says so
                    flows.append(
                        {"from": source, "to": destination, "port": port, "error": str(error)}
                    )
            if flows:
                pairs.append({"from": source, "to": destination, "flows": flows})
    return {
        "strings": packer.strings,
        "sources": packer.sources,
        "pairs": pairs,
        "complete": complete,
    }


def _island(
    title: str,
    path: str,
    graph: Graph,
    groups: dict[str, str],
    matrix: Matrix,
    document: dict[str, Any],
    traces: Callable[[], dict[str, Any]],
    findings: Report,
    diff: BlueprintDiff | None,
) -> dict[str, Any]:
    listed = matrix.listed_pairs()
    pairs = int(listed[0].size)
    return {
        "schema_version": SCHEMA_VERSION,
        "crossfence": __version__,
        "title": title,
        "path": path,
        "topology": graph.to_json(),
        "groups": groups,
        "endpoints": len(matrix.endpoints),
        "pairs": pairs,
        "matrix": document if pairs <= FULL_MATRIX_PAIRS else None,
        "matrix_summary": group_summary(matrix, groups, listed),
        "traces": traces() if len(matrix.endpoints) <= TRACED_ENDPOINTS else None,
        "check": report_document(findings),
        "diff": diff_json(diff) if diff is not None else None,
    }


def report_data(given: ReportInput) -> dict[str, Any]:
    """The island: `{"schema_version", "crossfence", "title", "path", "topology", "groups",
    "matrix" (the document of `matrix --format json`, or null when too large), "matrix_summary"
    (per group), "traces" (packed, or null past `TRACED_ENDPOINTS`), "check" (the document of
    `check --format json`), "diff" (the document of `diff --format json`, or null)}`."""
    from ..engine.layers import LayeredReach

    topology, matrix = given.topology, given.matrix

    def traces() -> dict[str, Any]:
        allowed = {(a, b): services for a, b, services, _ in matrix.rows()}

        def ports_of(source: str, destination: str) -> list[str]:
            listening = topology.endpoints.get(destination)
            services = listening.services.format() if listening is not None else []
            return _ports(services, allowed.get((source, destination), []))

        return _traces(matrix.endpoints, LayeredReach(topology).ask, ports_of)

    return _island(
        given.blueprint.name,
        given.path,
        topology_graph(given.blueprint, topology),
        endpoint_groups(topology),
        matrix,
        {"schema_version": SCHEMA_VERSION, **matrix.to_json()},
        traces,
        given.findings,
        given.diff,
    )


@dataclass
class ManifestInput:
    """What the report of a folder of Kubernetes/Istio manifests (one cluster) shows."""

    cluster: KubeCluster
    name: str
    """The folder's name, the cluster's in the page."""
    path: str
    connectivity: Connectivity
    findings: Report
    diff: BlueprintDiff | None = None


def manifest_report_data(given: ManifestInput) -> dict[str, Any]:
    """The island of a manifests folder: the same members, its matrix the document of `matrix
    DIR --format json` (the NetworkPolicy connectivity of its pods and address ranges), its
    traces `reach DIR`'s between pods on the destination's container ports."""
    import io

    from ..algebra.packets import ServiceSet
    from ..engine.manifest_reach import manifest_reach

    kube, cluster = given.connectivity, given.cluster
    written = io.StringIO()
    kube.write(written, {"schema_version": SCHEMA_VERSION})
    matrix = Matrix(
        list(kube.endpoints),
        {(a, b): ServiceSet.from_strings(allowed) for a, b, allowed in kube.connections()},
        layers="kubernetes",
    )
    pods = {pod.key: pod for pod in cluster.pods}
    groups = {
        e: (f"namespace {pods[e].namespace}" if e in pods else "addresses") for e in kube.endpoints
    }

    def traces() -> dict[str, Any]:
        def ports_of(source: str, destination: str) -> list[str]:
            if source not in pods or destination not in pods:
                return []
            declared = [f"{p.protocol}/{p.port}" for p in pods[destination].ports]
            return _ports(declared, [])

        def ask(source: str, destination: str, port: str) -> Reach:
            return manifest_reach(cluster, source, destination, port)

        return _traces([e for e in kube.endpoints if e in pods], ask, ports_of)

    return _island(
        given.name,
        given.path,
        cluster_graph(cluster, given.name, list(kube.endpoints)),
        groups,
        matrix,
        json.loads(written.getvalue()),
        traces,
        given.findings,
        given.diff,
    )


def island(data: dict[str, Any]) -> str:
    """The data as JSON that is inert inside `<script type="application/json">`: `<`, `>` and
    `&` as `\\u` escapes, so no name can close the element or open a comment, and the line
    separators JavaScript once read as line ends escaped too."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(character, escaped)
    return text


def _asset(name: str) -> str:
    return resources.files("crossfence.report").joinpath(name).read_text(encoding="utf-8")


# the page may load nothing from anywhere: scripts and styles are inline, images data: URLs
_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'"
)


def render_html(data: dict[str, Any]) -> str:
    """The whole page: styles, the island, the vendored Cytoscape.js and its fCoSE layout, the
    page code."""
    from html import escape

    scripts = []
    for name in VENDORED:
        library = _asset(f"vendor/{name}")
        # an inline script ends at the first `</script`; the vendored files have none (checked
        # here, so a new version that had one could not silently break the page)
        if "</script" in library.lower():
            raise ValueError(f"vendor/{name} contains '</script'")
        scripts.append(f"<script>\n{library}\n</script>\n")
    title = escape(f"crossfence report: {data['title']}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f"<style>\n{_asset('assets/report.css')}</style>\n"
        "</head>\n<body>\n"
        f"{_asset('assets/report.html')}"
        f'<script type="application/json" id="crossfence-data">{island(data)}</script>\n'
        + "".join(scripts)
        + "<script>cytoscape.use(cytoscapeFcose);</script>\n"
        f"<script>\n{_asset('assets/report.js')}</script>\n"
        "</body>\n</html>\n"
    )
