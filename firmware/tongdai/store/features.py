"""Feature codes, all in one place: their defaults, the admin's changes (table
`feature_codes`), and which internal numbers are taken by what.

A code is dialled as it is, except the prefix codes (`PREFIXED`), which take a
number after them: `**201` picks up the call ringing at 201, `*281` switches time
condition 1 between day and night, `*7712` records prompt `rec12`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from tongdai.store.audit import record

# name -> (default code, what it does)
DEFAULTS: dict[str, tuple[str, str]] = {
    "pickup": ("*8", "answer a call ringing another extension"),
    "directed_pickup": ("**", "followed by an extension: answer the call ringing there"),
    "record_toggle": ("*1", "during a call: start or stop an on-demand recording"),
    "park": ("70", "transfer a call here to park it (or dial it to hear a free slot)"),
    "agent_login": ("*45", "queue agent: log in, or out when logged in"),
    "agent_pause": ("*46", "queue agent: pause, or unpause when paused"),
    "voicemail": ("*97", "your own voicemail box"),
    "voicemail_any": ("*98", "any voicemail box (asks which)"),
    "day_night": ("*28", "followed by a time condition's number: force closed / back to hours"),
    "record_prompt": ("*77", "followed by a number N: record prompt recN from your phone"),
}
PREFIXED = ("directed_pickup", "day_night", "record_prompt")
SLOTS = tuple(str(n) for n in range(71, 80))  # parking slots: dial one to take its call
CODE_RE = re.compile(r"^[*#0-9]{1,6}$")


class FeatureError(ValueError):
    """A bad feature code; the message names the field."""


@dataclass(frozen=True)
class FeatureCodes:
    pickup: str
    directed_pickup: str
    record_toggle: str
    park: str
    agent_login: str
    agent_pause: str
    voicemail: str
    voicemail_any: str
    day_night: str
    record_prompt: str

    def match(self, dialled: str) -> tuple[str, str] | None:
        """(feature name, the number after a prefix code) for a dialled string."""
        for name in DEFAULTS:
            code = getattr(self, name)
            if name in PREFIXED:
                if dialled.startswith(code) and len(dialled) > len(code):
                    return name, dialled[len(code) :]
            elif dialled == code:
                return name, ""
        return None


def codes(db: sqlite_utils.Database) -> FeatureCodes:
    changed = {r["name"]: r["code"] for r in db.query("SELECT name, code FROM feature_codes")}
    return FeatureCodes(**{name: changed.get(name, code) for name, (code, _) in DEFAULTS.items()})


def listing(db: sqlite_utils.Database) -> list[dict]:
    current = codes(db)
    return [
        {"name": name, "code": getattr(current, name), "default": default, "does": does}
        for name, (default, does) in DEFAULTS.items()
    ]


def number_owner(db: sqlite_utils.Database, number: str, *, feature: str = "") -> str | None:
    """What already answers the internal `number` ("extension 201"), if anything. A
    prefix code swallows every number that starts with it; `feature` (a code being
    set) is left out, and when it is a prefix code itself it clashes with every code
    that starts with it."""
    owners = (
        ("extensions", "number", "extension"),
        ("conference_rooms", "number", "conference room"),
        ("queues", "number", "queue"),
        ("ring_groups", "number", "ring group"),
        ("ivr_menus", "number", "IVR menu"),
    )
    for table, column, label in owners:
        if db[table].count_where(f"{column} = ?", [number]):
            return f"{label} {number}"
    if number in SLOTS:
        return f"parking slot {number}"
    current = codes(db)
    for name in DEFAULTS:
        code = getattr(current, name)
        if name == feature:
            continue
        clash = number == code
        clash |= name in PREFIXED and number.startswith(code)
        clash |= feature in PREFIXED and code.startswith(number)
        if clash:
            return f"feature code {code} ({name})"
    return None


def set_code(db: sqlite_utils.Database, name: str, code: str, *, actor: str = "system") -> None:
    if name not in DEFAULTS:
        raise FeatureError(f"name: one of {', '.join(DEFAULTS)}")
    code = code.strip()
    if not CODE_RE.fullmatch(code):
        raise FeatureError("code: 1 to 6 of the keys 0-9, * and #")
    if name != "park" and code[0] not in "*#":
        raise FeatureError("code: starts with * or # (numbers are for extensions)")
    if name in PREFIXED and (taken := _numbers_under(db, code)):
        raise FeatureError(f"code: {code} would swallow {taken}")
    if owner := number_owner(db, code, feature=name):
        raise FeatureError(f"code: {code} clashes with {owner}")
    with db.atomic():
        if code == DEFAULTS[name][0]:
            db["feature_codes"].delete_where("name = ?", [name])
        else:
            db["feature_codes"].upsert({"name": name, "code": code}, pk="name")
        record(db, actor, "feature.set", f"{name} {code}")


def _numbers_under(db: sqlite_utils.Database, prefix: str) -> str | None:
    """An internal number that starts with `prefix`, if any."""
    for table, label in (("extensions", "extension"), ("conference_rooms", "conference room"),
                         ("queues", "queue"), ("ring_groups", "ring group"),
                         ("ivr_menus", "IVR menu")):  # fmt: skip
        rows = db.execute(
            f"SELECT number FROM {table} WHERE number IS NOT NULL AND substr(number, 1, ?) = ?",
            [len(prefix), prefix],
        ).fetchall()
        if rows:
            return f"{label} {rows[0][0]}"
    return None
