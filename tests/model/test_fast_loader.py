"""The blueprint loader reads with rapidyaml exactly what it read with ruamel, or hands the file over.

`load_documents` reads a file with `fastyaml.read_fast` unless that refuses it (or it has several
documents, a duplicate key, or a scalar ruamel's YAML 1.2 resolver reads otherwise), and resolves
the positions of such a file's items when asked. Against `load_documents(..., _fast=False)`, which
reads every file with ruamel's round-trip loader and records every position as it always did,
the merged document (types and key order included), the problems, `Positions.find` of every
path (keys and values, and paths that stop short) and the `values`/`keys` views must be equal:
on every YAML file of the example and its variants, on their folders, on generated estates, on
edge cases and on generated YAML.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crossfence import load
from crossfence.model import loader
from crossfence.model.base import Model
from crossfence.model.loader import Loc, Positions, load_documents
from tests.located.yaml_compare import paths, same
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
FOLDERS = [EXAMPLE, *sorted(p for p in (EXAMPLE / "variants").iterdir() if p.is_dir())]
# every YAML file of the example and its variants but their manifests (which the loader skips)
FILES = sorted(
    p
    for p in EXAMPLE.rglob("*")
    if p.suffix in (".yaml", ".yml") and p.is_file() and "manifests" not in p.parts
)


# --- the comparison -------------------------------------------------------------------------------
def _fast_items(positions: Positions) -> int:
    """How many merged items came from files rapidyaml read."""
    return sum(item is not None for items in positions._items.values() for item in items)


def _compare(path: Path) -> int:
    """Assert the rapidyaml loader agrees with the ruamel one on a file or folder; how many items
    it read."""
    try:
        expected_data, expected, expected_problems = load_documents(path, _fast=False)
    except (ValueError, IndexError) as error:  # ruamel crashes on some (`._`, `-_`): so must we
        with pytest.raises(type(error)):
            load_documents(path)
        return 0
    data, positions, problems = load_documents(path)
    assert same(data, expected_data)
    assert problems == expected_problems
    for loc in paths(expected_data):
        for key in (False, True):
            assert positions.find(loc, key=key) == expected.find(loc, key=key), (loc, key)
    assert dict(positions.values) == dict(expected.values)
    assert dict(positions.keys) == dict(expected.keys)
    return _fast_items(positions)


def _compare_texts(*texts: str | bytes) -> int:
    """`_compare` on a folder of files with these texts (f0.yaml, f1.yaml...)."""
    with tempfile.TemporaryDirectory() as folder:
        for index, text in enumerate(texts):
            data = text.encode("utf-8") if isinstance(text, str) else text
            (Path(folder) / f"f{index}.yaml").write_bytes(data)
        return _compare(Path(folder))


def _read_fast(text: str) -> bool:
    """Whether the blueprint loader reads `text` with rapidyaml."""
    return loader._read_fast("f.yaml", text) is not None


# --- the example, its variants and generated estates ----------------------------------------------
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(EXAMPLE)) for p in FILES])
def test_example_files_read_alike(path: Path) -> None:
    _compare(path)


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_example_folders_read_alike(folder: Path) -> None:
    assert _compare(folder) > 0


def test_example_files_take_the_fast_path() -> None:
    """Blueprints must not cost a ruamel parse. (intents.yaml has a quote in a comment, which
    `fastyaml`'s pre-scan takes for a quoted scalar followed by text: it is refused.)"""
    refused = {p.name for p in FILES if not _read_fast(p.read_text(encoding="utf-8"))}
    assert refused <= {"intents.yaml"}


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_estates_read_alike_on_the_fast_path(tmp_path: Path, seed: int) -> None:
    """The benchmark's estates: the shape the speed is measured on."""
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    synth.write_estate(synth.generate(120, 500, 3, seed), tmp_path)
    for path in sorted(tmp_path.glob("*.yaml")):
        assert _read_fast(path.read_text(encoding="utf-8")), path.name
    assert _compare(tmp_path) > 100


def _models(model: Model, loc: Loc = ()) -> Iterator[tuple[Loc, Model]]:
    yield loc, model
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Model):
            yield from _models(value, (*loc, name))
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, Model):
                    yield from _models(item, (*loc, name, index))


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_example_loads_alike(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`load`: the same blueprint, every object's `defined_at` and the same warnings."""
    fast = load(folder)
    monkeypatch.setattr(loader, "_read_fast", lambda name, text: None)
    slow = load(folder)
    assert fast == slow
    assert fast.warnings == slow.warnings
    pairs = zip(_models(fast), _models(slow), strict=True)
    for (loc, model), (expected_loc, expected) in pairs:
        assert loc == expected_loc
        assert model.defined_at == expected.defined_at, loc


# --- edge cases -----------------------------------------------------------------------------------
DUPLICATES = [
    ("a: 1\na: 2\n", "f0.yaml:2:1"),
    ("workloads:\n  - name: a\n    kind: vm\n    name: b\n", "f0.yaml:4:5"),
    ("workloads:\n  - {name: a, name: b}\n", "f0.yaml:2:15"),
    ('workloads:\n  - name: a\n    "name": b\n', "f0.yaml:3:5"),
    ("workloads:\n  - name: a\nworkloads:\n  - name: b\n", "f0.yaml:3:1"),
    ("workloads:\n  - name: a\n    x:\n      y: 1\n      z: 2\n      y: 3\n", "f0.yaml:6:7"),
]


@pytest.mark.parametrize("text,location", DUPLICATES)
def test_a_duplicate_key_gets_ruamels_located_error(text: str, location: str) -> None:
    """rapidyaml and `json` keep the last of two equal keys silently: such a file is refused, and
    ruamel reports the duplicate where it always did."""
    assert not _read_fast(text)
    assert _compare_texts(text) == 0
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "f0.yaml").write_text(text, encoding="utf-8")
        _, _, problems = load_documents(Path(folder))
    (problem,) = problems
    assert problem.message.startswith("duplicate key: ")
    assert problem.code == "syntax"
    assert f"{Path(problem.file or '').name}:{problem.line}:{problem.column}" == location


# Plain scalars ruamel's YAML 1.2 resolver reads as numbers, dates... where the core schema (and
# so rapidyaml's reading) has strings: such files go to ruamel.
RUAMEL_ONLY = [
    "1_000",
    "1__",
    "0b101",
    "+0b1",
    "0o1_7",
    "0x_1F",
    "1_0.5",
    "._5",
    "1_000e3",
    "2024-01-31",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "=",
]


@pytest.mark.parametrize("text", RUAMEL_ONLY)
def test_scalars_only_ruamel_resolves_go_to_ruamel(text: str) -> None:
    for yaml in (
        f"workloads:\n  - a: {text}\n",
        f"workloads:\n  - a: [x, {text}]\n",
        f"workloads:\n  - {text}: x\n",
        f"description: {text}\n",
    ):
        assert not _read_fast(yaml), yaml
        _compare_texts(yaml)
    # quoted, they are strings to both, and rapidyaml reads them (not a timestamp with a space:
    # conservative)
    quoted = f"workloads:\n  - a: \"{text}\"\n    b: '{text}'\n"
    assert _read_fast(quoted) == (" " not in text)
    _compare_texts(quoted)


EDGE = [
    # empty and null values: a value with no position of its own is at its key
    "workloads:\n  - name: a\n    x:\n    y: null\n    w: [a, b]\n    v: {}\n    u: []\n",
    "workloads:\n  -\n  - null\n  - \n  - - a\n    - b\n  - [null, a]\n",
    "workloads:\n  - {a: null, b: [null]}\n  - {a: , b: 1}\n  - {a: 1, b: }\n  - {a, b: 2}\n",
    "workloads:\n  - a:\n      b:\n      c: null\n",
    "workloads:\n  - x:\n      -\n      - a\n",
    "workloads:\n  - x:   \n    y: 1\n",
    "workloads:\n  - x: # comment\n      a: 1\n",
    "workloads:\n  - x:\n      # comment\n      a: 1\n",
    "workloads:\n  -\n    name: a\n",
    "workloads:\n  - x: 1\n  -\n  - y: 2\n",
    "description:\n",
    "description: null\n",
    "description:\n  a:\n  b: null\n  c: [null, x]\n",
    "workloads: []\nclouds:\n",
    "unknown:\n  deep:\n    - x: 1\n      y:\n",
    # documents that are not a blueprint's
    "",
    "# just a comment\n",
    "---\n",
    "--- \nworkloads: []\n",
    "a: 1\n---\nb: 2\n",
    "- a\n- b\n",
    "just a string\n",
    "42\n",
    "  workloads:\n    - a: 1\n",
    # sections that are not lists
    "workloads: 5\n",
    "workloads: 1.50\n",
    "workloads: {a: 1}\n",
    "workloads:\n",
    "workloads: null\n",
    "workloads: 'x'\n",
    "workloads: true\n",
    # scalars
    "workloads:\n  - a: 1e3\n    b: 1E3\n    c: .5\n    d: -0\n    e: 0.\n    f: 1.0\n    g: -1.5e-3\n"
    "    h: 12345678901234567890\n    i: 1.50\n    j: 100e-2\n",
    "workloads:\n  - a: yes\n    b: no\n    c: on\n    d: True\n    e: FALSE\n    f: Null\n",
    "workloads:\n  - a: \"yes\"\n    b: 'True'\n    c: \"1.5\"\n    d: '12'\n    e: \"\"\n    f: ''\n",
    "workloads:\n  - x: 0x1F\n    y: 012\n    z: .inf\n    w: .nan\n    v: ~\n    u: -1\n    t: +1\n",
    "workloads:\n  - x: 10.0.0.1\n    y: 10.0.0.0/8\n    z: 1.2.3\n    w: tcp/8000-8100\n",
    "workloads:\n  - x: -\n    y: -x\n    z: a-b\n    w: a:b\n    v: a #b\n",
    "workloads:\n  - a: |\n      line1\n      line2\n    b: >-\n      folded\n      text\n    c: x\n",
    "workloads:\n  - a: x\n    b: >\n      folded\n\n      para\n    c: |+\n      keep\n\n    d: y\n",
    "workloads:\n  - x: |\n      a\n",
    "workloads:\n  - x: |\n      a",
    "workloads:\n  - name: a\n    description: this is\n      a multi-line\n      plain scalar\n",
    'workloads:\n  - name: a\n    x: "multi\n      line"\n',
    'workloads:\n  - name: \'it\'\'s\'\n    y: "esc\\"aped\\n"\n    z: "\\u00e9\\t"\n',
    # non-ASCII text (columns count characters)
    'workloads:\n  - name: é\n    description: "ça va"\n    x: 1\n',
    'workloads:\n  - a: 日本語\n    b: "日本"\n    c: [日本, x]\n    d: 1\n',
    # keys, comments, indentation, flow collections
    "workloads:\n  - \"quoted key\": 1\n    'single': 2\n    key with spaces: 3\n",
    "workloads:\n  - name: a   # comment\n    # another\n    x: 1 # c\n",
    "workloads:\n- name: a\n  x: 1\n- name: b\n",
    "workloads:\n  -   name: a\n      x: 1\n",
    "workloads:\n  - name: a\n    ports:\n    - 1\n    - 2\n",
    "workloads:\n    - name: a\n      x:\n          - 1\n",
    "workloads:\n  - name: a\n\n\n  - name: b\n",
    "workloads: [{name: a, x: [1, 2]}, {name: b}]\n",
    "workloads: [\n  {name: a},\n  {name: b}\n]\n",
    "workloads:\n  - name: a\n    x: [1,\n      2]\n",
    "workloads:\n  - {a: \"1\", b: '2'}\n  - [\"x\", 'y']\n",
    'workloads:\n  - a: ["x", "y"]  # comment\n    b: [x, y]\n    c: {k: v}\n    d: {}\n    e: []\n',
    'workloads:\n  - a: ["x", "y"] z\n',
    "clouds:\n  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}\n",
    # what only ruamel reads
    "workloads:\n  - &anchor\n    name: a\n  - *anchor\n",
    "base: &b {x: 1}\nworkloads:\n  - <<: *b\n    name: a\n",
    "workloads:\n  - ? complex\n    : value\n",
    "workloads:\n  - [a, b]: x\n",
    "workloads:\n  - name: a\n...\n",
    "%YAML 1.1\n---\nworkloads:\n  - a: yes\n",
    "workloads:\n  - a: !!str 1\n",
    "workloads:\r\n  - name: a\r\n",
    "workloads:\n\t- name: a\n",
    "\ufeffworkloads:\n  - name: a\n",
    b"workloads:\n  - name: \xff\n",
    "workloads:\n  - name: [a\n",
    # found by Hypothesis: libyaml refuses the plain scalar `1':` in a flow collection ("found
    # unexpected ':'"), rapidyaml read it; the quote is inside a plain scalar, not a key's end
    "workloads: [{name: a, kind: [], x: [[1':]]}]\n",
]


@pytest.mark.parametrize("text", EDGE, ids=range(len(EDGE)))
def test_edge_cases_read_alike(text: str | bytes) -> None:
    _compare_texts(text)


def test_empty_values_take_the_fast_path() -> None:
    """The first edge cases are where `_marks` puts an empty or null value at its key: they must
    be compared on the fast path, not handed to ruamel."""
    empty = EDGE[: EDGE.index("unknown:\n  deep:\n    - x: 1\n      y:\n") + 1]
    assert all(isinstance(text, str) and _read_fast(text) for text in empty)


FOLDERS_OF_TEXTS = [
    ("name: x\nworkloads: []\n", "name: y\n"),
    ("name: x\n", "name: x\n"),
    ("description:\n  a: 1\n  b: [1, 2]\n", "description:\n  a: 1\n  b: [1, 2]\n"),
    ("description:\n  a: 1\n  b: [1, 2]\n", "description:\n  a: 1\n  b: [1, 3]\n  c: 2\n"),
    ("workloads:\n  - name: a\n", "workloads:\n  - &x {name: b}\n  - *x\n", "workloads:\n- c\n"),
    ("description: &d {a: 1}\n", "description: {a: 1}\n"),
    ("workloads: x\n", "workloads:\n  - name: a\n"),
]


@pytest.mark.parametrize("texts", FOLDERS_OF_TEXTS, ids=range(len(FOLDERS_OF_TEXTS)))
def test_folders_of_edge_cases_merge_alike(texts: tuple[str, ...]) -> None:
    """Files rapidyaml reads and files ruamel reads, merged; scalar sections in several files."""
    _compare_texts(*texts)


def test_positions_views_and_find_on_a_fast_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lazy `Positions` answers like a dict of every key and value."""
    monkeypatch.chdir(tmp_path)  # file names are relative to the working directory
    (tmp_path / "a.yaml").write_text(
        "workloads:\n  - name: a\n    x:\n    ports: [tcp/1, {p: 2}]\n", encoding="utf-8"
    )
    _, positions, _ = load_documents(Path("."))
    assert _fast_items(positions) == 1
    assert positions.values[("workloads", 0)] == ("a.yaml", 2, 5)
    assert positions.values[("workloads", 0, "x")] == ("a.yaml", 3, 5)  # empty: at its key
    assert positions.keys[("workloads", 0, "ports")] == ("a.yaml", 4, 5)
    assert positions.values[("workloads", 0, "ports")] == ("a.yaml", 4, 12)
    assert positions.values[("workloads", 0, "ports", 1, "p")] == ("a.yaml", 4, 24)
    assert ("workloads", 0, "ports", 2) not in positions.values
    assert ("workloads", 0, "ports", 0) not in positions.keys
    assert positions.find(("workloads", 0, "ports", 2, "q")) == ("a.yaml", 4, 12)
    assert positions.find(("workloads", 0, "nope"), key=True) == ("a.yaml", 2, 5)
    assert positions.find(("workloads", 5)) == ("a.yaml", 1, 1)
    assert positions.find(()) is None
    assert len(positions.values) == 8 and len(positions.keys) == 5


# --- generated YAML -------------------------------------------------------------------------------
# Plain texts that read as strings, numbers, booleans, nulls or dates, and text that needs quotes.
TOKENS = [
    "a",
    "web-1",
    "10.0.0.0/24",
    "tcp/443",
    "1",
    "-1",
    "0",
    "1.5",
    "1e3",
    ".5",
    "1_000",
    "0x1F",
    "012",
    "0o7",
    "true",
    "True",
    "yes",
    "null",
    "~",
    "2024-01-31",
    "é",
    "a b",
    "a:b",
    "a #b",
    "-",
    "=",
    "",
]
SAFE_TEXT = st.text(alphabet="ab1.:-_ #'\"é\\/", max_size=6)


@st.composite
def _scalar(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TOKENS) | SAFE_TEXT)
    style = draw(st.sampled_from(["plain", "plain", "double", "single"]))
    if style == "double":
        return json.dumps(text, ensure_ascii=draw(st.booleans()))
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    return text


KEYS = st.sampled_from(["name", "kind", "x", "y", "a b", "1", "'q'", '"d"', "ports"])


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


class _Style:
    """How `_block` writes: the indentation step, sequences under keys indented or not, and
    which collections are in flow style."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.step = draw(st.sampled_from([2, 4]))
        self.indentless = draw(st.booleans())
        self._draw = draw

    def flow(self) -> bool:
        return self._draw(st.booleans())


def _block(value: Any, indent: int, out: list[str], style: _Style) -> None:
    """YAML lines for `value` (scalars are already YAML text); some collections in flow style."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item and not style.flow():
                out.append(f"{pad}{key}:")
                inner = indent if isinstance(item, list) and style.indentless else indent + 2
                _block(item, inner, out, style)
            else:
                text = _flow(item)
                out.append(f"{pad}{key}: {text}".rstrip() if text else f"{pad}{key}:")
    else:
        for item in value:
            if isinstance(item, dict | list) and item and not style.flow():
                lines: list[str] = []
                _block(item, indent + style.step, lines, style)
                out.append(f"{pad}-{' ' * (style.step - 1)}{lines[0].lstrip()}")
                out.extend(lines[1:])
            else:
                out.append(f"{pad}- {_flow(item)}".rstrip())


VALUES = st.recursive(
    _scalar(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
DOCUMENTS = st.dictionaries(
    st.sampled_from(["workloads", "clouds", "name", "description", "unknown"]),
    st.lists(st.dictionaries(KEYS, VALUES, max_size=4), max_size=3) | _scalar(),
    min_size=1,
    max_size=3,
)


@st.composite
def _yaml(draw: st.DrawFn) -> str:
    """A blueprint-like document, with comments and blank lines here and there."""
    lines: list[str] = []
    _block(draw(DOCUMENTS), 0, lines, _Style(draw))
    out = []
    for line in lines:
        before = draw(st.sampled_from(["", "", "", "\n", "# note\n", "    # note\n"]))
        after = draw(st.sampled_from(["", "", "", " # c", "  ", "\t# c"]))
        out.append(before + line + after)
    return "\n".join(out) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=150)
@given(text=_yaml())
@example(text="workloads: [{name: a, kind: [], x: [[1':]]}]\n")
def test_generated_yaml_reads_alike(text: str) -> None:
    _compare_texts(text)


@settings(max_examples=40)
@given(texts=st.lists(_yaml(), min_size=2, max_size=3))
def test_generated_folders_merge_alike(texts: list[str]) -> None:
    _compare_texts(*texts)
