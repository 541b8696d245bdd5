"""Stateless filters and replies: `reach` (one packet) and `matrix` (service sets) must agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.engine.filters import decide_reply, reply_services
from crossfence.ir.types import Filter, FilterRule, Source

ANY = IpSet.all()
HERE = Source("test")


def _filter(*rules: tuple[str, ServiceSet, ServiceSet | None]) -> Filter:
    return Filter(
        "acl",
        "scaleway-vpc-acl",
        tuple(
            FilterRule(f"rule {i}", action, ANY, ANY, services, HERE, source_ports)
            for i, (action, services, source_ports) in enumerate(rules)
        ),
        "deny",
        HERE,
        stateful=False,
    )


def test_reply_needs_the_whole_ephemeral_range() -> None:
    """A stateless ACL that lets replies through only to 32768-65535 (Linux's default range)
    does not cover every client: the client's port may be any of 1024-65535 (IANA and Windows
    use other ranges), so neither `reach` nor `matrix` counts the reply as allowed."""
    linux_only = _filter(("allow", ServiceSet.ports("tcp", 32768, 65535), None))
    assert not decide_reply(linux_only, 1, 2, "tcp", 443).allowed
    assert not reply_services(linux_only, 1, 2).contains("tcp", 443)
    every_client = _filter(("allow", ServiceSet.ports("tcp", 1024, 65535), None))
    assert decide_reply(every_client, 1, 2, "tcp", 443).allowed
    assert reply_services(every_client, 1, 2).contains("tcp", 443)


def test_reply_source_port_must_be_the_service_port() -> None:
    """A rule with source ports matches a reply only when they hold the service port."""
    only_https = _filter(
        ("allow", ServiceSet.protocol("tcp"), ServiceSet.ports("tcp", 443)),
    )
    assert decide_reply(only_https, 1, 2, "tcp", 443).allowed
    assert not decide_reply(only_https, 1, 2, "tcp", 8443).allowed


_ranges = st.tuples(st.integers(1, 65535), st.integers(0, 65535)).map(
    lambda t: (t[0], min(65535, t[0] + t[1]))
)
_services = st.one_of(
    st.just(ServiceSet.all()),
    st.sampled_from(["tcp", "udp"]).map(ServiceSet.protocol),
    st.tuples(st.sampled_from(["tcp", "udp"]), _ranges).map(
        lambda t: ServiceSet.ports(t[0], t[1][0], t[1][1])
    ),
)
_rule = st.tuples(
    st.sampled_from(["allow", "deny", "next"]), _services, st.one_of(st.none(), _services)
)


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(_rule, max_size=5),
    protocol=st.sampled_from(["tcp", "udp"]),
    port=st.integers(1, 65535),
)
def test_reach_and_matrix_agree_on_replies(
    rules: list[tuple[str, ServiceSet, ServiceSet | None]], protocol: str, port: int
) -> None:
    """The packet-level reply decision (traces) equals the service-set one (matrix)."""
    flt = _filter(*rules)
    assert decide_reply(flt, 1, 2, protocol, port).allowed == reply_services(flt, 1, 2).contains(
        protocol, port
    )
