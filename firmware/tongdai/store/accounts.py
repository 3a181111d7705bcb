"""Console users (Argon2id passwords) and API tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import argon2
import sqlite_utils

from tongdai.store import sessions
from tongdai.store.audit import record
from tongdai.store.db import utcnow

ROLES = ("admin", "supervisor", "agent")
LANGUAGES = ("vi", "en")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "tdk_"

_hasher = argon2.PasswordHasher()  # Argon2id with the library's current defaults


class AccountError(ValueError):
    """A bad username, role, password or token; the message says which."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    must_change_password: bool
    language: str | None = None  # None: the box's language


def generate_password() -> str:
    """A strong password a person can still type: 4 groups of 5 base32 characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (i/l/1, o/0)
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters are required")


def create_user(
    db: sqlite_utils.Database,
    username: str,
    password: str,
    role: str,
    *,
    must_change_password: bool = False,
    actor: str = "system",
) -> User:
    username = username.strip()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise AccountError("username: letters, digits, '.' and '_' only")
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}")
    _check_password(password)
    if find_user(db, username):
        raise AccountError(f"username: {username!r} already exists")
    with db.atomic():
        db["users"].insert(
            {
                "username": username,
                "password_hash": _hasher.hash(password),
                "role": role,
                "must_change_password": int(must_change_password),
                "created_at": utcnow(),
            }
        )
        record(db, actor, "user.create", f"{username} ({role})")
    return find_user(db, username)


_USER_COLUMNS = "id, username, role, must_change_password, language"


def _user(row: tuple | None) -> User | None:
    return User(row[0], row[1], row[2], bool(row[3]), row[4]) if row else None


def find_user(db: sqlite_utils.Database, username: str) -> User | None:
    sql = f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?"
    return _user(db.execute(sql, [username]).fetchone())


def user_by_id(db: sqlite_utils.Database, user_id: int) -> User | None:
    sql = f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?"
    return _user(db.execute(sql, [user_id]).fetchone())


def list_users(db: sqlite_utils.Database) -> list[dict]:
    return list(
        db.query(
            "SELECT username, role, must_change_password, language, created_at, extension "
            "FROM users "
            "ORDER BY username COLLATE NOCASE"
        )
    )


def _existing(db: sqlite_utils.Database, username: str) -> User:
    user = find_user(db, username)
    if user is None:
        raise AccountError(f"username: no user {username!r}")
    return user


def _keep_an_admin(db: sqlite_utils.Database, user: User) -> None:
    """Refuse a change that would leave the box without an admin (call in the transaction)."""
    others = db.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND id != ?", [user.id]
    ).fetchone()[0]
    if user.role == "admin" and not others:
        raise AccountError("role: the last admin must stay an admin")


def set_role(db: sqlite_utils.Database, username: str, role: str, *, actor: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)}")
    with db.atomic():
        user = _existing(db, username)
        if role != "admin":
            _keep_an_admin(db, user)
        db["users"].update(user.id, {"role": role})
        record(db, actor, "user.role", f"{user.username}: {user.role} -> {role}")


# The agent desk: the extension a user answers at (users.extension).


def extension_of(db: sqlite_utils.Database, user_id: int) -> str | None:
    row = db.execute("SELECT extension FROM users WHERE id = ?", [user_id]).fetchone()
    return row[0] if row else None


def set_extension(db: sqlite_utils.Database, username: str, extension: str, *, actor: str):
    """Link a user to the extension they answer at ("" unlinks); one user per extension."""
    extension = extension.strip()
    with db.atomic():
        user = _existing(db, username)
        if extension:
            if not db.execute("SELECT 1 FROM extensions WHERE number = ?", [extension]).fetchone():
                raise AccountError(f"extension: no extension {extension}")
            other = db.execute("SELECT username FROM users WHERE extension = ? AND id != ?",
                               [extension, user.id]).fetchone()  # fmt: skip
            if other:
                raise AccountError(f"extension: {extension} is {other[0]}'s already")
        db["users"].update(user.id, {"extension": extension or None})
        record(db, actor, "user.extension", f"{user.username}: {extension or '-'}")


def delete_user(db: sqlite_utils.Database, username: str, *, actor: str) -> None:
    """Delete a user; their sessions and API tokens go with them."""
    with db.atomic():
        user = _existing(db, username)
        if user.username.lower() == actor.lower():
            raise AccountError("username: you cannot delete your own account")
        _keep_an_admin(db, user)
        db["users"].delete(user.id)
        record(db, actor, "user.delete", user.username)


def set_language(
    db: sqlite_utils.Database, username: str, language: str | None, *, actor: str
) -> None:
    if language is not None and language not in LANGUAGES:
        raise AccountError(f"language: one of {', '.join(LANGUAGES)}")
    with db.atomic():
        user = _existing(db, username)
        db["users"].update(user.id, {"language": language})
        record(db, actor, "user.language", f"{user.username}: {language or 'default'}")


def set_password(
    db: sqlite_utils.Database,
    username: str,
    password: str,
    *,
    must_change_password: bool = False,
    actor: str = "system",
    keep_session: str = "",
) -> None:
    """Set a password and end the user's console sessions (all but `keep_session`, an
    id hash: the one that made the change)."""
    _check_password(password)
    user = _existing(db, username)
    with db.atomic():
        sessions.delete_for_user(db, user.id, keep=keep_session)
        db["users"].update(
            user.id,
            {
                "password_hash": _hasher.hash(password),
                "must_change_password": int(must_change_password),
            },
        )
        record(db, actor, "user.password", username)


def verify_password(db: sqlite_utils.Database, username: str, password: str) -> User | None:
    """The user if the password matches; None otherwise (same cost either way)."""
    row = db.execute(
        "SELECT id, password_hash FROM users WHERE username = ?", [username]
    ).fetchone()
    # Hash against a dummy when the user is unknown so timing does not tell.
    stored = row[1] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        with db.atomic():
            db["users"].update(row[0], {"password_hash": _hasher.hash(password)})
    return find_user(db, username)


_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: sqlite_utils.Database, username: str, name: str, *, actor: str) -> str:
    """Create an API token for a user; the token itself is returned once and never stored."""
    user = find_user(db, username)
    if user is None:
        raise AccountError(f"user: no user {username!r}")
    name = name.strip()
    if not name:
        raise AccountError("name: give the token a name (what script uses it)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        db["api_tokens"].insert(
            {
                "user_id": user.id,
                "name": name,
                "token_hash": _token_hash(token),
                "created_at": utcnow(),
            }
        )
        record(db, actor, "token.create", f"{name} for {username}")
    return token


def verify_token(db: sqlite_utils.Database, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.execute(
        "SELECT t.id, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = ?",
        [_token_hash(token)],
    ).fetchone()
    if row is None:
        return None
    with db.atomic():
        db["api_tokens"].update(row[0], {"last_used_at": utcnow()})
    return find_user(db, row[1])
