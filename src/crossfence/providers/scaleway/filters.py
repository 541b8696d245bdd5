"""Scaleway VPC ACLs, instance security groups and load-balancer ACLs as IR filters.

- VPC ACL (https://www.scaleway.com/en/docs/vpc/concepts/#network-acl): stateless, rules in
  order, first match, then the default policy; it filters only traffic *between* Private
  Networks of the VPC, not inside one, not to or from the internet.
- Security groups (https://www.scaleway.com/en/docs/instances/concepts/#security-group):
  inbound/outbound default policy (accept by default), stateful or not, accept/drop rules;
  reported to filter the public interface only — the blueprint can say `applies_to: all_interfaces`.
- Load-balancer ACLs (https://www.scaleway.com/en/docs/load-balancer/concepts/#acl): per
  frontend, by index, allow/deny on client IP ranges (and HTTP conditions).
"""

from __future__ import annotations

from typing import Literal

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.types import Filter, FilterRule, Source, described
from ...model import LoadBalancer, Network, SecurityGroup
from ...model.edge import LbAcl

__all__ = ["SMTP_PAGE", "lb_acl_filter", "security_group_filters", "vpc_acl_filter"]


def _ports(protocol: str, ports: str | None) -> ServiceSet:
    if protocol == "any":
        return ServiceSet.all()
    if ports is None:
        return ServiceSet.protocol(protocol)
    low, _, high = ports.partition("-")
    return ServiceSet.ports(protocol, int(low), int(high or low))


def vpc_acl_filter(network: Network) -> Filter | None:
    """The VPC ACL of a Scaleway VPC (None if it has none)."""
    if network.acl is None:
        return None
    rules = []
    for index, rule in enumerate(network.acl.rules):
        source_ports = None
        if rule.source_ports is not None and rule.protocol in ("tcp", "udp"):
            source_ports = _ports(rule.protocol, rule.source_ports)
        rules.append(
            FilterRule(
                name=described(f"rule {index + 1}", rule.description),
                action="allow" if rule.action == "accept" else "deny",
                # an ACL is evaluated on the packet: "remote" is its source, "local" its destination
                remote=IpSet.from_cidrs([rule.source]),
                local=IpSet.from_cidrs([rule.destination]),
                services=_ports(rule.protocol, rule.destination_ports),
                source=Source.of(rule, f"{network.name}/acl", f"rule {index + 1}"),
                source_ports=source_ports,
            )
        )
    default: Literal["allow", "deny"] = (
        "allow" if network.acl.default_policy == "accept" else "deny"
    )
    return Filter(
        name=f"{network.name} VPC ACL",
        layer="scaleway-vpc-acl",
        rules=tuple(rules),
        default=default,
        default_source=Source.of(network.acl, f"{network.name}/acl", "default_policy"),
        stateful=False,
        note="VPC ACLs are stateless and filter only traffic between Private Networks",
    )


SMTP_PAGE = "https://www.scaleway.com/en/docs/instances/how-to/send-emails-from-your-instance/"
# Internal addresses (RFC 1918 and shared address space): the SMTP block is for remote servers.
_INTERNAL_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")


def _smtp_blocked() -> FilterRule:
    """Remote SMTP, which Scaleway blocks before any rule of the group: "By default, remote SMTP
    ports (25, 465, and 587) are blocked and cannot be accessed from our infrastructure to
    prevent spam. To send emails from your Instance, you need to open these ports in the security
    group configuration" (after identity verification; the API shows it as the group's read-only
    `enable_default_security`: "True if SMTP is blocked on IPv4 and IPv6"). It applies unless
    the group says `enable_default_security: false` (the block was lifted for the account)."""
    return FilterRule(
        name="SMTP blocked by default: remote TCP ports 25, 465 and 587",
        action="deny",
        remote=IpSet.all() - IpSet.from_cidrs(_INTERNAL_RANGES),
        local=IpSet.all(),
        services=services_of(["tcp/25", "tcp/465", "tcp/587"]),
        source=Source("scaleway/smtp-blocked", "tcp/25,465,587", SMTP_PAGE),
    )


def security_group_filters(group: SecurityGroup) -> tuple[Filter, Filter]:
    """(inbound, outbound) filters of a Scaleway security group."""
    out = []
    for direction, rules_in, default in (
        ("inbound", group.inbound_rules, group.inbound_default_policy or "accept"),
        ("outbound", group.outbound_rules, group.outbound_default_policy or "accept"),
    ):
        blocked = (
            (_smtp_blocked(),)
            if direction == "outbound" and group.enable_default_security is not False
            else ()
        )
        rules = blocked + tuple(
            FilterRule(
                name=described(f"{direction} rule {i + 1}", rule.description),
                action="allow" if rule.action == "accept" else "deny",
                remote=IpSet.from_cidrs(rule.ip_ranges),
                local=IpSet.all(),
                services=services_of([rule.ports]),
                source=Source.of(rule, f"security-group/{group.name}", f"{direction} rule {i + 1}"),
            )
            for i, rule in enumerate(rules_in)
        )
        scope = group.applies_to or "public_interface"
        out.append(
            Filter(
                name=f"security group {group.name} ({direction})",
                layer="scaleway-security-group",
                rules=rules,
                default="allow" if default == "accept" else "deny",
                default_source=Source.of(
                    group, f"security-group/{group.name}", f"{direction}_default_policy"
                ),
                stateful=group.stateful,
                note=(
                    "Scaleway security groups are documented to filter the public interface only"
                    if scope == "public_interface"
                    else "applies to every interface (blueprint: applies_to: all_interfaces)"
                ),
            )
        )
    return out[0], out[1]


def _http_conditions(acl: LbAcl) -> tuple[str, ...]:
    """An ACL's HTTP filter: "the traffic must match both filters" when it also has an IP one
    (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/)."""
    out = []
    if acl.http_path_begins:
        out.append("the path begins with " + " or ".join(acl.http_path_begins))
    if acl.http_header:
        out.append(f"the request carries the header {acl.http_header}")
    return tuple(out)


def lb_acl_filter(lb: LoadBalancer) -> Filter:
    """The frontend ACL of a Scaleway load balancer: first match by index; a rule with an HTTP
    filter matches only the requests that pass it; no match: the default action (allow unless
    the blueprint says otherwise: "If traffic reaches the end of the list of ACLs without any
    actions being applied to it, it is allowed to pass to the backend")."""
    rules = tuple(
        FilterRule(
            name=acl.name,
            action=acl.action,
            remote=IpSet.from_cidrs(acl.ip_ranges) if acl.ip_ranges else IpSet.all(),
            local=IpSet.all(),
            services=ServiceSet.ports("tcp", lb.port),
            source=Source.of(acl, f"load-balancer/{lb.name}/acl", acl.name),
            conditions=_http_conditions(acl),
        )
        for acl in sorted(lb.acls, key=lambda a: a.index)
    )
    return Filter(
        name=f"{lb.name} frontend ACL",
        layer="lb-acl",
        rules=rules,
        default=lb.acl_default_action,
        default_source=Source.of(lb, f"load-balancer/{lb.name}", "acl_default_action"),
        stateful=True,
    )
