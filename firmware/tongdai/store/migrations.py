"""Versioned schema migrations, applied in order at start.

The database's `PRAGMA user_version` is the number of migrations applied.
Append new steps at the end; never edit one that has shipped. Times are
stored UTC as ISO-8601 text.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "users, API tokens, extensions, audit log",
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,          -- Argon2id
            role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
            must_change_password INTEGER NOT NULL DEFAULT 0,
            language TEXT,                        -- NULL: the box's language
            created_at TEXT NOT NULL
        );
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,      -- SHA-256 of a 256-bit random token
            created_at TEXT NOT NULL,
            last_used_at TEXT
        );
        -- The SIP secret is kept readable because phone auto-provisioning
        -- must write it into the phone's configuration file.
        CREATE TABLE extensions (
            number TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,                  -- a username, or 'cli' / 'system'
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        """,
    ),
]
