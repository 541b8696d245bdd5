"""BIRD 2 configurations: the control plane the lab does not take from crossfence.

One BIRD per router namespace that speaks BGP or exchanges routes over a VPC peering:

- each BGP session over a VPN tunnel (a Cloud Router, a Scaleway VPN gateway) is a `protocol
  bgp` with the speakers' ASNs and the session's inner addresses; it exports the speaker's
  announcements (a Cloud Router's advertisement mode, default or custom, a Scaleway routing
  policy's `prefix_filter_out`) with the speaker's priority as MED (GCP
  `advertised_route_priority`), and imports through the speaker's import policy (a Scaleway
  routing policy's `prefix_filter_in`; a Cloud Router accepts everything);
- a VPC peering is an iBGP session over the peering link: each side exports its subnet routes,
  and its custom routes (static and dynamic) when the exchange says so, never a route it learned
  over a peering (peering is not transitive: https://cloud.google.com/vpc/docs/vpc-peering);
- GCP ignores a dynamic route whose destination fits in a subnet or peering subnet range
  (https://cloud.google.com/vpc/docs/routes#routeselection): such routes are refused on import;
- what BGP learns goes to the router's kernel table with the route's priority as metric (the
  lowest wins, as in GCP's route order), equal routes as one multipath route (ECMP).

The network's own routes are in BIRD only to be exported (static `blackhole` routes tagged with a
large community saying what they are); the kernel gets them from the lab's static set-up.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.routing import privately_used_public
from ..ir.control import BgpSpeaker
from ..ir.types import Network, Topology
from .layout import Layout
from .plan import BirdSpec, Plan

__all__ = ["LAB_ASN", "TAGS", "plan_birds"]

LAB_ASN = 4200000000
"""The AS of the lab's own peering sessions (and the first field of its route tags)."""
TAGS = {
    "subnet": 1,
    "static": 2,
    "dynamic": 3,
    "peering": 4,
    "no-export": 5,
    "public-range": 6,
}

# Fast timers: the lab converges in seconds, not minutes.
_TIMERS = (
    "hold time 6; keepalive time 2; connect delay time 0; connect retry time 1; "
    "error wait time 1, 3;"
)


def _tag(name: str) -> str:
    return f"(LAB, {TAGS[name]}, 0)"


def _has(name: str) -> str:
    return f"{_tag(name)} ~ bgp_large_community"


def _prefixes(prefixes: list[ipaddress.IPv4Network], more_specific: bool = False) -> str:
    suffix = "+" if more_specific else ""
    return "[ " + ", ".join(f"{p}{suffix}" for p in prefixes) + " ]"


@dataclass
class _Config:
    network: Network
    router_id: str
    log: Path
    own: list[str] = field(default_factory=list)
    announce: set[ipaddress.IPv4Network] = field(default_factory=set)
    protocols: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    """BIRD tables besides master4 (AWS propagated routes)."""
    segmented: dict[int, list[str]] = field(default_factory=dict)
    """Kernel table -> the BGP protocols whose learned routes apply to its segments only."""

    def render(self) -> str:
        lines = [
            "# crossfence lab: generated from the blueprint; the routes BGP learns here are the",
            "# lab's own answer, not crossfence's",
            f"router id {self.router_id};",
            f"define LAB = {LAB_ASN};",
            *(f"ipv4 table {table};" for table in self.tables),
            f'log "{self.log}" {{ info, remote, warning, error, auth, fatal, bug }};',
            "protocol device { scan time 2; }",
            "protocol kernel {",
            "  metric 0;",
            "  merge paths yes;",
            "  ipv4 {",
            "    import none;",
            "    export filter {",
            "      if source != RTS_BGP then reject;",
            *(
                f'      if proto = "{protocol}" then reject;'
                for protocols in self.segmented.values()
                for protocol in protocols
            ),
            "      if defined(bgp_med) then krt_metric = bgp_med;",
            "      accept;",
            "    };",
            "  };",
            "}",
        ]
        for table, protocols in sorted(self.segmented.items()):
            # a kernel protocol per BIRD table: a pipe hands these sessions' routes to one
            mine = " || ".join(f'proto = "{protocol}"' for protocol in protocols)
            lines += [
                f"ipv4 table segment_routes{table};",
                f"protocol pipe to_segments{table} {{",
                "  table master4;",
                f"  peer table segment_routes{table};",
                "  import none;",
                f"  export where {mine};",
                "}",
                f"protocol kernel kernel_segments{table} {{",
                f"  kernel table {table};",
                "  metric 0;",
                "  merge paths yes;",
                "  ipv4 {",
                f"    table segment_routes{table};",
                "    import none;",
                "    export filter {",
                "      if defined(bgp_med) then krt_metric = bgp_med;",
                "      accept;",
                "    };",
                "  };",
                "}",
            ]
        if self.own:
            lines += ["protocol static own {", "  ipv4 { preference 10; };", *self.own, "}"]
        if self.announce:
            routes = [f"  route {p} blackhole;" for p in sorted(self.announce)]
            lines += ["protocol static announce {", "  ipv4 { preference 5; };", *routes, "}"]
        return "\n".join(lines + self.protocols) + "\n"


class _Birds:
    def __init__(self, plan: Plan, layout: Layout, topology: Topology, directory: Path) -> None:
        self.plan = plan
        self.layout = layout
        self.topology = topology
        self.directory = directory
        self.configs: dict[str, _Config] = {}

    def config(self, network: str) -> _Config:
        if network not in self.configs:
            router_id = self.layout.plumbing.address()
            self.configs[network] = _Config(
                self.topology.networks[network],
                router_id,
                self.directory / f"bird-{self.plan.routers[network].removeprefix('cf-')}.log",
            )
            self.own_routes(self.configs[network])
        return self.configs[network]

    def own_routes(self, config: _Config) -> None:
        """The network's subnet and static routes, to export (best priority per prefix)."""
        best: dict[ipaddress.IPv4Network, tuple[int, list[str]]] = {}
        for route in config.network.routes:
            if route.kind in ("subnet", "local"):
                tags = ["subnet"]
                if privately_used_public(route.destination):
                    tags.append("public-range")
            elif route.kind == "static":
                tags = ["static"] if route.exportable else ["static", "no-export"]
            else:
                continue
            known = best.get(route.destination)
            if known is None or route.priority < known[0]:
                best[route.destination] = (route.priority, tags)
        for prefix, (priority, tags) in sorted(best.items()):
            adds = " ".join(f"bgp_large_community.add({_tag(t)});" for t in tags)
            config.own.append(f"  route {prefix} blackhole {{ bgp_med = {priority}; {adds} }};")

    def strong(self, network: Network) -> list[ipaddress.IPv4Network]:
        """The subnet and peering subnet ranges a dynamic route may not fall in (GCP)."""
        ranges = [r.destination for r in network.routes if r.kind in ("subnet", "local")]
        for exchange in self.topology.exchanges:
            if exchange.importer != network.name:
                continue
            exporter = self.topology.networks[exchange.exporter]
            for route in exporter.routes:
                if route.kind in ("subnet", "local") and (
                    exchange.public_subnet_routes or not privately_used_public(route.destination)
                ):
                    ranges.append(route.destination)
        return sorted({r for r in ranges if r.prefixlen > 0})

    def build(self) -> None:
        for session in self.topology.bgp_sessions:
            if not session.enabled or session.tunnel not in self.topology.tunnels:
                continue
            spec = next((t for t in self.plan.tunnels if t.name == session.tunnel), None)
            if spec is None:
                continue
            for me, them in ((session.local, session.peer), (session.peer, session.local)):
                mine = next(s for s in spec.sides if s["network"] == me.network)
                theirs = next(s for s in spec.sides if s is not mine)
                self.session(session.name, me, them, str(mine["inner"]), str(theirs["inner"]))
        for link in self.plan.links:
            if link.kind == "peering":
                self.peering(link.a.netns, link.b.netns, link.a.addresses[0], link.b.addresses[0])
            elif link.kind == "attachment":
                self.attachment(
                    link.a.netns, link.b.netns, link.a.addresses[0], link.b.addresses[0]
                )
        for network, config in self.configs.items():
            self.plan.birds.append(
                BirdSpec(
                    self.plan.routers[network], network, config.render(), tuple(config.sessions)
                )
            )

    def session(self, name: str, me: BgpSpeaker, them: BgpSpeaker, mine: str, theirs: str) -> None:
        config = self.config(me.network)
        protocol = _identifier(name)
        if me.segments is not None:
            # their routes apply to packets from the speaker's segments only
            table = self.layout.tables[me.network][me.segments]
            config.segmented.setdefault(table, []).append(protocol)
        if me.region is not None and any(
            e.network == me.network and e.region not in (None, me.region)
            for e in self.topology.endpoints.values()
        ):
            self.plan.notes.append(
                f"BGP {name}: {me.name}'s learned routes apply to {me.region} only (regional "
                f"dynamic routing): the lab installs them for all of {me.network}"
            )
        config.announce |= {prefix for prefix, _ in me.announces}
        imports = []
        if config.network.shadow_dynamic_routes:
            strong = self.strong(config.network)
            if strong:
                imports.append(f"      if net ~ {_prefixes(strong, True)} then reject;")
        accept = (
            "{ bgp_large_community.delete([(LAB, *, *)]); "
            f"bgp_large_community.add({_tag('dynamic')}); accept; }}"
        )
        for rule in me.imports.rules:
            verdict = accept if rule.accept else "reject;"
            imports.append(f"      if net ~ [ {rule.prefix}+ ] then {verdict}")
        imports.append(f"      {accept if me.imports.default_accept else 'reject;'}")
        announces = sorted({prefix for prefix, _ in me.announces})
        export = (
            f"      if net ~ {_prefixes(announces)} then {{ bgp_med = {me.route_priority}; "
            "bgp_large_community.delete([(LAB, *, *)]); accept; }\n      reject;"
            if announces
            else "      reject;"
        )
        config.sessions.append(protocol)
        config.protocols += [
            f"protocol bgp {protocol} {{",
            f'  description "{name}: {me.name} (AS {me.asn}) with {them.name} (AS {them.asn})";',
            f"  local {_bare(mine)} as {me.asn};",
            f"  neighbor {_bare(theirs)} as {them.asn};",
            f"  {_TIMERS}",
            "  ipv4 {",
            "    import filter {",
            *imports,
            "    };",
            "    export filter {",
            export,
            "    };",
            "  };",
            "}",
        ]

    def peering(self, a_netns: str, b_netns: str, a_address: str, b_address: str) -> None:
        networks = {netns: name for name, netns in self.plan.routers.items()}
        a, b = networks[a_netns], networks[b_netns]
        for me, them, mine, theirs in ((a, b, a_address, b_address), (b, a, b_address, a_address)):
            config = self.config(me)
            exchange = next(
                (x for x in self.topology.exchanges if x.exporter == me and x.importer == them),
                None,
            )
            if exchange is None:
                export = "      reject;"
            else:
                custom = (
                    f"      if {_has('no-export')} then reject;\n"
                    f"      if {_has('static')} || {_has('dynamic')} then accept;\n"
                    if exchange.custom_routes
                    else ""
                )
                public = (
                    ""
                    if exchange.public_subnet_routes
                    else f"      if {_has('public-range')} then reject;\n"
                )
                export = (
                    f"      if {_has('peering')} then reject;\n"
                    '      if proto = "announce" then reject;\n'
                    f"      if {_has('subnet')} then {{\n{public}        accept;\n      }}\n"
                    f"{custom}      reject;"
                )
            protocol = _identifier(f"peering_{them}")
            config.sessions.append(protocol)
            config.protocols += [
                f"protocol bgp {protocol} {{",
                f'  description "VPC peering of {me} with {them}";',
                f"  local {_bare(mine)} as LAB;",
                f"  neighbor {_bare(theirs)} as LAB;",
                "  direct;",
                f"  {_TIMERS}",
                "  ipv4 {",
                "    next hop self;",
                "    import filter {",
                "      bgp_large_community.delete([(LAB, 4, *)]);",
                f"      bgp_large_community.add({_tag('peering')});",
                "      accept;",
                "    };",
                "    export filter {",
                export,
                "    };",
                "  };",
                "}",
            ]

    def attachment(self, a_netns: str, b_netns: str, a_address: str, b_address: str) -> None:
        """AWS route propagation: a gateway's BGP-learned routes go into the route tables that
        propagate it, below their static routes and never over the VPC's local route
        (https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html#EnableDisableRouteProp).
        An iBGP session over the attachment carries them into a BIRD table of their own, which
        goes to the kernel table of those subnets."""
        networks = {netns: name for name, netns in self.plan.routers.items()}
        ends = {networks[a_netns]: a_address, networks[b_netns]: b_address}
        for propagation in self.topology.propagations:
            if set(ends) != {propagation.gateway, propagation.network}:
                continue
            gateway, network = propagation.gateway, propagation.network
            table = self.layout.tables[network][propagation.segments]
            protocol = _identifier(f"propagation_{gateway}_{table}")
            sender = self.config(gateway)
            sender.sessions.append(protocol)
            sender.protocols += [
                f"protocol bgp {protocol} {{",
                f'  description "{gateway} propagates into {propagation.label} of {network}";',
                f"  local {_bare(ends[gateway])} as LAB;",
                f"  neighbor {_bare(ends[network])} as LAB;",
                "  direct;",
                f"  {_TIMERS}",
                "  ipv4 {",
                "    next hop self;",
                "    import none;",
                f"    export where {_has('dynamic')};",
                "  };",
                "}",
            ]
            receiver = self.config(network)
            receiver.sessions.append(protocol)
            bird_table = f"propagated{table}"
            local = [
                r.destination
                for r in self.topology.networks[network].routes
                if r.next_hop.kind == "local" and r.destination.prefixlen > 0
            ]
            refuse = (
                f"      if net ~ {_prefixes(sorted(set(local)), True)} then reject;\n"
                if local
                else ""
            )
            if bird_table not in receiver.tables:
                receiver.tables.append(bird_table)
                receiver.protocols += [
                    f"protocol kernel kernel{table} {{",
                    f"  kernel table {table};",
                    "  metric 0;",
                    "  merge paths yes;",
                    "  ipv4 {",
                    f"    table {bird_table};",
                    "    import none;",
                    "    export filter {",
                    f"{refuse}      krt_metric = {propagation.priority};",
                    "      accept;",
                    "    };",
                    "  };",
                    "}",
                ]
            receiver.protocols += [
                f"protocol bgp {protocol} {{",
                f'  description "{propagation.label} of {network}: routes propagated by {gateway}";',
                f"  local {_bare(ends[network])} as LAB;",
                f"  neighbor {_bare(ends[gateway])} as LAB;",
                "  direct;",
                f"  {_TIMERS}",
                "  ipv4 {",
                f"    table {bird_table};",
                "    import all;",
                "    export none;",
                "  };",
                "}",
            ]


def _bare(cidr: str) -> str:
    return cidr.split("/")[0]


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name)
    return cleaned if cleaned[:1].isalpha() else f"p_{cleaned}"


def plan_birds(plan: Plan, layout: Layout, topology: Topology, directory: Path) -> None:
    """Fill `plan.birds` (after the tunnels are planned: sessions use their inner addresses)."""
    _Birds(plan, layout, topology, directory).build()
