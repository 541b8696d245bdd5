"""Start-up of the command line: the same commands timed with two source trees, alternating, in fresh processes."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["COMMANDS", "main"]

# Usage (from the repository's root):
#     git worktree add /tmp/before <commit> && python benchmarks/startup.py /tmp/before/src src
#
# Each command runs `--runs` times per tree, the trees alternating so that whatever else the
# machine does weighs on both alike; the median and the minimum are printed, never asserted.
# Bytecode is compiled first and `PYTHONDONTWRITEBYTECODE` dropped, as an installed package runs:
# otherwise the figures would time compiling the sources.

COMMANDS = (
    ("--version",),
    ("validate", "examples/eu-sovereign"),
    ("validate", "-q", "examples/eu-sovereign"),
    ("check", "examples/eu-sovereign"),
    ("matrix", "examples/eu-sovereign/manifests/gke-prod", "-f", "json"),
)


def _time(source: Path, command: tuple[str, ...]) -> float:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = str(source)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crossfence", *command],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sources", nargs="+", type=Path, help="src folders to compare")
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    for source in arguments.sources:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(source)], check=True)
    for command in COMMANDS:
        times: dict[Path, list[float]] = {source: [] for source in arguments.sources}
        for _ in range(arguments.runs):
            for source in arguments.sources:
                times[source].append(_time(source, command))
        figures = "   ".join(
            f"{source}: {statistics.median(t):.0f} / {min(t):.0f} ms" for source, t in times.items()
        )
        print(f"crossfence {' '.join(command):60} {figures}  (median / min)")


if __name__ == "__main__":
    main()
