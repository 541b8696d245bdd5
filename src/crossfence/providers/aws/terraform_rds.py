"""The `aws` provider's RDS DB instances read into the blueprint: managed databases in the subnet of their subnet group in their Availability Zone, in their security groups.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance and
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_subnet_group.
AWS assigns the instance's private address in that subnet, and no attribute shows it (`address`
is its DNS name): it is read as a stand-in of the subnet, known after apply, which an overlay
replaces with the address the blueprint records.
"""

from __future__ import annotations

from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.values import at

__all__ = ["MAPPINGS"]

DOCS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/"


def _subnet(b: Builder, resource: Resource) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The VPC and subnet of the instance: its subnet group's subnet in its Availability Zone."""
    from .terraform import subnet_of

    group = b.ref(resource, ("db_subnet_group_name",), ("aws_db_subnet_group",))
    if group is None:
        b.warn(
            resource,
            "db_subnet_group_name",
            "is not set: the instance is in the default VPC, which is not in the files; it is left out",
        )
        return None
    zone = at(resource.values, "availability_zone")
    placed = [
        found
        for index, _ in enumerate(at(group.values, "subnet_ids") or [])
        if (found := subnet_of(b, group, "subnet_ids", index)) is not None
    ]
    if len(placed) == 1:
        return placed[0]
    in_zone = [p for p in placed if p[1].get("region") == zone]
    if isinstance(zone, str) and len(in_zone) == 1:
        return in_zone[0]
    b.warn(
        resource,
        "availability_zone",
        f"is {zone!r}: it picks none of the subnet group's {len(placed)} subnets (AWS chooses "
        "where the instance is, so crossfence cannot place it); it is left out",
    )
    return None


def _db_instance(resource: Resource, b: Builder) -> None:
    from .terraform import _default_group_id, _group_names, _tag_name

    placed = _subnet(b, resource)
    if placed is None:
        return
    network, subnet = placed
    database: dict[str, Any] = {
        "name": b.name(
            resource, _tag_name(resource) or b.text(resource, "identifier"), "endpoints"
        ),
        "kind": "managed_database",
        "network": network["name"],
        "subnet": subnet["name"],
    }
    b.pending_address(database, "addresses", subnet, resource, ("address",))
    port = at(resource.values, "port")
    if isinstance(port, int):
        database["ports"] = [f"tcp/{port}"]
    default = _default_group_id(b, network)
    values = [v for v in at(resource.values, "vpc_security_group_ids") or [] if v != default]
    groups = _group_names(b, resource, ("vpc_security_group_ids",), values)
    if groups:
        database["security_groups"] = groups
    b.add(
        "workloads",
        database,
        resource,
        {
            "subnet": "db_subnet_group_name",
            "addresses": "(assigned by AWS)",
            "ports": "port",
            "security_groups": "vpc_security_group_ids",
        },
    )


MAPPINGS: tuple[ResourceMapping, ...] = (
    companion(
        "aws_db_subnet_group",
        "its DB instances: the subnet of each one's Availability Zone",
        ("name", "subnet_ids"),
        DOCS + "db_subnet_group",
    ),
    ResourceMapping(
        "aws_db_instance",
        "workloads[] (kind managed_database)",
        _db_instance,
        reads=(
            "tags.Name",
            "identifier",
            "db_subnet_group_name",
            "availability_zone",
            "port",
            "vpc_security_group_ids",
        ),
        ignored={
            "engine": "software",
            "instance_class": "capacity",
            "allocated_storage": "capacity",
            "username": "a credential",
            "password": "a secret: never read",
        },
        unmodelled=(
            Unmodelled("publicly_accessible", "a public endpoint, reached from the internet"),
            Unmodelled(
                "multi_az",
                "a standby in another Availability Zone's subnet, which takes over on failover",
            ),
        ),
        phase=4,
        docs=DOCS + "db_instance",
    ),
)
