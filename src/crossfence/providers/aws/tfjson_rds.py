"""The blueprint's AWS managed databases (workloads of kind managed_database) as RDS DB instances in Terraform JSON: `aws_db_instance` in an `aws_db_subnet_group`, in its security groups.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
(`identifier`, `db_subnet_group_name`, `availability_zone`, `vpc_security_group_ids`,
`publicly_accessible`, `manage_master_user_password`) and
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_subnet_group
(`subnet_ids`). A DB subnet group has subnets in two Availability Zones at least; the instance
is in the group's subnet of its `availability_zone`
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html).
AWS assigns the instance's private address in that subnet: no argument holds it, the round
trip's overlay does (`overlay_fields`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...model import Blueprint, Workload
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["database_subnets", "databases", "writes_database"]

_IDENTIFIER = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-)){0,62}(?<!-)$")
"""An RDS DB instance identifier: 1-63 lowercase letters, digits or hyphens, starting with a
letter, no two hyphens in a row, not ending with one."""


def database_subnets(blueprint: Blueprint, database: Workload) -> list[str] | None:
    """The subnets of a database's subnet group: its own, then the first subnet of each other
    Availability Zone of its VPC; None when the blueprint does not say two zones."""
    network = blueprint.get("networks", str(database.network))
    subnet = (
        next((s for s in network.subnets if s.name == database.subnet), None) if network else None
    )
    if network is None or subnet is None or subnet.region is None:
        return None
    zones = {subnet.region}
    found = [subnet.name]
    for other in network.subnets:
        if other.region is not None and other.region not in zones:
            zones.add(other.region)
            found.append(other.name)
    return found if len(found) > 1 else None


def writes_database(blueprint: Blueprint, database: Workload) -> str | None:
    """Why a managed database is not written as an RDS instance (None: it is): the overlay
    keeps one that is not, with a warning."""
    if len(database.addresses) != 1:
        return f"it has {len(database.addresses)} addresses (an RDS instance has one)"
    if database.public_address is not None:
        return "it has a public address, which AWS would assign to a publicly accessible instance"
    if not _IDENTIFIER.match(database.name):
        return "its name is no RDS identifier (lowercase letters, digits and single hyphens)"
    if database_subnets(blueprint, database) is None:
        return (
            "a DB subnet group has subnets in two Availability Zones (expected a region, an "
            "Availability Zone, on its subnet and another subnet of its VPC in another zone)"
        )
    return None


def _database(w: _Writer, database: Workload) -> None:
    why = writes_database(w.blueprint, database)
    subnets = database_subnets(w.blueprint, database)
    if why is not None or subnets is None:
        w.problem(
            database,
            f"workloads[{database.name}]",
            f"managed database '{database.name}' is not written as an RDS instance: {why} "
            "(the round trip's overlay keeps it)",
            warning=True,
        )
        return
    w.add(
        "aws_db_subnet_group",
        database.name,
        {
            "name": database.name,
            "description": f"subnets of database {database.name} (compiled by crossfence)",
            "subnet_ids": [_ref("aws_subnet", s) for s in subnets],
            "tags": {"Name": database.name},
        },
    )
    body: dict[str, Any] = {"identifier": database.name}
    # what the blueprint does not hold: variables with no default, for the user to supply
    for argument, what, kind in (
        ("engine", "engine (postgres, mysql...)", "string"),
        ("instance_class", "instance class", "string"),
        ("allocated_storage", "storage in GiB", "number"),
        ("username", "master user name", "string"),
    ):
        variable = f"{_label(database.name)}_{argument}"
        w.variables[variable] = {
            "type": kind,
            "description": f"The {what} of database {database.name} (the blueprint does not hold it)",
        }
        body[argument] = f"${{var.{variable}}}"
    # the master password is RDS's to generate and keep in Secrets Manager: no secret written
    body["manage_master_user_password"] = True
    body["db_subnet_group_name"] = _ref("aws_db_subnet_group", database.name, "name")
    # the group's subnet of this zone is the database's subnet
    network = w.blueprint.get("networks", str(database.network))
    subnet = next(s for s in network.subnets if s.name == database.subnet) if network else None
    body["availability_zone"] = subnet.region if subnet else None
    body["multi_az"] = False
    body["publicly_accessible"] = False
    if database.security_groups:
        # none: RDS puts the instance in the VPC's default group, as the blueprint reads it
        body["vpc_security_group_ids"] = [
            _ref("aws_security_group", g) for g in database.security_groups
        ]
    # good defaults that open no path (checkov CKV_AWS_16, CKV2_AWS_60, CKV_AWS_226,
    # CKV_AWS_293): encrypted storage, tags on snapshots, minor engine upgrades, no deletion
    # without first turning the protection off
    body["storage_encrypted"] = True
    body["copy_tags_to_snapshot"] = True
    body["auto_minor_version_upgrade"] = True
    body["deletion_protection"] = True
    body["tags"] = {"Name": database.name}
    w.add("aws_db_instance", database.name, body)


def databases(w: _Writer) -> None:
    """An RDS instance per managed database of the AWS clouds."""
    for workload in w.blueprint.workloads:
        if workload.kind != "managed_database":
            continue
        cloud = w.blueprint.cloud_of(workload)
        if cloud is not None and cloud.name in w.clouds:
            _database(w, workload)
