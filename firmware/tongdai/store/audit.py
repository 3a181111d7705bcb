"""The audit log: who changed what, when. Never holds a secret."""

from __future__ import annotations

import sqlite_utils

from tongdai.store.db import utcnow


def record(db: sqlite_utils.Database, actor: str, action: str, detail: str = "") -> None:
    """Append one entry; call inside the transaction that makes the change."""
    db["audit_log"].insert({"at": utcnow(), "actor": actor, "action": action, "detail": detail})


def entries(db: sqlite_utils.Database, limit: int = 100) -> list[dict]:
    return list(db["audit_log"].rows_where(order_by="id desc", limit=limit))


def page(db: sqlite_utils.Database, *, offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
    """One page of entries, newest first, and how many there are in all."""
    total = db["audit_log"].count
    rows = db.query(
        "SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    )
    return list(rows), total
