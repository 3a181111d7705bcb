"""IVR menus, ring groups, time conditions and voicemail end to end: a pjsua2
"provider" calls a DID, presses keys (RFC 4733 DTMF), and lands where the
configuration says. Prompts are replaced by tones of their own pitch (the override a
recorded prompt pack uses), so what the caller heard is checked by tone detection."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from callbox import add, cdr_rows, tone_prompts, wait_for
from conftest import needs_pjsua2
from phones import Phone, tone_found
from tongdai.store import open_db

pytestmark = needs_pjsua2

DID = "02873001234"
TONES = {
    "ivr_welcome": 700,
    "ivr_support": 900,
    "ivr_invalid": 1300,
    "ivr_no_input": 1500,
    "office_closed": 1700,
    "vm_leave_message": 1100,
}


def _db_rows(box, sql: str) -> list[dict]:
    db = open_db(box.data_dir / "tongdai.db")
    try:
        return list(db.query(sql))
    finally:
        db.close()


def _dial_in(carrier, box, wav) -> None:
    carrier.send(f"record {wav}")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")


def test_menu_keys_nested_menus_direct_dial_and_an_in_order_ring_group(
    box, phones, carrier, tmp_path
):
    tone_prompts(box, TONES, seconds=1.5)
    add(box, "ringgroup", "add", "support", "--members", "201:5,202", "--strategy", "order",
        "--final", "extension:203")  # fmt: skip
    add(box, "ivr", "add", "support-menu", "--greeting", "ivr_support", "--key",
        "1=ring_group:support", "--final", "extension:203")  # fmt: skip
    add(box, "ivr", "add", "main", "--greeting", "ivr_welcome", "--key", "5=ivr:support-menu",
        "--key", "9=announcement:office_closed", "--direct-dial", "--final",
        "extension:203", "--timeout", "3")  # fmt: skip
    add(box, "route", "in", DID, "--to", "ivr:main")
    alice, bob = phones("201"), phones("202")

    # 5 -> the support menu; a wrong key there (8), then 1 -> the ring group in order:
    # 201 rings 5 s unanswered, then 202 answers.
    bob.send("tone 1600")
    _dial_in(carrier, box, tmp_path / "menus.wav")
    time.sleep(1.0)
    carrier.send("dtmf 5")
    time.sleep(0.8)
    carrier.send("dtmf 8")
    time.sleep(2.5)  # "invalid", then the menu's greeting again
    carrier.send("dtmf 1")
    alice.expect(r"^INCOMING", timeout=10)
    bob.expect(r"^INCOMING", timeout=12)  # after 201's 5 seconds
    alice.expect(r"^STATE disconnected")
    bob.send("answer")
    bob.expect(r"^STATE confirmed")
    time.sleep(1.5)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    carrier.send("hangup")
    bob.expect(r"^STATE disconnected")
    heard = tmp_path / "menus.wav"
    for what, freq in [("main", 700), ("submenu", 900), ("invalid", 1300), ("202", 1600)]:
        assert tone_found(heard, freq, window=0.5), f"the caller did not hear {what}"
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["dst"], row["dst_channel"], row["disposition"]) == (DID, "202", "answered")

    # Direct dialling: 2 0 1 reaches alice.
    _dial_in(carrier, box, tmp_path / "direct.wav")
    time.sleep(0.5)
    carrier.send("dtmf 201")
    alice.expect(r"^INCOMING", timeout=10)
    alice.send("answer")
    alice.expect(r"^STATE confirmed")
    carrier.send("hangup")
    alice.expect(r"^STATE disconnected")
    rows = wait_for(lambda: len(cdr_rows(box)) == 2 and cdr_rows(box))
    assert rows[-1]["dst_channel"] == "201"


def test_no_key_at_all_still_reaches_voicemail_and_the_box_plays_it_back(
    box, phones, carrier, tmp_path
):
    tone_prompts(box, TONES, seconds=1.0)
    pin = "284917"
    r = add(box, "vm", "enable", "201", "--pin-stdin", input=f"{pin}\n")
    assert "PIN" not in r  # a PIN given is never echoed
    add(box, "ivr", "add", "main", "--greeting", "ivr_welcome", "--final", "voicemail:201",
        "--timeout", "1", "--retries", "1")  # fmt: skip
    add(box, "route", "in", DID, "--to", "ivr:main")
    add(box, "feature", "set", "voicemail", "*86")  # the code is the admin's choice

    # The caller says nothing: welcome, "no input", welcome again, then the box's own
    # greeting and the beep; they speak (a 1000 Hz tone) for 3 s and hang up.
    _dial_in(carrier, box, tmp_path / "left.wav")
    carrier.send("tone 1000")
    time.sleep(13)  # about 9 s of prompts, then 4 s of message
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    carrier.send("hangup")
    carrier.expect(r"^STATE disconnected")
    [message] = wait_for(lambda: _db_rows(box, "SELECT * FROM voicemail_messages"))
    assert (message["box"], message["folder"], message["caller"]) == ("201", "new", "0909000111")
    assert message["seconds"] >= 1.5
    stored = box.data_dir / "recordings" / "voicemail" / message["file"]
    assert tone_found(stored, 1000), "the message is not what the caller said"
    assert tone_found(tmp_path / "left.wav", 1500, window=0.5), "no 'no input' prompt"
    assert tone_found(tmp_path / "left.wav", 1100, window=0.5), "no 'leave a message' prompt"
    [row] = wait_for(lambda: cdr_rows(box))
    assert row["dst_channel"] == "voicemail 201" and row["disposition"] == "answered"

    # 201 calls its box with the new code, a wrong PIN first, then the right one, 1 to
    # listen, 7 to delete. (The old code does nothing now.)
    alice = phones("201")
    alice.send("call *97")
    alice.expect(r"^STATE disconnected", timeout=10)
    alice.send(f"record {tmp_path / 'heard.wav'}")
    alice.send("call *86")
    alice.expect(r"^STATE confirmed")
    time.sleep(0.7)
    alice.send("dtmf 111111#")
    time.sleep(3.0)  # "wrong PIN", the question again
    alice.send(f"dtmf {pin}#")
    time.sleep(2.0)
    alice.send("dtmf 1")
    time.sleep(17.0)  # the envelope (number digit by digit, time, date), the message
    alice.send("dtmf 7")
    wait_for(lambda: not _db_rows(box, "SELECT * FROM voicemail_messages"), timeout=8)
    assert not stored.exists()
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    alice.send("hangup")
    assert tone_found(tmp_path / "heard.wav", 1000), "201 did not hear the message"
    audit = _db_rows(box, "SELECT action, detail FROM audit_log")
    assert all(pin not in (a["detail"] or "") for a in audit)


def test_office_hours_a_holiday_and_the_day_night_switch(box, phones, carrier, tmp_path):
    tone_prompts(box, TONES, seconds=1.0)
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the box's timezone
    out = add(box, "timecond", "add", "office", "--hours", "mon-sun 00:00-24:00", "--open",
              "extension:201", "--closed", "announcement:office_closed")  # fmt: skip
    code = out.strip().rsplit("dial ", 1)[1].rstrip(")")
    assert code == "*281"
    # A holiday today (and tomorrow, whatever the box's timezone makes "today").
    add(box, "timecond", "holiday", "office", (today - dt.timedelta(days=1)).isoformat(),
        "--until", (today + dt.timedelta(days=1)).isoformat(), "--label", "test")  # fmt: skip
    add(box, "route", "in", DID, "--to", "time_condition:office")
    alice = phones("201")

    _dial_in(carrier, box, tmp_path / "closed.wav")
    carrier.expect(r"^STATE disconnected", timeout=10)  # the announcement, then goodbye
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    assert tone_found(tmp_path / "closed.wav", 1700, window=0.5), "no office-closed prompt"

    # Someone in the office opens it by phone: the next call rings 201.
    alice.send(f"call {code}")
    alice.expect(r"^STATE disconnected", timeout=10)
    [condition] = _db_rows(box, "SELECT override FROM time_conditions")
    assert condition["override"] == "open"
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    alice.expect(r"^INCOMING", timeout=10)
    carrier.send("hangup")
    alice.expect(r"^STATE disconnected")
    assert "forced open" in add(box, "timecond", "list")


def test_a_busy_extension_with_a_box_sends_the_caller_to_voicemail(box, phones, carrier, tmp_path):
    tone_prompts(box, TONES, seconds=1.0)
    assert "PIN (shown once)" in add(box, "vm", "enable", "202")
    add(box, "route", "in", DID, "--to", "extension:202")
    bob = phones("202")
    bob.send("autoanswer 486")
    bob.expect(r"^AUTOANSWER")
    _dial_in(carrier, box, tmp_path / "busy.wav")
    carrier.send("tone 1000")
    time.sleep(6)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    carrier.send("hangup")
    [message] = wait_for(lambda: _db_rows(box, "SELECT * FROM voicemail_messages"))
    assert message["box"] == "202" and message["seconds"] >= 1
    assert tone_found(tmp_path / "busy.wav", 1100, window=0.5)


def test_a_prompt_recorded_from_a_phone_is_what_callers_then_hear(box, phones, carrier, tmp_path):
    secret = "secret-of-205-abcdef"
    add(box, "ext", "add", "205", "--secret", secret, "--record-prompts")
    recorder = Phone(box, "205", secret)
    try:
        recorder.registered()
        bob = phones("202")  # not allowed to record prompts
        bob.send("call *771")
        bob.expect(r"^STATE confirmed")
        bob.expect(r"^STATE disconnected", timeout=15)  # "not allowed", then goodbye
        prompt = box.data_dir / "sounds" / "prompts" / "vi" / "rec1.wav"
        assert not prompt.exists()

        recorder.send("call *771")
        recorder.expect(r"^STATE confirmed")
        time.sleep(5)  # "speak after the tone", the beep
        recorder.send("tone 1200")
        time.sleep(3)
        recorder.send("dtmf #")
        recorder.expect(r"^STATE disconnected", timeout=15)  # "saved prompt number 1"
    finally:
        recorder.close()
    assert wait_for(prompt.exists)
    assert tone_found(prompt, 1200), "the prompt is not what was spoken"

    add(box, "route", "in", DID, "--to", "announcement:rec1")
    _dial_in(carrier, box, tmp_path / "announced.wav")
    carrier.expect(r"^STATE disconnected", timeout=15)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    assert tone_found(tmp_path / "announced.wav", 1200, window=0.5)
