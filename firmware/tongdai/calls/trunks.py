"""SIP trunks as the dialplan uses them: how to call out through one, and how many
calls each carries now (the per-trunk limit counts both directions)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sqlite_utils

from tongdai.calls.switch import Channel
from tongdai.sip.grammar import quote

# Final codes after which the next trunk of a route is tried: the trunk (not the
# number) failed. Busy, no such number and the like go back to the caller instead.
FAILOVER_CODES = frozenset({401, 403, 407, 408, 500, 502, 503, 504}) | frozenset(range(505, 600))


@dataclass(frozen=True)
class Trunk:
    name: str
    host: str
    port: int
    username: str
    password: str
    max_calls: int  # 0: no limit
    caller_id: str

    def uri(self, number: str) -> str:
        port = f":{self.port}" if self.port != 5060 else ""
        return f"sip:{number}@{self.host}{port}"

    def identity(self, number: str, name: str) -> str:
        """The From a provider sees: the number it should present, on its own domain."""
        display = f"{quote(name)} " if name else ""
        return f"{display}<sip:{number}@{self.host}>"

    @property
    def auth(self) -> dict[str, str] | None:
        if not self.username:
            return None
        return {"username": self.username, "password": self.password}


class TrunkCalls:
    """Trunks from the database, and the channels each carries now."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.active: dict[str, set[str]] = {}  # trunk -> channel ids and claims
        self._claims = itertools.count(1)

    def get(self, name: str) -> Trunk | None:
        rows = list(self.db.query("SELECT * FROM trunks WHERE name = ?", [name]))
        if not rows:
            return None
        r = rows[0]
        return Trunk(
            r["name"], r["host"], r["port"], r["username"], r["password"], r["max_calls"],
            r["caller_id"],
        )  # fmt: skip

    def full(self, trunk: Trunk) -> bool:
        return 0 < trunk.max_calls <= len(self.active.get(trunk.name, ()))

    def claim(self, trunk: Trunk) -> str:
        """Hold a place on the trunk while a call to it is being placed (`release` it,
        or hand it to the leg with `carry`), so two calls cannot both take the last."""
        token = f"claim-{next(self._claims)}"
        self.active.setdefault(trunk.name, set()).add(token)
        return token

    def release(self, trunk: Trunk, key: str) -> None:
        calls = self.active.get(trunk.name)
        if calls is not None:
            calls.discard(key)
            if not calls:
                del self.active[trunk.name]

    def carry(self, trunk: Trunk, channel: Channel, claim: str | None = None) -> None:
        """Count `channel` against the trunk until it ends (in place of `claim`)."""
        channel.trunk = trunk.name
        self.active.setdefault(trunk.name, set()).add(channel.id)
        if claim is not None:
            self.release(trunk, claim)
        channel.ended.add_done_callback(lambda _: self.release(trunk, channel.id))
