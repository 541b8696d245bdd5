"""Terraform's JSON as it is found on disk: recognised by content, refused with what to do, read into resources.

Read (https://developer.hashicorp.com/terraform/internals/json-format): `terraform show -json`
of a saved plan (`planned_values`, `resource_changes`, `prior_state`, `configuration`) and of
state (`values`), every `format_version` 0.x and 1.x, root module and nested `child_modules`;
raw state files (`terraform.tfstate`, its `.backup`: state format `version` 4). UTF-8, with or
without a byte-order mark, and UTF-16 with one (what Windows PowerShell's `>` writes).

Refused, with what to run instead: the event stream of `terraform plan -json`, a binary plan
file, state format 3 and older (Terraform 0.11), encrypted OpenTofu state, a `format_version`
of another major version, and JSON that is not Terraform's.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BlueprintError, Problem
from ..located.guard import MAX_DEPTH, MAX_INT_DIGITS
from .values import SENSITIVE, UNKNOWN, TooDeep, mark, scrub, too_deep

__all__ = [
    "ModuleConfig",
    "Resource",
    "TerraformFile",
    "decode",
    "looks_like_terraform",
    "read_file",
    "read_text",
]

_EXPECTED = (
    "expected the output of `terraform show -json` for a saved plan or for state, or a state file"
)


@dataclass
class Resource:
    """One resource instance of a plan or a state, its values scrubbed and marked."""

    address: str
    """Its absolute address: `module.hub.google_compute_firewall.allow["ssh"]`."""
    module: str
    """The module instance it is in (`module.hub`, `module.spoke["prod"]`); empty for the root."""
    mode: str
    """`managed` or `data`."""
    type: str
    name: str
    index: int | str | None
    """Its `count` index or `for_each` key; None for a single instance."""
    provider: str
    """The provider's source address, as the file gives it (`registry.terraform.io/hashicorp/google`)."""
    values: dict[str, Any]
    """Attribute values; `UNKNOWN` where the plan does not know them yet, `SENSITIVE` where a
    secret was."""
    file: str
    line: int | None = None
    column: int | None = None
    action: str = "no-op"
    """What the plan does to it (`create`, `update`, `replace`, `no-op`, `read`); state: `no-op`."""

    @property
    def resource_address(self) -> str:
        """The address without the instance key: `module.hub.google_compute_firewall.allow`."""
        prefix = f"{self.module}." if self.module else ""
        data = "data." if self.mode == "data" else ""
        return f"{prefix}{data}{self.type}.{self.name}"

    @property
    def provider_name(self) -> str:
        """The provider's short name (`google`, `scaleway`, `aws`)."""
        return self.provider.rstrip('"]').rsplit("/", 1)[-1]


@dataclass
class ModuleConfig:
    """One module of the plan's `configuration`: its resources' expressions, its module calls and outputs."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Module-relative address (`google_compute_network.hub`) -> its configuration entry."""
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Module call name -> its `expressions`."""
    children: dict[str, ModuleConfig] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class TerraformFile:
    """What one file holds: its resources, the configuration (plans), its kind."""

    name: str
    kind: str
    """`plan`, `state` (`terraform show -json` of state) or `tfstate` (a raw state file)."""
    resources: list[Resource]
    configuration: ModuleConfig | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    provider_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Provider configuration key -> its `expressions` (plans only)."""
    terraform_version: str | None = None


# --- decoding --------------------------------------------------------------------------------------
def _error(
    name: str, message: str, line: int | None = None, column: int | None = None
) -> BlueprintError:
    return BlueprintError(
        [Problem(message, file=name, line=line, column=column, code="syntax")],
        summary=f"{name}: {message}",
    )


def decode(raw: bytes, name: str) -> str:
    """The text of a file: UTF-8 (a byte-order mark allowed) or UTF-16 with a byte-order mark."""
    if raw.startswith(b"PK\x03\x04"):
        raise _error(
            name,
            "this is a binary plan file (a zip archive): run `terraform show -json PLANFILE > "
            "plan.json` and pass plan.json (" + _EXPECTED + ")",
            1,
            1,
        )
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error(
            name,
            f"byte {exc.start} is not {exc.encoding.upper()} text (expected UTF-8, or UTF-16 with "
            "a byte-order mark as Windows PowerShell writes it)",
        ) from None


_TERRAFORM_KEYS = re.compile(
    r'"(format_version|terraform_version|planned_values|resource_changes|prior_state'
    r'|lineage|serial|@level|@message|encrypted_data|encryption_version)"\s*:'
)


def looks_like_terraform(text: str) -> bool:
    """Whether the text is JSON whose first keys are Terraform's (a plan, state, the event
    stream, an encrypted OpenTofu state): decided on the first 64 KiB, by content."""
    head = text[:65536].lstrip()
    return head.startswith("{") and _TERRAFORM_KEYS.search(head) is not None


# --- positions -------------------------------------------------------------------------------------
class _Lines:
    """Line and column of a character offset (terraform's JSON is often one line: the column says)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        if "\n" in text:
            self.starts += [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _unescape(raw: str) -> str:
    """A JSON string's content: the escapes addresses hold (quotes of for_each keys) read fast."""
    if "\\" not in raw:
        return raw
    simple = raw.replace('\\"', '"')
    return simple if "\\" not in simple else str(json.loads(f'"{raw}"'))


def _address_offsets(text: str, start: int, wanted: int | None = None) -> dict[str, int]:
    """Where each `"address": "..."` first appears from `start` on (the resource's object); the
    scan stops once `wanted` addresses are found (the section's own resources)."""
    found: dict[str, int] = {}
    for match in _ADDRESS.finditer(text, start):
        address = _unescape(match.group(1))
        if address not in found:
            found[address] = match.start()
            if wanted is not None and len(found) >= wanted:
                break
    return found


def _key_offset(text: str, key: str) -> int:
    match = re.search(rf'"{key}"\s*:', text)
    return match.start() if match else 0


# --- plan and state ('terraform show -json') ---------------------------------------------------------
def _addresses_in(module: Any) -> int:
    """How many `address` keys a module tree holds (its resources and child modules)."""
    if type(module) is not dict:
        return 0
    children = module.get("child_modules") or ()
    return (
        len(module.get("resources") or ()) + len(children) + sum(_addresses_in(c) for c in children)
    )


def _data_only(module: Any) -> dict[str, Any] | None:
    """A module tree with its data sources only (None when it has none)."""
    if type(module) is not dict:
        return None
    resources = [
        r for r in module.get("resources") or () if type(r) is dict and r.get("mode") == "data"
    ]
    children = [
        c for c in (_data_only(c) for c in module.get("child_modules") or ()) if c is not None
    ]
    if not resources and not children:
        return None
    return {"resources": resources, "child_modules": children}


def _walk_module(module: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every resource object of a module and its child modules, with its JSON path."""
    if type(module) is not dict:
        return
    for index, resource in enumerate(module.get("resources") or ()):
        if type(resource) is dict:
            yield resource, f"{path}.resources[{index}]"
    for index, child in enumerate(module.get("child_modules") or ()):
        yield from _walk_module(child, f"{path}.child_modules[{index}]")


def _module_of(address: str, resource: dict[str, Any]) -> str:
    """The module instance part of an address (`module.a["x"].module.b`)."""
    prefix = f"{'data.' if resource.get('mode') == 'data' else ''}{resource.get('type')}.{resource.get('name')}"
    at_ = address.rfind("." + prefix) if not address.startswith(prefix) else -1
    return address[:at_] if at_ > 0 else ""


def _required(resource: dict[str, Any], json_path: str, name: str) -> None:
    missing = [k for k in ("address", "type", "name") if not isinstance(resource.get(k), str)]
    if missing:
        raise _error(
            name,
            f"{json_path}: a resource without {', '.join(missing)} (expected the resource objects "
            "of `terraform show -json`)",
        )


def _resources(
    name: str,
    module: Any,
    json_path: str,
    offsets: dict[str, int],
    lines: _Lines,
    changes: dict[str, dict[str, Any]],
) -> list[Resource]:
    out: list[Resource] = []
    seen: set[str] = set()
    for resource, path in _walk_module(module, json_path):
        _required(resource, path, name)
        address = resource["address"]
        if address in seen:
            # Terraform writes each instance once: two would be merged or renamed in silence
            offset = offsets.get(address)
            raise _error(
                name,
                f"{path}: {address} is written twice (expected each resource address once)",
                *(lines.at(offset) if offset is not None else (None, None)),
            )
        seen.add(address)
        values = resource.get("values")
        values = dict(values) if type(values) is dict else {}
        change = changes.get(address)
        action = "no-op"
        if change is not None:
            after_unknown = change.get("after_unknown")
            if after_unknown:
                values = mark(values, after_unknown, UNKNOWN)
            after_sensitive = change.get("after_sensitive")
            if after_sensitive:
                values = mark(values, after_sensitive, SENSITIVE)
            action = _action(change.get("actions"))
        sensitive = resource.get("sensitive_values")
        if sensitive:
            values = mark(values, sensitive, SENSITIVE)
        offset = offsets.get(address)
        line, column = lines.at(offset) if offset is not None else (None, None)
        if type(values) is not dict:
            # `true` for the whole object: no attribute of it can be read, and leaving the
            # resource out would answer as if it did nothing to traffic
            what = "known after apply" if values is UNKNOWN else "sensitive"
            raise _error(
                name,
                f"{address}: the whole resource is marked {what} (expected an object marking "
                "the attributes that are, as Terraform writes for a resource)",
                line,
                column,
            )
        out.append(
            Resource(
                address=address,
                module=_module_of(address, resource),
                mode=str(resource.get("mode", "managed")),
                type=resource["type"],
                name=resource["name"],
                index=resource.get("index"),
                provider=str(resource.get("provider_name", "")),
                values=scrub(values),
                file=name,
                line=line,
                column=column,
                action=action,
            )
        )
    return out


def _action(actions: Any) -> str:
    if not isinstance(actions, list):
        return "no-op"
    if actions in (["delete", "create"], ["create", "delete"]):
        return "replace"
    return str(actions[0]) if actions else "no-op"


def _configuration(config: Any) -> ModuleConfig | None:
    if type(config) is not dict:
        return None

    def module(value: Any) -> ModuleConfig:
        out = ModuleConfig()
        if type(value) is not dict:
            return out
        for resource in value.get("resources") or ():
            if type(resource) is dict and isinstance(resource.get("address"), str):
                out.resources[resource["address"]] = resource
        for call_name, call in (value.get("module_calls") or {}).items():
            if type(call) is dict:
                out.calls[call_name] = call.get("expressions") or {}
                out.children[call_name] = module(call.get("module"))
        outputs = value.get("outputs")
        out.outputs = outputs if type(outputs) is dict else {}
        return out

    return module(config.get("root_module"))


def _version(name: str, document: dict[str, Any]) -> None:
    version = document.get("format_version")
    if version is None:
        return
    major = str(version).split(".", 1)[0]
    if major not in ("0", "1"):
        raise _error(
            name,
            f"format_version {version!r} is not one crossfence reads (expected 0.x or 1.x: the "
            "JSON of Terraform 0.12 to 1.x)",
        )


def _plan(name: str, text: str, document: dict[str, Any]) -> TerraformFile:
    lines = _Lines(text)
    changes: dict[str, dict[str, Any]] = {}
    deleted: set[str] = set()
    for change in document.get("resource_changes") or ():
        if (
            type(change) is dict
            and isinstance(change.get("address"), str)
            and type(change.get("change")) is dict
        ):
            changes[change["address"]] = change["change"]
            if change["change"].get("actions") == ["delete"]:
                deleted.add(change["address"])
    planned = (document.get("planned_values") or {}).get("root_module")
    resources = _resources(
        name,
        planned,
        "planned_values.root_module",
        _address_offsets(text, _key_offset(text, "planned_values"), _addresses_in(planned)),
        lines,
        changes,
    )
    if planned is None and changes:
        resources = _from_changes(name, text, document, lines)
    known = {r.address for r in resources}
    prior = _data_only(((document.get("prior_state") or {}).get("values") or {}).get("root_module"))
    if prior is not None:
        # data sources read at refresh: their values resolve references (never mapped themselves)
        offsets = _address_offsets(text, _key_offset(text, "prior_state"))
        for resource in _resources(
            name, prior, "prior_state.values.root_module", offsets, lines, {}
        ):
            if (
                resource.mode == "data"
                and resource.address not in known
                and resource.address not in deleted
            ):
                resources.append(resource)
    variables = {
        key: value.get("value")
        for key, value in (document.get("variables") or {}).items()
        if type(value) is dict
    }
    configuration = document.get("configuration")
    providers = (
        (configuration or {}).get("provider_config") if type(configuration) is dict else None
    )
    return TerraformFile(
        name,
        "plan",
        resources,
        _configuration(configuration),
        scrub(variables),
        {
            key: value.get("expressions") or {}
            for key, value in (providers or {}).items()
            if type(value) is dict
        },
        document.get("terraform_version"),
    )


def _from_changes(name: str, text: str, document: dict[str, Any], lines: _Lines) -> list[Resource]:
    """A plan without `planned_values`: each change's `after` with its unknowns."""
    offsets = _address_offsets(text, _key_offset(text, "resource_changes"))
    out: list[Resource] = []
    for index, entry in enumerate(document.get("resource_changes") or ()):
        if type(entry) is not dict or type(entry.get("change")) is not dict:
            continue
        change = entry["change"]
        if change.get("actions") == ["delete"] or type(change.get("after")) is not dict:
            continue
        resource = {**entry, "values": change["after"]}
        _required(resource, f"resource_changes[{index}]", name)
        out += _resources(
            name,
            {"resources": [resource]},
            "resource_changes",
            offsets,
            lines,
            {entry["address"]: change},
        )
    return out


def _state(name: str, text: str, document: dict[str, Any]) -> TerraformFile:
    lines = _Lines(text)
    root = (document.get("values") or {}).get("root_module")
    offsets = _address_offsets(text, _key_offset(text, "values"), _addresses_in(root))
    return TerraformFile(
        name,
        "state",
        _resources(name, root, "values.root_module", offsets, lines, {}),
        terraform_version=document.get("terraform_version"),
    )


# --- raw state files ---------------------------------------------------------------------------------
_RAW_RESOURCE = re.compile(r'"mode"\s*:\s*"(?:managed|data)"\s*,\s*"type"\s*:')


def _index_text(index: int | str | None) -> str:
    if index is None:
        return ""
    return f"[{index}]" if isinstance(index, int) else f"[{json.dumps(index)}]"


def _tfstate(name: str, text: str, document: dict[str, Any]) -> TerraformFile:
    lines = _Lines(text)
    version = document.get("version")
    if not isinstance(version, int) or version < 4:
        raise _error(
            name,
            f"state format version {version} (Terraform 0.11 or older) is not read: run "
            "`terraform refresh` (or any plan and apply) with Terraform 0.12 or later, which "
            "rewrites it as version 4, or pass `terraform show -json` of it (expected state "
            "format version 4)",
            1,
            1,
        )
    if version > 4:
        raise _error(
            name, f"state format version {version} is not one crossfence reads (expected 4)"
        )
    starts = [m.start() for m in _RAW_RESOURCE.finditer(text)]
    out: list[Resource] = []
    resources = document.get("resources") or []
    if type(resources) is not list:
        raise _error(name, "'resources' is not a list (expected the resources of a state file)")
    for position, resource in enumerate(resources):
        if type(resource) is not dict or not isinstance(resource.get("type"), str):
            raise _error(
                name,
                f"resources[{position}]: a resource without a type (expected the resources of a "
                "state file)",
            )
        module = str(resource.get("module") or "")
        mode = str(resource.get("mode", "managed"))
        offset = starts[position] if position < len(starts) else None
        line, column = lines.at(offset) if offset is not None else (None, None)
        for instance in resource.get("instances") or ():
            if type(instance) is not dict or instance.get("deposed"):
                continue
            attributes = instance.get("attributes")
            if type(attributes) is not dict:
                attributes = {}
            sensitive: dict[str, Any] = {}
            for path in instance.get("sensitive_attributes") or ():
                _mark_path(sensitive, path)
            values = mark(dict(attributes), sensitive, SENSITIVE) if sensitive else dict(attributes)
            index = instance.get("index_key")
            data = "data." if mode == "data" else ""
            prefix = f"{module}." if module else ""
            out.append(
                Resource(
                    address=f"{prefix}{data}{resource['type']}.{resource.get('name')}{_index_text(index)}",
                    module=module,
                    mode=mode,
                    type=resource["type"],
                    name=str(resource.get("name")),
                    index=index,
                    provider=str(resource.get("provider", "")),
                    values=scrub(values),
                    file=name,
                    line=line,
                    column=column,
                )
            )
    return TerraformFile(name, "tfstate", out, terraform_version=document.get("terraform_version"))


def _mark_path(mirror: dict[str, Any], path: Any) -> None:
    """A `sensitive_attributes` path (`[{"type": "get_attr", "value": "password"}]`) into a mirror."""
    if type(path) is not list or not path:
        return
    keys = [step.get("value") for step in path if type(step) is dict]
    current: Any = mirror
    for key in keys[:-1]:
        if not isinstance(key, str | int) or type(current) is not dict:
            return
        current = current.setdefault(str(key), {})
    if keys and isinstance(keys[-1], str | int) and type(current) is dict:
        current[str(keys[-1])] = True


# --- entry points ----------------------------------------------------------------------------------
def read_text(name: str, text: str) -> TerraformFile:
    """What a file's text holds, or a `BlueprintError` saying what it is and what to do."""
    stripped = text.lstrip()
    if not stripped:
        raise _error(name, f"the file is empty ({_EXPECTED})")
    first_line = stripped.split("\n", 1)[0]
    if first_line.startswith("{") and '"@level"' in first_line[:200]:
        raise _error(
            name,
            "this is the event stream of `terraform plan -json` (one JSON object per line): save "
            "the plan with `terraform plan -out plan.tfplan`, then run `terraform show -json "
            "plan.tfplan > plan.json` and pass plan.json",
            1,
            1,
        )
    try:
        document = json.loads(text, parse_constant=_not_json)
    except _NotJson as exc:
        found = _CONSTANT.search(text)
        raise _error(
            name,
            f"{exc.args[0]} is not a JSON number (expected a number: JSON has no NaN or "
            "Infinity, and Terraform never writes them)",
            *_line_column(text, found.start() if found else 0),
        ) from None
    except json.JSONDecodeError as exc:
        raise _error(
            name, f"not valid JSON: {exc.msg.lower()} ({_EXPECTED})", exc.lineno, exc.colno
        ) from None
    except RecursionError:
        raise _too_deep(name) from None
    except ValueError:  # an integer longer than Python converts (`sys.get_int_max_str_digits`)
        raise _too_long_integer(name, text) from None
    try:
        return _document(name, text, document)
    except (TooDeep, RecursionError):
        raise _too_deep(name) from None


class _NotJson(ValueError):
    """`NaN`, `Infinity` or `-Infinity`: Python's `json` reads them, JSON (RFC 8259) has no such
    number and Terraform never writes one."""


_CONSTANT = re.compile(r"(?<=[:\[,\s])(?:NaN|-?Infinity)\b")


def _not_json(constant: str) -> Any:
    raise _NotJson(constant)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _too_long_integer(name: str, text: str) -> BlueprintError:
    found = re.search(rf"[0-9]{{{MAX_INT_DIGITS + 1},}}", text)
    digits = len(found.group()) if found else MAX_INT_DIGITS + 1
    return _error(
        name,
        f"a number of {digits} digits is too long (expected at most {MAX_INT_DIGITS} digits)",
        *_line_column(text, found.start() if found else 0),
    )


def _too_deep(name: str) -> BlueprintError:
    return _error(
        name,
        f"nested more than {MAX_DEPTH} levels deep (expected at most {MAX_DEPTH}: {_EXPECTED})",
    )


_OBJECT, _LIST = "an object", "a list"
# (key, what Terraform writes there) of `terraform show -json`'s containers that the reader walks:
# https://developer.hashicorp.com/terraform/internals/json-format ("Plan Representation", "State
# Representation", "Values Representation", "Change Representation")
_MODULE_KEYS = (("resources", _LIST), ("child_modules", _LIST))
_MIRROR = "an object or a boolean"
_RESOURCE_KEYS = (("values", _OBJECT), ("sensitive_values", _MIRROR))
_CHANGE_KEYS = (
    ("after", _OBJECT),
    ("after_unknown", _MIRROR),
    ("after_sensitive", _MIRROR),
    ("before_sensitive", _MIRROR),
)


_WRITES = "as `terraform show -json` writes it"


def _kind(value: Any) -> str:
    """How a JSON value reads to the user."""
    if type(value) is dict:
        return "an object"
    if type(value) is list:
        return "a list"
    if type(value) is str:
        return "a string"
    if type(value) is bool:
        return "a boolean"
    return "a number" if isinstance(value, int | float) else "null"


def _fits(value: Any, expected: str) -> bool:
    """Whether a value that is not null has the shape `expected` names."""
    if expected == _LIST:
        return type(value) is list
    return type(value) is dict or (expected == _MIRROR and type(value) is bool)


def _check_shape(name: str, document: dict[str, Any]) -> None:
    """Refuse a plan or state whose containers are not the shapes Terraform writes (a
    `resources` that is an object, a resource that is a number, an `after_unknown` that is a
    list...): read as they are, they would be skipped in silence or crash the reader."""

    def expect(value: Any, expected: str, path: str) -> bool:
        """False for null or absent; raises for a value of another shape."""
        if value is None:
            return False
        if not _fits(value, expected):
            raise _error(
                name,
                f"{path} is {_kind(value)} (expected {expected}, {_WRITES})",
            )
        return True

    def module(value: Any, path: str) -> None:
        pending = [(value, path)]
        while pending:
            current, where = pending.pop()
            if not expect(current, _OBJECT, where):
                continue
            for key, expected in _MODULE_KEYS:
                items = current.get(key)
                if expect(items, expected, f"{where}.{key}"):
                    for index, item in enumerate(items):
                        at_ = f"{where}.{key}[{index}]"
                        if key == "child_modules":
                            pending.append((item, at_))
                        else:
                            if item is None:
                                raise _error(name, f"{at_} is null (expected an object, {_WRITES})")
                            expect(item, _OBJECT, at_)
                            for field_, wanted in _RESOURCE_KEYS:
                                expect(item.get(field_), wanted, f"{at_}.{field_}")

    for section, inner in (("planned_values", "root_module"), ("values", "root_module")):
        if expect(document.get(section), _OBJECT, section):
            module(document[section].get(inner), f"{section}.{inner}")
    if expect(document.get("prior_state"), _OBJECT, "prior_state") and expect(
        document["prior_state"].get("values"), _OBJECT, "prior_state.values"
    ):
        module(
            document["prior_state"]["values"].get("root_module"), "prior_state.values.root_module"
        )
    for key in ("variables", "configuration"):
        expect(document.get(key), _OBJECT, key)
    changes = document.get("resource_changes")
    if expect(changes, _LIST, "resource_changes"):
        for index, entry in enumerate(changes or ()):
            where = f"resource_changes[{index}]"
            if not expect(entry, _OBJECT, where):
                continue
            if "change" in entry and entry["change"] is None:  # null is not "no change"
                raise _error(name, f"{where}.change is null (expected an object, {_WRITES})")
            if expect(entry.get("change"), _OBJECT, f"{where}.change"):
                for key, expected in _CHANGE_KEYS:
                    expect(entry["change"].get(key), expected, f"{where}.change.{key}")


def _document(name: str, text: str, document: Any) -> TerraformFile:
    """The file a parsed document is, or a `BlueprintError` saying what it is instead."""
    if type(document) is not dict:
        raise _error(name, f"the JSON is not an object ({_EXPECTED})", 1, 1)
    if "encrypted_data" in document or "encryption_version" in document:
        raise _error(
            name,
            "this is an encrypted OpenTofu state: run `tofu show -json` (with the state's "
            "encryption configured) and pass its output",
            1,
            1,
        )
    if "version" in document and (
        "lineage" in document or "resources" in document or "modules" in document
    ):
        return _tfstate(name, text, document)
    if "format_version" in document or "terraform_version" in document:
        _version(name, document)
        if too_deep(document.get("configuration")) or too_deep(document.get("variables")):
            raise TooDeep
        _check_shape(name, document)
        if any(k in document for k in ("planned_values", "resource_changes", "configuration")):
            return _plan(name, text, document)
        return _state(name, text, document)
    keys = ", ".join(sorted(document)[:6]) or "none"
    raise _error(
        name,
        f"this JSON is not Terraform's: its keys are {keys} ({_EXPECTED}: `format_version` with "
        "`planned_values` or `values`, or a state file's `version` and `resources`)",
        1,
        1,
    )


def read_file(path: Path, name: str | None = None) -> TerraformFile:
    """Read one Terraform JSON file (`name`: how messages call it)."""
    shown = name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(
            shown, f"cannot read the file: {exc.strerror or exc} (expected a readable file)"
        ) from None
    return read_text(shown, decode(raw, shown))
