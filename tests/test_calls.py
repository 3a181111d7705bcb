"""Everyday calls end to end: pjsua2 test phones registered through the edge call each
other through the media engine; audio is checked by tone detection both ways and the
CDR rows in the real SQLite file."""

from __future__ import annotations

import csv
import io
import os
import signal
import time

from callbox import cdr_rows, cli, wait_for
from conftest import needs_pjsua2
from phones import Phone, tone_found

pytestmark = needs_pjsua2


def test_call_between_extensions_with_audio_both_ways(box, phones, tmp_path):
    alice, bob = phones("201"), phones("202", "tcp")
    alice.send("tone 1000")
    bob.send("tone 1600")
    alice.send(f"record {tmp_path / 'alice.wav'}")
    bob.send(f"record {tmp_path / 'bob.wav'}")
    alice.send("call 202")
    assert "201" in bob.expect(r"^INCOMING (.*)").group(1)  # caller ID: the extension
    alice.expect(r"^STATE early 180")
    bob.send("answer")
    alice.expect(r"^STATE confirmed")
    bob.expect(r"^STATE confirmed")
    time.sleep(3)
    for phone in (alice, bob):
        phone.send("stoprecord")
        phone.expect(r"^RECORDED")
    bob.send("hangup")
    alice.expect(r"^STATE disconnected")
    bob.expect(r"^STATE disconnected")

    assert tone_found(tmp_path / "alice.wav", 1600, others=(1000,)), "Alice did not hear Bob"
    assert tone_found(tmp_path / "bob.wav", 1000, others=(1600,)), "Bob did not hear Alice"

    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["src"], row["src_name"], row["dst"], row["dst_channel"]) == (
        "201", "Phone 201", "202", "202",
    )  # fmt: skip
    assert row["direction"] == "internal" and row["disposition"] == "answered"
    assert row["hangup_by"] == "callee" and row["answer"] is not None
    assert 2 <= row["billsec"] <= row["duration"] <= 15

    # and the export a person would run
    out = cli(box, "cdr", "export")
    assert out.returncode == 0, out.stderr
    [exported] = list(csv.DictReader(io.StringIO(out.stdout)))
    assert exported["id"] == row["id"] and exported["disposition"] == "answered"


def test_caller_hangs_up_first_and_cancel_before_answer(box, phones):
    alice, bob = phones("201"), phones("202")
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    alice.expect(r"^STATE early")
    alice.send("hangup")  # CANCEL while it rings
    bob.expect(r"^STATE disconnected")
    alice.expect(r"^STATE disconnected")
    [row] = wait_for(lambda: cdr_rows(box))
    assert row["disposition"] == "cancelled" and row["hangup_by"] == "caller"
    assert row["billsec"] == 0 and row["answer"] is None

    _second_call_is_answered_and_recorded(box, alice, bob)


def _second_call_is_answered_and_recorded(box, alice: Phone, bob: Phone) -> None:
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    bob.send("answer")
    alice.expect(r"^STATE confirmed")
    alice.send("hangup")
    bob.expect(r"^STATE disconnected")
    rows = wait_for(lambda: len(cdr_rows(box)) == 2 and cdr_rows(box))
    assert rows[1]["disposition"] == "answered" and rows[1]["hangup_by"] == "caller"


def test_busy_and_not_registered(box, phones):
    alice, bob = phones("201"), phones("202")
    bob.autoanswer(486)
    alice.send("call 202")
    alice.expect(r"^STATE disconnected 486")
    alice.send("call 203")  # nobody registered there
    alice.expect(r"^STATE disconnected 480")
    alice.send("call 299")  # no such extension
    alice.expect(r"^STATE disconnected 404")
    rows = wait_for(lambda: len(cdr_rows(box)) == 3 and cdr_rows(box))
    assert [(r["dst"], r["disposition"], r["cause"]) for r in rows] == [
        ("202", "busy", "busy"),
        ("203", "failed", "not registered"),
        ("299", "failed", "no route"),  # not an extension, and no outbound route takes it
    ]


def test_no_answer_gives_a_busy_tone_then_480(box, phones, tmp_path):
    alice, bob = phones("201"), phones("202")
    alice.send(f"record {tmp_path / 'alice.wav'}")
    alice.send("call 202")
    bob.expect(r"^INCOMING")  # and nobody answers it: 6 s ring timeout
    bob.expect(r"^STATE disconnected", timeout=12)
    alice.expect(r"^MEDIA up")  # early media: the busy tone, for 8 s
    time.sleep(4)
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    alice.expect(r"^STATE disconnected 480", timeout=15)
    assert tone_found(tmp_path / "alice.wav", 425, min_share=0.3)
    [row] = wait_for(lambda: cdr_rows(box))
    assert row["disposition"] == "no answer" and row["cause"] == "no answer"


def test_media_engine_crash_ends_calls_in_the_records_and_the_next_call_works(box, phones):
    alice, bob = phones("201"), phones("202")
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    bob.send("answer")
    alice.expect(r"^STATE confirmed")
    bob.expect(r"^STATE confirmed")
    time.sleep(1)  # the call is bridged: this is a crash in mid-call, not in mid-setup
    pid = box.wait_healthy()["media"]["pid"]
    os.kill(pid, signal.SIGKILL)
    [row] = wait_for(lambda: cdr_rows(box))
    assert row["disposition"] == "answered" and row["hangup_by"] == "system"
    assert row["cause"] == "media engine restarted"
    # the phones give up on the dead call; the restarted engine takes the next one
    alice.send("hangup")
    bob.send("hangup")
    alice.expect(r"^STATE disconnected")
    bob.expect(r"^STATE disconnected")
    assert wait_for(lambda: box.wait_healthy()["media"]["pid"] not in (None, pid), 30)
    _second_call_is_answered_and_recorded(box, alice, bob)


def _talk(caller: Phone, callee: Phone, number: str, seconds: float) -> None:
    caller.send("tone 1000")
    callee.send("tone 1600")
    caller.send(f"call {number}")
    callee.expect(r"^INCOMING")
    callee.send("answer")
    caller.expect(r"^STATE confirmed")
    time.sleep(seconds)


def test_an_always_recorded_extension_records_both_parties(box, phones):
    alice, carol = phones("201"), phones("203")
    _talk(alice, carol, "203", 3)
    alice.send("hangup")
    carol.expect(r"^STATE disconnected")
    [row] = wait_for(lambda: cdr_rows(box))
    assert row["recording"].endswith(f"{row['id']}.wav")
    wav = box.data_dir / "recordings" / row["recording"]
    assert wait_for(lambda: wav.exists() and wav.stat().st_size > 20_000)
    assert tone_found(wav, 1000, min_share=0.2) and tone_found(wav, 1600, min_share=0.2)


def test_on_demand_recording_by_feature_code_and_digits_pass_through(box, phones):
    alice, dave = phones("201"), phones("204")
    _talk(alice, dave, "204", 1)
    assert not list((box.data_dir / "recordings").rglob("*.wav"))  # nothing until asked
    dave.send("dtmf *1")  # start recording
    alice.expect(r"^DTMF \*")  # digits reach the other party too
    alice.expect(r"^DTMF 1")
    time.sleep(2)
    dave.send("dtmf *1")  # stop
    time.sleep(0.5)
    alice.send("hangup")
    dave.expect(r"^STATE disconnected")
    [row] = wait_for(lambda: cdr_rows(box))
    wav = box.data_dir / "recordings" / row["recording"]
    assert row["recording"] and wait_for(lambda: wav.exists() and wav.stat().st_size > 20_000)
    assert tone_found(wav, 1000, min_share=0.2)
