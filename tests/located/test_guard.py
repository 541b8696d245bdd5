"""What no YAML reader accepts: tags outside the core schema, control characters, huge integers, deep nesting, alias bombs; each refused with its file:line:col, by both loaders.

Each case used to escape as a traceback (KeyError, ValueError, TypeError, ReaderError,
RecursionError), crash the process (a segmentation fault in ruamel's C composer), take
minutes and gigabytes (aliases), or be read as something else.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crossfence import load
from crossfence.errors import BlueprintError, InputError, ManifestError
from crossfence.located import guard
from crossfence.providers.kubernetes import load_manifests

ROOT = Path(__file__).resolve().parents[2]
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
_ALLOWED = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"

# (YAML after the line `key: `, or after `name: ` of a pod; line:column of the problem as
# written below; what the message says)
TAGS = [
    ("!!str [a]", "tag !!str on a sequence is not allowed (expected !!seq or no tag)"),
    ("!!int x", "'x' is not an integer (expected a value of the form its tag !!int reads)"),
    ("!!bool x", "'x' is not true or false (expected a value of the form its tag !!bool reads)"),
    ("!!null x", "'x' is not null, ~ or nothing"),
    ("!!float x", "'x' is not a number"),
    ("!!map [a]", "tag !!map on a sequence is not allowed (expected !!seq or no tag)"),
    ("!!seq {a: 1}", "tag !!seq on a mapping is not allowed (expected !!map or no tag)"),
    ("!!seq x", "tag !!seq on a scalar is a collection's tag"),
    (
        "!!python/object/apply:os.system ['true']",
        "tag !!python/object/apply:os.system on a sequence is not allowed",
    ),
    ("!!python/name:os.system x", "tag !!python/name:os.system on a scalar is not a YAML core"),
    (
        "!!binary aGk=",
        f"tag !!binary on a scalar is not a YAML core schema tag (expected one of: {_ALLOWED}",
    ),
    ("!!timestamp 2024-01-01", "tag !!timestamp on a scalar is not a YAML core schema tag"),
    ("!custom 1", "tag !custom on a scalar is not a YAML core schema tag"),
    ("! 1", "tag ! on a scalar is not a YAML core schema tag"),
]


def _blueprint_problem(tmp_path: Path, text: str) -> str:
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BlueprintError) as raised:
        load(path)
    (problem,) = raised.value.problems
    return f"{Path(problem.file or '').name}:{problem.line}:{problem.column}: {problem.message}"


def _manifest_problem(tmp_path: Path, text: str) -> str:
    path = tmp_path / "pod.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_manifests(path)
    (problem,) = raised.value.problems
    return f"{Path(problem.file or '').name}:{problem.line}:{problem.column}: {problem.message}"


@pytest.mark.parametrize(("value", "message"), TAGS, ids=[t[0] for t in TAGS])
def test_only_core_schema_tags_on_nodes_they_fit(tmp_path: Path, value: str, message: str) -> None:
    assert _blueprint_problem(tmp_path, f"crossfence: 1\ndescription: {value}\n").startswith(
        f"estate.yaml:2:14: {message}"
    )
    assert _manifest_problem(tmp_path, f"{POD}  labels:\n    app: {value}\n").startswith(
        f"pod.yaml:6:10: {message}"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("description: !!str 12\n", "12"),
        ("description: !!str [a]\n", None),
        ("x: !!int 0x1F\n", 31),
        ("x: !!float 1\n", 1.0),
        ("x: !!bool 'true'\n", True),
        ("x: !!null ''\n", None),
        ("x: !!seq [a]\n", ["a"]),
        ("x: !!map {a: 1}\n", {"a": 1}),
    ],
)
def test_core_schema_tags_read_as_their_type(tmp_path: Path, text: str, value: object) -> None:
    """A tag of the core schema, on a node of its kind, is read as YAML 1.2 says."""
    from crossfence.located.yamlsource import read_documents

    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    if value is None and "[a]" in text:
        with pytest.raises(ManifestError):
            list(read_documents(path))
        return
    ((_key, found),) = next(iter(read_documents(path))).value.items()
    assert found == value and type(found) is type(value)


@pytest.mark.parametrize(
    ("character", "name"),
    [("\x00", "NUL"), ("\x7f", "DEL"), ("\x1b", "ESC"), ("\x07", "a control character")],
)
def test_control_characters_are_refused_where_they_are(
    tmp_path: Path, character: str, name: str
) -> None:
    code = f"U+{ord(character):04X} ({name})"
    blueprint = _blueprint_problem(tmp_path, f"crossfence: 1\nname: é{character}b\n")
    assert blueprint.startswith(f"estate.yaml:2:8: character {code} is not allowed in YAML")
    manifest = _manifest_problem(tmp_path, f"{POD}  labels: {{app: 'w{character}'}}\n")
    assert manifest.startswith(f"pod.yaml:5:19: character {code} is not allowed in YAML")


def test_integers_over_python_s_limit_are_refused(tmp_path: Path) -> None:
    digits = "1" * (guard.MAX_INT_DIGITS + 1)
    expected = f"an integer of {len(digits)} digits is too long (expected at most 4300 digits)"
    assert _blueprint_problem(tmp_path, f"crossfence: {digits}\n") == (
        f"estate.yaml:1:13: {expected}"
    )
    text = f"{POD}spec:\n  containers: [{{ports: [{{containerPort: {digits}}}]}}]\n"
    assert _manifest_problem(tmp_path, text) == f"pod.yaml:6:41: {expected}"
    # as long as Python reads: a number like any other (here, out of a port's range)
    ok = "9" * guard.MAX_INT_DIGITS
    text = f"{POD}spec:\n  containers: [{{ports: [{{containerPort: {ok}}}]}}]\n"
    assert _manifest_problem(tmp_path, text).startswith("pod.yaml:6:41: ")


def _nested(depth: int, block: bool) -> str:
    if block:
        return "\n" + "".join(f"{'  ' * (i + 1)}- \n" for i in range(depth - 1))
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("block", [False, True], ids=["flow", "block"])
def test_nesting_deeper_than_the_limit_is_refused(tmp_path: Path, block: bool) -> None:
    deep = guard.MAX_DEPTH + 1
    message = f"nested more than {guard.MAX_DEPTH} levels deep (expected at most 100)"
    found = _blueprint_problem(tmp_path, f"crossfence: 1\ndescription: {_nested(deep, block)}\n")
    assert found.endswith(message)
    found = _manifest_problem(tmp_path, f"{POD}spec: {_nested(deep, block)}\n")
    assert found.endswith(message)
    # the limit itself reads
    path = tmp_path / "ok.yaml"
    path.write_text(f"crossfence: 1\nx: {_nested(guard.MAX_DEPTH - 1, block)}\n")
    from crossfence.located.yamlsource import read_documents

    assert list(read_documents(path))


def test_nesting_500_deep_is_located(tmp_path: Path) -> None:
    """500 levels used to be a RecursionError traceback."""
    text = f"crossfence: 1\ndescription: {'[' * 500}{']' * 500}\n"
    assert _blueprint_problem(tmp_path, text) == (
        "estate.yaml:2:113: nested more than 100 levels deep (expected at most 100)"
    )


def _run(*args: str, memory: int = 2 << 30) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, with its memory and time bounded."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "crossfence", *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )


def test_50000_levels_in_a_manifest_do_not_crash_the_process(tmp_path: Path) -> None:
    """ruamel's C composer recursed once per level and crashed the process (exit code 139)."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    (folder / "pod.yaml").write_text(f"{POD}spec: {'[' * 50_000}{']' * 50_000}\n")
    done = _run("validate", str(folder))
    assert done.returncode == 2, done.stderr
    assert "pod.yaml:5:106: nested more than 100 levels deep" in done.stderr
    assert "Traceback" not in done.stderr


# nine aliases of nine aliases...: 9**7 nodes from 504 bytes
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefg", "bcdefgh", strict=True)
)


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """A few hundred bytes of nested aliases used to take minutes and gigabytes to expand."""
    text = f"a: &a [x, x, x, x, x, x, x, x, x]\n{BOMB}"
    start = time.perf_counter()
    found = _blueprint_problem(
        tmp_path, "crossfence: 1\ndescription:\n  " + text.replace("\n", "\n  ")
    )
    assert "aliases expand to more than 100,000 nodes" in found
    found = _manifest_problem(tmp_path, f"{POD}spec:\n  " + text.replace("\n", "\n  "))
    assert "aliases expand to more than 100,000 nodes" in found
    assert found.startswith("pod.yaml:11:10:")  # the first alias past the limit
    assert time.perf_counter() - start < 5


def test_an_alias_bomb_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "cluster"
    folder.mkdir()
    text = f"a: &a [x, x, x, x, x, x, x, x, x]\n{BOMB}"
    (folder / "pod.yaml").write_text(f"{POD}spec:\n  " + text.replace("\n", "\n  "))
    done = _run("validate", str(folder), memory=1 << 30)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "aliases expand to more than 100,000 nodes" in done.stderr


def test_small_aliases_repeated_read(tmp_path: Path) -> None:
    """Anchors and merge keys as people use them are read as before."""
    path = tmp_path / "m.yaml"
    items = "".join(f"  - <<: *d\n    name: w{i}\n" for i in range(2000))
    path.write_text(f"defaults: &d {{kind: pods, replicas: 2, ports: [a, b]}}\nitems:\n{items}")
    from crossfence.located.yamlsource import read_documents

    (document,) = read_documents(path)
    assert len(document.value["items"]) == 2000
    assert document.value["items"][1999] == {
        "kind": "pods",
        "replicas": 2,
        "ports": ["a", "b"],
        "name": "w1999",
    }


def test_the_error_is_an_input_error() -> None:
    assert issubclass(ManifestError, InputError) and issubclass(BlueprintError, InputError)


@pytest.mark.parametrize(
    ("value", "where", "what"),
    [
        ("{[a]: x}", "2:15", "a sequence"),
        ("{{a: 1}: x}", "2:15", "a mapping"),
        ("{? [a, b]: x}", "2:17", "a sequence"),
        ("{{a: [1]}: x}", "2:15", "a mapping"),
    ],
)
def test_a_collection_as_a_key_is_refused(
    tmp_path: Path, value: str, where: str, what: str
) -> None:
    """ruamel's round-trip loader failed on some (`TypeError: unhashable type`, found by the
    fuzz test); JSON, and so Kubernetes, has string keys only."""
    found = _blueprint_problem(tmp_path, f"crossfence: 1\ndescription: {value}\n")
    assert found == (
        f"estate.yaml:{where}: {what} as a mapping key is not allowed (expected a string key)"
    )


def test_an_anchor_defined_twice_is_refused_in_one_document(tmp_path: Path) -> None:
    """ruamel's C composer (manifests) failed with "second occurrence", its round-trip loader
    (blueprints) printed a Python warning on stderr and read on: one located error for both.
    Each document has its own anchors."""
    message = "anchor &a is defined twice (expected each anchor once per document)"
    found = _blueprint_problem(tmp_path, "crossfence: 1\nname: &a x\ndescription: &a y\n")
    assert found == f"estate.yaml:3:14: {message}"
    found = _manifest_problem(tmp_path, f"{POD}  labels: {{a: &a x, b: &a y}}\n")
    assert found == f"pod.yaml:5:24: {message}"
    path = tmp_path / "two.yaml"
    path.write_text(f"{POD}  labels: {{a: &a x, b: *a}}\n---\n{POD}  labels: {{a: &a y}}\n")
    from crossfence.located.yamlsource import read_documents

    assert [d.value["metadata"]["labels"] for d in read_documents(path)] == [
        {"a": "x", "b": "x"},
        {"a": "y"},
    ]
