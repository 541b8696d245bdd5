"""`up`: build a lab's plan out of namespaces, links, rulesets and daemons, writing each thing into the state file before it exists.

`up` writes every namespace, link, daemon, key and socket into the lab's state file before
creating it, so `down` removes exactly those, finds everything after a crash half-way, and has
nothing to do the second time. Daemons are stopped by the pid the lab recorded, once /proc says
it is still the process the lab started (its start time and command line).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import QueryError, UnsupportedError
from .envoy import envoy_binary
from .iap import LabSigner, issue, jwt_config
from .pki import Pki
from .plan import Plan
from .state import State, lab_dir, validate_name
from .status import bgp_states
from .system import HostSystem, ProcessInfo, System
from .teardown import down
from .wireguard import UAPI_DIR, set_command

__all__ = ["Progress", "UpResult", "preflight", "up"]

Progress = Callable[[str], None]

# sysctls of every namespace, and of the ones that forward
_ALL = ("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
_FORWARD = (
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    "net.ipv4.conf.all.send_redirects=0",
    "net.ipv4.conf.default.send_redirects=0",
)
_READY_TIMEOUT = 30.0
_BGP_TIMEOUT = 40.0
_SETTLE = 0.6
_UNIX_PATH = 107


def _quiet(progress: Progress | None) -> Progress:
    return progress or (lambda _: None)


def preflight(system: System, plan: Plan | None = None) -> None:
    """Linux, root, and the tools the plan needs; else an UnsupportedError saying which."""
    system_name, euid = system.identity()
    if system_name != "Linux":
        raise UnsupportedError(f"the lab runs on Linux network namespaces (this is {system_name})")
    if euid != 0:
        raise UnsupportedError("the lab creates network namespaces: run it as root")
    needed = ["ip", "nft", "sysctl"]
    if plan is not None and plan.tunnels:
        needed += ["wg", "wireguard-go"]
    if plan is not None and plan.birds:
        needed += ["bird", "birdc"]
    if plan is not None and (plan.envoys or plan.iap):
        needed += ["openssl"]
    missing = [b for b in needed if system.which(b) is None]
    if missing:
        raise UnsupportedError(
            f"the lab needs {', '.join(missing)} (Debian: iproute2 nftables wireguard-go "
            "wireguard-tools bird2 openssl procps)"
        )


@dataclass
class UpResult:
    """What `up` built and how long each step took."""

    name: str
    directory: Path
    namespaces: int
    daemons: int
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    bgp: dict[str, str] = field(default_factory=dict)
    """Session -> BIRD's state for it."""


class _Up:
    def __init__(
        self,
        system: System,
        state: State,
        plan: Plan,
        progress: Progress,
        python: str,
        envoy: str | None = None,
        wait: bool = True,
    ) -> None:
        self.envoy = envoy
        self.wait = wait
        self.system = system
        self.state = state
        self.plan = plan
        self.progress = progress
        self.python = python
        self.directory = state.directory
        self.timings: dict[str, float] = {}
        self.daemons = 0

    def step(self, name: str, action: Callable[[], None]) -> None:
        self.progress(name)
        start = time.monotonic()
        action()
        self.timings[name] = round(time.monotonic() - start, 2)

    def run(self) -> None:
        self.step("namespaces", self.namespaces)
        self.step("links", self.links)
        self.step("addresses and routes", self.addresses)
        self.step("nftables", self.nftables)
        self.step("wireguard tunnels", self.tunnels)
        self.step("tunnel routes", self.tunnel_routes)
        self.step("bird", self.birds)
        self.step("servers", self.servers)
        self.step("envoy", self.envoys)
        self.step("waiting for the servers", self.wait_ready)
        if self.wait:
            self.step("waiting for BGP", self.wait_bgp)

    def parallel(self, jobs: Iterable[tuple[Callable[..., Any], tuple[Any, ...]]]) -> None:
        work = list(jobs)
        with ThreadPoolExecutor(max_workers=8) as pool:
            for future in [pool.submit(f, *args) for f, args in work]:
                future.result()

    # -- namespaces and links ---------------------------------------------------------------

    def namespaces(self) -> None:
        for netns in self.plan.namespaces:
            self.state.record("netns", netns.name, role=netns.role, label=netns.label)
            self.system.run(["ip", "netns", "add", netns.name])

        def configure(name: str) -> None:
            settings = list(_ALL) + (list(_FORWARD) if name in self.plan.forwarding else [])
            self.system.run(["ip", "netns", "exec", name, "sysctl", "-q", "-w", *settings])

        self.parallel((configure, (n.name,)) for n in self.plan.namespaces)

    def links(self) -> None:
        pairs = [
            [link.a.netns, link.a.ifname, link.b.netns, link.b.ifname] for link in self.plan.links
        ]
        # veths are created straight inside the lab's namespaces (never in the host's) and
        # vanish with them: written down with their namespaces
        self.state.record("links", "veth", pairs=pairs)
        batch = "".join(
            f"link add {a_if} netns {a} type veth peer name {b_if} netns {b}\n"
            for a, a_if, b, b_if in pairs
        )
        if batch:
            self.system.run(["ip", "-batch", "-"], input=batch)

    def batch(self, netns: str, lines: Sequence[str]) -> None:
        if lines:
            self.system.run(
                ["ip", "-n", netns, "-batch", "-"], input="".join(f"{line}\n" for line in lines)
            )

    def addresses(self) -> None:
        first: dict[str, list[str]] = {n.name: ["link set lo up"] for n in self.plan.namespaces}
        for port in (p for link in self.plan.links for p in (link.a, link.b)):
            for address in port.addresses:
                first[port.netns].append(f"addr add {address} dev {port.ifname}")
            first[port.netns].append(f"link set {port.ifname} up")
        self.parallel((self.batch, (n, lines)) for n, lines in first.items())
        wireguard = {s["ifname"] for t in self.plan.tunnels for s in t.sides}
        second: dict[str, list[str]] = {}
        for route in self.plan.routes:
            if any(word in wireguard for word in route.args):
                continue
            table = ("table", str(route.table)) if route.table is not None else ()
            second.setdefault(route.netns, []).append(
                " ".join(["route", "add", *route.args, *table])
            )
        for rule in self.plan.rules:
            second.setdefault(rule.netns, []).append(" ".join(["rule", "add", *rule.args]))
        self.parallel((self.batch, (n, lines)) for n, lines in second.items())

    def nftables(self) -> None:
        def load(netns: str, text: str) -> None:
            path = self.directory / f"nft-{netns}.nft"
            self.system.write(path, text)
            self.system.run(["ip", "netns", "exec", netns, "nft", "-f", str(path)])

        self.parallel((load, (n, text)) for n, text in self.plan.nft.items())

    # -- daemons --------------------------------------------------------------------------------

    def spawn(self, role: str, netns: str, argv: list[str], log: str) -> ProcessInfo:
        full = ["ip", "netns", "exec", netns, *argv]
        record = self.state.record("process", role, netns=netns, argv=full)
        info = self.system.spawn(full, self.directory / log)
        self.state.update(record, pid=info.pid, start=info.start)
        self.daemons += 1
        return info

    def wait_for(self, paths: list[Path], what: str, timeout: float = _READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        missing = list(paths)
        while missing and time.monotonic() < deadline:
            missing = [p for p in missing if not self.system.exists(p)]
            if missing:
                time.sleep(0.05)
        if missing:
            raise UnsupportedError(
                f"{what} did not start within {timeout:.0f} s: "
                + ", ".join(p.name for p in missing[:5])
                + f" (logs in {self.directory})"
            )

    def tunnels(self) -> None:
        if not self.plan.tunnels:
            return
        if not self.system.exists(UAPI_DIR):
            # wireguard-go creates its socket folder: the lab removes it if it was the one
            self.state.record("dir", str(UAPI_DIR))
        keys: dict[str, str] = {}
        for tunnel in self.plan.tunnels:
            for side in tunnel.sides:
                private = self.system.run(["wg", "genkey"]).stdout.strip()
                public = self.system.run(["wg", "pubkey"], input=private + "\n").stdout.strip()
                self.system.write(Path(side["key"]), private + "\n")
                keys[side["ifname"]] = public
                socket = UAPI_DIR / f"{side['ifname']}.sock"
                self.state.record("socket", str(socket))
                self.spawn(
                    "wireguard-go",
                    side["gateway_netns"],
                    ["wireguard-go", "-f", side["ifname"]],
                    f"wg-{side['ifname']}.log",
                )
        sockets = [UAPI_DIR / f"{s['ifname']}.sock" for t in self.plan.tunnels for s in t.sides]
        self.wait_for(sockets, "wireguard-go")
        for tunnel in self.plan.tunnels:
            a, b = tunnel.sides
            for side, peer in ((a, b), (b, a)):
                self.system.run(
                    [
                        "ip",
                        "-n",
                        side["gateway_netns"],
                        "link",
                        "set",
                        side["ifname"],
                        "netns",
                        side["router_netns"],
                    ]
                )
                self.system.run(set_command(side, peer, keys[peer["ifname"]]))
                self.batch(
                    side["router_netns"],
                    [
                        f"addr add {side['inner']} dev {side['ifname']}",
                        f"link set {side['ifname']} up",
                    ],
                )

    def tunnel_routes(self) -> None:
        wireguard = {s["ifname"] for t in self.plan.tunnels for s in t.sides}
        lines: dict[str, list[str]] = {}
        for route in self.plan.routes:
            if any(word in wireguard for word in route.args):
                table = ("table", str(route.table)) if route.table is not None else ()
                lines.setdefault(route.netns, []).append(
                    " ".join(["route", "add", *route.args, *table])
                )
        for netns, batch in lines.items():
            self.batch(netns, batch)

    def bird_paths(self, netns: str) -> tuple[Path, Path]:
        short = netns.removeprefix("cf-")
        return self.directory / f"bird-{short}.conf", self.directory / f"bird-{short}.ctl"

    def birds(self) -> None:
        for bird in self.plan.birds:
            config, control = self.bird_paths(bird.netns)
            self.system.write(config, bird.config)
            self.system.run(["bird", "-p", "-c", str(config)])
            self.spawn(
                "bird",
                bird.netns,
                ["bird", "-f", "-c", str(config), "-s", str(control)],
                f"bird-{bird.netns.removeprefix('cf-')}.out",
            )

    def servers(self) -> None:
        self.ready: list[Path] = []
        for server in self.plan.servers:
            ready = self.directory / f"ready-{server.netns}"
            self.ready.append(ready)
            argv = [self.python, "-m", "crossfence.lab.server", "serve", "--name", server.endpoint]
            if server.host != "0.0.0.0":
                argv += ["--host", server.host]
            if server.tcp:
                argv += ["--tcp", ",".join(map(str, server.tcp))]
            if server.udp:
                argv += ["--udp", ",".join(map(str, server.udp))]
            self.spawn(
                "server", server.netns, [*argv, "--ready", str(ready)], f"server-{server.netns}.log"
            )
        for proxy in self.plan.proxies:
            ready = self.directory / f"ready-{proxy.netns}-{proxy.mode}"
            self.ready.append(ready)
            argv = [
                self.python,
                "-m",
                "crossfence.lab.server",
                proxy.mode,
                "--name",
                proxy.endpoint,
            ]
            for address, port in proxy.listen:
                argv += ["--listen", f"{address}:{port}"]
            if proxy.backend is not None:
                argv += ["--backend", f"{proxy.backend[0]}:{proxy.backend[1]}"]
            if proxy.source is not None:
                argv += ["--source", proxy.source]
            self.spawn(
                proxy.mode,
                proxy.netns,
                [*argv, "--ready", str(ready)],
                f"{proxy.mode}-{proxy.netns}.log",
            )

    def envoys(self) -> None:
        """The mesh's certificates (a lab CA, a SPIFFE certificate per identity), the IAP key and
        tokens, then the Envoys; each is ready when its admin socket (a unix socket in the lab's
        folder) is."""
        if not self.plan.envoys and not self.plan.iap:
            return
        assert self.envoy is not None
        self.iap_envoys()
        pki = Pki(self.system, self.directory)
        pki.create()
        for spec in self.plan.envoys:
            if spec.identity is not None:
                pki.identity(spec.identity)
        for spec in self.plan.envoys:
            short = spec.netns.removeprefix("cf-")
            config = self.directory / f"envoy-{short}.json"
            self.system.write(config, spec.config)
            if len(spec.admin.encode()) > _UNIX_PATH:
                raise UnsupportedError(
                    f"{spec.admin}: the lab's folder is too deep for a unix socket (at most "
                    f"{_UNIX_PATH} bytes): choose a shorter CROSSFENCE_LAB_DIR"
                )
            self.ready.append(Path(spec.admin))
            self.spawn(
                f"envoy {spec.role}",
                spec.netns,
                [
                    self.envoy,
                    "-c",
                    str(config),
                    "--concurrency",
                    "1",
                    "--disable-hot-restart",
                    "-l",
                    "warning",
                ],
                f"envoy-{short}.log",
            )

    def iap_envoys(self) -> None:
        """Load balancers that sign (IAP) or verify IAP's header: the lab's signing key, its
        JWKS and the tokens, then their Envoys."""
        if not self.plan.iap:
            return
        signer = LabSigner(self.system, self.directory / "pki")
        signer.create()
        for n, spec in enumerate(self.plan.iap):
            assertion = issue(signer, spec, self.directory)
            admin = self.directory / f"iap{n}.admin"
            short = f"{spec.netns.removeprefix('cf-')}-{spec.role}"
            config = self.directory / f"envoy-{short}.json"
            self.system.write(config, jwt_config(spec, signer.jwks_path, admin, assertion))
            self.ready.append(admin)
            self.spawn(
                f"envoy {spec.role}",
                spec.netns,
                [
                    *(self.envoy or "envoy", "-c", str(config), "--concurrency", "1"),
                    *("--disable-hot-restart", "-l", "warning"),
                ],
                f"envoy-{short}.log",
            )

    def wait_ready(self) -> None:
        self.wait_for(self.ready, "the lab's servers and proxies")

    def wait_bgp(self) -> None:
        """Every session established, then every BIRD router's table unchanged for a second."""
        if not self.plan.birds:
            return
        deadline = time.monotonic() + _BGP_TIMEOUT
        while time.monotonic() < deadline:
            states = bgp_states(self.system, self.directory, self.plan.summary())
            if states and all(s == "Established" for s in states.values()):
                break
            time.sleep(0.05)
        # updates follow an established session within milliseconds: the routers' tables
        # unchanged for _SETTLE seconds means BIRD is done
        previous: str | None = None
        stable_since = time.monotonic()
        settle = time.monotonic() + 15.0
        while time.monotonic() < settle:
            current = self.route_digest()
            if current != previous:
                previous, stable_since = current, time.monotonic()
            elif time.monotonic() - stable_since >= _SETTLE:
                return
            time.sleep(0.1)

    def route_digest(self) -> str:
        digest = hashlib.sha256()
        for bird in self.plan.birds:
            done = self.system.run(["ip", "-n", bird.netns, "route", "show"], check=False)
            digest.update(done.stdout.encode())
        return digest.hexdigest()


def up(
    path: Path,
    name: str,
    *,
    system: System | None = None,
    root: Path | None = None,
    progress: Progress | None = None,
    keep: bool = False,
    mesh: bool = True,
    wait: bool = True,
) -> UpResult:
    """Build the estate of the blueprint at `path` as lab `name`; on failure the half-built lab
    is removed (unless `keep`: then `down` removes it). The mesh runs on Envoy when Envoy is
    found (and `mesh`). Without `wait` it returns once every daemon runs, before BGP has
    converged."""
    from ..estate import build_topology, load
    from .planner import make_plan

    validate_name(name)
    system = system or HostSystem()
    directory = lab_dir(name, root)
    if State.load(directory) is not None:
        raise QueryError.single(
            f"lab {name!r} is already up (its state is in {directory}): run "
            f"`crossfence lab down {path} --name {name}` first"
        )
    report = _quiet(progress)
    start = time.monotonic()
    report("reading the blueprint")
    blueprint = load(path)
    topology = build_topology(blueprint)
    envoy = envoy_binary() if mesh else None
    plan = make_plan(blueprint, topology, name, directory, mesh=envoy is not None)
    preflight(system, plan)
    state = State.create(directory, name, str(Path(path).resolve()))
    state.set("plan", plan.summary())
    builder = _Up(system, state, plan, report, sys.executable, envoy, wait)
    try:
        builder.run()
    except BaseException:
        state.set("phase", "failed")
        if not keep:
            down(name, system=system, root=root)
        raise
    state.set("phase", "up")
    timings = {"plan": 0.0, **builder.timings}
    timings["total"] = round(time.monotonic() - start, 2)
    state.set("timings", timings)
    bgp = bgp_states(system, directory, plan.summary()) if plan.birds else {}
    return UpResult(
        name, directory, len(plan.namespaces), builder.daemons, timings, plan.notes, bgp
    )
