"""The blueprint's GCP VMs (workloads of kind vm) as `google_compute_instance` resources in Terraform JSON; managed databases warned about (not written)."""

from __future__ import annotations

from typing import Any

from ...model import Workload
from .tfjson_base import Writer, label, ref

__all__ = ["instances", "machine_variables"]

_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
"""The scope Google recommends with a service account, access then being decided by its IAM roles
(https://cloud.google.com/compute/docs/access/service-accounts#scopes_best_practice): the
provider requires `scopes` with an `email`, and scopes decide API access, not packets."""


def machine_variables(writer: Writer, kind: str, name: str) -> dict[str, str]:
    """Declare the variables of what the blueprint does not hold about a VM (its machine type,
    image and zone) and return their references by argument: the user supplies them, compile
    invents none."""
    found: dict[str, str] = {}
    for argument, what in (
        ("machine_type", "machine type"),
        ("image", "boot image"),
        ("zone", "zone"),
    ):
        variable = f"{label(name)}_{argument}"
        writer.variables[variable] = {
            "type": "string",
            "description": f"The {what} of {kind} {name} (the blueprint does not hold it)",
        }
        found[argument] = f"${{var.{variable}}}"
    return found


def _region(writer: Writer, vm: Workload) -> str:
    """The region of the VM's subnet."""
    network = writer.blueprint.get("networks", str(vm.network))
    if network is None:
        return ""
    subnet = next((s for s in network.subnets if s.name == vm.subnet), None)
    return (subnet.region if subnet is not None else None) or writer.region(network)


def _instance(writer: Writer, vm: Workload) -> None:
    path = f"workloads[{vm.name}]"
    if len(vm.addresses) != 1:
        # a network interface has one primary address; alias IP ranges add others, which the
        # import does not read (https://cloud.google.com/vpc/docs/alias-ip)
        writer.problem(
            vm,
            f"{path}.addresses",
            f"workload '{vm.name}' has {len(vm.addresses)} addresses: a Compute Engine VM's "
            "network interface has one (network_ip) (expected one address)",
        )
        return
    variables = machine_variables(writer, "VM", vm.name)
    nic: dict[str, Any] = {
        "subnetwork": ref("google_compute_subnetwork", str(vm.subnet), "id"),
        "network_ip": vm.addresses[0],
    }
    if vm.public_address is not None:
        # a static external address, reserved so that the VM keeps the blueprint's
        # (https://cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address)
        address = f"{vm.name}-public"
        writer.add(
            "google_compute_address",
            label(address),
            {
                "name": writer.name(vm, "address", address, f"{path}.public_address"),
                "region": _region(writer, vm),
                "address": vm.public_address,
                "address_type": "EXTERNAL",
            },
        )
        nic["access_config"] = [{"nat_ip": ref("google_compute_address", address, "address")}]
    body: dict[str, Any] = {
        "name": writer.name(vm, "VM", vm.name, path),
        "machine_type": variables["machine_type"],
        "zone": variables["zone"],
        "boot_disk": [{"initialize_params": [{"image": variables["image"]}]}],
        "network_interface": [nic],
        # good defaults that change no path (checkov CKV_GCP_32, CKV_GCP_39): SSH keys of the
        # instance only, not the project's
        # (https://cloud.google.com/compute/docs/connect/restrict-ssh-keys#block-keys), and the
        # provider's own Shielded VM defaults stated
        # (https://cloud.google.com/compute/shielded-vm/docs/shielded-vm)
        "metadata": {"block-project-ssh-keys": "true"},
        "shielded_instance_config": [{"enable_vtpm": True, "enable_integrity_monitoring": True}],
    }
    if any(r.next_hop_instance == vm.name for n in writer.blueprint.networks for r in n.routes):
        # the next hop of a route: Google delivers it packets for other addresses only with IP
        # forwarding on (https://cloud.google.com/vpc/docs/using-routes#canipforward)
        body["can_ip_forward"] = True
    if vm.network_tags:
        body["tags"] = list(vm.network_tags)
    if vm.labels:
        body["labels"] = dict(sorted(vm.labels.items()))
    if vm.service_account is not None:
        body["service_account"] = [{"email": vm.service_account, "scopes": _SCOPES}]
    writer.add("google_compute_instance", label(vm.name), body)


def _database(writer: Writer, db: Workload) -> None:
    """A managed database is not written, and the warning says why: the analysis places it in
    its subnet, at an address of that subnet, filtered by the VPC's firewall rules, as an
    instance; Cloud SQL with a private address is not there. "Private services access is
    implemented as a VPC peering connection between your VPC network and the Google services
    VPC network where your Cloud SQL instance resides", and "The IP addresses of the Cloud SQL
    instances are in the range allocated by the private services access"
    (https://cloud.google.com/sql/docs/postgres/private-ip): no subnet of the VPC holds it."""
    writer.problem(
        db,
        f"workloads[{db.name}]",
        f"workload '{db.name}' is a managed database in subnet '{db.subnet}': Cloud SQL is not "
        "written, since a Cloud SQL instance with a private address is in Google's service "
        "producer network, reached over the private services access peering, at an address of "
        "the range allocated to it, not in a subnet of the VPC where the analysis places it "
        "(https://cloud.google.com/sql/docs/postgres/private-ip); deploy it with its own "
        "Terraform",
        warning=True,
    )


def instances(writer: Writer) -> None:
    """A `google_compute_instance` per VM of the GCP clouds, on its subnet at its address; a
    warning per managed database (`_database`)."""
    for workload in writer.blueprint.workloads:
        if workload.kind not in ("vm", "managed_database"):
            continue
        cloud = writer.blueprint.cloud_of(workload)
        if cloud is None or cloud.name not in writer.clouds:
            continue
        if workload.kind == "vm":
            _instance(writer, workload)
        else:
            _database(writer, workload)
