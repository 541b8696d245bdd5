"""The lab's only door to the machine: run a command, start and stop a daemon, write a file (and an in-memory fake)."""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..errors import CrossfenceError

__all__ = [
    "CommandError",
    "Completed",
    "FakeSystem",
    "HostSystem",
    "ProcessInfo",
    "System",
    "process_start_time",
]


class CommandError(CrossfenceError):
    """A command the lab ran failed: what it ran and what it said."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"{' '.join(argv)} exited {returncode}: {stderr.strip()[:500]}")


@dataclass(frozen=True)
class Completed:
    """What a finished command gave back."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class ProcessInfo:
    """A daemon the lab started: enough to recognise it later (its pid may be reused)."""

    pid: int
    start: int | None
    """Its start time in clock ticks since boot (`/proc/<pid>/stat` field 22)."""
    argv: tuple[str, ...]


def process_start_time(pid: int) -> int | None:
    """The start time of a live process (None when there is no such process, or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: fields follow the last ')'
    fields = text[text.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


class System(Protocol):
    """What the lab asks of the machine. Everything that touches the network goes through
    `run` with `ip netns exec` or `ip -n`: the lab never opens a socket of the host itself."""

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> Completed: ...

    def spawn(self, argv: Sequence[str], log: Path) -> ProcessInfo: ...

    def alive(self, process: ProcessInfo) -> bool: ...

    def stop(self, process: ProcessInfo, grace: float = 3.0) -> None: ...

    def which(self, binary: str) -> str | None: ...

    def write(self, path: Path, text: str, mode: int = 0o600) -> None: ...

    def remove(self, path: Path) -> None: ...

    def exists(self, path: Path) -> bool: ...

    def identity(self) -> tuple[str, int]:
        """(operating system, effective user id)."""
        ...

    def find(self, argv: Sequence[str]) -> list[ProcessInfo]: ...


class HostSystem:
    """The real machine."""

    def __init__(self) -> None:
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> Completed:
        result = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
        done = Completed(tuple(argv), result.returncode, result.stdout, result.stderr)
        if check and result.returncode != 0:
            raise CommandError(argv, result.returncode, result.stderr or result.stdout)
        return done

    def spawn(self, argv: Sequence[str], log: Path) -> ProcessInfo:
        with log.open("ab") as sink:
            child = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives `lab up`; a Ctrl-C of the CLI does not reach it
            )
        self._children[child.pid] = child
        return ProcessInfo(child.pid, process_start_time(child.pid), tuple(argv))

    def alive(self, process: ProcessInfo) -> bool:
        """The process is running and is the one the lab started: same start time, and the
        command line it was given (so a reused pid is never taken for it)."""
        start = process_start_time(process.pid)
        if start is None or (process.start is not None and start != process.start):
            return False
        try:
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        words = [w.decode(errors="replace") for w in cmdline if w]
        # `ip netns exec NS cmd...` execs cmd in the same process: its command line is the tail
        tail = list(process.argv)
        if tail[:3] == ["ip", "netns", "exec"]:
            tail = tail[4:]
        return words[-len(tail) :] == tail if tail else True

    def stop(self, process: ProcessInfo, grace: float = 3.0) -> None:
        if not self.alive(process):
            self._reap(process.pid)
            return
        os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            self._reap(process.pid)
            if process_start_time(process.pid) is None:
                return
            time.sleep(0.02)
        if self.alive(process):
            os.kill(process.pid, signal.SIGKILL)
        for _ in range(100):
            self._reap(process.pid)
            if process_start_time(process.pid) is None:
                return
            time.sleep(0.02)

    def _reap(self, pid: int) -> None:
        child = self._children.get(pid)
        if child is not None and child.poll() is not None:
            del self._children[pid]

    def which(self, binary: str) -> str | None:
        return shutil.which(binary)

    def write(self, path: Path, text: str, mode: int = 0o600) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def exists(self, path: Path) -> bool:
        return path.exists()

    def identity(self) -> tuple[str, int]:
        return platform.system(), os.geteuid()

    def find(self, argv: Sequence[str]) -> list[ProcessInfo]:
        """Running processes whose command line is exactly `argv` (its `ip netns exec` prefix
        dropped): for a daemon the lab wrote down but died before it learned its pid."""
        tail = list(argv)
        if tail[:3] == ["ip", "netns", "exec"]:
            tail = tail[4:]
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                words = [
                    w.decode(errors="replace")
                    for w in (entry / "cmdline").read_bytes().split(b"\0")
                    if w
                ]
            except OSError:
                continue
            if words == tail or words == list(argv):
                pid = int(entry.name)
                found.append(ProcessInfo(pid, process_start_time(pid), tuple(argv)))
        return found


Responder = Callable[[tuple[str, ...], str | None], Completed | None]


@dataclass
class FakeSystem:
    """Records every command instead of running it; `responders` answer the ones a test
    scripts (the first that returns a result wins), every other command succeeds silently."""

    calls: list[tuple[str, ...]] = field(default_factory=list)
    inputs: dict[int, str] = field(default_factory=dict)
    """Call index -> the text given on its standard input."""
    files: dict[str, str] = field(default_factory=dict)
    spawned: list[ProcessInfo] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    responders: list[Responder] = field(default_factory=list)
    binaries: set[str] = field(
        default_factory=lambda: {
            "ip",
            "nft",
            "sysctl",
            "wg",
            "wireguard-go",
            "bird",
            "birdc",
            "openssl",
        }
    )
    os: str = "Linux"
    euid: int = 0
    _next_pid: int = 40000

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        check: bool = True,
        timeout: float = 60.0,
    ) -> Completed:
        call = tuple(argv)
        if input is not None:
            self.inputs[len(self.calls)] = input
        self.calls.append(call)
        for responder in self.responders:
            answer = responder(call, input)
            if answer is not None:
                if check and answer.returncode != 0:
                    raise CommandError(call, answer.returncode, answer.stderr)
                return answer
        return Completed(call, 0, "", "")

    def spawn(self, argv: Sequence[str], log: Path) -> ProcessInfo:
        self._next_pid += 1
        info = ProcessInfo(self._next_pid, 1, tuple(argv))
        self.calls.append(("spawn", *argv))
        self.spawned.append(info)
        return info

    def alive(self, process: ProcessInfo) -> bool:
        return process.pid not in self.stopped and process in self.spawned

    def stop(self, process: ProcessInfo, grace: float = 3.0) -> None:
        if self.alive(process):
            self.stopped.append(process.pid)

    def which(self, binary: str) -> str | None:
        return f"/usr/bin/{binary}" if binary in self.binaries else None

    def write(self, path: Path, text: str, mode: int = 0o600) -> None:
        self.files[str(path)] = text

    def remove(self, path: Path) -> None:
        self.files.pop(str(path), None)

    def exists(self, path: Path) -> bool:
        return True

    def identity(self) -> tuple[str, int]:
        return self.os, self.euid

    def find(self, argv: Sequence[str]) -> list[ProcessInfo]:
        return [p for p in self.spawned if p.argv == tuple(argv) and self.alive(p)]
