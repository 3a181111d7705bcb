"""Thin asyncio transports for the edge: UDP, TCP and TLS. They move bytes, nothing more.

A *flow* is how to reach the other side again: for UDP the remote address
(through our socket), for TCP/TLS the connection itself. Phones behind NAT
are reached by sending back along the flow their REGISTER arrived on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import Callable

from tongdai.sip.errors import SipError
from tongdai.sip.framing import StreamFramer

try:
    from tongdai.edge import udpio
except ImportError:  # not compiled: one system call per datagram
    udpio = None

log = logging.getLogger(__name__)

KEEPALIVE = b"\r\n\r\n"
IDLE_TIMEOUT = 900.0  # seconds a TCP/TLS connection may stay silent (phones refresh sooner)
BATCH = 32  # datagrams read per wakeup of the loop (udpio's batch)
Receiver = Callable[[bytes, "UdpFlow | Connection"], None]


class UdpFlow:
    __slots__ = ("endpoint", "remote")
    transport = "UDP"
    reliable = False

    def __init__(self, endpoint: UdpEndpoint, remote: tuple[str, int]) -> None:
        self.endpoint = endpoint
        self.remote = remote

    def send(self, data: bytes) -> None:
        self.endpoint.sendto(data, self.remote)

    @property
    def alive(self) -> bool:
        return self.endpoint.transport is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UdpFlow) and other.remote == self.remote

    def __hash__(self) -> int:
        return hash(self.remote)

    def __repr__(self) -> str:
        return f"udp:{self.remote[0]}:{self.remote[1]}"


class UdpEndpoint:
    """The UDP socket, read when the loop says it is readable: up to BATCH datagrams per
    wakeup, and the answers they cause sent together afterwards (`udpio`: one system call
    each way). A datagram transport would make a callback and a system call per datagram."""

    def __init__(self, receive: Receiver, after_batch: Callable[[], None] = lambda: None) -> None:
        self.receive = receive
        self.after_batch = after_batch  # once per batch, not per datagram: timers
        self.transport: socket.socket | None = None  # None: closed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batch = None
        self._out: list[tuple[bytes, tuple[str, int]]] | None = None  # a list while batching

    def start(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        sock.setblocking(False)
        if udpio is not None and sock.family == socket.AF_INET:
            self._batch = udpio.UdpBatch(sock.fileno())
        self.transport, self._loop = sock, loop
        loop.add_reader(sock.fileno(), self._readable)

    def close(self) -> None:
        if self.transport is not None:
            self._loop.remove_reader(self.transport.fileno())
            self.transport = None

    def _recv(self) -> list[tuple[bytes, tuple]]:
        if self._batch is not None:
            return self._batch.recv()
        out = []
        for _ in range(BATCH):
            try:
                data, addr = self.transport.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                continue  # an ICMP error reported on the socket: qualify notices
            out.append((data, addr[:2]))
        return out

    def _readable(self) -> None:
        if self.transport is None:
            return
        self._out = out = []
        try:
            for data, addr in self._recv():
                try:
                    self.receive(data, UdpFlow(self, addr))
                except Exception:  # one bad datagram must not cost the others in the batch
                    log.exception("UDP datagram from %s:%s", *addr)
        finally:
            self._out = None
            if out:
                self._send(out)
        self.after_batch()

    def _send(self, items: list[tuple[bytes, tuple[str, int]]]) -> None:
        if self._batch is not None:
            items = self._batch.send(items)  # hands back what it could not send
        for data, addr in items:
            self.sendto(data, addr)

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._out is not None:
            self._out.append((data, addr))
        elif self.transport is not None:
            try:
                self.transport.sendto(data, addr)
            except OSError as exc:  # UDP may lose a datagram; SIP retransmits
                log.debug("UDP to %s:%s: %s", addr[0], addr[1], exc)

    def flow(self, remote: tuple[str, int]) -> UdpFlow:
        return UdpFlow(self, remote)


_ids = itertools.count(1)


class Connection(asyncio.Protocol):
    """One TCP or TLS connection: framed by Content-Length, answered keep-alives."""

    reliable = True

    def __init__(
        self,
        transport_name: str,
        receive: Receiver,
        registry: dict[int, Connection],
        admit: Callable[[str], bool],
    ) -> None:
        self.transport_name = transport_name
        self.receive = receive
        self.registry = registry
        self.admit = admit
        self.id = next(_ids)
        self.framer = StreamFramer()
        self.remote: tuple[str, int] = ("", 0)
        self._transport: asyncio.Transport | None = None
        self._idle: asyncio.TimerHandle | None = None

    @property
    def transport(self) -> str:
        return self.transport_name

    @property
    def alive(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    def connection_made(self, transport) -> None:
        self._transport = transport
        self.remote = transport.get_extra_info("peername")[:2]
        if not self.admit(self.remote[0]):
            transport.abort()
            self._transport = None
            return
        self.registry[self.id] = self
        self._touch()

    def connection_lost(self, exc) -> None:
        self.registry.pop(self.id, None)
        self._transport = None
        if self._idle is not None:
            self._idle.cancel()

    def data_received(self, data: bytes) -> None:
        self._touch()
        try:
            frames = self.framer.feed(data)
        except SipError as err:
            log.debug("closing %r: %s", self, err.reason)
            self.close()
            return
        for frame in frames:
            if frame == KEEPALIVE:
                self.send(b"\r\n")  # RFC 5626 pong
            elif self._transport is not None:
                self.receive(frame, self)

    def send(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _touch(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        loop = asyncio.get_running_loop()
        self._idle = loop.call_later(IDLE_TIMEOUT, self.close)

    def __repr__(self) -> str:
        return f"{self.transport_name.lower()}#{self.id}:{self.remote[0]}:{self.remote[1]}"
