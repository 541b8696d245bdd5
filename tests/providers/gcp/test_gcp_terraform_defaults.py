"""What the `google` provider does when a plan leaves an argument out: its documented default, read so that no answer is a wrong "allowed".

Pages: https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/<type>.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.providers.gcp.test_gcp_terraform import BASE, C, load, network, subnet, vm
from tests.terraform.plans import R

import crossfence


def _bare_firewall(name: str, **values: Any) -> R:
    """A firewall as a hand-written plan holds it: `name`, `network` and what `values` add."""
    return R(
        f"google_compute_firewall.{name}",
        {"name": name, "project": "p1", "network": f"{C}/global/networks/vpc", **values},
    )


def test_an_auto_mode_network_is_warned_when_the_plan_leaves_the_argument_out(
    tmp_path: Path,
) -> None:
    """compute_network: "auto_create_subnetworks - (Optional) When set to true, the network is
    created in "auto subnet mode" and it will create a subnet for each region automatically
    across the 10.128.0.0/9 address range" (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_network);
    the provider's schema default is true. Left out, the network is in auto mode: its subnets
    are not the declared ones only, and the import says so as it does for a written `true`."""
    values = network().values
    values.pop("auto_create_subnetworks")
    bare = R("google_compute_network.vpc", values)
    for resources in ([bare, *BASE[1:]], [network(auto_create_subnetworks=True), *BASE[1:]]):
        bp = load(tmp_path, resources)
        assert any("auto mode network" in w.message for w in bp.warnings)
    quiet = load(tmp_path, BASE)
    assert not any("auto mode network" in w.message for w in quiet.warnings)


def test_a_firewall_without_direction_priority_or_ports_takes_the_documented_defaults(
    tmp_path: Path,
) -> None:
    """compute_firewall: `direction` "default is INGRESS", `priority` "When not specified, the
    value assumed is 1000", `ports` "If not specified, this rule applies to connections through
    any port" (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_firewall):
    an allow of TCP from 10.0.0.0/24 written with none of them lets the subnet reach every TCP
    port of the VM, and a deny at 999 still beats it."""
    allow = _bare_firewall("bare", allow=[{"protocol": "tcp"}], source_ranges=["10.0.0.0/24"])
    client = vm("client", "s", "10.0.0.9")
    bp = load(tmp_path, [*BASE, client, allow])
    rule = bp.networks[0].firewall_rules[0]
    assert (rule.direction, rule.priority, rule.ports) == ("ingress", 1000, ("tcp",))
    topology = crossfence.build_topology(bp)
    assert crossfence.reach(topology, "client", "web", "tcp/5432").allowed
    deny = _bare_firewall("deny", deny=[{"protocol": "tcp", "ports": ["5432"]}], priority=999)
    topology = crossfence.build_topology(load(tmp_path, [*BASE, client, allow, deny]))
    assert not crossfence.reach(topology, "client", "web", "tcp/5432").allowed
    assert crossfence.reach(topology, "client", "web", "tcp/22").allowed


def test_an_egress_deny_without_destination_ranges_denies_every_destination(
    tmp_path: Path,
) -> None:
    """compute_firewall: "destination_ranges - (Optional) If destination ranges are specified,
    the firewall will apply only to traffic that has destination IP address in these ranges"
    (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_firewall):
    without them an egress rule applies to every destination."""
    deny = _bare_firewall("out", direction="EGRESS", deny=[{"protocol": "all"}])
    other = [subnet("t", "10.0.1.0/24"), vm("db", "t", "10.0.1.5")]
    topology = crossfence.build_topology(load(tmp_path, [*BASE, *other, deny]))
    assert not crossfence.reach(topology, "web", "db", "tcp/5432").allowed


def test_network_route_and_peering_arguments_left_out_take_the_documented_defaults(
    tmp_path: Path,
) -> None:
    """compute_network: `delete_default_routes_on_create` "Defaults to false" (the default
    internet route exists), `routing_mode` REGIONAL when unset; compute_route: `priority`
    "Default value is 1000"; compute_network_peering: "Whether to export the custom routes to
    the peer network. Defaults to `false`", "Whether to import the custom routes from the peer
    network. Defaults to `false`", "Whether subnet routes with public IP range are exported. The
    default value is true", "Whether subnet routes with public IP range are imported. The default
    value is false" (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_network_peering)."""
    values = network().values
    values.pop("routing_mode")
    bare = R("google_compute_network.vpc", values)
    route = R(
        "google_compute_route.r",
        {
            "name": "to-appliance",
            "project": "p1",
            "network": f"{C}/global/networks/vpc",
            "dest_range": "192.168.0.0/16",
            "next_hop_ip": "10.0.0.200",
        },
    )
    peering = R(
        "google_compute_network_peering.a",
        {
            "name": "a-to-b",
            "network": f"{C}/global/networks/vpc",
            "peer_network": f"{C}/global/networks/other",
        },
    )
    other = [network("other"), subnet("o", "10.1.0.0/24", "other")]
    bp = load(tmp_path, [bare, *BASE[1:], *other, route, peering])
    vpc = bp.get("networks", "vpc")
    assert vpc is not None
    assert (vpc.routing_mode, vpc.delete_default_routes_on_create) == ("regional", False)
    assert [r.priority for r in vpc.routes] == [1000]
    side = bp.peerings[0]
    assert (
        side.export_custom_routes,
        side.import_custom_routes,
        side.export_subnet_routes_with_public_ip,
        side.import_subnet_routes_with_public_ip,
    ) == (False, False, True, False)


def test_a_firewall_with_no_allow_or_deny_block_allows_nothing(tmp_path: Path) -> None:
    """compute_firewall: "allow - (Optional) The list of ALLOW rules specified by this firewall.
    Each rule specifies a protocol and port-range tuple that describes a permitted connection"
    (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_firewall):
    a hand-written plan's rule that lists no tuple permits nothing, with a warning; it was read
    as allowing every port."""
    empty = _bare_firewall("empty", source_ranges=["10.0.0.0/24"])
    client = vm("client", "s", "10.0.0.9")
    bp = load(tmp_path, [*BASE, client, empty])
    assert any("no allow or deny block" in w.message for w in bp.warnings)
    topology = crossfence.build_topology(bp)
    assert not crossfence.reach(topology, "client", "web", "tcp/5432").allowed
