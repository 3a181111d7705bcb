"""The call-flow configuration pages (IVR menus, ring groups, time conditions, queues,
voicemail, prompts, conference rooms) through the console, on a real service and store:
each change reaches the store through its validation, and the running parts that read it
(the ACD, the message lamps, the prompts calls play) see it at once."""

import re

import pytest
from callflow_sounds import tone_wav
from tongdai.console.sound_files import voicemail_dir
from tongdai.store import conferences, ivr, queues, ringgroups, timeconditions, voicemail


@pytest.fixture
def admin(console):
    client, token = console.logged_in("boss", "admin")
    client.headers["X-CSRF-Token"] = token
    return client


def _sales_and_support(admin):
    r = admin.post(
        "/ringgroups",
        data={
            "name": "sales",
            "member": ["101", "102"],
            "order_101": "2",
            "order_102": "1",
            "seconds_102": "20",
            "strategy": "order",
        },
    )
    assert r.status_code == 201, r.text
    r = admin.post("/queues", data={"name": "support", "strategy": "longest-idle"})
    assert r.status_code == 201, r.text


def test_ivr_menu_with_keys_to_a_ring_group_and_a_queue(console, admin):
    _sales_and_support(admin)
    group = ringgroups.get(console.db, "sales")
    assert [(m.extension, m.ring_timeout) for m in group.members] == [("102", 20), ("101", 15)]
    r = admin.post(
        "/ivr", data={"name": "main", "greeting": "ivr_welcome", "final": "extension:101"}
    )
    assert r.status_code == 201 and 'href="/ivr/main"' in r.text
    for key, dest in (("1", "ring_group:sales"), ("2", "queue:support")):
        r = admin.post("/ivr/main/keys", data={"key": key, "destination": dest})
        assert r.status_code == 200, r.text
    assert ivr.get(console.db, "main").options == {"1": "ring_group:sales", "2": "queue:support"}
    page = admin.get("/ivr/main").text
    assert 'value="ring_group:sales"' in page and "queue:support" in page
    # a destination that names nothing is refused, naming the field; nothing changes
    r = admin.post("/ivr/main/keys", data={"key": "3", "destination": "queue:nope"})
    assert r.status_code == 422 and "queue:nope is not an existing queue" in r.text
    # the settings form keeps the keys
    r = admin.post(
        "/ivr/main",
        data={
            "greeting": "ivr_welcome",
            "final": "ring_group:sales",
            "timeout": "7",
            "retries": "1",
            "repeat_key": "*",
        },
    )
    assert r.status_code == 200, r.text
    menu = ivr.get(console.db, "main")
    assert (menu.timeout, menu.final, len(menu.options)) == (7, "ring_group:sales", 2)
    r = admin.post("/ivr/main", data={"greeting": "ivr_welcome", "final": "hangup", "timeout": "x"})
    assert r.status_code == 422 and 'id="timeout"' in r.text and "a whole number" in r.text
    # the ring group is in use: deleting it is refused with who uses it
    r = admin.post("/ringgroups/sales/delete")
    assert r.status_code == 422 and "IVR key main key 1" in r.text
    assert admin.post("/ivr/main/keys", data={"key": "1", "destination": ""}).status_code == 200
    assert admin.post("/ivr/main/delete").status_code == 200
    assert ivr.get(console.db, "main") is None
    assert (
        admin.post(
            "/ivr", data={"name": "Bad Name", "greeting": "x", "final": "hangup"}
        ).status_code
        == 422
    )


def test_time_condition_switch_and_holidays(console, admin):
    r = admin.post(
        "/timeconditions",
        data={
            "name": "office",
            "hours": "mon-sun 00:00-24:00",
            "open": "extension:101",
            "closed": "hangup",
        },
    )
    assert r.status_code == 201, r.text
    assert "*281" in r.text and 'id="state-office"' in r.text and "Open now" in r.text
    r = admin.post("/timeconditions/office/override", data={"state": "closed"})
    assert timeconditions.get(console.db, "office").override == "closed"
    assert '<span class="state bad" id="state-office">Closed now' in r.text
    assert 'value="closed" class="small current" aria-pressed="true"' in r.text
    r = admin.post("/timeconditions/office/override", data={"state": "hours"})
    assert timeconditions.get(console.db, "office").override == ""
    assert "Open now" in r.text
    today = console.service.dialplan.clock().date().isoformat()
    r = admin.post("/timeconditions/office/holidays", data={"date": today, "label": "Tết"})
    assert r.status_code == 200 and "Tết" in r.text and "Closed now" in r.text
    r = admin.post("/timeconditions/office/holidays", data={"date": "31/12/2026"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    r = admin.post(
        "/timeconditions",
        data={"name": "x", "hours": "sometimes", "open": "hangup", "closed": "hangup"},
    )
    assert r.status_code == 422 and 'id="hours-error"' in r.text
    assert admin.post("/timeconditions/office/delete").status_code == 200
    assert timeconditions.all_conditions(console.db) == []


def test_queue_settings_members_agents_and_vips_reach_the_acd(console, admin):
    acd = console.service.acd
    assert admin.post("/queues", data={"name": "support", "number": "600"}).status_code == 201
    assert "support" in acd.config  # synced at once, not on the next CLI change
    assert admin.post("/agents", data={"number": "101", "kind": "extension"}).status_code == 201
    r = admin.post(
        "/queues/support/members", data={"agent": "101", "penalty": "2", "weight": "1.5"}
    )
    assert r.status_code == 200, r.text
    assert ("support", "101") in acd.members
    assert queues.list_members(console.db, "support")[0].penalty == 2
    form = current_settings(admin.get("/queues/support").text)
    form.update(ring_timeout="20", strategy="ring-all", whisper="on")
    r = admin.post("/queues/support", data=form)
    assert r.status_code == 200, r.text
    assert acd.config["support"].ring_timeout == 20 and acd.config["support"].strategy == "ring-all"
    r = admin.post("/queues/support", data={**form, "max_len": "lots"})
    assert r.status_code == 422 and 'id="max_len-error"' in r.text
    r = admin.post("/agents", data={"number": "999", "kind": "extension"})
    assert r.status_code == 422 and "no extension 999" in r.text
    assert admin.post("/vips", data={"number": "0909123456", "priority": "50"}).status_code == 201
    assert queues.vip_priority(console.db, "0909123456") == 50
    assert admin.post("/queues/support/members/101/delete").status_code == 200
    assert ("support", "101") not in acd.members
    assert admin.post("/queues/support/delete").status_code == 200
    assert "support" not in acd.config


def current_settings(html: str) -> dict:
    """The queue settings form's current values, as a browser would send them back."""
    form = re.search(r'<form[^>]+id="queue-settings".*?</form>', html, re.S).group(0)
    values = dict(re.findall(r'<input id="(\w+)" name="\w+" value="([^"]*)"', form))
    for name, options in re.findall(r'<select id="(\w+)" name="\w+">(.*?)</select>', form, re.S):
        values[name] = re.search(r'<option value="([^"]*)" selected', options).group(1)
    return values


def _message(console, box="101", seconds=1.0):
    directory = voicemail_dir(console.service)
    (directory / box).mkdir(parents=True, exist_ok=True)
    (directory / box / "m1.wav").write_bytes(tone_wav())
    voicemail.add_message(
        console.db,
        voicemail.Message(
            "m1",
            box,
            "new",
            "0909123456",
            "Lan",
            "2026-03-01T02:30:00+00:00",
            seconds,
            f"{box}/m1.wav",
        ),
    )


def test_voicemail_boxes_messages_and_the_lamp(console, admin):
    r = admin.post("/voicemail", data={"extension": "101", "pin": ""})
    assert r.status_code == 201
    pin = re.search(r'id="shown-pin".*?<code>(\d+)</code>', r.text, re.S).group(1)
    assert voicemail.pin_matches(voicemail.pin_hash(console.db, "101"), pin)
    assert pin not in admin.get("/voicemail").text  # shown only that once
    r = admin.post("/voicemail", data={"extension": "102", "pin": "1111"})
    assert r.status_code == 422 and 'id="pin-error"' in r.text
    assert not voicemail.has_box(console.db, "102")
    _message(console)
    lamps = []
    console.service.dialplan.mailbox_listeners.append(lambda *a: lamps.append(a))
    page = admin.get("/voicemail/101").text
    assert "0909123456" in page and "3/1/26, 9:30" in page  # 02:30 UTC in Ho Chi Minh City
    assert 'src="/voicemail/messages/m1/audio"' in page
    audio = admin.get("/voicemail/messages/m1/audio")
    assert audio.status_code == 200 and audio.content[8:12] == b"WAVE"
    assert lamps == [("101", 0, 1)]  # listened to: new -> old, the lamp goes out
    assert admin.get("/voicemail/messages/../../etc/passwd/audio").status_code == 404
    assert admin.get("/voicemail/messages/nope/audio").status_code == 404
    r = admin.post("/voicemail/messages/m1/delete")
    assert r.status_code == 200 and "No messages." in r.text
    assert lamps[-1] == ("101", 0, 0)
    assert not (voicemail_dir(console.service) / "101" / "m1.wav").exists()
    r = admin.post(
        "/voicemail/101/greeting",
        data={"which": "busy"},
        files={"file": ("x.wav", tone_wav(), "audio/wav")},
    )
    assert r.status_code == 200, r.text
    assert voicemail.greeting(voicemail_dir(console.service), "101", "busy") is not None
    r = admin.post(
        "/voicemail/101/greeting",
        data={"which": "busy"},
        files={"file": ("x.wav", b"not a sound", "audio/wav")},
    )
    assert r.status_code == 422 and "not a WAV or MP3 file" in r.text
    assert admin.post("/voicemail/101/disable").status_code == 200
    assert not voicemail.has_box(console.db, "101")


def test_prompts_upload_play_speak_and_delete(console, admin):
    r = admin.post(
        "/prompts",
        data={"name": "greeting_sales", "lang": "vi"},
        files={"file": ("../../x.wav", tone_wav(), "audio/wav")},
    )
    assert r.status_code == 201, r.text
    assert 'id="prompt-greeting_sales"' in r.text
    custom = console.service.settings.sounds_dir / "prompts" / "vi" / "greeting_sales.wav"
    assert custom.is_file()
    audio = admin.get("/prompts/vi/greeting_sales/audio")
    assert audio.status_code == 200 and audio.content == custom.read_bytes()
    assert admin.get("/prompts/vi/..%2F..%2Fetc/audio").status_code == 404
    r = admin.post(
        "/prompts",
        data={"name": "x", "lang": "vi"},
        files={"file": ("x.wav", b"MZ\x90\x00", "audio/wav")},
    )
    assert r.status_code == 422 and 'id="file-error"' in r.text
    r = admin.post(
        "/prompts",
        data={"name": "Bad/Name", "lang": "vi"},
        files={"file": ("x.wav", tone_wav(), "audio/wav")},
    )
    assert r.status_code == 422 and "lower-case letters" in r.text
    r = admin.post(
        "/prompts/say", data={"name": "closed_msg", "lang": "en", "text": "We are closed."}
    )
    assert r.status_code == 201, r.text
    assert (custom.parent.parent / "en" / "closed_msg.wav").is_file()
    assert admin.post("/prompts/vi/greeting_sales/delete").status_code == 200
    assert not custom.exists()
    audit = [r["action"] for r in console.db.query("SELECT action FROM audit_log")]
    assert {"prompt.upload", "prompt.say", "prompt.delete"} <= set(audit)


def test_conference_rooms(console, admin):
    r = admin.post("/conferences", data={"number": "800", "name": "Họp", "pin": "4321"})
    assert r.status_code == 201 and 'id="room-800"' in r.text
    assert conferences.pin_ok(conferences.get(console.db, "800"), "4321")
    r = admin.post("/conferences", data={"number": "101"})
    assert r.status_code == 422 and "taken by extension 101" in r.text
    assert admin.post("/conferences/800/delete").status_code == 200
    assert conferences.rooms(console.db) == []


def test_pages_need_the_admin_role(console):
    client, _ = console.logged_in("sup", "supervisor")
    for path in (
        "/ivr",
        "/ringgroups",
        "/timeconditions",
        "/queues",
        "/voicemail",
        "/prompts",
        "/conferences",
    ):
        assert client.get(path).status_code == 403, path
