"""Hold with music, blind and attended transfer, and call pickup, end to end with pjsua2
test phones: what each party hears is checked by tone detection, and the CDR rows."""

from __future__ import annotations

import time

from callbox import cdr_rows, wait_for
from conftest import needs_pjsua2
from phones import Phone, tone_found
from tongdai.media import music

pytestmark = needs_pjsua2
MELODY = tuple(music.NOTES.values())


def _answered_call(caller: Phone, callee: Phone, number: str, tag: str = "#1") -> None:
    caller.send(f"call {number}")
    callee.expect(r"^INCOMING")
    callee.send("answer")
    caller.expect(rf"^STATE confirmed .*{tag}")
    callee.expect(r"^STATE confirmed")


def test_hold_plays_music_to_the_other_side_and_resume_brings_the_voice_back(box, phones, tmp_path):
    alice, bob = phones("201"), phones("202")
    bob.send("tone 1600")
    alice.send(f"record {tmp_path / 'held.wav'}")
    _answered_call(alice, bob, "202")
    bob.send("hold")
    bob.expect(r"^MEDIA hold")
    time.sleep(3)
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    bob.send("unhold")
    bob.expect(r"^MEDIA up")
    alice.send(f"record {tmp_path / 'resumed.wav'}")
    time.sleep(2.5)
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    alice.send("hangup")
    bob.expect(r"^STATE disconnected")

    held, resumed = tmp_path / "held.wav", tmp_path / "resumed.wav"
    assert tone_found(held, MELODY, others=(1600,), min_share=0.5, window=0.25), "no music"
    assert not tone_found(held, 1600, min_share=0.2), "the held party was still heard"
    assert tone_found(resumed, 1600, min_share=0.5), "Bob not heard after resuming"
    [row] = wait_for(lambda: cdr_rows(box))
    assert row["disposition"] == "answered" and row["hangup_by"] == "caller"


def test_blind_transfer_sends_the_caller_to_the_target(box, phones, tmp_path):
    alice, bob, carol = phones("201"), phones("202"), phones("203")
    alice.send("tone 1000")
    carol.send(f"record {tmp_path / 'carol.wav'}")
    _answered_call(alice, bob, "202")
    bob.send("xfer 203")  # Bob hands Alice to Carol
    bob.expect(r"^XFER 200")
    bob.expect(r"^STATE disconnected")
    carol.expect(r"^INCOMING (.*)")
    time.sleep(1)  # Alice hears ringback from the box meanwhile
    carol.send("answer")
    carol.expect(r"^STATE confirmed")
    time.sleep(2.5)
    carol.send("stoprecord")
    carol.expect(r"^RECORDED")
    carol.send("hangup")
    alice.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "carol.wav", 1000, min_share=0.5), "Carol did not hear Alice"

    wait_for(lambda: len(cdr_rows(box)) >= 2)
    first, second = cdr_rows(box)
    assert (first["src"], first["dst"], first["cause"]) == ("201", "202", "transferred")
    assert first["hangup_by"] == "callee" and first["disposition"] == "answered"
    assert (second["src"], second["dst"], second["dst_channel"]) == ("201", "203", "203")
    assert second["disposition"] == "answered" and second["hangup_by"] == "callee"
    assert second["linkedid"] == first["linkedid"] == first["id"]


def test_attended_transfer_joins_the_two_other_parties(box, phones, tmp_path):
    alice, bob, carol = phones("201"), phones("202"), phones("203")
    alice.send("tone 1000")
    carol.send("tone 1600")
    alice.send(f"record {tmp_path / 'alice.wav'}")
    _answered_call(alice, bob, "202")
    bob.send("hold")  # Bob puts Alice on hold and consults Carol
    bob.expect(r"^MEDIA hold #1")
    _answered_call(bob, carol, "203", tag="#2")
    bob.send("use 1")
    bob.send("xferto 2")  # REFER on Alice's call, replacing Bob's call with Carol
    bob.expect(r"^XFER 200")
    time.sleep(3)
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    for tag in ("#1", "#2"):  # Bob's phone is out of both calls
        bob.expect(rf"^STATE disconnected .*{tag}")
    alice.send("hangup")
    carol.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "alice.wav", 1600, min_share=0.5), "Alice not put to Carol"

    rows = wait_for(lambda: len(cdr_rows(box)) == 3 and cdr_rows(box))
    by_pair = {(r["src"], r["dst"]): r for r in rows}
    assert by_pair[("201", "202")]["cause"] == "transferred"
    assert by_pair[("202", "203")]["cause"] == "transferred"
    joined = by_pair[("201", "203")]
    assert joined["disposition"] == "answered" and joined["hangup_by"] == "caller"
    assert joined["linkedid"] == by_pair[("201", "202")]["id"]


def test_pickup_and_directed_pickup_answer_a_ringing_call(box, phones, tmp_path):
    alice, bob, carol = phones("201"), phones("202"), phones("203")
    alice.send("tone 1000")
    carol.send(f"record {tmp_path / 'carol.wav'}")
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    alice.expect(r"^STATE early")
    carol.send("call *8")  # group pickup: the call ringing Bob
    carol.expect(r"^STATE confirmed")
    bob.expect(r"^STATE disconnected")  # his phone stops ringing
    alice.expect(r"^STATE confirmed")
    time.sleep(2.5)
    carol.send("stoprecord")
    carol.expect(r"^RECORDED")
    alice.send("hangup")
    carol.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "carol.wav", 1000, min_share=0.5)
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["dst"], row["dst_channel"], row["disposition"]) == ("202", "203", "answered")

    # directed: **202 picks up only what rings at 202; nothing rings there now
    carol.send("call **202")
    carol.expect(r"^STATE disconnected 404")
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    carol.send("call **202")
    carol.expect(r"^STATE confirmed")
    alice.expect(r"^STATE confirmed")
    carol.send("hangup")
    alice.expect(r"^STATE disconnected")
