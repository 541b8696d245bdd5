"""The blueprint's Scaleway managed services in Terraform JSON: Kapsule clusters (`scaleway_k8s_cluster` and a `scaleway_k8s_pool`) and Managed Databases (`scaleway_rdb_instance`) on their Private Network, Object Storage buckets and their Key Manager keys.

A Kapsule cluster is attached to its Private Network by `private_network_id`, with `pod_cidr`
and `service_cidr` (https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/k8s_cluster);
its nodes are a pool, whose `security_group_id` is the one security group of its nodes
(https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/k8s_pool,
https://www.scaleway.com/en/docs/kubernetes/reference-content/security-group-management/).
A Managed Database for PostgreSQL and MySQL is on its Private Network at the blueprint's
address, `private_network { pn_id, ip_net }`, and has no public endpoint (no `load_balancer`
block: "A load-balancer endpoint will be set by default if no Private Network is",
https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/rdb_instance).
What the blueprint does not hold (the Kubernetes version, the CNI, the nodes' commercial type
and count, a database's engine, node type and first user) is a variable with no default, and a
password a sensitive one: compile invents none.

A bucket is a `scaleway_object_bucket` in its region; a customer-managed key that protects
buckets of one Scaleway cloud and region is a Key Manager key (`scaleway_key_manager_key`, a
symmetric AES-256-GCM key encryption key, what SSE-KMS takes:
https://www.scaleway.com/en/docs/object-storage/api-cli/enable-sse-kms/) set as each bucket's
default encryption (`scaleway_object_bucket_server_side_encryption_configuration`, `aws:kms`,
https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/object_bucket_server_side_encryption_configuration).
A customer-supplied key (SSE-C) is sent with each request: no bucket setting.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ...model import Bucket, Cluster, Key, Workload
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["buckets", "clusters", "databases", "writes_cluster"]


def writes_cluster(cluster: Any) -> bool:
    """Whether the Scaleway writer writes this cluster: a Kapsule cluster (another kind in a
    Scaleway cloud, a cluster on Instances, is its own Terraform: warned, the overlay's)."""
    return getattr(cluster, "kind", None) == "kapsule"


def _variable(
    w: _Writer,
    name: str,
    argument: str,
    what: str,
    kind: str = "string",
    of: str = "Kapsule cluster",
    sensitive: bool = False,
) -> str:
    variable = f"{_label(name)}_{argument}"
    w.variables[variable] = {
        "type": kind,
        "description": f"The {what} of {of} {name} (the blueprint does not hold it)",
    }
    if sensitive:
        w.variables[variable]["sensitive"] = True
    return f"${{var.{variable}}}"


def _cidr(value: str | None) -> bool:
    try:
        ipaddress.IPv4Network(str(value))
    except ValueError:
        return False
    return True


def _full_isolation(w: _Writer, cluster: Cluster) -> bool:
    """Whether the cluster's Private Network has a Public Gateway that masquerades it and
    advertises the default route: what a pool without public addresses (`public_ip_disabled`)
    requires ("A Public Gateway is required"; "Dynamic NAT must be activated", "Advertise
    DefaultRoute must be activated":
    https://www.scaleway.com/en/docs/kubernetes/reference-content/secure-cluster-with-private-network/)."""
    network = w.blueprint.get("networks", cluster.network)
    return network is not None and any(
        link.private_network == cluster.subnet
        and link.enable_masquerade
        and link.push_default_route
        for gateway in network.public_gateways
        for link in gateway.private_networks
    )


def _cluster(w: _Writer, cluster: Cluster) -> None:
    path = f"clusters[{cluster.name}]"
    if not _cidr(cluster.pod_range) or (
        cluster.service_range is not None and not _cidr(cluster.service_range)
    ):
        w.problem(
            cluster,
            f"{path}.pod_range",
            f"cluster '{cluster.name}': a Kapsule cluster's pod_cidr and service_cidr are "
            f"IPv4 ranges, not {cluster.pod_range} / {cluster.service_range} (expected CIDRs)",
        )
        return
    if len(cluster.node_security_groups) > 1:
        # a pool takes one `security_group_id`: nodes in two groups cannot be written, and a
        # pool per group would put each node in one group only (each filtered by less)
        w.problem(
            cluster,
            f"{path}.node_security_groups",
            f"cluster '{cluster.name}' has {len(cluster.node_security_groups)} node security "
            "groups: a Kapsule pool's nodes are in one (`security_group_id`) (expected one "
            "node security group)",
        )
        return
    body: dict[str, Any] = {
        "name": cluster.name,
        "version": _variable(w, cluster.name, "version", "Kubernetes version"),
        "cni": _variable(w, cluster.name, "cni", "CNI"),
        "private_network_id": _ref("scaleway_vpc_private_network", cluster.subnet),
        "pod_cidr": str(cluster.pod_range),
        # a required argument: what is left of the cluster's volumes and load balancers when
        # it is deleted, kept (no data is lost by default)
        "delete_additional_resources": False,
    }
    if cluster.service_range is not None:
        body["service_cidr"] = str(cluster.service_range)
    w.add("scaleway_k8s_cluster", cluster.name, body)
    pool: dict[str, Any] = {
        "name": cluster.name,
        "cluster_id": _ref("scaleway_k8s_cluster", cluster.name),
        "node_type": _variable(w, cluster.name, "node_type", "nodes' commercial type"),
        "size": _variable(w, cluster.name, "size", "number of nodes", "number"),
    }
    if cluster.node_security_groups:
        pool["security_group_id"] = _ref(
            "scaleway_instance_security_group", cluster.node_security_groups[0]
        )
    if _full_isolation(w, cluster):
        pool["public_ip_disabled"] = True
    else:
        w.problem(
            cluster,
            path,
            f"cluster '{cluster.name}': its nodes get public addresses for their outgoing "
            "traffic (controlled isolation), which the analysis does not model: no Public "
            f"Gateway masquerades '{cluster.subnet}' and advertises its default route, which "
            "nodes without public addresses (`public_ip_disabled`) require "
            "(https://www.scaleway.com/en/docs/kubernetes/reference-content/secure-cluster-with-private-network/)",
            warning=True,
        )
    w.add("scaleway_k8s_pool", cluster.name, pool)


def clusters(w: _Writer) -> None:
    """A `scaleway_k8s_cluster` and its `scaleway_k8s_pool` per Kapsule cluster of the
    Scaleway clouds."""
    for cluster in w.blueprint.clusters:
        if cluster.cloud in w.clouds and writes_cluster(cluster):
            _cluster(w, cluster)


def _database(w: _Writer, database: Workload) -> None:
    path = f"workloads[{database.name}]"
    refused = None
    if len(database.addresses) != 1:
        refused = (
            f"has {len(database.addresses)} addresses: a Managed Database has one endpoint on "
            "its Private Network, `private_network.ip_net` (expected one address)"
        )
    elif database.public_address is not None:
        refused = (
            "has a public address: a Managed Database's public endpoint is a `load_balancer` "
            "endpoint whose address Scaleway allocates, which the analysis does not read "
            "(expected no public_address)"
        )
    elif database.security_groups:
        refused = (
            "has security groups: a Managed Database is in none (its access is its own ACL, "
            "`scaleway_rdb_acl`) (expected no security_groups)"
        )
    network = w.blueprint.get("networks", str(database.network))
    pn = next(
        (p for p in (network.private_networks if network else ()) if p.name == database.subnet),
        None,
    )
    if refused is None and pn is None:
        refused = "is on no Private Network (expected network and subnet)"
    if refused is not None or pn is None:
        w.problem(database, path, f"workload '{database.name}' {refused}")
        return
    prefix = ipaddress.IPv4Network(pn.cidr).prefixlen
    # the blueprint's address is a static endpoint (`ip_net`): IPAM would choose another, which
    # the VPC ACL rules naming this one would miss (a wider database), and a reserved
    # `scaleway_ipam_ip` is not supported for Managed Databases. The provider documents (since
    # v2.78.0) that a static endpoint may be unreachable from the VPC: less, never more
    w.problem(
        database,
        path,
        f"workload '{database.name}': its endpoint is static (`ip_net`, the blueprint's "
        "address), which the provider documents as not registered in the VPC's IPAM and DNS, "
        'so it "may be unreachable from other resources in the same VPC" '
        "(https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/rdb_instance)",
        warning=True,
    )
    of = "Managed Database"
    w.add(
        "scaleway_rdb_instance",
        database.name,
        {
            "name": database.name,
            "engine": _variable(w, database.name, "engine", "engine version", of=of),
            "node_type": _variable(w, database.name, "node_type", "node type", of=of),
            "user_name": _variable(w, database.name, "user_name", "first user", of=of),
            "password": _variable(
                w, database.name, "password", "first user's password", of=of, sensitive=True
            ),
            "private_network": [
                {
                    "pn_id": _ref("scaleway_vpc_private_network", pn.name),
                    "ip_net": f"{database.addresses[0]}/{prefix}",
                }
            ],
        },
    )


def databases(w: _Writer) -> None:
    """A `scaleway_rdb_instance` per Managed Database of the Scaleway clouds."""
    for workload in w.blueprint.workloads:
        if workload.kind != "managed_database":
            continue
        cloud = w.blueprint.cloud_of(workload)
        if cloud is not None and cloud.name in w.clouds:
            _database(w, workload)


_REGION = re.compile(r"^[a-z]{2}-[a-z]{3}$")


def _key(w: _Writer, bucket: Bucket, key: Key) -> str | None:
    """The key's `scaleway_key_manager_key` (written once, in its buckets' region) as the
    `kms_master_key_id` of the bucket's encryption; None, with a located error, when Scaleway
    cannot attach it: a key that also protects what is not a bucket of this cloud (its Key
    Manager is one project's), or buckets of several regions."""
    protected = [w.blueprint.get("buckets", n) for n in key.protects]
    unsaid = [
        n
        for n, b in zip(key.protects, protected, strict=True)
        if b is None or b.encryption_key != key.name
    ]
    if bucket.name not in key.protects or unsaid:
        # the key encrypts a bucket only when both say so: the bucket's encryption
        # configuration is the one place Terraform holds the link, read back both ways
        w.problem(
            key,
            f"keys[{key.name}]",
            f"key '{key.name}' and the buckets it protects disagree: "
            + (
                f"bucket '{bucket.name}' names it as its encryption_key but it does not protect it"
                if bucket.name not in key.protects
                else f"it protects {', '.join(unsaid)}, whose encryption_key is not '{key.name}'"
            )
            + " (expected protects to list exactly the buckets whose encryption_key it is)",
        )
        return None
    clouds = {b.cloud if b is not None else None for b in protected}
    regions = {b.location if b is not None else None for b in protected}
    if clouds != {bucket.cloud} or len(regions) != 1:
        w.problem(
            key,
            f"keys[{key.name}]",
            f"key '{key.name}' protects bucket '{bucket.name}' of Scaleway cloud "
            f"'{bucket.cloud}' and {', '.join(sorted(key.protects))}: an Object Storage bucket "
            "is encrypted with a Key Manager key of its own project (expected a key that "
            "protects buckets of one Scaleway cloud and region)",
        )
        return None
    if _label(key.name) not in w.resources.get("scaleway_key_manager_key", {}):
        w.add(
            "scaleway_key_manager_key",
            key.name,
            {
                "name": key.name,
                "region": bucket.location,
                "usage": "symmetric_encryption",
                "algorithm": "aes_256_gcm",
            },
        )
    # the provider's example and acceptance test give the key's name
    return _ref("scaleway_key_manager_key", key.name, "name")


def _bucket(w: _Writer, bucket: Bucket) -> None:
    path = f"buckets[{bucket.name}]"
    if not _REGION.match(bucket.location):
        w.problem(
            bucket,
            f"{path}.location",
            f"bucket '{bucket.name}': '{bucket.location}' is no Scaleway region (expected a "
            "region such as fr-par, nl-ams, pl-waw)",
        )
        return
    w.add("scaleway_object_bucket", bucket.name, {"name": bucket.name, "region": bucket.location})
    key = w.blueprint.get("keys", bucket.encryption_key) if bucket.encryption_key else None
    if key is not None and key.kind == "customer_managed":
        key_id = _key(w, bucket, key)
        if key_id is None:
            return
        w.add(
            "scaleway_object_bucket_server_side_encryption_configuration",
            bucket.name,
            {
                "bucket": _ref("scaleway_object_bucket", bucket.name, "name"),
                "region": bucket.location,
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": [
                            {"sse_algorithm": "aws:kms", "kms_master_key_id": key_id}
                        ],
                        "bucket_key_enabled": True,
                    }
                ],
            },
        )
    elif key is not None and key.kind == "customer_supplied":
        w.problem(
            bucket,
            f"{path}.encryption_key",
            f"bucket '{bucket.name}': its customer-supplied key '{key.name}' is sent with each "
            "request by the clients (SSE-C), not set on the bucket",
            warning=True,
        )


def buckets(w: _Writer) -> None:
    """A `scaleway_object_bucket` per bucket of the Scaleway clouds, with its key."""
    for bucket in w.blueprint.buckets:
        if bucket.cloud in w.clouds:
            _bucket(w, bucket)
