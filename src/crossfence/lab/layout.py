"""The lab's namespaces, links, addresses and static routes, from the engine's IR (and the VPN's addresses from the blueprint).

One router namespace per network (VPC, Private Network set), its segments being the ports its
workloads hang on; one namespace per workload (per replica for pods, per east-west gateway), per
provider API, per load balancer; an internet gateway namespace per network that has one in use;
a VPN gateway namespace per gateway (its public addresses on the lab internet); the lab internet
and its client. Workloads reach their router the way a cloud VM reaches its subnet's gateway: one
gateway address, `onlink`. The routes written here are the ones the configuration states (subnet
and static routes); every learned route (BGP over the tunnels, VPC peering exchange) comes from
BIRD (`bird.py`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from ..algebra.packets import IpSet
from ..engine.path import AUTO_NAT_ADDRESS
from ..engine.reach import resolve
from ..ir.types import Endpoint, Network, Topology
from . import routes
from .addressing import Plumbing, used_addresses
from .plan import (
    Instance,
    Link,
    Netns,
    Plan,
    Port,
    ProxySpec,
    RouteSpec,
    RuleSpec,
    ServerSpec,
)
from .state import Names

__all__ = [
    "EGRESS_TABLE",
    "INGRESS_TABLE",
    "MAX_ADDRESSES",
    "Layout",
    "Ports",
    "first",
]

Ports = Callable[[str], tuple[tuple[int, ...], tuple[int, ...]]]
"""Endpoint name -> (TCP ports, UDP ports) its server answers on."""

# An internet gateway hands what comes from the internet and from provider APIs to its router
# through this routing table.
INGRESS_TABLE = 100
# A load balancer's connections from its private address follow this table.
EGRESS_TABLE = 200
# A VM given a range of addresses answers on its first ones only.
MAX_ADDRESSES = 16


def first(addresses: IpSet) -> str:
    return str(ipaddress.IPv4Address(next(iter(addresses))[0]))


def _addresses(addresses: IpSet, limit: int = MAX_ADDRESSES) -> list[str]:
    out: list[str] = []
    for start, stop in addresses:
        for value in range(start, min(stop, start + limit - len(out))):
            out.append(str(ipaddress.IPv4Address(value)))
        if len(out) >= limit:
            break
    return out


class Layout:
    """Builds the plan's namespaces, links, addresses and configured routes (`build`), and
    answers the later planners (tunnels, BIRD, nftables) about what it built."""

    def __init__(self, blueprint: Any, topology: Topology, names: Names, ports: Ports) -> None:
        self.bp = blueprint
        self.topology = topology
        self.names = names
        self.ports = ports
        extra = [s.local.address for s in blueprint.bgp_sessions]
        extra += [s.peer.address for s in blueprint.bgp_sessions]
        extra += [i.ip for g in blueprint.vpn_gateways for i in g.interfaces]
        self.plumbing = Plumbing.choose(used_addresses(topology, extra))
        self.plan = Plan(names.lab, plumbing=str(self.plumbing.network))
        self.gateway = self.plumbing.gateway
        self.igw_inside: dict[str, str] = {}
        """Network -> its internet gateway's address towards the router."""
        self.igw_outside: dict[str, str] = {}
        """Network -> its internet gateway's address on the lab internet."""
        self.auto_nat: dict[str, str] = {}
        self.vpn: dict[str, tuple[str, list[str]]] = {}
        """VPN gateway -> (its namespace, its public addresses)."""
        self.tunnel_routes: list[tuple[str, str, int, str, int | None]] = []
        """Static routes to tunnels: (router, destination, priority, tunnel, table)."""
        self.tables: dict[str, dict[tuple[str, ...], int]] = {}
        """Network -> its route tables for some segments -> their kernel table."""
        self.attached: dict[tuple[str, str], str] = {}
        """(network, routing domain it is attached to) -> the domain's address on their link."""
        self.internet_sources: list[str] = []
        """Addresses of the internet that are endpoints of the engine (its client, load
        balancers' egress sides, provider APIs outside any network)."""
        self.estate_public: list[str] = []
        """The estate's public addresses (the only ones internet sources reach, as the engine
        has it)."""

    # -- namespaces and links -----------------------------------------------------------------

    def netns(self, role: str, obj: str, label: str, forwards: bool = False) -> str:
        name = self.names.netns(role, obj)
        self.plan.namespaces.append(Netns(name, role, label))
        if forwards:
            self.plan.forwarding.add(name)
        return name

    def link(
        self,
        kind: str,
        a: str,
        b: str,
        a_addresses: tuple[str, ...] = (),
        b_addresses: tuple[str, ...] = (),
        a_segment: str | None = None,
        b_segment: str | None = None,
    ) -> Link:
        a_if, b_if = self.names.veth()
        link = Link(
            Port(a, a_if, a_addresses, a_segment), Port(b, b_if, b_addresses, b_segment), kind
        )
        self.plan.links.append(link)
        return link

    def route(self, netns: str, *args: str, table: int | None = None, why: str = "") -> None:
        self.plan.routes.append(RouteSpec(netns, tuple(args), table, why))

    def pair(self) -> tuple[str, str]:
        return self.plumbing.pair()

    @staticmethod
    def bare(cidr: str) -> str:
        return cidr.split("/")[0]

    # -- the build ------------------------------------------------------------------------------

    def build(self) -> Plan:
        topology = self.topology
        self.plan.internet = self.netns("inet", "internet", "the lab internet", forwards=True)
        for network in topology.networks.values():
            self.plan.routers[network.name] = self.netns(
                "net", network.name, f"network {network.name}", forwards=True
            )
        for network in topology.networks.values():
            if self.needs_igw(network):
                self.igw(network)
        for endpoint in self.endpoints():
            self.endpoint(endpoint)
        self.peerings()
        routes.attachments(self)
        self.vpn_gateways()
        for network in topology.networks.values():
            routes.static_routes(self, network)
        return self.plan

    def endpoints(self) -> list[Endpoint]:
        """The engine's endpoints and the clusters' east-west gateways (network endpoints of
        the layered questions)."""
        out = list(self.topology.endpoints.values())
        for view in self.topology.clusters.values():
            if view.east_west_endpoint is not None:
                out.append(view.east_west_endpoint)
        return out

    def needs_igw(self, network: Network) -> bool:
        if not network.internet_gateway:
            return False
        routed = any(r.next_hop.kind == "internet_gateway" for r in network.routes)
        apis = any(e.api_of == network.name for e in self.topology.endpoints.values())
        return routed or apis

    # -- endpoints ------------------------------------------------------------------------------

    def endpoint(self, endpoint: Endpoint) -> None:
        if endpoint.kind == "internet":
            self.internet_client(endpoint)
        elif endpoint.kind == "external_api":
            self.api(endpoint)
        elif endpoint.proxy is not None:
            self.load_balancer(endpoint)
        elif endpoint.network is None or endpoint.network not in self.plan.routers:
            self.plan.notes.append(
                f"{endpoint.name} ({endpoint.kind}) is attached to no network: not built"
            )
        else:
            self.workload(endpoint)

    def serve(self, netns: str, endpoint: str) -> None:
        tcp, udp = self.ports(endpoint)
        self.plan.servers.append(ServerSpec(netns, endpoint, tcp, udp))

    def on_internet(self, netns: str, addresses: list[str], kind: str) -> Link:
        """A namespace with public addresses, hung on the lab internet."""
        mine, theirs = self.pair()
        link = self.link(
            kind,
            netns,
            self.plan.internet,
            (mine, *(f"{a}/32" for a in addresses)),
            (theirs,),
        )
        for address in addresses:
            self.route(self.plan.internet, f"{address}/32", "via", self.bare(mine))
        self.route(
            netns,
            "default",
            "via",
            self.bare(theirs),
            *(("src", addresses[0]) if addresses else ()),
        )
        return link

    def internet_client(self, endpoint: Endpoint) -> None:
        _, client = resolve(self.topology, endpoint.name, "from")
        address = str(ipaddress.IPv4Address(client))
        netns = self.netns("host", endpoint.name, "a host of the internet")
        self.on_internet(netns, [address], "internet")
        self.internet_sources.append(address)
        self.instance(endpoint.name, 0, netns, address, f"internet host {address}")
        self.serve(netns, endpoint.name)

    def api(self, endpoint: Endpoint) -> None:
        address = first(endpoint.addresses)
        netns = self.netns("api", endpoint.name, f"provider API {endpoint.name}")
        igw = self.plan.igws.get(endpoint.api_of or "")
        if igw is None:
            self.on_internet(netns, [address], "internet")
            self.internet_sources.append(address)
        else:
            mine, theirs = self.pair()
            link = self.link("api", netns, igw, (mine, f"{address}/32"), (theirs,))
            self.route(netns, "default", "via", self.bare(theirs), "src", address)
            for cidr in endpoint.addresses.to_cidrs():
                self.route(igw, str(cidr), "via", self.bare(mine))
            self.plan.rules.append(
                RuleSpec(igw, ("iif", link.b.ifname, "lookup", str(INGRESS_TABLE)))
            )
        self.instance(endpoint.name, 0, netns, address, f"provider API {endpoint.name}")
        self.serve(netns, endpoint.name)

    def load_balancer(self, endpoint: Endpoint) -> None:
        proxy = endpoint.proxy
        assert proxy is not None
        netns = self.netns("lb", endpoint.name, f"load balancer {endpoint.name}")
        public = (
            str(ipaddress.IPv4Address(endpoint.public_address))
            if endpoint.public_address is not None
            else first(endpoint.addresses)
        )
        egress = first(proxy.egress_addresses) if not proxy.egress_addresses.is_empty() else public
        on_net = [public] + ([egress] if proxy.egress_network is None and egress != public else [])
        self.on_internet(netns, on_net, "lb")
        if proxy.egress_network is not None and proxy.egress_network in self.plan.routers:
            router = self.plan.routers[proxy.egress_network]
            link = self.link(
                "lb",
                netns,
                router,
                (f"{egress}/32",),
                (f"{self.gateway}/32",),
                b_segment=endpoint.segment,
            )
            self.route(router, f"{egress}/32", "dev", link.b.ifname)
            # what it opens from its private address goes by its network, whatever the address
            self.route(
                netns,
                "default",
                "via",
                self.gateway,
                "dev",
                link.a.ifname,
                "onlink",
                table=EGRESS_TABLE,
            )
            self.plan.rules.append(RuleSpec(netns, ("from", egress, "lookup", str(EGRESS_TABLE))))
        else:
            self.internet_sources.append(egress)
        self.estate_public.append(public)
        self.instance(endpoint.name, 0, netns, public, f"load balancer {endpoint.name}", egress)
        backend = self.backend(endpoint)
        self.plan.proxies.append(
            ProxySpec(
                netns,
                endpoint.name,
                "lb",
                tuple(
                    (public, port)
                    for protocol, low, high in _ranges(endpoint)
                    if protocol == "tcp"
                    for port in range(low, min(high, low + 8) + 1)
                ),
                backend,
                egress,
            )
        )

    def backend(self, endpoint: Endpoint) -> tuple[str, int] | None:
        """Where a load balancer sends its connections: its first backend, at the address the
        engine follows (a public address from outside its network, else the private one)."""
        proxy = endpoint.proxy
        assert proxy is not None
        for name, services in proxy.backends:
            target = self.topology.endpoints.get(name)
            if target is None:
                continue
            protocol, port = services.sample()
            if protocol.lower() != "tcp" or port is None:
                continue
            if target.public_address is not None and (
                proxy.egress_network is None or target.network != proxy.egress_network
            ):
                return str(ipaddress.IPv4Address(target.public_address)), port
            return first(target.addresses), port
        return None

    def workload(self, endpoint: Endpoint) -> None:
        assert endpoint.network is not None
        router = self.plan.routers[endpoint.network]
        replicas = self.replicas(endpoint)
        for index, (label, addresses) in enumerate(replicas):
            role = "gw" if endpoint.kind == "gateway" else "wl"
            netns = self.netns(role, label, f"{endpoint.kind} {label}")
            link = self.link(
                "workload",
                netns,
                router,
                tuple(f"{a}/32" for a in addresses),
                (f"{self.gateway}/32",),
                b_segment=endpoint.segment,
            )
            for address in addresses:
                self.route(router, f"{address}/32", "dev", link.b.ifname)
            self.route(netns, "default", "via", self.gateway, "dev", link.a.ifname, "onlink")
            self.instance(endpoint.name, index, netns, addresses[0], label)
            if endpoint.kind != "gateway":
                self.serve(netns, endpoint.name)
            if endpoint.public_address is not None:
                self.public(endpoint, netns, link)
        if endpoint.kind == "gateway":
            address = replicas[0][1][0]
            self.plan.proxies.append(
                ProxySpec(
                    self.plan.instances[endpoint.name][0].netns,
                    endpoint.name,
                    "eastwest",
                    tuple((address, port) for port in self.eastwest_ports(endpoint)),
                )
            )

    def eastwest_ports(self, endpoint: Endpoint) -> tuple[int, ...]:
        for view in self.topology.clusters.values():
            if view.east_west_endpoint is endpoint and view.east_west is not None:
                return tuple(p.port for p in view.east_west.ports)
        return ()

    def replicas(self, endpoint: Endpoint) -> list[tuple[str, list[str]]]:
        """(label, addresses) of each namespace of an endpoint: one per pod, else one."""
        identity = self.topology.workloads.get(endpoint.name)
        if identity is not None and identity.kind == "pods" and identity.cluster:
            view = self.topology.clusters.get(identity.cluster)
            pods = view.pods.get(endpoint.name, []) if view else []
            if pods:
                return [(pod.name, [pod.ip]) for pod in pods]
        addresses = _addresses(endpoint.addresses)
        if endpoint.addresses.size > len(addresses):
            self.plan.notes.append(
                f"{endpoint.name} has {endpoint.addresses.size} addresses: the lab gives it its "
                f"first {len(addresses)}"
            )
        return [(endpoint.name.replace("/", "-"), addresses)]

    def public(self, endpoint: Endpoint, netns: str, private: Link) -> None:
        """A public address: its own interface on the lab internet (a Scaleway flexible IP), or
        the 1:1 translation of the network's internet gateway (GCP external IPs, AWS public IPs)."""
        assert endpoint.public_address is not None and endpoint.network is not None
        public = str(ipaddress.IPv4Address(endpoint.public_address))
        self.estate_public.append(public)
        if not endpoint.public_interface:
            igw = self.plan.igws.get(endpoint.network)
            if igw is None:
                igw = self.igw(self.topology.networks[endpoint.network])
            self.route(
                self.plan.internet, f"{public}/32", "via", self.igw_outside[endpoint.network]
            )
            return
        mine, theirs = self.pair()
        self.link("public", netns, self.plan.internet, (mine, f"{public}/32"), (theirs,))
        self.route(self.plan.internet, f"{public}/32", "via", self.bare(mine))
        # what no VPC route covers leaves by the public interface; the VPC's own (subnet and
        # static) routes keep their way
        self.plan.routes = [
            r
            for r in self.plan.routes
            if not (r.netns == netns and r.args and r.args[0] == "default")
        ]
        self.route(netns, "default", "via", self.bare(theirs), "src", public)
        network = self.topology.networks[endpoint.network]
        for route in network.routes:
            if route.kind in ("subnet", "local", "static") and route.destination.prefixlen > 0:
                self.route(
                    netns,
                    str(route.destination),
                    "via",
                    self.gateway,
                    "dev",
                    private.a.ifname,
                    "onlink",
                )
        if any(r.kind not in ("subnet", "local", "static") for r in network.routes):
            self.plan.notes.append(
                f"{endpoint.name} has a public interface: the lab sends only its network's subnet "
                "and static routes by the VPC, learned routes leave by the public interface"
            )

    def instance(
        self,
        endpoint: str,
        index: int,
        netns: str,
        address: str,
        label: str,
        egress: str | None = None,
    ) -> None:
        self.plan.instances.setdefault(endpoint, []).append(
            Instance(endpoint, index, netns, address, label, egress)
        )

    # -- internet gateways --------------------------------------------------------------------

    def igw(self, network: Network) -> str:
        netns = self.netns(
            "igw", network.name, f"internet gateway of {network.name}", forwards=True
        )
        self.plan.igws[network.name] = netns
        router = self.plan.routers[network.name]
        r, i = self.pair()
        self.link("igw", router, netns, (r,), (i,))
        self.route(netns, "default", "via", self.bare(r), table=INGRESS_TABLE)
        self.igw_inside[network.name] = self.bare(i)
        g, n = self.pair()
        outside = self.link("internet", netns, self.plan.internet, (g,), (n,))
        self.route(netns, "default", "via", self.bare(n))
        self.plan.rules.append(
            RuleSpec(netns, ("iif", outside.a.ifname, "lookup", str(INGRESS_TABLE)))
        )
        # the addresses its NAT gives its network's traffic come back to it
        for endpoint in self.topology.endpoints.values():
            if endpoint.network == network.name and endpoint.nat is not None:
                address = self.nat_address(endpoint)
                self.route(self.plan.internet, f"{address}/32", "via", self.bare(g))
        self.igw_outside[network.name] = self.bare(g)
        return netns

    def nat_address(self, endpoint: Endpoint) -> str:
        """The address NAT gives an endpoint's traffic: the configured one, else the engine's
        stand-in for an allocated address (one per network, so that replies find their way)."""
        if endpoint.nat_address is not None:
            return str(ipaddress.IPv4Address(endpoint.nat_address))
        assert endpoint.network is not None
        if endpoint.network not in self.auto_nat:
            taken = set(self.auto_nat.values())
            auto = str(ipaddress.IPv4Address(AUTO_NAT_ADDRESS))
            self.auto_nat[endpoint.network] = auto if auto not in taken else self.plumbing.address()
        return self.auto_nat[endpoint.network]

    # -- peering and VPN ----------------------------------------------------------------------

    def peerings(self) -> None:
        """One link per pair of peered networks; BIRD carries what each side exchanges."""
        done: set[frozenset[str]] = set()
        for exchange in self.topology.exchanges:
            pair = frozenset((exchange.exporter, exchange.importer))
            if pair in done or len(pair) != 2:
                continue
            done.add(pair)
            a, b = sorted(pair)
            mine, theirs = self.pair()
            self.link("peering", self.plan.routers[a], self.plan.routers[b], (mine,), (theirs,))

    def vpn_gateways(self) -> None:
        used = {g for t in self.topology.tunnels.values() for g in t.gateways}
        for gateway in self.bp.vpn_gateways:
            if gateway.name not in used:
                continue
            netns = self.netns("vpn", gateway.name, f"VPN gateway {gateway.name}")
            addresses = [str(i.ip) for i in gateway.interfaces] or [self.plumbing.address()]
            self.estate_public += addresses
            self.on_internet(netns, addresses, "gateway")
            self.vpn[gateway.name] = (netns, addresses)

    # -- configured routes ----------------------------------------------------------------------


def _ranges(endpoint: Endpoint) -> list[tuple[str, int, int]]:
    out = []
    for protocol in ("tcp", "udp"):
        for low, high in endpoint.services.port_ranges(protocol):
            out.append((protocol, max(low, 1), high))
    return out
