"""The envoy target: a bootstrap for each Scaleway edge behind an IAP-protected Google load balancer, verifying the IAP JWT and admitting only the ranges its ACL admits.

For a `scaleway_lb` that is the `internet_neg` backend of a `gcp_external_https` load balancer
with IAP, `envoy/<lb>/envoy.yaml` holds one listener on the load balancer's port:

- the RBAC network filter (https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/rbac_filter)
  admits a connection by its peer address (`direct_remote_ip`) exactly as the load balancer's ACL
  does: rules first-match by `index`, then `acl_default_action`;
- the JWT authentication filter
  (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter)
  requires, on every request, the signed header IAP adds
  (https://cloud.google.com/iap/docs/signed-headers-howto): header `x-goog-iap-jwt-assertion`,
  issuer `https://cloud.google.com/iap`, audience the IAP's `audience`, keys from
  `https://www.gstatic.com/iap/verify/public_key-jwk` (a cluster of its own);
- the routes send everything to the load balancer's backends.

An ACL rule with HTTP conditions (the network filter sees no HTTP), a TCP frontend (no header to
verify), a backend that is not a workload, and an IAP that is off are errors: the edge would
admit more, or other requests, than the blueprint says.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from ..model import Blueprint, LoadBalancer
from .base import Compiled, Origin, OutputFile, Unsupported, origin, to_yaml

__all__ = ["IAP_ISSUER", "IAP_JWKS", "IAP_JWT_HEADER", "compile_envoy"]

IAP_ISSUER = "https://cloud.google.com/iap"
IAP_JWT_HEADER = "x-goog-iap-jwt-assertion"
IAP_JWKS = "https://www.gstatic.com/iap/verify/public_key-jwk"
JWKS_CLUSTER = "iap-jwks"
CERTIFICATE = "/etc/envoy/tls/edge.crt"
PRIVATE_KEY = "/etc/envoy/tls/edge.key"
SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"
"""The system's CA bundle (Debian's path): the keys that sign every IAP JWT are fetched only
from a server whose certificate names www.gstatic.com."""

_ANY = "type.googleapis.com/envoy.extensions"


def compile_envoy(
    blueprint: Blueprint, root: Path | None, compiled: Compiled, problems: Unsupported
) -> None:
    """Every IAP-fronted Scaleway edge as its Envoy bootstrap."""
    fronts: dict[str, list[LoadBalancer]] = {}
    for lb in blueprint.load_balancers:
        if lb.kind != "gcp_external_https":
            continue
        for backend in lb.backends:
            if backend.kind == "internet_neg":
                fronts.setdefault(backend.target, []).append(lb)
    for edge in blueprint.load_balancers:
        if edge.kind != "scaleway_lb" or edge.name not in fronts:
            continue
        _edge(blueprint, edge, fronts[edge.name], root, compiled, problems)


def _edge(
    blueprint: Blueprint,
    edge: LoadBalancer,
    fronts: list[LoadBalancer],
    root: Path | None,
    compiled: Compiled,
    problems: Unsupported,
) -> None:
    before = len(problems.problems)
    path = f"load_balancers[{edge.name}]"
    audiences: list[str] = []
    origins: list[Origin] = [origin("load_balancers", edge, edge.name, root)]
    for front in fronts:
        origins.append(origin("load_balancers", front, front.name, root))
        if front.iap is None or not front.iap.enabled:
            problems.add(
                front,
                f"load_balancers[{front.name}].iap",
                f"'{front.name}' sends to the edge '{edge.name}' without IAP, so the edge "
                "cannot require an IAP JWT of its requests (expected iap enabled on every "
                "load balancer in front of it)",
            )
            continue
        audiences.append(front.iap.audience)
    if edge.protocol == "tcp":
        problems.add(
            edge,
            f"{path}.protocol",
            f"'{edge.name}' has a TCP frontend: Envoy sees no HTTP header to verify the IAP JWT "
            "in (expected https or http)",
        )
    for rule in edge.acls:
        if rule.http_path_begins or rule.http_header:
            problems.add(
                edge,
                f"{path}.acls[{rule.name}]",
                f"ACL rule '{rule.name}' of '{edge.name}' matches HTTP paths or headers, which "
                "the connection-level RBAC filter cannot see (expected ip_ranges only)",
            )
    clusters = []
    weighted = []
    for index, backend in enumerate(edge.backends):
        target = blueprint.get("workloads", backend.target)
        if backend.kind != "workload" or target is None:
            problems.add(
                edge,
                f"{path}.backends[{index}]",
                f"backend '{backend.target}' of '{edge.name}' is not a workload (expected a "
                "workload the edge forwards to)",
            )
            continue
        if backend.protocol == "tcp":
            problems.add(
                edge,
                f"{path}.backends[{index}]",
                f"backend '{backend.target}' of '{edge.name}' speaks TCP behind an HTTP edge "
                "(expected http, https or http2)",
            )
            continue
        name = f"backend-{backend.target}-{backend.port}"
        clusters.append(_backend_cluster(name, target, backend.port, backend.protocol))
        weighted.append(name)
        origins.append(origin("workloads", target, target.name, root))
    if len(problems.problems) > before:
        return
    config = {
        "static_resources": {
            "listeners": [_listener(edge, audiences, weighted)],
            "clusters": [*clusters, _jwks_cluster()],
        },
    }
    compiled.add(OutputFile(f"envoy/{edge.name}/envoy.yaml", origins, to_yaml([config])))


def _principal(cidr: str) -> dict[str, Any]:
    network = ipaddress.ip_network(cidr)
    return {
        "direct_remote_ip": {
            "address_prefix": str(network.network_address),
            "prefix_len": network.prefixlen,
        }
    }


def _matches(ranges: tuple[str, ...]) -> dict[str, Any]:
    """A principal matching a peer address in any of `ranges` (no ranges: any peer)."""
    if not ranges:
        return {"any": True}
    if len(ranges) == 1:
        return _principal(ranges[0])
    return {"or_ids": {"ids": [_principal(r) for r in ranges]}}


def _rbac(edge: LoadBalancer) -> dict[str, Any]:
    """The ACL, first match by index, as one ALLOW policy set: an allow rule admits a peer it
    matches and no earlier deny rule matches; the default admits a peer no deny rule matches
    when it is allow (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/)."""
    policies: dict[str, Any] = {}
    denied: list[dict[str, Any]] = []
    # ties keep the blueprint's order, as the analysis does (a stable sort on the index)
    for position, rule in enumerate(sorted(edge.acls, key=lambda r: r.index)):
        matcher = _matches(rule.ip_ranges)
        if rule.action == "deny":
            denied.append(matcher)
            continue
        ids = [matcher] + [{"not_id": d} for d in denied]
        policies[f"acl-{position}-{rule.name}"] = {
            "permissions": [{"any": True}],
            "principals": [ids[0] if len(ids) == 1 else {"and_ids": {"ids": ids}}],
        }
    if edge.acl_default_action == "allow":
        ids = [{"not_id": d} for d in denied]
        policies["acl-default"] = {
            "permissions": [{"any": True}],
            "principals": [
                {"any": True} if not ids else ids[0] if len(ids) == 1 else {"and_ids": {"ids": ids}}
            ],
        }
    return {
        "name": "envoy.filters.network.rbac",
        "typed_config": {
            "@type": f"{_ANY}.filters.network.rbac.v3.RBAC",
            "stat_prefix": "lb_acl",
            "rules": {"action": "ALLOW", "policies": policies},
        },
    }


def _jwt(audiences: list[str]) -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": {
            "@type": f"{_ANY}.filters.http.jwt_authn.v3.JwtAuthentication",
            "providers": {
                "iap": {
                    "issuer": IAP_ISSUER,
                    "audiences": sorted(set(audiences)),
                    "from_headers": [{"name": IAP_JWT_HEADER}],
                    "forward": True,
                    "remote_jwks": {
                        "http_uri": {
                            "uri": IAP_JWKS,
                            "cluster": JWKS_CLUSTER,
                            "timeout": "5s",
                        },
                        "cache_duration": "300s",
                    },
                }
            },
            "rules": [{"match": {"prefix": "/"}, "requires": {"provider_name": "iap"}}],
        },
    }


def _listener(edge: LoadBalancer, audiences: list[str], backends: list[str]) -> dict[str, Any]:
    if len(backends) == 1:
        action: dict[str, Any] = {"cluster": backends[0]}
    else:
        action = {"weighted_clusters": {"clusters": [{"name": b, "weight": 1} for b in backends]}}
    manager = {
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {
            "@type": f"{_ANY}.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "stat_prefix": "edge",
            "route_config": {
                "name": "edge",
                "virtual_hosts": [
                    {
                        "name": "backends",
                        "domains": ["*"],
                        "routes": [{"match": {"prefix": "/"}, "route": action}],
                    }
                ],
            },
            "http_filters": [
                _jwt(audiences),
                {
                    "name": "envoy.filters.http.router",
                    "typed_config": {"@type": f"{_ANY}.filters.http.router.v3.Router"},
                },
            ],
        },
    }
    chain: dict[str, Any] = {"filters": [_rbac(edge), manager]}
    if edge.protocol == "https":
        chain["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": f"{_ANY}.transport_sockets.tls.v3.DownstreamTlsContext",
                "common_tls_context": {
                    "tls_certificates": [
                        {
                            "certificate_chain": {"filename": CERTIFICATE},
                            "private_key": {"filename": PRIVATE_KEY},
                        }
                    ]
                },
            },
        }
    return {
        "name": edge.name,
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": edge.port}},
        "filter_chains": [chain],
    }


def _backend_cluster(name: str, target: Any, port: int, protocol: str) -> dict[str, Any]:
    """A backend workload: its addresses, or for pods the DNS name of their Service."""
    if target.kind == "pods":
        hosts = [f"{target.name}.{target.namespace}.svc.cluster.local"]
        kind = "STRICT_DNS"
    else:
        hosts = sorted(str(a).split("/")[0] for a in target.addresses)
        kind = "STATIC"
    cluster: dict[str, Any] = {
        "name": name,
        "type": kind,
        "connect_timeout": "5s",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {"socket_address": {"address": h, "port_value": port}}
                            }
                        }
                        for h in hosts
                    ]
                }
            ],
        },
    }
    if protocol == "http2":
        cluster["typed_extension_protocol_options"] = {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": f"{_ANY}.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}},
            }
        }
    if protocol in ("https", "http2"):
        cluster["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {"@type": f"{_ANY}.transport_sockets.tls.v3.UpstreamTlsContext"},
        }
    return cluster


def _jwks_cluster() -> dict[str, Any]:
    """Google's key server, fetched over TLS with its name as SNI (never contacted in tests)."""
    return {
        "name": JWKS_CLUSTER,
        "type": "STRICT_DNS",
        "connect_timeout": "5s",
        "dns_lookup_family": "V4_ONLY",
        "load_assignment": {
            "cluster_name": JWKS_CLUSTER,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {
                                    "socket_address": {
                                        "address": "www.gstatic.com",
                                        "port_value": 443,
                                    }
                                }
                            }
                        }
                    ]
                }
            ],
        },
        "transport_socket": {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": f"{_ANY}.transport_sockets.tls.v3.UpstreamTlsContext",
                "sni": "www.gstatic.com",
                "common_tls_context": {
                    "validation_context": {
                        "trusted_ca": {"filename": SYSTEM_CAS},
                        "match_typed_subject_alt_names": [
                            {"san_type": "DNS", "matcher": {"exact": "www.gstatic.com"}}
                        ],
                    }
                },
            },
        },
    }
