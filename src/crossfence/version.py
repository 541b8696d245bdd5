"""The version of crossfence (one place: the package, SARIF and `--version` read it)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
