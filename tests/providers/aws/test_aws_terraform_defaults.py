"""What the `aws` provider does when a plan leaves an argument out or unknown: its documented default, read so that no answer is a wrong "allowed".

Pages: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/<type>.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.terraform.plans import R, plan, write

import crossfence

ACCOUNT = "123456789012"


def _arn(kind: str, key: str) -> str:
    return f"arn:aws:ec2:eu-west-3:{ACCOUNT}:{kind}/{key}"


def _estate(subnet: dict[str, Any], instance: dict[str, Any], unknown: dict[str, Any]) -> list[R]:
    """A VPC whose main table routes 0.0.0.0/0 to an internet gateway, a group open on 443 to
    the internet, and one instance being created (its `public_ip` known after apply)."""
    return [
        R(
            "aws_vpc.main",
            {
                "id": "vpc-1",
                "arn": _arn("vpc", "vpc-1"),
                "cidr_block": "10.40.0.0/16",
                "tags": {"Name": "ops"},
                "main_route_table_id": "rtb-main",
                "default_network_acl_id": "acl-default",
                "default_security_group_id": "sg-default",
            },
        ),
        R(
            "aws_subnet.a",
            {
                "id": "subnet-a",
                "arn": _arn("subnet", "subnet-a"),
                "vpc_id": "vpc-1",
                "cidr_block": "10.40.1.0/24",
                "availability_zone": "eu-west-3a",
                "tags": {"Name": "a"},
                **subnet,
            },
        ),
        R("aws_internet_gateway.gw", {"id": "igw-1", "vpc_id": "vpc-1"}),
        R(
            "aws_default_route_table.main",
            {
                "id": "rtb-main",
                "default_route_table_id": "rtb-main",
                "vpc_id": "vpc-1",
                "tags": {"Name": "main"},
                "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}],
            },
        ),
        R(
            "aws_security_group.web",
            {
                "id": "sg-web",
                "arn": _arn("security-group", "sg-web"),
                "name": "web",
                "vpc_id": "vpc-1",
                "ingress": [
                    {
                        "from_port": 443,
                        "to_port": 443,
                        "protocol": "tcp",
                        "cidr_blocks": ["0.0.0.0/0"],
                        "ipv6_cidr_blocks": [],
                        "prefix_list_ids": [],
                        "security_groups": [],
                        "self": False,
                    }
                ],
                "egress": [],
            },
        ),
        R(
            "aws_instance.web",
            {
                "subnet_id": "subnet-a",
                "private_ip": "10.40.1.10",
                "vpc_security_group_ids": ["sg-web"],
                "tags": {"Name": "web"},
                "source_dest_check": True,
                **instance,
            },
            unknown={"id": True, "arn": True, "public_ip": True, **unknown},
            action=["create"],
        ),
    ]


def _load(tmp_path: Path, resources: list[R], **config: Any) -> crossfence.Blueprint:
    return crossfence.load(write(tmp_path / "plan.json", plan(resources, **config)))


def _from_internet(blueprint: crossfence.Blueprint) -> Any:
    return crossfence.reach(crossfence.build_topology(blueprint), "internet", "web", "tcp/443")


def test_a_subnet_that_does_not_map_public_ips_gives_none(tmp_path: Path) -> None:
    """subnet: "map_public_ip_on_launch - (Optional) Specify true to indicate that instances
    launched into the subnet should be assigned a public IP address. Default is false."
    (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/subnet); an
    instance that does not set `associate_public_ip_address` (computed: known after apply) in
    such a subnet gets no public address, so the internet does not reach it."""
    for subnet in ({}, {"map_public_ip_on_launch": False}):
        bp = _load(tmp_path, _estate(subnet, {}, {"associate_public_ip_address": True}))
        web = bp.get("workloads", "web")
        assert web is not None and web.public_address is None
        assert not _from_internet(bp).allowed


def test_a_subnet_that_maps_public_ips_gives_one(tmp_path: Path) -> None:
    """subnet `map_public_ip_on_launch = true`: the instance gets a public address, to be
    allocated: the internet's answer is `unknown`, never a silent no."""
    bp = _load(
        tmp_path,
        _estate({"map_public_ip_on_launch": True}, {}, {"associate_public_ip_address": True}),
    )
    web = bp.get("workloads", "web")
    assert web is not None and web.public_address is not None
    assert _from_internet(bp).allowed  # the stand-in address: `unknown` in the CLI's answers


def test_the_instance_s_own_setting_wins(tmp_path: Path) -> None:
    """instance: "associate_public_ip_address - (Optional) Whether to associate a public IP
    address with an instance in a VPC." (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance):
    set, it decides whatever the subnet's attribute."""
    public = _load(tmp_path, _estate({}, {"associate_public_ip_address": True}, {})).get(
        "workloads", "web"
    )
    private = _load(
        tmp_path,
        _estate({"map_public_ip_on_launch": True}, {"associate_public_ip_address": False}, {}),
    ).get("workloads", "web")
    assert public is not None and public.public_address is not None
    assert private is not None and private.public_address is None


def test_an_elastic_ip_of_the_instance_gives_one(tmp_path: Path) -> None:
    """eip: "instance - (Optional) EC2 instance ID."
    (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip): an Elastic
    IP the plan associates with the instance is its public address, whatever the subnet's
    attribute or `associate_public_ip_address`."""
    resources = [
        *_estate({}, {"associate_public_ip_address": False}, {}),
        R("aws_eip.web", {"domain": "vpc"}, unknown={"instance": True}, action=["create"]),
    ]
    configuration = {
        "root_module": {
            "resources": [
                {
                    "address": "aws_eip.web",
                    "mode": "managed",
                    "type": "aws_eip",
                    "name": "web",
                    "expressions": {
                        "instance": {"references": ["aws_instance.web.id", "aws_instance.web"]}
                    },
                }
            ]
        }
    }
    bp = _load(tmp_path, resources, configuration=configuration)
    web = bp.get("workloads", "web")
    assert web is not None and web.public_address is not None
    assert _from_internet(bp).allowed  # the stand-in address: `unknown` in the CLI's answers
    # eip_association: "instance_id - (Optional) ID of the instance"
    # (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip_association)
    associated = [
        *_estate({}, {"associate_public_ip_address": False}, {}),
        R(
            "aws_eip_association.web",
            {},
            unknown={"instance_id": True, "id": True},
            action=["create"],
        ),
    ]
    entry = configuration["root_module"]["resources"][0]
    entry.update(address="aws_eip_association.web", type="aws_eip_association")
    entry["expressions"] = {"instance_id": entry["expressions"]["instance"]}
    web = _load(tmp_path, associated, configuration=configuration).get("workloads", "web")
    assert web is not None and web.public_address is not None


_OPEN = {
    "from_port": 22,
    "to_port": 22,
    "protocol": "tcp",
    "cidr_blocks": ["0.0.0.0/0"],
    "ipv6_cidr_blocks": [],
    "prefix_list_ids": [],
    "security_groups": [],
    "self": False,
}


def _with_rule(rule: dict[str, Any], unknown: dict[str, Any]) -> list[R]:
    """The estate with a public instance and the group's one ingress `rule`, being created."""
    resources = _estate({}, {"associate_public_ip_address": True, "public_ip": "15.188.1.1"}, {})
    resources[-1].unknown = {"id": True, "arn": True}
    group = next(r for r in resources if r.address == "aws_security_group.web")
    group.values["ingress"] = [rule]
    group.unknown = {"ingress": [unknown]}
    group.action = ["create"]
    return resources


def test_a_rule_whose_ports_or_ranges_are_unknown_allows_nothing_yet(tmp_path: Path) -> None:
    """security_group: a rule allows ("ingress ... from_port, to_port, protocol, cidr_blocks",
    https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group),
    so a rule whose protocol, port or range is known after apply is left out, never widened to
    every port or address; each value is recorded, so the answers it changes are `unknown`."""
    cases: list[tuple[dict[str, Any], dict[str, Any], str]] = [
        (
            {k: v for k, v in _OPEN.items() if k not in ("from_port", "to_port")},
            {"from_port": True, "to_port": True},
            "ingress[0].from_port",
        ),
        (
            {k: v for k, v in _OPEN.items() if k != "protocol"},
            {"protocol": True},
            "ingress[0].protocol",
        ),
        (
            {k: v for k, v in _OPEN.items() if k != "cidr_blocks"},
            {"cidr_blocks": True},
            "ingress[0].cidr_blocks",
        ),
        ({**_OPEN, "cidr_blocks": [None]}, {"cidr_blocks": [True]}, "ingress[0].cidr_blocks[0]"),
    ]
    for number, (rule, unknown, attribute) in enumerate(cases):
        folder = tmp_path / str(number)
        folder.mkdir()
        bp = _load(folder, _with_rule(rule, unknown))
        group = bp.get("security_groups", "web")
        assert group is not None and group.inbound_rules == (), attribute
        assert any(u.address.endswith(attribute) for u in bp.unknowns), attribute
        topology = crossfence.build_topology(bp)
        assert not crossfence.reach(topology, "internet", "web", "tcp/22").allowed, attribute


def test_a_tcp_rule_without_ports_is_never_every_port(tmp_path: Path) -> None:
    """security_group: "from_port - (Required) Start port", "to_port - (Required) End port"
    (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group):
    a hand-written plan's TCP rule without them is left out with a warning, not read as every
    TCP port; `protocol = "-1"` ("all protocols") needs none."""
    bare = {k: v for k, v in _OPEN.items() if k not in ("from_port", "to_port")}
    bp = _load(tmp_path, _with_rule(bare, {}))
    group = bp.get("security_groups", "web")
    assert group is not None and group.inbound_rules == ()
    assert any("without from_port and to_port" in w.message for w in bp.warnings)
    every = _load(tmp_path, _with_rule({**bare, "protocol": "-1"}, {}))
    group = every.get("security_groups", "web")
    assert group is not None and [r.ports for r in group.inbound_rules] == ["all"]


_DENY_SSH = {
    "rule_no": 100,
    "action": "deny",
    "protocol": "tcp",
    "from_port": 22,
    "to_port": 22,
    "cidr_block": "0.0.0.0/0",
    "ipv6_cidr_block": "",
    "icmp_type": 0,
    "icmp_code": 0,
}
_ALLOW_ALL = {
    **_DENY_SSH,
    "rule_no": 200,
    "action": "allow",
    "protocol": "-1",
    "from_port": 0,
    "to_port": 0,
}


def _with_acl(entry: dict[str, Any], unknown: dict[str, Any]) -> list[R]:
    """The public instance, open on every port, behind a network ACL: `entry`, then allow all."""
    resources = _with_rule({**_OPEN, "from_port": 0, "to_port": 65535}, {})
    group = next(r for r in resources if r.address == "aws_security_group.web")
    group.values["egress"] = [{**_OPEN, "protocol": "-1", "from_port": 0, "to_port": 0}]
    acl = {
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-a"],
        "tags": {"Name": "edge"},
        "ingress": [entry, _ALLOW_ALL],
        "egress": [_ALLOW_ALL],
    }
    unknowns = {"id": True, "ingress": [unknown, {}]}
    return [*resources, R("aws_network_acl.edge", acl, unknown=unknowns, action=["create"])]


def test_a_deny_entry_known_after_apply_still_denies(tmp_path: Path) -> None:
    """network_acl: entries are evaluated "in order, starting with the lowest numbered rule"
    (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html; `rule_no`, `action`,
    `cidr_block`, `from_port`, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/network_acl).
    A deny entry whose range, ports, protocol, number or action the plan does not know yet is
    read so that it denies most (0.0.0.0/0, every port, every protocol, rule 1, deny), never left
    out: SSH stays denied, and each value is recorded."""
    for name in ("cidr_block", "from_port", "protocol", "rule_no", "action"):
        folder = tmp_path / name
        folder.mkdir()
        entry = {k: v for k, v in _DENY_SSH.items() if k != name}
        bp = _load(folder, _with_acl(entry, {name: True}))
        assert any(u.address.endswith(f"ingress[0].{name}") for u in bp.unknowns), name
        topology = crossfence.build_topology(bp)
        assert not crossfence.reach(topology, "internet", "web", "tcp/22").allowed, name
        # an unknown port or protocol denies every TCP port: 443 too
        assert crossfence.reach(topology, "internet", "web", "tcp/443").allowed == (
            name in ("cidr_block", "rule_no", "action")
        ), name


def test_an_allow_entry_known_after_apply_is_left_out(tmp_path: Path) -> None:
    """An allow entry whose range the plan does not know yet is left out (and recorded): the
    next entries decide, never a wider allow; a TCP allow without ports ("PortRange ... Required
    if specifying protocol 6 (TCP) or 17 (UDP)",
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html) is left
    out with a warning."""
    allow = {**_DENY_SSH, "action": "allow"}
    acl_only = _with_acl(
        {k: v for k, v in allow.items() if k != "cidr_block"}, {"cidr_block": True}
    )
    acl_only[-1].values["ingress"] = acl_only[-1].values["ingress"][:1]
    acl_only[-1].unknown["ingress"] = [{"cidr_block": True}]
    bp = _load(tmp_path, acl_only)
    edge = next(a for a in bp.networks[0].network_acls if a.name == "edge")
    assert edge.ingress == ()
    assert any(u.address.endswith("ingress[0].cidr_block") for u in bp.unknowns)
    bare = _with_acl({k: v for k, v in allow.items() if k not in ("from_port", "to_port")}, {})
    bare[-1].values["ingress"] = bare[-1].values["ingress"][:1]
    bare[-1].unknown["ingress"] = [{}]
    bp = _load(tmp_path, bare)
    edge = next(a for a in bp.networks[0].network_acls if a.name == "edge")
    assert edge.ingress == ()
    assert any("without from_port and to_port" in w.message for w in bp.warnings)
    assert not crossfence.reach(crossfence.build_topology(bp), "internet", "web", "tcp/22").allowed


def _instance_config(**expressions: Any) -> dict[str, Any]:
    return {
        "root_module": {
            "resources": [
                {
                    "address": "aws_instance.web",
                    "mode": "managed",
                    "type": "aws_instance",
                    "name": "web",
                    "expressions": {k: {"references": refs} for k, refs in expressions.items()},
                }
            ]
        }
    }


def test_an_instance_s_groups_known_after_apply(tmp_path: Path) -> None:
    """instance: "vpc_security_group_ids - (Optional, VPC only) List of security group IDs to
    associate with" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance),
    computed when the configuration sets none: "If you don't specify a security group when you
    launch an instance, the instance is automatically associated with the default security group
    for the VPC" (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
    A plan of such an instance holds the list as known after apply: the instance is in the
    default group (it was a traceback); when the configuration names groups, it is in those."""
    resources = _estate(
        {}, {"associate_public_ip_address": False}, {"vpc_security_group_ids": True}
    )
    resources[-1].values.pop("vpc_security_group_ids")
    bp = _load(tmp_path, resources, configuration=_instance_config())
    web = bp.get("workloads", "web")
    assert web is not None and web.security_groups == ()
    named = _load(
        tmp_path,
        resources,
        configuration=_instance_config(
            vpc_security_group_ids=["aws_security_group.web.id", "aws_security_group.web"]
        ),
    ).get("workloads", "web")
    assert named is not None and named.security_groups == ("web",)


def test_an_adopted_default_group_and_network_acl_keep_only_their_written_rules(
    tmp_path: Path,
) -> None:
    """default_security_group: "When Terraform first adopts the default security group, it
    immediately removes all ingress and egress rules in the Security Group. It then creates any
    rules specified in the configuration"
    (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_security_group);
    default_network_acl: "When Terraform first adopts the Default Network ACL, it immediately
    removes all rules in the ACL. It then proceeds to create any rules specified in the
    configuration" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_network_acl).
    Adopted with no rules, the default group allows nothing (AWS's own allows its members and
    every destination), and the default ACL denies everything between subnets (AWS's own allows
    all)."""
    resources = _estate({}, {"associate_public_ip_address": False}, {})
    resources[-1].values["vpc_security_group_ids"] = ["sg-default"]
    resources.append(
        R(
            "aws_subnet.b",
            {
                "id": "subnet-b",
                "vpc_id": "vpc-1",
                "cidr_block": "10.40.2.0/24",
                "availability_zone": "eu-west-3a",
                "tags": {"Name": "b"},
            },
        )
    )
    resources.append(
        R(
            "aws_instance.db",
            {
                "subnet_id": "subnet-b",
                "private_ip": "10.40.2.20",
                "vpc_security_group_ids": ["sg-default"],
                "tags": {"Name": "db"},
                "source_dest_check": True,
                "associate_public_ip_address": False,
            },
            unknown={"id": True, "public_ip": True},
            action=["create"],
        )
    )
    adopted = R(
        "aws_default_security_group.d",
        {"id": "sg-default", "vpc_id": "vpc-1", "ingress": [], "egress": []},
    )
    bp = _load(tmp_path, [*resources, adopted])
    topology = crossfence.build_topology(bp)
    assert not crossfence.reach(topology, "web", "db", "tcp/5432").allowed
    assert crossfence.reach(
        crossfence.build_topology(_load(tmp_path, resources)), "web", "db", "tcp/5432"
    ).allowed  # AWS's default group: "Allows inbound traffic from resources in the group"
    open_group = {
        **adopted.values,
        "ingress": [
            {
                **_OPEN,
                "protocol": "-1",
                "from_port": 0,
                "to_port": 0,
                "cidr_blocks": ["10.40.0.0/16"],
            }
        ],
        "egress": [{**_OPEN, "protocol": "-1", "from_port": 0, "to_port": 0}],
    }
    acl = R(
        "aws_default_network_acl.d",
        {"id": "acl-default", "default_network_acl_id": "acl-default", "ingress": [], "egress": []},
    )
    bp = _load(tmp_path, [*resources, R(adopted.address, open_group), acl])
    assert not crossfence.reach(crossfence.build_topology(bp), "web", "db", "tcp/5432").allowed
    bp = _load(tmp_path, [*resources, R(adopted.address, open_group)])
    assert crossfence.reach(crossfence.build_topology(bp), "web", "db", "tcp/5432").allowed


def test_a_route_to_an_internet_gateway_the_plan_creates(tmp_path: Path) -> None:
    """route_table: "gateway_id - (Optional) Identifier of a VPC internet gateway, virtual private
    gateway, or `local`" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route_table;
    aws_route likewise, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route).
    A plan that creates the gateway with the route holds `gateway_id` as known after apply; the
    configuration's reference says it is the internet gateway. The route was left out, and the
    instance's public address read as unreachable from the internet."""
    for separate in (False, True):
        resources = _estate(
            {}, {"associate_public_ip_address": True, "public_ip": "15.188.1.1"}, {}
        )
        resources[-1].unknown = {"id": True}
        table_config: dict[str, Any] = {}
        for resource in resources:
            if resource.address == "aws_internet_gateway.gw":
                resource.values.pop("id")
                resource.unknown = {"id": True}
                resource.action = ["create"]
            if resource.address == "aws_default_route_table.main":
                if separate:
                    resource.values["route"] = []
                else:
                    resource.values["route"] = [{"cidr_block": "0.0.0.0/0"}]
                    resource.unknown = {"route": [{"gateway_id": True}]}
        reference = {"references": ["aws_internet_gateway.gw.id", "aws_internet_gateway.gw"]}
        entries = [
            {
                "address": "aws_default_route_table.main",
                "mode": "managed",
                "type": "aws_default_route_table",
                "name": "main",
                "expressions": table_config
                if separate
                else {
                    "route": [
                        {"cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": reference}
                    ]
                },
            }
        ]
        if separate:
            resources.append(
                R(
                    "aws_route.internet",
                    {"route_table_id": "rtb-main", "destination_cidr_block": "0.0.0.0/0"},
                    unknown={"gateway_id": True, "id": True},
                    action=["create"],
                )
            )
            entries.append(
                {
                    "address": "aws_route.internet",
                    "mode": "managed",
                    "type": "aws_route",
                    "name": "internet",
                    "expressions": {"gateway_id": reference},
                }
            )
        folder = tmp_path / str(separate)
        folder.mkdir()
        bp = _load(folder, resources, configuration={"root_module": {"resources": entries}})
        table = bp.networks[0].route_tables[0]
        assert [(r.destination, r.next_hop_gateway) for r in table.routes] == [
            ("0.0.0.0/0", "default_internet_gateway")
        ], separate
        assert _from_internet(bp).allowed, separate


def test_a_network_acl_whose_subnet_ids_are_known_after_apply(tmp_path: Path) -> None:
    """network_acl: "subnet_ids - (Optional) A list of Subnet IDs to apply the ACL to"
    (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/network_acl),
    computed: a plan holds the list as known after apply when it builds it from subnets it
    creates, and the configuration's references say which subnets they are. The ACL (here
    denying all inbound) applies to them; it was a traceback."""
    resources = _with_acl({**_DENY_SSH, "protocol": "-1", "from_port": 0, "to_port": 0}, {})
    acl = resources[-1]
    acl.values.pop("subnet_ids")
    acl.unknown["subnet_ids"] = True
    entry = {
        "address": "aws_network_acl.edge",
        "mode": "managed",
        "type": "aws_network_acl",
        "name": "edge",
        "expressions": {"subnet_ids": {"references": ["aws_subnet.a.id", "aws_subnet.a"]}},
    }
    bp = _load(tmp_path, resources, configuration={"root_module": {"resources": [entry]}})
    edge = next(a for a in bp.networks[0].network_acls if a.name == "edge")
    assert edge.subnets == ("a",)
    assert not _from_internet(bp).allowed
