"""Scaleway rules with a value a Terraform plan knows only after apply: read so they allow least, recorded, never an accept from anywhere."""

from __future__ import annotations

from pathlib import Path

import crossfence
from tests.providers.scaleway.test_scaleway_terraform import scw, vpc

from .plans import R, plan, write

GROUP = "scaleway_instance_security_group.g"


def _load(tmp_path: Path, resources: list[R]) -> crossfence.Blueprint:
    return crossfence.load(write(tmp_path / "plan.json", plan(resources)))


def _group(rule: dict[str, object], unknown: dict[str, object]) -> R:
    group = scw(
        GROUP,
        "44444444-4444-4444-8444-444444444444",
        {"name": "g", "inbound_default_policy": "drop", "inbound_rule": [rule]},
        "fr-par-1",
    )
    group.unknown = {"inbound_rule": [unknown]}
    group.action = ["create"]
    return group


def test_an_accept_rule_whose_range_is_unknown_is_left_out(tmp_path: Path) -> None:
    """A rule without `ip_range` is read as any address (the model's default, as
    tests/providers/scaleway/test_scaleway_terraform.py documents for
    https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_security_group):
    an accept rule whose range is the address of an IP the plan creates would otherwise accept
    everyone. It is left out (it accepts nothing yet), and recorded."""
    group = _group({"action": "accept", "protocol": "TCP", "port": 22}, {"ip_range": True})
    blueprint = _load(tmp_path, [*vpc(), group])
    assert blueprint.security_groups[0].inbound_rules == ()
    assert [(u.address, u.stand_in) for u in blueprint.unknowns] == [
        (f"{GROUP}.inbound_rule[0].ip_range", None)
    ]


def test_a_drop_rule_whose_range_is_unknown_drops_from_anywhere(tmp_path: Path) -> None:
    group = _group({"action": "drop", "protocol": "TCP", "port": 22}, {"ip_range": True})
    blueprint = _load(tmp_path, [*vpc(), group])
    rule = blueprint.security_groups[0].inbound_rules[0]
    assert (rule.action, rule.ports, rule.ip_ranges) == ("drop", "tcp/22", ("0.0.0.0/0",))
    assert [u.stand_in for u in blueprint.unknowns] == ["0.0.0.0/0"]


def test_a_drop_rule_whose_port_is_unknown_drops_every_port(tmp_path: Path) -> None:
    group = _group({"action": "drop", "protocol": "TCP", "ip_range": "10.0.0.0/8"}, {"port": True})
    rule = _load(tmp_path, [*vpc(), group]).security_groups[0].inbound_rules[0]
    assert (rule.ports, rule.ip_ranges) == ("tcp", ("0.0.0.0/0",))


def _edge(action: str) -> list[R]:
    """A load balancer whose frontend has one ACL matching `ip_subnet` known after apply (the
    address of a flexible IP the plan creates)."""
    lb = scw(
        "scaleway_lb.lb",
        "77777777-7777-4777-8777-777777777777",
        {"name": "edge", "ip_address": "51.15.0.10"},
        "fr-par-1",
    )
    backend = scw(
        "scaleway_lb_backend.b",
        "88888888-8888-4888-8888-888888888888",
        {
            "lb_id": "fr-par-1/77777777-7777-4777-8777-777777777777",
            "forward_protocol": "tcp",
            "forward_port": 8443,
            "server_ips": [],
        },
        "fr-par-1",
    )
    frontend = scw(
        "scaleway_lb_frontend.f",
        "99999999-9999-4999-8999-999999999999",
        {
            "lb_id": "fr-par-1/77777777-7777-4777-8777-777777777777",
            "backend_id": "fr-par-1/88888888-8888-4888-8888-888888888888",
            "inbound_port": 443,
            "acl": [
                {
                    "name": "office",
                    "action": [{"type": action}],
                    "match": [{"http_filter": "acl_http_filter_none", "invert": False}],
                }
            ],
        },
        "fr-par-1",
    )
    frontend.unknown = {"acl": [{"match": [{"ip_subnet": True}]}]}
    frontend.action = ["create"]
    return [lb, backend, frontend]


ACL = "scaleway_lb_frontend.f.acl[0].match[0].ip_subnet"


def test_an_allow_acl_whose_subnets_are_unknown_is_left_out(tmp_path: Path) -> None:
    """An ACL without `ip_subnet` matches every client (the model's `LbAcl.ip_ranges`, empty: any;
    https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/lb_acl): an
    allow ACL whose subnets are known after apply is left out (it allows nothing yet); before, the
    plan could not be read at all (a traceback)."""
    blueprint = _load(tmp_path, [*vpc(), *_edge("allow")])
    assert blueprint.load_balancers[0].acls == ()
    assert [(u.address, u.stand_in) for u in blueprint.unknowns] == [(ACL, None)]


def test_a_deny_acl_whose_subnets_are_unknown_matches_every_client(tmp_path: Path) -> None:
    blueprint = _load(tmp_path, [*vpc(), *_edge("deny")])
    (acl,) = blueprint.load_balancers[0].acls
    assert (acl.action, acl.ip_ranges) == ("deny", ())
    assert [u.address for u in blueprint.unknowns] == [ACL]
