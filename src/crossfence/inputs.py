"""What a PATH argument holds: a blueprint, or a folder of Kubernetes/Istio manifests treated as one cluster."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

__all__ = ["is_manifests"]

_SUFFIXES = (".yaml", ".yml")


def is_manifests(path: Path) -> bool:
    """True when the YAML documents are Kubernetes objects (`apiVersion` and `kind` at the top)."""
    files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES) if path.is_dir() else [path]
    yaml = YAML(typ="safe")
    for file in files[:20]:
        try:
            # the first mapping of a file tells; later documents are not parsed here
            for document in yaml.load_all(file.read_text(encoding="utf-8")):
                if isinstance(document, dict):
                    return "apiVersion" in document and "kind" in document
        except (OSError, UnicodeDecodeError, YAMLError):
            continue  # the loader that owns the file reports it with its line
    return False
