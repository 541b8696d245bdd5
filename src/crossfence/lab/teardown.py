"""`down`: remove exactly what a lab's state file lists, daemons first (by the pid recorded, once /proc shows the same process), safe to run twice and after a crash."""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .state import State, lab_dir, validate_name
from .system import CommandError, HostSystem, ProcessInfo, System

__all__ = ["DownResult", "down", "netns_list"]


@dataclass
class DownResult:
    """What `down` removed."""

    name: str
    found: bool
    processes: int = 0
    namespaces: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


def netns_list(system: System) -> set[str]:
    done = system.run(["ip", "-j", "netns", "list"], check=False)
    try:
        return {str(n["name"]) for n in json.loads(done.stdout or "[]")}
    except ValueError:
        return set()


def down(name: str, *, system: System | None = None, root: Path | None = None) -> DownResult:
    """Remove exactly what the lab's state file lists; nothing to do when there is none."""
    validate_name(name)
    system = system or HostSystem()
    directory = lab_dir(name, root)
    state = State.load(directory)
    if state is None:
        return DownResult(name, False)
    result = DownResult(name, True)
    records = list(reversed(state.of_kind("process")))
    running: list[ProcessInfo] = []
    for record in records:
        argv = tuple(record.details.get("argv", ()))
        pid = record.details.get("pid")
        if pid is None:
            candidates = system.find(argv)
        else:
            candidates = [ProcessInfo(int(pid), record.details.get("start"), argv)]
        running += [p for p in candidates if system.alive(p)]
    # every daemon at once: each stop waits for its process to go
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(system.stop, running))
    result.processes = len(running)
    for record in records:
        state.forget(record)
    existing = netns_list(system)
    for record in reversed(state.of_kind("netns")):
        if record.name in existing:
            try:
                system.run(["ip", "netns", "delete", record.name])
                result.namespaces += 1
            except CommandError as error:
                result.problems.append(str(error))
                continue
        state.forget(record)
    for record in state.of_kind("links"):
        state.forget(record)
    for record in reversed(state.of_kind("socket")):
        path = Path(record.name)
        if system.exists(path):
            system.remove(path)
            result.files += 1
        state.forget(record)
    for record in reversed(state.of_kind("dir")):
        path = Path(record.name)
        with contextlib.suppress(OSError):
            path.rmdir()  # only when empty: another lab's sockets keep it
        state.forget(record)
    if result.problems:
        return result
    result.files += state.remove_folder()
    return result
