"""`verify` and `probe`: send the engine's flows through the lab, compare each outcome with the engine's verdict, and show where the packets went when they differ.

The engine's verdict is `layered_reach` (every layer). The lab realises the network layers,
NetworkPolicies, load balancers and east-west gateways; the mesh's own decisions (mTLS,
authorization) need Envoy sidecars, so a flow the engine denies only there is compared on the
layers the lab has and flagged `mesh` (never counted as a silent agreement on the mesh). A
disagreement is probed again alone, with counters on every namespace's traffic for its ports:
the namespaces that saw the packet and its reply, and the rules that dropped it, say what the lab
saw; the engine's trace says what crossfence thought.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.layers import LayeredReach
from ..engine.reach import Reach
from ..errors import CrossfenceError, QueryError
from ..ir.types import Topology
from .filters import TRACE_CHAINS
from .flows import Flow, Route, balancers_in_front, flows, probe_ports, routes_of
from .iap import IAP_HEADER, assertion_path, is_iap_condition, user_token_path
from .nft import TABLE
from .probe import Probe, ProbeResult, run_batches
from .state import State, lab_dir, validate_name
from .system import HostSystem, System

__all__ = [
    "MESH_DENIALS",
    "Diagnosis",
    "FlowResult",
    "VerifyResult",
    "load_lab",
    "probe_one",
    "verify",
]

MESH_DENIALS = ("DENIED_MTLS", "DENIED_MESH_AUTHORIZATION")
# what the lab does not build: the engine's answer cannot be checked by packets
NOT_REALISED = ("NEXT_HOP_NOT_MODELLED",)
_MAX_DIAGNOSES = 20
# the lowest TTL the diagnosis counts (64 minus the longest path it follows)
_LOWEST_TTL = 40


@dataclass
class Diagnosis:
    """What the lab saw of one flow sent alone: the namespaces that saw it and its reply, in the
    order the packets went, the rules that dropped packets meanwhile, and the others that
    matched (counters that grew while the flow was sent again)."""

    seen: list[tuple[int, list[str]]] = field(default_factory=list)
    """(destination port, the namespaces that saw a packet to it, in path order)."""
    replies: list[tuple[int, list[str]]] = field(default_factory=list)
    """(source port, the namespaces that saw a reply from it, in path order)."""
    drops: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)

    port: int | None = None
    """The flow's own port."""

    @property
    def last(self) -> str | None:
        """The last namespace that saw a packet to the flow's port (else to any port it used)."""
        paths = [path for port, path in self.seen if port == self.port and path]
        paths = paths or [path for _, path in self.seen if path]
        return paths[-1][-1] if paths else None

    def to_json(self) -> dict[str, Any]:
        return {
            "seen": [{"port": port, "namespaces": path} for port, path in self.seen],
            "replies": [{"port": port, "namespaces": path} for port, path in self.replies],
            "last_seen": self.last,
            "drops": self.drops,
            "rules": self.rules,
        }


@dataclass
class FlowResult:
    """One flow: the engine's answer, what the lab's packets did, and whether they agree."""

    flow: Flow
    engine: Reach
    expected: bool | None
    """What the lab should see: the engine's verdict on the layers the lab builds (None: the
    lab cannot check this flow)."""
    delivered: bool
    outcomes: list[tuple[Route, ProbeResult]]
    mesh: bool = False
    """The engine denies it in the mesh only (mTLS, authorization), which the lab does not run."""
    diagnosis: Diagnosis | None = None
    without: list[tuple[Route, ProbeResult]] | None = None
    """A flow the engine allows only with IAP's token, sent again without the lab user's
    credential: then IAP must refuse it (None: not sent twice)."""
    delivered_without: bool | None = None

    @property
    def agree(self) -> bool | None:
        if self.expected is None:
            return None
        return self.expected == self.delivered and not self.delivered_without

    @staticmethod
    def _text(outcomes: list[tuple[Route, ProbeResult]]) -> str:
        for route, result in outcomes:
            if result.outcome == "answered":
                how = "" if route.how == "direct" else f" {route.how}"
                return f"answered by {result.answer}{how}"
        return (
            ", ".join(
                f"{result.outcome}" + ("" if route.how == "direct" else f" ({route.how})")
                for route, result in outcomes
            )
            or "not sent"
        )

    def lab_text(self) -> str:
        text = self._text(self.outcomes)
        if self.without is not None:
            text += f"; without a token: {self._text(self.without)}"
        return text

    def engine_text(self) -> str:
        if self.engine.allowed and self.engine.conditions:
            if all(is_iap_condition(c) for c in self.engine.conditions):
                return "allowed with an IAP token"  # the audience is in the JSON and the trace
            return f"allowed only for requests that: {'; '.join(self.engine.conditions)}"
        if self.engine.allowed:
            return "allowed"
        if self.mesh:
            return f"denied in the mesh ({self.engine.disposition})"
        return f"denied ({self.engine.disposition})"

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.flow.source,
            "to": self.flow.destination,
            "port": self.flow.service,
            "request": list(self.flow.request) if self.flow.request else None,
            "engine": {
                "verdict": "allowed" if self.engine.allowed else "denied",
                "disposition": self.engine.disposition,
                "conditions": self.engine.conditions,
                "mesh_only": self.mesh,
            },
            "lab": {
                "delivered": self.delivered,
                "probes": _probes_json(self.outcomes),
                "without_token": None
                if self.without is None
                else {"delivered": self.delivered_without, "probes": _probes_json(self.without)},
            },
            "agree": self.agree,
            "diagnosis": self.diagnosis.to_json() if self.diagnosis else None,
            "trace": self.engine.to_json() if self.agree is False else None,
        }


def _probes_json(outcomes: list[tuple[Route, ProbeResult]]) -> list[dict[str, Any]]:
    return [
        {
            "how": route.how,
            "from_address": route.bind,
            "to": f"{route.address}:{route.port}",
            "via": f"{route.via[0]}:{route.via[1]}" if route.via else None,
            "outcome": result.outcome,
            "answered_by": result.answer,
            "detail": result.detail,
            "seconds": result.seconds,
        }
        for route, result in outcomes
    ]


@dataclass
class VerifyResult:
    """Every flow of a verify run."""

    lab: str
    flows: list[FlowResult]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    mesh: bool = False
    """Whether the lab runs the mesh (Envoy): the mesh's answers are compared too."""

    @property
    def disagreements(self) -> list[FlowResult]:
        return [f for f in self.flows if f.agree is False]

    def to_json(self) -> dict[str, Any]:
        counted = [f for f in self.flows if f.agree is not None]
        return {
            "lab": self.lab,
            "flows": [f.to_json() for f in self.flows],
            "summary": {
                "flows": len(self.flows),
                "agree": sum(1 for f in counted if f.agree),
                "disagree": len(self.disagreements),
                "not_checked": len(self.flows) - len(counted),
                "mesh_only": sum(1 for f in self.flows if f.mesh),
                "mesh_realised": self.mesh,
                "seconds": self.seconds,
            },
            "notes": self.notes,
        }


def load_lab(
    name: str, root: Path | None = None, path: Path | None = None
) -> tuple[State, Any, Topology]:
    """A lab that is up, its blueprint and topology (rebuilt from the file it was built from;
    `path`, when given, must be that file)."""
    from ..estate import build_topology, load

    validate_name(name)
    state = State.load(lab_dir(name, root))
    if state is None or state.data.get("phase") != "up":
        raise QueryError.single(
            f"lab {name!r} is not up (expected `crossfence lab up PATH --name {name}` first)"
        )
    built = Path(str(state.data["blueprint"]))
    if path is not None and path.resolve() != built:
        raise QueryError.single(
            f"lab {name!r} was built from {built}, not {path} (expected that blueprint, or another "
            "--name)"
        )
    blueprint = load(built)
    return state, blueprint, build_topology(blueprint)


def _expected(reach: Reach, mesh: bool) -> tuple[bool | None, bool]:
    """What the packets should show, and whether the engine denies it in the mesh only; without
    the mesh in the lab, such a flow is compared on the other layers."""
    if reach.disposition in NOT_REALISED:
        return None, False
    if not reach.allowed and reach.disposition in MESH_DENIALS:
        return (False, True) if mesh else (True, True)
    return reach.allowed, False


def _answered_by(flow: Flow, topology: Topology, result: ProbeResult) -> bool:
    """Did the destination get the flow? A load balancer is reached when it accepts the
    connection (its backends answer, or it closes it); anything else must answer itself."""
    destination = topology.endpoints.get(flow.destination)
    if destination is not None and destination.proxy is not None:
        return result.outcome in ("answered", "closed", "rejected")
    return result.outcome == "answered" and result.answer == flow.destination


class _Verifier:
    def __init__(self, system: System, state: State, topology: Topology) -> None:
        self.system = system
        self.state = state
        self.topology = topology
        self.summary = state.data.get("plan", {})
        self.instances: dict[str, list[dict[str, Any]]] = self.summary.get("instances", {})
        self.python = sys.executable
        self.mesh = bool(self.summary.get("mesh"))
        self.iap: dict[str, dict[str, Any]] = self.summary.get("iap", {})
        self.notes: list[str] = []

    def netns_of(self, endpoint: str) -> str | None:
        found = self.instances.get(endpoint)
        return str(found[0]["netns"]) if found else None

    def signing(self, flow: Flow) -> bool:
        """Whether a load balancer that adds IAP's header stands in front of the destination."""
        destination = self.topology.endpoints[flow.destination]
        return any(
            self.iap.get(e.name, {}).get("role") == "iap"
            for e in balancers_in_front(self.topology, destination)
        )

    def token(self, path: Path) -> str:
        try:
            return path.read_text().strip()
        except OSError:
            return ""

    def headers(self, flow: Flow, route: Route, credential: bool) -> tuple[tuple[str, str], ...]:
        """What a request carries through the IAP Envoys: the lab user's credential for an IAP
        load balancer it enters (unless `credential` is off); the signed header an IAP load
        balancer adds to every request it sends itself."""
        out: list[tuple[str, str]] = []
        front = route.how.removeprefix("via ")
        if credential and route.how != "direct" and self.iap.get(front, {}).get("role") == "iap":
            token = self.token(user_token_path(self.state.directory, front))
            out.append(("authorization", f"Bearer {token}"))
        if self.iap.get(flow.source, {}).get("role") == "iap":
            out.append((IAP_HEADER, self.token(assertion_path(self.state.directory, flow.source))))
        return tuple(out)

    def probes(
        self, flow: Flow, tag: str, credential: bool = True
    ) -> list[tuple[str, Probe, Route]]:
        out: list[tuple[str, Probe, Route]] = []
        netns = self.netns_of(flow.source)
        if netns is None:
            return out
        http = bool(self.iap) and flow.protocol == "tcp"
        for n, route in enumerate(routes_of(self.topology, flow, self.mesh)):
            if not credential and route.how == "direct":
                continue
            protocol = flow.protocol if route.how == "direct" else "tcp"
            request = flow.request
            if request is None and http and route.how != "direct":
                request = ("GET", "/")  # the IAP Envoys speak HTTP only
            probe = Probe(
                f"{tag}.{n}",
                protocol,
                route.address,
                route.port,
                route.bind,
                route.via,
                request,
                self.headers(flow, route, credential),
            )
            out.append((netns, probe, route))
        return out

    def conditional(self, flow: Flow, reach: Reach) -> bool:
        """Whether the engine allows the flow only with IAP's token and the lab signs it: then
        the flow is sent with the lab user's credential (IAP signs) and without (IAP refuses)."""
        return (
            reach.allowed
            and bool(reach.conditions)
            and all(is_iap_condition(c) for c in reach.conditions)
            and self.signing(flow)
        )

    def run(self, selected: list[Flow], engine: LayeredReach) -> list[FlowResult]:
        planned: list[
            tuple[Flow, Reach, list[tuple[str, Probe, Route]], list[tuple[str, Probe, Route]]]
        ] = []
        batches: dict[str, list[Probe]] = {}
        for index, flow in enumerate(selected):
            method, path = flow.request or (None, None)
            try:
                reach = engine.ask(flow.source, flow.destination, flow.service, method, path)
            except CrossfenceError as error:
                # a question the engine refuses is no flow to check
                reach = Reach(flow.source, flow.destination, flow.service, False, "ERROR", [])
                self.notes.append(f"{flow.key}: the engine does not answer: {error}")
            probes = self.probes(flow, f"f{index}")
            without = (
                self.probes(flow, f"n{index}", credential=False)
                if self.conditional(flow, reach)
                else []
            )
            planned.append((flow, reach, probes, without))
            for netns, probe, _ in probes + without:
                batches.setdefault(netns, []).append(probe)
        results = run_batches(self.system, batches, self.python)
        out = []
        for flow, reach, probes, without in planned:
            expected, mesh = _expected(reach, self.mesh)
            if reach.disposition == "ERROR":
                expected = None
            outcomes = [
                (route, results.get(probe.id, ProbeResult(probe.id, "error", None, "no result")))
                for _, probe, route in probes
            ]
            if not probes:
                expected = None
            delivered = any(_answered_by(flow, self.topology, r) for _, r in outcomes)
            result = FlowResult(flow, reach, expected, delivered, outcomes, mesh)
            if without:
                result.without = [
                    (
                        route,
                        results.get(probe.id, ProbeResult(probe.id, "error", None, "no result")),
                    )
                    for _, probe, route in without
                ]
                result.delivered_without = any(
                    _answered_by(flow, self.topology, r) for _, r in result.without
                )
            out.append(result)
        return out

    # -- diagnosis ------------------------------------------------------------------------------

    def namespaces(self) -> list[str]:
        return [str(n["name"]) for n in self.summary.get("namespaces", [])]

    def each(self, namespaces: list[str], script: str, input: str | None = None) -> dict[str, str]:
        """Run a shell script in every namespace at once; namespace -> its output."""

        def one(netns: str) -> tuple[str, str]:
            done = self.system.run(
                ["ip", "netns", "exec", netns, "sh", "-c", script], input=input, check=False
            )
            return netns, done.stdout

        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(pool.map(one, namespaces))

    @staticmethod
    def counters(outputs: dict[str, str]) -> dict[tuple[str, str, int], tuple[int, str, str]]:
        """(netns, chain, handle) -> (packets, comment, verdict) of every rule with a counter,
        from `nft -j list table` outputs."""
        out: dict[tuple[str, str, int], tuple[int, str, str]] = {}
        for netns, text in outputs.items():
            try:
                items = json.loads(text or "{}").get("nftables", [])
            except ValueError:
                continue
            for item in items:
                rule = item.get("rule")
                if not rule:
                    continue
                packets, verdict = 0, ""
                for expression in rule.get("expr", []):
                    if "counter" in expression:
                        packets = int(expression["counter"].get("packets", 0))
                    for word in ("accept", "drop", "return"):
                        if word in expression:
                            verdict = word
                out[(netns, str(rule["chain"]), int(rule["handle"]))] = (
                    packets,
                    str(rule.get("comment", "")),
                    verdict,
                )
        return out

    def diagnose(self, result: FlowResult) -> Diagnosis:
        """Send the flow again alone, with counters in every namespace for its ports, per TTL:
        each router decrements it, so the TTL a namespace saw orders the namespaces along the
        path, and the lowest is where the packet was last seen."""
        namespaces = self.namespaces()
        ports = {(result.flow.protocol, result.flow.port)}
        if self.mesh:
            # sidecars reach other networks' pods through their east-west gateways
            for view in self.topology.clusters.values():
                if view.east_west is not None and view.east_west.ports:
                    ports.add(("tcp", view.east_west.ports[0].port))
        for route, _ in result.outcomes:
            ports.add(("tcp" if route.how != "direct" else result.flow.protocol, route.port))
            if route.via:
                ports.add(("tcp", route.via[1]))
        rules = []
        for chain in TRACE_CHAINS:
            for protocol, port in sorted(ports):
                for direction, word in (("dport", "query"), ("sport", "reply")):
                    for ttl in range(_LOWEST_TTL, 65):
                        rules.append(
                            f"add rule inet {TABLE} {chain} meta l4proto {protocol} th {direction} "
                            f'{port} ip ttl {ttl} counter comment "{word} {port} {ttl}"'
                        )
        listing = f"nft -j list table inet {TABLE}"
        before = self.counters(
            self.each(namespaces, f"nft -f - && {listing}", "\n".join(rules) + "\n")
        )
        netns = self.netns_of(result.flow.source)
        if netns is not None:
            probes = [p for _, p, _ in self.probes(result.flow, "again")]
            run_batches(self.system, {netns: probes}, self.python)
        flush = "; ".join(f"nft flush chain inet {TABLE} {c}" for c in TRACE_CHAINS)
        after = self.counters(self.each(namespaces, f"{listing}; {flush}"))
        diagnosis = Diagnosis(port=result.flow.port)
        # (direction, port) -> namespace -> highest TTL it saw (sent packets count a half more:
        # they are seen on output before the next namespace sees them at the same TTL)
        heard: dict[tuple[str, int], dict[str, float]] = {}
        for key, (packets, comment, verdict) in after.items():
            grew = packets - before.get(key, (0, "", ""))[0]
            if grew <= 0:
                continue
            where, chain, _ = key
            if chain in TRACE_CHAINS:
                word, number, left = comment.split()
                rank = int(left) + (0.5 if chain == "trace_out" else 0.0)
                seen = heard.setdefault((word, int(number)), {})
                seen[where] = max(seen.get(where, 0.0), rank)
            elif verdict == "drop":
                diagnosis.drops.append(f"{where}: {comment}")
            elif comment:
                diagnosis.rules.append(f"{where}: {comment} ({verdict})")
        for (word, port), seen in sorted(heard.items(), key=lambda item: item[0][1]):
            path = sorted(seen, key=lambda n: -seen[n])
            (diagnosis.seen if word == "query" else diagnosis.replies).append((port, path))
        return diagnosis


def verify(
    name: str,
    *,
    system: System | None = None,
    root: Path | None = None,
    sources: list[str] | None = None,
    destinations: list[str] | None = None,
    path: Path | None = None,
) -> VerifyResult:
    """Probe every flow (or those from `sources` / to `destinations`) and compare."""
    start = time.monotonic()
    state, blueprint, topology = load_lab(name, root, path)
    verifier = _Verifier(system or HostSystem(), state, topology)
    selected = [
        f
        for f in flows(topology, intents=tuple(blueprint.intents), mesh=verifier.mesh)
        if (not sources or f.source in sources)
        and (not destinations or f.destination in destinations)
    ]
    results = verifier.run(selected, LayeredReach(topology))
    for result in [r for r in results if r.agree is False][:_MAX_DIAGNOSES]:
        result.diagnosis = verifier.diagnose(result)
    notes = list(state.data.get("plan", {}).get("notes", [])) + verifier.notes
    return VerifyResult(name, results, round(time.monotonic() - start, 2), notes, verifier.mesh)


def probe_one(
    name: str,
    source: str,
    destination: str,
    port: str,
    *,
    system: System | None = None,
    root: Path | None = None,
    request: tuple[str, str] | None = None,
    path: Path | None = None,
) -> FlowResult:
    """One flow, sent for real and compared, with what the lab saw of it (an HTTP `request`,
    method and path, where the destination's sidecar reads the port as HTTP)."""
    from ..engine.reach import parse_port
    from .flows import http_request

    state, blueprint, topology = load_lab(name, root, path)
    for endpoint in (source, destination):
        if endpoint not in topology.endpoints:
            raise QueryError.single(
                f"{endpoint!r} is not an endpoint of the lab's blueprint (expected one of "
                f"{', '.join(sorted(topology.endpoints))})"
            )
    protocol, number = parse_port(port)
    if protocol not in ("tcp", "udp") or number is None:
        raise QueryError.single(f"--port {port!r}: the lab probes TCP and UDP ports (e.g. tcp/443)")
    verifier = _Verifier(system or HostSystem(), state, topology)
    if verifier.mesh and protocol == "tcp" and request is None:
        request = http_request(topology, tuple(blueprint.intents), source, destination, number)
    elif not verifier.mesh or protocol != "tcp":
        request = None
    flow = Flow(source, destination, protocol, number, request)
    result = verifier.run([flow], LayeredReach(topology))[0]
    target = topology.endpoints[destination]
    served = (protocol, number) in probe_ports(target)
    direct = result.outcomes[0][1] if result.outcomes else None
    if not served and target.proxy is None and direct is not None and direct.outcome == "refused":
        # nothing listens on a port the lab does not probe: a reset (or a port unreachable)
        # from the destination's host says the packet got there and its answer came back (a
        # load balancer's reset says it has no such frontend)
        result.delivered = True
        result.outcomes[0] = (
            result.outcomes[0][0],
            ProbeResult(
                direct.id,
                "refused",
                None,
                "the destination's host answered: nothing listens on that port",
                direct.seconds,
            ),
        )
    result.diagnosis = verifier.diagnose(result)
    return result
