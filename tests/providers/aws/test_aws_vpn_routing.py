"""AWS virtual private gateway: which BGP route it uses, and what it routes at all.

Expected values from https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html:
- "If the prefixes are the same, the virtual private gateway prioritizes routes as follows ...
  BGP propagated routes from a Site-to-Site VPN connection ... If every Site-to-Site VPN
  connection for a matching prefix uses BGP, the AS PATH is compared and the prefix with the
  shortest AS PATH is preferred" and then the multi-exit discriminator (MED): the GCP Cloud
  Router's `advertised_route_priority` is the MED it sends
  (https://cloud.google.com/router/how-to/updating-priority), so the lower one wins;
- "Only IP prefixes that are known to the virtual private gateway, whether through BGP
  advertisements or static route entries, can receive traffic from your VPC. The virtual
  private gateway does not route any other traffic destined outside of received BGP
  advertisements, static route entries, or its attached VPC CIDR."
"""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.engine.routing import lookup
from crossfence.ir.types import Topology

FIXTURE = Path(__file__).parent / "fixtures" / "aws-gcp"


def estate(tmp_path: Path, med_0: int = 100, med_1: int = 100, extra_route: str = "") -> Topology:
    folder = tmp_path / f"bp-{med_0}-{med_1}"
    shutil.copytree(FIXTURE, folder)
    aws = folder / "aws.yaml"
    text = aws.read_text()
    text = text.replace(
        "local: {speaker: hub-router, address: 169.254.10.1/30}",
        f"local: {{speaker: hub-router, address: 169.254.10.1/30, advertised_route_priority: {med_0}}}",
    ).replace(
        "local: {speaker: hub-router, address: 169.254.11.1/30}",
        f"local: {{speaker: hub-router, address: 169.254.11.1/30, advertised_route_priority: {med_1}}}",
    )
    if extra_route:
        text = text.replace(
            "        propagating_vpn_gateways: [ops-vgw]\n",
            "        propagating_vpn_gateways: [ops-vgw]\n" + extra_route,
        )
    aws.write_text(text)
    return build_topology(load(folder))


def vgw_tunnels(topology: Topology, address: str) -> list[str]:
    vgw = topology.networks["ops-vgw"]
    return sorted(r.next_hop.target for r in lookup(vgw, int(ipaddress.IPv4Address(address))))


def test_the_lower_med_tunnel_carries_the_prefix(tmp_path: Path) -> None:
    assert vgw_tunnels(estate(tmp_path, med_0=200, med_1=100), "10.0.0.10") == ["tunnel-1"]
    assert vgw_tunnels(estate(tmp_path, med_0=100, med_1=300), "10.0.0.10") == ["tunnel-0"]


def test_equal_med_uses_both_tunnels(tmp_path: Path) -> None:
    assert vgw_tunnels(estate(tmp_path), "10.0.0.10") == ["tunnel-0", "tunnel-1"]


def test_the_vgw_drops_what_no_advertisement_covers(tmp_path: Path) -> None:
    """A static route sends 192.168.0.0/16 to the VGW, but nothing advertises it: dropped."""
    topology = estate(
        tmp_path,
        extra_route="        routes:\n"
        "          - {name: onprem, destination: 192.168.0.0/16, next_hop_vpn_gateway: ops-vgw}\n",
    )
    answer = reach(topology, "app", "192.168.1.1", "tcp/443")
    assert not answer.allowed and answer.disposition == "NO_ROUTE", answer.to_json()
    assert any(hop.node == "ops-vgw" for hop in answer.hops)
