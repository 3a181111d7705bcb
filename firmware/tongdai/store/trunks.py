"""SIP trunks to providers: where they are, how the box logs in, where their calls come from."""

from __future__ import annotations

import ipaddress
import re

import sqlite_utils

from tongdai.store.audit import record
from tongdai.store.db import utcnow

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
CALLER_ID_RE = re.compile(r"^\+?[0-9]{1,20}$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9-]+$"
)


class TrunkError(ValueError):
    """A bad trunk field; the message names it."""


def add(
    db: sqlite_utils.Database,
    name: str,
    *,
    host: str,
    port: int = 5060,
    username: str = "",
    password: str = "",
    register: bool = False,
    expires: int = 600,
    inbound_from: list[str] | None = None,
    max_calls: int = 0,
    caller_id: str = "",
    match_port: bool = False,
    actor: str = "system",
    replaces: str | None = None,
) -> None:
    """A new trunk; or, with `replaces`, the trunk of that name changed (see update)."""
    if not NAME_RE.fullmatch(name):
        raise TrunkError("name: lower-case letters, digits, - and _, up to 32")
    if name != replaces and db["trunks"].count_where("name = ?", [name]):
        raise TrunkError(f"name: trunk {name} already exists")
    if not is_address(host) and not HOST_RE.fullmatch(host):
        raise TrunkError("host: an IP address or a host name")
    if not 1 <= port <= 65535:
        raise TrunkError("port: 1-65535")
    if register and not (username and password):
        raise TrunkError("username: registration needs a username and a password")
    if not 60 <= expires <= 86400:
        raise TrunkError("expires: 60-86400 seconds")
    extra = [a.strip() for a in inbound_from or [] if a.strip()]
    for address in extra:
        if not is_address(address):
            raise TrunkError(f"inbound_from: {address!r} is not an IP address")
    if not 0 <= max_calls <= 1000:
        raise TrunkError("max_calls: 0 (no limit) to 1000")
    if caller_id and not CALLER_ID_RE.fullmatch(caller_id):
        raise TrunkError("caller_id: a number, digits with an optional leading +")
    row = {
        "name": name, "host": host, "port": port, "username": username,
        "password": password, "register": int(register), "expires": expires,
        "inbound_from": ",".join(extra), "max_calls": max_calls,
        "caller_id": caller_id, "match_port": int(match_port),
    }  # fmt: skip
    with db.atomic():
        if replaces is None:
            db["trunks"].insert({**row, "created_at": utcnow()})
            record(db, actor, "trunk.create", f"{name} {host}:{port}")
            return
        db["trunks"].update(replaces, row)
        if name != replaces:  # the routes that name it follow the new name
            for r in list(db.query("SELECT name, trunks FROM outbound_routes")):
                named = [name if t == replaces else t for t in r["trunks"].split(",")]
                db["outbound_routes"].update(r["name"], {"trunks": ",".join(named)})
            db.execute("UPDATE inbound_routes SET trunk = ? WHERE trunk = ?", [name, replaces])
        record(db, actor, "trunk.update", f"{replaces} -> {name} {host}:{port}")


def update(db: sqlite_utils.Database, name: str, *, actor: str = "system", **changes) -> None:
    """Change some of a trunk's fields (add's keywords; `new_name` renames it, and the
    routes naming it follow). An empty or missing password keeps the current one."""
    rows = list(db["trunks"].rows_where("name = ?", [name]))
    if not rows:
        raise TrunkError(f"name: no trunk {name}")
    unknown = set(changes) - _FIELDS - {"new_name"}
    if unknown:
        raise TypeError(f"unknown trunk fields: {sorted(unknown)}")
    current = {k: rows[0][k] for k in _FIELDS}
    current.update(register=bool(current["register"]), match_port=bool(current["match_port"]),
                   inbound_from=[a for a in current["inbound_from"].split(",") if a])  # fmt: skip
    if not changes.get("password"):
        changes.pop("password", None)
    new_name = changes.pop("new_name", None) or name
    add(db, new_name, **{**current, **changes}, actor=actor, replaces=name)


_FIELDS = {
    "host", "port", "username", "password", "register", "expires", "inbound_from",
    "max_calls", "caller_id", "match_port",
}  # fmt: skip


def delete(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    if not db["trunks"].count_where("name = ?", [name]):
        raise TrunkError(f"name: no trunk {name}")
    users = [r["name"] for r in db.query("SELECT name, trunks FROM outbound_routes")
             if name in r["trunks"].split(",")]  # fmt: skip
    users += [f"inbound {r['did'] or 'any'}" for r in db.query(
        "SELECT did FROM inbound_routes WHERE trunk = ?", [name])]  # fmt: skip
    if users:
        raise TrunkError(f"name: trunk {name} is used by routes: {', '.join(users)}")
    with db.atomic():
        db["trunks"].delete(name)
        record(db, actor, "trunk.delete", name)


def all_trunks(db: sqlite_utils.Database) -> list[dict]:
    """Every trunk, passwords included (for the edge; never print them)."""
    return list(db.query("SELECT * FROM trunks ORDER BY name"))


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
