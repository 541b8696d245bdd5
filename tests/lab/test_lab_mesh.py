"""The mesh as the lab's Envoys enforce it: PeerAuthentication modes, AuthorizationPolicies as RBAC, the sidecars' configurations."""

from __future__ import annotations

import json
from pathlib import Path

from crossfence import build_topology, load
from crossfence.ir.types import Topology
from crossfence.lab.mesh import peer_mode, rbac, string_match
from crossfence.lab.planner import make_plan
from crossfence.providers.kubernetes.resources import Cluster, Pod

from .conftest import EXAMPLE

ESTATE = """
crossfence: 1
name: mesh
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks: [{name: pn, cidr: 172.16.0.0/22}]
clusters:
  - name: k
    cloud: scw
    kind: kapsule
    network: vpc
    subnet: pn
    pod_range: 100.64.0.0/16
    service_range: 100.65.0.0/16
    namespaces:
      - {name: shop, istio_injection: true}
      - {name: legacy}
    mesh: {mtls_mode: MODE}
    manifests: [manifests]
workloads:
  - {name: api, kind: pods, cluster: k, namespace: shop, service_account: api, labels: {app: api},
     ports: [{port: 8443, protocol: tcp, name: http, app_protocol: http}, {port: 9000, protocol: tcp, name: tcp-data}]}
  - {name: caller, kind: pods, cluster: k, namespace: shop, service_account: caller, labels: {app: caller}}
  - {name: legacy, kind: pods, cluster: k, namespace: legacy, service_account: legacy, labels: {app: legacy}}
"""


def estate(tmp_path: Path, manifests: str, mode: str = "STRICT") -> Path:
    (tmp_path / "manifests").mkdir(exist_ok=True)
    (tmp_path / "manifests" / "policies.yaml").write_text(manifests)
    (tmp_path / "bp.yaml").write_text(ESTATE.replace("MODE", mode))
    return tmp_path / "bp.yaml"


def api(tmp_path: Path, manifests: str, mode: str = "STRICT") -> tuple[Cluster, Pod, Topology]:
    topology = build_topology(load(estate(tmp_path, manifests, mode)))
    view = topology.clusters["k"]
    return view.kube, view.pods["api"][0], topology


ALLOW_GET = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  action: ALLOW
  rules:
    - from: [{source: {principals: ["cluster.local/ns/shop/sa/caller"]}}]
      to: [{operation: {methods: [GET], paths: ["/api/*"]}}]
    - from: [{source: {namespaces: [legacy]}}]
      to: [{operation: {ports: ["9000"]}}]
"""
DENY_DELETE = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-delete, namespace: shop}
spec:
  action: DENY
  rules:
    - to: [{operation: {methods: [DELETE], ports: ["8443", "9000"]}}]
"""


def test_string_matches_follow_istios_wildcards() -> None:
    """AuthorizationPolicy: "Exact match ... Prefix match: abc* ... Suffix match: *abc ...
    Presence match: * will match when value is not empty"
    (https://istio.io/latest/docs/reference/config/security/authorization-policy/)."""
    assert string_match("/api/orders") == {"exact": "/api/orders"}
    assert string_match("/api/*") == {"prefix": "/api/"}
    assert string_match("*.eu") == {"suffix": ".eu"}
    assert string_match("*") == {"safe_regex": {"regex": ".+"}}
    assert string_match("td/ns/a/sa/b", "spiffe://") == {"exact": "spiffe://td/ns/a/sa/b"}


def test_peer_authentication_precedence(tmp_path: Path) -> None:
    """ "A workload-specific policy takes precedence over a namespace-specific one. If no policy
    is specified for the workload, it inherits the policy from the namespace or the mesh"
    (https://cloud.google.com/service-mesh/docs/security/configuring-mtls); UNSET with
    portLevelMtls: "Policy to inherit mTLS mode from namespace (or mesh) settings, and overwrite
    settings for port 8080" (https://istio.io/latest/docs/reference/config/security/peer_authentication/)."""
    manifests = """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  mtls: {mode: UNSET}
  portLevelMtls: {"9000": {mode: DISABLE}}
"""
    cluster, pod, _ = api(tmp_path, manifests, "PERMISSIVE")
    assert peer_mode(cluster, pod, 9000) == "DISABLE"
    assert peer_mode(cluster, pod, 8443) == "PERMISSIVE"  # UNSET: the namespace's (the mesh's)
    strict, pod, _ = api(tmp_path, manifests, "STRICT")
    assert peer_mode(strict, pod, 8443) == "STRICT"


def test_deny_first_then_allow_on_an_http_port(tmp_path: Path) -> None:
    """AuthorizationPolicy: "If there are any DENY policies that match the request, deny the request ... If any of
    the ALLOW policies match the request, allow the request. Deny the request."""
    cluster, pod, _ = api(tmp_path, ALLOW_GET + "---" + DENY_DELETE)
    built = rbac(cluster, pod, http=True)
    assert [f["action"] for f in built.filters] == ["DENY", "ALLOW"]
    deny = built.filters[0]["policies"]["shop/no-delete[0]"]
    assert deny["permissions"] == [
        {
            "and_rules": {
                "rules": [
                    {
                        "or_rules": {
                            "rules": [{"destination_port": 8443}, {"destination_port": 9000}]
                        }
                    },
                    {"header": {"name": ":method", "string_match": {"exact": "DELETE"}}},
                ]
            }
        }
    ]
    allow = built.filters[1]["policies"]
    assert allow["shop/api[0]"]["principals"] == [
        {"authenticated": {"principal_name": {"exact": "spiffe://cluster.local/ns/shop/sa/caller"}}}
    ]
    assert {"url_path": {"path": {"prefix": "/api/"}}} in allow["shop/api[0]"]["permissions"][0][
        "and_rules"
    ]["rules"]
    assert allow["shop/api[1]"]["principals"] == [
        {"authenticated": {"principal_name": {"safe_regex": {"regex": ".*/ns/legacy/.*"}}}}
    ]


def test_on_a_tcp_port_http_fields_drop_allow_rules_and_widen_deny_rules(tmp_path: Path) -> None:
    """ "Authorization for TCP traffic": an ALLOW rule with HTTP-only fields never matches TCP
    traffic; a DENY rule's HTTP-only fields are ignored, so it denies the TCP traffic its other
    fields match (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/)."""
    cluster, pod, _ = api(tmp_path, ALLOW_GET + "---" + DENY_DELETE)
    built = rbac(cluster, pod, http=False)
    deny, allow = built.filters
    assert deny["policies"]["shop/no-delete[0]"]["permissions"] == [
        {"or_rules": {"rules": [{"destination_port": 8443}, {"destination_port": 9000}]}}
    ]
    assert list(allow["policies"]) == ["shop/api[1]"]


def test_without_allow_policies_nothing_more_is_denied(tmp_path: Path) -> None:
    cluster, pod, _ = api(tmp_path, DENY_DELETE)
    assert [f["action"] for f in rbac(cluster, pod, http=True).filters] == ["DENY"]
    empty = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: nothing, namespace: shop}
spec: {action: ALLOW}
"""
    cluster, pod, _ = api(tmp_path, empty)
    # "an ALLOW policy with no rules ... matches nothing": the ALLOW filter denies all
    assert rbac(cluster, pod, http=True).filters == [{"action": "ALLOW", "policies": {}}]


def test_a_sidecar_takes_the_pods_ports_with_its_mtls_mode(tmp_path: Path) -> None:
    blueprint = load(estate(tmp_path, ALLOW_GET, "PERMISSIVE"))
    topology = build_topology(blueprint)
    plan = make_plan(blueprint, topology, "t", tmp_path, mesh=True)
    spec = next(e for e in plan.envoys if e.endpoint == "api")
    assert spec.identity == "spiffe://cluster.local/ns/shop/sa/api"
    config = json.loads(spec.config)
    listeners = {each["name"]: each for each in config["static_resources"]["listeners"]}
    http = listeners["inbound_8443"]
    assert http["address"]["socket_address"] == {"address": "100.64.0.10", "port_value": 8443}
    # PERMISSIVE: TLS and plaintext chains behind a TLS inspector
    assert [c.get("filter_chain_match") for c in http["filter_chains"]] == [
        {"transport_protocol": "tls"},
        {"transport_protocol": "raw_buffer"},
    ]
    assert (
        http["filter_chains"][0]["filters"][0]["name"]
        == "envoy.filters.network.http_connection_manager"
    )
    assert listeners["inbound_9000"]["filter_chains"][0]["filters"][-1]["name"] == (
        "envoy.filters.network.tcp_proxy"
    )
    assert listeners["outbound"]["address"]["socket_address"]["address"] == "127.0.0.1"
    # its pods' servers answer behind it; its connections are redirected to it
    assert next(s for s in plan.servers if s.netns == spec.netns).host == "127.0.0.1"
    assert "redirect to :15001" in plan.nft[spec.netns]
    assert next(e for e in plan.envoys if e.endpoint == "caller").identity.endswith("/sa/caller")  # type: ignore[union-attr]
    # the legacy namespace is not injected
    assert all(e.endpoint != "legacy" for e in plan.envoys)


def test_the_reference_mesh() -> None:
    """Sidecars for frontend and customer-api (their namespaces are injected, ci is not); the
    east-west gateways pass TLS through by SNI; scw-edge enters the mesh as the ingress gateway."""
    blueprint = load(EXAMPLE)
    topology = build_topology(blueprint)
    plan = make_plan(blueprint, topology, "t", Path("/run/crossfence/lab/t"), mesh=True)
    roles = sorted((e.role, e.endpoint) for e in plan.envoys)
    assert roles == [
        ("eastwest", "gke-prod/istio-eastwestgateway"),
        ("eastwest", "kapsule-eu/istio-eastwestgateway"),
        ("ingress", "scw-edge"),
        ("sidecar", "customer-api"),
        ("sidecar", "customer-api"),
        ("sidecar", "frontend"),
        ("sidecar", "frontend"),
    ]
    frontend = json.loads(next(e.config for e in plan.envoys if e.endpoint == "frontend"))
    clusters = {c["name"]: c for c in frontend["static_resources"]["clusters"]}
    to_api = [
        c
        for c in clusters.values()
        if c.get("transport_socket", {})
        .get("typed_config", {})
        .get("sni", "")
        .endswith("customer-api.shop.svc.cluster.local")
    ]
    # through kapsule-eu's east-west gateway, in mTLS as frontend
    endpoint = to_api[0]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
    assert endpoint["address"]["socket_address"] == {"address": "172.16.0.100", "port_value": 15443}
    gateway = json.loads(
        next(e.config for e in plan.envoys if e.endpoint == "kapsule-eu/istio-eastwestgateway")
    )
    names = [
        c["filter_chain_match"]["server_names"][0]
        for c in gateway["static_resources"]["listeners"][0]["filter_chains"]
    ]
    assert "outbound_.8443_._.customer-api.shop.svc.cluster.local" in names
    ingress = next(e for e in plan.envoys if e.role == "ingress")
    assert ingress.identity == (
        "spiffe://example.eu/ns/istio-system/sa/istio-ingressgateway-service-account"
    )
