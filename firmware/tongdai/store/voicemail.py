"""Voicemail boxes (one per extension, PIN hashed with Argon2id) and their messages.

Messages are WAV files under `var/voicemail/<box>/`; a message is new until it has
been listened to, then old; "saved" ones are kept apart. Greetings recorded for a box
are `unavailable.wav` and `busy.wav` in the same folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import argon2
import sqlite_utils

from tongdai.store import destinations
from tongdai.store.audit import record
from tongdai.store.db import utcnow

PIN_RE = re.compile(r"^[0-9]{4,12}$")
FOLDERS = ("new", "old", "saved")
GREETINGS = ("unavailable", "busy")
_hasher = argon2.PasswordHasher()


class VoicemailError(ValueError):
    """A bad voicemail field; the message names it."""


@dataclass(frozen=True)
class Message:
    id: str
    box: str
    folder: str
    caller: str
    caller_name: str
    received_at: str  # UTC ISO
    seconds: float
    file: str  # relative to the voicemail directory


def check_pin(pin: str) -> None:
    if not PIN_RE.fullmatch(pin):
        raise VoicemailError("pin: 4 to 12 digits")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        raise VoicemailError("pin: not all one digit or a run like 1234")


def enable(
    db: sqlite_utils.Database, extension: str, pin: str, *, max_seconds: int = 180,
    actor: str = "system",
) -> None:  # fmt: skip
    """Give an extension a box (or a new PIN and limit if it has one)."""
    if not db["extensions"].count_where("number = ?", [extension]):
        raise VoicemailError(f"extension: no extension {extension}")
    check_pin(pin)
    if not 10 <= max_seconds <= 600:
        raise VoicemailError("max_seconds: 10 to 600")
    row = {"extension": extension, "pin_hash": _hasher.hash(pin), "max_seconds": max_seconds}
    with db.atomic():
        if db["voicemail_boxes"].count_where("extension = ?", [extension]):
            db["voicemail_boxes"].update(extension, row)
            record(db, actor, "voicemail.update", extension)
        else:
            db["voicemail_boxes"].insert({**row, "created_at": utcnow()})
            record(db, actor, "voicemail.create", extension)


def disable(db: sqlite_utils.Database, extension: str, *, actor: str = "system") -> None:
    if not db["voicemail_boxes"].count_where("extension = ?", [extension]):
        raise VoicemailError(f"extension: {extension} has no voicemail box")
    destinations.refuse_if_used(db, f"voicemail:{extension}", "extension", VoicemailError)
    with db.atomic():
        db["voicemail_boxes"].delete(extension)
        record(db, actor, "voicemail.delete", extension)


def hash_pin(pin: str) -> str:
    """A checked PIN's hash (slow: Argon2id; the call flow runs it off the event loop)."""
    check_pin(pin)
    return _hasher.hash(pin)


def set_pin_hash(db: sqlite_utils.Database, extension: str, pin_hash: str) -> None:
    with db.atomic():
        db["voicemail_boxes"].update(extension, {"pin_hash": pin_hash})
        record(db, f"phone {extension}", "voicemail.pin", extension)


def has_box(db: sqlite_utils.Database, extension: str) -> bool:
    return bool(db["voicemail_boxes"].count_where("extension = ?", [extension]))


def max_seconds(db: sqlite_utils.Database, extension: str) -> int:
    row = db.execute(
        "SELECT max_seconds FROM voicemail_boxes WHERE extension = ?", [extension]
    ).fetchone()
    return row[0] if row else 0


def pin_hash(db: sqlite_utils.Database, extension: str) -> str | None:
    row = db.execute(
        "SELECT pin_hash FROM voicemail_boxes WHERE extension = ?", [extension]
    ).fetchone()
    return row[0] if row else None


_NO_BOX = _hasher.hash("no box: the same work as a real check")


def pin_matches(pin_hash: str | None, pin: str) -> bool:
    """Slow (Argon2id), and as slow for a box that does not exist."""
    try:
        return _hasher.verify(pin_hash or _NO_BOX, pin) and pin_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def add_message(db: sqlite_utils.Database, message: Message) -> None:
    with db.atomic():
        db["voicemail_messages"].insert(message.__dict__)


def messages(db: sqlite_utils.Database, box: str, folders: tuple[str, ...] = FOLDERS):
    """The box's messages, new first, each folder oldest first."""
    marks = ",".join("?" * len(folders))
    rows = db.query(
        f"SELECT * FROM voicemail_messages WHERE box = ? AND folder IN ({marks})"
        " ORDER BY folder = 'saved', folder = 'old', received_at",
        [box, *folders],
    )
    return [Message(**r) for r in rows]


def counts(db: sqlite_utils.Database, box: str) -> tuple[int, int]:
    """(new, old) messages, old counting saved ones: what the phone's lamp shows."""
    row = db.execute(
        "SELECT SUM(folder = 'new'), SUM(folder != 'new') FROM voicemail_messages WHERE box = ?",
        [box],
    ).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def move(db: sqlite_utils.Database, message_id: str, folder: str) -> None:
    with db.atomic():
        db["voicemail_messages"].update(message_id, {"folder": folder})


def delete_message(db: sqlite_utils.Database, directory: Path, message_id: str) -> None:
    rows = list(db["voicemail_messages"].rows_where("id = ?", [message_id]))
    if not rows:
        return
    with db.atomic():
        db["voicemail_messages"].delete(message_id)
    (directory / rows[0]["file"]).unlink(missing_ok=True)


def greeting(directory: Path, box: str, which: str) -> Path | None:
    """The box's own recorded greeting, if it has one."""
    path = directory / box / f"{which}.wav"
    return path if path.is_file() else None
