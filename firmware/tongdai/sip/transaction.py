"""Transactions (RFC 3261 section 17), sans-I/O: time is passed in, bytes come out.

Server side covers what the edge answers itself: a retransmitted request is
answered again from memory, an INVITE's final response is retransmitted over
UDP until its ACK, and that ACK is absorbed. Client side covers the edge's
own requests (OPTIONS qualify, trunk REGISTER): retransmission and timeout.
`next_deadline()` tells the transport when to call `expire()`.
"""

from __future__ import annotations

import collections
import dataclasses
import heapq
import itertools
from collections.abc import Hashable
from typing import Any

from tongdai.sip.fields import Via
from tongdai.sip.message import Request, Response

T1, T2, T4 = 0.5, 4.0, 5.0
MAGIC = "z9hG4bK"
_seq = itertools.count()


def server_key(req: Request, via: Via, from_tag: str | None) -> tuple:
    """The transaction a request belongs to (17.2.3); an ACK matches its INVITE."""
    method = "INVITE" if req.method == "ACK" else req.method
    branch = via.branch
    if branch and branch.startswith(MAGIC) and len(branch) > len(MAGIC):
        return (branch, via.host.lower(), via.port, method)
    # RFC 2543 peers: no usable branch.
    cseq = (req.headers.get("CSeq") or "").split()[0:1]
    return (req.call_id, tuple(cseq), from_tag, str(via), method, req.uri)


@dataclasses.dataclass(slots=True)
class _InviteTsx:
    data: bytes
    flow: Hashable
    interval: float
    next_at: float | None  # Timer G (UDP only)
    end_at: float  # Timer H, or Timer I once the ACK came
    reliable: bool
    confirmed: bool = False


class ServerTransactions:
    def __init__(self, *, max_entries: int = 16384) -> None:
        # non-INVITE: key -> (forget at, (response, flow) or None while being handled)
        self._done: dict[tuple, tuple[float, tuple[bytes, Hashable] | None]] = {}
        self._order: collections.deque[tuple[float, tuple]] = collections.deque()
        self._invites: dict[tuple, _InviteTsx] = {}
        self._heap: list[tuple[float, int, tuple]] = []
        self._max = max_entries

    def __len__(self) -> int:
        return len(self._done) + len(self._invites)

    def receive(self, key: tuple, method: str, now: float) -> tuple[str, Any]:
        """Classify an arriving request.

        ("new", None): handle it, then call `respond`.
        ("resend", (bytes, flow)): a retransmission; send the stored response again.
        ("absorb", None): a retransmission still being handled, or an ACK of ours.
        ("ack", None): an ACK that matches no transaction of ours (for the proxy).
        """
        if method == "ACK":
            tsx = self._invites.get(key)
            if tsx is None:
                return "ack", None
            if not tsx.confirmed:
                tsx.confirmed = True
                tsx.next_at = None
                tsx.end_at = now if tsx.reliable else now + T4  # Timer I
                self._push(tsx.end_at, key)
            return "absorb", None
        done = self._done.get(key)
        if done is not None:
            return ("absorb", None) if done[1] is None else ("resend", done[1])
        tsx = self._invites.get(key)
        if tsx is not None:
            return "resend", (tsx.data, tsx.flow)
        return "new", None

    def begin(self, key: tuple, now: float) -> None:
        """Mark a request as being handled (its answer comes later)."""
        self._remember(key, None, now + 64 * T1)

    def respond(
        self, key: tuple, method: str, data: bytes, flow: Hashable, reliable: bool, now: float
    ) -> None:
        """Record the final response sent for a request, for retransmissions to come."""
        if method == "INVITE":
            self._done.pop(key, None)
            first = None if reliable else now + T1
            self._invites[key] = _InviteTsx(data, flow, T1, first, now + 64 * T1, reliable)
            self._push(first or now + 64 * T1, key)
        elif reliable:  # Timer J is zero on reliable transports
            self._done.pop(key, None)
        else:
            self._remember(key, (data, flow), now + 64 * T1)

    def _remember(self, key: tuple, value, until: float) -> None:
        self._done[key] = (until, value)
        self._order.append((until, key))
        while len(self._done) > self._max:  # bounded under floods: forget the oldest
            self._done.pop(self._order.popleft()[1], None)

    def _push(self, when: float, key: tuple) -> None:
        heapq.heappush(self._heap, (when, next(_seq), key))

    def next_deadline(self) -> float | None:
        done = self._order[0][0] if self._order else None
        if not self._heap:
            return done
        invite = self._heap[0][0]
        return invite if done is None or invite < done else done

    def expire(self, now: float) -> list[tuple[bytes, Hashable]]:
        """Forget finished transactions; return INVITE responses due for retransmission."""
        order, done = self._order, self._done
        while order and order[0][0] <= now:
            _, key = order.popleft()
            entry = done.get(key)
            if entry is not None and entry[0] <= now:
                del done[key]
        out = []
        while self._heap and self._heap[0][0] <= now:
            _, _, key = heapq.heappop(self._heap)
            tsx = self._invites.get(key)
            if tsx is None:
                continue
            if now >= tsx.end_at:
                del self._invites[key]
                continue
            if tsx.next_at is not None and now >= tsx.next_at:
                out.append((tsx.data, tsx.flow))  # Timer G
                tsx.interval = min(tsx.interval * 2, T2)
                tsx.next_at = now + tsx.interval
            self._push(min(tsx.next_at or tsx.end_at, tsx.end_at), key)
        return out


@dataclasses.dataclass(slots=True)
class ClientTransaction:
    branch: str
    method: str
    data: bytes
    flow: Hashable
    reliable: bool
    owner: Any  # whatever the caller wants back (a future, say)
    timeout_at: float
    interval: float = T1
    retransmit_at: float | None = None
    final: Response | None = None


class ClientTransactions:
    """The edge's own non-INVITE requests (17.1.2): Timer E retransmits, Timer F gives up."""

    def __init__(self) -> None:
        self._tsx: dict[tuple[str, str], ClientTransaction] = {}
        self._heap: list[tuple[float, int, tuple[str, str]]] = []

    def __len__(self) -> int:
        return len(self._tsx)

    def start(
        self,
        branch: str,
        method: str,
        data: bytes,
        flow: Hashable,
        *,
        reliable: bool,
        now: float,
        owner: Any = None,
        timeout: float = 64 * T1,
    ) -> ClientTransaction:
        tsx = ClientTransaction(branch, method, data, flow, reliable, owner, now + timeout)
        if not reliable:
            tsx.retransmit_at = now + T1
        self._tsx[(branch, method)] = tsx
        heapq.heappush(
            self._heap, (tsx.retransmit_at or tsx.timeout_at, next(_seq), (branch, method))
        )
        return tsx

    def receive(self, resp: Response, branch: str | None, method: str) -> ClientTransaction | None:
        """The transaction a response answers; None for strays and provisional responses."""
        tsx = self._tsx.get((branch or "", method))
        if tsx is None:
            return None
        if resp.status < 200:
            tsx.interval = T2  # Proceeding: retransmit every T2
            return None
        tsx.final = resp
        del self._tsx[(tsx.branch, method)]
        return tsx

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def expire(self, now: float) -> tuple[list[ClientTransaction], list[ClientTransaction]]:
        """Return (transactions to retransmit now, transactions that timed out)."""
        resend, timed_out = [], []
        while self._heap and self._heap[0][0] <= now:
            _, _, key = heapq.heappop(self._heap)
            tsx = self._tsx.get(key)
            if tsx is None:
                continue
            if now >= tsx.timeout_at:
                del self._tsx[key]
                timed_out.append(tsx)
                continue
            if tsx.retransmit_at is not None and now >= tsx.retransmit_at:
                resend.append(tsx)
                tsx.interval = min(tsx.interval * 2, T2)
                tsx.retransmit_at = now + tsx.interval
            nxt = min(tsx.retransmit_at or tsx.timeout_at, tsx.timeout_at)
            heapq.heappush(self._heap, (nxt, next(_seq), key))
        return resend, timed_out
