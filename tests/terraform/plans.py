"""Terraform JSON written the way Terraform writes it, for tests: plans, `terraform show -json` state, raw state files.

The shapes follow https://developer.hashicorp.com/terraform/internals/json-format (and Terraform's
own `internal/command/testdata/show-json*` outputs): `terraform show -json` prints one line of
compact JSON (`json.dumps(..., separators=(",", ":"))`), resources under `root_module` and
nested `child_modules` with their `address`, `mode`, `type`, `name`, `index` (count index or
for_each key), `provider_name`, `schema_version`, `values`, `sensitive_values`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["R", "plan", "raw_state", "show_state", "write"]

PROVIDERS = {
    "google": "registry.terraform.io/hashicorp/google",
    "aws": "registry.terraform.io/hashicorp/aws",
    "scaleway": "registry.terraform.io/scaleway/scaleway",
}


@dataclass
class R:
    """One resource instance: `R("module.hub.google_compute_network.hub", {...})`."""

    address: str
    values: dict[str, Any]
    unknown: dict[str, Any] = field(default_factory=dict)
    """`after_unknown` of its change (plans)."""
    sensitive: dict[str, Any] = field(default_factory=dict)
    action: list[str] = field(default_factory=lambda: ["no-op"])
    before: dict[str, Any] | None = None
    mode: str = "managed"

    @property
    def parts(self) -> tuple[str, str, str, Any]:
        """(module address, type, name, index)."""
        match = re.match(
            r'^((?:module\.[A-Za-z0-9_-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.)*)(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[("(?:[^"\\]|\\.)*"|\d+)\])?$',
            self.address,
        )
        assert match, self.address
        module = match.group(1).rstrip(".")
        index = match.group(4)
        key: Any = (
            None if index is None else (json.loads(index) if index.startswith('"') else int(index))
        )
        return module, match.group(2), match.group(3), key

    def object(self, with_values: bool = True) -> dict[str, Any]:
        _, kind, name, index = self.parts
        out: dict[str, Any] = {
            "address": self.address,
            "mode": self.mode,
            "type": kind,
            "name": name,
        }
        if index is not None:
            out["index"] = index
        provider = PROVIDERS.get(
            kind.split("_", 1)[0], f"registry.terraform.io/hashicorp/{kind.split('_', 1)[0]}"
        )
        out["provider_name"] = provider
        out["schema_version"] = 0
        if with_values:
            out["values"] = self.values
            out["sensitive_values"] = self.sensitive
        return out


def _modules(resources: list[R], with_values: bool = True) -> dict[str, Any]:
    root: dict[str, Any] = {}
    children: dict[str, dict[str, Any]] = {}
    for resource in resources:
        module = resource.parts[0]
        if not module:
            root.setdefault("resources", []).append(resource.object(with_values))
            continue
        # every ancestor module exists as a child module
        steps = re.findall(r'module\.[A-Za-z0-9_-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?', module)
        parent = root
        address = ""
        for step in steps:
            address = f"{address}.{step}" if address else step
            if address not in children:
                children[address] = {"address": address}
                parent.setdefault("child_modules", []).append(children[address])
            parent = children[address]
        parent.setdefault("resources", []).append(resource.object(with_values))
    return root


def plan(
    resources: list[R],
    *,
    format_version: str = "1.2",
    configuration: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
    prior: list[R] | None = None,
) -> dict[str, Any]:
    """What `terraform show -json PLANFILE` prints."""
    changes = []
    for resource in resources:
        module, kind, name, index = resource.parts
        change: dict[str, Any] = {
            "address": resource.address,
            **({"module_address": module} if module else {}),
            "mode": resource.mode,
            "type": kind,
            "name": name,
            **({"index": index} if index is not None else {}),
            "provider_name": resource.object()["provider_name"],
            "change": {
                "actions": resource.action,
                "before": resource.before if resource.action != ["create"] else None,
                "after": {k: v for k, v in resource.values.items()},
                "after_unknown": resource.unknown,
                "before_sensitive": False if resource.action == ["create"] else {},
                "after_sensitive": resource.sensitive,
            },
        }
        changes.append(change)
    planned = [r for r in resources if r.action != ["delete"]]
    document: dict[str, Any] = {
        "format_version": format_version,
        "terraform_version": "1.11.4",
        "variables": {k: {"value": v} for k, v in (variables or {}).items()},
        "planned_values": {"root_module": _modules(planned)},
        "resource_changes": changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.11.4",
            "values": {"root_module": _modules(prior if prior is not None else [])},
        },
        "configuration": configuration or {"root_module": {}},
        "timestamp": "2026-11-30T10:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    if format_version.startswith("0."):
        for key in ("applyable", "complete", "errored", "timestamp"):
            document.pop(key)
    return document


def show_state(resources: list[R]) -> dict[str, Any]:
    """What `terraform show -json` prints for the current state."""
    return {
        "format_version": "1.0",
        "terraform_version": "1.11.4",
        "values": {"outputs": {}, "root_module": _modules(resources)},
    }


def raw_state(resources: list[R], version: int = 4) -> dict[str, Any]:
    """A `terraform.tfstate` file (state format version 4)."""
    grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for resource in resources:
        module, kind, name, index = resource.parts
        key = (module, resource.mode, kind, name)
        entry = grouped.get(key)
        if entry is None:
            entry = grouped[key] = {
                **({"module": module} if module else {}),
                "mode": resource.mode,
                "type": kind,
                "name": name,
                **(
                    {"each": "map" if isinstance(index, str) else "list"}
                    if index is not None
                    else {}
                ),
                "provider": f'provider["{resource.object()["provider_name"]}"]',
                "instances": [],
            }
        instance: dict[str, Any] = {}
        if index is not None:
            instance["index_key"] = index
        instance.update(
            {
                "schema_version": 0,
                "attributes": resource.values,
                "sensitive_attributes": [],
                "private": "bnVsbA==",
                "dependencies": [],
            }
        )
        entry["instances"].append(instance)
    return {
        "version": version,
        "terraform_version": "1.11.4",
        "serial": 7,
        "lineage": "4f1c2b1e-0000-4000-8000-000000000000",
        "outputs": {},
        "resources": list(grouped.values()),
        "check_results": None,
    }


def write(
    path: Path, document: dict[str, Any], *, pretty: bool = False, encoding: str = "utf-8"
) -> Path:
    """Write as Terraform does (one compact line), or indented (a state file), in `encoding`
    (`utf-16` adds the byte-order mark Windows PowerShell writes)."""
    text = (
        json.dumps(document, indent=2) + "\n"
        if pretty
        else json.dumps(document, separators=(",", ":")) + "\n"
    )
    path.write_bytes(text.encode(encoding))
    return path
