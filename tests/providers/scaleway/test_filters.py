"""Scaleway filter semantics (https://www.scaleway.com/en/docs/vpc/concepts/#network-acl)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence.engine.filters import decide, reply_services
from crossfence.engine.packets import ServiceSet
from crossfence.model import load
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
