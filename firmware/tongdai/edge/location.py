"""The location service: which contacts each extension has registered, and how to reach them.

Bindings live in memory (the registrar's hot path) and are written to the
database in batches by `flush()`; times are UNIX seconds.
"""

from __future__ import annotations

from collections.abc import Hashable

_FIELDS = (
    "aor", "contact", "expires_at", "call_id", "cseq", "transport", "source", "registered_at",
    "q", "instance", "user_agent", "flow", "reachable", "next_qualify",
)  # fmt: skip


class Binding:
    """One registered contact. Compiled, it is an extension type (location.pxd): the registrar
    makes one for every registration, and a dataclass's generated __init__ would run
    interpreted. Equality and repr are the dataclass's it replaces."""

    __slots__ = _FIELDS

    def __init__(
        self,
        aor: str,  # the extension number
        contact: str,  # Contact URI as sent
        expires_at: float,
        call_id: str,
        cseq: int,
        transport: str,  # UDP / TCP / TLS
        source: tuple[str, int],  # where the REGISTER came from (after NAT)
        registered_at: float,
        q: float | None = None,
        instance: str | None = None,
        user_agent: str = "",
        flow: Hashable | None = None,  # the live flow (a TCP/TLS connection); not persisted
        reachable: bool = True,
        next_qualify: float = 0.0,  # 0: not scheduled yet
    ) -> None:
        self.aor = aor
        self.contact = contact
        self.expires_at = expires_at
        self.call_id = call_id
        self.cseq = cseq
        self.transport = transport
        self.source = source
        self.registered_at = registered_at
        self.q = q
        self.instance = instance
        self.user_agent = user_agent
        self.flow = flow
        self.reachable = reachable
        self.next_qualify = next_qualify

    def _astuple(self) -> tuple:
        return (
            self.aor, self.contact, self.expires_at, self.call_id, self.cseq, self.transport,
            self.source, self.registered_at, self.q, self.instance, self.user_agent, self.flow,
            self.reachable, self.next_qualify,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __repr__(self) -> str:
        pairs = ", ".join(f"{n}={v!r}" for n, v in zip(_FIELDS, self._astuple(), strict=True))
        return f"Binding({pairs})"

    def row(self) -> dict:
        return {
            "aor": self.aor, "contact": self.contact, "expires_at": self.expires_at,
            "call_id": self.call_id, "cseq": self.cseq, "q": self.q, "instance": self.instance,
            "transport": self.transport, "source": f"{self.source[0]}:{self.source[1]}",
            "user_agent": self.user_agent, "registered_at": self.registered_at,
        }  # fmt: skip

    @classmethod
    def from_row(cls, row: dict) -> Binding:
        host, _, port = row["source"].rpartition(":")
        return cls(
            row["aor"], row["contact"], row["expires_at"], row["call_id"], row["cseq"],
            row["transport"], (host, int(port)), row["registered_at"], row["q"],
            row["instance"], row["user_agent"],
        )  # fmt: skip


class Location:
    def __init__(self, max_per_aor: int = 10) -> None:
        self.max_per_aor = max_per_aor
        self._by_aor: dict[str, list[Binding]] = {}
        self._dirty: dict[tuple[str, str], Binding | None] = {}  # None: deleted
        self.count = 0

    def load(self, bindings: list[Binding]) -> None:
        for b in bindings:
            self._by_aor.setdefault(b.aor, []).append(b)
        self.count = sum(len(v) for v in self._by_aor.values())

    def lookup(self, aor: str) -> list[Binding]:
        return self._by_aor.get(aor, [])

    def ring_order(self, aor: str) -> list[Binding]:
        """Where to reach an extension: contacts answering qualify pings (all of them if
        none does), newest registration first."""
        found = self._by_aor.get(aor, [])
        live = [b for b in found if b.reachable] or list(found)
        return sorted(live, key=lambda b: b.registered_at, reverse=True)

    def aors(self) -> list[str]:
        return list(self._by_aor)

    def all(self) -> list[Binding]:
        return [b for bs in self._by_aor.values() for b in bs]

    def put(self, binding: Binding) -> list[Binding]:
        """Add or replace a binding; returns bindings evicted to respect the per-AOR limit."""
        bindings = self._by_aor.setdefault(binding.aor, [])
        for i, b in enumerate(bindings):
            if b.contact == binding.contact:
                bindings[i] = binding
                self._dirty[(binding.aor, binding.contact)] = binding
                return []
        bindings.append(binding)
        self.count += 1
        self._dirty[(binding.aor, binding.contact)] = binding
        evicted = []
        while len(bindings) > self.max_per_aor:  # the oldest registration goes first
            oldest = min(bindings, key=lambda b: b.registered_at)
            self.remove(oldest)
            evicted.append(oldest)
        return evicted

    def remove(self, binding: Binding) -> None:
        bindings = self._by_aor.get(binding.aor)
        if not bindings or binding not in bindings:
            return
        bindings.remove(binding)
        self.count -= 1
        if not bindings:
            del self._by_aor[binding.aor]
        self._dirty[(binding.aor, binding.contact)] = None

    def remove_aor(self, aor: str) -> None:
        for b in list(self._by_aor.get(aor, ())):
            self.remove(b)

    def expire(self, now: float) -> list[Binding]:
        gone = [b for bs in self._by_aor.values() for b in bs if b.expires_at <= now]
        for b in gone:
            self.remove(b)
        return gone

    def take_changes(self) -> tuple[list[dict], list[tuple[str, str]]]:
        """The changes since the last call, for `store.bindings.save`."""
        upserts = [b.row() for b in self._dirty.values() if b is not None]
        deletes = [key for key, b in self._dirty.items() if b is None]
        self._dirty = {}
        return upserts, deletes
