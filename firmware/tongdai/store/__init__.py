"""Storage: one SQLite file (WAL) through sqlite-utils, with versioned migrations."""

from tongdai.store.db import ChangeWatcher, open_db

__all__ = ["ChangeWatcher", "open_db"]
