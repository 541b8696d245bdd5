"""References between resources resolved the way Terraform wrote them: by value (self_link, id, name, ARN), or through the plan's configuration.

A known value names its target (`network = ".../global/networks/hub"`, `vpc_id = "vpc-0a1b"`,
`private_network_id = "fr-par/1111..."`): it is looked up among every file's resources, so a
compute state may refer to a network state. A value the plan does not know yet (the id of a
network created by the same plan) is resolved through the `configuration` section: the
expression's `references` (`google_compute_network.hub.id`, `var.network`, `module.net.id`),
followed through module calls and outputs, and `count`/`for_each` keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from .read import ModuleConfig, Resource, TerraformFile
from .values import UNKNOWN

__all__ = ["ResourceIndex", "module_steps", "parse_reference"]

_GOOGLE_URL = re.compile(r"^https://[a-z.]*googleapis\.com/(?:[a-z]+/)?(?:v1|beta|v1beta1|v2)/")
_SCALEWAY_ID = re.compile(r"^[a-z]{2}-[a-z]{3}(?:-\d)?/([0-9a-f-]{36})$")
_STEP = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)|\[("(?:[^"\\]|\\.)*"|\d+|\*)\]|\.')


def parse_reference(text: str) -> list[tuple[str, int | str | None]]:
    """`module.a["x"].out` -> [("module", None), ("a", "x"), ("out", None)]: names with their key."""
    steps: list[tuple[str, int | str | None]] = []
    position = 0
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            break
        position = match.end()
        if match.group(1):
            steps.append((match.group(1), None))
        elif match.group(2) and steps and match.group(2) != "*":
            raw = match.group(2)
            key: int | str = json.loads(raw) if raw.startswith('"') else int(raw)
            steps[-1] = (steps[-1][0], key)
    return steps


def module_steps(module: str) -> list[tuple[str, int | str | None]]:
    """`module.a["x"].module.b` -> [("a", "x"), ("b", None)]."""
    steps = parse_reference(module)
    return [steps[i + 1] for i in range(0, len(steps) - 1, 2) if steps[i][0] == "module"]


def _key_text(key: int | str | None) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


def _module_address(steps: list[tuple[str, int | str | None]]) -> str:
    return ".".join(f"module.{name}{_key_text(key)}" for name, key in steps)


def normal_keys(value: str) -> list[str]:
    """The forms under which a reference value may name a resource: itself, a Google API URL
    without its host and version, a Scaleway `region/uuid` without its region."""
    keys = [value]
    stripped = _GOOGLE_URL.sub("", value)
    if stripped != value:
        keys.append(stripped)
    scaleway = _SCALEWAY_ID.match(value)
    if scaleway:
        keys.append(scaleway.group(1))
    return keys


class ResourceIndex:
    """Every resource of every file, found by address (per file), by identifying value, by name."""

    def __init__(self, files: Iterable[TerraformFile]) -> None:
        self.files = list(files)
        self.by_address: dict[tuple[str, str], Resource] = {}
        self.instances: dict[tuple[str, str], list[Resource]] = {}
        self.by_value: dict[str, list[Resource]] = {}
        self.by_name: dict[tuple[str, str], list[Resource]] = {}
        self.modules: dict[str, set[str]] = {}
        for file in self.files:
            modules = self.modules.setdefault(file.name, set())
            for resource in file.resources:
                self.by_address[(file.name, resource.address)] = resource
                self.instances.setdefault((file.name, resource.resource_address), []).append(
                    resource
                )
                modules.add(resource.module)
                keys = {
                    key
                    for attribute in ("id", "self_link", "arn")
                    if isinstance(value := resource.values.get(attribute), str) and value
                    for key in normal_keys(value)
                }
                for key in keys:
                    self.by_value.setdefault(key, []).append(resource)
                name = resource.values.get("name")
                if isinstance(name, str) and name:
                    self.by_name.setdefault((resource.type, name), []).append(resource)
        self.file_of = {file.name: file for file in self.files}

    # -- by value -----------------------------------------------------------------------------
    def lookup(self, types: Iterable[str], value: Any) -> list[Resource]:
        """The resources of `types` that `value` (an id, a self_link, an ARN, a name) names."""
        if not isinstance(value, str) or not value:
            return []
        wanted = set(types)
        for key in normal_keys(value):
            found = [r for r in self.by_value.get(key, ()) if r.type in wanted]
            if found:
                return _managed_first(found)
        # a partial URL (`global/networks/hub`, `regions/x/subnetworks/y`) or a bare name
        name = value.rstrip("/").rsplit("/", 1)[-1]
        found = [r for t in wanted for r in self.by_name.get((t, name), ())]
        if len(found) > 1 and "/projects/" in f"/{value}":
            project = value.split("projects/", 1)[1].split("/", 1)[0]
            found = [r for r in found if r.values.get("project") in (project, None)] or found
        return _managed_first(found)

    # -- through the configuration -------------------------------------------------------------
    def through_configuration(
        self, resource: Resource, path: tuple[str | int, ...]
    ) -> list[Resource] | Any:
        """The resources the configuration expression of `path` refers to, or a constant value
        when the expression is one; None when the configuration does not say."""
        file = self.file_of.get(resource.file)
        if file is None or file.configuration is None:
            return None
        config = _module_config(file.configuration, module_steps(resource.module))
        if config is None:
            return None
        entry = config.resources.get(
            f"{'data.' if resource.mode == 'data' else ''}{resource.type}.{resource.name}"
        )
        if entry is None:
            return None
        expression = _expression(entry.get("expressions") or {}, path)
        if expression is None:
            return None
        return self._follow(file, module_steps(resource.module), expression, resource.index, 0)

    def _follow(
        self,
        file: TerraformFile,
        module: list[tuple[str, int | str | None]],
        expression: dict[str, Any],
        index: int | str | None,
        depth: int,
    ) -> list[Resource] | Any:
        if depth > 32:
            return None
        if "constant_value" in expression:
            return ("constant", expression["constant_value"])
        for reference in expression.get("references") or ():
            if not isinstance(reference, str):
                continue
            found = self._reference(file, module, parse_reference(reference), index, depth)
            if found is not None:
                return found
        return None

    def _reference(
        self,
        file: TerraformFile,
        module: list[tuple[str, int | str | None]],
        steps: list[tuple[str, int | str | None]],
        index: int | str | None,
        depth: int,
    ) -> list[Resource] | Any:
        if not steps:
            return None
        head = steps[0][0]
        if head == "var" and len(steps) >= 2:
            variable = steps[1][0]
            if not module:
                value = file.variables.get(variable, UNKNOWN)
                return None if value is UNKNOWN else ("constant", value)
            parent = module[:-1]
            parent_config = (
                _module_config(file.configuration, parent) if file.configuration else None
            )
            if parent_config is None:
                return None
            call = parent_config.calls.get(module[-1][0]) or {}
            expression = call.get(variable)
            if type(expression) is not dict:
                return None
            return self._follow(
                file,
                parent,
                expression,
                module[-1][1] if module[-1][1] is not None else index,
                depth + 1,
            )
        if head == "module" and len(steps) >= 3:
            child = [*module, steps[1]]
            config = _module_config(file.configuration, child) if file.configuration else None
            if config is None:
                return None
            if steps[1][1] is None:
                keys = self._module_keys(file, module, steps[1][0])
                if len(keys) == 1:
                    child = [*module, (steps[1][0], keys[0])]
                elif index in keys:
                    child = [*module, (steps[1][0], index)]
                elif keys:
                    return None
            output = (config.outputs.get(steps[2][0]) or {}).get("expression")
            if type(output) is not dict:
                return None
            return self._follow(file, child, output, index, depth + 1)
        if head in ("local", "each", "count", "path", "terraform", "self"):
            return None
        if head == "data" and len(steps) >= 3:
            kind, name, key = steps[1][0], steps[2][0], steps[2][1]
            base = f"data.{kind}.{name}"
        elif len(steps) >= 2:
            kind, name, key = steps[0][0], steps[1][0], steps[1][1]
            base = f"{kind}.{name}"
        else:
            return None
        prefix = _module_address(module)
        address = f"{prefix}.{base}" if prefix else base
        if key is not None:
            found = self.by_address.get((file.name, address + _key_text(key)))
            return [found] if found else None
        instances = self.instances.get((file.name, address), [])
        if len(instances) == 1:
            return instances
        same = [r for r in instances if r.index == index and index is not None]
        return same or None

    def _module_keys(
        self, file: TerraformFile, module: list[tuple[str, int | str | None]], name: str
    ) -> list[int | str | None]:
        prefix = _module_address(module)
        keys: list[int | str | None] = []
        for found in self.modules.get(file.name, ()):
            steps = module_steps(found)
            if (
                len(steps) > len(module)
                and steps[: len(module)] == module
                and steps[len(module)][0] == name
            ):
                key = steps[len(module)][1]
                if key not in keys:
                    keys.append(key)
        del prefix
        return keys


def _managed_first(found: list[Resource]) -> list[Resource]:
    managed = [r for r in found if r.mode == "managed"]
    return managed or found


def _module_config(
    root: ModuleConfig | None, steps: list[tuple[str, int | str | None]]
) -> ModuleConfig | None:
    current = root
    for name, _ in steps:
        if current is None:
            return None
        current = current.children.get(name)
    return current


def _expression(expressions: Any, path: tuple[str | int, ...]) -> dict[str, Any] | None:
    current = expressions
    for part in path:
        if isinstance(part, int):
            if type(current) is list:
                current = (
                    current[part] if part < len(current) else (current[0] if current else None)
                )
            # a single block: its expressions are an object, not a list
            continue
        if type(current) is list:
            current = current[0] if current else None
        if type(current) is not dict:
            return None
        current = current.get(part)
    if type(current) is list:
        current = current[0] if current else None
    return (
        current
        if type(current) is dict and ("references" in current or "constant_value" in current)
        else None
    )
