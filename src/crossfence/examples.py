"""Where the built-in reference example and the documentation live (installed package data, or the source tree)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["docs_path", "example_path"]


def _packaged_or_source(packaged: Path, source: Path, what: str) -> Path:
    if packaged.exists():
        return packaged
    if source.exists():
        return source
    raise FileNotFoundError(f"{what} is not installed (looked in {packaged} and {source})")


def example_path(name: str = "eu-sovereign") -> Path:
    """The folder of a built-in example: packaged in the wheel, or `examples/` of a source checkout."""
    root = Path(__file__).resolve().parent
    return _packaged_or_source(
        root / "_examples" / name, root.parents[1] / "examples" / name, f"the {name} example"
    )


def docs_path(name: str = "checks.md") -> Path:
    """A page of the documentation: packaged in the wheel (`crossfence/_docs/`), or `docs/` of a
    source checkout. SARIF's `helpUri` points into `checks.md` by default."""
    root = Path(__file__).resolve().parent
    return _packaged_or_source(
        root / "_docs" / name, root.parents[1] / "docs" / name, f"the documentation page {name}"
    )
