"""Small estates of the report's own tests, written to a folder: two clouds, a peering, a cluster in a global namespace, a personal-data store, and markup in the names people may choose."""

from __future__ import annotations

from pathlib import Path

__all__ = ["HOSTILE", "MANIFESTS", "SMALL", "write", "write_manifests"]

HOSTILE = '</script><script>window.pwned=1</script><img src="x" onerror="window.pwned=2">'
"""Text a page that put user text in as HTML would run: a closing tag, a script, an image
that fetches `x`."""

SMALL = """\
name: NAME
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: hub
    cloud: gcp
    subnets: [{name: hub-a, cidr: 10.0.0.0/24, region: europe-west1}]
    firewall_rules:
      - name: web-to-db
        direction: ingress
        action: deny
        priority: 100
        source_ranges: [10.1.0.0/24]
        destination_ranges: [10.0.0.20/32]
        ports: ["tcp/5432"]
        description: DESCRIPTION
      - name: all-in
        direction: ingress
        action: allow
        priority: 1000
        source_ranges: [10.0.0.0/8]
        ports: ["tcp"]
  - name: spoke
    cloud: gcp
    subnets: [{name: spoke-a, cidr: 10.1.0.0/24, region: europe-west1}]
    firewall_rules:
      - name: all-in
        direction: ingress
        action: allow
        priority: 1000
        source_ranges: [10.0.0.0/8]
        ports: ["tcp"]
  - name: vpc
    cloud: scw
    private_networks: [{name: apps, cidr: 172.16.0.0/24}]
peerings:
  - {name: hub-spoke, network: hub, peer_network: spoke}
  - {name: spoke-hub, network: spoke, peer_network: hub}
clusters:
  - name: k
    cloud: scw
    kind: kapsule
    network: vpc
    subnet: apps
    pod_range: 100.64.0.0/16
    namespaces: [{name: shop, istio_injection: true}]
    mesh: {mtls_mode: STRICT}
workloads:
  - {name: web, kind: vm, network: spoke, subnet: spoke-a, addresses: [10.1.0.10], ports: [{port: 443}]}
  - {name: db, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.0.20], ports: [{port: 5432}], personal_data: stores}
  - {name: api, kind: pods, cluster: k, namespace: shop, service_account: api, labels: {app: api}, ports: [{port: 8443, name: tcp-api}]}
global_namespaces:
  - name: shop
    trust_domain: example.eu
    members: [{cluster: k, namespace: shop}]
"""
"""`NAME` and `DESCRIPTION` are replaced (`write`): the estate's name and a firewall rule's
description, both free text that reaches the report."""


def write(folder: Path, name: str = "small", description: str = "web never reaches the db") -> Path:
    """The small estate as `folder/estate.yaml`, with `name` and `description` quoted as JSON
    strings (valid YAML double-quoted scalars)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "estate.yaml"
    path.write_text(
        SMALL.replace("NAME", json.dumps(name)).replace("DESCRIPTION", json.dumps(description)),
        encoding="utf-8",
    )
    return path


MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: web, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: api, image: api, ports: [{containerPort: 8443}]}]}
status: {podIP: 10.1.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {containers: [{name: db, image: db, ports: [{containerPort: 5432}]}]}
status: {podIP: 10.1.0.3}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: api}}}]
    ports: [{port: 5432}]
"""
"""One cluster: shop/web and shop/api, data/db isolated for ingress but from shop/api on 5432."""


def write_manifests(folder: Path) -> Path:
    """The cluster as `folder/cluster.yaml`; the folder is what `report` takes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cluster.yaml").write_text(MANIFESTS, encoding="utf-8")
    return folder
