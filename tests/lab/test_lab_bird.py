"""BIRD 2 configurations from the blueprint: ASNs, sessions over the tunnels, advertisement modes, routing policies, VPC peering."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crossfence import build_topology, load
from crossfence.lab.plan import Plan
from crossfence.lab.planner import make_plan

from .conftest import EXAMPLE, VARIANTS


def plan_of(path: Path) -> Plan:
    blueprint = load(path)
    return make_plan(blueprint, build_topology(blueprint), "t", Path("/run/crossfence/lab/t"))


def config(plan: Plan, network: str) -> str:
    return next(b.config for b in plan.birds if b.network == network)


def protocol(text: str, name: str) -> str:
    start = text.index(f"protocol bgp {name} {{")
    return text[start : text.index("\n}", start)]


def test_cloud_router_sessions_carry_the_blueprint_asns_and_addresses() -> None:
    hub = config(plan_of(EXAMPLE), "hub")
    session = protocol(hub, "bgp_0")
    assert "local 169.254.0.1 as 64514;" in session
    assert "neighbor 169.254.0.2 as 12876;" in session
    scw = protocol(config(plan_of(EXAMPLE), "scw-vpc"), "bgp_1")
    assert "local 169.254.1.2 as 12876;" in scw and "neighbor 169.254.1.1 as 64514;" in scw


def test_custom_advertisement_announces_the_listed_ranges() -> None:
    """Custom advertisement mode advertises IP ranges beyond the VPC network's subnet ranges,
    e.g. those of peered networks (https://cloud.google.com/router/docs/how-to/advertising-custom-ip,
    read in its Japanese version): the hub announces the spoke ranges, restricted.googleapis.com
    and Cloud DNS's sources, and its own subnets (`all_subnets`)."""
    session = protocol(config(plan_of(EXAMPLE), "hub"), "bgp_0")
    assert (
        "if net ~ [ 10.0.0.0/24, 10.10.0.0/16, 10.12.0.0/16, 35.199.192.0/19, 199.36.153.4/30 ] "
        "then { bgp_med = 100;" in session
    )


def test_default_advertisement_announces_the_own_subnets_only() -> None:
    """In default mode a Cloud Router advertises only the subnet routes of its own VPC network,
    not routes learned from other networks such as over VPC Network Peering (same page); with
    global routing "this network's Cloud Routers will advertise routes with all subnets of this
    network, across regions" (NetworkRoutingConfig.RoutingMode, Compute Engine API). The hub's
    subnet, not the spokes'."""
    session = protocol(config(plan_of(VARIANTS / "default-advertisement"), "hub"), "bgp_0")
    export = session.split("export filter {")[1]
    assert "if net ~ [ 10.0.0.0/24 ] then" in export
    assert "10.12.0.0/16" not in export


def test_a_scaleway_routing_policy_is_the_import_filter() -> None:
    """prefix_filter_in accepts what it lists (and what they contain); everything else is refused."""
    session = protocol(config(plan_of(EXAMPLE), "scw-vpc"), "bgp_0")
    assert "if net ~ [ 10.12.0.0/16+ ] then {" in session
    assert session.rstrip().split("import filter {")[1].split("};")[0].strip().endswith("reject;")


def test_gcp_refuses_dynamic_routes_inside_its_subnet_ranges() -> None:
    """ "Subnet routes and peering subnet routes are considered first": a dynamic route inside
    one is never used (https://cloud.google.com/vpc/docs/routes#routeselection)."""
    session = protocol(config(plan_of(EXAMPLE), "hub"), "bgp_0")
    assert (
        "if net ~ [ 10.0.0.0/24+, 10.10.0.0/20+, 10.12.0.0/16+, 10.13.0.0/20+, 10.20.0.0/20+ ] then reject;"
        in session
    )
    # Scaleway has no such rule
    assert (
        "then reject;\n"
        not in protocol(config(plan_of(EXAMPLE), "scw-vpc"), "bgp_0").split(
            "if net ~ [ 10.0.0.0/24+ ]"
        )[0]
    )


def test_peering_exports_custom_routes_only_when_exchanged() -> None:
    """VPC peering: subnet routes always; static and dynamic routes only with
    export_custom_routes (and the peer's import_custom_routes); never what was learned over a
    peering ("VPC Network Peering does not provide transitive routing",
    https://cloud.google.com/vpc/docs/vpc-peering)."""
    hub = config(plan_of(EXAMPLE), "hub")
    to_prod = protocol(hub, "peering_spoke_prod")
    to_dev = protocol(hub, "peering_spoke_dev")
    assert "(LAB, 4, 0) ~ bgp_large_community then reject" in to_prod
    assert "(LAB, 3, 0) ~ bgp_large_community then accept" in to_prod  # dynamic: yes
    assert "(LAB, 3, 0)" not in to_dev  # spoke-dev does not import custom routes
    no_export = protocol(
        config(plan_of(VARIANTS / "peering-no-export"), "hub"), "peering_spoke_prod"
    )
    assert "(LAB, 3, 0)" not in no_export


@pytest.mark.skipif(shutil.which("bird") is None, reason="bird (BIRD 2) is not installed")
def test_bird_reads_every_configuration(tmp_path: Path) -> None:
    for plan in (plan_of(EXAMPLE), plan_of(VARIANTS / "default-advertisement")):
        for bird in plan.birds:
            path = tmp_path / f"{bird.network}.conf"
            path.write_text(bird.config.replace(str(Path("/run/crossfence/lab/t")), str(tmp_path)))
            done = subprocess.run(["bird", "-p", "-c", str(path)], capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
