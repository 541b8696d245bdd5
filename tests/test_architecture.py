"""The import rules of docs/architecture.md hold: every module imports only what its package may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "crossfence"

# Components, lowest floor first: a module belongs to the longest prefix that names it.
# Each may import itself and what it lists; `docs/architecture.md` gives the why of each line.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "algebra": set(),
    "located": {"errors"},
    "model": {"errors", "located", "algebra"},
    "terraform": {"errors", "located", "algebra", "model"},
    "providers.kubernetes": {"errors", "located", "algebra", "providers.istio"},
    "providers.istio": {"errors", "located", "algebra", "providers.kubernetes"},
    "ir": {"errors", "algebra", "providers.kubernetes", "providers.istio"},
    "providers": {
        "errors",
        "located",
        "algebra",
        "model",
        "terraform",
        "ir",
        "providers.kubernetes",
        "providers.istio",
    },
    "engine": {"errors", "algebra", "ir", "providers.kubernetes", "providers.istio"},
    "estate": {"model", "providers", "engine", "ir", "terraform", "inputs"},
    "inputs": {"errors", "located", "terraform"},
    "examples": set(),
    "version": set(),
    "checks": {
        "errors",
        "algebra",
        "model",
        "ir",
        "engine",
        "estate",
        "providers.kubernetes",
        "providers.istio",
    },
    "report": {
        "version",
        "examples",
        "errors",
        "algebra",
        "model",
        "ir",
        "engine",
        "checks",
        "providers.kubernetes",
        "providers.istio",
    },
    "lab": {
        "errors",
        "algebra",
        "model",
        "ir",
        "engine",
        "estate",
        "providers",
        "providers.kubernetes",
        "providers.istio",
    },
    "compile": {
        "errors",
        "algebra",
        "model",
        "providers",
        "providers.kubernetes",
        "providers.istio",
    },
    "cli": {"*"},
    "__init__": {"*"},
    "__main__": {"cli"},
}
CLOUDS = ("providers.gcp", "providers.scaleway", "providers.aws")


def _component(module: str) -> str:
    best = ""
    for name in ALLOWED:
        if (module == name or module.startswith(name + ".")) and len(name) > len(best):
            best = name
    return best


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """Every crossfence module this one imports (top level, in functions, under TYPE_CHECKING)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("crossfence."):
                    found.append((node.lineno, alias.name.removeprefix("crossfence.")))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("crossfence"):
                target = node.module.removeprefix("crossfence").lstrip(".")
            else:
                continue
            found.extend((node.lineno, f"{target}.{a.name}".lstrip(".")) for a in node.names)
    return found


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_floors(module: str, path: Path) -> None:
    here = _component(module)
    assert here, f"{module} belongs to no component of the architecture"
    allowed = ALLOWED[here]
    wrong = []
    for line, target in _imports(module, path):
        there = _component(target)
        if "*" in allowed or there == here or there in allowed:
            continue
        wrong.append(
            f"{path.relative_to(SRC)}:{line} imports {target} ({here} may import {sorted(allowed)})"
        )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_a_cloud_imports_no_other_cloud(module: str, path: Path) -> None:
    """One home per cloud: a provider's folder reads the shared base, never another cloud's."""
    mine = next((c for c in CLOUDS if module == c or module.startswith(c + ".")), None)
    if mine is None:
        return
    others = [
        f"{path.relative_to(SRC)}:{line} imports {target}"
        for line, target in _imports(module, path)
        if any(target == c or target.startswith(c + ".") for c in CLOUDS if c != mine)
    ]
    assert not others, "\n".join(others)


def test_only_the_registry_and_the_orchestration_name_the_clouds() -> None:
    """Outside `providers/<cloud>/`, only `providers/registry.py` imports a cloud's folder."""
    wrong = []
    for module, path in MODULES:
        if any(module == c or module.startswith(c + ".") for c in CLOUDS):
            continue
        for line, target in _imports(module, path):
            if (
                any(target == c or target.startswith(c + ".") for c in CLOUDS)
                and module != "providers.registry"
            ):
                wrong.append(f"{path.relative_to(SRC)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_components() -> None:
    edges: dict[str, set[str]] = {}
    for module, path in MODULES:
        here = _component(module)
        for _, target in _imports(module, path):
            there = _component(target)
            if there and there != here:
                edges.setdefault(here, set()).add(there)
    # the two policy languages read each other's types (an AuthorizationPolicy selects pods)
    ignore = {frozenset({"providers.kubernetes", "providers.istio"})}
    cycles = []
    for a, targets in edges.items():
        for b in targets:
            if a in edges.get(b, set()) and frozenset({a, b}) not in ignore and a < b:
                cycles.append(f"{a} <-> {b}")
    assert not cycles
