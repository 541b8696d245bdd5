"""The terraform target: one `*.tf.json` per provider, written by each cloud's Terraform mapping in the compile direction.

Each registered `TerraformMapping` with a `write` function writes its clouds' objects as
Terraform's JSON syntax (`terraform/<crossfence provider>/main.tf.json`, e.g. `terraform/gcp/`). A cloud of a provider the
target does not write yet is an error naming the cloud and where it was declared: its network
would otherwise be missing from the output, which is no round trip.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import Blueprint
from ..model.base import Model
from ..model.blueprint import SECTIONS
from ..providers.registry import terraform_mappings
from .base import Compiled, Origin, OutputFile, Unsupported, origin, origins_of

__all__ = [
    "CROSS_CLOUD",
    "cloud_name",
    "compile_terraform",
    "written",
    "written_providers",
]

CROSS_CLOUD = ("vpn_tunnels", "bgp_sessions")
"""Sections written with their gateways' halves, by each provider that holds one."""


def written_providers() -> dict[str, str]:
    """crossfence cloud provider (`gcp`) -> Terraform provider (`google`), for those the target writes."""
    return {m.cloud: m.provider for m in terraform_mappings() if m.write is not None}


def written(blueprint: Blueprint, section: str, obj: Model) -> bool:
    """Whether the terraform target writes `obj` of `section`: its cloud's provider writes
    that section (and, for workloads, that kind)."""
    cloud = blueprint.get("clouds", cloud_name(blueprint, section, obj) or "")
    if cloud is None:
        return False
    return any(
        m.cloud == cloud.provider
        and m.write is not None
        and section in m.sections
        and (section != "workloads" or getattr(obj, "kind", None) in m.workload_kinds)
        and (m.writes is None or m.writes(section, obj))
        and (m.writes_in is None or m.writes_in(blueprint, section, obj))
        for m in terraform_mappings()
    )


def _origins(
    blueprint: Blueprint, clouds: set[str], sections: tuple[str, ...], root: Path | None
) -> list[Origin]:
    found: list[Origin] = []
    for section in sections:
        for obj in getattr(blueprint, section):
            if cloud_name(blueprint, section, obj) in clouds:
                found.append(origin(section, obj, str(getattr(obj, "name", "")), root))
    return origins_of(found)


def cloud_name(blueprint: Blueprint, section: str, obj: Model) -> str | None:
    if section == "keys":
        # a key is in no cloud of its own: a customer-managed key is in the cloud of the
        # buckets it protects (its KMS is that cloud's), when they are all buckets of one cloud
        if getattr(obj, "kind", None) != "customer_managed":
            return None
        found = [blueprint.get("buckets", n) for n in getattr(obj, "protects", ())]
        clouds = {b.cloud if b is not None else None for b in found}
        return clouds.pop() if len(clouds) == 1 else None
    if section in ("peerings", "dns_server_policies"):
        network = blueprint.get("networks", str(getattr(obj, "network", "")))
        return str(network.cloud) if network is not None else None
    cloud = blueprint.cloud_of(obj)
    return cloud.name if cloud is not None else None


def compile_terraform(
    blueprint: Blueprint, root: Path | None, compiled: Compiled, problems: Unsupported
) -> None:
    """`terraform/<provider>/main.tf.json` (`gcp`) for each provider with clouds in the blueprint."""
    writers = {m.cloud: m for m in terraform_mappings() if m.write is not None}
    for cloud in blueprint.clouds:
        if cloud.provider not in writers:
            problems.add(
                cloud,
                f"clouds[{cloud.name}]",
                f"cloud '{cloud.name}': the terraform target does not write {cloud.provider} "
                f"yet (it writes {', '.join(sorted(writers))}; expected a blueprint of those "
                "clouds, or another --target)",
            )
    _not_written(blueprint, problems)
    for provider, mapping in sorted(writers.items()):
        clouds = {c.name for c in blueprint.clouds if c.provider == provider}
        if not clouds or mapping.write is None:
            continue
        document, errors, warnings = mapping.write(blueprint)
        problems.problems.extend(errors)
        problems.warnings.extend(warnings)
        if errors:
            continue
        compiled.add(
            OutputFile(
                f"terraform/{provider}/main.tf.json",
                _origins(blueprint, clouds, mapping.sections, root),
                json.dumps(document),
            )
        )


_NO_CLOUD = ("clouds", *CROSS_CLOUD)


def _provider(blueprint: Blueprint, cloud: str) -> str:
    found = blueprint.get("clouds", cloud)
    return str(found.provider) if found is not None else "?"


def _not_written(blueprint: Blueprint, problems: Unsupported) -> None:
    """A warning per section and cloud whose objects the target does not write (workloads,
    clusters...): compile writes the network they are placed in, never silently less."""
    missing: dict[tuple[str, str], list[Model]] = {}
    for section in SECTIONS:
        if section in _NO_CLOUD:
            continue
        for obj in getattr(blueprint, section):
            if getattr(obj, "kind", None) == "external_api":
                continue  # another party's addresses: nothing to deploy
            cloud = cloud_name(blueprint, section, obj)
            if cloud is None or written(blueprint, section, obj):
                continue
            missing.setdefault((section, cloud), []).append(obj)
    for (section, cloud), objects in sorted(missing.items()):
        first = objects[0]
        names = ", ".join(str(getattr(o, "name", "")) for o in objects[:3])
        more = f" and {len(objects) - 3} more" if len(objects) > 3 else ""
        problems.warn(
            first,
            section,
            f"terraform: {len(objects)} {section} of cloud '{cloud}' ({names}{more}) are not "
            f"written: the terraform target does not write these {section} of a "
            f"{_provider(blueprint, cloud)} cloud (deploy them with their own Terraform or "
            "manifests; docs/compile.md lists what each provider writes)",
        )
