"""The blueprint's AWS VMs (workloads of kind vm) as `aws_instance` resources in Terraform JSON, with an Elastic IP for a public address.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance
(`subnet_id`, `private_ip`, `vpc_security_group_ids`, `associate_public_ip_address`) and
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip (`domain`,
`instance`): AWS allocates the Elastic IP's address, the blueprint records it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...model import Workload
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["instances"]


def _instance(w: _Writer, vm: Workload) -> None:
    if len(vm.addresses) != 1:
        w.problem(
            vm,
            f"workloads[{vm.name}].addresses",
            f"workload '{vm.name}' has {len(vm.addresses)} addresses: compile gives an EC2 "
            "instance its primary private address (private_ip) (expected one address)",
        )
        return
    body: dict[str, Any] = {}
    # what the blueprint does not hold: variables with no default, for the user to supply
    for argument, what in (("ami", "AMI"), ("instance_type", "instance type")):
        variable = f"{_label(vm.name)}_{argument}"
        w.variables[variable] = {
            "type": "string",
            "description": f"The {what} of instance {vm.name} (the blueprint does not hold it)",
        }
        body[argument] = f"${{var.{variable}}}"
    body["subnet_id"] = _ref("aws_subnet", str(vm.subnet))
    body["private_ip"] = vm.addresses[0]
    # a public address is an Elastic IP, never one the subnet would give at launch
    body["associate_public_ip_address"] = False
    if vm.security_groups:
        # none: AWS puts the instance in the VPC's default group, as the blueprint reads it
        body["vpc_security_group_ids"] = [_ref("aws_security_group", g) for g in vm.security_groups]
    # good defaults that open no path (checkov CKV_AWS_79, CKV_AWS_8): the metadata service
    # with session tokens only (IMDSv2), an encrypted root volume
    # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html)
    body["metadata_options"] = [{"http_tokens": "required"}]
    body["root_block_device"] = [{"encrypted": True}]
    body["tags"] = {"Name": vm.name}
    w.add("aws_instance", vm.name, body)
    if vm.public_address is not None:
        w.add(
            "aws_eip",
            vm.name,
            {
                "domain": "vpc",
                "instance": _ref("aws_instance", vm.name),
                "tags": {"Name": vm.name},
            },
        )


def instances(w: _Writer) -> None:
    """An `aws_instance` per VM of the AWS clouds."""
    for workload in w.blueprint.workloads:
        if workload.kind != "vm":
            continue
        cloud = w.blueprint.cloud_of(workload)
        if cloud is not None and cloud.name in w.clouds:
            _instance(w, workload)
