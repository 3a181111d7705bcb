"""Time conditions: office hours as weekly ranges plus dated holidays, in the box's
time zone, choosing between an "open" and a "closed" destination; an override
(feature code or console) forces closed now, or open, until switched back."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlite_utils

from tongdai.store import destinations
from tongdai.store.audit import record
from tongdai.store.db import utcnow

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OVERRIDES = ("", "open", "closed")


class TimeConditionError(ValueError):
    """A bad time condition field; the message names it."""


@dataclass(frozen=True)
class Range:
    days: str  # ISO weekdays, "12345" = Monday to Friday
    start: str  # "08:00"
    end: str  # "17:30" (exclusive; "24:00" for the end of the day)

    def covers(self, when: dt.datetime) -> bool:
        return str(when.isoweekday()) in self.days and self.start <= f"{when:%H:%M}" < self.end


@dataclass(frozen=True)
class Holiday:
    first: str  # YYYY-MM-DD
    last: str
    name: str = ""


@dataclass(frozen=True)
class TimeCondition:
    id: int
    name: str
    open: str
    closed: str
    override: str
    ranges: tuple[Range, ...]
    holidays: tuple[Holiday, ...]

    def is_open(self, when: dt.datetime) -> bool:
        """Inside the hours at `when` (local time of the box), override first."""
        if self.override:
            return self.override == "open"
        day = when.date().isoformat()
        if any(h.first <= day <= h.last for h in self.holidays):
            return False
        return any(r.covers(when) for r in self.ranges)

    def destination(self, when: dt.datetime) -> str:
        return self.open if self.is_open(when) else self.closed


def parse_days(text: str) -> str:
    """'mon-fri', 'sat', 'mon,wed,fri' or '1-5' as ISO weekday digits ('12345')."""
    days = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        a, b = _day(first), _day(last or first)
        if a is None or b is None or a > b:
            raise TimeConditionError("days: like mon-fri, sat, mon,wed,fri (or 1-7, Monday is 1)")
        days.update(range(a, b + 1))
    return "".join(str(d) for d in sorted(days))


def _day(text: str) -> int | None:
    if text in DAY_NAMES:
        return DAY_NAMES.index(text) + 1
    return int(text) if text.isdigit() and 1 <= int(text) <= 7 else None


def parse_range(text: str) -> Range:
    """'mon-fri 08:00-17:30' as a Range."""
    days, _, hours = text.strip().partition(" ")
    start, _, end = hours.strip().partition("-")
    if not TIME_RE.fullmatch(start) or not TIME_RE.fullmatch(end) or not start < end:
        raise TimeConditionError("hours: like mon-fri 08:00-17:30 (24-hour, start before end)")
    return Range(parse_days(days), start, end)


def _date(text: str, field: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise TimeConditionError(f"{field}: a date as YYYY-MM-DD") from None


def add(
    db: sqlite_utils.Database,
    name: str,
    *,
    open: str,
    closed: str,
    hours: list[str],
    actor: str = "system",
    replaces: str | None = None,
) -> int:
    """A new condition with its weekly hours; returns its number (for the day/night code).
    With `replaces`, the condition of that name is changed instead (see update)."""
    if not NAME_RE.fullmatch(name):
        raise TimeConditionError("name: lower-case letters, digits, - and _, up to 32")
    if name != replaces and db["time_conditions"].count_where("name = ?", [name]):
        raise TimeConditionError(f"name: time condition {name} already exists")
    ranges = [parse_range(h) for h in hours]
    if not ranges:
        raise TimeConditionError("hours: at least one range, like mon-fri 08:00-17:30")
    try:
        open = destinations.check(db, open, "open")
        closed = destinations.check(db, closed, "closed")
    except destinations.DestinationError as exc:
        raise TimeConditionError(str(exc)) from None
    row = {"name": name, "open": open, "closed": closed}
    with db.atomic():
        if replaces is None:
            cid = db["time_conditions"].insert({**row, "created_at": utcnow()}).last_pk
        else:  # the same id: the day/night code and the holidays stay
            cid = _id(db, replaces)
            db["time_conditions"].update(cid, row)
            db["time_ranges"].delete_where("condition = ?", [cid])
            destinations.rename(db, f"time_condition:{replaces}", f"time_condition:{name}")
        db["time_ranges"].insert_all(
            {"condition": cid, "days": r.days, "start": r.start, "end": r.end} for r in ranges
        )
        if replaces is None:
            record(db, actor, "timecondition.create", f"{name} {hours}")
        else:
            record(db, actor, "timecondition.update", f"{replaces} -> {name} {hours}")
    return cid


def update(
    db: sqlite_utils.Database,
    name: str,
    *,
    new_name: str | None = None,
    open: str | None = None,
    closed: str | None = None,
    hours: list[str] | None = None,
    actor: str = "system",
) -> int:
    """Change a condition (None keeps a field); `new_name` renames it, and the
    destinations sending calls to it follow. Its override and holidays stay."""
    old = get(db, name)
    if old is None:
        raise TimeConditionError(f"name: no time condition {name}")
    if hours is None:
        hours = hours_text(old)
    return add(
        db, new_name or name, open=old.open if open is None else open,
        closed=old.closed if closed is None else closed, hours=hours, actor=actor,
        replaces=name,
    )  # fmt: skip


def _days_text(days: str) -> str:
    """ISO weekday digits as parse_days reads them ('12345' -> 'mon,tue,wed,thu,fri')."""
    return ",".join(DAY_NAMES[int(d) - 1] for d in days)


def hours_text(condition: TimeCondition) -> list[str]:
    """Its weekly hours as add and update take them."""
    return [f"{_days_text(r.days)} {r.start}-{r.end}" for r in condition.ranges]


def add_holiday(
    db: sqlite_utils.Database, name: str, first: str, last: str = "", *, label: str = "",
    actor: str = "system",
) -> None:  # fmt: skip
    cid = _id(db, name)
    first = _date(first, "date")
    last = _date(last, "until") if last else first
    if last < first:
        raise TimeConditionError("until: on or after the first day")
    with db.atomic():
        db["holidays"].insert({"condition": cid, "first": first, "last": last, "name": label})
        record(db, actor, "timecondition.holiday", f"{name} {first}..{last} {label}".strip())


def delete_holiday(
    db: sqlite_utils.Database, name: str, first: str, *, actor: str = "system"
) -> None:
    """Remove the holiday starting on `first` (YYYY-MM-DD)."""
    cid = _id(db, name)
    first = _date(first, "date")
    if not db["holidays"].count_where("condition = ? AND first = ?", [cid, first]):
        raise TimeConditionError("date: no holiday starts on this date")
    with db.atomic():
        db["holidays"].delete_where("condition = ? AND first = ?", [cid, first])
        record(db, actor, "timecondition.holiday.delete", f"{name} {first}")


def set_override(
    db: sqlite_utils.Database, name: str, override: str, *, actor: str = "system"
) -> None:
    if override not in OVERRIDES:
        raise TimeConditionError("override: open, closed, or '' to follow the hours")
    cid = _id(db, name)
    with db.atomic():
        db["time_conditions"].update(cid, {"override": override})
        record(db, actor, "timecondition.override", f"{name} {override or 'hours'}")


def _id(db: sqlite_utils.Database, name: str) -> int:
    row = db.execute("SELECT id FROM time_conditions WHERE name = ?", [name]).fetchone()
    if row is None:
        raise TimeConditionError(f"name: no time condition {name}")
    return row[0]


def get(db: sqlite_utils.Database, name: str) -> TimeCondition | None:
    rows = list(db["time_conditions"].rows_where("name = ?", [name]))
    return _load(db, rows[0]) if rows else None


def by_id(db: sqlite_utils.Database, cid: int) -> TimeCondition | None:
    rows = list(db["time_conditions"].rows_where("id = ?", [cid]))
    return _load(db, rows[0]) if rows else None


def _load(db: sqlite_utils.Database, row: dict) -> TimeCondition:
    ranges = db.query('SELECT days, start, "end" FROM time_ranges WHERE condition = ?', [row["id"]])
    holidays = db.query(
        "SELECT first, last, name FROM holidays WHERE condition = ? ORDER BY first", [row["id"]]
    )
    return TimeCondition(
        row["id"], row["name"], row["open"], row["closed"], row["override"],
        tuple(Range(r["days"], r["start"], r["end"]) for r in ranges),
        tuple(Holiday(h["first"], h["last"], h["name"]) for h in holidays),
    )  # fmt: skip


def all_conditions(db: sqlite_utils.Database) -> list[TimeCondition]:
    return [_load(db, r) for r in db.query("SELECT * FROM time_conditions ORDER BY id")]


def delete(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    _id(db, name)
    destinations.refuse_if_used(db, f"time_condition:{name}", "name", TimeConditionError)
    with db.atomic():
        db["time_conditions"].delete_where("name = ?", [name])
        record(db, actor, "timecondition.delete", name)
