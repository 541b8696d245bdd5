"""JSON Schema of the blueprint, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

from typing import Any

from .blueprint import Blueprint
from .vocabulary import VOCABULARY_KEY, Vocabulary

__all__ = ["json_schema"]

SCHEMA_ID = "https://crossfence.dev/schema/blueprint-1.json"


def json_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    """The blueprint's JSON Schema (draft 2020-12), generated from the pydantic models, with the
    registered providers' names where a field takes one."""
    schema = Blueprint.model_json_schema(mode="validation")
    _fill(schema, vocabulary)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def _fill(node: Any, vocabulary: Vocabulary) -> None:
    if isinstance(node, dict):
        kind = node.pop(VOCABULARY_KEY, None)
        if kind is not None:
            node["enum"] = list(vocabulary.values(kind))
        for value in node.values():
            _fill(value, vocabulary)
    elif isinstance(node, list):
        for value in node:
            _fill(value, vocabulary)
