"""Small blueprints of their own for the compile tests: one GCP network, two meshed clusters, a global namespace."""

from __future__ import annotations

import textwrap
from pathlib import Path

__all__ = ["BASE", "write"]

BASE = """\
crossfence: 1
name: small
clouds:
  - {name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: small}
networks:
  - name: vpc
    cloud: gcp
    subnets:
      - {name: nodes-a, cidr: 10.0.0.0/24, region: europe-west1}
      - {name: nodes-b, cidr: 10.0.1.0/24, region: europe-west1}
    firewall_rules:
      - {name: all-internal, direction: ingress, ports: [all], source_ranges: [10.0.0.0/8]}
clusters:
  - name: east
    cloud: gcp
    network: vpc
    subnet: nodes-a
    pod_range: 10.8.0.0/16
    namespaces:
      - {name: shop, labels: {team: shop}, istio_injection: true}
    mesh:
      mtls_mode: STRICT
      east_west_gateway: {address: 10.0.0.100}
  - name: west
    cloud: gcp
    network: vpc
    subnet: nodes-b
    pod_range: 10.9.0.0/16
    namespaces:
      - {name: shop, labels: {team: shop}, istio_injection: true}
    mesh:
      mtls_mode: PERMISSIVE
      east_west_gateway: {address: 10.0.1.100}
workloads:
  - {name: web, kind: pods, cluster: east, namespace: shop, service_account: web, labels: {app: web}, ports: [{port: 8080, name: http}]}
  - {name: api, kind: pods, cluster: west, namespace: shop, service_account: api, labels: {app: api}, ports: [{port: 8443, name: http}]}
  - {name: db, kind: vm, network: vpc, subnet: nodes-b, addresses: [10.0.1.20], ports: ["tcp/5432"]}
global_namespaces:
  - name: mesh
    trust_domain: example.eu
    members:
      - {cluster: east, namespace: shop}
      - {cluster: west, namespace: shop}
    policies:
      - {name: web-to-api, sources: [web], destination: api, ports: ["tcp/8443"], methods: [GET], paths: ["/api/*"]}
"""


def write(folder: Path, text: str = BASE, extra: str = "", name: str = "estate.yaml") -> Path:
    """`text` (and `extra`, appended) as a blueprint file in `folder`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text) + textwrap.dedent(extra), encoding="utf-8")
    return path
