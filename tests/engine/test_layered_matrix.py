"""The matrix through every layer answers, service by service, what `reach` answers for the pair.

A cell is allowed, conditional (`allowed_if`: an IAP token, HTTP methods and paths) or absent;
every pair and probe port of the reference example and of every variant is asked both ways.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crossfence
from crossfence.cli import app
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.engine.layers import LayeredReach
from crossfence.engine.matrix import Matrix
from crossfence.ir.types import Topology

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
VARIANTS = sorted(p.name for p in (EXAMPLE / "variants").iterdir() if p.is_dir())
PORTS = [
    "tcp/8443",
    "tcp/5432",
    "tcp/8200",
    "tcp/15443",
    "tcp/443",
    "tcp/53",
    "udp/53",
    "tcp/22",
    "tcp/8080",
    "tcp/9252",
    "tcp/1",
    "icmp",
]


@cache
def estate(variant: str | None) -> tuple[Topology, Matrix]:
    topology = crossfence.build_topology(
        crossfence.load(EXAMPLE / "variants" / variant if variant else EXAMPLE)
    )
    return topology, layered_connectivity(topology)


def expected(topology: Topology, source: str, destination: str, port: str) -> str:
    answer = LayeredReach(topology).ask(source, destination, port)
    if not answer.allowed:
        return "denied"
    return "conditional" if answer.conditions else "allowed"


@pytest.mark.parametrize("variant", [None, *VARIANTS])
def test_every_cell_is_what_reach_answers(variant: str | None) -> None:
    topology, matrix = estate(variant)
    wrong = []
    for a in matrix.endpoints:
        for b in matrix.endpoints:
            if a == b:
                continue
            for port in PORTS:
                protocol, _, number = port.partition("/")
                got = matrix.verdict(a, b, protocol, int(number) if number else None)
                want = expected(topology, a, b, port)
                if got != want:
                    wrong.append(f"{a} → {b} {port}: matrix {got}, reach {want}")
    assert not wrong, "\n".join(wrong[:20])


def test_the_egress_policy_and_the_mesh_are_in_the_matrix() -> None:
    """frontend → vault tcp/8200 is denied by frontend's egress NetworkPolicy (as `reach` says);
    frontend → customer-api tcp/8443 is allowed only for GET or POST on /api/*."""
    _, matrix = estate(None)
    assert matrix.verdict("frontend", "vault", "tcp", 8200) == "denied"
    assert matrix.verdict("customer-api", "vault", "tcp", 8200) == "allowed"
    assert matrix.verdict("frontend", "customer-api", "tcp", 8443) == "conditional"
    [(services, conditions)] = matrix.conditional[("frontend", "customer-api")]
    assert services.format() == ["TCP/8443"]
    assert any("GET or POST on /api/*" in c for c in conditions)
    row = next(
        r
        for r in matrix.to_json()["connections"]
        if (r["from"], r["to"]) == ("frontend", "customer-api")
    )
    assert row["allowed_if"][0]["services"] == ["TCP/8443"]
    network = crossfence.connectivity(estate(None)[0], layers="network")
    assert network.verdict("frontend", "vault", "tcp", 8200) == "allowed"


def test_the_api_and_the_cli_give_the_same_verdict_for_every_pair() -> None:
    topology, matrix = estate(None)
    runner = CliRunner()
    blueprint = crossfence.load(EXAMPLE)
    for a in matrix.endpoints:
        for b in matrix.endpoints:
            if a == b:
                continue
            workload = blueprint.get("workloads", b)
            port = (
                f"{workload.ports[0].protocol}/{workload.ports[0].port}"
                if workload is not None and workload.ports
                else "tcp/443"
            )
            api = crossfence.reach(topology, a, b, port)
            result = runner.invoke(
                app,
                ["reach", str(EXAMPLE), "--from", a, "--to", b, "--port", port, "--format", "json"],
            )
            cli = json.loads(result.stdout)
            assert (cli["verdict"], cli["disposition"]) == (
                "allowed" if api.allowed else "denied",
                api.disposition,
            ), (a, b, port)
            assert cli["conditions"] == api.conditions, (a, b, port)


def test_generated_estates_with_clusters_any_seed() -> None:
    """Synthetic estates with two meshed clusters, NetworkPolicies and a global namespace: every
    sampled pair and port, matrix against reach."""
    import random
    import tempfile

    from hypothesis import given, settings
    from hypothesis import strategies as st
    from tests.scripts import load_script

    synth = load_script(Path(__file__).resolve().parents[2] / "benchmarks" / "estate_synth.py")

    @settings(max_examples=10, deadline=None)
    @given(seed=st.integers(0, 10_000), pods=st.integers(2, 24))
    def check(seed: int, pods: int) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            estate = synth.generate(24, 80, 2, seed, pods)
            folder = synth.write_estate(estate, Path(tmp) / "estate")
            topology = crossfence.build_topology(crossfence.load(folder))
            matrix = layered_connectivity(topology)
            rng = random.Random(seed)
            names = matrix.endpoints
            for _ in range(300):
                a, b = rng.sample(names, 2)
                port = rng.choice([*PORTS, "tcp/8080", "tcp/8081"])
                protocol, _, number = port.partition("/")
                got = matrix.verdict(a, b, protocol, int(number) if number else None)
                assert got == expected(topology, a, b, port), (seed, pods, a, b, port)

    check()
