"""Ring groups: several extensions rung together (ring-all) or one after another
(in order, each for its own time), then a final destination when nobody answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from tongdai.store import destinations
from tongdai.store.audit import record
from tongdai.store.db import utcnow
from tongdai.store.features import number_owner

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
NUMBER_RE = re.compile(r"^[1-9][0-9]{1,5}$")
STRATEGIES = ("ringall", "order")


class RingGroupError(ValueError):
    """A bad ring group field; the message names it."""


@dataclass(frozen=True)
class Member:
    extension: str
    ring_timeout: int


@dataclass(frozen=True)
class RingGroup:
    name: str
    number: str | None
    strategy: str
    ring_timeout: int
    final: str
    members: tuple[Member, ...]


def _timeout(value: int, field: str) -> int:
    if not isinstance(value, int) or not 5 <= value <= 300:
        raise RingGroupError(f"{field}: 5 to 300 seconds")
    return value


def add(
    db: sqlite_utils.Database,
    name: str,
    *,
    members: list[str],
    strategy: str = "ringall",
    number: str | None = None,
    ring_timeout: int = 25,
    member_timeout: int = 15,
    final: str = "hangup",
    actor: str = "system",
    replaces: str | None = None,
) -> None:
    """`members`: extension numbers in ringing order, each optionally `201:20` with its
    own ring time (in-order groups; `member_timeout` otherwise). With `replaces`, the
    group of that name is changed instead (see update)."""
    if not NAME_RE.fullmatch(name):
        raise RingGroupError("name: lower-case letters, digits, - and _, up to 32")
    if name != replaces and db["ring_groups"].count_where("name = ?", [name]):
        raise RingGroupError(f"name: ring group {name} already exists")
    old = get(db, replaces) if replaces else None
    if number is not None and not (old and old.number == number):
        if not NUMBER_RE.fullmatch(number):
            raise RingGroupError("number: 2 to 6 digits, not starting with 0")
        if owner := number_owner(db, number):
            raise RingGroupError(f"number: {number} is taken by {owner}")
    if strategy not in STRATEGIES:
        raise RingGroupError(f"strategy: one of {', '.join(STRATEGIES)}")
    _timeout(ring_timeout, "ring_timeout")
    parsed: list[Member] = []
    for item in members:
        extension, _, seconds = item.strip().partition(":")
        if not db["extensions"].count_where("number = ?", [extension]):
            raise RingGroupError(f"members: no extension {extension}")
        if any(m.extension == extension for m in parsed):
            raise RingGroupError(f"members: {extension} is listed twice")
        if seconds and not seconds.isdigit():
            raise RingGroupError(f"members: {item}: the ring time is whole seconds")
        parsed.append(Member(extension, _timeout(int(seconds or member_timeout), "members")))
    if not parsed:
        raise RingGroupError("members: at least one extension")
    try:
        final = destinations.check(db, final, "final")
    except destinations.DestinationError as exc:
        raise RingGroupError(str(exc)) from None
    row = {"name": name, "number": number, "strategy": strategy,
           "ring_timeout": ring_timeout, "final": final}  # fmt: skip
    with db.atomic():
        if replaces is None:
            db["ring_groups"].insert({**row, "created_at": utcnow()})
        else:  # (members first: they reference the group by name)
            db["ring_group_members"].delete_where("ring_group = ?", [replaces])
            db["ring_groups"].update(replaces, row)
            destinations.rename(db, f"ring_group:{replaces}", f"ring_group:{name}")
        db["ring_group_members"].insert_all(
            {"ring_group": name, "extension": m.extension, "position": i,
             "ring_timeout": m.ring_timeout}
            for i, m in enumerate(parsed)
        )  # fmt: skip
        what = f"{name} {strategy} {[m.extension for m in parsed]}"
        if replaces is None:
            record(db, actor, "ringgroup.create", what)
        else:
            record(db, actor, "ringgroup.update", f"{replaces} -> {what}")


def update(db: sqlite_utils.Database, name: str, *, actor: str = "system", **changes) -> None:
    """Change some of a group's fields (add's keywords; `members` as for add). `new_name`
    renames it, and the destinations sending calls to it follow."""
    old = get(db, name)
    if old is None:
        raise RingGroupError(f"name: no ring group {name}")
    current = {
        "members": [f"{m.extension}:{m.ring_timeout}" for m in old.members],
        "strategy": old.strategy, "number": old.number, "ring_timeout": old.ring_timeout,
        "final": old.final,
    }  # fmt: skip
    new_name = changes.pop("new_name", None) or name
    add(db, new_name, **{**current, **changes}, actor=actor, replaces=name)


def get(db: sqlite_utils.Database, name: str) -> RingGroup | None:
    rows = list(db["ring_groups"].rows_where("name = ?", [name]))
    if not rows:
        return None
    row = rows[0]
    members = db.query(
        "SELECT extension, ring_timeout FROM ring_group_members WHERE ring_group = ?"
        " ORDER BY position",
        [name],
    )
    return RingGroup(
        row["name"], row["number"], row["strategy"], row["ring_timeout"], row["final"],
        tuple(Member(m["extension"], m["ring_timeout"]) for m in members),
    )  # fmt: skip


def by_number(db: sqlite_utils.Database, number: str) -> str | None:
    row = db.execute("SELECT name FROM ring_groups WHERE number = ?", [number]).fetchone()
    return row[0] if row else None


def all_groups(db: sqlite_utils.Database) -> list[RingGroup]:
    names = [r[0] for r in db.execute("SELECT name FROM ring_groups ORDER BY name")]
    return [g for g in (get(db, n) for n in names) if g is not None]


def delete(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    if not db["ring_groups"].count_where("name = ?", [name]):
        raise RingGroupError(f"name: no ring group {name}")
    destinations.refuse_if_used(db, f"ring_group:{name}", "name", RingGroupError)
    with db.atomic():
        db["ring_groups"].delete(name)
        record(db, actor, "ringgroup.delete", name)
