"""Fuzzing the loaders: the reference example's files, mutated, only ever give crossfence's input errors, never a traceback, a hang or a crash.

Each file of the example (blueprint files and manifests) is mutated (bytes flipped, truncated,
lines swapped or repeated, values nested deep, aliases, tags and control characters inserted)
and loaded in-process by `crossfence.load` or `load_manifests`: only `InputError`s
(`BlueprintError`, `ManifestError`) may escape, within a deadline. A sample goes through the CLI
in a process bounded in memory and time: its exit code must be 0, 1, 2 or 3, and its stderr
carry no traceback. Marked `fuzz` (`pytest -m "not fuzz"` leaves it out); about 20 s.
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossfence import load
from crossfence.errors import InputError
from crossfence.providers.kubernetes import load_manifests

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
BLUEPRINT_FILES = sorted(EXAMPLE.glob("*.yaml"))
MANIFEST_FILES = sorted((EXAMPLE / "manifests").rglob("*.yaml"))

BOMB = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n".encode()
    for p, n in zip("abcdefg", "bcdefgh", strict=True)
)
TAGS = [b"!!str ", b"!!int ", b"!!bool ", b"!!float ", b"!!null ", b"!!seq ", b"!!map "]
TAGS += [b"!!python/object/apply:os.system ", b"!!binary ", b"!x ", b"! ", b"!!set "]
CONTROL = [bytes([c]) for c in (0, 7, 8, 11, 12, 27, 127)] + ["\x85".encode(), b"\xff", b"\xc3"]


def _at(data: bytes, fraction: float) -> int:
    return min(int(fraction * len(data)), len(data))


def _mutate(data: bytes, mutation: tuple[str, float, int]) -> bytes:
    """One mutation of `data`, at the place `fraction` of the way through it."""
    kind, fraction, number = mutation
    at = _at(data, fraction)
    lines = data.split(b"\n")
    line = min(int(fraction * len(lines)), len(lines) - 1)
    if kind == "flip":
        return data[:at] + bytes([number % 256]) + data[at + 1 :]
    if kind == "truncate":
        return data[:at]
    if kind == "swap":
        other = number % len(lines)
        lines[line], lines[other] = lines[other], lines[line]
        return b"\n".join(lines)
    if kind == "repeat":
        lines.insert(line, lines[line])
        return b"\n".join(lines)
    if kind == "swap-key-value":
        key, sep, value = lines[line].partition(b": ")
        if sep:
            indent = key[: len(key) - len(key.lstrip())]
            lines[line] = indent + value.strip() + b": " + key.strip()
        return b"\n".join(lines)
    if kind == "nest":
        depth = number % 400 + 1
        if number % 2:
            nested = b"[" * depth + b"]" * depth
        else:
            nested = b"\n" + b"".join(b"  " * (i + 1) + b"- \n" for i in range(depth))
        return data[:at] + nested + data[at:]
    if kind == "alias":
        snippet = BOMB if number % 3 == 0 else b"&n x" if number % 3 == 1 else b"*n"
        return data[:at] + snippet + data[at:]
    if kind == "tag":
        return data[:at] + TAGS[number % len(TAGS)] + data[at:]
    if kind == "control":
        return data[:at] + CONTROL[number % len(CONTROL)] + data[at:]
    raise AssertionError(kind)


KINDS = ["flip", "truncate", "swap", "repeat", "swap-key-value", "nest", "alias", "tag", "control"]
MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.floats(0, 1, allow_nan=False),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=3,
)
FUZZ = settings(
    max_examples=100,
    deadline=3000,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _mutated(path: Path, mutations: list[tuple[str, float, int]]) -> bytes:
    data = path.read_bytes()
    for mutation in mutations:
        data = _mutate(data, mutation)
    return data


@FUZZ
@given(
    source=st.sampled_from(BLUEPRINT_FILES),
    mutations=MUTATIONS,
)
def test_a_mutated_blueprint_file_loads_or_is_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, source: Path, mutations: list[tuple[str, float, int]]
) -> None:
    folder = tmp_path_factory.mktemp("bp")
    path = folder / source.name
    path.write_bytes(_mutated(source, mutations))
    with contextlib.suppress(InputError):
        load(path)


@FUZZ
@given(source=st.sampled_from(MANIFEST_FILES), mutations=MUTATIONS)
def test_mutated_manifests_load_or_are_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, source: Path, mutations: list[tuple[str, float, int]]
) -> None:
    folder = tmp_path_factory.mktemp("k8s")
    path = folder / source.name
    path.write_bytes(_mutated(source, mutations))
    with contextlib.suppress(InputError):
        load_manifests(folder)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))


def test_a_sample_through_the_cli_exits_0_to_3_without_a_traceback(tmp_path: Path) -> None:
    """Each mutation kind once, on a blueprint file and on a manifest, through the real CLI."""
    rng = random.Random(13)
    cases = []
    for index, kind in enumerate(KINDS):
        source = rng.choice(BLUEPRINT_FILES if index % 2 else MANIFEST_FILES)
        mutation = (kind, rng.random(), rng.randrange(10_000))
        folder = tmp_path / f"{index}-{kind}"
        folder.mkdir()
        (folder / source.name).write_bytes(_mutate(source.read_bytes(), mutation))
        cases.append(folder / source.name)
    for path in cases:
        done = subprocess.run(
            [sys.executable, "-m", "crossfence", "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_limited,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            check=False,
        )
        assert done.returncode in (0, 1, 2, 3), (path, done.returncode, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (path, done.stderr[-2000:])
