"""The edge's UDP endpoint: batched reads and writes, with udpio (compiled) and without it."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest
from tongdai.edge import transport
from tongdai.edge.transport import UdpEndpoint

try:
    from tongdai.edge import udpio
except ImportError:
    udpio = None

needs_udpio = pytest.mark.skipif(
    udpio is None and os.environ.get("TONGDAI_REQUIRE_COMPILED") != "1",
    reason="udpio is not compiled",
)


def udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def drain(sock: socket.socket, count: int) -> list[tuple[bytes, tuple]]:
    sock.settimeout(2)
    return [sock.recvfrom(65536) for _ in range(count)]


@needs_udpio
def test_udp_batch_receives_up_to_32_with_their_source_and_sends_many():
    server, phone, other = udp_socket(), udp_socket(), udp_socket()
    with server, phone, other:
        server.setblocking(False)
        batch = udpio.UdpBatch(server.fileno())
        assert batch.recv() == []
        for i in range(40):
            (phone if i % 3 else other).sendto(b"m%d" % i, server.getsockname())
        first, second = batch.recv(), batch.recv()
        assert len(first) == 32 and len(second) == 8 and batch.recv() == []
        got = first + second
        assert [d for d, _ in got] == [b"m%d" % i for i in range(40)]
        assert [a for _, a in got] == [(phone if i % 3 else other).getsockname() for i in range(40)]
        big = os.urandom(60000)
        phone.sendto(big, server.getsockname())
        assert batch.recv() == [(big, phone.getsockname())]

        items = [(b"r%d" % i, phone.getsockname()) for i in range(50)]
        refused = [(b"x", ("phone.example", 5060)), (b"y", ("127.0.0.1", 0))]
        assert batch.send(items[:20] + refused + items[20:]) == refused
        received = drain(phone, 50)
        assert [d for d, _ in received] == [d for d, _ in items]
        assert {a for _, a in received} == {server.getsockname()}


@pytest.mark.parametrize("compiled", [True, False])
def test_endpoint_answers_a_batch_after_reading_it(monkeypatch, compiled):
    if compiled and udpio is None:
        pytest.skip("udpio is not compiled")
    if not compiled:
        monkeypatch.setattr(transport, "udpio", None)
    server, phone = udp_socket(), udp_socket()
    batches, seen = [], []

    def receive(data: bytes, flow) -> None:
        seen.append((data, flow.remote))
        if data == b"boom":
            raise ValueError("a bug in the edge")
        flow.send(b"re:" + data)

    endpoint = UdpEndpoint(receive, lambda: batches.append(len(seen)))

    async def main() -> list[bytes]:
        endpoint.start(asyncio.get_running_loop(), server)
        for data in (b"one", b"boom", b"two"):
            phone.sendto(data, server.getsockname())
        await asyncio.sleep(0.2)
        # Each answer left after its batch was read: none is waiting for another datagram.
        answers = [d for d, _ in drain(phone, 2)]
        endpoint.flow(phone.getsockname()).send(b"later")  # outside a batch: at once
        answers.append(drain(phone, 1)[0][0])
        endpoint.close()
        assert not endpoint.flow(phone.getsockname()).alive
        return answers

    with server, phone:
        answers = asyncio.run(main())
        assert seen == [(d, phone.getsockname()) for d in (b"one", b"boom", b"two")]
    assert answers == [b"re:one", b"re:two", b"later"]
    assert batches and batches[-1] == 3
    assert (udpio is not None and compiled) == (endpoint._batch is not None)
