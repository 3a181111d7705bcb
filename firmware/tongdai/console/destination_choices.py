"""The destinations a route can send calls to, as choices: the existing objects of each
kind (store.destinations.KINDS), so a person picks rather than types. Outside numbers
and announcements (a prompt name) are typed after picking their kind."""

from __future__ import annotations

import sqlite_utils

from tongdai.store import destinations

# kind -> (table, column) whose rows are the destinations of that kind
_SOURCES = {
    "extension": ("extensions", "number"),
    "ring_group": ("ring_groups", "name"),
    "queue": ("queues", "name"),
    "ivr": ("ivr_menus", "name"),
    "time_condition": ("time_conditions", "name"),
    "voicemail": ("voicemail_boxes", "extension"),
    "conference": ("conference_rooms", "number"),
}
TYPED = ("outside", "announcement")  # kinds whose value is typed, not picked


def choices(db: sqlite_utils.Database) -> list[tuple[str, list[str]]]:
    """[(kind, ["kind:value", ...])] in the order of KINDS (hangup has the one choice)."""
    out = []
    for kind in destinations.KINDS:
        if kind in _SOURCES:
            table, column = _SOURCES[kind]
            rows = db.execute(f"SELECT {column} FROM {table} ORDER BY {column}").fetchall()
            out.append((kind, [f"{kind}:{r[0]}" for r in rows]))
        elif kind == "hangup":
            out.append((kind, ["hangup"]))
    return out


def combine(picked: str, typed: str) -> str:
    """The destination from the form: a picked one, or a typed kind's kind with its value."""
    kind = picked.removesuffix(":")
    return f"{kind}:{typed.strip()}" if kind in TYPED else picked
