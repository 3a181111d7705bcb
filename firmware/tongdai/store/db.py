"""Opening the database, applying migrations, and noticing changes made elsewhere."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from tongdai.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def open_db(path: Path | str, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database in WAL mode and bring its schema up to date.

    WAL with synchronous=NORMAL never corrupts on a process crash or power loss;
    at worst the last commits before a power cut are lost.
    """
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    db = sqlite_utils.Database(conn)
    if migrate:
        apply_migrations(db)
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database lacks, each in its own transaction."""
    applied = []
    conn = db.conn
    while True:
        # BEGIN IMMEDIATE takes the write lock first, so two processes starting
        # together cannot both apply the same step.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(db)
            if version > len(MIGRATIONS):
                raise RuntimeError(f"database schema {version} is newer than this firmware")
            if version == len(MIGRATIONS):
                conn.execute("COMMIT")
                break
            title, sql = MIGRATIONS[version]
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("database migrated to schema %d: %s", version + 1, title)
        applied.append(title)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buf.strip()[:60]}")
    return out


class ChangeWatcher:
    """Calls back when another connection (the CLI, say) commits to the database.

    `PRAGMA data_version` changes whenever another connection commits, so a
    cheap poll lets a running service honour CLI changes without a restart.
    """

    def __init__(self, db: sqlite_utils.Database, interval: float = 0.5) -> None:
        self._db = db
        self._interval = interval
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def _version(self) -> int:
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    async def run(self) -> None:
        seen = self._version()
        while True:
            await asyncio.sleep(self._interval)
            now = self._version()
            if now != seen:
                seen = now
                for callback in self._listeners:
                    try:
                        callback()
                    except Exception:
                        log.exception("change listener failed")
