"""Editing trunks, routes, ring groups, time conditions and conference rooms in the store:
a good edit, a bad field named with nothing changed, and the rename rules."""

from __future__ import annotations

import pytest
from tongdai.store import (
    conferences,
    extensions,
    open_db,
    ringgroups,
    routes,
    timeconditions,
    trunks,
)


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "t.db")
    for n in ("201", "202", "203"):
        extensions.add(database, n, secret=f"secret-of-{n}-abcdef")
    trunks.add(database, "viettel", host="127.0.0.1", username="u", password="pw", register=True)
    yield database
    database.close()


def _audit(db) -> list[str]:
    return [r["action"] for r in db.query("SELECT action FROM audit_log ORDER BY id")]


def test_a_trunk_edit_keeps_the_password_and_a_rename_carries_the_routes(db):
    routes.add_outbound(db, "mobile", patterns=["09XXXXXXXX"], trunks=["viettel"],
                        route_class="national")  # fmt: skip
    route_id = routes.add_inbound(db, "02871234567", "extension:201", trunk="viettel")
    trunks.update(db, "viettel", new_name="vt", host="10.0.0.1", password="", max_calls=4)
    (t,) = trunks.all_trunks(db)
    assert (t["name"], t["host"], t["password"], t["max_calls"]) == ("vt", "10.0.0.1", "pw", 4)
    assert routes.outbound(db)[0].trunks == ("vt",)
    assert routes.find_inbound(db, "02871234567", "vt")["id"] == route_id
    assert _audit(db)[-1] == "trunk.update"
    trunks.update(db, "vt", password="new")
    assert trunks.all_trunks(db)[0]["password"] == "new"


def test_a_bad_trunk_edit_names_the_field_and_changes_nothing(db):
    trunks.add(db, "vnpt", host="127.0.0.2")
    before, audit = trunks.all_trunks(db), _audit(db)
    bad = (({"port": 0}, "port"), ({"new_name": "vnpt"}, "name"), ({"host": "a b"}, "host"),
           ({"new_name": "vt", "port": 70000}, "port"))  # fmt: skip
    for changes, field in bad:
        with pytest.raises(trunks.TrunkError, match=rf"^{field}: "):
            trunks.update(db, "viettel", **changes)
    with pytest.raises(trunks.TrunkError, match=r"^name: no trunk"):
        trunks.update(db, "nope", host="1.2.3.4")
    assert trunks.all_trunks(db) == before and _audit(db) == audit


def test_routes_are_edited_in_place(db):
    route_id = routes.add_inbound(db, "0281", "extension:201")
    routes.add_inbound(db, "0282", "extension:202")
    routes.update_inbound(db, route_id, destination="extension:203", priority=5)
    assert routes.find_inbound(db, "0281", "viettel")["destination"] == "extension:203"
    with pytest.raises(routes.RouteError, match=r"^did: "):  # the other route's number
        routes.update_inbound(db, route_id, did="0282")
    with pytest.raises(routes.RouteError, match=r"^destination: "):
        routes.update_inbound(db, route_id, destination="extension:999")
    assert routes.find_inbound(db, "0281", "")["destination"] == "extension:203"
    routes.add_outbound(db, "a", patterns=["1X"], trunks=["viettel"], route_class="local")
    routes.add_outbound(db, "b", patterns=["2X"], trunks=["viettel"], route_class="local")
    routes.update_outbound(db, "a", new_name="aa", strip=1, prefix="9")
    assert [r.name for r in routes.outbound(db)] == ["aa", "b"]  # its place kept
    assert routes.outbound(db)[0].dialled("15") == "95"
    with pytest.raises(routes.RouteError, match=r"^name: "):
        routes.update_outbound(db, "aa", new_name="b")
    with pytest.raises(routes.RouteError, match=r"^trunks: "):
        routes.update_outbound(db, "aa", trunks=["nope"])
    assert routes.outbound(db)[0].strip == 1


def test_a_ring_group_edit_and_rename_carries_its_destinations(db):
    ringgroups.add(db, "sales", members=["201"], number="600")
    routes.add_inbound(db, "0281", "ring_group:sales")
    timeconditions.add(db, "office", open="ring_group:sales", closed="hangup",
                       hours=["mon-fri 08:00-17:00"])  # fmt: skip
    ringgroups.update(db, "sales", new_name="team", members=["202:20", "203"], strategy="order")
    group = ringgroups.get(db, "team")
    assert [(m.extension, m.ring_timeout) for m in group.members] == [("202", 20), ("203", 15)]
    assert group.number == "600" and ringgroups.get(db, "sales") is None
    assert routes.find_inbound(db, "0281", "")["destination"] == "ring_group:team"
    assert timeconditions.get(db, "office").open == "ring_group:team"
    with pytest.raises(ringgroups.RingGroupError, match=r"^members: no extension 999"):
        ringgroups.update(db, "team", new_name="x", members=["201", "999"])
    with pytest.raises(ringgroups.RingGroupError, match=r"^number: "):
        ringgroups.update(db, "team", number="201")  # an extension's number
    assert ringgroups.get(db, "team") == group and ringgroups.get(db, "x") is None


def test_a_time_condition_edit_keeps_its_number_and_holidays_which_can_be_removed(db):
    cid = timeconditions.add(db, "office", open="extension:201", closed="hangup",
                             hours=["mon-fri 08:00-17:00"])  # fmt: skip
    timeconditions.add_holiday(db, "office", "2027-02-05", "2027-02-10", label="Tet")
    routes.add_inbound(db, "0281", "time_condition:office")
    assert timeconditions.update(db, "office", new_name="hq", hours=["sat 08:00-12:00"]) == cid
    c = timeconditions.get(db, "hq")
    assert (
        c.id == cid and len(c.holidays) == 1 and timeconditions.hours_text(c) == ["sat 08:00-12:00"]
    )
    assert routes.find_inbound(db, "0281", "")["destination"] == "time_condition:hq"
    with pytest.raises(timeconditions.TimeConditionError, match=r"^hours: "):
        timeconditions.update(db, "hq", hours=["sat 12:00-08:00"])
    with pytest.raises(timeconditions.TimeConditionError, match=r"^open: "):
        timeconditions.update(db, "hq", open="queue:none")
    assert timeconditions.get(db, "hq") == c
    with pytest.raises(timeconditions.TimeConditionError, match=r"^date: no holiday"):
        timeconditions.delete_holiday(db, "hq", "2027-02-06")
    timeconditions.delete_holiday(db, "hq", "2027-02-05")
    assert timeconditions.get(db, "hq").holidays == ()


def test_a_room_edit_keeps_or_clears_the_pin_and_a_used_number_stays(db):
    conferences.add(db, "800", name="Daily", pin="1234")
    conferences.update(db, "800", name="Standup", max_members=5)
    room = conferences.get(db, "800")
    assert room["name"] == "Standup" and conferences.pin_ok(room, "1234")
    assert not conferences.pin_ok(room, "9999")
    conferences.update(db, "800", pin="")
    assert conferences.pin_ok(conferences.get(db, "800"), "")
    with pytest.raises(conferences.ConferenceError, match=r"^max_members: "):
        conferences.update(db, "800", max_members=99)
    with pytest.raises(conferences.ConferenceError, match=r"^number: .*extension 201"):
        conferences.update(db, "800", new_number="201")
    routes.add_inbound(db, "0281", "conference:800")
    with pytest.raises(conferences.ConferenceError, match=r"^number: .*inbound route 0281"):
        conferences.update(db, "800", new_number="801")
    assert conferences.get(db, "800")["max_members"] == 5
    routes.update_inbound(db, 1, destination="hangup")
    conferences.update(db, "800", new_number="801")
    assert conferences.get(db, "801")["name"] == "Standup"


def test_a_room_a_destination_uses_is_not_deleted(db):
    conferences.add(db, "800", name="Daily")
    routes.add_inbound(db, "0281", "conference:800")
    with pytest.raises(conferences.ConferenceError, match=r"^number: .*inbound route 0281"):
        conferences.delete(db, "800")
    assert conferences.get(db, "800") is not None
    routes.update_inbound(db, 1, destination="hangup")
    conferences.delete(db, "800")
    assert conferences.get(db, "800") is None
