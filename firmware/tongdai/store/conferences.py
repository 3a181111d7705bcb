"""Meet-me conference rooms: a number to dial, a name, an optional PIN (kept hashed)."""

from __future__ import annotations

import re

import argon2
import sqlite_utils

from tongdai.store.audit import record
from tongdai.store.db import utcnow
from tongdai.store.features import number_owner

NUMBER_RE = re.compile(r"^[1-9][0-9]{1,5}$")
PIN_RE = re.compile(r"^[0-9]{4,12}$")
_hasher = argon2.PasswordHasher()


class ConferenceError(ValueError):
    """A bad room field; the message names it."""


def add(
    db: sqlite_utils.Database,
    number: str,
    *,
    name: str = "",
    pin: str = "",
    max_members: int = 10,
    actor: str = "system",
) -> None:
    if not NUMBER_RE.fullmatch(number):
        raise ConferenceError("number: 2 to 6 digits, not starting with 0")
    if db["conference_rooms"].count_where("number = ?", [number]):
        raise ConferenceError(f"number: room {number} already exists")
    if owner := number_owner(db, number):
        raise ConferenceError(f"number: {number} is taken by {owner}")
    if pin and not PIN_RE.fullmatch(pin):
        raise ConferenceError("pin: 4 to 12 digits")
    if not 2 <= max_members <= 50:
        raise ConferenceError("max_members: 2 to 50")
    with db.atomic():
        db["conference_rooms"].insert(
            {"number": number, "name": name.strip(), "pin_hash": _hasher.hash(pin) if pin else "",
             "max_members": max_members, "created_at": utcnow()}
        )  # fmt: skip
        record(db, actor, "conference.create", f"{number} {name}".strip())


def delete(db: sqlite_utils.Database, number: str, *, actor: str = "system") -> None:
    if not db["conference_rooms"].count_where("number = ?", [number]):
        raise ConferenceError(f"number: no room {number}")
    with db.atomic():
        db["conference_rooms"].delete(number)
        record(db, actor, "conference.delete", number)


def get(db: sqlite_utils.Database, number: str) -> dict | None:
    rows = list(db.query("SELECT * FROM conference_rooms WHERE number = ?", [number]))
    return rows[0] if rows else None


def rooms(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query(
        "SELECT number, name, pin_hash != '' AS has_pin, max_members FROM conference_rooms"
        " ORDER BY number"
    ))  # fmt: skip


def pin_ok(room: dict, pin: str) -> bool:
    if not room["pin_hash"]:
        return True
    try:
        return _hasher.verify(room["pin_hash"], pin)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
