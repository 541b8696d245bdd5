"""Benchmarks: the network engine on synthetic estates (default), or crossfence vs NCA on Kubernetes (--k8s)."""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Usage:
#     python benchmarks/run.py                      # network engine, the scaling curve up to 10k/50k
#     python benchmarks/run.py --sizes 1000:5000    # workloads:rules, comma-separated
#     python benchmarks/run.py --k8s [ARGS...]      # benchmarks/k8s_vs_nca.py with its own arguments
#     python benchmarks/run.py --all                # both
#
# Each size is generated (`estate_synth.py`, seeded) into a temporary folder and measured in a fresh
# process, so peak memory (`ru_maxrss`) belongs to that size alone: `load` (YAML + pydantic model +
# validation), `build` (IR and control plane), `matrix` (`crossfence.connectivity`, the full matrix
# as packed arrays), `json` (expanding it to `Matrix.to_json()`'s list of pairs), and one `reach`
# with its trace (median and worst of many random pairs, after load). `reference` is the per-pair
# matrix (`reference_connectivity`) extrapolated from a timed sample of pairs. Figures are printed,
# never asserted.

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

__all__ = ["main"]

DEFAULT_SIZES = "1000:5000,2500:12500,5000:25000,10000:50000"
REACH_SAMPLES = 200
REFERENCE_SAMPLES = 300


def _peak_mib() -> float:
    # Linux reports ru_maxrss in KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(folder: Path, seed: int) -> dict[str, float | int]:
    """One size, in this process: every phase timed, peak memory after each."""
    from crossfence import build_topology, load, reach
    from crossfence.algebra.packets import ServiceSet
    from crossfence.engine.matrix import connectivity, pair_services

    row: dict[str, float | int] = {}
    start = time.perf_counter()
    blueprint = load(folder)
    row["load_s"] = time.perf_counter() - start
    row["load_mib"] = _peak_mib()
    start = time.perf_counter()
    topology = build_topology(blueprint)
    row["build_s"] = time.perf_counter() - start
    row["build_mib"] = _peak_mib()
    start = time.perf_counter()
    matrix = connectivity(topology)
    row["matrix_s"] = time.perf_counter() - start
    row["matrix_mib"] = _peak_mib()
    row["endpoints"] = len(matrix.endpoints)
    row["pairs"] = len(matrix)
    start = time.perf_counter()
    document = matrix.to_json()
    row["json_s"] = time.perf_counter() - start
    row["json_mib"] = _peak_mib()
    # flows the matrix allows: their reach walks the whole path and the way back
    rng = random.Random(seed)
    allowed = []
    rows = document["connections"]
    for row_ in rng.sample(rows, min(REACH_SAMPLES, len(rows))):
        protocol, port = ServiceSet.from_strings(row_["allowed"]).sample()
        allowed.append(
            (row_["from"], row_["to"], protocol if port is None else f"{protocol}/{port}")
        )
    del document, matrix

    names = sorted(n for n in topology.endpoints if n != "internet")
    ports = ["tcp/443", "tcp/8080", "tcp/5432", "tcp/22", "udp/53"]
    times = []
    for _ in range(REACH_SAMPLES):
        a, b = rng.sample(names, 2)
        start = time.perf_counter()
        reach(topology, a, b, rng.choice(ports))
        times.append(time.perf_counter() - start)
    row["reach_ms"] = statistics.median(times) * 1000
    row["reach_max_ms"] = max(times) * 1000
    times = []
    disagree = 0
    for a, b, port_text in allowed:
        start = time.perf_counter()
        answer = reach(topology, a, b, port_text)
        times.append(time.perf_counter() - start)
        disagree += not answer.allowed
    row["reach_disagree"] = disagree
    row["allowed_ms"] = statistics.median(times) * 1000
    row["allowed_max_ms"] = max(times) * 1000

    everything = sorted(topology.endpoints)
    start = time.perf_counter()
    for _ in range(REFERENCE_SAMPLES):
        a, b = rng.sample(everything, 2)
        pair_services(topology, topology.endpoints[a], topology.endpoints[b])
    per_pair = (time.perf_counter() - start) / REFERENCE_SAMPLES
    row["reference_s"] = per_pair * len(everything) * (len(everything) - 1)
    row["peak_mib"] = _peak_mib()
    return row


def run_size(workloads: int, rules: int, spokes: int, seed: int) -> dict[str, float | int]:
    """Generate one estate and measure it in a fresh interpreter."""
    from estate_synth import generate, write_estate

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_estate(generate(workloads, rules, spokes, seed), Path(tmp) / "estate")
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(folder), "--seed", str(seed)],
            check=True,
            capture_output=True,
            text=True,
        )
    row: dict[str, float | int] = json.loads(done.stdout.strip().splitlines()[-1])
    row["workloads"], row["rules"] = workloads, rules
    return row


HEADER = (
    f"{'workloads':>9} {'rules':>6} {'load s':>7} {'build s':>7} {'matrix s':>8} "
    f"{'pairs':>9} {'json s':>7} {'reach ms':>8} {'(max)':>7} {'allowed ms':>10} {'(max)':>7} "
    f"{'peak MiB':>8} "
    f"{'matrix MiB':>10} {'reference s':>11}"
)


def format_row(row: dict[str, float | int]) -> str:
    grew = row["matrix_mib"] - row["build_mib"]
    return (
        f"{row['workloads']:>9} {row['rules']:>6} {row['load_s']:>7.1f} {row['build_s']:>7.2f} "
        f"{row['matrix_s']:>8.2f} {row['pairs']:>9} {row['json_s']:>7.1f} "
        f"{row['reach_ms']:>8.2f} {row['reach_max_ms']:>7.1f} {row['allowed_ms']:>10.2f} "
        f"{row['allowed_max_ms']:>7.1f} {row['peak_mib']:>8.0f} "
        f"{grew:>+10.0f} {row['reference_s']:>11.0f}"
    )


def network(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="network engine on synthetic estates")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="workloads:rules,...")
    parser.add_argument("--spokes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON line per size as well")
    args = parser.parse_args(argv)
    print(HEADER)
    for size in args.sizes.split(","):
        workloads, rules = (int(n) for n in size.split(":"))
        row = run_size(workloads, rules, args.spokes, args.seed)
        print(format_row(row))
        if args.json:
            print(json.dumps(row))
        sys.stdout.flush()
    print(
        "reach ms: random pairs (most denied early); allowed ms: pairs the matrix allows "
        "(whole path and return path)"
    )
    print(
        "matrix MiB: peak memory growth during the matrix; peak MiB: the whole process "
        "(load, build, matrix, json, reach); reference s: the per-pair matrix, extrapolated"
    )
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        parser = argparse.ArgumentParser()
        parser.add_argument("--measure", type=Path, required=True)
        parser.add_argument("--seed", type=int, default=1)
        args = parser.parse_args(argv)
        print(json.dumps(measure(args.measure, args.seed)))
        return 0
    if argv[:1] == ["--k8s"]:
        from k8s_vs_nca import main as k8s

        return k8s(argv[1:])
    if argv[:1] == ["--all"]:
        status = network(argv[1:])
        from k8s_vs_nca import main as k8s

        return status or k8s([])
    return network(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
