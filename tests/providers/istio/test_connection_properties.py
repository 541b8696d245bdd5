"""Properties of a connection's answer on an HTTP port: it agrees with `authorize` on every request.

`authorize` implements https://istio.io/latest/docs/reference/config/security/authorization-policy/
for one request; `authorize_connection` answers for every request a connection may carry. Its
verdict must be "allowed" with no condition only when every request is allowed, "denied" only
when none is; its conditions must describe exactly the allowed requests; and the TCP reading
(https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/) never allows more than
the HTTP one, which is what the answer for an auto-detected port rests on.
"""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from crossfence.providers.istio.authz import Request, authorize
from crossfence.providers.istio.connection import authorize_connection
from crossfence.providers.istio.resources import (
    AuthorizationPolicy,
    AuthorizationRule,
    Operation,
    Source,
)
from crossfence.providers.kubernetes.errors import Location
from crossfence.providers.kubernetes.resources import (
    Cluster,
    ContainerPort,
    Namespace,
    Pod,
    Service,
    ServicePort,
)

HERE = Location("test", 1, 1)
POD = Pod(
    "foo", "api", {"app": "api"}, "10.1.0.30", (ContainerPort(8000, "TCP", None),), "api", {}, HERE
)
SERVICE = Service("foo", "api", {"app": "api"}, (ServicePort(8000, 8000, "TCP", "http"),), HERE)
NAMESPACE = Namespace("foo", {"istio-injection": "enabled"}, HERE)

METHODS = ["GET", "POST", "DELETE", "G*", "*T", "*"]
# `~` is the first character witnesses would join a prefix and a suffix with: patterns holding
# it must make them choose another
PATHS = ["/api/*", "/api/x", "/a*", "*x", "/healthz", "*", "/api/x/*", "/~*", "*~"]
HOSTS = ["a.example", "*.example", "b.*"]
# concrete values, including some no pattern names
METHOD_VALUES = ["GET", "POST", "DELETE", "PUT", "GX"]
PATH_VALUES = ["/api/x", "/api/", "/api/x/y", "/apix", "/x", "/healthz", "/b", "/ax", "/~a", "/~"]
HOST_VALUES = ["a.example", "c.example", "b.other", "d"]
PRINCIPALS = ["cluster.local/ns/foo/sa/sleep", "cluster.local/ns/bar/sleep"]

FIELDS = {
    "methods": METHODS,
    "notMethods": METHODS,
    "paths": PATHS,
    "notPaths": PATHS,
    "hosts": HOSTS,
    "notHosts": HOSTS,
    "ports": ["8000", "9000"],
    "notPorts": ["9000", "8000"],
}


@st.composite
def operations(draw: st.DrawFn) -> Operation:
    names = draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=3, unique=True))
    values = {
        n: tuple(draw(st.lists(st.sampled_from(FIELDS[n]), min_size=1, max_size=2, unique=True)))
        for n in names
    }
    return Operation(values, HERE)


@st.composite
def rules(draw: st.DrawFn, index: int) -> AuthorizationRule:
    sources = draw(
        st.lists(
            st.sampled_from(
                [
                    Source({"principals": (PRINCIPALS[0],)}, HERE),
                    Source({"notPrincipals": (PRINCIPALS[0],)}, HERE),
                    Source({"namespaces": ("foo",)}, HERE),
                ]
            ),
            max_size=1,
        )
    )
    return AuthorizationRule(
        index, tuple(sources), tuple(draw(st.lists(operations(), max_size=2))), (), HERE
    )


@st.composite
def policies(draw: st.DrawFn, index: int) -> AuthorizationPolicy:
    action = draw(st.sampled_from(["ALLOW", "ALLOW", "DENY"]))
    count = draw(st.integers(0, 2))
    return AuthorizationPolicy(
        "foo",
        f"p{index}",
        None,
        action,
        None,
        tuple(draw(rules(i)) for i in range(count)),
        HERE,
    )


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    count = draw(st.integers(1, 3))
    return Cluster(
        namespaces={"foo": NAMESPACE},
        pods=[POD],
        services=[SERVICE],
        authorization_policies=[draw(policies(i)) for i in range(count)],
    )


def _matches(pattern: str, value: str) -> bool:
    """Istio's string match, written independently: exact, `prefix*`, `*suffix`, `*` (non-empty)."""
    if pattern == "*":
        return value != ""
    regex = ".*".join(re.escape(piece) for piece in pattern.split("*"))
    return re.fullmatch(regex, value) is not None


def test_the_reference_matcher_reads_patterns_as_istio_does() -> None:
    assert _matches("/api/*", "/api/x") and not _matches("/api/*", "/apix")
    assert _matches("*x", "/apix") and _matches("*", "a") and not _matches("*", "")


_WORDS = re.compile(r"\s*(not on|on|not for host|for host|not)?\s*([^ ]+(?: or [^ ]+)*)")


def _described(words: str, method: str, path: str, host: str) -> bool:
    """Whether a request matches a description such as `GET or POST on /api/* not for host x`."""
    tests = []
    for kind, values in _WORDS.findall(words):
        value = {"on": path, "not on": path, "for host": host, "not for host": host}.get(
            kind, method
        )
        hit = any(_matches(option, value) for option in values.split(" or "))
        tests.append(not hit if kind.startswith("not") else hit)
    return all(tests)


def _satisfies(condition: str, method: str, path: str, host: str) -> bool:
    """Whether a request satisfies one condition, read back from its text."""
    if condition.startswith("an HTTP request other than "):
        body = condition.removeprefix("an HTTP request other than ")
        body = re.sub(r" \(DENY AuthorizationPolicy [^)]*\)$", "", body)
        return not _described(body, method, path, host)
    body = condition.removeprefix("an HTTP request ")
    alternatives = re.split(r" \(AuthorizationPolicy [^)]*\)(?: or |$)", body)
    return any(_described(a, method, path, host) for a in alternatives if a)


def request(principal: str | None, port: int = 8000) -> Request:
    return Request(
        "10.1.0.20",
        principal,
        principal.split("/")[2] if principal else None,
        POD.ip,
        port,
    )


@settings(max_examples=400, deadline=None)
@given(clusters(), st.sampled_from([*PRINCIPALS, None]))
def test_the_connection_answer_agrees_with_every_request(
    cluster: Cluster, principal: str | None
) -> None:
    connection = request(principal)
    answer = authorize_connection(cluster, POD, connection)
    http = dataclasses.replace(connection, http=True)
    verdicts = {
        (m, p, h): authorize(cluster, POD, dataclasses.replace(http, method=m, path=p, host=h))
        for m in METHOD_VALUES
        for p in PATH_VALUES
        for h in HOST_VALUES
    }
    allowed = {k for k, d in verdicts.items() if d.allowed}
    if not answer.allowed:
        assert not allowed, "denied while some request is allowed"
    elif not answer.conditions:
        assert allowed == set(verdicts), "allowed with no condition while some request is denied"
    else:
        described = {k for k in verdicts if all(_satisfies(c, *k) for c in answer.conditions)}
        assert described == allowed, answer.conditions
    # the TCP reading never allows more than the HTTP one
    if authorize(cluster, POD, connection).allowed:
        assert allowed == set(verdicts)
