"""The HTML report on synthetic estates: the time to write it, its size, and the time headless Chromium takes to open it and to expand a group."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

# Usage (from the repository's root, Debian's chromium and Playwright installed):
#     python benchmarks/report_open.py --workloads 1000 10000 --runs 3
#
# For each size: `estate_synth.py` writes the estate, `crossfence report` the page (timed in a
# fresh process), then the page is opened `--runs` times in a fresh headless Chromium page; "open"
# is from navigation to the topology laid out (groups collapsed), the grid and the findings drawn.
# "expand one" is a tap on the largest collapsed subnet until it is laid out again, "expand all"
# the button that opens every group (disabled past 2,000 endpoints); both timed in the page.
# Figures are printed, never asserted.

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _write(workloads: int, folder: Path) -> tuple[Path, float, int]:
    estate = folder / f"estate-{workloads}"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "estate_synth.py"),
            "--workloads",
            str(workloads),
            "--out",
            str(estate),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    page = folder / f"report-{workloads}.html"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crossfence", "report", str(estate), "-o", str(page)],
        check=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    return page, time.perf_counter() - start, page.stat().st_size


def _open(browser: object, page_path: Path) -> tuple[float, float, int, float]:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(page_path.as_uri())
    page.wait_for_function("window.crossfenceReport && window.crossfenceReport.cy()")
    opened = time.perf_counter() - start
    drawn = page.evaluate("window.crossfenceReport.cy().nodes().length")
    largest = page.evaluate(
        """() => {
            const cy = window.crossfenceReport.cy();
            const groups = cy.nodes('.collapsed').sort((a, b) => b.data('label').length - a.data('label').length);
            return groups.length ? groups[0].id() : null;
        }"""
    )
    expand = float("nan")
    if largest is not None:
        # timed in the page (returning the collection would time Playwright serialising it)
        expand = page.evaluate(
            """(id) => {
                const start = performance.now();
                window.crossfenceReport.cy().getElementById(id).emit('tap');
                return (performance.now() - start) / 1000;
            }""",
            largest,
        )
    expand_all = page.evaluate(
        """() => {
            const button = document.getElementById('expand-all');
            if (button.disabled) return NaN;
            const start = performance.now();
            button.click();
            return (performance.now() - start) / 1000;
        }"""
    )
    page.close()
    if errors:
        raise SystemExit(f"{page_path}: page errors: {errors}")
    return opened, expand, drawn, expand_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workloads", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        print(
            "workloads | write (s) | size (MB) | nodes drawn | open (s) median/min "
            "| expand one (s) median | expand all (s) median"
        )
        for workloads in args.workloads:
            page, written, size = _write(workloads, Path(folder))
            runs = [_open(browser, page) for _ in range(args.runs)]
            opens = [r[0] for r in runs]
            expands = [r[1] for r in runs]
            print(
                f"{workloads} | {written:.1f} | {size / 1e6:.2f} | {runs[0][2]} | "
                f"{statistics.median(opens):.2f} / {min(opens):.2f} | {statistics.median(expands):.2f}"
                f" | {statistics.median(r[3] for r in runs):.2f}"
            )
        browser.close()


if __name__ == "__main__":
    main()
