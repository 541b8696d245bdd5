"""docs/blueprint.md stays true to the model: every object, every field, defaults, and examples that load."""

from __future__ import annotations

import io
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from ruamel.yaml import YAML

from crossfence import load
from crossfence.errors import BlueprintError
from crossfence.model import SECTIONS, Blueprint
from crossfence.model.loader import load_documents

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT_DOC = ROOT / "docs" / "blueprint.md"
ARCHITECTURE_DOC = ROOT / "docs" / "architecture.md"
REFERENCE_EXAMPLE = ROOT / "examples" / "eu-sovereign"
FULL_EXAMPLE_HEADING = "Full example"


# -- the model ---------------------------------------------------------------------------------


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [
            m for arg in typing.get_args(annotation) if arg is not Ellipsis for m in _models_in(arg)
        ]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def reachable_models(root: type[BaseModel] = Blueprint) -> list[type[BaseModel]]:
    """Every model reachable from `root` through its fields, depth first, in field order."""
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for info in model.model_fields.values():
            for child in _models_in(info.annotation):
                visit(child)

    visit(root)
    return seen


MODELS = reachable_models()


def _literal_values(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    if origin in (typing.Annotated, typing.Union, types.UnionType, tuple, list):
        return [
            value
            for arg in typing.get_args(annotation)
            if arg is not Ellipsis and not isinstance(arg, str | int)
            for value in _literal_values(arg)
        ]
    return []


def _yaml_text(value: Any) -> str:
    """A default value as it would be written in YAML flow style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_yaml_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseModel):
        return "{}" if value == type(value)() else repr(value)
    return str(value)


def documented_default(info: FieldInfo) -> str:
    """How the default column must read: `required`, `—` (none), or the default in backticks."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    return "—" if value is None else f"`{_yaml_text(value)}`"


# -- the document ------------------------------------------------------------------------------


@dataclass
class Section:
    level: int
    title: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)
    """(line number, text) of the lines up to the next heading, code blocks included."""

    def rows(self) -> dict[str, list[str]]:
        """Field tables of the section: first-column `name` -> its cells."""
        out: dict[str, list[str]] = {}
        header: list[str] | None = None
        for _, text in self.body:
            if not text.startswith("|"):
                header = None
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", text.strip().strip("|"))]
            if header is None:
                header = cells  # the first row of a table names its columns
                continue
            match = re.fullmatch(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[0])
            if header[0] == "field" and match:
                out[match.group(1)] = cells
        return out


@dataclass
class CodeBlock:
    language: str
    line: int
    text: str
    section: Section | None


def parse(path: Path) -> tuple[list[Section], list[CodeBlock]]:
    sections: list[Section] = []
    blocks: list[CodeBlock] = []
    fence: tuple[str, int, list[str]] | None = None
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fence is None and text.startswith("```"):
            fence = (text[3:].strip(), number, [])
        elif fence is not None and text.startswith("```"):
            language, start, lines = fence
            current = sections[-1] if sections else None
            blocks.append(CodeBlock(language, start, "\n".join(lines) + "\n", current))
            fence = None
        elif fence is not None:
            fence[2].append(text)
        else:
            heading = re.match(r"^(#{1,6}) (.+?)\s*$", text)
            if heading:
                sections.append(Section(len(heading.group(1)), heading.group(2), number))
                continue
        if sections:
            sections[-1].body.append((number, text))
    return sections, blocks


SECTIONS_DOC, BLOCKS = parse(BLUEPRINT_DOC)
MODEL_SECTIONS = {s.title: s for s in SECTIONS_DOC if s.level == 3}


def _section(model: type[BaseModel]) -> Section:
    section = MODEL_SECTIONS.get(model.__name__)
    assert section is not None, f"docs/blueprint.md has no '### {model.__name__}' section"
    return section


# -- every object and every field is documented, nothing stale ---------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_object_has_a_section(model: type[BaseModel]) -> None:
    _section(model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_in_its_objects_table(model: type[BaseModel]) -> None:
    documented = _section(model).rows()
    missing = [name for name in model.model_fields if name not in documented]
    assert not missing, f"### {model.__name__}: fields missing from the table: {missing}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_no_stale_field_in_the_tables(model: type[BaseModel]) -> None:
    stale = [name for name in _section(model).rows() if name not in model.model_fields]
    assert not stale, f"### {model.__name__}: documented fields the model does not have: {stale}"


def test_no_section_for_an_object_the_model_does_not_have() -> None:
    names = {m.__name__ for m in MODELS}
    stale = [
        title
        for title in MODEL_SECTIONS
        if re.fullmatch(r"[A-Z][A-Za-z]+", title) and title not in names
    ]
    assert not stale, f"sections for objects that are not in the model: {stale}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_defaults_are_the_models(model: type[BaseModel]) -> None:
    rows = _section(model).rows()
    wrong = {
        name: (rows[name][2], documented_default(info))
        for name, info in model.model_fields.items()
        if name in rows and rows[name][2] != documented_default(info)
    }
    assert not wrong, f"### {model.__name__}: default column (written, expected): {wrong}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_allowed_value_is_listed(model: type[BaseModel]) -> None:
    rows = _section(model).rows()
    missing = {
        name: [v for v in _literal_values(info.annotation) if f"`{v}`" not in rows[name][1]]
        for name, info in model.model_fields.items()
        if name in rows
    }
    missing = {name: values for name, values in missing.items() if values}
    assert not missing, (
        f"### {model.__name__}: allowed values missing from the type column: {missing}"
    )


def test_every_model_field_has_a_docstring() -> None:
    # The tables are written from these; a field without one has nothing to say in the reference.
    undocumented = [
        f"{m.__name__}.{name}"
        for m in MODELS
        for name, info in m.model_fields.items()
        if not info.description
    ]
    assert not undocumented


# -- the examples load -------------------------------------------------------------------------


def _yaml_blocks() -> Iterator[CodeBlock]:
    return (b for b in BLOCKS if b.language == "yaml")


def _is_blueprint_fragment(data: Any) -> bool:
    """Whether a YAML block is (part of) a blueprint: top-level keys only, at least one section."""
    return (
        isinstance(data, dict)
        and all(key in Blueprint.model_fields for key in data)
        and any(key in SECTIONS or key == "crossfence" for key in data)
    )


def _merge(context: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """The fragment's objects replace the context's objects of the same name, or are added."""
    merged = {
        key: list(value) if isinstance(value, list) else value for key, value in context.items()
    }
    for key, value in fragment.items():
        if key not in SECTIONS:
            merged[key] = value
            continue
        items = merged.setdefault(key, [])
        for item in value:
            name = item.get("name") if isinstance(item, dict) else None
            same = [
                i
                for i, old in enumerate(items)
                if isinstance(old, dict) and old.get("name") == name
            ]
            if name is not None and same:
                items[same[0]] = item
            else:
                items.append(item)
    return merged


def _read_yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _load_text(text: str, tmp_path: Path) -> Blueprint:
    path = tmp_path / "blueprint.yaml"
    path.write_text(text, encoding="utf-8")
    # the clusters' `manifests` folders must exist beside the blueprint, as in the example
    (tmp_path / "manifests").symlink_to(ROOT / "examples" / "eu-sovereign" / "manifests")
    try:
        return load(path)
    except BlueprintError as error:
        pytest.fail(f"the example does not load:\n{error}")


def _block_id(block: CodeBlock) -> str:
    return f"line{block.line}"


@pytest.mark.parametrize("block", list(_yaml_blocks()), ids=_block_id)
def test_yaml_example_is_valid(block: CodeBlock, tmp_path: Path) -> None:
    """A top-level excerpt validates merged into the reference example; a nested one against its object."""
    data = _read_yaml(block.text)
    where = f"docs/blueprint.md:{block.line}"
    if _is_blueprint_fragment(data):
        context, _, problems = load_documents(REFERENCE_EXAMPLE)
        assert not problems
        merged = _merge(context, data)
        buffer = io.StringIO()
        YAML(typ="safe", pure=True).dump(merged, buffer)
        _load_text(buffer.getvalue(), tmp_path)
        return
    section = block.section
    models = {m.__name__: m for m in MODELS}
    if section is None or section.title not in models:
        return  # prose examples outside an object's section only need to parse
    model = models[section.title]
    items = data if isinstance(data, list) else [data]
    for item in items:
        try:
            model.model_validate(item)
        except Exception as error:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{where}: not a valid {model.__name__}: {error}")


def test_full_example_loads_on_its_own(tmp_path: Path) -> None:
    heading = [s for s in SECTIONS_DOC if s.title == FULL_EXAMPLE_HEADING]
    assert heading, f"docs/blueprint.md has no '{FULL_EXAMPLE_HEADING}' section"
    blocks = [b for b in BLOCKS if b.section is heading[0] and b.language == "yaml"]
    assert len(blocks) == 1
    blueprint = _load_text(blocks[0].text, tmp_path)
    assert blueprint.warnings == ()
    used = {section for section in SECTIONS if getattr(blueprint, section)}
    # small, but it shows the cross-cloud core: clouds, networks, VPN + BGP, workloads, intents
    assert {"clouds", "networks", "vpn_tunnels", "bgp_sessions", "workloads", "intents"} <= used


# -- links -------------------------------------------------------------------------------------


def _slug(title: str) -> str:
    """GitHub's heading anchor."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", [BLUEPRINT_DOC, ARCHITECTURE_DOC], ids=lambda p: p.name)
def test_internal_links_resolve(doc: Path) -> None:
    sections, _ = parse(doc)
    anchors = {_slug(s.title) for s in sections}
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    broken = [a for a in re.findall(r"\]\(#([^)]+)\)", text) if a not in anchors]
    assert not broken, f"{doc.name}: links to missing headings: {broken}"


@pytest.mark.parametrize("doc", [BLUEPRINT_DOC, ARCHITECTURE_DOC], ids=lambda p: p.name)
def test_relative_links_point_at_files(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    targets = [
        t.split("#")[0]
        for t in re.findall(r"\]\(([^)#][^)]*)\)", text)
        if not re.match(r"[a-z]+:", t)
    ]
    missing = [t for t in targets if not (doc.parent / t).exists()]
    assert not missing, f"{doc.name}: links to files that do not exist: {missing}"


# -- docs/architecture.md: the module map --------------------------------------------------------

PACKAGE = ROOT / "src" / "crossfence"


def _module_map() -> dict[str, str]:
    """Module map rows of docs/architecture.md: path -> status."""
    sections, _ = parse(ARCHITECTURE_DOC)
    section = next(s for s in sections if s.title == "Module map")
    rows = {}
    for _, text in section.body:
        cells = (
            [c.strip() for c in text.strip().strip("|").split("|")] if text.startswith("|") else []
        )
        if len(cells) == 3 and re.fullmatch(r"`[\w/.]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[2]
    return rows


def test_module_map_lists_every_package_and_module() -> None:
    documented = _module_map()
    present = [
        f"{p.name}/" if p.is_dir() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"
    ]
    present += [
        f"providers/{p.name}/"
        for p in (PACKAGE / "providers").iterdir()
        if (p / "__init__.py").exists()
    ]
    missing = [p for p in present if p not in documented and p != "providers/"]
    assert not missing, f"docs/architecture.md's module map does not list: {missing}"


def test_module_map_status_is_true() -> None:
    wrong = []
    for path, status in _module_map().items():
        assert status in ("exists", "partial", "planned"), f"{path}: unknown status {status!r}"
        there = (PACKAGE / path).exists()
        if there and path.endswith("/"):
            # a package with only its `__init__.py` placeholder is not written yet
            there = any(p.name != "__init__.py" for p in (PACKAGE / path).glob("*.py")) or (
                (PACKAGE / path / "__init__.py").read_text(encoding="utf-8").count("\n") > 1
            )
        if there != (status != "planned"):
            wrong.append(f"{path} is marked {status} but {'exists' if there else 'is missing'}")
    assert not wrong, "; ".join(wrong)
