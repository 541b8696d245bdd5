"""The repository's scripts that are no package (`benchmarks/`, the variants' generator), imported
by path for the tests that use them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_script(path: Path) -> ModuleType:
    """The module of the script at `path` (in this repository), executed once per test run."""
    parts = path.resolve().relative_to(ROOT).with_suffix("").parts
    name = "_script_" + "_".join(parts).replace("-", "_")
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # dataclasses look their module up in sys.modules while the module executes
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module
