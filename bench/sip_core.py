"""The SIP edge's REGISTER path in process: messages per CPU-second, no sockets.

Feeds what SIPp sends in bench/sip_register.py straight to `Edge.receive`, the
way the UDP transport does (a new flow per datagram, then the next deadline):
for each of 1,000 users a REGISTER answered with a 401 challenge, then the
same REGISTER with MD5 digest credentials answered with 200 OK. Timers fire
and bindings are taken for the database as the service would (the SQLite
write itself is left out). Only the edge's work is timed: building each
authenticated message (the phone's side) is not. The simulated clock moves
100 microseconds per message.

    PYTHONPATH=firmware .venv/bin/python bench/sip_core.py [--messages 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import secrets
import time

from tongdai.edge.core import Edge, EdgeConfig
from tongdai.edge.guard import GuardConfig
from tongdai.edge.transport import UdpEndpoint, UdpFlow
from tongdai.sip.digest import response_for
from tongdai.sip.fields import parse_credentials

SERVER = ("127.0.0.1", 5060)
PHONES = ("127.0.0.1", 5099)  # SIPp sends every call from one port
USERS = {str(n): secrets.token_hex(8) for n in range(2000, 3000)}
HOUSEKEEPING = 0.5  # seconds between the service's flushes of changed bindings


class Socket:
    """Stands in for the asyncio datagram transport: keeps the last datagram sent."""

    def __init__(self) -> None:
        self.last = b""

    def sendto(self, data: bytes, addr) -> None:
        self.last = data


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def register(user: str, call: int, cseq: int, authorization: str = "") -> bytes:
    """A REGISTER as tests/sipp/register.xml words it."""
    host, port = PHONES
    auth = f"Authorization: {authorization}\r\n" if authorization else ""
    return (
        f"REGISTER sip:{SERVER[0]}:{SERVER[1]} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bK-4242-{call}-{cseq - 1}\r\n"
        f"From: <sip:{user}@{SERVER[0]}>;tag=4242SIPpTag00{call}\r\n"
        f"To: <sip:{user}@{SERVER[0]}>\r\n"
        f"Call-ID: {call}-4242@{host}\r\n"
        f"CSeq: {cseq} REGISTER\r\n"
        f"Contact: <sip:{user}@{host}:{port};transport=UDP>\r\n"
        f"{auth}"
        "Max-Forwards: 70\r\nExpires: 300\r\nUser-Agent: SIPp test phone\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def answer(challenge: bytes, user: str) -> str:
    """SIPp's Authorization value for the first challenge of a 401 (MD5, qop=auth)."""
    head = challenge.decode().split("\r\n")
    value = next(line for line in head if line.startswith("WWW-Authenticate:"))
    params = parse_credentials(value.partition(":")[2].strip())[1]
    uri, cnonce, nc = f"sip:{SERVER[0]}:{SERVER[1]}", secrets.token_hex(6), "00000001"
    response = response_for(
        "MD5", user, params["realm"], USERS[user], "REGISTER", uri, params["nonce"], nc, cnonce
    )
    return (
        f'Digest username="{user}",realm="{params["realm"]}",cnonce="{cnonce}",nc={nc},'
        f'qop=auth,uri="{uri}",nonce="{params["nonce"]}",response="{response}",algorithm=MD5'
    )


def run(messages: int, edge: Edge, clock: Clock, call: int) -> tuple[float, int]:
    """Feed `messages` messages; return the CPU seconds the edge spent and the next call."""
    endpoint = UdpEndpoint(edge.receive)
    endpoint.transport = sock = Socket()
    users = list(USERS)
    spent = 0.0
    flushed = clock.now
    for i in range(messages // 2):
        user = users[call % len(users)]
        call += 1
        for cseq in (1, 2):
            data = register(user, call, cseq, answer(sock.last, user) if cseq == 2 else "")
            clock.now += 0.0001
            started = time.process_time()
            # What UdpEndpoint.datagram_received and EdgeServer._receive do.
            edge.receive(data, UdpFlow(endpoint, PHONES))
            deadline = edge.next_deadline()
            if deadline is not None and deadline <= clock.now:
                edge.timers(clock.now)
            if clock.now - flushed >= HOUSEKEEPING:
                edge.location.take_changes()
                flushed = clock.now
            spent += time.process_time() - started
            expected = b"SIP/2.0 401 " if cseq == 1 else b"SIP/2.0 200 "
            if not sock.last.startswith(expected):
                raise SystemExit(f"message {2 * i + cseq}: unexpected answer\n{sock.last.decode()}")
    return spent, call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gc.freeze()  # as the service runs (tongdai.service)
    gc.set_threshold(20_000, 20, 20)
    clock = Clock()
    edge = Edge(
        EdgeConfig(guard=GuardConfig(rate=0), digest_algorithms=("MD5", "SHA-256")), clock=clock
    )
    edge.set_secrets(USERS)
    _, call = run(2 * len(USERS), edge, clock, 0)  # warm up: every user has its binding
    rates = []
    for _ in range(args.repeat):
        spent, call = run(args.messages, edge, clock, call)
        rates.append(args.messages / spent)
        print(f"{args.messages} messages in {spent:.3f} CPU s: {rates[-1]:,.0f} messages/s")
    print(f"best: {max(rates):,.0f} messages/s ({max(rates) / 2:,.0f} registrations/s)")


if __name__ == "__main__":
    main()
