"""The JSON Schemas (draft 2020-12) of every JSON document the commands write, and their `schema_version`.

`crossfence schema KIND` prints them (`validate`, `reach`, `matrix`, `check`, `diff`, `checks`;
`blueprint`, the input, is the model's own, `crossfence.model.json_schema`), and `schema/` holds
a committed copy of each (a test keeps them current). Every document starts with
`"schema_version": 1`; a change that removes or renames a field, or changes its type, raises it.
A failed run writes `{"schema_version", "valid": false, "problems"}` in every command's JSON
(`report.problems.failure_json`); each schema admits it beside the command's own document.
Objects are closed (`additionalProperties: false`): the tests validate real outputs against
these schemas, so a field added to an output without its schema fails them.
"""

from __future__ import annotations

from typing import Any

from . import SCHEMA_VERSION

__all__ = ["KINDS", "SCHEMA_VERSION", "output_schema"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_ID = "https://crossfence.dev/schema/{kind}-{version}.json"

_STRING: dict[str, Any] = {"type": "string"}
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_LINE: dict[str, Any] = {"type": ["integer", "null"], "minimum": 1}
_FILE: dict[str, Any] = {"type": ["string", "null"]}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


_UNKNOWN: dict[str, Any] = {
    "address": {
        "type": "string",
        "description": "The Terraform attribute (`module.app.google_compute_instance.web"
        ".network_interface[0].network_ip`).",
    },
    "path": {"type": "string", "description": "The blueprint field it stands for."},
    "file": _STRING,
    "line": _LINE,
    "column": _LINE,
    "stand_in": {
        "type": ["string", "null"],
        "description": "The value put in its place (null: left out of its list).",
    },
}


_DEFS: dict[str, Any] = {
    "schema_version": {"const": SCHEMA_VERSION},
    "problem": _object(
        {
            "severity": {"enum": ["error", "warning", "info"]},
            "code": {"type": "string", "description": "Stable kind of problem (`syntax`, ...)."},
            "file": _FILE,
            "line": _LINE,
            "column": _LINE,
            "path": {"type": "string", "description": "Dotted path of the field, or ''."},
            "message": {"type": "string", "description": "What is wrong (what was expected)."},
        }
    ),
    "failure": _object(
        {
            "schema_version": {"$ref": "#/$defs/schema_version"},
            "valid": {"const": False},
            "problems": {"type": "array", "items": {"$ref": "#/$defs/problem"}},
        }
    ),
    "services": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Services as `TCP/443`, `UDP/53-60`, `TCP` (every TCP port), `*` (everything).",
    },
    "source": {
        "oneOf": [
            {"type": "null"},
            _object({"resource": _STRING, "rule": _FILE, "file": _FILE, "line": _LINE}),
        ]
    },
    "reach": _object(
        {
            "from": _STRING,
            "to": _STRING,
            "port": _STRING,
            "verdict": {"enum": ["allowed", "denied"]},
            "disposition": {"type": "string", "description": "`DELIVERED`, `DENIED_ACL`, ..."},
            "conditions": {
                "type": "array",
                "items": {"type": "string"},
                "description": "An allowed verdict holds only for the traffic they describe.",
            },
            "hops": {
                "type": "array",
                "items": _object(
                    {
                        "node": _STRING,
                        "steps": {
                            "type": "array",
                            "items": _object(
                                {
                                    "action": _STRING,
                                    "detail": _STRING,
                                    "source": {"$ref": "#/$defs/source"},
                                }
                            ),
                        },
                    }
                ),
            },
        }
    ),
    "object": _object(
        {
            "kind": _STRING,
            "name": _STRING,
            "file": _FILE,
            "line": _LINE,
            "address": {
                "type": "string",
                "description": "The Terraform address of the resource it was read from (Terraform "
                "input only).",
            },
        },
        required=["kind", "name", "file", "line"],
    ),
    "severity": {"enum": ["critical", "high", "medium", "low", "info"]},
    "finding": _object(
        {
            "check": _STRING,
            "severity": {"$ref": "#/$defs/severity"},
            "title": _STRING,
            "message": _STRING,
            "objects": {"type": "array", "items": {"$ref": "#/$defs/object"}},
            "traces": {"type": "array", "items": {"$ref": "#/$defs/reach"}},
            "explains": {
                "type": "array",
                "items": _object(
                    {
                        "check": _STRING,
                        "message": _STRING,
                        "objects": {"type": "array", "items": {"$ref": "#/$defs/object"}},
                    }
                ),
            },
            "suppressed": _object({"reason": _STRING}),
            "unknowns": {
                "type": "array",
                "items": _object(_UNKNOWN),
                "description": "Terraform input, only when there is one: the values known after "
                "apply the finding depends on (its flows', its objects'). It holds with the "
                "stand-ins, and may not once they are allocated.",
            },
        },
        required=["check", "severity", "title", "message", "objects", "traces", "explains"],
    ),
    "check": _object(
        {
            "id": _STRING,
            "severity": {"$ref": "#/$defs/severity"},
            "title": _STRING,
            "why": _STRING,
            "fix": _STRING,
            "doc": {"type": "string", "description": "`docs/checks.md#<anchor>`."},
        }
    ),
}


def _validate() -> dict[str, Any]:
    clouds = {
        "type": "array",
        "items": _object(
            {"name": _STRING, "provider": _STRING, "jurisdiction": _STRING, "region": _STRING}
        ),
    }
    blueprint_counts = _object(
        {
            key: _COUNT
            for key in (
                "networks",
                "subnets",
                "peerings",
                "vpn_tunnels",
                "bgp_sessions",
                "clusters",
                "workloads",
                "load_balancers",
                "firewall_rules",
                "intents",
            )
        }
    )
    kinds = (
        "pods",
        "services",
        "network_policies",
        "authorization_policies",
        "peer_authentications",
    )
    manifests_summary = _object(
        {
            "name": _STRING,
            "namespaces": {
                "type": "array",
                "items": _object(
                    {"name": _STRING, "declared": {"type": "boolean"}}
                    | {key: _COUNT for key in kinds}
                ),
            },
            "counts": _object(
                {"namespaces": _COUNT} | {k: _COUNT for k in kinds} | {"skipped": _COUNT}
            ),
            "skipped_kinds": {"type": "object", "additionalProperties": _COUNT},
        }
    )
    problems = {"type": "array", "items": {"$ref": "#/$defs/problem"}}
    valid = {"const": True}
    version = {"$ref": "#/$defs/schema_version"}
    return {
        "oneOf": [
            _object(
                {
                    "schema_version": version,
                    "valid": valid,
                    "kind": {"const": "blueprint"},
                    "problems": problems,
                    "summary": _object(
                        {"name": _STRING, "clouds": clouds, "counts": blueprint_counts}
                    ),
                }
            ),
            _object(
                {
                    "schema_version": version,
                    "valid": valid,
                    "kind": {"const": "manifests"},
                    "problems": problems,
                    "summary": manifests_summary,
                }
            ),
            {"$ref": "#/$defs/failure"},
        ]
    }


_CONDITIONAL: dict[str, Any] = {
    "type": "array",
    "items": _object({"services": {"$ref": "#/$defs/services"}, "conditions": _STRINGS}),
    "description": "Services allowed only for the requests that carry the conditions (an IAP "
    "token, HTTP methods and paths).",
}


def _matrix() -> dict[str, Any]:
    return _object(
        {
            "schema_version": {"$ref": "#/$defs/schema_version"},
            "endpoints": _STRINGS,
            "connections": {
                "type": "array",
                "items": _object(
                    {
                        "from": _STRING,
                        "to": _STRING,
                        "allowed": {"$ref": "#/$defs/services"},
                        "allowed_if": _CONDITIONAL,
                    },
                    required=["from", "to", "allowed"],
                ),
                "description": "The pairs that allow something; an absent pair allows nothing.",
            },
            "unknowns": {
                "type": "array",
                "items": _object(
                    _UNKNOWN
                    | {
                        "endpoints": {
                            **_STRINGS,
                            "description": "Every pair with one of them, listed or not, is "
                            "unknown.",
                        }
                    }
                ),
                "description": "Terraform input: the values the plan does not know yet.",
            },
        },
        required=["schema_version", "endpoints", "connections"],
    )


def _reach() -> dict[str, Any]:
    reach = dict(_DEFS["reach"])
    reach["properties"] = (
        {"schema_version": {"$ref": "#/$defs/schema_version"}}
        | reach["properties"]
        | {
            "verdict": {
                "enum": ["allowed", "denied", "unknown"],
                "description": "`unknown`: the answer depends on values a Terraform plan does "
                "not know yet (`unknowns`); exit code 1, as denied.",
            },
            "assumed": {
                "enum": ["allowed", "denied"],
                "description": "With an unknown verdict: the verdict computed with the stand-ins "
                "(not an answer).",
            },
            "unknowns": {
                "type": "array",
                "items": _object(_UNKNOWN),
                "description": "The values known after apply the answer depends on.",
            },
        }
    )
    reach["required"] = ["schema_version", *reach["required"]]
    return reach


def _check() -> dict[str, Any]:
    severities = ("critical", "high", "medium", "low", "info")
    return _object(
        {
            "schema_version": {"$ref": "#/$defs/schema_version"},
            "blueprint": {"type": "string", "description": "Its name, or the manifests folder's."},
            "path": _FILE,
            "summary": _object(
                {"checks": _COUNT} | {s: _COUNT for s in severities} | {"suppressed": _COUNT}
            ),
            "checks": {"type": "array", "items": {"$ref": "#/$defs/check"}},
            "skipped": _STRINGS,
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            "suppressed": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            "unused_suppressions": {
                "type": "array",
                "items": _object(
                    {
                        "check": _STRING,
                        "objects": _STRINGS,
                        "reason": _STRING,
                        "file": _FILE,
                        "line": _LINE,
                    }
                ),
            },
        }
    )


def _diff() -> dict[str, Any]:
    services = {"$ref": "#/$defs/services"}
    findings = {"type": "array", "items": {"$ref": "#/$defs/finding"}}
    return _object(
        {
            "schema_version": {"$ref": "#/$defs/schema_version"},
            "old": _STRING,
            "new": _STRING,
            "endpoints": _object({"added": _STRINGS, "removed": _STRINGS}),
            "flows": {
                "type": "array",
                "items": _object(
                    {
                        "from": _STRING,
                        "to": _STRING,
                        "added": services,
                        "removed": services,
                        "before": services,
                        "after": services,
                        "added_if": _CONDITIONAL,
                        "removed_if": _CONDITIONAL,
                        "unknowns": {
                            **_STRINGS,
                            "description": "Terraform input: the addresses of the values known "
                            "after apply the pair's answer depends on. The change is unknown: "
                            "nothing added or removed, `after` with the stand-ins.",
                        },
                    },
                    required=[
                        "from",
                        "to",
                        "added",
                        "removed",
                        "before",
                        "after",
                        "added_if",
                        "removed_if",
                    ],
                ),
            },
            "findings": _object(
                {
                    "added": findings,
                    "removed": findings,
                    "unknown": {
                        **findings,
                        "description": "Findings of OLD that NEW lacks with its stand-ins only: "
                        "they depend on a value NEW knows after apply.",
                    },
                },
                required=["added", "removed"],
            ),
            "unknowns": {
                "type": "array",
                "items": _object(
                    _UNKNOWN
                    | {
                        "side": {"enum": ["old", "new"]},
                        "endpoints": {
                            **_STRINGS,
                            "description": "Every pair with one of them, listed or not, is "
                            "unknown on that side.",
                        },
                    }
                ),
                "description": "Terraform input: the values either side knows only after apply.",
            },
        },
        required=["schema_version", "old", "new", "endpoints", "flows", "findings"],
    )


def _checks() -> dict[str, Any]:
    check = dict(_DEFS["check"])
    check["properties"] = check["properties"] | {
        "family": _STRING,
        "manifests": {
            "type": "boolean",
            "description": "Whether it also runs on a folder of Kubernetes/Istio manifests.",
        },
    }
    check["required"] = list(check["properties"])
    return _object(
        {
            "schema_version": {"$ref": "#/$defs/schema_version"},
            "checks": {"type": "array", "items": check},
        }
    )


_BUILDERS = {
    "validate": (_validate, "`crossfence validate PATH --format json`"),
    "reach": (_reach, "`crossfence reach PATH --from A --to B --format json`"),
    "matrix": (_matrix, "`crossfence matrix PATH --format json`"),
    "check": (_check, "`crossfence check PATH --format json`"),
    "diff": (_diff, "`crossfence diff OLD NEW --format json`"),
    "checks": (_checks, "`crossfence checks --format json`"),
}
KINDS = tuple(_BUILDERS)
"""The outputs that have a schema, in the order `crossfence schema --help` lists them."""


def output_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one command's JSON output (a failed run's document included, but for
    `checks`, which reads no input)."""
    build, command = _BUILDERS[kind]
    body = build()
    if kind not in ("validate", "checks"):
        body = {"oneOf": [body, {"$ref": "#/$defs/failure"}]}
    return {
        "$schema": _DRAFT,
        "$id": _ID.format(kind=kind, version=SCHEMA_VERSION),
        "title": f"crossfence {kind} output",
        "description": f"What {command} writes (schema_version {SCHEMA_VERSION}).",
        **body,
        "$defs": _DEFS,
    }
