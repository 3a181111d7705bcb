"""Editing over /api/v1 (PATCH) with an API token: every field checked by the store, 422
naming it with nothing changed, 404 for what is not there; the change is what the next
call's routing uses."""

import re

import pytest
from test_console_routes import _routes
from tongdai.console import status
from tongdai.store import accounts, extensions, ringgroups, routes, trunks

PATCHES = {
    "/api/v1/trunks/{name}", "/api/v1/routes/inbound/{route_id}",
    "/api/v1/routes/outbound/{name}", "/api/v1/ringgroups/{name}",
    "/api/v1/timeconditions/{name}", "/api/v1/conferences/{number}",
}  # fmt: skip


@pytest.fixture
def api(console):
    console.user("script", "admin")
    token = accounts.create_token(console.db, "script", "test", actor="test")
    client = console.client()
    client.headers["Authorization"] = f"Bearer {token}"
    for number in ("301", "302", "303"):
        extensions.add(console.db, number, secret=f"secret-of-{number}-abcdef")
    return client


def test_the_route_walk_sees_the_edits(console):
    walked = {(m, p) for m, p, _, _ in _routes(console.app)}  # (parameters as "nobody")
    assert {("PATCH", re.sub(r"\{[^}]+\}", "nobody", p)) for p in PATCHES} <= walked
    assert ("DELETE", "/api/v1/timeconditions/nobody/holidays/nobody") in walked


def test_a_trunk_is_edited_renamed_with_its_routes_and_its_password_kept(console, api):
    new = {"name": "viettel", "host": "127.0.0.1", "username": "u", "password": "pw"}
    assert api.post("/api/v1/trunks", json=new).status_code == 201
    api.post("/api/v1/routes/inbound", json={"did": "0281", "trunk": "viettel",
                                              "destination": "extension:301"})  # fmt: skip
    r = api.patch("/api/v1/trunks/viettel", json={"port": 70000, "new_name": "vt"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "port"
    assert trunks.all_trunks(console.db)[0]["name"] == "viettel"  # nothing changed
    r = api.patch("/api/v1/trunks/viettel", json={"new_name": "vt", "max_calls": 2,
                                                  "password": ""})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "vt" and "password" not in r.json()
    assert trunks.all_trunks(console.db)[0]["password"] == "pw"
    assert api.get("/api/v1/routes/inbound").json()[0]["trunk"] == "vt"
    # the running box: the edge knows the trunk by its new name, the dialplan too
    assert [t["name"] for t in status.trunk_status(console.service)] == ["vt"]
    assert console.service.dialplan.trunks.get("vt").max_calls == 2
    assert api.patch("/api/v1/trunks/nope", json={"port": 5060}).status_code == 404


def test_routes_edit_and_the_next_inbound_call_follows(console, api):
    r = api.post("/api/v1/routes/inbound", json={"did": "0281", "destination": "extension:301"})
    route_id = r.json()["id"]
    r = api.patch(f"/api/v1/routes/inbound/{route_id}", json={"destination": "extension:999"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "destination"
    r = api.patch(f"/api/v1/routes/inbound/{route_id}",
                  json={"destination": "ring_group:team", "record": "always"})  # fmt: skip
    assert r.status_code == 422  # no such group yet
    group = {"name": "team", "members": [{"extension": "301"}]}
    assert api.post("/api/v1/ringgroups", json=group).status_code == 201
    r = api.patch(f"/api/v1/routes/inbound/{route_id}",
                  json={"destination": "ring_group:team", "record": "always"})  # fmt: skip
    assert r.status_code == 200 and r.json()["record"] == "always"
    members = [{"extension": "303", "ring_timeout": 20}, {"extension": "302"}]
    change = {"new_name": "sales", "strategy": "order", "members": members}
    r = api.patch("/api/v1/ringgroups/team", json=change)
    assert r.status_code == 200, r.text
    # what the dialplan looks up for the next call on 0281
    dialplan = console.service.dialplan
    route = routes.find_inbound(dialplan.db, "0281", "any-trunk")
    assert route["destination"] == "ring_group:sales"
    members = ringgroups.get(dialplan.db, "sales").members
    assert [(m.extension, m.ring_timeout) for m in members] == [("303", 20), ("302", 15)]
    r = api.patch("/api/v1/ringgroups/sales", json={"members": [{"extension": "999"}]})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "members"
    assert api.patch("/api/v1/routes/inbound/999", json={"priority": 1}).status_code == 404

    api.post("/api/v1/trunks", json={"name": "viettel", "host": "127.0.0.1"})
    out = {"name": "mobile", "patterns": ["09XXXXXXXX"], "trunks": ["viettel"],
           "route_class": "national"}  # fmt: skip
    assert api.post("/api/v1/routes/outbound", json=out).status_code == 201
    r = api.patch("/api/v1/routes/outbound/mobile", json={"route_class": "galactic"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "class"
    r = api.patch("/api/v1/routes/outbound/mobile", json={"new_name": "cell", "prefix": "0"})
    assert r.status_code == 200 and r.json()["name"] == "cell" and r.json()["prefix"] == "0"


def test_time_conditions_rooms_and_holidays(console, api):
    cond = {"name": "office", "hours": ["mon-fri 08:00-17:00"], "open": "extension:301",
            "closed": "hangup"}  # fmt: skip
    assert api.post("/api/v1/timeconditions", json=cond).status_code == 201
    api.post("/api/v1/timeconditions/office/holidays", json={"first": "2027-02-05"})
    r = api.patch("/api/v1/timeconditions/office", json={"hours": ["sun 10:00-09:00"]})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "hours"
    r = api.patch(
        "/api/v1/timeconditions/office", json={"new_name": "hq", "hours": ["sat 08:00-12:00"]}
    )
    assert r.status_code == 200 and r.json()["hours"] == ["sat 08:00-12:00"]
    assert len(r.json()["holidays"]) == 1
    assert api.delete("/api/v1/timeconditions/hq/holidays/2027-02-06").status_code == 404
    assert api.delete("/api/v1/timeconditions/hq/holidays/2027-02-05").status_code == 204
    assert api.get("/api/v1/timeconditions/hq").json()["holidays"] == []

    assert api.post("/api/v1/conferences", json={"number": "800", "pin": "1234"}).status_code == 201
    r = api.patch("/api/v1/conferences/800", json={"name": "Daily", "max_members": 1})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "max_members"
    r = api.patch("/api/v1/conferences/800", json={"name": "Daily", "new_number": "801"})
    assert r.json() == {"number": "801", "name": "Daily", "has_pin": True, "max_members": 10}
    r = api.patch("/api/v1/conferences/801", json={"pin": ""})
    assert r.json()["has_pin"] is False
