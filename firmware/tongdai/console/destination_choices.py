"""The destinations a configuration form offers: every existing object a call can be sent
to, grouped by kind, as the `kind:value` text store.destinations.check() accepts."""

from __future__ import annotations

import sqlite_utils


def N_(message: str) -> str:  # marks a label for extraction; translated in the template
    return message


# (kind, group label, query giving (value, description))
_GROUPS = (
    ("extension", N_("Extensions"), "SELECT number, name FROM extensions ORDER BY number"),
    ("ring_group", N_("Ring groups"), "SELECT name, number FROM ring_groups ORDER BY name"),
    ("queue", N_("Queues"), "SELECT name, display FROM queues ORDER BY name"),
    ("ivr", N_("IVR menus"), "SELECT name, number FROM ivr_menus ORDER BY name"),
    ("time_condition", N_("Time conditions"), "SELECT name, '' FROM time_conditions ORDER BY name"),
    ("voicemail", N_("Voicemail boxes"),
     "SELECT extension, '' FROM voicemail_boxes ORDER BY extension"),
    ("conference", N_("Conference rooms"),
     "SELECT number, name FROM conference_rooms ORDER BY number"),
)  # fmt: skip


def choices(db: sqlite_utils.Database) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group label, [(destination, what the option shows)])], empty groups left out."""
    out = []
    for kind, label, query in _GROUPS:
        options = [
            (f"{kind}:{value}", f"{value} · {about}" if about else str(value))
            for value, about in db.execute(query).fetchall()
        ]
        if options:
            out.append((label, options))
    return out


TYPED = ("outside", "announcement")  # kinds whose value is typed after picking the kind


def combine(picked: str, typed: str) -> str:
    """The destination from a form that also offers typed kinds: a picked one, or a typed
    kind (`outside:`) with the value typed beside it."""
    kind = picked.removesuffix(":")
    return f"{kind}:{typed.strip()}" if kind in TYPED else picked
