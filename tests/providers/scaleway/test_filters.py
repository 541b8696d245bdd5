"""Scaleway filter semantics (https://www.scaleway.com/en/docs/vpc/concepts/#network-acl)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import load
from crossfence.algebra.packets import ServiceSet
from crossfence.engine.filters import decide, reply_services
from crossfence.providers.scaleway.filters import vpc_acl_filter

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "eu-sovereign"


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def acl():  # type: ignore[no-untyped-def]
    network = load(EXAMPLE).get("networks", "scw-vpc")
    flt = vpc_acl_filter(network)
    assert flt is not None
    return flt


def test_vpc_acl_is_stateless_first_match() -> None:
    """VPC ACL docs: rules are evaluated in order, the first match applies, then the default policy;
    ACLs are stateless, so replies need their own rule."""
    flt = acl()
    assert not flt.stateful
    assert decide(flt, ip("172.16.8.10"), ip("100.64.0.10"), "tcp", 5432).allowed
    assert not decide(flt, ip("172.16.8.10"), ip("172.16.0.5"), "tcp", 5432).allowed


def test_reply_rule_with_source_port_lets_the_database_answer() -> None:
    """The reply to pods → db:5432 leaves 5432 towards an ephemeral port; rule 2 (source port 5432)
    allows it, and nothing else answers the pods."""
    flt = acl()
    # the reply is evaluated packet-wise: local = reply destination (pod), remote = reply source (db)
    replies = reply_services(flt, ip("100.64.0.10"), ip("172.16.8.10"))
    assert replies.contains("tcp", 5432)
    assert not replies.contains("tcp", 22)
    assert replies != ServiceSet.all()


def test_security_group_filters_the_public_interface_by_default() -> None:
    """Instances docs, "Security group": security groups filter the public interface; traffic on a
    Private Network reaches the instance whatever its inbound default policy (`drop` here)."""
    from crossfence import load as load_blueprint
    from crossfence.providers.scaleway.filters import security_group_filters

    group = load_blueprint(EXAMPLE).get("security_groups", "scw-data-sg")
    inbound, _ = security_group_filters(group)
    assert inbound.default == "deny"
    assert inbound.note is not None and "public interface only" in inbound.note


def test_security_group_applies_to_all_interfaces_when_the_blueprint_says_so(
    tmp_path: Path,
) -> None:
    """The blueprint override `applies_to: all_interfaces` puts the group on the private path too."""
    import shutil

    from crossfence import load as load_blueprint
    from crossfence.engine.reach import reach
    from crossfence.estate import build_topology

    shutil.copytree(EXAMPLE, tmp_path / "bp", ignore=shutil.ignore_patterns("variants"))
    sgs = tmp_path / "bp" / "scaleway-network.yaml"
    text = sgs.read_text()
    assert reach(
        build_topology(load_blueprint(tmp_path / "bp")), "backup", "hsm", "tcp/8443"
    ).allowed
    sgs.write_text(
        text.replace(
            "  - name: scw-data-sg\n    cloud: scw\n",
            "  - name: scw-data-sg\n    cloud: scw\n    applies_to: all_interfaces\n",
        )
    )
    result = reach(build_topology(load_blueprint(tmp_path / "bp")), "backup", "hsm", "tcp/8443")
    assert not result.allowed and result.disposition == "DENIED_INGRESS"


def test_lb_acl_first_match_by_index_then_default() -> None:
    """Load Balancer docs, "ACL": rules are evaluated by index, the first match applies; here the
    Google front-end ranges are allowed and everything else gets the default `deny`."""
    from crossfence import load as load_blueprint
    from crossfence.providers.scaleway.filters import lb_acl_filter

    flt = lb_acl_filter(load_blueprint(EXAMPLE).get("load_balancers", "scw-edge"))
    assert decide(flt, ip("51.15.0.10"), ip("34.96.0.7"), "tcp", 443).allowed
    assert not decide(flt, ip("51.15.0.10"), ip("203.0.113.7"), "tcp", 443).allowed
