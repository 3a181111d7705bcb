"""Console sessions: a random id in the browser's cookie, its SHA-256 here.

A session ends when idle too long, when too old whatever its use, at logout, and
when its user's password changes or the user is deleted (ON DELETE CASCADE).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlite_utils

TOUCH_EVERY = 60.0  # seconds: how stale seen_at may get, so a page view is not always a write


@dataclass(frozen=True)
class Session:
    id_hash: str
    user_id: int
    csrf_token: str
    created_at: float
    seen_at: float


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def create(db: sqlite_utils.Database, user_id: int, address: str = "") -> tuple[str, Session]:
    """A new session; the id (for the cookie) is returned only here."""
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    session = Session(_hash(session_id), user_id, secrets.token_urlsafe(32), now, now)
    with db.atomic():
        db["console_sessions"].insert({**session.__dict__, "address": address})
    return session_id, session


def find(
    db: sqlite_utils.Database, session_id: str, *, idle: float, lifetime: float
) -> Session | None:
    """The live session with this id (touched), or None; an expired one is deleted."""
    if not session_id:
        return None
    row = db.execute(
        "SELECT id_hash, user_id, csrf_token, created_at, seen_at FROM console_sessions "
        "WHERE id_hash = ?",
        [_hash(session_id)],
    ).fetchone()
    if row is None:
        return None
    session, now = Session(*row), time.time()
    if now - session.seen_at > idle or now - session.created_at > lifetime:
        delete(db, session_id)
        return None
    if now - session.seen_at > TOUCH_EVERY:
        with db.atomic():
            db["console_sessions"].update(session.id_hash, {"seen_at": now})
    return session


def delete(db: sqlite_utils.Database, session_id: str) -> None:
    with db.atomic():
        db.execute("DELETE FROM console_sessions WHERE id_hash = ?", [_hash(session_id)])


def delete_for_user(db: sqlite_utils.Database, user_id: int, *, keep: str = "") -> None:
    """End a user's sessions (a password change), all but the id_hash `keep`."""
    with db.atomic():
        db.execute(
            "DELETE FROM console_sessions WHERE user_id = ? AND id_hash != ?", [user_id, keep]
        )


def purge(db: sqlite_utils.Database, *, idle: float, lifetime: float) -> int:
    """Delete expired sessions; returns how many."""
    now = time.time()
    with db.atomic():
        cur = db.execute(
            "DELETE FROM console_sessions WHERE seen_at < ? OR created_at < ?",
            [now - idle, now - lifetime],
        )
    return cur.rowcount
