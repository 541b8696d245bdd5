"""What a PATH argument holds: a blueprint, or a folder of Kubernetes/Istio manifests treated as one cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["is_manifests", "is_terraform"]

_SUFFIXES = (".yaml", ".yml")


def _first_mapping(name: str, text: str) -> dict[str, Any] | None:
    """The first mapping document of a file: rapidyaml when it reads the file as ruamel would
    (the manifests path needs it anyway), else ruamel's C loader; None if there is none."""
    from .located.fastyaml import read_fast

    fast = read_fast(name, text, lambda: ())
    if fast is not None:
        return next((d.value for d in fast if isinstance(d.value, dict)), None)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        # the first mapping of a file tells; later documents are not parsed here
        for document in YAML(typ="safe").load_all(text):
            if isinstance(document, dict):
                return document
    except YAMLError:
        pass  # the loader that owns the file reports it with its line
    return None


def is_terraform(path: Path) -> bool:
    """True when the path is Terraform's JSON (a plan, a state, a state file), or a folder of it:
    recognised by content, never by name."""
    from .terraform.load import is_terraform as holds_terraform

    return holds_terraform(path)


def is_manifests(path: Path) -> bool:
    """True when the YAML documents are Kubernetes objects (`apiVersion` and `kind` at the top)."""
    if is_terraform(path):
        return False
    files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES) if path.is_dir() else [path]
    for file in files[:20]:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the loader that owns the file reports it with its line
        if "apiVersion" not in text or "kind" not in text:
            # no Kubernetes object here, so blueprint commands do not pay for a parse: content
            # decides (a blueprint), comments and document markers alone do not
            if any(
                line.strip() and not line.lstrip().startswith(("#", "---", "..."))
                for line in text.splitlines()
            ):
                return False
            continue
        document = _first_mapping(str(file), text)
        if document is not None:
            return "apiVersion" in document and "kind" in document
    return False
