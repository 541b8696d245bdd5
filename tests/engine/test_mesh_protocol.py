"""`reach` through the mesh decides by the destination port's protocol, declared on the blueprint workload.

A pods workload's port `name` and `app_protocol` say what a Service port's `name` and
`appProtocol` say to Istio (https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/:
"If both are defined, appProtocol takes precedence over the port name"); on a TLS or TCP port
the global policy's `methods`/`paths` never match
(https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossfence import build_topology, load
from crossfence.cli import app
from crossfence.engine.layers import layered_reach
from crossfence.engine.reach import Reach

BLUEPRINT = """\
clouds:
  - {name: scw, provider: scaleway, jurisdiction: FR, region: fr-par}
networks:
  - name: vpc
    cloud: scw
    private_networks: [{name: apps, cidr: 172.16.0.0/24}]
clusters:
  - name: k
    cloud: scw
    kind: kapsule
    network: vpc
    subnet: apps
    pod_range: 100.64.0.0/16
    service_range: 100.65.0.0/16
    namespaces:
      - {name: shop, istio_injection: true}
    mesh: {mtls_mode: STRICT}
workloads:
  - {name: client, kind: pods, cluster: k, namespace: shop, service_account: client,
     labels: {app: client}}
  - name: api
    kind: pods
    cluster: k
    namespace: shop
    service_account: api
    labels: {app: api}
    ports:
      - PORT
global_namespaces:
  - name: shop
    trust_domain: example.eu
    mtls_mode: STRICT
    members: [{cluster: k, namespace: shop}]
    default_action: deny
    policies:
      - {name: client-to-api, action: allow, sources: [client], destination: api,
         ports: ["tcp/8443"], methods: [GET, POST], paths: ["/api/*"]}
"""

CONDITION = (
    "an HTTP request GET or POST on /api/* (AuthorizationPolicy shop/shop-client-to-api rule 0)"
)


def write(tmp_path: Path, port: str) -> Path:
    path = tmp_path / "bp.yaml"
    path.write_text(BLUEPRINT.replace("PORT", port), encoding="utf-8")
    return path


def ask(path: Path, method: str | None = None, request_path: str | None = None) -> Reach:
    topology = build_topology(load(path))
    return layered_reach(topology, "client", "api", "tcp/8443", method, request_path)


def step(result: Reach, action: str) -> str:
    return next(s.detail for h in result.hops for s in h.steps if s.action == action)


def test_an_http_port_is_conditional_without_a_request_and_exact_with_one(tmp_path: Path) -> None:
    path = write(tmp_path, "{port: 8443, name: http, app_protocol: http}")
    result = ask(path)
    assert result.allowed and result.disposition == "DELIVERED"
    assert result.conditions == [CONDITION]
    assert result.to_json()["conditions"] == [CONDITION]
    protocol = next(s for h in result.hops for s in h.steps if s.action == "MESH_PROTOCOL")
    assert protocol.detail == (
        "port 8443 is HTTP to the sidecar (methods and paths are visible): "
        "app_protocol http on workload api port 8443"
    )
    assert protocol.source is not None and protocol.source.resource == "workload/api"
    assert protocol.source.file == str(path) and protocol.source.line == 28
    exact = ask(path, "GET", "/api/orders")
    assert exact.allowed and exact.conditions == []
    denied = ask(path, "DELETE", "/api/orders")
    assert not denied.allowed and denied.disposition == "DENIED_MESH_AUTHORIZATION"


@pytest.mark.parametrize(
    "port",
    [
        "{port: 8443, name: https, app_protocol: https}",
        "{port: 8443, name: tls-api}",
        # appProtocol takes precedence over the port name
        "{port: 8443, name: http, app_protocol: tcp}",
    ],
)
def test_on_a_tls_or_tcp_port_the_http_rule_never_matches(tmp_path: Path, port: str) -> None:
    """ALLOW with `methods` on TCP: "Istio ignores the invalid ALLOW rule. The final result is
    that the request is rejected" — even for the GET the rule names."""
    result = ask(write(tmp_path, port), "GET", "/api/orders")
    assert not result.allowed and result.disposition == "DENIED_MESH_AUTHORIZATION"
    assert "opaque" in step(result, "MESH_PROTOCOL")
    authorization = step(result, "MESH_AUTHORIZATION")
    assert "shop/shop-client-to-api rule 0 uses HTTP-only fields on TCP traffic: ignored" in (
        authorization
    )
    assert "does not see the method or path" in authorization
    assert result.conditions == []


def test_a_port_named_http_without_app_protocol_is_http(tmp_path: Path) -> None:
    result = ask(write(tmp_path, "{port: 8443, name: http-api}"))
    assert result.allowed and result.conditions == [CONDITION]
    assert step(result, "MESH_PROTOCOL").endswith("name http-api on workload api port 8443")


def test_an_auto_detected_port_allows_http_traffic_only(tmp_path: Path) -> None:
    """`tcp/8443` names no protocol: Istio auto-detects HTTP; the policy's rule holds for HTTP
    requests only, so the connection is allowed on that condition, never silently."""
    result = ask(write(tmp_path, "tcp/8443"))
    assert result.allowed
    assert result.conditions == [
        "HTTP traffic (the sidecar auto-detects the protocol on port 8443; other traffic is denied)",
        CONDITION,
    ]
    assert step(result, "MESH_PROTOCOL") == (
        "port 8443 is auto-detected by the sidecar (HTTP when the client speaks HTTP, else "
        "TCP): workload api port 8443 has no name or app_protocol"
    )


def test_reach_cli_prints_the_conditions_in_text_and_json(tmp_path: Path) -> None:
    path = write(tmp_path, "{port: 8443, name: http, app_protocol: http}")
    runner = CliRunner()
    args = ["reach", str(path), "--from", "client", "--to", "api", "--port", "tcp/8443"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "ALLOWED client → api tcp/8443" in text.output
    assert f"only with {CONDITION}" in " ".join(text.output.split())
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert data["verdict"] == "allowed" and data["conditions"] == [CONDITION]
