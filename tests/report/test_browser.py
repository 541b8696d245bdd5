"""The HTML report in headless Chromium: the reference example's topology, a denied flow's trace, the suppressed finding, markup that stays text, and nothing fetched.

It also writes the README's screenshots from the page it checks: docs/report-topology.png,
report-matrix.png (the grid), report-trace.png (a cell's trace), report-path.png (that trace on
the topology).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

from .estates import HOSTILE, write

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
runner = CliRunner()


def _report(out: Path, *paths: str | Path) -> Path:
    result = runner.invoke(app, ["report", *(str(p) for p in paths), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference example's report, made from the project's folder (the paths the page
    shows are `examples/eu-sovereign/...`, as a user running it there sees them)."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    with contextlib.chdir(ROOT):
        return _report(out, "examples/eu-sovereign")


class Watched:
    """A page whose console errors and requests are recorded; any request but the report's own
    file is refused."""

    def __init__(self, browser: Any, path: Path, width: int = 1600, height: int = 1000) -> None:
        # twice the pixels: the screenshots stay readable when zoomed
        self.page = browser.new_page(
            viewport={"width": width, "height": height}, device_scale_factor=2
        )
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.url = path.resolve().as_uri()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)
        self.page.wait_for_function(
            "window.crossfenceReport && window.crossfenceReport.cy() "
            "&& window.crossfenceReport.cy().nodes().length > 0"
        )

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url == self.url:
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def drawn(self) -> dict[str, dict[str, Any]]:
        """Every node on the topology: whether it is visible, inside the drawing area, its
        classes."""
        result: dict[str, dict[str, Any]] = self.page.evaluate(
            """() => {
                const cy = window.crossfenceReport.cy(), w = cy.width(), h = cy.height(), out = {};
                cy.nodes().forEach(n => {
                    const b = n.renderedBoundingBox();
                    out[n.id()] = {visible: n.visible(), inside: b.x1 >= -1 && b.y1 >= -1
                        && b.x2 <= w + 1 && b.y2 <= h + 1, classes: n.classes()};
                });
                return out;
            }"""
        )
        return result


@pytest.fixture
def watched(chromium: Any) -> Iterator[Any]:
    pages: list[Watched] = []

    def open_page(path: Path, **size: int) -> Watched:
        pages.append(Watched(chromium, path, **size))
        return pages[-1]

    yield open_page
    for page in pages:
        page.page.close()


def test_the_reference_examples_report(example_report: Path, watched: Any) -> None:
    from crossfence import load

    blueprint = load(ROOT / "examples" / "eu-sovereign")
    view = watched(example_report)
    page = view.page

    # the topology: every network and every workload, visible and inside the drawing
    drawn = view.drawn()
    expected = [f"net:{n.name}" for n in blueprint.networks]
    expected += [f"ep:{w.name}" for w in blueprint.workloads]
    for node in expected:
        assert node in drawn and drawn[node]["visible"] and drawn[node]["inside"], node
    page.locator("#cy").screenshot(path=str(DOCS / "report-topology.png"))

    # frontend → customer-db: denied, and the VPC ACL rule that denies it, with its file:line
    page.click("#tabs [data-tab=matrix]")
    cell = page.locator('td[data-from="frontend"][data-to="customer-db"]')
    assert "denied" in (cell.get_attribute("class") or "")
    cell.click()
    trace = page.locator("#trace").inner_text()
    with contextlib.chdir(ROOT):
        reach = json.loads(
            runner.invoke(
                app,
                [
                    "reach",
                    "examples/eu-sovereign",
                    "--from",
                    "frontend",
                    "--to",
                    "customer-db",
                    "--port",
                    "tcp/5432",
                    "--format",
                    "json",
                ],
            ).stdout
        )
    acl = next(s for h in reach["hops"] for s in h["steps"] if s["action"] == "APPLY_ACL")
    source = acl["source"]
    assert "DENIED frontend → customer-db tcp/5432" in trace
    assert acl["detail"] in trace and "denied by rule 3" in acl["detail"]
    assert f"↳ {source['resource']}/{source['rule']} ({source['file']}:{source['line']})" in trace
    assert source["file"] == "examples/eu-sovereign/scaleway-network.yaml"
    page.locator("#grid table.grid").screenshot(path=str(DOCS / "report-matrix.png"))
    page.locator("#trace").screenshot(path=str(DOCS / "report-trace.png"))

    # ... and the path is highlighted on the topology
    page.click("#tabs [data-tab=topology]")
    highlighted = {n for n, d in view.drawn().items() if "hl" in d["classes"]}
    assert {
        "ep:frontend",
        "ep:customer-db",
        "net:spoke-prod",
        "net:hub",
        "net:scw-vpc",
    } <= highlighted
    page.locator("#topology .split").screenshot(path=str(DOCS / "report-path.png"))

    # the findings: the suppressed one, apart, with its reason
    page.click("#tabs [data-tab=findings]")
    check = blueprint_check()
    suppressed = check["suppressed"][0]
    panel = page.locator("#findings")
    text = panel.inner_text()
    assert "Suppressed" in text
    box = panel.locator(".finding.suppressed")
    assert box.count() == 1
    assert suppressed["check"] in box.inner_text()
    assert f"suppressed: {suppressed['suppressed']['reason']}" in " ".join(box.inner_text().split())

    assert view.errors == []
    assert view.requests == []


def blueprint_check() -> Any:
    with contextlib.chdir(ROOT):
        result = runner.invoke(app, ["check", "examples/eu-sovereign", "--format", "json"])
    return json.loads(result.stdout)


def test_markup_in_user_text_stays_text(tmp_path: Path, watched: Any) -> None:
    path = write(tmp_path / "estate", name=HOSTILE, description=HOSTILE)
    view = watched(_report(tmp_path / "report.html", path))
    assert view.page.evaluate("window.pwned") is None
    # the page's traces are reach's answers (unpacked from the island's string tables)
    reach = json.loads(
        runner.invoke(
            app,
            [
                "reach",
                str(path),
                "--from",
                "web",
                "--to",
                "db",
                "--port",
                "tcp/5432",
                "--format",
                "json",
            ],
        ).stdout
    )
    reach.pop("schema_version")
    assert view.page.evaluate("window.crossfenceReport.trace('web', 'db')") == [reach]
    assert view.page.locator("#title").inner_text() == f"crossfence report: {HOSTILE}"
    assert view.page.title() == f"crossfence report: {HOSTILE}"
    assert view.errors == [] and view.requests == []


def test_the_diff_is_drawn_on_the_topology(tmp_path: Path, watched: Any) -> None:
    example = ROOT / "examples" / "eu-sovereign"
    out = _report(tmp_path / "report.html", example, example / "variants" / "edge-open")
    view = watched(out)
    page = view.page
    assert page.locator("#tabs [data-tab=diff]").is_visible()
    edges = page.evaluate(
        "window.crossfenceReport.cy().edges('.diff.opened').map(e => [e.source().id(), e.target().id()])"
    )
    assert ["ep:internet", "ep:scw-edge"] in edges
    page.click("#tabs [data-tab=diff]")
    text = page.locator("#diff").inner_text()
    assert "zerotrust.iap-bypass" in text and "Findings that appear" in text
    assert view.errors == [] and view.requests == []


def test_it_prints_every_tab_and_the_topology_as_an_image(
    example_report: Path, watched: Any
) -> None:
    view = watched(example_report)
    page = view.page
    page.emulate_media(media="print")
    for panel in ("#topology", "#matrix", "#findings"):
        assert page.locator(panel).is_visible(), panel
    assert not page.locator("#cy").is_visible()
    image = page.locator("#cy-print")
    assert image.is_visible()
    assert (image.get_attribute("src") or "").startswith("data:image/png;base64,")
    assert page.pdf()[:5] == b"%PDF-"
    assert view.errors == [] and view.requests == []


def test_a_large_estate_opens_collapsed_and_counted(tmp_path: Path, watched: Any) -> None:
    """300 VMs: subnets start collapsed with their counts and open on a click; the grid is the
    matrix counted per network (its pairs are past the page's limit); no trace is embedded."""
    import subprocess
    import sys

    estate = tmp_path / "estate"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "estate_synth.py"),
            "--workloads",
            "300",
            "--out",
            str(estate),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    view = watched(_report(tmp_path / "report.html", estate))
    page = view.page
    drawn = view.drawn()
    collapsed = [n for n, d in drawn.items() if "collapsed" in d["classes"]]
    assert collapsed and all(n.startswith("sub:") for n in collapsed)
    hidden = page.evaluate(
        "window.crossfenceReport.data.topology.nodes.filter(n => n.parent && n.parent.startsWith('sub:')).length"
    )
    assert hidden > 150
    assert sum(1 for n in drawn if n.startswith("ep:")) < 20
    group = collapsed[0]
    label = page.evaluate(f"window.crossfenceReport.cy().getElementById({group!r}).data('label')")
    inside = page.evaluate(
        f"window.crossfenceReport.data.topology.nodes.filter(n => n.parent === {group!r}).length"
    )
    assert f"({inside} inside: click to expand)" in label
    page.evaluate(
        f"() => {{ window.crossfenceReport.cy().getElementById({group!r}).emit('tap'); }}"
    )
    children = page.evaluate(
        f"window.crossfenceReport.cy().getElementById({group!r}).children().length"
    )
    assert children == inside
    page.click("#tabs [data-tab=matrix]")
    assert "counted per network and cluster" in page.locator("#matrix-note").inner_text()
    rows = page.locator("#grid table.summary tr")
    assert rows.count() > 1
    assert "network hub" in page.locator("#grid").inner_text()
    assert view.errors == [] and view.requests == []


def test_a_manifests_folders_report(tmp_path: Path, watched: Any) -> None:
    """One cluster: its namespaces and pods drawn; a denied pair's trace names the
    NetworkPolicy that isolates the destination, with its file:line."""
    from .estates import write_manifests

    folder = write_manifests(tmp_path / "cluster")
    view = watched(_report(tmp_path / "report.html", folder))
    page = view.page
    drawn = view.drawn()
    for node in (
        "cluster:cluster",
        "ns:shop",
        "ns:data",
        "ep:shop/web",
        "ep:shop/api",
        "ep:data/db",
    ):
        assert node in drawn and drawn[node]["visible"] and drawn[node]["inside"], node
    page.click("#tabs [data-tab=matrix]")
    page.locator('td[data-from="shop/web"][data-to="data/db"]').click()
    trace = page.locator("#trace").inner_text()
    assert "DENIED shop/web → data/db tcp/5432" in trace and "DENIED_INGRESS_NETPOL" in trace
    assert "isolated for ingress by data/db-from-api" in trace
    assert f"({folder / 'cluster.yaml'}:19)" in trace
    assert view.errors == [] and view.requests == []


def _click_node(page: Any, node: str) -> None:
    """A real click on a node where the topology draws it."""
    box = page.locator("#cy").bounding_box()
    x, y = page.evaluate(
        f"(() => {{ const p = window.crossfenceReport.cy().getElementById({node!r})"
        ".renderedPosition(); return [p.x, p.y]; })()"
    )
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_a_terraform_estates_topology_names_its_resources(tmp_path: Path, watched: Any) -> None:
    """Clicking a box of a Terraform estate's topology shows the resource's address and the
    plan file it was read from, as a trace's hops show theirs."""
    out = tmp_path / "plan.html"
    with contextlib.chdir(ROOT):
        result = runner.invoke(
            app,
            [
                "report",
                "examples/eu-sovereign/terraform/plan.json",
                "--overlay",
                "examples/eu-sovereign/terraform/overlay.yaml",
                "-o",
                str(out),
            ],
        )
    assert result.exit_code == 0, result.output
    view = watched(out)
    page = view.page
    _click_node(page, "ep:vault")
    text = page.locator("#selected").inner_text()
    assert "Terraform: module.hub.google_compute_instance.vault" in text
    assert "↳ examples/eu-sovereign/terraform/plan.json:1:" in text
    _click_node(page, "ep:frontend")
    text = page.locator("#selected").inner_text()
    assert "Terraform:" not in text and "↳ examples/eu-sovereign/terraform/overlay.yaml:" in text
    page.evaluate("window.crossfenceReport.selectEdge('vpn:tunnel-0')")
    text = page.locator("#selected").inner_text()
    assert "Terraform: module.hub.google_compute_vpn_tunnel.this[0]" in text
    assert "Terraform: module.hub.google_compute_router_peer.this[0]" in text
    assert view.errors == [] and view.requests == []


def test_a_very_large_estate_opens_on_its_networks(tmp_path: Path, watched: Any) -> None:
    """Past 2,000 endpoints the networks start collapsed too (a dozen boxes with their counts,
    none overlapping another); a network opens onto its collapsed subnets, shown at a size they
    can be read at, and a subnet onto its workloads."""
    import subprocess
    import sys

    estate = tmp_path / "estate"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "estate_synth.py"),
            "--workloads",
            "2100",
            "--out",
            str(estate),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    view = watched(_report(tmp_path / "report.html", estate))
    page = view.page
    drawn = view.drawn()
    collapsed = sorted(n for n, d in drawn.items() if "collapsed" in d["classes"])
    assert collapsed and all(n.startswith("net:") for n in collapsed), collapsed
    assert all(drawn[n]["visible"] and drawn[n]["inside"] for n in collapsed)
    assert not any(n.startswith(("sub:", "ep:app")) for n in drawn)
    overlaps = page.evaluate(
        """() => {
            const groups = window.crossfenceReport.cy().nodes(':parent, .collapsed'), out = [];
            groups.forEach(a => groups.forEach(b => {
                if (a.id() >= b.id() || a.data('parent') !== b.data('parent')) return;
                const x = a.boundingBox({includeLabels: true}), y = b.boundingBox({includeLabels: true});
                if (x.x1 < y.x2 && y.x1 < x.x2 && x.y1 < y.y2 && y.y1 < x.y2) out.push([a.id(), b.id()]);
            }));
            return out;
        }"""
    )
    assert overlaps == []
    zoom = page.evaluate("window.crossfenceReport.cy().zoom()")
    page.evaluate(
        "() => { window.crossfenceReport.cy().getElementById('net:spoke1').emit('tap'); }"
    )
    drawn = view.drawn()
    subnets = [n for n in drawn if n.startswith("sub:spoke1/")]
    assert subnets and all("collapsed" in drawn[n]["classes"] for n in subnets)
    assert all(drawn[n]["inside"] for n in subnets)
    assert page.evaluate("window.crossfenceReport.cy().zoom()") > zoom
    page.evaluate(
        f"() => {{ window.crossfenceReport.cy().getElementById({subnets[0]!r}).emit('tap'); }}"
    )
    members = page.evaluate(
        f"window.crossfenceReport.cy().getElementById({subnets[0]!r}).children().length"
    )
    assert members > 0
    assert view.errors == [] and view.requests == []
