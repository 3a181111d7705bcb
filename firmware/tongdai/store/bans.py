"""Addresses banned from SIP (too many failed logins, or by hand)."""

from __future__ import annotations

import ipaddress
import time

import sqlite_utils

from tongdai.store.audit import record


class BanError(ValueError):
    """A bad ban request; the message names the field."""


def active(db: sqlite_utils.Database, now: float | None = None) -> list[dict]:
    now = time.time() if now is None else now
    return list(db.query("SELECT * FROM sip_bans WHERE until > ? ORDER BY created_at", [now]))


def add(
    db: sqlite_utils.Database,
    address: str,
    *,
    seconds: float,
    reason: str,
    actor: str = "system",
    now: float | None = None,
) -> None:
    address = _address(address)
    now = time.time() if now is None else now
    with db.atomic():
        db["sip_bans"].upsert(
            {"address": address, "reason": reason, "created_at": now, "until": now + seconds},
            pk="address",
        )
        record(db, actor, "sip.ban", f"{address} {reason}")


def lift(db: sqlite_utils.Database, address: str, *, actor: str = "system") -> None:
    address = _address(address)
    if not db["sip_bans"].count_where("address = ?", [address]):
        raise BanError(f"address: {address} is not banned")
    with db.atomic():
        db["sip_bans"].delete(address)
        record(db, actor, "sip.unban", address)


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise BanError(f"address: {text!r} is not an IP address") from None
