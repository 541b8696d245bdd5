"""AWS network ACLs as stateless IR filters on the boundary of the subnets they are associated with.

Semantics (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html and
https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html):

- separate inbound and outbound rules, evaluated in increasing rule number; the first rule that
  matches decides; a packet that matches none meets the `*` rule, which denies it;
- stateless: the reply of an allowed flow is evaluated as a packet of its own, so it needs a rule
  for the client's ephemeral ports (the docs open 1024-65535 to cover every client);
- they filter traffic entering and leaving a subnet, never traffic within it;
- each subnet is associated with exactly one network ACL; a subnet without an explicit
  association uses the VPC's default network ACL. In the blueprint that is the ACL with
  `default: true`; without one, the default ACL as AWS creates it, which allows all inbound and
  outbound traffic (rule 100 allow all, then `*`).
"""

from __future__ import annotations

from typing import Literal

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.types import Filter, FilterRule, Source
from ...model import Network, NetworkAcl, NetworkAclRule

__all__ = ["network_acl_filters"]

_NOTE = "network ACLs are stateless and filter only traffic entering or leaving the subnet"


def _filter(
    network: Network,
    name: str,
    direction: Literal["inbound", "outbound"],
    rules: tuple[NetworkAclRule, ...],
    owner: NetworkAcl | Network,
    subnet: str,
) -> Filter:
    resource = f"{network.name}/network-acl/{name}"
    ir_rules = [
        FilterRule(
            name=str(rule.rule_number),
            action=rule.action,
            # the rule's CIDR is the address outside the subnet: the source of inbound packets,
            # the destination of outbound ones; the address inside is any
            remote=IpSet.from_cidrs([rule.cidr]),
            local=IpSet.all(),
            services=services_of([rule.ports]),
            source=Source.of(rule, resource, f"{direction} rule {rule.rule_number}"),
        )
        for rule in sorted(rules, key=lambda r: r.rule_number)
    ]
    ir_rules.append(_star(Source.of(owner, resource, f"{direction} rule * (deny)")))
    return Filter(
        name=f"network ACL {name} ({'ingress' if direction == 'inbound' else 'egress'} of subnet {subnet})",
        layer="aws-network-acl",
        rules=tuple(ir_rules),
        default="deny",
        default_source=Source.of(owner, resource, f"{direction} rule * (deny)"),
        stateful=False,
        note=_NOTE,
    )


def _star(source: Source) -> FilterRule:
    # AWS lists the implicit deny as the last rule, `*`; traces name it so
    return FilterRule("*", "deny", IpSet.all(), IpSet.all(), ServiceSet.all(), source)


def _created_default(network: Network, subnet: str) -> tuple[Filter, Filter]:
    resource = f"{network.name}/network-acl/default"
    out = []
    for direction in ("inbound", "outbound"):
        rule = FilterRule(
            "100 (all traffic)",
            "allow",
            IpSet.all(),
            IpSet.all(),
            ServiceSet.all(),
            Source.of(network, resource, f"{direction} rule 100"),
        )
        out.append(
            Filter(
                name=f"default network ACL of {network.name} ({'ingress' if direction == 'inbound' else 'egress'} of subnet {subnet})",
                layer="aws-network-acl",
                rules=(rule, _star(Source.of(network, resource, f"{direction} rule * (deny)"))),
                default="deny",
                default_source=Source.of(network, resource, f"{direction} rule * (deny)"),
                stateful=False,
                note=f"{_NOTE}; no ACL is associated with the subnet, so the VPC's default one "
                "(allow all, as AWS creates it) applies",
            )
        )
    return out[0], out[1]


def network_acl_filters(network: Network) -> tuple[dict[str, tuple[Filter, Filter]], list[str]]:
    """Per subnet of an AWS VPC, its (ingress, egress) network ACL filters; and what was ignored."""
    notes: list[str] = []
    association: dict[str, NetworkAcl] = {}
    for listed in network.network_acls:
        for name in listed.subnets:
            if name in association:
                notes.append(
                    f"network {network.name}: subnet {name} is associated with network ACLs "
                    f"{association[name].name} and {listed.name}; AWS allows one, {association[name].name} is used"
                )
                continue
            association[name] = listed
    defaults = [nacl for nacl in network.network_acls if nacl.default]
    if len(defaults) > 1:
        notes.append(
            f"network {network.name}: several default network ACLs ({', '.join(n.name for n in defaults)}); "
            f"a VPC has one, {defaults[0].name} is used"
        )
    out: dict[str, tuple[Filter, Filter]] = {}
    for subnet in network.subnets:
        nacl = association.get(subnet.name) or (defaults[0] if defaults else None)
        if nacl is None:
            out[subnet.name] = _created_default(network, subnet.name)
            continue
        out[subnet.name] = (
            _filter(network, nacl.name, "inbound", nacl.ingress, nacl, subnet.name),
            _filter(network, nacl.name, "outbound", nacl.egress, nacl, subnet.name),
        )
    return out, notes
