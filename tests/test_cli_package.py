"""`crossfence.cli` is one module per command group on a shared `common`, with no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import crossfence.cli

PACKAGE = Path(crossfence.cli.__file__).resolve().parent
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))
# `common` is what the groups share; it builds on `output` (reports, consoles) and `config`
# (the configuration file), which import no other module of the package
SHARED = ("common", "output", "config")
GROUPS = [m for m in MODULES if m not in ("__init__", *SHARED)]


def _cli_imports(module: str) -> set[str]:
    """The modules of the `cli` package that `module` imports, anywhere in it (lazily too)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["crossfence", "cli"]:
                found.add(parts[2] if len(parts) > 2 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[:2] == ["crossfence", "cli"]:
                    found.add(parts[2] if len(parts) > 2 else "__init__")
    return found


def test_the_package_has_the_command_groups() -> None:
    assert set(GROUPS) == {"estate", "network", "checks", "terraform", "lab", "report", "compile"}


def test_common_imports_only_output_and_config() -> None:
    assert _cli_imports("common") == {"output", "config"}
    assert _cli_imports("output") == set()
    assert _cli_imports("config") == set()


@pytest.mark.parametrize("module", GROUPS)
def test_a_group_imports_only_common(module: str) -> None:
    assert _cli_imports(module) == {"common"}


def test_the_app_imports_the_groups_and_common() -> None:
    assert _cli_imports("__init__") == {"common", *GROUPS}


@pytest.mark.parametrize("module", MODULES)
def test_each_module_has_a_docstring_future_annotations_and_all(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring and "\n" not in docstring.strip(), "a one-line module docstring"
    assert any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    names = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]
    assert "__all__" in names


def test_validate_on_a_blueprint_imports_no_numpy_nor_the_kubernetes_package() -> None:
    """Start-up stays lazy after the split: `crossfence validate BLUEPRINT` pays for neither, nor
    for a TOML parser when no pyproject.toml on the way up has a `[tool.crossfence]` table (this
    repository's has none)."""
    probe = (
        "import sys\n"
        f"sys.argv = ['crossfence', 'validate', {str(EXAMPLE)!r}, '--quiet']\n"
        "from crossfence.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
        "print(sorted(m for m in ('numpy', 'crossfence.providers.kubernetes', 'tomllib') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
