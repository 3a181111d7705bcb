"""Dial patterns, route choice by permission class, and route configuration in the real
SQLite file: bad input is refused with the field named and nothing saved."""

from __future__ import annotations

import pytest
from tongdai.calls.dialplan import choose_route
from tongdai.calls.patterns import PatternError, matches
from tongdai.store import extensions, open_db, routes, trunks
from tongdai.store.extensions import ExtensionError
from tongdai.store.routes import RouteError
from tongdai.store.trunks import TrunkError


@pytest.mark.parametrize(
    ("pattern", "number", "expected"),
    [
        ("0XXXXXXXXX", "0912345678", True),
        ("0XXXXXXXXX", "091234567", False),
        ("09XXXXXXXX", "0812345678", False),
        ("00.", "0044201234567", True),
        ("00.", "00", False),  # "." needs at least one more
        ("00!", "00", True),
        ("11[345]", "115", True),
        ("11[345]", "112", False),
        ("1[1-3]X", "125", True),
        ("NXXX", "1234", False),
        ("ZXXX", "1234", True),
        ("+84.", "+84912345678", True),
        ("*8", "*8", True),
    ],
)
def test_dial_patterns(pattern, number, expected):
    assert matches(pattern, number) is expected


@pytest.mark.parametrize("bad", ["", "09a", "0.9", "1[a]", "1[3", "0[5-1]X", "X" * 65])
def test_bad_dial_patterns_say_what_is_wrong(bad):
    with pytest.raises(PatternError, match="pattern"):
        matches(bad, "0")


def _route(name, pattern, route_class):
    return routes.OutboundRoute(name, (pattern,), 0, "", ("t",), route_class, "", "never")


def test_route_choice_follows_the_permission_class():
    table = [
        _route("emergency", "11[345]", "emergency"),
        _route("intl", "00.", "international"),
        _route("mobile", "09XXXXXXXX", "national"),
        _route("city", "[2-8]XXXXXXX", "local"),
    ]
    assert choose_route(table, "115", "internal") == (table[0], False)
    assert choose_route(table, "0044201", "national") == (None, True)
    assert choose_route(table, "0044201", "international") == (table[1], False)
    assert choose_route(table, "0912345678", "local") == (None, True)
    assert choose_route(table, "0912345678", "national") == (table[2], False)
    assert choose_route(table, "38123456", "local") == (table[3], False)
    assert choose_route(table, "38123456", "internal") == (None, True)
    assert choose_route(table, "7", "international") == (None, False)  # no route at all


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "t.db")
    extensions.add(database, "201", secret="secret-of-201-abcdef")
    trunks.add(database, "viettel", host="127.0.0.1", port=5070)
    yield database
    database.close()


def test_routes_are_stored_and_the_most_specific_inbound_route_wins(db):
    trunks.add(db, "vnpt", host="127.0.0.2")
    extensions.add(db, "202", secret="secret-of-202-abcdef")
    routes.add_inbound(db, "any", "extension:202")
    routes.add_inbound(db, "02873001234", "extension:201")
    routes.add_inbound(db, "02873001234", "extension:202", trunk="vnpt")
    assert routes.find_inbound(db, "02873001234", "vnpt")["destination"] == "extension:202"
    assert routes.find_inbound(db, "02873001234", "viettel")["destination"] == "extension:201"
    assert routes.find_inbound(db, "02800000000", "viettel")["destination"] == "extension:202"

    routes.add_outbound(db, "mobile", patterns=["09XXXXXXXX"], trunks=["vnpt", "viettel"],
                        route_class="national", strip=1, prefix="84")  # fmt: skip
    [route] = routes.outbound(db)
    assert route.trunks == ("vnpt", "viettel") and route.dialled("0912345678") == "84912345678"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"did": "02-87", "destination": "extension:201"}, "did"),
        ({"did": "0287", "destination": "queue:sales"}, "destination"),
        ({"did": "0287", "destination": "extension:299"}, "destination"),
        ({"did": "0287", "destination": "extension:201", "trunk": "nope"}, "trunk"),
        ({"did": "0287", "destination": "extension:201", "recording": "maybe"}, "record"),
    ],
)
def test_a_bad_inbound_route_names_the_field_and_saves_nothing(db, kwargs, field):
    with pytest.raises(RouteError, match=f"^{field}:"):
        routes.add_inbound(db, **kwargs)
    assert routes.inbound(db) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"patterns": ["09a"]}, "pattern"),
        ({"patterns": [" "]}, "pattern"),
        ({"trunks": ["viettel", "ghost"]}, "trunks"),
        ({"route_class": "galactic"}, "class"),
        ({"strip": 30}, "strip"),
        ({"prefix": "84x"}, "prefix"),
        ({"caller_id": "hello"}, "caller_id"),
    ],
)
def test_a_bad_outbound_route_names_the_field_and_saves_nothing(db, kwargs, field):
    good = {"name": "mobile", "patterns": ["09XXXXXXXX"], "trunks": ["viettel"],
            "route_class": "national"}  # fmt: skip
    with pytest.raises(RouteError, match=f"^{field}:"):
        routes.add_outbound(db, **{**good, **kwargs})
    assert routes.outbound(db) == []


def test_trunks_and_extensions_in_use_by_routes_cannot_be_deleted(db):
    routes.add_inbound(db, "0287", "extension:201", trunk="viettel")
    routes.add_outbound(db, "all", patterns=["0."], trunks=["viettel"], route_class="national")
    with pytest.raises(TrunkError, match="used by routes: all, inbound 0287"):
        trunks.delete(db, "viettel")
    with pytest.raises(ExtensionError, match="inbound route 0287"):
        extensions.delete(db, "201")
    routes.delete_outbound(db, "all")
    [row] = routes.inbound(db)
    routes.delete_inbound(db, row["id"])
    trunks.delete(db, "viettel")
    extensions.delete(db, "201")


def test_extension_permission_is_checked_and_defaults_to_national(db):
    with pytest.raises(ExtensionError, match=r"^permission:"):
        extensions.add(db, "203", secret="secret-of-203-abcdef", permission="galactic")
    extensions.add(db, "204", secret="secret-of-204-abcdef")
    assert {r["number"]: r["permission"] for r in extensions.all_extensions(db)}["204"] == (
        "national"
    )


def test_the_park_code_and_slots_are_not_extensions_or_rooms(db):
    from tongdai.store import conferences
    from tongdai.store.conferences import ConferenceError

    with pytest.raises(ExtensionError, match="park"):
        extensions.add(db, "71", secret="secret-of-071-abcdef")
    with pytest.raises(ConferenceError, match="park"):
        conferences.add(db, "70")
    with pytest.raises(ConferenceError, match="extension 201"):
        conferences.add(db, "201")
    conferences.add(db, "800", pin="4321")
    with pytest.raises(ExtensionError, match="conference room"):
        extensions.add(db, "800", secret="secret-of-800-abcdef")
    with pytest.raises(ConferenceError, match=r"^pin:"):
        conferences.add(db, "801", pin="12")
    room = conferences.get(db, "800")
    assert room["pin_hash"] != "4321"  # kept hashed
    assert conferences.pin_ok(room, "4321") and not conferences.pin_ok(room, "1234")
