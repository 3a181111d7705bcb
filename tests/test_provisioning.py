"""Desk-phone provisioning files: each vendor's file against a golden copy (byte for byte)
and parsed back, the file names phones ask for, and who gets a file (the access policy)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tongdai.edge.guard import Guard
from tongdai.provisioning import access, files
from tongdai.provisioning.http import FileServer
from tongdai.store import bans, extensions, open_db, phones

GOLDEN = Path(__file__).parent / "golden" / "provisioning"
SECRET = "Golden&Secret<0123>"  # fixed, with characters XML must escape
BOX = files.Box("192.0.2.10", 5060, "udp", 8080, "vi", "Asia/Ho_Chi_Minh")
MACS = {
    "yealink": "001565a1b2c3",
    "grandstream": "000b82d4e5f6",
    "snom": "000413a7b8c9",
    "polycom": "0004f2c1d2e3",
    "cisco": "e05fb9a1a2a3",
}
# vendor -> [(file name as the phone asks for it, template)]
REQUESTED = {
    "yealink": [("001565a1b2c3.cfg", "yealink.cfg.j2")],
    "grandstream": [("cfg000b82d4e5f6.xml", "grandstream.xml.j2")],
    "snom": [("snomD785-000413A7B8C9.htm", "snom.htm.j2")],
    "polycom": [
        ("0004f2c1d2e3.cfg", "polycom-master.cfg.j2"),
        ("0004f2c1d2e3-registration.cfg", "polycom-registration.cfg.j2"),
    ],
    "cisco": [("spae05fb9a1a2a3.xml", "cisco-spa.xml.j2")],
}
MODELS = {"yealink": "T46U", "grandstream": "GXP2170", "snom": "D785", "polycom": "VVX450",
          "cisco": "SPA504G"}  # fmt: skip
EXTENSION = {"number": "201", "name": "Lan <Lễ tân>", "secret": SECRET}


def phone_row(vendor: str) -> dict:
    return {"mac": MACS[vendor], "vendor": vendor, "model": MODELS[vendor], "label": "quầy 1"}


def rendered(vendor: str, template: str) -> bytes:
    tz = files.time_zone("Asia/Ho_Chi_Minh")
    return files.render(template, phone_row(vendor), EXTENSION, BOX, tz)


CASES = [(v, name, tpl) for v, items in REQUESTED.items() for name, tpl in items]


@pytest.mark.parametrize(("vendor", "name", "template"), CASES)
def test_file_matches_its_golden_copy(vendor, name, template):
    mac, templates = files.match(name)
    assert mac == MACS[vendor] and templates[vendor] == template
    golden = GOLDEN / name
    assert rendered(vendor, template) == golden.read_bytes(), f"{name} differs from {golden}"


def yealink_values(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "#!version:1.0.0.1"
    pairs = [line.split(" = ", 1) for line in lines[1:] if line and not line.startswith("#")]
    assert all(len(p) == 2 for p in pairs)
    return dict(pairs)


def test_yealink_parses_back():
    v = yealink_values(rendered("yealink", "yealink.cfg.j2").decode())
    assert v["account.1.user_name"] == v["account.1.auth_name"] == "201"
    assert v["account.1.password"] == SECRET
    assert (v["account.1.sip_server.1.address"], v["account.1.sip_server.1.port"]) == (
        "192.0.2.10",
        "5060",
    )
    assert v["account.1.display_name"] == "Lan <Lễ tân>"
    assert v["local_time.ntp_server1"] == "192.0.2.10"
    assert (v["local_time.time_zone"], v["local_time.time_zone_name"]) == (
        "+7",
        "Thailand(Bangkok)",
    )


def test_yealink_values_cannot_inject_lines():
    ext = {**EXTENSION, "name": "Lan\naccount.1.password = stolen"}
    text = files.render("yealink.cfg.j2", phone_row("yealink"), ext, BOX, files.time_zone("UTC"))
    assert yealink_values(text.decode())["account.1.password"] == SECRET


def test_grandstream_parses_back():
    root = ET.fromstring(rendered("grandstream", "grandstream.xml.j2"))
    assert root.tag == "gs_provision" and root.findtext("mac") == MACS["grandstream"]
    p = {e.tag: e.text for e in root.find("config")}
    assert (p["P35"], p["P36"], p["P34"]) == ("201", "201", SECRET)
    assert p["P47"] == "192.0.2.10:5060" and p["P3"] == "Lan <Lễ tân>"
    assert (p["P30"], p["P64"], p["P1362"]) == ("192.0.2.10", "<+07>-7", "vi")


def test_snom_parses_back():
    root = ET.fromstring(rendered("snom", "snom.htm.j2"))
    s = {e.tag: e.text for e in root.find("phone-settings")}
    assert (s["user_name"], s["user_pname"], s["user_pass"]) == ("201", "201", SECRET)
    assert s["user_host"] == "192.0.2.10:5060;transport=udp"
    assert (s["ntp_server"], s["utc_offset"]) == ("192.0.2.10", "25200")


def test_polycom_master_lists_the_registration_file_which_parses_back():
    master = ET.fromstring(rendered("polycom", "polycom-master.cfg.j2"))
    assert master.get("CONFIG_FILES") == "0004f2c1d2e3-registration.cfg"
    assert SECRET.encode() not in rendered("polycom", "polycom-master.cfg.j2")
    root = ET.fromstring(rendered("polycom", "polycom-registration.cfg.j2"))
    attrs = {k: v for e in root for k, v in e.attrib.items()}
    assert (attrs["reg.1.address"], attrs["reg.1.auth.userId"]) == ("201", "201")
    assert attrs["reg.1.auth.password"] == SECRET
    assert (attrs["reg.1.server.1.address"], attrs["reg.1.server.1.port"]) == ("192.0.2.10", "5060")
    assert attrs["tcpIpApp.sntp.gmtOffset"] == "25200"


def test_cisco_parses_back():
    root = ET.fromstring(rendered("cisco", "cisco-spa.xml.j2"))
    assert root.tag == "flat-profile"
    p = {e.tag: e.text for e in root}
    assert (p["User_ID_1_"], p["Password_1_"], p["Proxy_1_"]) == ("201", SECRET, "192.0.2.10:5060")
    assert (p["Time_Zone"], p["Resync_From_SIP"]) == ("GMT+07:00", "Yes")
    assert root.find("Password_1_").get("ua") == "na"  # not shown on the phone's pages


def test_transport_and_port_follow_the_box():
    tls = files.Box("192.0.2.10", 5061, "tls", 8080, "en", "Asia/Ho_Chi_Minh")
    text = files.render("yealink.cfg.j2", phone_row("yealink"), EXTENSION, tls,
                        files.time_zone("Asia/Ho_Chi_Minh")).decode()  # fmt: skip
    v = yealink_values(text)
    assert (v["account.1.sip_server.1.port"], v["account.1.sip_server.1.transport_type"]) == (
        "5061",
        "2",
    )


@pytest.mark.parametrize(
    "name",
    ["y000000000000.cfg", "y000000000000.boot", "cfg.xml", "sip.ld", "snomD785.htm",
     "0004f2c1d2e3-phone.cfg", "../001565a1b2c3.cfg", "001565a1b2c3.cfg.bak"],
)  # fmt: skip
def test_common_and_foreign_names_name_no_phone(name):
    assert files.match(name) is None


# -- who gets a file ------------------------------------------------------------------------

NOW = 1_900_000_000.0


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "t.db")
    extensions.add(d, "201", name="Lan", secret=SECRET)
    return d


@pytest.fixture
def server(db):
    return FileServer(db, lambda: BOX, 3600, Guard())


def test_an_assigned_phone_gets_its_file_and_the_fetch_is_recorded(db, server):
    phones.add(db, "00:15:65:A1:B2:C3", extension="201", vendor="yealink", now=NOW)
    body, kind = server.fetch("001565a1b2c3.cfg", "10.0.0.5", NOW + 10)
    assert SECRET.encode() in body and kind.startswith("text/plain")
    row = phones.get(db, "001565a1b2c3")
    assert (row["last_fetch_at"], row["last_fetch_from"]) == (NOW + 10, "10.0.0.5")


def test_another_vendors_name_for_the_mac_is_refused(db, server):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink", now=NOW)
    assert server.fetch("cfg001565a1b2c3.xml", "10.0.0.5", NOW) is None
    assert server.fetch("001565a1b2c3-registration.cfg", "10.0.0.5", NOW) is None


def test_window_closes_and_a_fetched_file_goes_to_that_address_only(db, server):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink", now=NOW)
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.5", NOW + 3601) is None  # window over
    phones.request_resync(db, "001565a1b2c3", now=NOW + 4000)  # reopens it
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.5", NOW + 4001) is not None
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.5", NOW + 4002) is not None  # a reboot
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.66", NOW + 4003) is None  # someone else
    phones.request_resync(db, "001565a1b2c3", now=NOW + 5000)  # the phone moved: reopened
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.66", NOW + 5001) is not None


def test_a_zero_window_never_closes(db):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink", now=NOW)
    assert access.may_serve(phones.get(db, "001565a1b2c3"), "10.0.0.5", NOW + 10**7, 0)
    assert not access.may_serve(phones.get(db, "001565a1b2c3"), "10.0.0.5", NOW + 10**7, 3600)


def test_a_mac_scanner_is_banned_from_http_and_sip(db, server):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink", now=NOW)
    for i in range(access.SCAN_MACS - 1):
        assert server.fetch(f"0015650000{i:02x}.cfg", "10.0.0.99", NOW + i) is None
    # the same unassigned MAC asked for again (a phone nobody assigned yet) is no scan
    assert server.fetch("001565000000.cfg", "10.0.0.99", NOW + 20) is None
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.99", NOW + 21) is not None
    phones.request_resync(db, "001565a1b2c3", now=NOW + 22)
    assert server.fetch("0015650000ff.cfg", "10.0.0.99", NOW + 23) is None  # one more: banned
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.99", NOW + 24) is None
    assert not server.guard.allow("10.0.0.99", NOW + 24)  # SIP too
    assert [b["address"] for b in bans.active(db, NOW + 24)] == ["10.0.0.99"]
    assert server.fetch("001565a1b2c3.cfg", "10.0.0.5", NOW + 25) is not None  # others still


def test_common_files_are_not_counted_as_scanning(db, server):
    for i in range(20):
        assert server.fetch(f"y0000000000{i:02d}.cfg", "10.0.0.7", NOW + i) is None
    assert server.guard.bans == {}


def test_scan_detector_forgets_old_requests():
    d = access.ScanDetector(macs=3, window=60)
    assert not d.unknown("a", "m1", 0) and not d.unknown("a", "m2", 1)
    assert not d.unknown("a", "m3", 100)  # m1 and m2 are too old
    assert d.unknown("a", "m4", 101) is False and d.unknown("a", "m5", 102) is True


# -- the phones table --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["00:15:65:A1:B2:C3", "00-15-65-a1-b2-c3", "0015.65a1.b2c3",
                                  " 001565A1B2C3 "])  # fmt: skip
def test_mac_is_normalised(text):
    assert phones.normalise_mac(text) == "001565a1b2c3"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mac": "00:15:65:A1:B2"}, "mac:"),
        ({"mac": "00:15:65:A1:B2:ZZ"}, "mac:"),
        ({"vendor": "aastra"}, "vendor:"),
        ({"extension": "299"}, "extension: no extension 299"),
        ({"model": "T46U; rm -rf"}, "model:"),
    ],
)
def test_bad_fields_are_named_and_change_nothing(db, kwargs, field):
    args = {"mac": "001565a1b2c3", "extension": "201", "vendor": "yealink", **kwargs}
    with pytest.raises(phones.PhoneError, match=field):
        phones.add(db, args.pop("mac"), **args)
    assert phones.all_phones(db) == []


def test_one_phone_per_mac_and_the_audit_log(db):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink", actor="cli")
    with pytest.raises(phones.PhoneError, match="already assigned to extension 201"):
        phones.add(db, "00:15:65:a1:b2:c3", extension="201", vendor="snom")
    phones.delete(db, "001565A1B2C3", actor="cli")
    actions = [e["action"] for e in db["audit_log"].rows_where("actor = 'cli'", order_by="id")]
    assert actions == ["phone.create", "phone.delete"]
    with pytest.raises(phones.PhoneError, match="mac: no phone"):
        phones.delete(db, "001565a1b2c3")


def test_an_extension_with_a_phone_is_not_deleted(db):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink")
    with pytest.raises(extensions.ExtensionError, match="desk phone 001565a1b2c3 is assigned"):
        extensions.delete(db, "201")
    phones.delete(db, "001565a1b2c3")
    extensions.delete(db, "201")


def test_resync_request_is_taken_back_or_answered(db):
    phones.add(db, "001565a1b2c3", extension="201", vendor="yealink", now=NOW)
    asked = phones.request_resync(db, "001565a1b2c3", now=NOW + 5)
    assert [p["mac"] for p in phones.pending_resyncs(db)] == ["001565a1b2c3"]
    assert phones.get(db, "001565a1b2c3")["opened_at"] == NOW + 5
    phones.resync_done(db, "001565a1b2c3", "check-sync sent to 1 contact(s)")
    assert not phones.withdraw_resync(db, "001565a1b2c3", asked)  # the service took it
    asked = phones.request_resync(db, "001565a1b2c3", now=NOW + 9)
    assert phones.withdraw_resync(db, "001565a1b2c3", asked)
    assert phones.pending_resyncs(db) == []
