"""JSON Schema of the blueprint, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

from typing import Any

from .blueprint import Blueprint

__all__ = ["json_schema"]

SCHEMA_ID = "https://crossfence.dev/schema/blueprint-1.json"


def json_schema() -> dict[str, Any]:
    """The blueprint's JSON Schema (draft 2020-12), generated from the pydantic models."""
    schema = Blueprint.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
