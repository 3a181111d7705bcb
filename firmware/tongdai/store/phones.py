"""Desk phones the box provisions: a MAC assigned to an extension, with vendor and model."""

from __future__ import annotations

import re
import time

import sqlite_utils

from tongdai.store.audit import record
from tongdai.store.db import utcnow

VENDORS = ("yealink", "grandstream", "snom", "polycom", "cisco")
MODEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_SEPARATORS = re.compile(r"[:\-.\s]")
_MAC_RE = re.compile(r"^[0-9a-f]{12}$")


class PhoneError(ValueError):
    """A bad phone field; the message names it."""


def normalise_mac(text: str) -> str:
    """12 lower-case hex digits from the usual ways of writing a MAC (00:15:65:..., 0015.65..)."""
    mac = _SEPARATORS.sub("", text.strip()).lower()
    if not _MAC_RE.fullmatch(mac):
        raise PhoneError(f"mac: {text!r} is not a MAC address (12 hex digits)")
    return mac


def add(
    db: sqlite_utils.Database,
    mac: str,
    *,
    extension: str,
    vendor: str,
    model: str = "",
    label: str = "",
    actor: str = "system",
    now: float | None = None,
) -> str:
    """Assign a phone to an extension; returns the normalised MAC. Its files are served
    from now on for the provisioning window."""
    mac = normalise_mac(mac)
    vendor = vendor.strip().lower()
    if vendor not in VENDORS:
        raise PhoneError(f"vendor: one of {', '.join(VENDORS)}")
    if model and not MODEL_RE.fullmatch(model):
        raise PhoneError("model: letters, digits, '.', '_' or '-', at most 32")
    if not db["extensions"].count_where("number = ?", [extension]):
        raise PhoneError(f"extension: no extension {extension}")
    if existing := get(db, mac):
        raise PhoneError(f"mac: {mac} is already assigned to extension {existing['extension']}")
    with db.atomic():
        db["phones"].insert(
            {"mac": mac, "extension": extension, "vendor": vendor, "model": model,
             "label": label.strip(), "created_at": utcnow(),
             "opened_at": time.time() if now is None else now}
        )  # fmt: skip
        record(db, actor, "phone.create", f"{mac} {vendor} {model or '-'} -> {extension}")
    return mac


def delete(db: sqlite_utils.Database, mac: str, *, actor: str = "system") -> None:
    mac = normalise_mac(mac)
    if get(db, mac) is None:
        raise PhoneError(f"mac: no phone {mac}")
    with db.atomic():
        db["phones"].delete(mac)
        record(db, actor, "phone.delete", mac)


def get(db: sqlite_utils.Database, mac: str) -> dict | None:
    rows = list(db.query("SELECT * FROM phones WHERE mac = ?", [mac]))
    return rows[0] if rows else None


def all_phones(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT * FROM phones ORDER BY extension, mac"))


def of_extension(db: sqlite_utils.Database, number: str) -> list[str]:
    return [r["mac"] for r in db.query("SELECT mac FROM phones WHERE extension = ?", [number])]


def fetched(db: sqlite_utils.Database, mac: str, address: str, now: float) -> None:
    """Note a file served to the phone (not audited: phones fetch on every boot)."""
    db["phones"].update(mac, {"last_fetch_at": now, "last_fetch_from": address})


def request_resync(
    db: sqlite_utils.Database, mac: str, *, actor: str = "system", now: float | None = None
) -> float:
    """Reopen the phone's provisioning window and ask the running service to send it a
    check-sync (the service notices the change, sends it and writes `resync_result`).
    Returns the request's time, which `withdraw_resync` takes."""
    mac = normalise_mac(mac)
    if get(db, mac) is None:
        raise PhoneError(f"mac: no phone {mac}")
    now = time.time() if now is None else now
    with db.atomic():
        db["phones"].update(
            mac, {"opened_at": now, "resync_requested_at": now, "resync_result": ""}
        )
        record(db, actor, "phone.resync", mac)
    return now


def withdraw_resync(db: sqlite_utils.Database, mac: str, requested_at: float) -> bool:
    """Take back a request nobody acted on; False if the service took it meanwhile."""
    cur = db.execute(
        "UPDATE phones SET resync_requested_at = NULL WHERE mac = ? AND resync_requested_at = ?",
        [mac, requested_at],
    )
    return cur.rowcount == 1


def pending_resyncs(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT * FROM phones WHERE resync_requested_at IS NOT NULL"))


def resync_done(db: sqlite_utils.Database, mac: str, result: str) -> None:
    db["phones"].update(mac, {"resync_requested_at": None, "resync_result": result})
