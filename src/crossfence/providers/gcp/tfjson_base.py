"""What the GCP Terraform JSON writers share: the resources written so far, the problems, resource names and references."""

from __future__ import annotations

import re
from typing import Any

from ...errors import Problem
from ...model import Blueprint
from ...model.base import Model
from ...terraform.mapping import label, ref

__all__ = ["Writer", "applied", "computed", "label", "ref"]

_GCP_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


class Writer:
    """The document being written: resources by type and label, variables, problems."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.resources: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, Any] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        gcp = {c.name for c in blueprint.clouds if c.provider == "gcp"}
        self.clouds = gcp

    def problem(self, obj: Model | None, path: str, message: str, warning: bool = False) -> None:
        at = obj.defined_at if obj is not None else None
        found = Problem(
            message,
            file=at.file if at else None,
            line=at.line if at else None,
            column=at.column if at else None,
            path=at.path if at else path,
            severity="warning" if warning else "error",
            code="compile",
        )
        (self.warnings if warning else self.problems).append(found)

    def name(self, obj: Model, kind: str, name: str, path: str) -> str:
        """The GCP resource name, which GCP requires to be RFC 1035: the blueprint name, or a
        problem (a renamed resource would not be the one the blueprint names)."""
        if not _GCP_NAME.match(name):
            self.problem(
                obj,
                path,
                f"{kind} '{name}' is not a name GCP accepts (expected lowercase letters, digits "
                "and '-', starting with a letter, at most 63 characters)",
            )
        return name

    def add(self, kind: str, label: str, body: dict[str, Any]) -> None:
        self.resources.setdefault(kind, {})[label] = body

    def region(self, obj: Any) -> str:
        cloud = self.blueprint.get("clouds", obj.cloud)
        return str(getattr(obj, "region", None) or (cloud.region if cloud else ""))


_COMPUTE = "https://www.googleapis.com/compute/v1/"


def computed(
    kind: str, label: str, values: dict[str, Any], provider: dict[str, Any]
) -> dict[str, Any]:
    """What the provider computes for a compiled resource, as a plan after apply would show it:
    the provider block's project, an `id` and a `self_link` ending in the resource's name (the
    import resolves references by them: `terraform/refs.py`)."""
    out: dict[str, Any] = {}
    if kind.startswith("google_access_context_manager_"):
        # an organisation's resource, in no project: its id is its name
        # (`accessPolicies/{policy}/servicePerimeters/{short_name}`)
        return {"id": values.get("name")}
    project = values.get("project") or provider.get("project")
    if project and "project" not in values:
        out["project"] = project
    name = values.get("name") if isinstance(values.get("name"), str) else label
    relative = f"projects/{project}/{kind}/{name}"
    out["id"] = relative
    out["self_link"] = _COMPUTE + relative
    return out


def applied(blueprint: Blueprint, kind: str, name: str) -> dict[str, Any]:
    """What Google assigns at apply to a compiled resource, as the blueprint records it: an HA
    VPN gateway's interface addresses, a load balancer's reserved global address."""
    if kind == "google_compute_ha_vpn_gateway":
        gateway = blueprint.get("vpn_gateways", name)
        if gateway is not None and gateway.interfaces:
            return {
                "vpn_interfaces": [{"id": i.id, "ip_address": i.ip} for i in gateway.interfaces]
            }
    if kind == "google_compute_global_address":
        balancer = blueprint.get("load_balancers", name)
        if balancer is not None:
            return {"address": balancer.address}
    return {}
