"""crossfence vs network-config-analyzer on the same synthetic clusters: times, ratio, agreement.

Usage: `python benchmarks/k8s_vs_nca.py [--sizes 100:20,1000:200] [--all] [--nca PATH]`

Both tools run as whole processes on the same folder: crossfence is the user's command,
`crossfence matrix DIR --format json` (load, full connectivity JSON to a file; median of three
runs after a warm-up); NCA is timed twice: `nca --connectivity DIR --resource_list DIR --output_format json` (its JSON
connectivity report, the figure the issue quotes; first ratio) and `--output_format
txt_no_fw_rules` (pairwise lines without firewall-rule minimisation; second ratio), whose output
gives the agreement: every pod-to-pod pair's allowed services compared. NCA is skipped above
1,000 pods unless `--all` (it takes more than 15 minutes at 4,000 pods). Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from k8s_synth import write_cluster
from nca_oracle import parse_connectivity, pod_pairs

__all__ = ["main"]

DEFAULT_SIZES = "100:20,500:100,1000:200,2000:400,4000:800,5000:1000,5000:2000"
NCA_LIMIT = 1000
# the console script installed beside this interpreter (make bench uses the project's venv)
CROSSFENCE = str(Path(sys.executable).with_name("crossfence"))


# Both tools run as a user runs them: with Python's bytecode cache (some sandboxes set
# PYTHONDONTWRITEBYTECODE, which makes every run recompile the sources it imports).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(command: list[str], output: Path) -> float:
    start = time.perf_counter()
    with output.open("w") as stream:
        subprocess.run(command, stdout=stream, stderr=subprocess.DEVNULL, check=True, env=_ENV)
    return time.perf_counter() - start


def run(pods: int, policies: int, nca: str | None, folder: Path) -> dict[str, object]:
    manifests = write_cluster(folder / "manifests", pods, policies)
    ours_file = folder / "crossfence.json"
    # crossfence takes well under a second: the median of three runs steadies the ratio
    command = [CROSSFENCE, "matrix", str(manifests), "--format", "json"]
    _time(command, ours_file)  # warm-up: the bytecode cache, the page cache
    ours_time = statistics.median(_time(command, ours_file) for _ in range(3))
    ours = pod_pairs(json.loads(ours_file.read_text()))
    row: dict[str, object] = {
        "pods": pods,
        "policies": policies,
        "crossfence_s": ours_time,
        "pairs": len(ours),
    }
    if nca is None:
        return row
    command = [nca, "--connectivity", str(manifests), "--resource_list", str(manifests)]
    row["nca_s"] = _time([*command, "--output_format", "json"], folder / "nca.json")
    nca_file = folder / "nca.txt"
    row["nca_pairs_s"] = _time([*command, "--output_format", "txt_no_fw_rules"], nca_file)
    theirs = {pair: s for pair, s in parse_connectivity(nca_file.read_text()).items() if s}
    differing = [p for p in set(ours) | set(theirs) if ours.get(p) != theirs.get(p)]
    row["agree"] = not differing
    row["differences"] = len(differing)
    return row


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="pods:policies,...")
    parser.add_argument("--all", action="store_true", help=f"run NCA above {NCA_LIMIT} pods too")
    parser.add_argument(
        "--nca", default=os.environ.get("NCA"), help="path of NCA's CLI (default: $NCA)"
    )
    args = parser.parse_args(argv)
    print(
        f"{'pods':>6} {'policies':>8} {'crossfence s':>12} {'NCA json s':>10} {'ratio':>7} "
        f"{'NCA pairs s':>11} {'ratio':>7}  {'pod pairs':>9}  agreement"
    )
    for size in args.sizes.split(","):
        pods, policies = (int(n) for n in size.split(":"))
        nca = args.nca if args.nca and (pods <= NCA_LIMIT or args.all) else None
        with tempfile.TemporaryDirectory() as folder:
            row = run(pods, policies, nca, Path(folder))
        ours = float(row["crossfence_s"])  # type: ignore[arg-type]
        if "nca_s" in row:
            theirs = float(row["nca_s"])  # type: ignore[arg-type]
            pairs = float(row["nca_pairs_s"])  # type: ignore[arg-type]
            agreement = "same connections" if row["agree"] else f"{row['differences']} pairs differ"
            print(
                f"{pods:>6} {policies:>8} {ours:>12.2f} {theirs:>10.2f} {theirs / ours:>6.1f}x "
                f"{pairs:>11.2f} {pairs / ours:>6.1f}x  {row['pairs']:>9}  {agreement}"
            )
        else:
            reason = (
                "NCA not set" if not args.nca else f"NCA skipped (> {NCA_LIMIT} pods, use --all)"
            )
            dash = "-"
            print(
                f"{pods:>6} {policies:>8} {ours:>12.2f} {dash:>10} {dash:>7} {dash:>11} {dash:>7}  "
                f"{row['pairs']:>9}  {reason}"
            )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
