"""The blueprint's Scaleway VMs (workloads of kind vm) as `scaleway_instance_server` resources, on their Private Network at a reserved address, in Terraform JSON.

An Instance's private address on a Private Network is allocated by IPAM; a reserved
`scaleway_ipam_ip` (`address`, `source.private_network_id`) attached through a
`scaleway_instance_private_nic` (`ipam_ip_ids`) gives it the blueprint's
(https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_private_nic,
https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/ipam_ip). A
public address is a flexible IP, `scaleway_instance_ip`, which Scaleway allocates
(https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_ip).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...model import Workload
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref
from .tfjson_managed import writes_cluster

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["instances", "writes"]


def _variables(w: _Writer, name: str) -> dict[str, str]:
    """What the blueprint does not hold about an Instance (its commercial type, image and zone):
    variables with no default, for the user to supply; compile invents none."""
    found: dict[str, str] = {}
    for argument, what in (("type", "commercial type"), ("image", "image"), ("zone", "zone")):
        variable = f"{_label(name)}_{argument}"
        w.variables[variable] = {
            "type": "string",
            "description": f"The {what} of Instance {name} (the blueprint does not hold it)",
        }
        found[argument] = f"${{var.{variable}}}"
    return found


def writes(section: str, obj: Any) -> bool:
    """Whether the Scaleway writer writes this object: not a VM in more than one security group,
    since an Instance is in one (`security_group_id`, "the security group the server is attached
    to": https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_server;
    the Instance API's server has one `security_group`), which is left to the overlay, warned;
    of the clusters, the Kapsule ones."""
    if section == "clusters":
        return writes_cluster(obj)
    if section == "workloads" and getattr(obj, "kind", None) == "vm":
        return len(getattr(obj, "security_groups", ())) <= 1
    return True


def _instance(w: _Writer, vm: Workload) -> None:
    path = f"workloads[{vm.name}]"
    if len(vm.addresses) != 1:
        w.problem(
            vm,
            f"{path}.addresses",
            f"workload '{vm.name}' has {len(vm.addresses)} addresses: compile gives a Scaleway "
            "Instance one reserved address on its Private Network (expected one address)",
        )
        return
    if not writes("workloads", vm):
        w.problem(
            vm,
            f"{path}.security_groups",
            f"workload '{vm.name}' has {len(vm.security_groups)} security groups: a Scaleway "
            "Instance is in one (`security_group_id`), so it is not written (deploy it with "
            "its own Terraform, in one group)",
            warning=True,
        )
        return
    variables = _variables(w, vm.name)
    server: dict[str, Any] = {
        "name": vm.name,
        "type": variables["type"],
        "image": variables["image"],
        "zone": variables["zone"],
    }
    if vm.security_groups:
        server["security_group_id"] = _ref(
            "scaleway_instance_security_group", vm.security_groups[0]
        )
    if vm.public_address is not None:
        w.add("scaleway_instance_ip", vm.name, {"zone": variables["zone"]})
        server["ip_id"] = _ref("scaleway_instance_ip", vm.name)
    w.add("scaleway_instance_server", vm.name, server)
    network = _ref("scaleway_vpc_private_network", str(vm.subnet))
    w.add(
        "scaleway_ipam_ip",
        f"{vm.name}-private",
        {"address": vm.addresses[0], "source": [{"private_network_id": network}]},
    )
    w.add(
        "scaleway_instance_private_nic",
        vm.name,
        {
            "server_id": _ref("scaleway_instance_server", vm.name),
            "private_network_id": network,
            "ipam_ip_ids": [_ref("scaleway_ipam_ip", f"{vm.name}-private")],
            "zone": variables["zone"],
        },
    )


def instances(w: _Writer) -> None:
    """A `scaleway_instance_server` per VM of the Scaleway clouds."""
    for workload in w.blueprint.workloads:
        if workload.kind != "vm":
            continue
        cloud = w.blueprint.cloud_of(workload)
        if cloud is not None and cloud.name in w.clouds:
            _instance(w, workload)
