"""The lab's tiny daemons, run inside a namespace: a server that says who it is, a load balancer, an east-west gateway.

    python -m crossfence.lab.server serve --name vault --tcp 8200,22 --udp 53 --ready FILE
    python -m crossfence.lab.server lb --name scw-edge --listen 51.15.0.10:443 \
        --backend 100.64.0.10:8443 --source 172.16.0.50 --ready FILE
    python -m crossfence.lab.server eastwest --name gw --listen 172.16.0.100:15443 --ready FILE

A probe sends `CF <token>`; the server answers `CF-OK <name> <token>`, over TCP (a line) or UDP
(a datagram), so the prober knows which endpoint answered, through any proxy. On a port the mesh
reads as HTTP the probe sends an HTTP request with the token in an `x-crossfence-probe` header,
and the answer comes as the body of a 200. A load balancer
relays each connection to its backend from its own address; an east-west gateway reads the
target of a connection from its first line (`CF-TARGET <address> <port>`, what SNI tells an Istio
east-west gateway) and relays the rest to it. Only the standard library: it starts fast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path
from typing import cast

__all__ = ["PROBE_HEADER", "main"]

_TIMEOUT = 5.0
PROBE_HEADER = "x-crossfence-probe"


async def _answer(name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        line = await asyncio.wait_for(reader.readline(), _TIMEOUT)
        words = line.decode(errors="replace").split()
        if len(words) == 2 and words[0] == "CF":
            writer.write(f"CF-OK {name} {words[1]}\n".encode())
            await writer.drain()
        elif len(words) == 3 and words[2].startswith("HTTP/"):
            # an HTTP request (a port the mesh reads as HTTP): the token is in a header
            token = ""
            while header := (await asyncio.wait_for(reader.readline(), _TIMEOUT)).strip():
                key, _, value = header.decode(errors="replace").partition(":")
                if key.strip().lower() == PROBE_HEADER:
                    token = value.strip()
            body = f"CF-OK {name} {token}\n".encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()
        await writer.wait_closed()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, name: str) -> None:
        self.name = name
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # the selector loop's datagram transport does not derive from DatagramTransport
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        words = data.decode(errors="replace").split()
        if len(words) == 2 and words[0] == "CF" and self.transport is not None:
            self.transport.sendto(f"CF-OK {self.name} {words[1]}".encode(), addr)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


async def _relay(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    host: str,
    port: int,
    source: str | None,
    first: bytes = b"",
) -> None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, local_addr=(source, 0) if source else None),
            _TIMEOUT,
        )
    except (OSError, TimeoutError):
        client_writer.close()
        return
    if first:
        writer.write(first)
    await asyncio.gather(_pipe(client_reader, writer), _pipe(reader, client_writer))


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


async def _run(args: argparse.Namespace) -> None:
    servers: list[asyncio.AbstractServer] = []
    loop = asyncio.get_running_loop()
    if args.mode == "serve":
        for port in args.tcp:
            servers.append(
                await asyncio.start_server(
                    lambda r, w: _answer(args.name, r, w), args.host, port, reuse_address=True
                )
            )
        for port in args.udp:
            await loop.create_datagram_endpoint(
                lambda: _Datagrams(args.name), local_addr=("0.0.0.0", port)
            )
    elif args.mode == "lb":
        host, port = _address(args.backend)

        async def balance(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            await _relay(r, w, host, port, args.source)

        for listen in args.listen:
            address, number = _address(listen)
            servers.append(await asyncio.start_server(balance, address, number, reuse_address=True))
    else:

        async def gateway(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                line = await asyncio.wait_for(r.readline(), _TIMEOUT)
            except (OSError, TimeoutError):
                w.close()
                return
            words = line.decode(errors="replace").split()
            if len(words) != 3 or words[0] != "CF-TARGET":
                w.close()
                return
            sock = w.get_extra_info("sockname")
            await _relay(r, w, words[1], int(words[2]), sock[0] if sock else None)

        for listen in args.listen:
            address, number = _address(listen)
            servers.append(await asyncio.start_server(gateway, address, number, reuse_address=True))
    if args.ready:
        Path(args.ready).write_text("ready\n")
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


def _ports(text: str) -> list[int]:
    return [int(p) for p in text.split(",") if p]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="crossfence.lab.server")
    parser.add_argument("mode", choices=("serve", "lb", "eastwest"))
    parser.add_argument("--name", required=True)
    parser.add_argument("--tcp", type=_ports, default=[])
    parser.add_argument("--udp", type=_ports, default=[])
    parser.add_argument("--listen", action="append", default=[])
    parser.add_argument("--backend")
    parser.add_argument("--source")
    parser.add_argument("--ready")
    parser.add_argument("--host", default="0.0.0.0", help="Where TCP ports listen.")
    asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
