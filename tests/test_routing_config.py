"""Routing configuration in the store: destinations, ring groups, IVR menus, time
conditions (with an injected clock), voicemail boxes and feature codes. Bad input is
refused with the field named and changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from tongdai.store import (
    destinations,
    extensions,
    features,
    ivr,
    open_db,
    ringgroups,
    routes,
    timeconditions,
)
from tongdai.store import voicemail as boxes

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "t.db")
    for number in ("201", "202", "203"):
        extensions.add(db, number, secret=f"secret-of-{number}-abcdef")
    yield db
    db.close()


def _changes(db) -> int:
    return db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]


def test_destinations_are_checked_against_the_configuration(db):
    assert destinations.check(db, "extension:201") == "extension:201"
    assert destinations.check(db, "hangup") == "hangup"
    assert destinations.check(db, "outside:0909123456") == "outside:0909123456"
    assert destinations.check(db, "announcement:office_closed") == "announcement:office_closed"
    for bad, said in [
        ("extension:299", "not an existing extension"),
        ("voicemail:201", "voicemail box"),
        ("ivr:main", "existing ivr"),
        ("planet:mars", "kind:value"),
        ("outside:12ab", "phone number"),
        ("announcement:../../etc/passwd", "prompt name"),
        ("", "kind:value"),
    ]:
        with pytest.raises(destinations.DestinationError, match=said):
            destinations.check(db, bad)


def test_a_ring_group_and_what_it_refuses(db):
    before = _changes(db)
    for kwargs, field in [
        ({"members": []}, "members"),
        ({"members": ["299"]}, "members: no extension 299"),
        ({"members": ["201", "201"]}, "listed twice"),
        ({"members": ["201:2"]}, "members: 5 to 300"),
        ({"members": ["201"], "strategy": "loudest"}, "strategy"),
        ({"members": ["201"], "number": "201"}, "number: 201 is taken by extension 201"),
        ({"members": ["201"], "number": "*45"}, "number: 2 to 6 digits"),
        ({"members": ["201"], "final": "ivr:none"}, "final"),
    ]:
        with pytest.raises(ringgroups.RingGroupError, match=field):
            ringgroups.add(db, "sales", **kwargs)
    assert _changes(db) == before and not ringgroups.all_groups(db)
    ringgroups.add(db, "sales", members=["201:10", "202"], strategy="order", number="600",
                   final="extension:203")  # fmt: skip
    group = ringgroups.get(db, "sales")
    assert [(m.extension, m.ring_timeout) for m in group.members] == [("201", 10), ("202", 15)]
    assert ringgroups.by_number(db, "600") == "sales"
    with pytest.raises(extensions.ExtensionError, match="ring group 600"):
        extensions.add(db, "600")
    with pytest.raises(extensions.ExtensionError, match="ring groups sales"):
        extensions.delete(db, "201")
    with pytest.raises(extensions.ExtensionError, match="ring group sales"):
        extensions.delete(db, "203")  # the group's final destination


def test_an_ivr_menu_and_its_keys(db):
    ringgroups.add(db, "sales", members=["201", "202"])
    menu = ivr.Menu("main", greeting="ivr_welcome", final="ring_group:sales",
                    options={"1": "ring_group:sales", "9": "ivr:main"})  # fmt: skip
    with pytest.raises(ivr.IvrError, match="key 9: ivr:main"):
        ivr.save(db, menu)  # a menu that does not exist yet
    ivr.save(db, ivr.Menu("main", greeting="ivr_welcome", final="ring_group:sales",
                          options={"1": "ring_group:sales"}))  # fmt: skip
    ivr.set_option(db, "main", "9", "ivr:main")  # back to the top: allowed now
    assert ivr.get(db, "main").options == {"1": "ring_group:sales", "9": "ivr:main"}
    before = _changes(db)
    for change, said in [
        ({"options": {"x": "hangup"}}, "not a key"),
        ({"options": {"*": "hangup"}}, "repeat key"),
        ({"final": "planet:mars"}, "final"),
        ({"final": "hangup"}, "final: a person or a voicemail box"),
        ({"greeting": "Welcome!"}, "greeting"),
        ({"timeout": 0}, "timeout"),
        ({"direct_dial": True, "options": {"2": "hangup"}}, "first digit of extensions"),
    ]:
        with pytest.raises(ivr.IvrError, match=said):
            ivr.save(db, ivr.Menu(**{**ivr.get(db, "main").__dict__, **change}))
    assert _changes(db) == before
    assert ivr.get(db, "main").options == {"1": "ring_group:sales", "9": "ivr:main"}
    ivr.delete(db, "main")  # its own loop-back key does not hold it
    assert ivr.get(db, "main") is None
    with pytest.raises(ringgroups.RingGroupError, match="no ring group nothing"):
        ringgroups.delete(db, "nothing")


def test_time_conditions_follow_the_hours_holidays_and_the_override(db):
    timeconditions.add(db, "office", open="extension:201", closed="extension:202",
                       hours=["mon-fri 08:00-17:30", "sat 08:00-12:00"])  # fmt: skip
    timeconditions.add_holiday(db, "office", "2026-09-02", label="Quốc khánh")
    timeconditions.add_holiday(db, "office", "2027-02-05", "2027-02-11", label="Tết")
    office = timeconditions.get(db, "office")

    def at(text: str) -> str:
        return office.destination(dt.datetime.fromisoformat(text).replace(tzinfo=SAIGON))

    assert at("2026-11-23 08:00") == "extension:201"  # Monday, opening minute
    assert at("2026-11-23 17:29") == "extension:201"
    assert at("2026-11-23 17:30") == "extension:202"  # closing time is closed
    assert at("2026-11-23 07:59") == "extension:202"
    assert at("2026-11-28 11:00") == "extension:201"  # Saturday morning
    assert at("2026-11-28 13:00") == "extension:202"
    assert at("2026-11-29 10:00") == "extension:202"  # Sunday
    assert at("2026-09-02 10:00") == "extension:202"  # a Wednesday, but a holiday
    assert at("2027-02-08 10:00") == "extension:202"  # inside Tết
    assert at("2027-02-12 10:00") == "extension:201"  # the day after
    # An instant in UTC is judged by the box's local time: 02:00 UTC is 09:00 in Saigon.
    utc = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    assert office.is_open(utc.astimezone(SAIGON)) and not office.is_open(utc)
    timeconditions.set_override(db, "office", "closed")
    assert timeconditions.get(db, "office").destination(utc.astimezone(SAIGON)) == "extension:202"
    timeconditions.set_override(db, "office", "")
    assert timeconditions.get(db, "office").is_open(utc.astimezone(SAIGON))
    for hours, said in [(["mon-fri 17:00-08:00"], "start before end"), (["funday 08:00-09:00"],
                        "days"), (["mon 8-9"], "hours"), ([], "at least one")]:  # fmt: skip
        with pytest.raises(timeconditions.TimeConditionError, match=said):
            timeconditions.add(db, "other", open="hangup", closed="hangup", hours=hours)
    with pytest.raises(timeconditions.TimeConditionError, match="date"):
        timeconditions.add_holiday(db, "office", "2026-13-01")
    assert timeconditions.parse_days("mon,wed-fri") == "1345"


def test_voicemail_pins_are_hashed_and_checked(db):
    with pytest.raises(boxes.VoicemailError, match="pin"):
        boxes.enable(db, "201", "1234")  # a run
    with pytest.raises(boxes.VoicemailError, match="pin"):
        boxes.enable(db, "201", "12a4")
    with pytest.raises(boxes.VoicemailError, match="extension"):
        boxes.enable(db, "299", "284917")
    boxes.enable(db, "201", "284917")
    stored = boxes.pin_hash(db, "201")
    assert "284917" not in stored and stored.startswith("$argon2id$")
    assert boxes.pin_matches(stored, "284917")
    assert not boxes.pin_matches(stored, "284918")
    assert not boxes.pin_matches(boxes.pin_hash(db, "202"), "284917")  # no box
    assert boxes.counts(db, "201") == (0, 0)
    routes.add_inbound(db, "any", "voicemail:201")
    with pytest.raises(boxes.VoicemailError, match="inbound route any"):
        boxes.disable(db, "201")


def test_feature_codes_can_be_changed_but_never_clash(db):
    codes = features.codes(db)
    assert codes.match("*97") == ("voicemail", "")
    assert codes.match("**201") == ("directed_pickup", "201")
    assert codes.match("*281") == ("day_night", "1")
    assert codes.match("*28") is None and codes.match("201") is None
    features.set_code(db, "voicemail", "*86")
    assert features.codes(db).match("*86") == ("voicemail", "")
    assert features.codes(db).match("*97") is None
    for name, code, said in [
        ("voicemail", "*45", "agent_login"),
        ("voicemail", "201", "starts with"),
        ("park", "201", "extension 201"),
        ("record_prompt", "*4", "agent_login"),  # a prefix would swallow *45
        ("voicemail", "*9x", "keys"),
        ("nothing", "*11", "name"),
    ]:
        with pytest.raises(features.FeatureError, match=said):
            features.set_code(db, name, code)
    features.set_code(db, "voicemail", "*97")  # back to the default: no row kept
    assert not db["feature_codes"].count


def test_inbound_routes_by_caller_pattern(db):
    routes.add_inbound(db, "02873001234", "extension:201")
    routes.add_inbound(db, "02873001234", "extension:202", caller="09.")
    with pytest.raises(routes.RouteError, match="caller"):
        routes.add_inbound(db, "02873001234", "extension:203", caller="09?")
    assert routes.find_inbound(db, "02873001234", "", "0909000111")["destination"] == (
        "extension:202"
    )
    assert routes.find_inbound(db, "02873001234", "", "0281234567")["destination"] == (
        "extension:201"
    )
