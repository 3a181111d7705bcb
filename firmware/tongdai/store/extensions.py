"""SIP extensions: number, display name and a generated secret."""

from __future__ import annotations

import re
import secrets

import sqlite_utils

from tongdai.store import destinations
from tongdai.store.audit import record
from tongdai.store.db import utcnow
from tongdai.store.features import number_owner

NUMBER_RE = re.compile(r"^[1-9][0-9]{1,5}$")  # 2-6 digits; feature codes start with *
MIN_SECRET_LENGTH = 12
RECORD_POLICIES = ("never", "always", "on-demand")
# How far an extension may call out (emergency numbers always go): internal calls only,
# local, national (the default: no international toll fraud from a stolen secret), or
# international.
PERMISSIONS = ("internal", "local", "national", "international")


class ExtensionError(ValueError):
    """A bad extension field; the message names it."""


def generate_secret() -> str:
    """A 20-character alphanumeric SIP secret (~119 bits): typeable on a phone's keypad UI."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


def add(
    db: sqlite_utils.Database,
    number: str,
    *,
    name: str = "",
    secret: str | None = None,
    ring_timeout: int | None = None,
    recording: str = "never",
    permission: str = "national",
    record_prompts: bool = False,
    actor: str = "system",
) -> str:
    """Create an extension and return its secret (generated when none is given)."""
    if not NUMBER_RE.fullmatch(number):
        raise ExtensionError("number: 2 to 6 digits, not starting with 0")
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ExtensionError(f"secret: at least {MIN_SECRET_LENGTH} characters")
    _check(recording, permission, ring_timeout)
    if db["extensions"].count_where("number = ?", [number]):
        raise ExtensionError(f"number: extension {number} already exists")
    if owner := number_owner(db, number):
        raise ExtensionError(f"number: {number} is taken by {owner}")
    secret = secret or generate_secret()
    with db.atomic():
        db["extensions"].insert(
            {
                "number": number,
                "name": name.strip(),
                "secret": secret,
                "ring_timeout": ring_timeout,
                "record": recording,
                "permission": permission,
                "record_prompts": int(record_prompts),
                "created_at": utcnow(),
            }
        )
        record(db, actor, "extension.create", f"{number} {name}".strip())
    return secret


def _check(recording: str, permission: str, ring_timeout: int | None) -> None:
    """The fields `add` and `update` share."""
    if recording not in RECORD_POLICIES:
        raise ExtensionError(f"record: one of {', '.join(RECORD_POLICIES)}")
    if permission not in PERMISSIONS:
        raise ExtensionError(f"permission: one of {', '.join(PERMISSIONS)}")
    if ring_timeout is not None and not 5 <= ring_timeout <= 600:
        raise ExtensionError("ring_timeout: 5 to 600 seconds")


def update(
    db: sqlite_utils.Database,
    number: str,
    *,
    name: str,
    ring_timeout: int | None,
    recording: str,
    permission: str,
    record_prompts: bool,
    actor: str = "system",
) -> None:
    """Change everything of an extension but its number and secret (see new_secret)."""
    if get(db, number) is None:
        raise ExtensionError(f"number: no extension {number}")
    _check(recording, permission, ring_timeout)
    with db.atomic():
        db["extensions"].update(
            number,
            {"name": name.strip(), "ring_timeout": ring_timeout, "record": recording,
             "permission": permission, "record_prompts": int(record_prompts)},
        )  # fmt: skip
        detail = (
            f"{number} {name.strip()!r} ring {ring_timeout or 'default'} record {recording}"
            f" permission {permission} record-prompts {'yes' if record_prompts else 'no'}"
        )
        record(db, actor, "extension.update", detail)


def new_secret(db: sqlite_utils.Database, number: str, *, actor: str = "system") -> str:
    """Replace the extension's SIP secret with a generated one and return it (the audit
    entry says it changed, never what to)."""
    if get(db, number) is None:
        raise ExtensionError(f"number: no extension {number}")
    secret = generate_secret()
    with db.atomic():
        db["extensions"].update(number, {"secret": secret})
        record(db, actor, "extension.secret", number)
    return secret


def get(db: sqlite_utils.Database, number: str) -> dict | None:
    """One extension's settings, without its secret."""
    rows = list(db.query(f"SELECT {_COLUMNS} FROM extensions WHERE number = ?", [number]))
    return rows[0] if rows else None


def details(db: sqlite_utils.Database) -> list[dict]:
    """Every extension's settings without the secret, with whether it has a voicemail box."""
    return list(
        db.query(
            f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM voicemail_boxes v"
            " WHERE v.extension = e.number) AS voicemail FROM extensions e ORDER BY number"
        )
    )


_COLUMNS = "number, name, ring_timeout, record, permission, record_prompts, created_at"


def delete(db: sqlite_utils.Database, number: str, *, actor: str = "system") -> None:
    if not db["extensions"].count_where("number = ?", [number]):
        raise ExtensionError(f"number: no extension {number}")
    for destination in (f"extension:{number}", f"voicemail:{number}"):
        destinations.refuse_if_used(db, destination, "number", ExtensionError)
    groups = [r[0] for r in db.execute(
        "SELECT ring_group FROM ring_group_members WHERE extension = ?", [number])]  # fmt: skip
    if groups:
        raise ExtensionError(f"number: {number} is in the ring groups {', '.join(groups)}")
    if db["agents"].count_where("number = ? AND kind = 'extension'", [number]):
        raise ExtensionError(f"number: {number} is a queue agent (tongdai agent del {number})")
    if macs := [r["mac"] for r in db.query("SELECT mac FROM phones WHERE extension = ?", [number])]:
        raise ExtensionError(
            f"number: desk phone {', '.join(macs)} is assigned to {number} (tongdai phone del MAC)"
        )
    with db.atomic():
        db["voicemail_boxes"].delete_where("extension = ?", [number])
        db["extensions"].delete(number)
        record(db, actor, "extension.delete", number)


def all_extensions(db: sqlite_utils.Database) -> list[dict]:
    """Every extension without its secret, ordered by number."""
    return list(
        db.query("SELECT number, name, permission, created_at FROM extensions ORDER BY number")
    )
