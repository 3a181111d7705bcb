"""Inbound routes (a trunk's call by DID -> a destination) and outbound routes (an
extension's call to an outside number -> trunks, by dial pattern)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from tongdai.calls.patterns import PatternError, compile_pattern, matches
from tongdai.store import destinations
from tongdai.store.audit import record
from tongdai.store.db import utcnow
from tongdai.store.extensions import PERMISSIONS

RECORD_POLICIES = ("never", "always", "on-demand")
# Outbound classes, narrowest first; an extension's permission names the widest it may use.
CLASSES = ("local", "national", "international", "emergency")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DID_RE = re.compile(r"^\+?[0-9]{1,20}$")
CALLER_ID_RE = re.compile(r"^\+?[0-9]{1,20}$")


class RouteError(ValueError):
    """A bad route field; the message names it."""


def allowed(permission: str, route_class: str) -> bool:
    """May an extension with this permission use a route of this class?"""
    if route_class == "emergency":
        return True
    return PERMISSIONS.index(permission) >= CLASSES.index(route_class) + 1


# -- inbound -----------------------------------------------------------------------------


def _destination(db: sqlite_utils.Database, text: str) -> str:
    try:
        return destinations.check(db, text)
    except destinations.DestinationError as exc:
        raise RouteError(str(exc)) from None


def add_inbound(
    db: sqlite_utils.Database,
    did: str,
    destination: str,
    *,
    trunk: str = "",
    recording: str = "never",
    priority: int = 0,
    caller: str = "",
    actor: str = "system",
    replaces: int | None = None,
) -> int:
    """Route calls to `did` ('' or 'any': every number) from `trunk` ('': any trunk)
    whose caller ID matches the dial pattern `caller` ('': any caller). `priority`
    puts its callers ahead of others in a queue. With `replaces`, the route of that
    id is changed instead (see update_inbound)."""
    did = "" if did in ("", "any") else did
    if did and not DID_RE.fullmatch(did):
        raise RouteError("did: the number called, digits with an optional leading +, or 'any'")
    if trunk and not db["trunks"].count_where("name = ?", [trunk]):
        raise RouteError(f"trunk: no trunk {trunk}")
    if recording not in RECORD_POLICIES:
        raise RouteError(f"record: one of {', '.join(RECORD_POLICIES)}")
    if not isinstance(priority, int) or not 0 <= priority <= 100:
        raise RouteError("priority: a whole number from 0 to 100")
    if caller:
        try:
            compile_pattern(caller)
        except PatternError as exc:
            raise RouteError(f"caller: {exc}") from None
    destination = _destination(db, destination)
    if db["inbound_routes"].count_where(
        "did = ? AND trunk = ? AND caller = ? AND id IS NOT ?", [did, trunk, caller, replaces]
    ):
        raise RouteError(
            f"did: a route for {did or 'any'} from {trunk or 'any trunk'}"
            f"{' and callers ' + caller if caller else ''} exists"
        )
    row = {"did": did, "trunk": trunk, "destination": destination, "record": recording,
           "priority": priority, "caller": caller}  # fmt: skip
    what = f"{did or 'any'} {trunk} -> {destination}"
    with db.atomic():
        if replaces is not None:
            db["inbound_routes"].update(replaces, row)
            record(db, actor, "route.inbound.update", f"{replaces}: {what}")
            return replaces
        row_id = db["inbound_routes"].insert({**row, "created_at": utcnow()}).last_rowid
        record(db, actor, "route.inbound.create", what)
    return row_id


def update_inbound(
    db: sqlite_utils.Database, route_id: int, *, actor: str = "system", **changes
) -> None:
    """Change some of an inbound route's fields (add_inbound's keywords, and `did` and
    `destination`)."""
    rows = list(db["inbound_routes"].rows_where("id = ?", [route_id]))
    if not rows:
        raise RouteError(f"id: no inbound route {route_id}")
    r = rows[0]
    current = {"did": r["did"], "destination": r["destination"], "trunk": r["trunk"],
               "recording": r["record"], "priority": r["priority"],
               "caller": r["caller"]}  # fmt: skip
    add_inbound(db, **{**current, **changes}, actor=actor, replaces=route_id)


def delete_inbound(db: sqlite_utils.Database, route_id: int, *, actor: str = "system") -> None:
    if not db["inbound_routes"].count_where("id = ?", [route_id]):
        raise RouteError(f"id: no inbound route {route_id}")
    with db.atomic():
        db["inbound_routes"].delete(route_id)
        record(db, actor, "route.inbound.delete", str(route_id))


def inbound(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT * FROM inbound_routes ORDER BY did, trunk"))


def find_inbound(db: sqlite_utils.Database, did: str, trunk: str, caller: str = "") -> dict | None:
    """The most specific route: the DID named before any DID, then a caller pattern
    that matches before any caller, then the trunk named before any trunk."""
    rows = db.query(
        """SELECT * FROM inbound_routes WHERE did IN (?, '') AND trunk IN (?, '')
           ORDER BY did = '', caller = '', trunk = ''""",
        [did, trunk],
    )
    return next((r for r in rows if not r["caller"] or matches(r["caller"], caller)), None)


# -- outbound ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundRoute:
    name: str
    patterns: tuple[str, ...]
    strip: int
    prefix: str
    trunks: tuple[str, ...]
    route_class: str
    caller_id: str
    record: str

    def dialled(self, number: str) -> str:
        """The number sent to the trunk."""
        return self.prefix + number[self.strip :]


def add_outbound(
    db: sqlite_utils.Database,
    name: str,
    *,
    patterns: list[str],
    trunks: list[str],
    route_class: str,
    strip: int = 0,
    prefix: str = "",
    caller_id: str = "",
    recording: str = "never",
    position: int | None = None,
    actor: str = "system",
    replaces: str | None = None,
) -> None:
    """A new route; or, with `replaces`, the route of that name changed (see update_outbound)."""
    if not NAME_RE.fullmatch(name):
        raise RouteError("name: lower-case letters, digits, - and _, up to 32")
    if name != replaces and db["outbound_routes"].count_where("name = ?", [name]):
        raise RouteError(f"name: route {name} already exists")
    patterns = [p.strip() for p in patterns if p.strip()]
    if not patterns:
        raise RouteError("pattern: at least one dial pattern")
    for pattern in patterns:
        try:
            compile_pattern(pattern)
        except PatternError as exc:
            raise RouteError(f"pattern: {exc}") from None
    trunks = [t.strip() for t in trunks if t.strip()]
    if not trunks:
        raise RouteError("trunks: at least one trunk")
    for trunk in trunks:
        if not db["trunks"].count_where("name = ?", [trunk]):
            raise RouteError(f"trunks: no trunk {trunk}")
    if route_class not in CLASSES:
        raise RouteError(f"class: one of {', '.join(CLASSES)}")
    if not 0 <= strip <= 20:
        raise RouteError("strip: 0 to 20 digits")
    if prefix and not re.fullmatch(r"\+?[0-9*#]{1,20}", prefix):
        raise RouteError("prefix: up to 20 digits")
    if caller_id and not CALLER_ID_RE.fullmatch(caller_id):
        raise RouteError("caller_id: a number, digits with an optional leading +")
    if recording not in RECORD_POLICIES:
        raise RouteError(f"record: one of {', '.join(RECORD_POLICIES)}")
    if position is None:
        last = db.execute("SELECT MAX(position) FROM outbound_routes").fetchone()[0]
        position = (last or 0) + 1
    row = {"name": name, "position": position, "patterns": ",".join(patterns),
           "strip": strip, "prefix": prefix, "trunks": ",".join(trunks),
           "class": route_class, "caller_id": caller_id, "record": recording}  # fmt: skip
    with db.atomic():
        if replaces is None:
            db["outbound_routes"].insert({**row, "created_at": utcnow()})
            record(db, actor, "route.outbound.create", f"{name} {','.join(patterns)}")
        else:
            db["outbound_routes"].update(replaces, row)
            record(db, actor, "route.outbound.update", f"{replaces} -> {name} {','.join(patterns)}")


def update_outbound(
    db: sqlite_utils.Database, name: str, *, actor: str = "system", **changes
) -> None:
    """Change some of an outbound route's fields (add_outbound's keywords; `new_name`
    renames it: nothing else names a route). Its place in the order stays."""
    rows = list(db["outbound_routes"].rows_where("name = ?", [name]))
    if not rows:
        raise RouteError(f"name: no outbound route {name}")
    r = _outbound_route(rows[0])
    current = {"patterns": list(r.patterns), "trunks": list(r.trunks),
               "route_class": r.route_class, "strip": r.strip, "prefix": r.prefix,
               "caller_id": r.caller_id, "recording": r.record,
               "position": rows[0]["position"]}  # fmt: skip
    new_name = changes.pop("new_name", None) or name
    add_outbound(db, new_name, **{**current, **changes}, actor=actor, replaces=name)


def delete_outbound(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    if not db["outbound_routes"].count_where("name = ?", [name]):
        raise RouteError(f"name: no outbound route {name}")
    with db.atomic():
        db["outbound_routes"].delete(name)
        record(db, actor, "route.outbound.delete", name)


def outbound(db: sqlite_utils.Database) -> list[OutboundRoute]:
    """Every outbound route, in the order they are tried."""
    rows = db.query("SELECT * FROM outbound_routes ORDER BY position, name")
    return [_outbound_route(r) for r in rows]


def _outbound_route(r: dict) -> OutboundRoute:
    return OutboundRoute(
        name=r["name"],
        patterns=tuple(r["patterns"].split(",")),
        strip=r["strip"],
        prefix=r["prefix"],
        trunks=tuple(t for t in r["trunks"].split(",") if t),
        route_class=r["class"],
        caller_id=r["caller_id"],
        record=r["record"],
    )


def choose_route(
    routes: list[OutboundRoute], number: str, permission: str
) -> tuple[OutboundRoute | None, bool]:
    """The first route matching `number` that `permission` allows; and whether a
    matching route was refused for want of permission."""
    forbidden = False
    for route in routes:
        if any(matches(pattern, number) for pattern in route.patterns):
            if allowed(permission, route.route_class):
                return route, False
            forbidden = True
    return None, forbidden


def move_outbound(
    db: sqlite_utils.Database, name: str, step: int, *, actor: str = "system"
) -> None:
    """Move a route `step` places earlier (-1) or later (+1) in the order routes are tried."""
    order = [r.name for r in outbound(db)]
    if name not in order:
        raise RouteError(f"name: no outbound route {name}")
    at = order.index(name)
    to = min(max(at + step, 0), len(order) - 1)
    order.insert(to, order.pop(at))
    with db.atomic():
        for position, route in enumerate(order, 1):
            db["outbound_routes"].update(route, {"position": position})
        record(db, actor, "route.outbound.order", ",".join(order))
