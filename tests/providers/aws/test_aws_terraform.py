"""The `aws` provider's resources read into the blueprint, each argument as the provider's documentation defines it.

Pages: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/<type>.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.terraform.plans import R, show_state, write

import crossfence

ACCOUNT = "123456789012"


def arn(kind: str, key: str) -> str:
    return f"arn:aws:ec2:eu-west-3:{ACCOUNT}:{kind}/{key}"


def vpc(**values: Any) -> list[R]:
    return [
        R(
            "aws_vpc.main",
            {
                "id": "vpc-1",
                "arn": arn("vpc", "vpc-1"),
                "cidr_block": "10.40.0.0/16",
                "tags": {"Name": "ops"},
                "main_route_table_id": "rtb-main",
                "default_network_acl_id": "acl-default",
                "default_security_group_id": "sg-default",
                **values,
            },
        ),
        R(
            "aws_subnet.a",
            {
                "id": "subnet-a",
                "arn": arn("subnet", "subnet-a"),
                "vpc_id": "vpc-1",
                "cidr_block": "10.40.1.0/24",
                "availability_zone": "eu-west-3a",
                "tags": {"Name": "private-a"},
            },
        ),
        R(
            "aws_subnet.b",
            {
                "id": "subnet-b",
                "arn": arn("subnet", "subnet-b"),
                "vpc_id": "vpc-1",
                "cidr_block": "10.40.2.0/24",
                "availability_zone": "eu-west-3b",
                "tags": {"Name": "private-b"},
            },
        ),
    ]


def instance(name: str, subnet: str, ip: str, groups: list[str]) -> R:
    return R(
        f"aws_instance.{name}",
        {
            "id": f"i-{name}",
            "arn": arn("instance", f"i-{name}"),
            "subnet_id": subnet,
            "private_ip": ip,
            "public_ip": "",
            "vpc_security_group_ids": groups,
            "tags": {"Name": name},
            "source_dest_check": True,
            "primary_network_interface_id": f"eni-{name}",
        },
    )


def group(name: str, ingress: list[dict[str, Any]], egress: list[dict[str, Any]]) -> R:
    return R(
        f"aws_security_group.{name}",
        {
            "id": f"sg-{name}",
            "arn": arn("security-group", f"sg-{name}"),
            "name": name,
            "vpc_id": "vpc-1",
            "ingress": ingress,
            "egress": egress,
        },
    )


def rule(**values: Any) -> dict[str, Any]:
    return {
        "cidr_blocks": [],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
        "description": "",
        **values,
    }


def load(tmp_path: Path, resources: list[R]) -> crossfence.Blueprint:
    return crossfence.load(write(tmp_path / "state.json", show_state(resources)))


def test_terraform_removes_the_default_egress_rule(tmp_path: Path) -> None:
    """security_group: "By default, AWS creates an ALLOW ALL egress rule when creating a new Security
    Group inside of a VPC. When creating a new Security Group inside a VPC, Terraform will remove
    this default rule": a group with no `egress` allows nothing out."""
    web = group(
        "web", [rule(from_port=443, to_port=443, protocol="tcp", cidr_blocks=["10.40.0.0/16"])], []
    )
    bp = load(
        tmp_path,
        [
            *vpc(),
            web,
            instance("a", "subnet-a", "10.40.1.10", ["sg-web"]),
            instance("b", "subnet-b", "10.40.2.10", ["sg-web"]),
        ],
    )
    sg = bp.security_groups[0]
    assert (sg.outbound_default_policy, sg.outbound_rules, [r.ports for r in sg.inbound_rules]) == (
        "drop",
        (),
        ["tcp/443"],
    )
    topology = crossfence.build_topology(bp)
    assert not crossfence.reach(topology, "a", "b", "tcp/443").allowed  # no egress rule


def test_inline_and_separate_rules_are_merged_once(tmp_path: Path) -> None:
    """A group's rules written inline and as `aws_security_group_rule` /
    `aws_vpc_security_group_ingress_rule` resources are its rules; a state lists a separate rule
    inline too, and it counts once. `-1` is all protocols; `self` the group's own members."""
    inline = rule(from_port=22, to_port=22, protocol="tcp", cidr_blocks=["10.0.0.0/8"])
    web = group(
        "web",
        [inline, rule(from_port=8080, to_port=8080, protocol="tcp", self=True)],
        [rule(from_port=0, to_port=0, protocol="-1", cidr_blocks=["0.0.0.0/0"])],
    )
    separate = R(
        "aws_security_group_rule.ssh",
        {
            "type": "ingress",
            "security_group_id": "sg-web",
            "from_port": 22,
            "to_port": 22,
            "protocol": "tcp",
            "cidr_blocks": ["10.0.0.0/8"],
            "self": False,
        },
    )
    modern = R(
        "aws_vpc_security_group_ingress_rule.https",
        {
            "security_group_id": "sg-web",
            "ip_protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_ipv4": "0.0.0.0/0",
        },
    )
    sg = load(tmp_path, [*vpc(), web, separate, modern]).security_groups[0]
    assert [
        (r.ports, r.ip_ranges if "ip_ranges" in r.model_fields_set else None, r.security_groups)
        for r in sg.inbound_rules
    ] == [
        ("tcp/22", ("10.0.0.0/8",), ()),
        ("tcp/8080", None, ("web",)),
        ("tcp/443", ("0.0.0.0/0",), ()),
    ]
    assert [r.ports for r in sg.outbound_rules] == ["all"]


def test_icmp_type_rule_is_never_widened(tmp_path: Path) -> None:
    """An ICMP rule for one type (echo, 8) cannot be said exactly: it is left out, with a warning."""
    web = group(
        "web", [rule(from_port=8, to_port=0, protocol="icmp", cidr_blocks=["0.0.0.0/0"])], []
    )
    bp = load(tmp_path, [*vpc(), web])
    assert bp.security_groups[0].inbound_rules == ()
    assert any("never widened" in w.message for w in bp.warnings)


def test_route_tables_inline_separate_and_associations(tmp_path: Path) -> None:
    """route_table inline `route` blocks and `aws_route` resources merge (one route per destination,
    the local route implicit); `aws_route_table_association` places subnets,
    `aws_main_route_table_association` makes a table the main one."""
    table = R(
        "aws_route_table.private",
        {
            "id": "rtb-1",
            "vpc_id": "vpc-1",
            "tags": {"Name": "private"},
            "route": [
                {"cidr_block": "10.40.0.0/16", "gateway_id": "local"},
                {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"},
            ],
            "propagating_vgws": [],
        },
    )
    extra = R(
        "aws_route.office",
        {"route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"},
    )
    association = R(
        "aws_route_table_association.a", {"route_table_id": "rtb-1", "subnet_id": "subnet-a"}
    )
    main = R("aws_main_route_table_association.m", {"vpc_id": "vpc-1", "route_table_id": "rtb-1"})
    igw = R("aws_internet_gateway.igw", {"id": "igw-1", "vpc_id": "vpc-1"})
    network = load(tmp_path, [*vpc(), igw, table, extra, association, main]).networks[0]
    (private,) = network.route_tables
    assert (private.main, private.subnets) == (True, ("private-a",))
    assert [(r.destination, r.next_hop_gateway) for r in private.routes] == [
        ("0.0.0.0/0", "default_internet_gateway")
    ]


def test_aws_defaults_assumed_when_absent(tmp_path: Path) -> None:
    """Without the VPC's main route table and default network ACL in the files, the ones AWS creates
    are assumed, named `-assumed`: the local route only
    (https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html), and allow all both ways
    (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html)."""
    network = load(tmp_path, vpc()).networks[0]
    (table,) = network.route_tables
    (acl,) = network.network_acls
    assert (table.name, table.main, table.routes) == ("ops-main-assumed", True, ())
    assert (acl.name, acl.default, [(r.rule_number, r.action, r.ports) for r in acl.ingress]) == (
        "ops-default-acl-assumed",
        True,
        [(100, "allow", "all")],
    )
    assert table.description is not None and table.description.startswith("assumed")


def test_network_acl_rules_and_associations(tmp_path: Path) -> None:
    """network_acl inline `ingress`/`egress` (rule_no, action, protocol, from_port, to_port,
    cidr_block), `aws_network_acl_rule` (egress, rule_action), `aws_network_acl_association`."""
    acl = R(
        "aws_network_acl.n",
        {
            "id": "acl-1",
            "vpc_id": "vpc-1",
            "subnet_ids": [],
            "tags": {"Name": "strict"},
            "ingress": [
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_block": "10.0.0.0/8",
                    "icmp_type": 0,
                    "icmp_code": 0,
                }
            ],
            "egress": [],
        },
    )
    out = R(
        "aws_network_acl_rule.out",
        {
            "network_acl_id": "acl-1",
            "rule_number": 100,
            "egress": True,
            "protocol": "-1",
            "rule_action": "allow",
            "cidr_block": "0.0.0.0/0",
            "from_port": 0,
            "to_port": 0,
        },
    )
    association = R(
        "aws_network_acl_association.a", {"network_acl_id": "acl-1", "subnet_id": "subnet-a"}
    )
    acls = {
        a.name: a for a in load(tmp_path, [*vpc(), acl, out, association]).networks[0].network_acls
    }
    strict = acls["strict"]
    assert (
        strict.subnets,
        [(r.rule_number, r.ports, r.cidr) for r in strict.ingress],
        [r.ports for r in strict.egress],
    ) == (("private-a",), [(100, "tcp/443", "10.0.0.0/8")], ["all"])


def test_route_to_a_pending_peering_is_a_blackhole(tmp_path: Path) -> None:
    """A VPC peering connection that is not active carries nothing; AWS shows the routes that use it
    as blackhole (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html)."""
    other = [
        R(
            "aws_vpc.other",
            {
                "id": "vpc-2",
                "arn": arn("vpc", "vpc-2"),
                "cidr_block": "10.50.0.0/16",
                "tags": {"Name": "other"},
            },
        )
    ]
    peering = R(
        "aws_vpc_peering_connection.p",
        {
            "id": "pcx-1",
            "vpc_id": "vpc-1",
            "peer_vpc_id": "vpc-2",
            "accept_status": "pending-acceptance",
            "auto_accept": False,
        },
    )
    table = R(
        "aws_route_table.t",
        {
            "id": "rtb-1",
            "vpc_id": "vpc-1",
            "route": [{"cidr_block": "10.50.0.0/16", "vpc_peering_connection_id": "pcx-1"}],
            "propagating_vgws": [],
            "tags": {},
        },
    )
    bp = load(tmp_path, [*vpc(), *other, peering, table])
    assert bp.peerings == ()
    route = next(t for t in bp.networks[0].route_tables if t.name == "t").routes[0]
    assert route.blackhole


def test_instance_in_the_default_group(tmp_path: Path) -> None:
    """An instance whose only group is the VPC's default one (not managed in the files) gets it as
    AWS creates it: no blueprint group, the engine's default security group."""
    bp = load(tmp_path, [*vpc(), instance("a", "subnet-a", "10.40.1.10", ["sg-default"])])
    assert bp.workloads[0].security_groups == ()


def _eks(**vpc_config: Any) -> R:
    return R(
        "aws_eks_cluster.e",
        {
            "name": "eks",
            "arn": f"arn:aws:eks:eu-west-3:{ACCOUNT}:cluster/eks",
            "vpc_config": [{"subnet_ids": ["subnet-a"], **vpc_config}],
            "kubernetes_network_config": [{"service_ipv4_cidr": "172.20.0.0/16"}],
        },
    )


def _node_group(launch_template: list[dict[str, Any]]) -> R:
    return R(
        "aws_eks_node_group.n",
        {
            "id": "eks:nodes",
            "arn": f"arn:aws:eks:eu-west-3:{ACCOUNT}:nodegroup/eks/nodes/1",
            "cluster_name": "eks",
            "node_group_name": "nodes",
            "subnet_ids": ["subnet-a"],
            "launch_template": launch_template,
        },
    )


def test_eks_cluster_nodes_have_their_launch_template_s_groups(tmp_path: Path) -> None:
    """eks_cluster `vpc_config.subnet_ids`; pods take addresses of the nodes' subnet (the VPC
    CNI, https://docs.aws.amazon.com/eks/latest/userguide/managing-vpc-cni.html). The nodes'
    groups are their managed node group's launch template's `vpc_security_group_ids`
    (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html), not
    `vpc_config.security_group_ids`, which go on "the cross-account elastic network interfaces"
    of the control plane
    (https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html)."""
    template = R(
        "aws_launch_template.t",
        {
            "id": "lt-1",
            "arn": arn("launch-template", "lt-1"),
            "name": "nodes",
            "vpc_security_group_ids": ["sg-nodes"],
        },
    )
    resources = [
        *vpc(),
        group("nodes", [], []),
        group("control", [], []),
        _eks(security_group_ids=["sg-control"]),
        template,
        _node_group([{"id": "lt-1", "name": "nodes", "version": "1"}]),
    ]
    eks = load(tmp_path, resources).clusters[0]
    assert (eks.kind, eks.subnet, eks.pod_range, eks.service_range, eks.node_security_groups) == (
        "eks",
        "private-a",
        "10.40.1.0/24",
        "172.20.0.0/16",
        ("nodes",),
    )


def test_eks_nodes_without_launch_template_groups_get_the_cluster_security_group(
    tmp_path: Path,
) -> None:
    """With no launch template naming security groups, a managed node group's nodes are in the
    cluster security group EKS creates, whose default rules are "Inbound All All Self",
    "Outbound All All 0.0.0.0/0" and "Outbound All All Self (for EFA traffic)"
    (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html): not the control
    plane's `vpc_config.security_group_ids`, nor the VPC's default group."""
    resources = [
        *vpc(),
        group(
            "control", [rule(from_port=0, to_port=0, protocol="-1", cidr_blocks=["0.0.0.0/0"])], []
        ),
        _eks(security_group_ids=["sg-control"]),
        _node_group([]),
    ]
    bp = load(tmp_path, resources)
    eks = bp.clusters[0]
    assert eks.node_security_groups == ("eks-cluster-sg-assumed",)
    cluster_group = bp.get("security_groups", "eks-cluster-sg-assumed")
    assert cluster_group is not None and cluster_group.network == "ops"
    assert [(r.ports, r.security_groups) for r in cluster_group.inbound_rules] == [
        ("all", ("eks-cluster-sg-assumed",))
    ]
    assert "ip_ranges" not in cluster_group.inbound_rules[0].model_fields_set
    assert [(r.ports, r.ip_ranges, r.security_groups) for r in cluster_group.outbound_rules] == [
        ("all", ("0.0.0.0/0",), ()),
        ("all", ("0.0.0.0/0",), ("eks-cluster-sg-assumed",)),
    ]


def _tgw_state() -> list[R]:
    second = R(
        "aws_vpc.spoke",
        {
            "id": "vpc-2",
            "arn": arn("vpc", "vpc-2"),
            "cidr_block": "10.41.0.0/16",
            "tags": {"Name": "spoke"},
            "main_route_table_id": "rtb-main2",
            "default_network_acl_id": "acl-default2",
            "default_security_group_id": "sg-default2",
        },
    )
    subnet = R(
        "aws_subnet.s",
        {
            "id": "subnet-s",
            "arn": arn("subnet", "subnet-s"),
            "vpc_id": "vpc-2",
            "cidr_block": "10.41.1.0/24",
            "availability_zone": "eu-west-3a",
            "tags": {"Name": "spoke-a"},
        },
    )

    def attachment(key: str, vpc: str, **flags: Any) -> R:
        return R(
            f"aws_ec2_transit_gateway_vpc_attachment.{key}",
            {
                "id": f"tgw-attach-{key}",
                "transit_gateway_id": "tgw-1",
                "vpc_id": vpc,
                "subnet_ids": [],
                **flags,
            },
        )

    return [
        *vpc(),
        second,
        subnet,
        R(
            "aws_ec2_transit_gateway.t",
            {
                "id": "tgw-1",
                "arn": arn("transit-gateway", "tgw-1"),
                "amazon_side_asn": 64512,
                "association_default_route_table_id": "tgw-rtb-default",
                "propagation_default_route_table_id": "tgw-rtb-default",
                "tags": {"Name": "tgw"},
            },
        ),
        attachment("hub", "vpc-1"),
        attachment(
            "spoke",
            "vpc-2",
            transit_gateway_default_route_table_association=False,
            transit_gateway_default_route_table_propagation=False,
        ),
        R(
            "aws_ec2_transit_gateway_route_table.spokes",
            {"id": "tgw-rtb-spokes", "transit_gateway_id": "tgw-1", "tags": {"Name": "spokes"}},
        ),
        R(
            "aws_ec2_transit_gateway_route_table_association.s",
            {
                "id": "a-1",
                "transit_gateway_attachment_id": "tgw-attach-spoke",
                "transit_gateway_route_table_id": "tgw-rtb-spokes",
            },
        ),
        R(
            "aws_ec2_transit_gateway_route_table_propagation.s",
            {
                "id": "p-1",
                "transit_gateway_attachment_id": "tgw-attach-spoke",
                "transit_gateway_route_table_id": "tgw-rtb-default",
            },
        ),
        R(
            "aws_ec2_transit_gateway_route.to_hub",
            {
                "id": "r-1",
                "destination_cidr_block": "10.40.0.0/16",
                "transit_gateway_attachment_id": "tgw-attach-hub",
                "transit_gateway_route_table_id": "tgw-rtb-spokes",
            },
        ),
        R(
            "aws_ec2_transit_gateway_route.hole",
            {
                "id": "r-2",
                "destination_cidr_block": "10.99.0.0/16",
                "blackhole": True,
                "transit_gateway_route_table_id": "tgw-rtb-default",
            },
        ),
    ]


def test_transit_gateway_attachments_and_route_tables(tmp_path: Path) -> None:
    """Every VPC attachment, route table, association, propagation and route of a transit
    gateway is read (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html): the
    first attachment is the gateway's `network`; a route table id that is the gateway's
    `association_default_route_table_id` is its default route table."""
    bp = load(tmp_path, _tgw_state())
    gateway = bp.get("vpn_gateways", "tgw")
    assert gateway is not None and gateway.type == "aws_tgw" and gateway.network == "ops"
    assert [
        (
            a.network,
            a.transit_gateway_default_route_table_association,
            a.transit_gateway_default_route_table_propagation,
        )
        for a in gateway.attachments
    ] == [("spoke", False, False)]
    tables = {t.name: t for t in gateway.route_tables}
    assert tables["spokes"].associations == ("spoke",)
    assert [
        (str(r.destination_cidr_block), r.transit_gateway_attachment)
        for r in tables["spokes"].routes
    ] == [("10.40.0.0/16", "ops")]
    default = next(t for t in gateway.route_tables if t.default)
    assert default.propagations == ("spoke",)
    assert [(str(r.destination_cidr_block), r.blackhole) for r in default.routes] == [
        ("10.99.0.0/16", True)
    ]
