"""AWS security groups as IR filters: allow-only, stateful, the union of every attached group.

Semantics (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html and
https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html):

- rules only allow; what no rule of any attached group allows is denied, so the groups of an
  instance act as one group holding the union of their rules (evaluation order is irrelevant);
- stateful: the reply of an allowed flow is allowed whatever the rules of the other direction;
- a rule whose source (inbound) or destination (outbound) is another security group matches the
  private addresses of the network interfaces that group is attached to, in the same VPC or in a
  peered VPC of the same region (the provider gives `members` for that scope,
  https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html);
- a new group has no inbound rule and one outbound rule allowing all traffic. The blueprint says
  it the same way: a group without `outbound_rules` and without `outbound_default_policy` keeps
  that allow-all rule; listing `outbound_rules` replaces it (as editing the group in AWS does);
  `outbound_default_policy: drop` states that the allow-all rule was removed, `accept` that it is
  kept next to the listed rules. `inbound_default_policy: accept` is lowered to an inbound
  allow-all rule, the only way AWS can express it;
- an instance launched without a security group gets the VPC's default security group, which
  allows inbound traffic from its own members and all outbound traffic
  (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.types import Filter, FilterRule, Source, described
from ...model import Network, SecurityGroup, SecurityGroupRule

__all__ = ["DEFAULT_GROUP", "default_security_group_filters", "security_group_filters"]

DEFAULT_GROUP = "default"
"""How `members` names the VPC's default security group: `<vpc>/default`."""

_NOTE = "AWS security groups allow only, are stateful, and apply the union of every attached group"


def _remote(rule: SecurityGroupRule, members: Mapping[str, IpSet]) -> IpSet:
    # `ip_ranges` defaults to 0.0.0.0/0; a rule naming security groups without ranges matches only
    # the groups' members, as an AWS rule with a security-group source does.
    ranges = (
        IpSet.from_cidrs(rule.ip_ranges)
        if "ip_ranges" in rule.model_fields_set or not rule.security_groups
        else IpSet.none()
    )
    referenced = [members.get(name, IpSet.none()) for name in rule.security_groups]
    return IpSet.union_all([ranges, *referenced])


def _allow_all(name: str, source: Source) -> FilterRule:
    return FilterRule(name, "allow", IpSet.all(), IpSet.all(), ServiceSet.all(), source)


def security_group_filters(
    groups: Sequence[SecurityGroup], members: Mapping[str, IpSet]
) -> tuple[Filter, Filter]:
    """(inbound, outbound) filters of the AWS security groups attached to one interface.

    `members` maps a group name to the private addresses of the interfaces it is attached to.
    """
    names = ", ".join(group.name for group in groups)
    out = []
    for direction in ("inbound", "outbound"):
        rules: list[FilterRule] = []
        for group in groups:
            resource = f"security-group/{group.name}"
            listed = group.inbound_rules if direction == "inbound" else group.outbound_rules
            policy = (
                group.inbound_default_policy
                if direction == "inbound"
                else group.outbound_default_policy
            )
            for index, rule in enumerate(listed):
                rules.append(
                    FilterRule(
                        name=described(
                            f"{group.name} {direction} rule {index + 1}", rule.description
                        ),
                        action="allow",
                        remote=_remote(rule, members),
                        local=IpSet.all(),
                        services=services_of([rule.ports]),
                        source=Source.of(rule, resource, f"{direction} rule {index + 1}"),
                    )
                )
            if direction == "outbound" and (policy == "accept" or (policy is None and not listed)):
                rules.append(
                    _allow_all(
                        f"{group.name} default outbound rule (all traffic to 0.0.0.0/0)",
                        Source.of(group, resource, "default outbound rule"),
                    )
                )
            if direction == "inbound" and policy == "accept":
                rules.append(
                    _allow_all(
                        f"{group.name} inbound_default_policy accept (all traffic from 0.0.0.0/0)",
                        Source.of(group, resource, "inbound_default_policy"),
                    )
                )
        first = groups[0]
        out.append(
            Filter(
                name=f"security groups {names} ({direction})",
                layer="aws-security-group",
                rules=tuple(rules),
                default="deny",
                default_source=Source.of(
                    first, f"security-group/{first.name}", f"no {direction} rule allows"
                ),
                stateful=True,
                note=_NOTE,
            )
        )
    return out[0], out[1]


def default_security_group_filters(network: Network, members: IpSet) -> tuple[Filter, Filter]:
    """(inbound, outbound) filters of a VPC's default security group, as AWS creates it."""
    resource = f"security-group/{network.name}/{DEFAULT_GROUP}"
    source = Source.of(network, resource)
    inbound = Filter(
        name=f"default security group of {network.name} (inbound)",
        layer="aws-security-group",
        rules=(
            FilterRule(
                "default inbound rule (all traffic from members of the default group)",
                "allow",
                members,
                IpSet.all(),
                ServiceSet.all(),
                Source.of(network, resource, "default inbound rule"),
            ),
        ),
        default="deny",
        default_source=source,
        note=f"{_NOTE}; the workload lists no security group, so AWS attaches the VPC's default one",
    )
    outbound = Filter(
        name=f"default security group of {network.name} (outbound)",
        layer="aws-security-group",
        rules=(
            _allow_all(
                "default outbound rule (all traffic to 0.0.0.0/0)",
                Source.of(network, resource, "default outbound rule"),
            ),
        ),
        default="deny",
        default_source=source,
        note=inbound.note,
    )
    return inbound, outbound
