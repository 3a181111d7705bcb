"""What the agent desk keeps: notes and dispositions on calls (keyed by the CDR's id) and
each queue's call script."""

from __future__ import annotations

import re

import sqlite_utils

from tongdai.store.audit import record
from tongdai.store.db import utcnow

# How a call ended for the business; the console shows each in the reader's language.
DISPOSITIONS = (
    "resolved", "information", "sale", "no sale", "complaint", "call back",
    "escalated", "wrong number",
)  # fmt: skip
MAX_NOTE = 2000
MAX_SCRIPT = 4000
CALL_ID_RE = re.compile(r"[0-9a-f]{32}")  # store.cdr ids: uuid4 hex


class DeskError(ValueError):
    """A bad note, disposition or script; the message names the field."""


def save_note(
    db: sqlite_utils.Database, call_id: str, disposition: str, note: str, *, actor: str
) -> None:
    """Set the note and disposition of a call (its CDR id; the row may not be written yet
    while the call goes on)."""
    note = note.strip()
    if not CALL_ID_RE.fullmatch(call_id):
        raise DeskError("call: not a call id")
    if disposition and disposition not in DISPOSITIONS:
        raise DeskError(f"disposition: one of {', '.join(DISPOSITIONS)}")
    if not disposition and not note:
        raise DeskError("disposition: choose a disposition or write a note")
    if len(note) > MAX_NOTE:
        raise DeskError(f"note: at most {MAX_NOTE} characters")
    with db.atomic():
        db["call_notes"].upsert(
            {"call_id": call_id, "disposition": disposition, "note": note, "agent": actor,
             "updated_at": utcnow()}, pk="call_id",
        )  # fmt: skip
        record(db, actor, "call.note", f"{call_id}: {disposition or '-'}")


def note(db: sqlite_utils.Database, call_id: str) -> dict | None:
    rows = list(db.query("SELECT * FROM call_notes WHERE call_id = ?", [call_id]))
    return rows[0] if rows else None


def scripts(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT name, display, script FROM queues ORDER BY name"))


def script(db: sqlite_utils.Database, queue: str) -> str:
    row = db.execute("SELECT script FROM queues WHERE name = ?", [queue]).fetchone()
    return row[0] if row else ""


def set_script(db: sqlite_utils.Database, queue: str, text: str, *, actor: str) -> None:
    text = text.strip().replace("\r\n", "\n")
    if len(text) > MAX_SCRIPT:
        raise DeskError(f"script: at most {MAX_SCRIPT} characters")
    with db.atomic():
        if not db.execute("SELECT 1 FROM queues WHERE name = ?", [queue]).fetchone():
            raise DeskError(f"queue: no queue {queue}")
        db.execute("UPDATE queues SET script = ? WHERE name = ?", [text, queue])
        record(db, actor, "queue.script", queue)
