"""`status`: a lab's namespaces and daemons (alive or not), its BGP sessions as BIRD sees them, its tunnels' handshakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .state import State, lab_dir, validate_name
from .system import HostSystem, ProcessInfo, System
from .teardown import netns_list

__all__ = ["bgp_states", "status"]


def bgp_states(system: System, directory: Path, summary: dict[str, Any]) -> dict[str, str]:
    """BGP session (`network/protocol`) -> BIRD's state of it (`Established`, `Active`, ...)."""
    out: dict[str, str] = {}
    for bird in summary.get("birds", []):
        control = directory / f"bird-{str(bird['netns']).removeprefix('cf-')}.ctl"
        done = system.run(["birdc", "-s", str(control), "show", "protocols"], check=False)
        seen = {}
        for line in done.stdout.splitlines():
            words = line.split()
            if len(words) >= 6 and words[1] == "BGP":
                seen[words[0]] = words[5]
            elif len(words) >= 4 and words[1] == "BGP":
                seen[words[0]] = words[3]
        for session in bird["sessions"]:
            out[f"{bird['network']}/{session}"] = seen.get(session, "down")
    return out


def status(name: str, *, system: System | None = None, root: Path | None = None) -> dict[str, Any]:
    """The lab's state: its namespaces and daemons (alive or not), BGP sessions, tunnels."""
    validate_name(name)
    system = system or HostSystem()
    directory = lab_dir(name, root)
    state = State.load(directory)
    if state is None:
        return {"name": name, "up": False}
    existing = netns_list(system)
    namespaces = state.of_kind("netns")
    processes = []
    for record in state.of_kind("process"):
        pid = record.details.get("pid")
        alive = pid is not None and system.alive(
            ProcessInfo(
                int(pid), record.details.get("start"), tuple(record.details.get("argv", ()))
            )
        )
        processes.append(
            {"role": record.name, "netns": record.details.get("netns"), "pid": pid, "alive": alive}
        )
    summary = state.data.get("plan", {})
    bgp = bgp_states(system, directory, summary) if summary.get("birds") else {}
    tunnels = {}
    for tunnel in summary.get("tunnels", []):
        handshakes = []
        for side in tunnel["sides"]:
            done = system.run(["wg", "show", side["ifname"], "latest-handshakes"], check=False)
            words = done.stdout.split()
            handshakes.append(int(words[1]) if len(words) >= 2 and words[1].isdigit() else 0)
        tunnels[tunnel["name"]] = "up" if all(h > 0 for h in handshakes) else "no handshake"
    return {
        "name": name,
        "up": True,
        "phase": state.data.get("phase"),
        "blueprint": state.data.get("blueprint"),
        "directory": str(directory),
        "namespaces": {
            "recorded": len(namespaces),
            "present": sum(1 for r in namespaces if r.name in existing),
        },
        "processes": processes,
        "bgp": bgp,
        "tunnels": tunnels,
        "timings": state.data.get("timings", {}),
        "notes": summary.get("notes", []),
    }
