"""The audit log: who changed what, when. Never holds a secret."""

from __future__ import annotations

import sqlite_utils

from tongdai.store.db import utcnow


def record(db: sqlite_utils.Database, actor: str, action: str, detail: str = "") -> None:
    """Append one entry; call inside the transaction that makes the change."""
    db["audit_log"].insert({"at": utcnow(), "actor": actor, "action": action, "detail": detail})


def entries(db: sqlite_utils.Database, limit: int = 100) -> list[dict]:
    return list(db["audit_log"].rows_where(order_by="id desc", limit=limit))
