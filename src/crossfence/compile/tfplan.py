"""The round trip of the terraform target: compiled `*.tf.json` as `terraform show -json` of its plan, and the overlay of what Terraform does not hold.

`plan_of(documents)` turns the compiled configurations into the JSON Terraform prints for a
plan of them once applied (https://developer.hashicorp.com/terraform/internals/json-format):
`planned_values.root_module.resources`, each with its configured values, what the provider
computes (`TerraformMapping.computed`: ids, self_links, the default project) and every
reference (`${google_compute_network.hub.id}`) replaced by the value it names, so the import
resolves it as it resolves a real plan's (`terraform/refs.py`). A variable (a pre-shared key, a
certificate) is `sensitive`: no value. `overlay_of(blueprint)` is the blueprint without the
objects the target wrote: what the import reads with the plan (`crossfence.load(plan,
overlays=[overlay])`) to give the blueprint back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model import Blueprint
from ..model.blueprint import SECTIONS
from ..model.writer import write_blueprint
from ..providers.registry import terraform_mappings
from .base import Unsupported
from .terraform import CROSS_CLOUD, cloud_name, written, written_providers

__all__ = ["overlay_of", "plan_of", "round_trip_files"]

_REFERENCE = re.compile(r"^\$\{([A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)\}$")
_VARIABLE = re.compile(r"^\$\{var\.([A-Za-z0-9_-]+)\}$")
_VARIABLES_ONLY = re.compile(r"^(?:[^$]|\$\{var\.[A-Za-z0-9_-]+\})*$")


def _providers(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`google` or `google.alias` -> the provider block."""
    out: dict[str, dict[str, Any]] = {}
    for name, blocks in (document.get("provider") or {}).items():
        for block in blocks if isinstance(blocks, list) else [blocks]:
            alias = block.get("alias")
            out[f"{name}.{alias}" if alias else name] = block
    return out


def _resolve(value: Any, computed: dict[tuple[str, str], dict[str, Any]]) -> tuple[Any, Any]:
    """The value with its references replaced, and its `sensitive_values` mirror (False: none)."""
    if isinstance(value, dict):
        pairs = {k: _resolve(v, computed) for k, v in value.items()}
        mirror = {k: s for k, (_, s) in pairs.items() if s}
        return {k: v for k, (v, _) in pairs.items()}, mirror or False
    if isinstance(value, list):
        items = [_resolve(v, computed) for v in value]
        mirrors = [s for _, s in items]
        return [v for v, _ in items], (mirrors if any(mirrors) else False)
    if isinstance(value, str):
        if _VARIABLE.match(value):
            return None, True
        found = _REFERENCE.match(value)
        if found:
            kind, label, attribute = found.groups()
            target = computed.get((kind, label))
            if target is None or attribute not in target:
                raise ValueError(f"the compiled reference {value} names nothing compiled")
            return target[attribute], False
        if "${" in value and _VARIABLES_ONLY.match(value):
            # a name built from variables (`accessPolicies/${var.access_policy}/...`): their
            # values are the user's, so the plan shows the name as written, which the
            # references to it name alike
            return value, False
        if "${" in value:
            raise ValueError(f"a compiled template the round trip does not resolve: {value}")
    return value, False


def plan_of(documents: Mapping[str, dict[str, Any]], blueprint: Blueprint) -> dict[str, Any]:
    """The plan JSON of the compiled documents (provider -> its `main.tf.json` document) once
    applied: with the values the provider assigns as `blueprint` records them."""
    mappings = {m.provider: m for m in terraform_mappings()}
    resources: list[dict[str, Any]] = []
    for provider, document in sorted(documents.items()):
        document = {k: v for k, v in document.items() if k != "//"}
        mapping = mappings[provider]
        source = document["terraform"]["required_providers"][provider]["source"]
        blocks = _providers(document)
        computed: dict[tuple[str, str], dict[str, Any]] = {}
        for kind, by_label in document.get("resource", {}).items():
            for label, body in by_label.items():
                block = blocks.get(str(body.get("provider", provider)), {})
                extra = mapping.computed(kind, label, body, block) if mapping.computed else {}
                if mapping.applied is not None:
                    # a resource's label is its blueprint object's name (`tfjson_base.label`)
                    extra.update(mapping.applied(blueprint, kind, label))
                computed[(kind, label)] = {**body, **extra}
        for (kind, label), values in computed.items():
            # meta-arguments (the provider, depends_on) are no attribute of the resource
            body = {k: v for k, v in values.items() if k not in ("provider", "depends_on")}
            resolved, sensitive = _resolve(body, computed)
            resources.append(
                {
                    "address": f"{kind}.{label}",
                    "mode": "managed",
                    "type": kind,
                    "name": label,
                    "provider_name": f"registry.terraform.io/{source}",
                    "schema_version": 0,
                    "values": resolved,
                    "sensitive_values": sensitive or {},
                }
            )
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": resources}},
    }


def _written(blueprint: Blueprint, names: list[str]) -> bool:
    """Whether every named object is a load balancer the target writes (workloads are never
    written: the import finds them by address only when the plan holds them)."""
    for name in names:
        found = blueprint.get("load_balancers", name)
        if found is None or not written(blueprint, "load_balancers", found):
            return False
    return True


def overlay_of(blueprint: Blueprint) -> Blueprint:
    """`blueprint` without the objects the terraform target writes (those of the clouds whose
    provider it writes): what Terraform does not hold, to be read with the compiled plan."""
    clouds = {c.name for c in blueprint.clouds if c.provider in written_providers()}

    def kept(section: str, obj: Any) -> bool:
        return not written(blueprint, section, obj)

    # what no Terraform argument holds: per crossfence provider, its mapping's fields per section
    held = {m.cloud: m.overlay_fields for m in terraform_mappings() if m.write is not None}
    update: dict[str, tuple[Any, ...]] = {}
    for section in SECTIONS:
        if section in CROSS_CLOUD:
            continue
        objects: list[Any] = []
        changed = False
        for obj in getattr(blueprint, section):
            if kept(section, obj):
                objects.append(obj)
                continue
            changed = True
            found = blueprint.get("clouds", cloud_name(blueprint, section, obj) or "")
            fields_of = held.get(found.provider, {}) if found is not None else {}
            kind = getattr(obj, "kind", "")
            own = set(fields_of.get(section, ())) | set(fields_of.get(f"{section}:{kind}", ()))
            fields = {"name"} | (own & obj.model_fields_set)
            # an internet NEG names its backend, a forwarding zone its target, by address: the
            # import finds the object of that address only when the plan holds it
            if section == "load_balancers" and not _written(
                blueprint, [b.target for b in obj.backends]
            ):
                fields.add("backends")
            if section == "dns_zones" and not _written(
                blueprint, [t.workload for t in obj.forwarding_targets if t.workload]
            ):
                fields.add("forwarding_targets")
            if fields != {"name"}:
                # only what Terraform does not hold, completing the object the plan gives by name
                part = obj.model_copy()
                object.__setattr__(part, "__pydantic_fields_set__", fields)
                objects.append(part)
        if changed:
            update[section] = tuple(objects)
    # a tunnel (and its BGP session) whose two gateways are written is two halves in the plan
    joined = {
        t.name
        for t in blueprint.vpn_tunnels
        if all(
            (g := blueprint.get("vpn_gateways", end.gateway)) is not None and g.cloud in clouds
            for end in (t.local, t.peer)
        )
    }
    update["vpn_tunnels"] = tuple(t for t in blueprint.vpn_tunnels if t.name not in joined)
    update["bgp_sessions"] = tuple(s for s in blueprint.bgp_sessions if s.tunnel not in joined)
    copied = blueprint.model_copy(update=update)
    copied.__dict__.pop("_index", None)  # the look-up by name caches the objects removed above
    return copied


def round_trip_files(blueprint: Blueprint, out: Path) -> tuple[Path, Path]:
    """Write under `out` the plan of the blueprint's compiled Terraform (`plan.json`, of the
    clouds whose provider the target writes) and the overlay of the rest (`overlay/`), and return
    their paths: `crossfence.load(plan, overlays=[overlay])` must answer what `blueprint` does.
    Raises `CompileError` when a written provider's objects cannot be compiled."""
    documents: dict[str, dict[str, Any]] = {}
    problems = Unsupported()
    for mapping in terraform_mappings():
        if mapping.write is not None and any(c.provider == mapping.cloud for c in blueprint.clouds):
            document, errors, _ = mapping.write(blueprint)
            problems.problems.extend(errors)
            documents[mapping.provider] = document
    problems.raise_any()
    out.mkdir(parents=True, exist_ok=True)
    plan = out / "plan.json"
    plan.write_text(json.dumps(plan_of(documents, blueprint)), encoding="utf-8")
    write_blueprint(overlay_of(blueprint), out / "overlay")
    return plan, out / "overlay"
