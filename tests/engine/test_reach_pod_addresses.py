"""A pod asked by its address is that pod: its NetworkPolicies and its sidecar still apply.

`reach --to 100.64.0.x` names the pod that has the address (the network leg's `resolve` finds
the workload owning it); before, only the network leg was walked and a pod the mesh or its
NetworkPolicy denies was reported delivered. The semantics asked are those of
tests/engine/test_mesh_protocol.py: STRICT mTLS and an ALLOW policy for `client` only
(https://istio.io/latest/docs/reference/config/security/authorization-policy/: "If there are
any ALLOW policies for the workload ... deny the request" unless one matches).
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, load
from crossfence.engine.layers import layered_reach
from crossfence.ir.types import Topology

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
  - {name: other, kind: pods, cluster: k, namespace: shop, service_account: other,
     labels: {app: other}}
  - {name: api, kind: pods, cluster: k, namespace: shop, service_account: api, replicas: 2,
     labels: {app: api}, ports: [{port: 8443, name: tcp-api}]}
global_namespaces:
  - name: shop
    trust_domain: example.eu
    mtls_mode: STRICT
    members: [{cluster: k, namespace: shop}]
    default_action: deny
    policies:
      - {name: client-to-api, action: allow, sources: [client], destination: api,
         ports: ["tcp/8443"]}
"""


def topology(tmp_path: Path) -> Topology:
    path = tmp_path / "bp.yaml"
    path.write_text(BLUEPRINT, encoding="utf-8")
    return build_topology(load(path))


def test_a_destination_asked_by_address_keeps_its_mesh(tmp_path: Path) -> None:
    estate = topology(tmp_path)
    replicas = [pod.ip for pod in estate.clusters["k"].pods["api"]]
    assert len(replicas) == 2
    assert layered_reach(estate, "client", "api", "tcp/8443").allowed
    assert layered_reach(estate, "other", "api", "tcp/8443").disposition == (
        "DENIED_MESH_AUTHORIZATION"
    )
    for address in replicas:
        assert layered_reach(estate, "client", address, "tcp/8443").allowed
        denied = layered_reach(estate, "other", address, "tcp/8443")
        assert not denied.allowed and denied.disposition == "DENIED_MESH_AUTHORIZATION"
        # the trace names the replica that has the address
        assert any(
            hop.node.startswith(f"shop/api-{replicas.index(address)}") for hop in denied.hops
        )


def test_a_source_asked_by_address_keeps_its_identity(tmp_path: Path) -> None:
    estate = topology(tmp_path)
    client = estate.clusters["k"].pods["client"][0].ip
    other = estate.clusters["k"].pods["other"][0].ip
    assert layered_reach(estate, client, "api", "tcp/8443").allowed
    assert layered_reach(estate, other, "api", "tcp/8443").disposition == (
        "DENIED_MESH_AUTHORIZATION"
    )
