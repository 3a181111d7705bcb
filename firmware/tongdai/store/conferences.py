"""Meet-me conference rooms: a number to dial, a name, an optional PIN (kept hashed)."""

from __future__ import annotations

import re

import argon2
import sqlite_utils

from tongdai.store import destinations
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
    pin: str | None = "",
    max_members: int = 10,
    actor: str = "system",
    replaces: str | None = None,
) -> None:
    """A new room; or, with `replaces`, the room of that number changed (see update)."""
    if not NUMBER_RE.fullmatch(number):
        raise ConferenceError("number: 2 to 6 digits, not starting with 0")
    if number != replaces and db["conference_rooms"].count_where("number = ?", [number]):
        raise ConferenceError(f"number: room {number} already exists")
    if number != replaces and (owner := number_owner(db, number)):
        raise ConferenceError(f"number: {number} is taken by {owner}")
    if pin and not PIN_RE.fullmatch(pin):
        raise ConferenceError("pin: 4 to 12 digits")
    if not 2 <= max_members <= 50:
        raise ConferenceError("max_members: 2 to 50")
    row = {"number": number, "name": name.strip(), "max_members": max_members}
    if pin is not None:  # (None: an edit keeping the PIN)
        row["pin_hash"] = _hasher.hash(pin) if pin else ""
    with db.atomic():
        if replaces is None:
            db["conference_rooms"].insert({**row, "created_at": utcnow()})
            record(db, actor, "conference.create", f"{number} {name}".strip())
        else:
            db["conference_rooms"].update(replaces, row)
            record(db, actor, "conference.update", f"{replaces} -> {number} {name}".strip())


def update(
    db: sqlite_utils.Database,
    number: str,
    *,
    new_number: str | None = None,
    name: str | None = None,
    pin: str | None = None,
    max_members: int | None = None,
    actor: str = "system",
) -> None:
    """Change a room: `pin` None keeps the PIN, '' removes it. A new number is refused
    while a destination sends calls to the room (callers and menus dial the number)."""
    room = get(db, number)
    if room is None:
        raise ConferenceError(f"number: no room {number}")
    new_number = new_number or number
    if new_number != number:
        destinations.refuse_if_used(db, f"conference:{number}", "number", ConferenceError)
    add(
        db, new_number, name=room["name"] if name is None else name, pin=pin,
        max_members=room["max_members"] if max_members is None else max_members,
        actor=actor, replaces=number,
    )  # fmt: skip


def delete(db: sqlite_utils.Database, number: str, *, actor: str = "system") -> None:
    if not db["conference_rooms"].count_where("number = ?", [number]):
        raise ConferenceError(f"number: no room {number}")
    destinations.refuse_if_used(db, f"conference:{number}", "number", ConferenceError)
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
