"""The `set` commands: change a trunk, route, ring group, time condition or conference
room through the same store functions the console and the API use. Only the options
given change; the running service notices the commit (ChangeWatcher) as for `add`."""

from __future__ import annotations

import argparse
import sys

from tongdai.store import conferences, ringgroups, routes, timeconditions, trunks

RECORD = ("never", "always", "on-demand")
CLASSES = ("local", "national", "international", "emergency")


def register(action, open_store, **groups) -> None:
    """Add `set` (`set-in`/`set-out` for routes) to the command groups given by name;
    `action` and `open_store` are tongdai.cli's helpers."""

    def db_action(g, name, help, func):
        return action(g, name, help, lambda args: func(open_store(args), args))

    if "trunk" in groups:
        p = db_action(groups["trunk"], "set", "change a trunk (only the options given)", _trunk)
        p.add_argument("name")
        p.add_argument("--rename", help="a new name (the routes naming it follow)")
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        p.add_argument("--username")
        p.add_argument("--password-stdin", action="store_true", help="read a new password")
        p.add_argument("--register", action=argparse.BooleanOptionalAction)
        p.add_argument("--expires", type=int)
        p.add_argument("--inbound-from", help="addresses, comma-separated ('' for none)")
        p.add_argument("--max-calls", type=int)
        p.add_argument("--caller-id")
        p.add_argument("--match-port", action=argparse.BooleanOptionalAction)
    if "route" in groups:
        p = db_action(groups["route"], "set-in", "change an inbound route", _route_in)
        p.add_argument("route", help="in:ID (as `route list` shows) or the ID")
        p.add_argument("--did", help="the number called, or 'any'")
        p.add_argument("--to", help="destination, e.g. extension:201")
        p.add_argument("--trunk", help="only calls from this trunk ('' for any)")
        p.add_argument("--record", choices=RECORD)
        p.add_argument("--priority", type=int)
        p.add_argument("--caller", help="a caller pattern ('' for any caller)")
        p = db_action(groups["route"], "set-out", "change an outbound route", _route_out)
        p.add_argument("name")
        p.add_argument("--rename", help="a new name (its place in the order stays)")
        p.add_argument("--pattern", help="dial patterns, comma-separated")
        p.add_argument("--trunks", help="trunks in failover order, comma-separated")
        p.add_argument("--class", dest="route_class", choices=CLASSES)
        p.add_argument("--strip", type=int)
        p.add_argument("--prefix")
        p.add_argument("--caller-id")
        p.add_argument("--record", choices=RECORD)
    if "conf" in groups:
        p = db_action(groups["conf"], "set", "change a room", _conf)
        p.add_argument("number")
        p.add_argument("--number", dest="new_number", help="a new number (refused while used)")
        p.add_argument("--name")
        pin = p.add_mutually_exclusive_group()
        pin.add_argument("--pin-stdin", action="store_true", help="read a new PIN from stdin")
        pin.add_argument("--no-pin", action="store_true", help="remove the PIN")
        p.add_argument("--max-members", type=int)
    if "ringgroup" in groups:
        p = db_action(groups["ringgroup"], "set", "change a ring group", _ringgroup)
        p.add_argument("name")
        p.add_argument("--rename", help="a new name (the destinations using it follow)")
        p.add_argument("--members", help="extensions in order, comma-separated (201:20)")
        p.add_argument("--strategy", choices=ringgroups.STRATEGIES)
        p.add_argument("--number", help="an internal number that dials the group")
        p.add_argument("--ring-timeout", type=int)
        p.add_argument("--final", help="where unanswered calls go (destination)")
    if "timecond" in groups:
        p = db_action(groups["timecond"], "set", "change a time condition", _timecond)
        p.add_argument("name")
        p.add_argument("--rename", help="a new name (the destinations using it follow)")
        p.add_argument("--hours", action="append", help="open hours, replacing all (repeatable)")
        p.add_argument("--open", help="destination inside the hours")
        p.add_argument("--closed", help="destination outside them and on holidays")


def _given(args, **fields: str) -> dict:
    """{store keyword: value} for the options given (argparse leaves the others None)."""
    return {kw: getattr(args, attr) for kw, attr in fields.items()
            if getattr(args, attr) is not None}  # fmt: skip


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _trunk(db, args) -> int:
    changes = _given(args, new_name="rename", host="host", port="port", username="username",
                     register="register", expires="expires", max_calls="max_calls",
                     caller_id="caller_id", match_port="match_port")  # fmt: skip
    if args.inbound_from is not None:
        changes["inbound_from"] = _list(args.inbound_from)
    if args.password_stdin:
        changes["password"] = sys.stdin.readline().rstrip("\n")
    trunks.update(db, args.name, **changes, actor="cli")
    print(f"trunk {args.rename or args.name} changed")
    return 0


def _route_in(db, args) -> int:
    route_id = args.route.removeprefix("in:")
    if not route_id.isdigit():
        raise routes.RouteError(f"id: no inbound route {args.route}")
    changes = _given(args, did="did", destination="to", trunk="trunk", recording="record",
                     priority="priority", caller="caller")  # fmt: skip
    routes.update_inbound(db, int(route_id), **changes, actor="cli")
    print(f"inbound route in:{route_id} changed")
    return 0


def _route_out(db, args) -> int:
    changes = _given(args, new_name="rename", route_class="route_class", strip="strip",
                     prefix="prefix", caller_id="caller_id", recording="record")  # fmt: skip
    if args.pattern is not None:
        changes["patterns"] = _list(args.pattern)
    if args.trunks is not None:
        changes["trunks"] = _list(args.trunks)
    routes.update_outbound(db, args.name, **changes, actor="cli")
    print(f"outbound route {args.rename or args.name} changed")
    return 0


def _conf(db, args) -> int:
    pin = sys.stdin.readline().strip() if args.pin_stdin else "" if args.no_pin else None
    conferences.update(db, args.number, new_number=args.new_number, name=args.name, pin=pin,
                       max_members=args.max_members, actor="cli")  # fmt: skip
    print(f"conference room {args.new_number or args.number} changed")
    return 0


def _ringgroup(db, args) -> int:
    changes = _given(args, new_name="rename", strategy="strategy", number="number",
                     ring_timeout="ring_timeout", final="final")  # fmt: skip
    if args.members is not None:
        changes["members"] = _list(args.members)
    ringgroups.update(db, args.name, **changes, actor="cli")
    print(f"ring group {args.rename or args.name} changed")
    return 0


def _timecond(db, args) -> int:
    timeconditions.update(db, args.name, new_name=args.rename, hours=args.hours,
                          open=args.open, closed=args.closed, actor="cli")  # fmt: skip
    print(f"time condition {args.rename or args.name} changed")
    return 0
