"""rapidyaml is an accelerator, never a dependency: without it, or with one that reads otherwise, everything reads with ruamel.

The fast reader calls rapidyaml's private extension functions and reads memory through ctypes.
A rapidyaml that does not import, lacks a function, sets other flags or builds another tree must
not break a command: `rapid.binding()` is None and ruamel reads, with the same values and
locations; a tree that surprises the reader after parsing gives ruamel's locations.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crossfence.located import fastyaml, rapid, yamlsource

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"

# What a run reads: the example blueprint's workloads with their lines, the manifests' objects
# with theirs, and whether rapidyaml was used.
_SUMMARY = """
import json, sys
import crossfence
from crossfence.located import fastyaml
from crossfence.providers.kubernetes import load_manifests
blueprint = crossfence.load(sys.argv[1])
cluster = load_manifests(sys.argv[1] + "/manifests")
print(json.dumps({
    "fast": fastyaml._BINDING is not None,
    "workloads": [[w.name, str(w.defined_at)] for w in blueprint.workloads],
    "pods": [[p.namespace, p.name, p.ip, str(p.location)] for p in cluster.pods],
    "policies": [[p.name, str(p.location)] for p in cluster.network_policies],
}))
"""


def _summary(prelude: str = "") -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", prelude + _SUMMARY, str(EXAMPLE.relative_to(ROOT))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def usual() -> dict[str, Any]:
    found = _summary()
    assert found["fast"]
    return found


@pytest.mark.parametrize(
    "prelude",
    [
        # rapidyaml not installed
        "import sys\nsys.modules['ryml'] = None\n",
        # a rapidyaml without one of the private functions the reader calls
        "import ryml._ryml\ndel ryml._ryml.Tree_child_pos\n",
        # a rapidyaml whose functions fail
        "import ryml._ryml\n"
        "def broken(*args):\n    raise RuntimeError('changed')\n"
        "ryml._ryml.Tree_type = broken\n",
        # a rapidyaml whose scalars are no longer views of the parsed text
        "import ryml._ryml\nryml._ryml.Tree_val = lambda *args: memoryview(b'x')\n",
    ],
    ids=["missing", "renamed", "failing", "copying"],
)
def test_a_missing_or_changed_rapidyaml_reads_with_ruamel(
    prelude: str, usual: dict[str, Any]
) -> None:
    assert _summary(prelude) == {**usual, "fast": False}


def test_a_rapidyaml_that_reads_otherwise_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The self-test reads a small document: other flags mean another rapidyaml."""
    real = rapid._load()
    rapid.binding.cache_clear()
    monkeypatch.setattr(rapid, "_load", lambda: dataclasses.replace(real, VALQUO=real.KEYQUO))
    try:
        assert rapid.binding() is None
    finally:
        monkeypatch.undo()
        rapid.binding.cache_clear()
    assert rapid.binding() is not None


TEXT = (
    "kind: Pod\nmetadata:\n  name: web\n  labels: {app: web, 'tier': x}\n"
    'spec:\n  containers:\n    - name: "c"\n      ports: [{containerPort: 80}]\n'
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@pytest.mark.parametrize(
    "name",
    ["_type", "_key", "_val", "_find_child", "_first_child", "_address"],
)
def test_a_tree_that_surprises_the_reader_gives_ruamels_locations(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the file is parsed, a failing accessor only costs ruamel composing it."""
    (document,) = fastyaml.read_fast("m.yaml", TEXT, lambda: yamlsource._read_slow("m.yaml", TEXT))

    def broken(*args: Any) -> Any:
        raise RuntimeError("an unexpected tree")

    monkeypatch.setattr(fastyaml, name, broken)
    (expected,) = yamlsource._read_slow("m.yaml", TEXT)
    for path in _paths(expected.value):
        assert document.locate(path) == expected.locate(path), path
        assert document.locate_key(path) == expected.locate_key(path), path


def test_a_failing_parse_reads_with_ruamel(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(rapid, "parse", broken)
    assert fastyaml.read_fast("m.yaml", TEXT, list) is None
