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
from ..providers.registry import terraform_mappings
from .base import Compiled, Origin, OutputFile, Unsupported, origin, origins_of

__all__ = ["WRITTEN_SECTIONS", "compile_terraform", "written_providers"]

WRITTEN_SECTIONS = (
    "networks",
    "peerings",
    "routers",
    "vpn_gateways",
    "firewall_policies",
    "dns_zones",
    "dns_server_policies",
    "org_policies",
    "load_balancers",
    "buckets",
    "security_groups",
    "routing_policies",
)
"""The blueprint sections whose objects of a written cloud the terraform target writes (tunnels
and BGP sessions are written with their gateway's half)."""


def written_providers() -> dict[str, str]:
    """crossfence cloud provider (`gcp`) -> Terraform provider (`google`), for those the target writes."""
    return {m.cloud: m.provider for m in terraform_mappings() if m.write is not None}


def _origins(blueprint: Blueprint, clouds: set[str], root: Path | None) -> list[Origin]:
    found: list[Origin] = []
    for section in WRITTEN_SECTIONS:
        for obj in getattr(blueprint, section):
            cloud = _cloud_name(blueprint, section, obj)
            if cloud in clouds:
                found.append(origin(section, obj, str(getattr(obj, "name", "")), root))
    return origins_of(found)


def _cloud_name(blueprint: Blueprint, section: str, obj: Model) -> str | None:
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
                _origins(blueprint, clouds, root),
                json.dumps(document),
            )
        )
