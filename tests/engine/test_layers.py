"""SCENARIO.md reachability through every layer: NetworkPolicy, cloud network, east-west gateway, mesh."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from crossfence import load
from crossfence.engine.layers import LayeredReach
from crossfence.engine.reach import Reach
from crossfence.estate import build_topology

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"


@cache
def layers(variant: str | None = None) -> LayeredReach:
    blueprint = load(EXAMPLE / "variants" / variant if variant else EXAMPLE)
    return LayeredReach(build_topology(blueprint))


def ask(
    source: str,
    destination: str,
    port: str,
    method: str | None = None,
    path: str | None = None,
    variant: str | None = None,
) -> Reach:
    return layers(variant).ask(source, destination, port, method, path)


def steps(result: Reach) -> dict[str, str]:
    """action -> detail (the last one of each action)."""
    return {step.action: step.detail for hop in result.hops for step in hop.steps}


def test_1_frontend_to_customer_api_through_every_layer() -> None:
    result = ask("frontend", "customer-api", "tcp/8443", "GET", "/api/orders")
    assert result.allowed and result.disposition == "DELIVERED"
    seen = steps(result)
    # the layers, in the order a packet meets them
    order = [s.action for h in result.hops for s in h.steps]
    for earlier, later in [
        ("APPLY_EGRESS_NETPOL", "ARRIVE_AT_VPN_TUNNEL"),
        ("ARRIVE_AT_VPN_TUNNEL", "MESH_GATEWAY"),
        ("MESH_GATEWAY", "APPLY_INGRESS_NETPOL"),
        ("APPLY_INGRESS_NETPOL", "MESH_MTLS"),
        ("MESH_MTLS", "MESH_AUTHORIZATION"),
    ]:
        assert order.index(earlier) < order.index(later)
    assert "east-west gateway 172.16.0.100" in seen["APPLY_EGRESS_NETPOL"]
    assert "mTLS as example.eu/ns/web/sa/frontend" in seen["MESH_MTLS"]
    assert "frontend-to-customer-api" in seen["MESH_AUTHORIZATION"]
    authorization = next(
        s for h in result.hops for s in h.steps if s.action == "MESH_AUTHORIZATION"
    )
    assert authorization.source is not None and authorization.source.file is not None
    assert authorization.source.file.endswith("clusters.yaml")


def test_1_a_method_the_global_policy_does_not_allow_is_denied_by_the_mesh() -> None:
    result = ask("frontend", "customer-api", "tcp/8443", "DELETE", "/api/orders")
    assert not result.allowed and result.disposition == "DENIED_MESH_AUTHORIZATION"


def test_1_without_a_request_the_connection_is_allowed_only_for_the_policy_requests() -> None:
    """customer-api serves plain HTTP on 8443 (`app_protocol: http`): the sidecar sees methods
    and paths, so a connection is allowed only for GET and POST on /api/* (SCENARIO.md)."""
    result = ask("frontend", "customer-api", "tcp/8443")
    assert result.allowed and result.disposition == "DELIVERED"
    assert result.conditions == [
        "an HTTP request GET or POST on /api/* "
        "(AuthorizationPolicy shop/shop-frontend-to-customer-api rule 0)"
    ]
    assert steps(result)["MESH_PROTOCOL"].startswith("port 8443 is HTTP to the sidecar")


def test_2_frontend_to_customer_db_denied_by_its_egress_networkpolicy() -> None:
    result = ask("frontend", "customer-db", "tcp/5432")
    assert not result.allowed and result.disposition == "DENIED_EGRESS_NETPOL"
    first = result.hops[0].steps[0]
    assert "isolated for egress" in first.detail
    assert first.source is not None and first.source.file is not None
    assert first.source.file.endswith("manifests/gke-prod/web.yaml")
    # the network layer is still reported: it would drop it too, at the VPC ACL
    assert "APPLY_ACL" in steps(result)


def test_3_edge_enters_the_mesh_through_the_ingress_gateway() -> None:
    result = ask("internet", "customer-api", "tcp/8443", "GET", "/api/orders")
    assert result.allowed
    assert any("IAP token" in c for c in result.conditions)
    seen = steps(result)
    assert "ingress gateway" in seen["MESH_INGRESS_GATEWAY"]
    assert "customer-api-from-edge" in seen["MESH_AUTHORIZATION"]
    # without a request: the IAP token, and the paths the edge policy admits
    open_question = ask("internet", "customer-api", "tcp/8443")
    assert open_question.allowed
    assert open_question.conditions[1] == (
        "an HTTP request on /api/* or /healthz "
        "(AuthorizationPolicy shop/customer-api-from-edge rule 0)"
    )


def test_5_customer_api_to_vault_allowed_to_gitlab_runner_denied() -> None:
    assert ask("customer-api", "vault", "tcp/8200").allowed
    runner = ask("customer-api", "gitlab-runner", "tcp/9252")
    assert not runner.allowed and runner.disposition == "DENIED_EGRESS_NETPOL"


def test_eastwest_blocked_variant_drops_the_mesh_path_at_the_gcp_firewall() -> None:
    result = ask(
        "frontend", "customer-api", "tcp/8443", "GET", "/api/orders", variant="eastwest-blocked"
    )
    assert not result.allowed and result.disposition == "DENIED_EGRESS"
    assert "deny" in steps(result)["APPLY_EGRESS_FILTER"]
    # without a request: still denied, and a denied connection lists no request it is allowed for
    open_question = ask("frontend", "customer-api", "tcp/8443", variant="eastwest-blocked")
    assert not open_question.allowed and open_question.conditions == []
    assert "allowed only for the HTTP requests" in steps(open_question)["MESH_AUTHORIZATION"]


def test_mtls_permissive_variant_shows_plaintext_is_accepted() -> None:
    strict = steps(ask("frontend", "customer-api", "tcp/8443", "GET", "/api/orders"))["MESH_MTLS"]
    permissive = steps(
        ask("frontend", "customer-api", "tcp/8443", "GET", "/api/orders", variant="mtls-permissive")
    )["MESH_MTLS"]
    assert "STRICT" in strict and "PERMISSIVE" not in strict
    assert "PERMISSIVE also accepts plaintext" in permissive


def test_network_only_flows_are_unchanged() -> None:
    result = ask("dlp-client", "restricted-googleapis", "tcp/443")
    assert result.allowed and "APPLY_EGRESS_NETPOL" not in steps(result)
