"""A small estate for the envoy target: a Google load balancer with IAP in front of a Scaleway load balancer with an ACL."""

from __future__ import annotations

__all__ = ["EDGE"]

EDGE = """\
crossfence: 1
name: edge
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1, project: edge}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: scw-vpc
    cloud: scw
    private_networks:
      - {name: pn-app, cidr: 172.16.0.0/24}
workloads:
  - {name: app, kind: vm, network: scw-vpc, subnet: pn-app, addresses: [172.16.0.10], ports: ["tcp/8443"]}
load_balancers:
  - name: front
    cloud: gcp
    kind: gcp_external_https
    address: 34.120.0.10
    iap: {audience: /projects/1/global/backendServices/2}
    backends:
      - {kind: internet_neg, target: edge, port: 443}
  - name: edge
    cloud: scw
    kind: scaleway_lb
    address: 51.15.0.10
    network: scw-vpc
    private_network: pn-app
    private_address: 172.16.0.50
    backends:
      - {kind: workload, target: app, port: 8443}
    acl_default_action: deny
    acls:
      - {name: blocked, action: deny, index: 1, ip_ranges: [34.96.1.0/24]}
      - {name: google-front-ends, action: allow, index: 2, ip_ranges: [34.96.0.0/20, 34.127.192.0/18]}
"""
