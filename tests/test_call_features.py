"""Hold with music, blind and attended transfer, and call pickup, end to end with pjsua2
test phones: what each party hears is checked by tone detection, and the CDR rows."""

from __future__ import annotations

import subprocess
import time

from callbox import cdr_rows, wait_for
from conftest import needs_pjsua2, tongdai_cmd
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


def test_a_phone_joins_its_two_calls_in_a_three_way_call(box, phones, tmp_path):
    alice, bob, carol = phones("201"), phones("202"), phones("203")
    bob.send("tone 1000")
    carol.send("tone 1600")
    bob.send(f"record {tmp_path / 'bob.wav'}")
    carol.send(f"record {tmp_path / 'carol.wav'}")
    _answered_call(alice, bob, "202")
    alice.send("hold")
    alice.expect(r"^MEDIA hold #1")
    _answered_call(alice, carol, "203", tag="#2")
    alice.send("use 1")
    alice.send("unhold")
    alice.expect(r"^MEDIA up #1")
    alice.send("conf")  # the box carries both calls; the phone mixes them
    time.sleep(3)
    for phone in (bob, carol):
        phone.send("stoprecord")
        phone.expect(r"^RECORDED")
    assert tone_found(tmp_path / "bob.wav", 1600, others=(1000,), min_share=0.3)
    assert tone_found(tmp_path / "carol.wav", 1000, others=(1600,), min_share=0.3)
    alice.send("hangup")
    alice.send("use 2")
    alice.send("hangup")
    bob.expect(r"^STATE disconnected")
    carol.expect(r"^STATE disconnected")


def _parked_by_bob(alice: Phone, bob: Phone, slot: str) -> None:
    """Alice calls Bob, who blind-transfers her to a parking slot."""
    _answered_call(alice, bob, "202")
    bob.send(f"xfer {slot}")
    bob.expect(r"^XFER 200")
    bob.expect(r"^STATE disconnected")


def test_park_by_transfer_and_retrieve_from_another_phone(box, phones, tmp_path):
    alice, bob, carol = phones("201"), phones("202"), phones("203")
    alice.send("tone 1000")
    alice.send(f"record {tmp_path / 'parked.wav'}")
    _parked_by_bob(alice, bob, "72")
    time.sleep(2.5)  # Alice waits in slot 72 with music
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    assert tone_found(tmp_path / "parked.wav", MELODY, min_share=0.5, window=0.25)

    carol.send(f"record {tmp_path / 'carol.wav'}")
    carol.send("call 72")
    carol.expect(r"^STATE confirmed")
    time.sleep(2.5)
    carol.send("stoprecord")
    carol.expect(r"^RECORDED")
    carol.send("hangup")
    alice.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "carol.wav", 1000, min_share=0.5), "Carol did not get Alice"

    rows = wait_for(lambda: len(cdr_rows(box)) >= 3 and cdr_rows(box))
    parked = sorted(
        (r["src"], r["dst_channel"], r["disposition"]) for r in rows if r["dst"] == "72"
    )
    assert parked == [
        ("201", "203", "answered"),  # Alice's wait in the slot, answered by Carol
        ("203", "72", "answered"),  # Carol's call to the slot
    ]


def test_park_announces_its_slot_and_an_unclaimed_call_rings_back_the_parker(box, phones, tmp_path):
    alice, bob = phones("201"), phones("202")
    alice.send("tone 1000")
    _answered_call(alice, bob, "202")
    bob.send("hold")
    bob.expect(r"^MEDIA hold #1")
    bob.send(f"record {tmp_path / 'announcement.wav'}")
    bob.send("call 70")  # the box answers and says the slot it keeps
    bob.expect(r"^STATE confirmed .*#2")
    time.sleep(3)
    bob.send("stoprecord")
    bob.expect(r"^RECORDED")
    bob.send("use 1")
    bob.send("xferto 2")  # and Alice goes to the slot just announced
    bob.expect(r"^XFER 200")
    for tag in ("#1", "#2"):
        bob.expect(rf"^STATE disconnected .*{tag}")
    samples = (tmp_path / "announcement.wav").stat().st_size
    assert samples > 16000, "no announcement heard"

    # nobody takes her within the park timeout (6 s here): Bob's phone rings again
    bob.expect(r"^INCOMING", timeout=15)
    bob.send(f"record {tmp_path / 'back.wav'}")
    bob.send("answer")
    bob.expect(r"^STATE confirmed")
    time.sleep(2.5)
    bob.send("stoprecord")
    bob.expect(r"^RECORDED")
    bob.send("hangup")
    alice.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "back.wav", 1000, min_share=0.5)
    rows = wait_for(lambda: len(cdr_rows(box)) >= 3 and cdr_rows(box))
    assert any(r["dst"] == "71" and r["cause"] == "park timed out" for r in rows)


def test_meet_me_conference_with_a_pin(box, phones, tmp_path):
    added = subprocess.run(
        tongdai_cmd("conf", "add", "800", "--name", "Sales", "--pin-stdin",
                    "--data-dir", str(box.data_dir)),
        input="4321\n", capture_output=True, text=True, env=box.env, timeout=30,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    alice, bob, carol, dave = phones("201"), phones("202"), phones("203"), phones("204")
    alice.send("tone 1000")
    bob.send("tone 1600")
    carol.send(f"record {tmp_path / 'carol.wav'}")

    def join(phone: Phone, pin: str) -> None:
        phone.send("call 800")
        phone.expect(r"^STATE confirmed")
        time.sleep(1.5)  # the PIN prompt begins; a key cuts it short
        phone.send(f"dtmf {pin}#")

    dave.send("call 800")  # a wrong PIN three times: goodbye
    dave.expect(r"^STATE confirmed")
    for _ in range(3):
        time.sleep(1.5)
        dave.send("dtmf 1111#")
        time.sleep(2.5)  # "that PIN is not correct"
    dave.expect(r"^STATE disconnected", timeout=20)

    join(alice, "4321")
    join(bob, "4321")
    join(carol, "4321")
    time.sleep(4)
    carol.send("stoprecord")
    carol.expect(r"^RECORDED")
    for phone in (alice, bob, carol):
        phone.send("hangup")
        phone.expect(r"^STATE disconnected")
    wav = tmp_path / "carol.wav"
    assert tone_found(wav, 1000, min_share=0.2) and tone_found(wav, 1600, min_share=0.2)
    rows = wait_for(lambda: len(cdr_rows(box)) >= 4 and cdr_rows(box))
    joined = sorted(r["src"] for r in rows if r["dst"] == "800" and r["disposition"] == "answered")
    assert joined == ["201", "202", "203"]
    refused = [r for r in rows if r["src"] == "204"]
    assert refused and refused[0]["disposition"] == "failed"
