"""The blueprint's EKS clusters (kind eks) as `aws_eks_cluster` resources in Terraform JSON: the VPC configuration and the service range, what the import reads back.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eks_cluster
(`role_arn`, `vpc_config.subnet_ids`, `vpc_config.security_group_ids`,
`vpc_config.endpoint_private_access`, `kubernetes_network_config.service_ipv4_cidr`). EKS's
VPC CNI gives pods addresses of the nodes' subnet
(https://docs.aws.amazon.com/eks/latest/userguide/managing-vpc-cni.html): the pod range is that
subnet's, nothing an argument holds. A cluster's subnets are in at least two Availability
Zones (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...model import Cluster
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["clusters"]

_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
"""An EKS cluster name (the API's `name` pattern)."""


def _cluster(w: _Writer, cluster: Cluster) -> None:
    path = f"clusters[{cluster.name}]"
    network = w.blueprint.get("networks", cluster.network)
    subnet = (
        next((s for s in network.subnets if s.name == cluster.subnet), None) if network else None
    )
    if network is None or subnet is None:
        w.problem(cluster, path, f"cluster '{cluster.name}' names no subnet of its VPC")
        return
    if not _NAME.match(cluster.name):
        w.problem(
            cluster,
            f"{path}.name",
            f"cluster '{cluster.name}': not an EKS cluster name (expected 1-100 letters, digits, "
            "'-' or '_', starting with a letter or digit)",
        )
        return
    if str(cluster.pod_range) != subnet.cidr:
        w.problem(
            cluster,
            f"{path}.pod_range",
            f"cluster '{cluster.name}': EKS's VPC CNI gives pods addresses of the nodes' subnet "
            f"(expected pod_range {subnet.cidr}, the range of {subnet.name}, not {cluster.pod_range})",
        )
        return
    # the control plane's interfaces go in subnets of two Availability Zones at least: the
    # nodes' subnet first (the one the import places nodes and pods in), then one per other zone
    zones = {subnet.region}
    others = []
    for other in network.subnets:
        if other.region is not None and other.region not in zones:
            zones.add(other.region)
            others.append(other.name)
    if subnet.region is None or not others:
        w.problem(
            cluster,
            f"{path}.subnet",
            f"cluster '{cluster.name}': EKS needs subnets in two Availability Zones (expected "
            f"{subnet.name} and another subnet of {network.name} with a region, an Availability "
            "Zone, other than its own)",
        )
        return
    if cluster.service_range is not None and "/" not in str(cluster.service_range):
        w.problem(
            cluster,
            f"{path}.service_range",
            f"cluster '{cluster.name}': an EKS service range is a CIDR (expected "
            f"service_ipv4_cidr, not the secondary range {cluster.service_range})",
        )
        return
    role = f"{_label(cluster.name)}_role_arn"
    w.variables[role] = {
        "type": "string",
        "description": f"The IAM role of EKS cluster {cluster.name} (the blueprint does not hold it)",
    }
    vpc_config: dict[str, Any] = {
        "subnet_ids": [_ref("aws_subnet", s) for s in (subnet.name, *others)],
        # the API server reached from the VPC, not from the internet: the blueprint does not
        # model the control plane's endpoint, and a public one is a path it does not have
        "endpoint_private_access": True,
        "endpoint_public_access": False,
    }
    if not cluster.node_security_groups:
        # the blueprint's nodes without groups are in the VPC's default group; a managed node
        # group's nodes get the cluster security group EKS creates instead
        # (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html)
        w.problem(
            cluster,
            f"{path}.node_security_groups",
            f"cluster '{cluster.name}': the nodes of an EKS managed node group get the cluster "
            "security group EKS creates, not the VPC's default group an empty "
            "node_security_groups means (expected node_security_groups naming the nodes' groups, "
            "written in the node group's launch template)",
        )
        return
    body: dict[str, Any] = {
        "name": cluster.name,
        "role_arn": f"${{var.{role}}}",
        "vpc_config": [vpc_config],
    }
    # a good default that opens no path (checkov CKV_AWS_37): the control plane's logs, the
    # API server's audit log among them, sent to CloudWatch Logs
    # (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html)
    body["enabled_cluster_log_types"] = [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    if cluster.service_range is not None:
        body["kubernetes_network_config"] = [{"service_ipv4_cidr": str(cluster.service_range)}]
    body["tags"] = {"Name": cluster.name}
    w.add("aws_eks_cluster", cluster.name, body)
    _nodes(w, cluster, subnet.name)


def _nodes(w: _Writer, cluster: Cluster, subnet: str) -> None:
    """The nodes: a managed node group whose launch template holds their security groups
    (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html). That the nodes
    then get the launch template's groups and not also the cluster security group is
    UNCONFIRMED on AWS's pages (the terraform-aws-eks module's opt-in
    `attach_cluster_primary_security_group` agrees); were it also added, the nodes would also
    send anywhere and admit anything from the cluster group's members: crossfence would answer
    denied where AWS allows, never the reverse."""
    label = _label(cluster.name)
    w.add(
        "aws_launch_template",
        cluster.name,
        {
            "name": f"{cluster.name}-nodes",
            "vpc_security_group_ids": [
                _ref("aws_security_group", g) for g in cluster.node_security_groups
            ],
            # a good default that opens no path (checkov CKV_AWS_79): IMDSv2 only
            "metadata_options": [{"http_endpoint": "enabled", "http_tokens": "required"}],
            "tags": {"Name": f"{cluster.name}-nodes"},
        },
    )
    role = f"{label}_node_role_arn"
    w.variables[role] = {
        "type": "string",
        "description": f"The IAM role of the nodes of EKS cluster {cluster.name} (the blueprint "
        "does not hold it)",
    }
    w.add(
        "aws_eks_node_group",
        cluster.name,
        {
            "cluster_name": f"${{aws_eks_cluster.{label}.name}}",
            "node_group_name": cluster.name,
            "node_role_arn": f"${{var.{role}}}",
            "subnet_ids": [_ref("aws_subnet", subnet)],
            # capacity, not traffic: the blueprint does not hold it
            "scaling_config": [{"desired_size": 2, "max_size": 2, "min_size": 2}],
            "launch_template": [
                {
                    "id": f"${{aws_launch_template.{label}.id}}",
                    "version": f"${{aws_launch_template.{label}.latest_version}}",
                }
            ],
            "tags": {"Name": cluster.name},
        },
    )


def clusters(w: _Writer) -> None:
    """An `aws_eks_cluster` per EKS cluster of the AWS clouds."""
    for cluster in w.blueprint.clusters:
        if cluster.kind == "eks" and cluster.cloud in w.clouds:
            _cluster(w, cluster)
