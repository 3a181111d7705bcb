"""The configuration pages and their API (admin): extensions and desk phones, trunks and
routes, feature codes, bans and the settings file. Each change must reach the running
service (the edge's secrets, trunks and bans; the dialplan reads the rest per call)."""

import re
import time
import tomllib

import pytest
from tongdai.edge.location import Binding
from tongdai.settings_file import SettingsFile
from tongdai.store import accounts, audit, extensions, features, phones, routes


def _admin(console):
    client, token = console.logged_in("boss", "admin")
    return client, token


def _api(console):
    console.user("script", "admin")
    client = console.client()
    token = accounts.create_token(console.db, "script", "config", actor="test")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _secret_shown(html: str) -> str | None:
    m = re.search(r'id="shown-secret-value">([^<]+)<', html)
    return m.group(1) if m else None


# -- extensions --------------------------------------------------------------------------


def test_create_an_extension_shows_its_secret_once_with_sip_details_and_qr(console):
    client, token = _admin(console)
    r = client.post("/extensions", data={"csrf_token": token, "number": "201", "name": "Lan",
                                          "record": "always", "permission": "local"})  # fmt: skip
    assert r.status_code == 201
    secret = _secret_shown(r.text)
    assert secret and len(secret) == 20
    edge = console.service.edge
    assert edge.edge.secrets["201"] == secret  # the running edge takes it at once
    assert f"<code>{edge.edge.config.advertise}</code>" in r.text
    assert f"<code>{edge.ports['UDP']}</code>" in r.text and "<svg" in r.text
    listing = client.get("/extensions").text
    assert 'id="ext-201"' in listing and _secret_shown(listing) is None
    assert secret not in listing and secret not in str(audit.entries(console.db))
    row = extensions.get(console.db, "201")
    assert (row["record"], row["permission"]) == ("always", "local")


def test_a_bad_extension_is_refused_at_its_field_and_nothing_is_saved(console):
    client, token = _admin(console)
    before = len(extensions.details(console.db))
    r = client.post("/extensions", data={"csrf_token": token, "number": "0123"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert r.status_code == 422 and r.text.lstrip().startswith('<div id="extensions"')
    assert 'id="number-error"' in r.text and "2 to 6 digits" in r.text
    r = client.post("/extensions", data={"csrf_token": token, "number": "205",
                                          "ring_timeout": "2"})  # fmt: skip
    assert r.status_code == 422 and 'id="ring_timeout-error"' in r.text
    assert len(extensions.details(console.db)) == before


def test_edit_new_secret_registration_and_delete(console):
    client, token = _admin(console)
    console.service.edge.edge.location.put(Binding(
        "101", "sip:101@127.0.0.1:5070", time.time() + 600, "c1", 1, "TCP",
        ("127.0.0.1", 5070), time.time(), user_agent="Zoiper"))  # fmt: skip
    row = re.search(r'<tr id="ext-101">.*?</tr>', client.get("/extensions").text, re.S).group(0)
    assert "TCP" in row and "sip:101@127.0.0.1:5070" in row
    r = client.post("/extensions/101", data={
        "csrf_token": token, "name": "Quầy", "ring_timeout": "40", "record": "on-demand",
        "permission": "international", "record_prompts": "true"})  # fmt: skip
    assert r.status_code == 200
    assert extensions.get(console.db, "101") | {"created_at": ""} == {
        "number": "101", "name": "Quầy", "ring_timeout": 40, "record": "on-demand",
        "permission": "international", "record_prompts": 1, "created_at": ""}  # fmt: skip
    assert audit.entries(console.db, 1)[0]["action"] == "extension.update"
    old = console.service.edge.edge.secrets["101"]
    r = client.post("/extensions/101/secret", data={"csrf_token": token})
    new = _secret_shown(r.text)
    assert new and new != old and console.service.edge.edge.secrets["101"] == new
    # deleting: refused while a route sends calls to it, with the reason shown
    routes.add_inbound(console.db, "02873001234", "extension:101")
    r = client.post("/extensions/101/delete", data={"csrf_token": token})
    assert r.status_code == 422 and "inbound route 02873001234" in r.text
    assert client.post("/extensions/102/delete", data={"csrf_token": token}).status_code == 200
    assert extensions.get(console.db, "102") is None
    assert "102" not in console.service.edge.edge.secrets


def test_assign_a_desk_phone_resync_and_remove_it(console):
    client, token = _admin(console)
    r = client.post("/extensions/101/phones", data={"csrf_token": token, "mac": "nonsense",
                                                     "vendor": "yealink"})  # fmt: skip
    assert r.status_code == 422 and 'id="mac-error"' in r.text
    r = client.post(
        "/extensions/101/phones",
        data={
            "csrf_token": token,
            "mac": "00:15:65:12:34:56",
            "vendor": "yealink",
            "model": "T46U",
        },
    )
    assert r.status_code == 201
    assert "001565123456.cfg" in r.text and console.service.phone_box().url in r.text
    assert "never fetched" in r.text
    assert phones.get(console.db, "001565123456")["extension"] == "101"
    r = client.post("/extensions/101/phones/001565123456/resync", data={"csrf_token": token})
    assert 'id="resync-result"' in r.text and "not registered" in r.text
    assert phones.get(console.db, "001565123456")["resync_result"].startswith("not registered")
    refused = client.post("/extensions/101/delete", data={"csrf_token": token})
    assert "desk phone 001565123456" in refused.text
    client.post("/extensions/101/phones/001565123456/delete", data={"csrf_token": token})
    assert phones.get(console.db, "001565123456") is None


def test_api_extensions_and_phones(console):
    client = _api(console)
    r = client.post("/api/v1/extensions", json={"number": "301", "name": "Mai"})
    assert r.status_code == 201
    sip = r.json()
    assert sip["user"] == "301" and len(sip["secret"]) == 20 and "UDP" in sip["transports"]
    assert console.service.edge.edge.secrets["301"] == sip["secret"]
    bad = client.post("/api/v1/extensions", json={"number": "301"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "number"
    r = client.patch("/api/v1/extensions/301", json={"ring_timeout": 45, "record": "always"})
    assert r.json()["ring_timeout"] == 45 and r.json()["name"] == "Mai"
    assert client.patch("/api/v1/extensions/301", json={"permission": "x"}).status_code == 422
    assert client.patch("/api/v1/extensions/999", json={}).status_code == 404
    again = client.post("/api/v1/extensions/301/secret").json()["secret"]
    assert again != sip["secret"] and console.service.edge.edge.secrets["301"] == again
    r = client.post("/api/v1/phones", json={"mac": "0004f2aabbcc", "extension": "301",
                                            "vendor": "polycom"})  # fmt: skip
    assert r.status_code == 201 and r.json()["file"] == "0004f2aabbcc.cfg"
    assert client.get("/api/v1/extensions/301").json()["phones"][0]["mac"] == "0004f2aabbcc"
    assert client.post("/api/v1/phones/0004f2aabbcc/resync").json()["result"].startswith("not")
    refused = client.delete("/api/v1/extensions/301")
    assert refused.status_code == 422 and "desk phone" in refused.json()["detail"]["message"]
    assert client.delete("/api/v1/phones/00:04:f2:aa:bb:cc").status_code == 204
    assert client.delete("/api/v1/extensions/301").status_code == 204
    assert "301" not in {e["number"] for e in client.get("/api/v1/extensions").json()}


# -- trunks and routes -------------------------------------------------------------------


def test_trunks_page_and_api(console):
    client, token = _admin(console)
    r = client.post(
        "/trunks",
        data={
            "csrf_token": token,
            "name": "viettel",
            "host": "127.0.0.9",
            "port": "5070",
            "register": "true",
        },
    )
    assert r.status_code == 422 and 'id="username-error"' in r.text  # registering needs a login
    r = client.post("/trunks", data={"csrf_token": token, "name": "viettel", "host": "127.0.0.9",
                                      "port": "5070", "caller_id": "02838221234"})  # fmt: skip
    assert r.status_code == 201 and "by address" in r.text
    assert console.service.edge.edge.trunks_by_address["127.0.0.9"] == "viettel"  # at once
    api = _api(console)
    created = api.post("/api/v1/trunks", json={
        "name": "vnpt", "host": "127.0.0.10", "username": "u", "password": "pw-secret",
        "register": True})  # fmt: skip
    assert created.status_code == 201
    assert created.json()["register"] is True and created.json()["state"] == "unregistered"
    assert "password" not in created.json() and "pw-secret" not in api.get("/api/v1/trunks").text
    assert "vnpt" in console.service.edge.edge.trunk_registrations
    routes.add_outbound(console.db, "mobile", patterns=["09XXXXXXXX"], trunks=["viettel"],
                        route_class="national")  # fmt: skip
    r = client.post("/trunks/viettel/delete", data={"csrf_token": token})
    assert r.status_code == 422 and "mobile" in r.text
    assert api.delete("/api/v1/trunks/vnpt").status_code == 204
    assert "vnpt" not in console.service.edge.edge.trunk_registrations


def test_inbound_route_to_a_picked_destination_and_outbound_routes_in_order(console):
    client, token = _admin(console)
    page = client.get("/routes").text
    assert '<option value="extension:101">101' in page  # picked, not typed
    r = client.post("/routes/inbound", data={
        "csrf_token": token, "did": "02873001234", "destination": "extension:101",
        "record": "always", "priority": "5"})  # fmt: skip
    assert r.status_code == 201
    found = routes.find_inbound(console.db, "02873001234", "any-trunk")
    assert (found["destination"], found["record"], found["priority"]) == (
        "extension:101", "always", 5)  # fmt: skip
    r = client.post(
        "/routes/inbound",
        data={
            "csrf_token": token,
            "did": "any",
            "destination": "outside:",
            "destination_value": "x",
        },
    )
    assert r.status_code == 422 and 'id="destination-error"' in r.text
    r = client.post("/routes/inbound", data={"csrf_token": token, "did": "any",
                                              "destination": "outside:",
                                              "destination_value": "0909123456"})  # fmt: skip
    assert r.status_code == 201
    assert routes.find_inbound(console.db, "123", "t")["destination"] == "outside:0909123456"
    api = _api(console)
    for name in ("a", "b"):
        assert api.post("/api/v1/trunks", json={"name": name, "host": f"127.0.0.{len(name) + 20}"
                                                }).status_code == 201  # fmt: skip
    r = client.post(
        "/routes/outbound",
        data={
            "csrf_token": token,
            "name": "mobile",
            "patterns": "09XXXXXXXX, 03XXXXXXXX",
            "trunk": ["b", "a", ""],
            "route_class": "national",
            "strip": "1",
            "prefix": "84",
        },
    )
    assert r.status_code == 201
    r = client.post("/routes/outbound", data={"csrf_token": token, "name": "bad",
                                               "patterns": "09[", "trunk": ["a"]})  # fmt: skip
    assert r.status_code == 422 and 'id="patterns-error"' in r.text
    created = api.post("/api/v1/routes/outbound", json={
        "name": "emergency", "patterns": ["11[345]"], "trunks": ["a"],
        "route_class": "emergency"})  # fmt: skip
    assert created.status_code == 201
    mobile = routes.outbound(console.db)[0]
    assert mobile.trunks == ("b", "a") and mobile.dialled("0912345678") == "84912345678"
    client.post("/routes/outbound/emergency/move", data={"csrf_token": token, "step": "-1"})
    assert [r.name for r in routes.outbound(console.db)] == ["emergency", "mobile"]
    moved = api.post("/api/v1/routes/outbound/emergency/move", json={"step": 1}).json()
    assert [r["name"] for r in moved] == ["mobile", "emergency"]
    inbound = api.get("/api/v1/routes/inbound").json()
    assert {r["destination"] for r in inbound} == {"extension:101", "outside:0909123456"}
    bad = api.post("/api/v1/routes/inbound", json={"destination": "queue:nope"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "destination"
    assert api.delete(f"/api/v1/routes/inbound/{inbound[0]['id']}").status_code == 204
    assert api.delete("/api/v1/routes/outbound/mobile").status_code == 204


# -- feature codes, bans, settings -------------------------------------------------------


def test_feature_codes_change_and_clash_at_the_field(console):
    client, token = _admin(console)
    r = client.post("/features/voicemail", data={"csrf_token": token, "code": "*86"})
    assert r.status_code == 200 and features.codes(console.db).voicemail == "*86"
    assert features.codes(console.db).match("*86") == ("voicemail", "")  # what calls use
    r = client.post("/features/voicemail", data={"csrf_token": token, "code": "*8"})
    assert r.status_code == 422 and 'id="code-voicemail-error"' in r.text
    assert "clashes with feature code *8 (pickup)" in r.text
    assert features.codes(console.db).voicemail == "*86"
    api = _api(console)
    assert api.put("/api/v1/features/park", json={"code": "101"}).status_code == 422
    assert api.put("/api/v1/features/park", json={"code": "700"}).json()["code"] == "700"
    assert {f["name"] for f in api.get("/api/v1/features").json()} == set(features.DEFAULTS)
    assert api.put("/api/v1/features/nothing", json={"code": "*5"}).status_code == 404


def test_bans_add_and_lift_reach_the_edge(console):
    client, token = _admin(console)
    guard = console.service.edge.edge.guard
    r = client.post("/bans", data={"csrf_token": token, "address": "203.0.113.9",
                                    "hours": "2", "reason": "scanner"})  # fmt: skip
    assert r.status_code == 201 and 'id="ban-203.0.113.9"' in r.text
    assert not guard.allow("203.0.113.9", time.time())
    r = client.post("/bans", data={"csrf_token": token, "address": "nope"})
    assert r.status_code == 422 and 'id="address-error"' in r.text
    r = client.post("/bans", data={"csrf_token": token, "address": "203.0.113.8", "hours": "0"})
    assert r.status_code == 422 and 'id="hours-error"' in r.text
    client.post("/bans/lift", data={"csrf_token": token, "address": "203.0.113.9"})
    assert guard.allow("203.0.113.9", time.time())
    api = _api(console)
    assert api.post("/api/v1/bans", json={"address": "198.51.100.7"}).status_code == 201
    assert "198.51.100.7" in guard.bans
    assert api.delete("/api/v1/bans/198.51.100.7").status_code == 204
    assert api.get("/api/v1/bans").json() == []
    assert api.delete("/api/v1/bans/198.51.100.7").status_code == 422


@pytest.fixture
def settings_file(console, tmp_path):
    path = tmp_path / "tongdai.toml"
    path.write_text('# the box\'s own settings\nlanguage = "en"\n')
    console.service.settings_file = SettingsFile(path, env={}, flags={"http_port": 0})
    return path


def test_settings_written_atomically_live_or_after_a_restart(console, settings_file):
    client, token = _admin(console)
    page = client.get("/settings").text
    assert "set on the command line" in page and 'name="http_port"' not in page
    r = client.post(
        "/settings",
        data={
            "csrf_token": token,
            "language": "vi",
            "recording_keep_days": "30",
            "sip_port": "5062",
        },
    )
    assert r.status_code == 200
    written = tomllib.loads(settings_file.read_text())
    assert written == {"language": "vi", "recording_keep_days": 30, "sip_port": 5062}
    assert settings_file.read_text().startswith("# the box's own settings")  # kept
    s = console.service.settings
    assert (s.language, s.recording_keep_days) == ("vi", 30)  # taken at once
    assert console.service.dialplan.prompts.default_lang == "vi"
    assert s.sip_port == 0  # still what it started with: a restart is needed
    assert 'id="restart-needed"' in r.text and "5062" in r.text
    before = settings_file.read_text()
    r = client.post("/settings", data={"csrf_token": token, "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and 'id="timezone-error"' in r.text
    assert settings_file.read_text() == before and list(settings_file.parent.glob(".*tmp")) == []
    api = _api(console)
    got = api.get("/api/v1/settings").json()["settings"]
    assert got["sip_port"] == {"value": "0", "next_start": "5062", "fixed_by": None,
                               "live": False}  # fmt: skip
    assert got["http_port"]["fixed_by"] == "command line"
    saved = api.patch("/api/v1/settings", json={"recording_min_free_mb": 800}).json()
    assert saved["applied"] == ["recording_min_free_mb"] and "sip_port" in saved["restart_needed"]
    assert console.service.settings.recording_min_free_mb == 800
    bad = api.patch("/api/v1/settings", json={"http_port": 81})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "http_port"
    bad = api.patch("/api/v1/settings", json={"rtp_ports": "3-1"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "rtp_ports"
    assert audit.entries(console.db, 1)[0]["action"] == "settings.save"


def test_modems_are_set_on_the_settings_page(console, settings_file):
    client, token = _admin(console)
    assert 'name="modems"' in client.get("/settings").text
    r = client.post(
        "/settings", data={"csrf_token": token, "modems": "gsm1=/dev/ttyUSB2, gsm2=/dev/ttyUSB6"}
    )
    assert r.status_code == 200 and 'id="restart-needed"' in r.text  # drivers start at start
    assert tomllib.loads(settings_file.read_text())["modems"] == (
        "gsm1=/dev/ttyUSB2,gsm2=/dev/ttyUSB6"
    )
    assert 'value="gsm1=/dev/ttyUSB2,gsm2=/dev/ttyUSB6"' in client.get("/settings").text
    assert SettingsFile.load(console.service.settings_file).modems == (
        ("gsm1", "/dev/ttyUSB2"), ("gsm2", "/dev/ttyUSB6"),
    )  # fmt: skip
    before = settings_file.read_text()
    r = client.post("/settings", data={"csrf_token": token, "modems": "gsm1=/dev/a,gsm1=/dev/b"})
    assert r.status_code == 422 and 'id="modems-error"' in r.text
    assert settings_file.read_text() == before
