"""The one layout of a matrix's JSON, a blueprint's and a manifests folder's alike, written the slow way."""

from __future__ import annotations

import json
from typing import Any


def matrix_text(document: dict[str, Any]) -> str:
    """`document` as both streaming writers lay it out: indented by two, one endpoint and one
    connection a line (`{"from": ..., "to": ..., "allowed": [...]}`), a newline at the end."""
    head = [
        f"  {json.dumps(k)}: {json.dumps(v)},"
        for k, v in document.items()
        if k not in ("endpoints", "connections")
    ]
    endpoints = [f"    {json.dumps(name)}" for name in document["endpoints"]]
    rows = [f"    {json.dumps(row)}" for row in document["connections"]]
    lines = ["{", *head]
    lines += (
        ['  "endpoints": [', ",\n".join(endpoints), "  ],"] if endpoints else ['  "endpoints": [],']
    )
    lines += ['  "connections": [', ",\n".join(rows), "  ]"] if rows else ['  "connections": []']
    return "\n".join([*lines, "}"]) + "\n"
