"""The terraform target's EKS clusters: an `aws_eks_cluster` in the nodes' subnet and another Availability Zone's and its service range, the nodes' security groups in a managed node group's launch template; read back from the plan, the pod range from the nodes' subnet.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eks_cluster
(`role_arn`, `vpc_config.subnet_ids`, `vpc_config.security_group_ids`,
`vpc_config.endpoint_private_access`, `kubernetes_network_config.service_ipv4_cidr`);
https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html (subnets in at least two
Availability Zones); https://docs.aws.amazon.com/eks/latest/userguide/managing-vpc-cni.html
(pods get addresses of the nodes' subnet);
https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html
(`securityGroupIds`: "the cross-account elastic network interfaces that Amazon EKS creates",
the control plane's, not the nodes');
https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html (the cluster security group
EKS creates, which a managed node group's nodes get when their launch template names no group);
https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import load
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import aws_terraform

from .provider_schema import read_schemas
from .test_compile_terraform_aws import PACKAGE, _answers, _unknown

ESTATE = """\
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.60.0.0/16]
    subnets:
      - {name: nodes-a, cidr: 10.60.0.0/20, region: eu-west-1a}
      - {name: nodes-a2, cidr: 10.60.32.0/20, region: eu-west-1a}
      - {name: nodes-b, cidr: 10.60.16.0/20, region: eu-west-1b}
      - {name: db, cidr: 10.60.64.0/24, region: eu-west-1b}
security_groups:
  - name: nodes-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: all, ip_ranges: [10.60.0.0/20], description: from the nodes}
  - name: db-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: tcp/5432, security_groups: [nodes-sg], description: postgres from the nodes}
clusters:
  - name: apps
    cloud: aws
    kind: eks
    network: vpc
    subnet: nodes-a
    pod_range: 10.60.0.0/20
    service_range: 172.20.0.0/16
    node_security_groups: [nodes-sg]
    pods_masqueraded: true
    namespaces: [{name: shop, labels: {team: shop}}]
workloads:
  - {name: shop, kind: pods, cluster: apps, namespace: shop, labels: {app: shop}}
  - {name: pg, kind: vm, network: vpc, subnet: db, addresses: [10.60.64.10], security_groups: [db-sg], ports: ["tcp/5432"]}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_an_eks_cluster_in_two_availability_zones(tmp_path: Path) -> None:
    document, problems, warnings = aws_terraform(_estate(tmp_path))
    assert problems == []
    cluster = document["resource"]["aws_eks_cluster"]["apps"]
    assert cluster["name"] == "apps"
    # the IAM role is the user's: a variable with no default, never a made-up ARN
    assert cluster["role_arn"] == "${var.apps_role_arn}"
    assert "default" not in document["variable"]["apps_role_arn"]
    # the nodes' subnet first, then the first subnet of each other Availability Zone
    assert cluster["vpc_config"] == [
        {
            "subnet_ids": ["${aws_subnet.nodes-a.id}", "${aws_subnet.nodes-b.id}"],
            "endpoint_private_access": True,
            "endpoint_public_access": False,
        }
    ]
    assert cluster["kubernetes_network_config"] == [{"service_ipv4_cidr": "172.20.0.0/16"}]
    # the nodes' groups are on the nodes (the launch template of their managed node group),
    # not on the control plane's interfaces (vpc_config.security_group_ids)
    template = document["resource"]["aws_launch_template"]["apps"]
    assert template["vpc_security_group_ids"] == ["${aws_security_group.nodes-sg.id}"]
    group = document["resource"]["aws_eks_node_group"]["apps"]
    assert group["cluster_name"] == "${aws_eks_cluster.apps.name}"
    assert group["subnet_ids"] == ["${aws_subnet.nodes-a.id}"]
    assert group["launch_template"][0]["id"] == "${aws_launch_template.apps.id}"
    assert group["node_role_arn"] == "${var.apps_node_role_arn}"
    assert warnings == []
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    kinds = {"aws_eks_cluster", "aws_launch_template", "aws_eks_node_group"}
    schemas = read_schemas(PACKAGE, kinds, "aws_")
    for kind in sorted(kinds):
        body = document["resource"][kind]["apps"]
        assert _unknown(body, schemas[kind], f"{kind}.apps") == []


def test_the_round_trip_reads_the_cluster_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    cluster = back.get("clusters", "apps")
    assert cluster is not None
    assert (cluster.kind, cluster.network, cluster.subnet) == ("eks", "vpc", "nodes-a")
    assert cluster.pod_range == "10.60.0.0/20"
    assert cluster.service_range == "172.20.0.0/16"
    assert cluster.node_security_groups == ("nodes-sg",)
    assert cluster.pods_masqueraded is True
    kept = {
        c["name"]: c
        for f in overlay.glob("*.yaml")
        for c in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("clusters", [])
    }
    # only what no argument holds is the overlay's
    assert sorted(kept["apps"]) == ["name", "namespaces", "pods_masqueraded"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("pod_range: 10.60.0.0/20", "pod_range: 10.61.0.0/16"),
            "EKS's VPC CNI gives pods addresses of the nodes' subnet (expected pod_range "
            "10.60.0.0/20",
        ),
        (
            ("eu-west-1b", "eu-west-1a"),
            "EKS needs subnets in two Availability Zones",
        ),
        (("name: apps\n", "name: apps.prod\n"), "not an EKS cluster name"),
        (
            ("    node_security_groups: [nodes-sg]\n", ""),
            "get the cluster security group EKS creates",
        ),
    ],
)
def test_what_eks_cannot_express_is_refused(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = ESTATE.replace(*change)
    if "apps.prod" in text:
        text = text.replace("cluster: apps,", "cluster: apps.prod,")
    _, problems, _ = aws_terraform(_estate(tmp_path, text))
    assert len(problems) == 1 and expected in problems[0].message, problems
    assert problems[0].line is not None
