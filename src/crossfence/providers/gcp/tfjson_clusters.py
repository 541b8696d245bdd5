"""The blueprint's GKE clusters as `google_container_cluster` and `google_container_node_pool` resources in Terraform JSON.

A cluster is VPC-native in its subnet, its pods and Services in the subnet's secondary ranges
(or ranges GKE creates from CIDRs), its nodes private, in one node pool carrying the node tags
and service account that firewall rules match
(https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_cluster,
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_node_pool).
What no argument says as the blueprint does (pods masqueraded to every destination outside the
cluster: an `ip-masq-agent` ConfigMap, a Kubernetes object) is a located problem.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...model import Cluster
from .tfjson_base import Writer, label, ref

__all__ = ["NODE_POOL", "clusters"]

NODE_POOL = "nodes"
"""The name of the node pool written for each cluster (unique within its cluster only)."""

_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
"""The scope Google recommends with a node service account, its IAM roles deciding access
(https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa)."""

# GKE deploys the ip-masq-agent, which masquerades pod traffic to destinations outside its
# default non-masquerade ranges, when "network policy is enabled or you are using a cluster CIDR
# not in the 10.0.0.0/8 range" (https://kubernetes.io/docs/tasks/administer-cluster/ip-masq-agent/)
_NO_AGENT = ipaddress.IPv4Network("10.0.0.0/8")


def _range(
    writer: Writer, cluster: Cluster, field: str, names: dict[str, str]
) -> tuple[str, str] | None:
    """(`ip_allocation_policy` argument, value) for a pod or service range: a secondary range of
    the node subnet by name, or a CIDR GKE makes one of."""
    value = getattr(cluster, field)
    by_name, by_cidr = {
        "pod_range": ("cluster_secondary_range_name", "cluster_ipv4_cidr_block"),
        "service_range": ("services_secondary_range_name", "services_ipv4_cidr_block"),
    }[field]
    if value in names:
        return by_name, str(value)
    try:
        ipaddress.IPv4Network(str(value))
    except ValueError:
        writer.problem(
            cluster,
            f"clusters[{cluster.name}].{field}",
            f"cluster '{cluster.name}': {field} '{value}' is not a secondary range of its subnet "
            f"'{cluster.subnet}' (GKE takes the pods' and Services' ranges from the node subnet; "
            "expected one of its secondary ranges, or a CIDR)",
        )
        return None
    return by_cidr, str(value)


def _pods_cidr(cluster: Cluster, value: str, names: dict[str, str]) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(names.get(value, value))


def _cluster(writer: Writer, cluster: Cluster) -> None:
    path = f"clusters[{cluster.name}]"
    network = writer.blueprint.get("networks", cluster.network)
    subnet = (
        next((s for s in network.subnets if s.name == cluster.subnet), None) if network else None
    )
    if network is None or subnet is None:
        writer.problem(
            cluster,
            f"{path}.subnet",
            f"cluster '{cluster.name}': subnet '{cluster.subnet}' is not a subnet of network "
            f"'{cluster.network}' (expected the node subnet, in a GCP network)",
        )
        return
    names = {r.name: r.cidr for r in subnet.secondary_ranges}
    policy: dict[str, Any] = {}
    for field in ("pod_range", "service_range"):
        if getattr(cluster, field) is None:
            continue
        found = _range(writer, cluster, field, names)
        if found is None:
            return
        policy[found[0]] = found[1]
    if cluster.pods_masqueraded:
        writer.problem(
            cluster,
            f"{path}.pods_masqueraded",
            f"cluster '{cluster.name}': pods masqueraded to every destination outside the "
            "cluster is an ip-masq-agent ConfigMap (nonMasqueradeCIDRs: the pod range), a "
            "Kubernetes object no google_container_cluster argument holds "
            "(https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent; "
            "expected pods_masqueraded: false, or the cluster deployed with its own Terraform)",
        )
        return
    pods = _pods_cidr(cluster, str(cluster.pod_range), names)
    if not pods.subnet_of(_NO_AGENT):
        writer.problem(
            cluster,
            f"{path}.pod_range",
            f"cluster '{cluster.name}': its pod range {pods} is outside 10.0.0.0/8, where GKE "
            "runs the ip-masq-agent, which masquerades pod traffic to public destinations: "
            "pods_masqueraded: false (every destination sees the pod's address) is then not what "
            "the cluster does (https://kubernetes.io/docs/tasks/administer-cluster/ip-masq-agent/; "
            "expected a pod range in 10.0.0.0/8)",
        )
        return
    region = subnet.region or writer.region(network)
    body: dict[str, Any] = {
        "name": writer.name(cluster, "GKE cluster", cluster.name, path),
        "location": region,
        "network": ref("google_compute_network", network.name, "id"),
        "subnetwork": ref("google_compute_subnetwork", subnet.name, "id"),
        "networking_mode": "VPC_NATIVE",
        "ip_allocation_policy": [policy],
        # the nodes have internal addresses only: crossfence models no external node address
        # (the import warns about a cluster without private nodes)
        "private_cluster_config": [
            {"enable_private_nodes": True, "enable_private_endpoint": False}
        ],
        # pods_masqueraded: false: GKE's default SNAT off. The provider: "When disabled is set
        # to false, default IP masquerade rules will be applied to the nodes to prevent sNAT on
        # cluster internal traffic" (its default masquerades the rest); GKE: without the
        # ip-masq-agent, SNAT depends on "whether you created the cluster with the
        # --disable-default-snat flag" (ip-masquerade-agent page). That the pod's address is
        # then kept for every destination is that page's table, not quoted here (docs/compile.md)
        "default_snat_status": [{"disabled": True}],
        # good defaults that change no path (checkov CKV_GCP_13, CKV_GCP_70, CKV_GCP_66): no
        # client certificate for the control plane, a release channel for upgrades, images
        # admitted by the project's Binary Authorization policy
        # (https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster)
        "master_auth": [{"client_certificate_config": [{"issue_client_certificate": False}]}],
        "release_channel": [{"channel": "REGULAR"}],
        "binary_authorization": [{"evaluation_mode": "PROJECT_SINGLETON_POLICY_ENFORCE"}],
        # the node pool is the one below, with the nodes' tags and service account
        "remove_default_node_pool": True,
        "initial_node_count": 1,
    }
    writer.add("google_container_cluster", label(cluster.name), body)
    _node_pool(writer, cluster, region)
    writer.problem(
        cluster,
        path,
        f"cluster '{cluster.name}': NetworkPolicy enforcement (network_policy, or GKE Dataplane "
        "V2's datapath_provider) is not written: each changes how GKE masquerades pod traffic "
        "(https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent), which "
        "compile does not check yet; the analysis reads the cluster's NetworkPolicies as "
        "enforced, so enable one before deploying them",
        warning=True,
    )


def _node_pool(writer: Writer, cluster: Cluster, region: str) -> None:
    variable = f"{label(cluster.name)}_machine_type"
    writer.variables[variable] = {
        "type": "string",
        "description": f"The machine type of GKE cluster {cluster.name}'s nodes (the blueprint "
        "does not hold it)",
    }
    count = f"{label(cluster.name)}_node_count"
    writer.variables[count] = {
        "type": "number",
        "description": f"The number of nodes per zone of GKE cluster {cluster.name} (the "
        "blueprint does not hold it)",
    }
    node: dict[str, Any] = {
        "machine_type": f"${{var.{variable}}}",
        # good defaults that change no path: Shielded GKE nodes' secure boot and integrity
        # monitoring (https://cloud.google.com/kubernetes-engine/docs/how-to/shielded-gke-nodes)
        "shielded_instance_config": [
            {"enable_secure_boot": True, "enable_integrity_monitoring": True}
        ],
    }
    if cluster.node_tags:
        node["tags"] = list(cluster.node_tags)
    if cluster.node_service_account is not None:
        node["service_account"] = cluster.node_service_account
        node["oauth_scopes"] = _SCOPES
    writer.add(
        "google_container_node_pool",
        label(cluster.name),
        {
            "name": NODE_POOL,
            "cluster": ref("google_container_cluster", cluster.name, "id"),
            "location": region,
            "node_count": f"${{var.{count}}}",
            "node_config": [node],
            # the provider's defaults, stated: nodes repaired and upgraded by GKE
            "management": [{"auto_repair": True, "auto_upgrade": True}],
        },
    )


def clusters(writer: Writer) -> None:
    """A `google_container_cluster` and its node pool per GKE cluster of the GCP clouds."""
    for cluster in writer.blueprint.clusters:
        if cluster.kind == "gke" and cluster.cloud in writer.clouds:
            _cluster(writer, cluster)
