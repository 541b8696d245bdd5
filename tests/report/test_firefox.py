"""The HTML report in Firefox: Debian's Firefox ESR, headless, driven over Marionette with a profile that cannot reach any network; the reference example's topology, a denied flow's trace, the suppressed finding, no error and no request."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

from .marionette import Firefox, available

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

# Every node of the topology: visible and inside the drawing area; and how many pixels of the
# drawing's canvases are not blank (Cytoscape.js draws on canvases, so the DOM alone cannot say
# the topology was drawn)
_DRAWN = """
const cy = window.crossfenceReport.cy(), w = cy.width(), h = cy.height(), nodes = {};
cy.nodes().forEach(n => {
  const b = n.renderedBoundingBox();
  nodes[n.id()] = n.visible() && b.x1 >= -1 && b.y1 >= -1 && b.x2 <= w + 1 && b.y2 <= h + 1;
});
let inked = 0;
for (const canvas of document.querySelectorAll('#cy canvas')) {
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && pixels[i] < 200) inked++;
}
return {nodes: nodes, inked: inked};
"""


@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firefox]:
    """Firefox ESR from Debian (make test installs it as root); skipped with the reason without."""
    reason = available()
    if reason:
        pytest.skip(reason)
    browser = Firefox(tmp_path_factory.mktemp("firefox-profile"))
    yield browser
    browser.close()


def _open(firefox: Firefox, page: Path) -> str:
    url = page.resolve().as_uri()
    firefox.navigate(url)
    firefox.command("WebDriver:SetTimeouts", {"script": 60_000})
    firefox.command(
        "WebDriver:ExecuteAsyncScript",
        {
            "script": "const done = arguments[0]; (function wait() {"
            " const r = window.crossfenceReport;"
            " if (r && r.cy() && r.cy().nodes().length) done(true); else setTimeout(wait, 50); })();",
            "args": [],
        },
    )
    return url


def test_the_reference_examples_report_in_firefox(tmp_path: Path, firefox: Firefox) -> None:
    from crossfence import load

    out = tmp_path / "report.html"
    with contextlib.chdir(ROOT):
        result = runner.invoke(app, ["report", "examples/eu-sovereign", "-o", str(out)])
    assert result.exit_code == 0, result.output
    url = _open(firefox, out)

    # the topology: every network and workload drawn, visible and inside the drawing, and ink on
    # the canvas
    blueprint = load(ROOT / "examples" / "eu-sovereign")
    drawn = firefox.run(_DRAWN)
    expected = [f"net:{n.name}" for n in blueprint.networks]
    expected += [f"ep:{w.name}" for w in blueprint.workloads]
    for node in expected:
        assert drawn["nodes"].get(node) is True, node
    assert drawn["inked"] > 5_000, drawn["inked"]
    firefox.screenshot(tmp_path / "topology.png")

    # frontend → customer-db, clicked: denied, by the VPC ACL rule, with its file:line
    firefox.click("#tabs [data-tab=matrix]")
    cell = 'td[data-from="frontend"][data-to="customer-db"]'
    assert "denied" in firefox.run(f"return document.querySelector('{cell}').className")
    firefox.click(cell)
    trace = firefox.text("#trace")
    assert "DENIED frontend → customer-db tcp/5432" in trace
    assert "scaleway-network.yaml:" in trace and "denied by rule 3" in trace
    assert "↳ scw-vpc/acl/rule 3 (examples/eu-sovereign/scaleway-network.yaml:" in trace

    # ... highlighted on the topology
    firefox.click("#tabs [data-tab=topology]")
    highlighted = firefox.run("return window.crossfenceReport.cy().nodes('.hl').map(n => n.id())")
    assert {"ep:frontend", "ep:customer-db", "net:hub", "net:scw-vpc"} <= set(highlighted)

    # the findings: the suppressed one apart, with its reason
    firefox.click("#tabs [data-tab=findings]")
    text = firefox.text("#findings")
    assert "Suppressed" in text
    assert firefox.run("return document.querySelectorAll('.finding.suppressed').length") == 1
    assert "suppressed: " in firefox.text(".finding.suppressed")

    assert firefox.errors(url) == []
    assert firefox.requests() == []
    # nor anything the page fetched without HTTP (files, data): the page's resource entries
    assert firefox.run("return performance.getEntriesByType('resource').map(e => e.name)") == []


def test_the_profile_is_offline_and_its_requests_are_seen(tmp_path: Path, firefox: Firefox) -> None:
    """The two checks above can fail: a page that does load an image from the network has its
    request recorded, the request fails (the profile has no network), and an error of its
    script is reported."""
    page = tmp_path / "online.html"
    page.write_text(
        '<!DOCTYPE html><img id="i" src="http://example.com/crossfence.png">'
        "<script>window.addEventListener('load', () => { missing(); });</script>",
        encoding="utf-8",
    )
    url = page.resolve().as_uri()
    firefox.navigate(url)
    assert "http://example.com/crossfence.png" in firefox.requests()
    assert firefox.run("return document.getElementById('i').naturalWidth") == 0
    errors = firefox.errors(url)
    assert any("missing is not defined" in e for e in errors), errors
