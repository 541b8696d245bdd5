"""The blueprint's VPC Service Controls perimeters as `google_access_context_manager_service_perimeter` resources (with an access level for their client ranges) in Terraform JSON.

A perimeter is in an access policy of the organisation, which the blueprint does not hold: its
number is a variable with no default, `var.access_policy`, and so is the number of the project
the perimeter protects (`status.resources` takes `projects/{project_number}`),
`var.<cloud>_project_number`
(https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/access_context_manager_service_perimeter,
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/access_context_manager_access_level).
"""

from __future__ import annotations

import re
from typing import Any

from ...model import ServicePerimeter
from .tfjson_base import Writer, label, ref

__all__ = ["ACCESS_POLICY", "perimeters"]

ACCESS_POLICY = "access_policy"
"""The variable holding the access policy's number (`accessPolicies/{number}`)."""

_SHORT_NAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")
"""What a perimeter's and an access level's short name may be: "The `short_name` component
must begin with a letter and only include alphanumeric and '_'" (the provider's `name`)."""


def _short(writer: Writer, perimeter: ServicePerimeter, suffix: str = "") -> str | None:
    short = perimeter.name.replace("-", "_") + suffix
    if not _SHORT_NAME.match(short) or not short[0].isalpha():
        writer.problem(
            perimeter,
            f"service_perimeters[{perimeter.name}]",
            f"service perimeter '{perimeter.name}' gives the name '{short}', which Access "
            "Context Manager refuses (expected letters, digits and '_' or '-', starting with a "
            f"letter, at most {50 - len(suffix)} characters)",
        )
        return None
    return short


def _perimeter(writer: Writer, perimeter: ServicePerimeter) -> None:
    short = _short(writer, perimeter)
    level_short = _short(writer, perimeter, "_access") if perimeter.access_ranges else None
    if short is None or (perimeter.access_ranges and level_short is None):
        return
    policy = f"accessPolicies/${{var.{ACCESS_POLICY}}}"
    writer.variables[ACCESS_POLICY] = {
        "type": "string",
        "description": "The number of the Access Context Manager policy the service perimeters "
        "are in (accessPolicies/<number>; the blueprint does not hold it)",
    }
    number = f"{label(perimeter.cloud)}_project_number"
    writer.variables[number] = {
        "type": "string",
        "description": f"The project number of cloud {perimeter.cloud}, which service "
        "perimeters protect (the blueprint holds its project id, not its number)",
    }
    status: dict[str, Any] = {"resources": [f"projects/${{var.{number}}}"]}
    if perimeter.restricted_services:
        status["restricted_services"] = list(perimeter.restricted_services)
    if perimeter.access_ranges:
        # the access level admits requests from the client ranges
        # (basic.conditions.ip_subnetworks: "A list of CIDR block IP subnetwork specification")
        writer.add(
            "google_access_context_manager_access_level",
            label(perimeter.name),
            {
                "parent": policy,
                "name": f"{policy}/accessLevels/{level_short}",
                "title": f"{perimeter.name}-access",
                "basic": [{"conditions": [{"ip_subnetworks": list(perimeter.access_ranges)}]}],
            },
        )
        status["access_levels"] = [
            ref("google_access_context_manager_access_level", perimeter.name, "name")
        ]
    writer.add(
        "google_access_context_manager_service_perimeter",
        label(perimeter.name),
        {
            "parent": policy,
            "name": f"{policy}/servicePerimeters/{short}",
            # the import names the perimeter by its title: the blueprint's name
            "title": perimeter.name,
            "perimeter_type": "PERIMETER_TYPE_REGULAR",
            "status": [status],
        },
    )


def perimeters(writer: Writer) -> None:
    """A service perimeter (and the access level of its client ranges) per perimeter of the
    GCP clouds."""
    for perimeter in writer.blueprint.service_perimeters:
        if perimeter.cloud in writer.clouds:
            _perimeter(writer, perimeter)
