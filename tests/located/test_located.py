"""`crossfence.located` stands alone: the blueprint and manifest loaders share it without NumPy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_the_reader_imports_no_numpy_pydantic_nor_ruamel() -> None:
    """Reading YAML with locations needs rapidyaml only (ruamel when a file needs it)."""
    modules = _modules_after("import crossfence.located.yamlsource")
    assert "ryml" in modules
    assert not {m.split(".")[0] for m in modules} & {"numpy", "pydantic", "ruamel"}


def test_loading_a_blueprint_does_not_import_numpy() -> None:
    """`crossfence validate` on a blueprint reads it with the shared reader, not through the
    Kubernetes package (whose connectivity engine is NumPy)."""
    modules = _modules_after(f"import crossfence; crossfence.load({str(EXAMPLE)!r})")
    assert "crossfence.located.fastyaml" in modules
    assert "numpy" not in modules
    assert "crossfence.providers.kubernetes" not in modules
