"""Which files of a manifests folder hold Kubernetes objects, and why the others are skipped: Helm charts and templates, values, other JSON and YAML."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from crossfence.located.yamlsource import SourceFile

__all__ = ["KIND_HINTS", "skip_reason"]

# a Go template action, as Helm charts' templates hold them: `{{ .Values.x }}`, `{{- include "a"
# . }}`, `{{ $x }}`, `{{/* a comment */}}`; not YAML's nested flow mapping `{{a: 1}: x}`
_TEMPLATE = re.compile(r"\{\{-?\s*(?:[.$]|/\*|[A-Za-z_]\w*(?=[\s}(|]))[^\n]*?\}\}")
_HELM = "render the chart with `helm template` first and analyse its output"

KIND_HINTS = {
    "Kustomization": "build it with `kubectl kustomize` first and analyse its output",
    # https://istio.io/latest/docs/ops/configuration/traffic-management/tls-configuration/:
    # "If TLS settings are not explicitly configured in a DestinationRule, the sidecar will
    # automatically determine if Istio mutual TLS should be sent"; "A mode setting of DISABLE
    # will send plaintext". Not modelled: said where it is skipped.
    "DestinationRule": (
        "its TLS settings are not read, and answers assume Istio's auto mTLS between sidecars "
        "(a `tls.mode` other than ISTIO_MUTUAL sends its clients' traffic without the mesh "
        "identity, which STRICT mTLS and principal rules then refuse)"
    ),
}
"""What to do with kinds that stand for other manifests, or what skipping a kind leaves out of
the answers, said in the warning that skips them."""


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and "kind" in value


def _is_chart(value: Any) -> bool:
    """A Helm chart's `Chart.yaml`: `apiVersion` v1 or v2, a `name` and a `version`, no kind."""
    return (
        isinstance(value, dict)
        and value.get("apiVersion") in ("v1", "v2")
        and "name" in value
        and "version" in value
        and "kind" not in value
    )


def skip_reason(source: SourceFile) -> str | None:
    """Why a file of a manifests folder is skipped (the warning's text), or None to read it.

    A file is read when one of its documents is an object (it has a `kind`), or half of one
    (an `apiVersion`: the loader then says what is missing), or a list of objects. Skipped, with
    one warning each: a Helm chart's `Chart.yaml`, its `values*.yaml`, a Helm template (Go
    template actions `{{ ... }}` that do not read as YAML), and any other file with no object.
    A file that does not read and is no template is an error, as before.
    """
    name = PurePath(source.name).name
    if source.error is not None:
        if _TEMPLATE.search(source.text):
            return f"a Helm template ({{{{ ... }}}} is not YAML): {_HELM}; skipped"
        return None
    values = [document.value for document in source.documents if document.value is not None]
    if not values:
        return None  # empty, or comments only: nothing to read, nothing lost
    for value in values:
        if _is_object(value) or (isinstance(value, list) and any(map(_is_object, value))):
            return None
    if any(_is_chart(value) for value in values) or name == "Chart.yaml":
        return f"a Helm chart's Chart.yaml: {_HELM}; skipped"
    if any(isinstance(value, dict) and "apiVersion" in value for value in values):
        return None  # half an object: the loader says what is missing
    if name.startswith("values") and name.endswith((".yaml", ".yml")):
        return f"Helm values ({name}) are not Kubernetes objects: {_HELM}; skipped"
    return "no Kubernetes object in it (expected documents with apiVersion and kind); skipped"
