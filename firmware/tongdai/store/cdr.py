"""Call detail records: one row per call, written when the call ends; CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import sqlite_utils

DISPOSITIONS = ("answered", "no answer", "busy", "failed", "cancelled")
COLUMNS = (
    "id", "linkedid", "start", "answer", "end", "duration", "billsec", "src", "src_name",
    "dst", "dst_channel", "trunk", "direction", "disposition", "hangup_by", "cause",
    "recording", "queue",
)  # fmt: skip


class CdrError(ValueError):
    """A bad export option; the message names it."""


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.UTC).isoformat(timespec="seconds")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Cdr:
    """A call being recorded. Fill in as the call goes; `finish()` writes the row."""

    src: str
    dst: str
    direction: str  # internal | inbound | outbound
    src_name: str = ""
    trunk: str = ""
    linkedid: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    start: dt.datetime = field(default_factory=now)
    answer: dt.datetime | None = None
    end: dt.datetime | None = None
    dst_channel: str = ""
    disposition: str = "failed"
    hangup_by: str = ""
    cause: str = ""
    recording: str = ""
    queue: str = ""  # the queue that answered it (dst_channel names the agent)

    def __post_init__(self) -> None:
        self.linkedid = self.linkedid or self.id

    def answered(self, who: str) -> None:
        self.answer = now()
        self.dst_channel = who
        self.disposition = "answered"

    def row(self) -> dict:
        end = self.end or now()
        data = asdict(self)
        data.update(
            start=_iso(self.start),
            answer=_iso(self.answer),
            end=_iso(end),
            duration=max(0, round((end - self.start).total_seconds())),
            billsec=max(0, round((end - self.answer).total_seconds())) if self.answer else 0,
        )
        return data


def save(db: sqlite_utils.Database, cdr: Cdr) -> None:
    if cdr.disposition not in DISPOSITIONS:
        raise ValueError(f"disposition must be one of {DISPOSITIONS}")
    cdr.end = cdr.end or now()
    db["cdr"].insert(cdr.row())


def rows(db: sqlite_utils.Database, since: str | None = None) -> Iterator[dict]:
    where, args = ("start >= ?", [since]) if since else (None, [])
    yield from db["cdr"].rows_where(where, args, order_by="start, id", select=", ".join(
        f'"{c}"' for c in COLUMNS
    ))  # fmt: skip


def parse_since(text: str) -> str:
    """A --since value (YYYY-MM-DD or an ISO-8601 time, local times taken as UTC) as stored."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CdrError(f"--since: expected a date like 2026-11-23, not {text!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return _iso(when)


def export_csv(db: sqlite_utils.Database, out: io.TextIOBase, since: str | None = None) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows(db, since):
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
        count += 1
    return count
