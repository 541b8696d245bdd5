"""Round trip: the compiled Kubernetes and Istio manifests, read back beside each cluster's own, answer the blueprint's layered matrix, cell by cell.

`read_back` takes from the blueprint what the compiled folders state (declared namespaces, mTLS
modes, global policies and default actions), so a compiled object that is missing or wrong
changes the matrix. Cases: the reference example, every variant, generated estates with pods
(`benchmarks/estate_synth.py`), and generated global namespaces (Hypothesis).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossfence import build_topology, load
from crossfence.compile import compile_blueprint, write_compiled
from crossfence.compile.roundtrip import read_back
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint

from ..scripts import load_script
from .estates import BASE, write

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
VARIANTS = sorted(p for p in (EXAMPLE / "variants").iterdir() if p.is_dir())
MESH = ("kubernetes", "istio")


def _rows(blueprint: Blueprint) -> list[object]:
    return list(layered_connectivity(build_topology(blueprint)).rows())


def _round_trip(blueprint: Blueprint, out: Path) -> tuple[list[object], list[object]]:
    write_compiled(compile_blueprint(blueprint, MESH), out, blueprint)
    return _rows(blueprint), _rows(read_back(blueprint, out))


def test_the_example(tmp_path: Path) -> None:
    before, after = _round_trip(load(EXAMPLE), tmp_path / "out")
    assert before == after
    assert any(cell[3] for cell in before)  # the mesh's conditions (methods, paths) are there


def test_read_back_without_the_compiled_folders_differs(tmp_path: Path) -> None:
    """The test can fail: without the compiled manifests the global policies are gone."""
    blueprint = load(EXAMPLE)
    (tmp_path / "empty").mkdir()
    assert _rows(blueprint) != _rows(read_back(blueprint, tmp_path / "empty"))


@pytest.mark.parametrize("variant", VARIANTS, ids=[p.name for p in VARIANTS])
def test_every_variant(variant: Path, tmp_path: Path) -> None:
    before, after = _round_trip(load(variant), tmp_path / "out")
    assert before == after


@pytest.mark.parametrize(("seed", "pods"), [(1, 30), (2, 60)])
def test_generated_estates_with_pods(tmp_path: Path, seed: int, pods: int) -> None:
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    folder = synth.write_estate(synth.generate(60, 200, 2, seed, pods=pods), tmp_path / "estate")
    blueprint = load(folder)
    assert blueprint.global_namespaces[0].policies
    before, after = _round_trip(blueprint, tmp_path / "out")
    assert before == after


@settings(max_examples=3)
@given(st.integers(0, 2**16), st.integers(20, 80), st.integers(10, 60))
def test_generated_estates_any_seed(seed: int, workloads: int, pods: int) -> None:
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    with tempfile.TemporaryDirectory() as tmp:
        estate = synth.generate(workloads, workloads * 3, 2, seed, pods=pods)
        blueprint = load(synth.write_estate(estate, Path(tmp) / "estate"))
        before, after = _round_trip(blueprint, Path(tmp) / "out")
    assert before == after


MODES = st.sampled_from(["STRICT", "PERMISSIVE", "DISABLE"])
POLICY = st.fixed_dictionaries(
    {
        "action": st.sampled_from(["allow", "deny"]),
        "sources": st.sampled_from([[], ["web"], ["api"], ["web", "api"]]),
        "destination": st.sampled_from(["web", "api"]),
        "ports": st.sampled_from([[], ["tcp/8080"], ["tcp/8443"], ["tcp/8000-8443"], ["all"]]),
        "methods": st.sampled_from([[], ["GET"], ["GET", "POST"]]),
        "paths": st.sampled_from([[], ["/api/*"], ["/healthz"]]),
    }
)


def _estate(east: str, west: str, gns: str, default: str, policies: list[dict[str, object]]) -> str:
    text = BASE.replace("mtls_mode: STRICT\n      east_west", f"mtls_mode: {east}\n      east_west")
    text = text.replace(
        "mtls_mode: PERMISSIVE\n      east_west", f"mtls_mode: {west}\n      east_west"
    )
    head, _ = text.split("    policies:\n")
    lines = [f"    mtls_mode: {gns}\n    default_action: {default}\n    policies:\n"]
    for index, policy in enumerate(policies):
        fields = ", ".join(f"{key}: {value}" for key, value in policy.items())
        lines.append(f"      - {{name: p{index}, {fields}}}\n")
    return head + "".join(lines) if policies else head + lines[0].replace("    policies:\n", "")


@settings(max_examples=12)
@given(MODES, MODES, MODES, st.sampled_from(["allow", "deny"]), st.lists(POLICY, max_size=3))
def test_generated_global_namespaces(
    east: str, west: str, gns: str, default: str, policies: list[dict[str, object]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        blueprint = load(write(Path(tmp) / "estate", _estate(east, west, gns, default, policies)))
        before, after = _round_trip(blueprint, Path(tmp) / "out")
    assert before == after
