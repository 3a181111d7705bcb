"""IVR menus: a greeting, keys that lead somewhere, optional direct dialling of
extensions, and a final destination so a caller who presses nothing still reaches
someone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlite_utils

from tongdai.store import destinations
from tongdai.store.audit import record
from tongdai.store.db import utcnow
from tongdai.store.features import number_owner

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
NUMBER_RE = re.compile(r"^[1-9][0-9]{1,5}$")
KEYS = "0123456789*#"


class IvrError(ValueError):
    """A bad IVR field; the message names it."""


@dataclass(frozen=True)
class Menu:
    name: str
    greeting: str  # prompt names
    final: str
    number: str | None = None
    timeout: int = 5
    retries: int = 2
    invalid_prompt: str = "ivr_invalid"
    timeout_prompt: str = "ivr_no_input"
    direct_dial: bool = False
    repeat_key: str = "*"
    options: dict[str, str] = field(default_factory=dict)  # key -> destination


def _check(db: sqlite_utils.Database, menu: Menu) -> Menu:
    if not NAME_RE.fullmatch(menu.name):
        raise IvrError("name: lower-case letters, digits, - and _, up to 32")
    if menu.number is not None:
        if not NUMBER_RE.fullmatch(menu.number):
            raise IvrError("number: 2 to 6 digits, not starting with 0")
        owner = number_owner(db, menu.number)
        if owner and owner != f"IVR menu {menu.number}":
            raise IvrError(f"number: {menu.number} is taken by {owner}")
    for name in ("greeting", "invalid_prompt", "timeout_prompt"):
        value = getattr(menu, name)
        if not destinations.PROMPT_RE.fullmatch(value):
            raise IvrError(f"{name}: a prompt name (lower-case letters, digits, - and _)")
    if not 1 <= menu.timeout <= 60:
        raise IvrError("timeout: 1 to 60 seconds")
    if not 0 <= menu.retries <= 9:
        raise IvrError("retries: 0 to 9")
    if (menu.repeat_key and menu.repeat_key not in KEYS) or len(menu.repeat_key) > 1:
        raise IvrError("repeat_key: one key, 0-9 * or #, or empty for none")
    options = {}
    for key, destination in menu.options.items():
        if len(key) != 1 or key not in KEYS:
            raise IvrError(f"options: {key!r} is not a key (0-9, * or #)")
        if key == menu.repeat_key:
            raise IvrError(f"options: {key} is the repeat key")
        if menu.direct_dial and key in "123456789" and _extension_starts(db, key):
            raise IvrError(f"options: key {key} is the first digit of extensions callers may dial")
        options[key] = _destination(db, destination, f"options: key {key}")
    final = _destination(db, menu.final, "final")
    if final == "hangup" or final.startswith("announcement:"):
        raise IvrError("final: a person or a voicemail box (a caller who presses nothing)")
    return Menu(**{**menu.__dict__, "options": options, "final": final})


def _extension_starts(db: sqlite_utils.Database, digit: str) -> bool:
    return bool(db["extensions"].count_where("substr(number, 1, 1) = ?", [digit]))


def _destination(db: sqlite_utils.Database, text: str, where: str) -> str:
    try:
        return destinations.check(db, text, where)
    except destinations.DestinationError as exc:
        raise IvrError(str(exc)) from None


def save(db: sqlite_utils.Database, menu: Menu, *, actor: str = "system") -> None:
    """Create or replace a menu with all its keys, in one transaction."""
    menu = _check(db, menu)
    exists = bool(db["ivr_menus"].count_where("name = ?", [menu.name]))
    row = {k: v for k, v in menu.__dict__.items() if k != "options"}
    row["direct_dial"] = int(menu.direct_dial)
    with db.atomic():
        if exists:
            db["ivr_menus"].update(menu.name, row)
            db["ivr_options"].delete_where("menu = ?", [menu.name])
        else:
            db["ivr_menus"].insert({**row, "created_at": utcnow()})
        db["ivr_options"].insert_all(
            {"menu": menu.name, "digit": k, "destination": d} for k, d in menu.options.items()
        )
        record(db, actor, "ivr.update" if exists else "ivr.create", menu.name)


def set_option(
    db: sqlite_utils.Database, name: str, key: str, destination: str, *, actor: str = "system"
) -> None:
    """Point one key at a destination ('' removes the key)."""
    menu = get(db, name)
    if menu is None:
        raise IvrError(f"name: no IVR menu {name}")
    options = dict(menu.options)
    if destination:
        options[key] = destination
    elif options.pop(key, None) is None:
        raise IvrError(f"key: {name} has no key {key}")
    save(db, Menu(**{**menu.__dict__, "options": options}), actor=actor)


def get(db: sqlite_utils.Database, name: str) -> Menu | None:
    rows = list(db["ivr_menus"].rows_where("name = ?", [name]))
    if not rows:
        return None
    row = rows[0]
    options = {
        r["digit"]: r["destination"]
        for r in db.query("SELECT digit, destination FROM ivr_options WHERE menu = ?", [name])
    }
    return Menu(
        name=row["name"], greeting=row["greeting"], final=row["final"], number=row["number"],
        timeout=row["timeout"], retries=row["retries"], invalid_prompt=row["invalid_prompt"],
        timeout_prompt=row["timeout_prompt"], direct_dial=bool(row["direct_dial"]),
        repeat_key=row["repeat_key"], options=options,
    )  # fmt: skip


def by_number(db: sqlite_utils.Database, number: str) -> str | None:
    row = db.execute("SELECT name FROM ivr_menus WHERE number = ?", [number]).fetchone()
    return row[0] if row else None


def all_menus(db: sqlite_utils.Database) -> list[Menu]:
    names = [r[0] for r in db.execute("SELECT name FROM ivr_menus ORDER BY name")]
    return [m for m in (get(db, n) for n in names) if m is not None]


def delete(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    if not db["ivr_menus"].count_where("name = ?", [name]):
        raise IvrError(f"name: no IVR menu {name}")
    with db.atomic():
        db["ivr_options"].delete_where("menu = ?", [name])  # its own keys may loop back
        destinations.refuse_if_used(db, f"ivr:{name}", "name", IvrError)
        db["ivr_menus"].delete(name)
        record(db, actor, "ivr.delete", name)
