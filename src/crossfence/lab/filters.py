"""Which filter goes where: each namespace's nftables ruleset, from the IR's filters, NetworkPolicies and NAT.

- A workload's own filters (GCP firewall rules and policies, security groups) in its namespace:
  ingress on input, egress on output, on its private interface; a public interface of its own
  (a Scaleway flexible IP) carries `public_ingress` / `public_egress`. Its pod's NetworkPolicies
  beside them (`netpol.py`).
- A router's filters between segments on its forward hook: the segment boundary ACLs (AWS network
  ACL: the egress filter of the segment a packet leaves, the ingress filter of the one it enters)
  and the filter between Private Networks (Scaleway VPC ACL: it applies to packets crossing from
  one Private Network to another, including to and from a peering or the VPN gateway's Private
  Network). Pod masquerading (SNAT to the node) is there too.
- An internet gateway's NAT: the 1:1 translation of external IPs, NAT gateways (Cloud NAT, a
  Public Gateway), and what it refuses: private destinations, sources without an external
  address (GCP Connectivity Tests: PRIVATE_TRAFFIC_TO_INTERNET, NO_EXTERNAL_ADDRESS).
- A load balancer's frontend filter (LB ACL, Cloud Armor) on the connections to its frontend.
Every namespace also gets two empty chains at the top of prerouting and output that `verify`
fills with counters for one flow when it looks for where a packet was last seen.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from ..algebra.packets import IpSet
from ..engine.path import PRIVATE_RANGES
from ..ir.types import Endpoint, Network, Topology
from .envoy import OUTBOUND_PORT
from .layout import Layout
from .netpol import netpol_chains, pod_addresses
from .nft import Ruleset, address_set, filter_chains, quote
from .plan import Plan

__all__ = ["TRACE_CHAINS", "build_rulesets"]

TRACE_CHAINS = ("trace_pre", "trace_out")
# A connection a pod opens and its sidecar takes is redirected to 127.0.0.1 before the output
# filters see it, still on its interface: the filters see the sidecar's own connection instead.
_NOT_REDIRECTED = "ip daddr != 127.0.0.0/8"


def _names(ifnames: list[str]) -> str:
    quoted = [f'"{name}"' for name in sorted(ifnames)]
    return quoted[0] if len(quoted) == 1 else "{ " + ", ".join(quoted) + " }"


def _ruleset() -> Ruleset:
    ruleset = Ruleset()
    ruleset.base("trace_pre", "prerouting", priority=-400)
    ruleset.base("trace_out", "output", priority=-400)
    return ruleset


class _Rulesets:
    def __init__(self, plan: Plan, layout: Layout, topology: Topology) -> None:
        self.plan = plan
        self.layout = layout
        self.topology = topology
        self.sets: dict[str, Ruleset] = {n.name: _ruleset() for n in plan.namespaces}

    def build(self) -> None:
        endpoints = dict(self.topology.endpoints)
        for view in self.topology.clusters.values():
            if view.east_west_endpoint is not None:
                endpoints[view.east_west_endpoint.name] = view.east_west_endpoint
        for name, instances in self.plan.instances.items():
            endpoint = endpoints[name]
            for instance in instances:
                if endpoint.proxy is not None:
                    self.load_balancer(endpoint, instance.netns, instance.address)
                elif endpoint.network is not None and endpoint.kind != "external_api":
                    self.workload(endpoint, instance.netns)
        self.pods()
        for network in self.topology.networks.values():
            self.router(network)
            if network.name in self.plan.igws:
                self.igw(network)
        self.internet()
        for netns, matches in self.plan.redirects.items():
            chain = self.sets[netns].base("to_sidecar", "output", kind="nat", priority=-100)
            chain.rules += [
                f"{match} counter redirect to :{OUTBOUND_PORT} comment {quote('to the sidecar')}"
                for match in matches
            ]
        self.plan.nft = {name: ruleset.render() for name, ruleset in self.sets.items()}

    def interface(self, netns: str, kind: str) -> str | None:
        """The namespace's end of its link of `kind`."""
        for link in self.plan.links:
            if link.kind == kind and link.a.netns == netns:
                return link.a.ifname
        return None

    def workload(self, endpoint: Endpoint, netns: str) -> None:
        ruleset = self.sets[netns]
        private = self.interface(netns, "workload")
        guard_in, guard_out = f'iifname "{private}"', f'oifname "{private}" {_NOT_REDIRECTED}'
        for n, flt in enumerate(endpoint.ingress):
            filter_chains(ruleset, flt, "input", f"ingress{n}", "saddr", "daddr", [guard_in])
        for n, flt in enumerate(endpoint.egress):
            filter_chains(ruleset, flt, "output", f"egress{n}", "daddr", "saddr", [guard_out])
        public = self.interface(netns, "public")
        if public is not None:
            for n, flt in enumerate(endpoint.public_ingress):
                guard = f'iifname "{public}"'
                filter_chains(ruleset, flt, "input", f"public_in{n}", "saddr", "daddr", [guard])
            for n, flt in enumerate(endpoint.public_egress):
                guard = f'oifname "{public}" {_NOT_REDIRECTED}'
                filter_chains(ruleset, flt, "output", f"public_out{n}", "daddr", "saddr", [guard])

    def pods(self) -> None:
        """NetworkPolicies in the namespace of each pod the lab runs."""
        for view in self.topology.clusters.values():
            entering = IpSet.none()
            for endpoint in self.topology.endpoints.values():
                proxy = endpoint.proxy
                if proxy is None or proxy.egress_network is None:
                    continue
                for backend, _ in proxy.backends:
                    identity = self.topology.workloads.get(backend)
                    if identity is not None and identity.cluster == view.name:
                        entering = entering | proxy.egress_addresses
            addresses = pod_addresses(view, entering)
            by_key = {pod.key: pod for pod in view.kube.pods}
            targets: list[tuple[str, str]] = []
            for workload, pods in view.pods.items():
                for index, pod in enumerate(pods):
                    instances = self.plan.instances.get(workload, [])
                    if index < len(instances):
                        targets.append((pod.key, instances[index].netns))
            if view.east_west is not None and view.east_west_endpoint is not None:
                instances = self.plan.instances.get(view.east_west_endpoint.name, [])
                if instances:
                    targets.append((view.east_west.key, instances[0].netns))
            for key, netns in targets:
                found = by_key.get(key)
                if found is None:
                    continue
                pod = found
                private = self.interface(netns, "workload")
                netpol_chains(
                    self.sets[netns],
                    view,
                    pod,
                    addresses,
                    f'iifname "{private}"',
                    f'oifname "{private}" {_NOT_REDIRECTED}',
                )

    def load_balancer(self, endpoint: Endpoint, netns: str, public: str) -> None:
        proxy = endpoint.proxy
        assert proxy is not None
        interface = self.interface(netns, "lb")
        filters = list(endpoint.public_ingress)
        if proxy.frontend_filter is not None:
            filters.append(proxy.frontend_filter)
        # the frontend filter sees the connections made to the frontend, not the answers to
        # the load balancer's own connections to its backends
        guard = f'iifname "{interface}" ip daddr {public} ct direction original'
        for n, flt in enumerate(filters):
            filter_chains(self.sets[netns], flt, "input", f"frontend{n}", "saddr", "daddr", [guard])

    # -- routers ----------------------------------------------------------------------------

    def segments(self, router: str) -> dict[str | None, list[str]]:
        """Segment -> the router's interfaces a packet from that segment enters by."""
        out: dict[str | None, list[str]] = defaultdict(list)
        for port in self.plan.ports_of(router):
            out[port.segment].append(port.ifname)
        for tunnel in self.plan.tunnels:
            for side in tunnel.sides:
                if side["router_netns"] == router:
                    out[side.get("segment")].append(str(side["ifname"]))
        return out

    def router(self, network: Network) -> None:
        router = self.plan.routers[network.name]
        ruleset = self.sets[router]
        segments = self.segments(router)
        for segment in network.segments:
            mine = segments.get(segment.name, [])
            if not mine:
                continue
            if segment.egress is not None:
                guard = f"iifname {_names(mine)} oifname != {_names(mine)}"
                filter_chains(
                    ruleset,
                    segment.egress,
                    "forward",
                    f"leave_{_slug(segment.name)}",
                    "daddr",
                    "saddr",
                    [guard],
                )
            if segment.ingress is not None:
                guard = f"oifname {_names(mine)} iifname != {_names(mine)}"
                filter_chains(
                    ruleset,
                    segment.ingress,
                    "forward",
                    f"enter_{_slug(segment.name)}",
                    "saddr",
                    "daddr",
                    [guard],
                )
        if network.between_segments is not None:
            guards = []
            for a, a_ifs in segments.items():
                for b, b_ifs in segments.items():
                    if a != b and (a is not None or b is not None) and a_ifs and b_ifs:
                        guards.append(f"iifname {_names(a_ifs)} oifname {_names(b_ifs)}")
            if guards:
                filter_chains(
                    ruleset,
                    network.between_segments,
                    "forward",
                    "between_segments",
                    "saddr",
                    "daddr",
                    guards,
                )
        self.unrouted(network, ruleset, router, segments)
        self.masquerade(network, ruleset, router)

    def unrouted(
        self,
        network: Network,
        ruleset: Ruleset,
        router: str,
        segments: dict[str | None, list[str]],
    ) -> None:
        """An endpoint routing does not carry beyond its own segment (a Scaleway Managed
        Database: "Managed Databases do not currently support VPC routing",
        https://www.scaleway.com/en/docs/vpc/faq/): its router drops what crosses segments."""
        chain = None
        for endpoint in self.topology.endpoints.values():
            if endpoint.network != network.name or endpoint.routed is None:
                continue
            mine = [
                link.b.ifname
                for instance in self.plan.instances.get(endpoint.name, [])
                for link in self.plan.links
                if link.kind == "workload" and link.a.netns == instance.netns
            ]
            home = segments.get(endpoint.segment, [])
            others = [i for i in home if i not in mine]
            if not mine:
                continue
            if chain is None:
                chain = ruleset.base("unrouted", "forward")
            comment = quote(f"{endpoint.name} is reached only within {endpoint.segment}")
            allowed = f" oifname != {_names(others)}" if others else ""
            chain.rules.append(f"iifname {_names(mine)}{allowed} counter drop comment {comment}")
            allowed = f" iifname != {_names(others)}" if others else ""
            chain.rules.append(f"oifname {_names(mine)}{allowed} counter drop comment {comment}")

    def masquerade(self, network: Network, ruleset: Ruleset, router: str) -> None:
        chain = None
        for endpoint in self.topology.endpoints.values():
            masquerade = endpoint.masquerade
            if endpoint.network != network.name or masquerade is None:
                continue
            interfaces = [
                link.b.ifname
                for instance in self.plan.instances.get(endpoint.name, [])
                for link in self.plan.links
                if link.kind == "workload" and link.a.netns == instance.netns
            ]
            if not interfaces:
                continue
            if chain is None:
                chain = ruleset.base("pods_to_nodes", "postrouting", kind="nat", priority=100)
            inside = address_set(masquerade.inside) or "0.0.0.0/0"
            node = ipaddress.IPv4Address(masquerade.node)
            chain.rules.append(
                f"iifname {_names(interfaces)} ip daddr != {inside} counter snat ip to {node} "
                f"comment {quote(f'{endpoint.name}: pods masqueraded to the node')}"
            )

    def internet(self) -> None:
        """From the internet, only the estate's public addresses answer (a host of the internet,
        a load balancer's front ends, reach nothing else): the engine's internet."""
        sources = address_set(IpSet.from_addresses(self.layout.internet_sources))
        if not self.layout.internet_sources or sources is None:
            return
        public = IpSet.from_addresses(self.layout.estate_public)
        chain = self.sets[self.plan.internet].base("internet", "forward")
        chain.rules.append("ct state established,related accept")
        reaches = f"ip daddr != {address_set(public)} " if not public.is_empty() else ""
        chain.rules.append(
            f"ip saddr {sources} {reaches}counter drop comment "
            f"{quote('from the internet only the estate public addresses answer')}"
        )

    # -- internet gateways ------------------------------------------------------------------

    def igw(self, network: Network) -> None:
        netns = self.plan.igws[network.name]
        ruleset = self.sets[netns]
        router_if = next(
            link.b.ifname
            for link in self.plan.links
            if link.kind == "igw" and link.b.netns == netns
        )
        outside = self.interface(netns, "internet")
        inbound = ruleset.base("translate_in", "prerouting", kind="nat", priority=-100)
        outbound = ruleset.base("translate_out", "postrouting", kind="nat", priority=100)
        forward = ruleset.base("gateway", "forward")
        forward.rules.append("ct state established,related accept")
        private = "{ " + ", ".join(str(p) for p in PRIVATE_RANGES) + " }"
        forward.rules.append(
            f'iifname "{router_if}" oifname "{outside}" ip daddr {private} counter drop '
            f"comment {quote('a private address: the internet gateway drops it')}"
        )
        carried = IpSet.none()
        for endpoint in self.topology.endpoints.values():
            if endpoint.network != network.name:
                continue
            if endpoint.public_address is not None and not endpoint.public_interface:
                public = ipaddress.IPv4Address(endpoint.public_address)
                private_address = next(
                    (i.address for i in self.plan.instances.get(endpoint.name, [])), None
                )
                if private_address is None:
                    continue
                inbound.rules.append(
                    f'iifname "{outside}" ip daddr {public} counter dnat ip to {private_address} '
                    f"comment {quote(f'{endpoint.name}: external address')}"
                )
                outbound.rules.append(
                    f'oifname "{outside}" ip saddr {private_address} counter snat ip to {public} '
                    f"comment {quote(f'{endpoint.name}: external address')}"
                )
                carried = carried | IpSet.from_addresses([private_address])
            elif endpoint.nat is not None:
                nat = self.layout.nat_address(endpoint)
                sources = address_set(endpoint.addresses) or "0.0.0.0/0"
                outbound.rules.append(
                    f'oifname "{outside}" ip saddr {sources} counter snat ip to {nat} '
                    f"comment {quote(f'{endpoint.name}: {endpoint.nat.resource}')}"
                )
                carried = carried | endpoint.addresses
        no_address = quote("no external address and no NAT: the internet gateway drops it")
        if carried.is_empty():
            forward.rules.append(
                f'iifname "{router_if}" oifname "{outside}" counter drop comment {no_address}'
            )
        else:
            forward.rules.append(
                f'iifname "{router_if}" oifname "{outside}" ip saddr != {address_set(carried)} '
                f"counter drop comment {no_address}"
            )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def build_rulesets(plan: Plan, layout: Layout, topology: Topology) -> None:
    """Fill `plan.nft`: every namespace's ruleset (after the tunnels are planned)."""
    _Rulesets(plan, layout, topology).build()
