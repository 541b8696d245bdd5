"""IAP in the lab: the external load balancer signs each request it lets through, the edge in front of a workload that verifies the header refuses the others.

Google: IAP puts an ES256 JWT in `x-goog-iap-jwt-assertion` (issuer `https://cloud.google.com/iap`,
audience `/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID`, `exp` in the future) and
strips the `x-goog-*` headers a client sends; the backend verifies header, payload and signature
(https://cloud.google.com/iap/docs/signed-headers-howto). Envoy's `jwt_authn` filter verifies a
JWT's signature, audiences, issuer and time restrictions (`exp`) and rejects the request when the
verification fails
(https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crossfence import build_topology, load
from crossfence.lab.control import up
from crossfence.lab.iap import (
    IAP_HEADER,
    IAP_ISSUER,
    USER_ISSUER,
    LabSigner,
    iap_claims,
    jwt_config,
    raw_signature,
)
from crossfence.lab.planner import make_plan
from crossfence.lab.probe import Probe, ProbeResult, run_batches
from crossfence.lab.state import State, lab_dir
from crossfence.lab.system import HostSystem
from crossfence.lab.teardown import down
from crossfence.lab.verify import verify

from .conftest import EXAMPLE

AUDIENCE = "/projects/1/global/backendServices/2"

# Google's external HTTPS load balancer with IAP in front of a Scaleway load balancer (open to
# the internet: requests may bypass IAP) in front of a VM that verifies IAP's header.
ESTATE = """
crossfence: 1
name: iap
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: vpc
    cloud: scw
    private_networks: [{name: apps, cidr: 172.16.0.0/24}]
load_balancers:
  - name: glb
    cloud: gcp
    kind: gcp_external_https
    address: 34.120.0.10
    port: 443
    protocol: https
    iap: {audience: AUDIENCE}
    backends: [{kind: internet_neg, target: edge, port: 443, protocol: https}]
  - name: edge
    cloud: scw
    kind: scaleway_lb
    address: 51.15.0.10
    port: 443
    protocol: https
    network: vpc
    private_network: apps
    private_address: 172.16.0.50
    backends: [{kind: workload, target: app, port: 8443}]
workloads:
  - {name: app, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.10], ports: ["tcp/8443"],
     iap_audience: VERIFIED}
"""


def estate(tmp_path: Path, verified: str = AUDIENCE) -> Path:
    path = tmp_path / "iap.yaml"
    path.write_text(ESTATE.replace("VERIFIED", verified).replace("AUDIENCE", AUDIENCE))
    return path


def test_a_der_signature_becomes_r_and_s_of_32_bytes() -> None:
    """JWS ES256 signatures are R || S, each a 32-byte big-endian integer (RFC 7518 section
    3.4, https://www.rfc-editor.org/rfc/rfc7518#section-3.4); openssl writes DER, where an
    integer with its top bit set gets a leading zero and a small one is shorter."""
    r = bytes([0x80] + [1] * 31)
    s = bytes([2] * 30)
    der = bytes([0x30, 2 + 33 + 2 + 30, 0x02, 33, 0x00, *r, 0x02, 30, *s])
    assert raw_signature(der) == r + bytes(2) + s
    with pytest.raises(ValueError):
        raw_signature(b"\x02\x01\x00")


def test_the_load_balancer_with_iap_signs_and_the_edge_before_a_verifier_checks(
    tmp_path: Path,
) -> None:
    """public-lb has IAP: its Envoy takes the lab user's bearer token (issuer
    accounts.google.com) and replaces any `x-goog-iap-jwt-assertion` with its own (IAP strips the
    client's `x-goog-*` headers); scw-edge is in front of customer-api, which verifies the header
    (`iap_audience`): its Envoy requires it with IAP's issuer and customer-api's audience."""
    blueprint = load(EXAMPLE)
    plan = make_plan(blueprint, build_topology(blueprint), "t", tmp_path, mesh=True)
    specs = {s.endpoint: s for s in plan.iap}
    assert set(specs) == {"public-lb", "scw-edge"}
    assert not [p for p in plan.proxies if p.endpoint in specs]  # no relay for them
    audience = "/projects/123456789/global/backendServices/987654321"
    jwks = tmp_path / "jwks.json"

    lb = json.loads(jwt_config(specs["public-lb"], jwks, tmp_path / "a", "TOKEN"))
    manager = lb["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    config: dict[str, Any] = manager["typed_config"]
    (provider,) = config["http_filters"][0]["typed_config"]["providers"].values()
    assert provider["issuer"] == USER_ISSUER and provider["audiences"] == [audience]
    (route,) = config["route_config"]["virtual_hosts"][0]["routes"]
    assert route["request_headers_to_add"] == [
        {
            "header": {"key": IAP_HEADER, "value": "TOKEN"},
            "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
        }
    ]
    cluster = lb["static_resources"]["clusters"][0]
    assert cluster["upstream_bind_config"]["source_address"]["address"] == "34.96.0.0"

    edge = json.loads(jwt_config(specs["scw-edge"], jwks, tmp_path / "b"))
    manager = edge["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    config = manager["typed_config"]
    (provider,) = config["http_filters"][0]["typed_config"]["providers"].values()
    assert provider == {
        "issuer": IAP_ISSUER,
        "audiences": [audience],
        "local_jwks": {"filename": str(jwks)},
        "forward": True,
        "from_headers": [{"name": IAP_HEADER}],
    }
    assert "request_headers_to_add" not in config["route_config"]["virtual_hosts"][0]["routes"][0]


def test_a_load_balancer_before_a_workload_that_does_not_verify_stays_a_relay(
    tmp_path: Path,
) -> None:
    """Without `iap_audience` on the workload, nothing checks IAP's header behind the edge: the
    edge relays connections as before."""
    path = tmp_path / "x.yaml"
    path.write_text(
        ESTATE.replace(",\n     iap_audience: VERIFIED", "").replace("AUDIENCE", AUDIENCE)
    )
    blueprint = load(path)
    plan = make_plan(blueprint, build_topology(blueprint), "t", tmp_path, mesh=True)
    assert [(s.endpoint, s.role) for s in plan.iap] == [("glb", "iap")]
    assert [p.endpoint for p in plan.proxies] == ["edge"]


def _client(name: str, root: Path) -> tuple[str, str]:
    state = State.load(lab_dir(name, root))
    assert state is not None
    (client,) = state.data["plan"]["instances"]["internet"]
    return str(client["netns"]), str(client["address"])


def _send(netns: str, address: str, port: int, headers: dict[str, str]) -> ProbeResult:
    probe = Probe("p", "tcp", address, port, None, None, ("GET", "/"), tuple(headers.items()))
    return run_batches(HostSystem(), {netns: [probe]}, sys.executable)["p"]


@pytest.mark.lab
@pytest.mark.usefixtures("real_lab")
def test_the_edge_passes_the_load_balancers_token_and_refuses_the_others(
    tmp_path: Path,
) -> None:
    """Straight to the edge from the internet (bypassing IAP): the header the load balancer adds
    passes; none, one signed by another key, one past its `exp` and one for another audience are
    refused (Envoy: 401; 403 for the audience). Through the load balancer, a forged header is replaced by IAP's own."""
    root = tmp_path / "labs"
    try:
        up(estate(tmp_path), "tiap", root=root)
        folder = lab_dir("tiap", root)
        netns, _ = _client("tiap", root)
        issued = (folder / "pki" / "iap-glb.jwt").read_text()
        lab_key = LabSigner(HostSystem(), folder / "pki")
        other = LabSigner(HostSystem(), tmp_path / "other")
        other.create()
        now = int(time.time())
        tokens = {
            "the load balancer's": issued,
            "another key's": other.sign(iap_claims(AUDIENCE, now)),
            "an expired": lab_key.sign(iap_claims(AUDIENCE, now - 3600, lifetime=600)),
            "another audience's": lab_key.sign(
                iap_claims("/projects/1/global/backendServices/3", now)
            ),
        }
        seen = {
            what: _send(netns, "51.15.0.10", 443, {IAP_HEADER: token})
            for what, token in tokens.items()
        }
        seen["no"] = _send(netns, "51.15.0.10", 443, {})
        assert seen["the load balancer's"].outcome == "answered"
        assert seen["the load balancer's"].answer == "app"
        for what in ("another key's", "an expired", "another audience's", "no"):
            assert seen[what].outcome == "rejected", (what, seen[what])
            # Envoy answers 401, and 403 for an audience it does not allow
            expected = "HTTP 403" if what == "another audience's" else "HTTP 401"
            assert seen[what].detail.startswith(expected), (what, seen[what])
        # through IAP: the lab user's credential, a forged header replaced by IAP's own
        user = (folder / "pki" / "user-glb.jwt").read_text()
        forged = {"authorization": f"Bearer {user}", IAP_HEADER: tokens["another key's"]}
        through = _send(netns, "34.120.0.10", 443, forged)
        assert (through.outcome, through.answer) == ("answered", "app")
        refused = _send(netns, "34.120.0.10", 443, {IAP_HEADER: issued})
        assert refused.outcome == "rejected" and refused.detail.startswith("HTTP 401")

        # verify: the flow the engine allows only with IAP's token is sent with the lab user's
        # credential (answered) and without (IAP refuses it)
        result = verify("tiap", root=root)
        assert not result.disagreements, [f.flow.key for f in result.disagreements]
        (cell,) = [f for f in result.flows if f.flow.key == "internet>app>tcp/8443"]
        assert cell.engine.conditions and cell.delivered and cell.delivered_without is False
        assert cell.without is not None
        assert [r.outcome for _, r in cell.without] == ["rejected"]
    finally:
        down("tiap", root=root)


@pytest.mark.lab
@pytest.mark.usefixtures("real_lab")
def test_a_workload_verifying_another_audience_refuses_what_iap_signs(tmp_path: Path) -> None:
    """The workload verifies an audience that is not the load balancer's: the header IAP adds
    is refused (the signed-headers page: `aud` must be the backend service's), so nothing gets
    through (Envoy: 403). The engine allows the flow with IAP's token (it does not read `iap_audience`;
    `check` reports zerotrust.iap-token-not-verified): verify says they disagree, exit 1."""
    root = tmp_path / "labs"
    try:
        up(estate(tmp_path, "/projects/1/global/backendServices/9"), "tiapx", root=root)
        result = verify("tiapx", root=root)
        wrong = {f.flow.key for f in result.disagreements}
        assert wrong == {"internet>app>tcp/8443", "glb>app>tcp/8443"}
        cell = next(f for f in result.disagreements if f.flow.source == "internet")
        assert any(
            r.detail == "HTTP 403: Audiences in Jwt are not allowed" for _, r in cell.outcomes
        )
    finally:
        down("tiapx", root=root)


@pytest.mark.parametrize(
    ("with_token", "without_token", "agree"),
    [
        ("answered", "rejected", True),
        # IAP not enforced: a request without the token got through, the engine said it needs one
        ("answered", "answered", False),
        # nothing gets through even with the token
        ("rejected", "rejected", False),
    ],
)
def test_a_cell_allowed_only_with_the_token_agrees_only_when_just_the_token_passes(
    with_token: str, without_token: str, agree: bool
) -> None:
    """The engine allows the flow only with IAP's token: verify sends it with the lab user's
    credential and without; they agree when the first is answered and the second refused."""
    from crossfence.engine.reach import Reach
    from crossfence.lab.flows import Flow, Route
    from crossfence.lab.verify import FlowResult

    condition = f"a valid IAP token (ES256 JWT in {IAP_HEADER}, aud {AUDIENCE})"
    reach = Reach("internet", "app", "tcp/8443", True, "DELIVERED", [], [condition])
    route = Route("via glb", "internet", None, "34.120.0.10", 443)

    def outcome(what: str) -> list[tuple[Route, ProbeResult]]:
        return [(route, ProbeResult("p", what, "app" if what == "answered" else None))]

    result = FlowResult(
        Flow("internet", "app", "tcp", 8443, ("GET", "/")),
        reach,
        True,
        with_token == "answered",
        outcome(with_token),
        without=outcome(without_token),
        delivered_without=without_token == "answered",
    )
    assert result.agree is agree
    assert result.engine_text() == "allowed with an IAP token"
    assert result.to_json()["lab"]["without_token"]["delivered"] is (without_token == "answered")
