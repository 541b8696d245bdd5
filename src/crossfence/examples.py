"""Where the built-in reference example lives (installed package data, or the source tree)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_path"]


def example_path(name: str = "eu-sovereign") -> Path:
    """The folder of a built-in example: packaged in the wheel, or `examples/` of a source checkout."""
    packaged = Path(__file__).parent / "_examples" / name
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / "examples" / name
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"the {name} example is not installed (looked in {packaged} and {source})"
    )
