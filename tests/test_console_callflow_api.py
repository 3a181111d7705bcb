"""The call-flow configuration over /api/v1 with an API token (as a script would): IVR
menus, ring groups, time conditions, queues/agents/VIPs, voicemail, prompts, conference
rooms. Errors are 422 naming the field; each change is live at once."""

import pytest
from callflow_sounds import tone_wav
from tongdai.console.sound_files import voicemail_dir
from tongdai.store import accounts, voicemail


@pytest.fixture
def api(console):
    console.user("script", "admin")
    token = accounts.create_token(console.db, "script", "test", actor="test")
    client = console.client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_ivr_with_keys_to_a_ring_group_and_a_queue(console, api):
    r = api.post(
        "/api/v1/ringgroups",
        json={
            "name": "sales",
            "strategy": "order",
            "members": [{"extension": "102", "ring_timeout": 20}, {"extension": "101"}],
        },
    )
    assert r.status_code == 201, r.text
    assert [m["extension"] for m in r.json()["members"]] == ["102", "101"]
    assert api.post("/api/v1/queues", json={"name": "support"}).status_code == 201
    menu = {
        "name": "main",
        "greeting": "ivr_welcome",
        "final": "extension:101",
        "options": {"1": "ring_group:sales"},
    }
    assert api.post("/api/v1/ivr", json=menu).status_code == 201
    assert api.post("/api/v1/ivr", json=menu).status_code == 409
    r = api.put("/api/v1/ivr/main/keys/2", json={"destination": "queue:support"})
    assert r.json()["options"] == {"1": "ring_group:sales", "2": "queue:support"}
    r = api.put("/api/v1/ivr/main/keys/3", json={"destination": "ivr:nowhere"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "options"
    r = api.delete("/api/v1/ringgroups/sales")
    assert r.status_code == 422 and "IVR key main key 1" in r.json()["detail"]["message"]
    r = api.put("/api/v1/ivr/main", json={**menu, "timeout": 99})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "timeout"
    assert api.get("/api/v1/ivr/main").json()["timeout"] == 5  # nothing half-saved
    assert api.delete("/api/v1/ivr/main/keys/1").json()["options"] == {"2": "queue:support"}
    assert api.delete("/api/v1/ivr/main").status_code == 204
    assert api.get("/api/v1/ivr/main").status_code == 404
    assert api.delete("/api/v1/ringgroups/sales").status_code == 204


def test_time_condition_override(console, api):
    r = api.post(
        "/api/v1/timeconditions",
        json={
            "name": "office",
            "hours": ["mon-sun 00:00-24:00"],
            "open": "extension:101",
            "closed": "hangup",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["open_now"] is True and r.json()["day_night_code"] == "*281"
    r = api.put("/api/v1/timeconditions/office/override", json={"state": "closed"})
    assert (r.json()["override"], r.json()["open_now"]) == ("closed", False)
    r = api.put("/api/v1/timeconditions/office/override", json={"state": "hours"})
    assert (r.json()["override"], r.json()["open_now"]) == ("hours", True)
    r = api.post(
        "/api/v1/timeconditions/office/holidays", json={"first": "2027-02-05", "last": "2027-02-01"}
    )
    assert r.status_code == 422 and r.json()["detail"]["field"] == "until"
    assert api.delete("/api/v1/timeconditions/office").status_code == 204


def test_queues_agents_members_and_vips(console, api):
    acd = console.service.acd
    assert api.post("/api/v1/queues", json={"name": "support", "number": "600"}).status_code == 201
    assert api.post("/api/v1/agents", json={"number": "101"}).status_code == 201
    assert (
        api.post("/api/v1/agents", json={"number": "0909", "kind": "external"}).status_code == 201
    )
    r = api.put("/api/v1/queues/support/members/101", json={"agent": "101", "penalty": 3})
    assert r.json()["members"] == [{"agent": "101", "penalty": 3, "level": 1, "weight": 1.0}]
    assert ("support", "101") in acd.members
    r = api.patch("/api/v1/queues/support", json={"wrap_up": 30, "strategy": "round-robin"})
    assert r.status_code == 200 and acd.config["support"].wrap_up == 30
    r = api.patch("/api/v1/queues/support", json={"strategy": "loudest"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "strategy"
    assert (
        api.put("/api/v1/vips/0912000111", json={"number": "x", "priority": 20}).status_code == 200
    )
    assert api.get("/api/v1/vips").json() == [{"number": "0912000111", "priority": 20, "name": ""}]
    assert api.delete("/api/v1/agents/101").status_code == 204
    assert ("support", "101") not in acd.members
    assert api.delete("/api/v1/queues/support").status_code == 204
    assert "support" not in acd.config


def test_voicemail_messages_and_the_lamp(console, api):
    r = api.post("/api/v1/voicemail", json={"extension": "101"})
    assert r.status_code == 201 and len(r.json()["pin"]) == 6
    assert (
        api.post("/api/v1/voicemail", json={"extension": "102", "pin": "1234"}).status_code == 422
    )
    folder = voicemail_dir(console.service) / "101"
    folder.mkdir(parents=True)
    (folder / "m1.wav").write_bytes(tone_wav())
    voicemail.add_message(
        console.db,
        voicemail.Message(
            "m1", "101", "new", "0909123456", "", "2026-03-01T02:30:00+00:00", 0.5, "101/m1.wav"
        ),
    )
    lamps = []
    console.service.dialplan.mailbox_listeners.append(lambda *a: lamps.append(a))
    assert api.get("/api/v1/voicemail/101/messages").json()[0]["folder"] == "new"
    r = api.get("/api/v1/voicemail/messages/m1/audio", headers={"Range": "bytes=0-11"})
    assert r.status_code == 206 and r.content[8:12] == b"WAVE"
    assert lamps == [("101", 0, 1)]
    r = api.put(
        "/api/v1/voicemail/101/greetings/unavailable",
        files={"file": ("g.wav", tone_wav(), "audio/wav")},
    )
    assert r.status_code == 204 and api.get("/api/v1/voicemail").json()[0]["greetings"] == [
        "unavailable"
    ]
    assert api.delete("/api/v1/voicemail/messages/m1").status_code == 204
    assert lamps[-1] == ("101", 0, 0) and not (folder / "m1.wav").exists()
    assert api.delete("/api/v1/voicemail/101").status_code == 204


def test_prompts(console, api):
    r = api.post(
        "/api/v1/prompts",
        data={"name": "welcome_x", "lang": "vi"},
        files={"file": ("a.wav", tone_wav(), "audio/wav")},
    )
    assert r.status_code == 201 and r.json()["state"] == "custom only"
    assert api.get("/api/v1/prompts/vi/welcome_x/audio").content[8:12] == b"WAVE"
    assert api.get("/api/v1/prompts/xx/welcome_x/audio").status_code == 404
    r = api.post(
        "/api/v1/prompts",
        data={"name": "welcome_x", "lang": "vi"},
        files={"file": ("a.wav", b"RIFF\x00\x00\x00\x00WAVEbroken", "audio/wav")},
    )
    assert r.status_code == 422 and r.json()["detail"]["field"] == "file"
    r = api.post("/api/v1/prompts/say", json={"name": "hello", "lang": "vi", "text": ""})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "text"
    assert api.delete("/api/v1/prompts/vi/welcome_x").status_code == 204
    assert "welcome_x" not in [p["name"] for p in api.get("/api/v1/prompts?lang=vi").json()]


def test_conference_rooms(console, api):
    r = api.post("/api/v1/conferences", json={"number": "800", "pin": "2468"})
    assert r.status_code == 201 and r.json()["has_pin"] is True
    assert (
        api.post("/api/v1/conferences", json={"number": "0"}).json()["detail"]["field"] == "number"
    )
    assert api.delete("/api/v1/conferences/800").status_code == 204
    assert api.delete("/api/v1/conferences/800").status_code == 404
