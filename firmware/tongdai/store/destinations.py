"""Where a call can be sent: `kind:value` strings shared by inbound routes, IVR keys,
time conditions, ring groups' and menus' final destinations.

    extension:201   ring_group:sales   queue:support   ivr:main   time_condition:office
    voicemail:201   conference:800     announcement:closed_msg   outside:0909123456
    hangup

Each is checked against the configuration when it is saved, and an object that a
destination names cannot be deleted while it is named.
"""

from __future__ import annotations

import re

import sqlite_utils

KINDS = (
    "extension", "ring_group", "queue", "ivr", "time_condition", "voicemail", "conference",
    "announcement", "outside", "hangup",
)  # fmt: skip
PROMPT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
OUTSIDE_RE = re.compile(r"^\+?[0-9]{3,20}$")

# (table, column, label) of every place a destination is stored
_USES = (
    ("inbound_routes", "destination", "inbound route"),
    ("ivr_options", "destination", "IVR key"),
    ("ivr_menus", "final", "IVR menu"),
    ("time_conditions", "open", "time condition"),
    ("time_conditions", "closed", "time condition"),
    ("ring_groups", "final", "ring group"),
    ("queues", "overflow", "queue overflow"),
)
_LABEL_COLUMN = {
    "inbound_routes": "did", "ivr_options": "menu || ' key ' || digit", "ivr_menus": "name",
    "time_conditions": "name", "ring_groups": "name", "queues": "name",
}  # fmt: skip


class DestinationError(ValueError):
    """A destination that is malformed or names nothing; the message says which."""


def _exists(db: sqlite_utils.Database, table: str, column: str, value: str) -> bool:
    return bool(db[table].count_where(f"{column} = ?", [value]))


def check(db: sqlite_utils.Database, text: str, field: str = "destination") -> str:
    """`text` as a valid destination, or DestinationError naming `field`."""
    text = (text or "").strip()
    kind, _, value = text.partition(":")
    if kind == "hangup" and not value:
        return "hangup"
    if kind not in KINDS or not value:
        raise DestinationError(f"{field}: kind:value with kind one of {', '.join(KINDS)}")
    missing = {
        "extension": lambda: not _exists(db, "extensions", "number", value),
        "ring_group": lambda: not _exists(db, "ring_groups", "name", value),
        "queue": lambda: not _exists(db, "queues", "name", value),
        "ivr": lambda: not _exists(db, "ivr_menus", "name", value),
        "time_condition": lambda: not _exists(db, "time_conditions", "name", value),
        "voicemail": lambda: not _exists(db, "voicemail_boxes", "extension", value),
        "conference": lambda: not _exists(db, "conference_rooms", "number", value),
        "announcement": lambda: not PROMPT_RE.fullmatch(value),
        "outside": lambda: not OUTSIDE_RE.fullmatch(value),
    }[kind]
    if missing():
        what = {
            "announcement": "a prompt name (lower-case letters, digits, - and _)",
            "outside": "a phone number (digits, optional leading +)",
            "voicemail": "an extension with a voicemail box",
        }.get(kind, f"an existing {kind.replace('_', ' ')}")
        raise DestinationError(f"{field}: {kind}:{value} is not {what}")
    return f"{kind}:{value}"


def users(db: sqlite_utils.Database, destination: str) -> list[str]:
    """What sends calls to `destination` ("inbound route 0287..."), to refuse deleting it."""
    found = []
    for table, column, label in _USES:
        rows = db.execute(
            f"SELECT {_LABEL_COLUMN[table]} FROM {table} WHERE {column} = ?", [destination]
        ).fetchall()
        found += [f"{label} {row[0] or 'any'}" for row in rows]
    return found


def refuse_if_used(db: sqlite_utils.Database, destination: str, field: str, error) -> None:
    if found := users(db, destination):
        raise error(f"{field}: calls are sent to {destination} by {', '.join(found)}")


def rename(db: sqlite_utils.Database, old: str, new: str) -> None:
    """Point every destination `old` at `new` (an object renamed; inside its transaction)."""
    for table, column, _label in _USES:
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new, old])
