"""SIP trunks to providers: where they are, how the box logs in, where their calls come from."""

from __future__ import annotations

import ipaddress
import re

import sqlite_utils

from tongdai.store.audit import record
from tongdai.store.db import utcnow

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
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
    actor: str = "system",
) -> None:
    if not NAME_RE.match(name):
        raise TrunkError("name: lower-case letters, digits, - and _, up to 32")
    if db["trunks"].count_where("name = ?", [name]):
        raise TrunkError(f"name: trunk {name} already exists")
    if not is_address(host) and not HOST_RE.match(host):
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
    with db.atomic():
        db["trunks"].insert(
            {
                "name": name, "host": host, "port": port, "username": username,
                "password": password, "register": int(register), "expires": expires,
                "inbound_from": ",".join(extra), "created_at": utcnow(),
            }
        )  # fmt: skip
        record(db, actor, "trunk.create", f"{name} {host}:{port}")


def delete(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    if not db["trunks"].count_where("name = ?", [name]):
        raise TrunkError(f"name: no trunk {name}")
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
