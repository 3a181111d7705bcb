"""Registered SIP contacts, persisted so a restart of the service loses none."""

from __future__ import annotations

import sqlite_utils

COLUMNS = (
    "aor", "contact", "expires_at", "call_id", "cseq", "q", "instance", "transport",
    "source", "user_agent", "registered_at",
)  # fmt: skip


def load(db: sqlite_utils.Database, now: float) -> list[dict]:
    """Every unexpired binding (expired ones are deleted on the way)."""
    with db.atomic():
        db.execute("DELETE FROM sip_bindings WHERE expires_at <= ?", [now])
    return list(db.query("SELECT * FROM sip_bindings ORDER BY aor, registered_at"))


def save(db: sqlite_utils.Database, upserts: list[dict], deletes: list[tuple[str, str]]) -> None:
    """Apply a batch of changes in one transaction."""
    if not upserts and not deletes:
        return
    placeholders = ", ".join("?" for _ in COLUMNS)
    with db.atomic():
        if deletes:
            db.conn.executemany("DELETE FROM sip_bindings WHERE aor = ? AND contact = ?", deletes)
        if upserts:
            db.conn.executemany(
                f"INSERT OR REPLACE INTO sip_bindings ({', '.join(COLUMNS)}) "
                f"VALUES ({placeholders})",
                [tuple(row[c] for c in COLUMNS) for row in upserts],
            )
