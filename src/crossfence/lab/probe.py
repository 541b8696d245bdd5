"""Real connections from a namespace: the prober that runs inside it, and the batches the lab hands to it.

    ip netns exec NS python -m crossfence.lab.probe < probes.json > results.json

Each probe opens one TCP connection (or sends one UDP datagram) to an address and port, from a
given source address if any, through an east-west gateway if asked (its first line names the
target), sends `CF <token>` and waits for `CF-OK <name> <token>`: the name says who answered. The
outcome is `answered`, or why not: `refused` (a TCP reset or an ICMP port unreachable: the packet
got there, nothing listens), `unreachable` (an ICMP error from a router: no route), `blocked`
(a filter of the sending namespace refused it), `timeout` (dropped somewhere), `closed` (a proxy
accepted the connection and closed it without an answer: a sidecar whose mTLS or authorization
said no), `rejected` (an HTTP error status instead of the answer: a sidecar's RBAC, 403).
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from .server import PROBE_HEADER
from .system import System

__all__ = ["Probe", "ProbeResult", "main", "run_batches"]

TIMEOUT = 1.5


@dataclass(frozen=True)
class Probe:
    """One connection attempt."""

    id: str
    protocol: str
    address: str
    port: int
    source: str | None = None
    via: tuple[str, int] | None = None
    """An east-west gateway the connection goes through (its address and port)."""
    request: tuple[str, str] | None = None
    """An HTTP request (method, path) to send instead of the plain line."""
    headers: tuple[tuple[str, str], ...] = ()
    """Headers of that request (a bearer token, IAP's signed header)."""


@dataclass(frozen=True)
class ProbeResult:
    """What one probe saw."""

    id: str
    outcome: str
    answer: str | None = None
    detail: str = ""
    seconds: float = 0.0


def _why(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError) or error.errno == errno.ECONNREFUSED:
        return "refused"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "blocked"  # a filter of the sending namespace itself
    if error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreachable"
    if isinstance(error, ConnectionResetError):
        return "reset"
    return "error"


async def _tcp(probe: Probe, timeout: float) -> tuple[str, str | None, str]:
    host, port = probe.via if probe.via else (probe.address, probe.port)
    local = (probe.source, 0) if probe.source else None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, local_addr=local), timeout
        )
    except TimeoutError:
        return "timeout", None, f"no answer to the connection to {host}:{port}"
    except OSError as error:
        return _why(error), None, f"{host}:{port}: {error.strerror or error}"
    try:
        if probe.via:
            writer.write(f"CF-TARGET {probe.address} {probe.port}\n".encode())
        if probe.request is not None:
            method, path = probe.request
            extra = "".join(f"{key}: {value}\r\n" for key, value in probe.headers)
            writer.write(
                f"{method} {path} HTTP/1.1\r\nhost: {probe.address}:{probe.port}\r\n"
                f"{PROBE_HEADER}: {probe.id}\r\n{extra}connection: close\r\n\r\n".encode()
            )
        else:
            writer.write(f"CF {probe.id}\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        if probe.request is not None:
            status = line.decode(errors="replace").split()
            if not status:
                return "closed", None, "the connection closed without an answer"
            if len(status) < 2 or status[1] != "200":
                code = status[1] if len(status) > 1 else "none"
                body = await asyncio.wait_for(reader.read(300), timeout)
                text = body.decode(errors="replace").split("\r\n\r\n")[-1].strip()
                return "rejected", None, f"HTTP {code}: {text[:120]}"
            while (await asyncio.wait_for(reader.readline(), timeout)).strip():
                pass  # the headers
            line = await asyncio.wait_for(reader.readline(), timeout)
    except TimeoutError:
        return "timeout", None, "connected, no answer"
    except OSError as error:
        return _why(error), None, str(error)
    finally:
        writer.close()
    words = line.decode(errors="replace").split()
    if len(words) == 3 and words[0] == "CF-OK" and words[2] == probe.id:
        return "answered", words[1], ""
    return "closed", None, "the connection closed without an answer"


async def _udp(probe: Probe, timeout: float) -> tuple[str, str | None, str]:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            if probe.source:
                sock.bind((probe.source, 0))
            # a connected socket hears the ICMP errors its datagrams cause
            sock.connect((probe.address, probe.port))
            await loop.sock_sendall(sock, f"CF {probe.id}".encode())
            data = await asyncio.wait_for(loop.sock_recv(sock, 512), timeout)
        except TimeoutError:
            return "timeout", None, "no answer to the datagram"
        except OSError as error:
            return _why(error), None, str(error.strerror or error)
    words = data.decode(errors="replace").split()
    if len(words) == 3 and words[0] == "CF-OK" and words[2] == probe.id:
        return "answered", words[1], ""
    return "closed", None, "an answer that is not the lab's"


async def _one(probe: Probe, timeout: float) -> ProbeResult:
    start = time.monotonic()
    run = _udp if probe.protocol == "udp" else _tcp
    outcome, answer, detail = await run(probe, timeout)
    return ProbeResult(probe.id, outcome, answer, detail, round(time.monotonic() - start, 3))


async def _all(probes: list[Probe], timeout: float) -> list[ProbeResult]:
    return list(await asyncio.gather(*(_one(p, timeout) for p in probes)))


def main() -> None:
    request = json.load(sys.stdin)
    probes = [
        Probe(
            p["id"],
            p["protocol"],
            p["address"],
            int(p["port"]),
            p.get("source"),
            (str(p["via"][0]), int(p["via"][1])) if p.get("via") else None,
            (str(p["request"][0]), str(p["request"][1])) if p.get("request") else None,
            tuple((str(k), str(v)) for k, v in p.get("headers") or ()),
        )
        for p in request["probes"]
    ]
    results = asyncio.run(_all(probes, float(request.get("timeout", TIMEOUT))))
    json.dump([asdict(r) for r in results], sys.stdout)


def run_batches(
    system: System,
    batches: Mapping[str, Sequence[Probe]],
    python: str,
    timeout: float = TIMEOUT,
) -> dict[str, ProbeResult]:
    """Run each namespace's probes in a prober inside it, every namespace at once."""

    def batch(netns: str, probes: Sequence[Probe]) -> list[ProbeResult]:
        payload: dict[str, Any] = {
            "timeout": timeout,
            "probes": [{**asdict(p), "via": list(p.via) if p.via else None} for p in probes],
        }
        done = system.run(
            ["ip", "netns", "exec", netns, python, "-m", "crossfence.lab.probe"],
            input=json.dumps(payload),
            timeout=timeout * 4 + 30,
        )
        return [ProbeResult(**r) for r in json.loads(done.stdout or "[]")]

    results: dict[str, ProbeResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(32, len(batches)))) as pool:
        futures = [pool.submit(batch, netns, probes) for netns, probes in batches.items() if probes]
        for future in futures:
            for result in future.result():
                results[result.id] = result
    return results


if __name__ == "__main__":
    main()
