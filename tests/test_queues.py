"""Hotline queues end to end: a pjsua2 "provider" calls a DID routed to a queue, agents'
pjsua2 phones log in with *45, ring by the queue's strategy, answer and talk. The queue's
prompts are replaced (through the same override a recorded prompt pack uses) by tones of
their own pitch, so what the caller hears is checked by tone detection. queue_log is read
from its file and its table, the CDR row from the database."""

from __future__ import annotations

import time

import pytest
from callbox import add, cdr_rows, tone_prompts, wait_for
from conftest import needs_pjsua2
from phones import read_wav, tone_found
from tongdai.store import open_db

pytestmark = needs_pjsua2

DID = "02873001234"
PROMPT_TONES = {  # prompt name -> pitch that stands for it
    "queue_welcome": 700,
    "queue_position": 900,
    "queue_callback_offer": 1300,
    "queue_callback_ok": 1500,
    "queue_busy": 1700,
    "queue_callback_to": 1100,
}


def _tone_prompts(box) -> None:
    tone_prompts(box, PROMPT_TONES)


def queue_log(box) -> list[list[str]]:
    path = box.data_dir / "log" / "queue_log"
    return [line.split("|") for line in path.read_text().splitlines()] if path.exists() else []


def events(box) -> list[str]:
    return [fields[4] for fields in queue_log(box)]


def table_events(box) -> list[str]:
    db = open_db(box.data_dir / "tongdai.db")
    try:
        return [r["event"] for r in db.query("SELECT event FROM queue_log ORDER BY id")]
    finally:
        db.close()


@pytest.fixture
def hotline(box):
    """Queue `sales` (DID routed to it) with agents 201 and 202, whose whisper is off."""
    _tone_prompts(box)
    add(box, "queue", "add", "sales", "--number", "600", "--display", "Ban hang",
         "--announce-every", "4", "--ring-timeout", "8", "--wrap-up", "1")  # fmt: skip
    for agent in ("201", "202"):
        add(box, "agent", "add", agent, "--max-no-answer", "1")
        add(box, "queue", "member", "sales", agent)
    add(box, "route", "in", DID, "--to", "queue:sales")
    return box


def test_a_caller_waits_hears_the_queue_then_the_longest_idle_agent_answers(
    hotline, phones, carrier, tmp_path
):
    box = hotline
    alice, bob = phones("201"), phones("202")
    bob.send("call *45")  # logs in first: idle longest
    bob.expect(r"^STATE disconnected")
    alice.send("call *45")
    alice.expect(r"^STATE disconnected")
    assert "logged in" in add(box, "agent", "list")
    assert events(box).count("ADDMEMBER") >= 2

    carrier.send(f"record {tmp_path / 'caller.wav'}")
    carrier.send("tone 1000")
    bob.send("tone 1600")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")  # the queue answers: greeting and music
    shown = bob.expect(r"^INCOMING (.*)", timeout=15).group(1)
    assert "Ban hang" in shown and "0909000111" in shown  # the queue's name and the caller
    time.sleep(2)  # the caller hears the greeting while the agent's phone rings
    bob.send("answer")
    time.sleep(2.5)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    carrier.send("hangup")
    bob.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "caller.wav", 700, others=(1000,)), "no greeting"
    assert tone_found(tmp_path / "caller.wav", 1600, others=(1000,)), "no agent audio"

    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["queue"], row["dst_channel"], row["disposition"], row["hangup_by"]) == (
        "sales", "202", "answered", "caller",
    )  # fmt: skip
    log = wait_for(lambda: "COMPLETECALLER" in events(box) and queue_log(box))
    verbs = [f[4] for f in log if f[1] == row["id"]]
    assert verbs == ["ENTERQUEUE", "CONNECT", "COMPLETECALLER"]
    enter = next(f for f in log if f[4] == "ENTERQUEUE")
    assert enter[2] == "sales" and enter[6] == "0909000111" and enter[7] == "1"
    connect = next(f for f in log if f[4] == "CONNECT")
    assert connect[3] == "PJSIP/202" and int(connect[5]) <= 6  # held a few seconds
    assert table_events(box) == events(box)
    metrics = box.get("/metrics").text
    assert 'tongdai_queue_calls_total{outcome="answered",queue="sales"} 1.0' in metrics
    assert 'tongdai_queue_service_level_ratio{queue="sales"} 1.0' in metrics


def test_position_announcements_abandon_and_an_unanswered_agent_is_paused(
    hotline, phones, carrier, tmp_path
):
    box = hotline
    alice = phones("201")
    add(box, "agent", "login", "201")
    assert wait_for(lambda: "ADDMEMBER" in events(box))  # the service took it in
    carrier.send(f"record {tmp_path / 'caller.wav'}")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")
    alice.expect(r"^INCOMING", timeout=15)  # rings 8 s unanswered: paused after one
    alice.expect(r"^STATE disconnected", timeout=15)
    assert wait_for(lambda: "paused (no-answer)" in add(box, "agent", "list"))
    time.sleep(5)  # nobody free: the caller hears where they are in line
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    carrier.send("hangup")
    carrier.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "caller.wav", 900), "no position announcement"
    verbs = wait_for(lambda: "ABANDON" in events(box) and events(box))
    assert "RINGNOANSWER" in verbs and "PAUSE" in verbs
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["disposition"], row["cause"], row["queue"]) == (
        "cancelled", "abandoned in the queue", "sales",
    )  # fmt: skip


def test_overflow_when_nobody_is_logged_in_and_after_the_maximum_wait(
    hotline, phones, carrier, tmp_path
):
    box = hotline
    carrier.send(f"record {tmp_path / 'refused.wav'}")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")  # no agent logged in
    carrier.expect(r"^STATE disconnected", timeout=15)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    assert tone_found(tmp_path / "refused.wav", 1700), "no apology"
    assert wait_for(lambda: "JOINEMPTY" in events(box))

    # a paused agent keeps the queue open; after 4 s the caller goes to extension 203
    add(box, "queue", "set", "sales", "--max-wait", "4", "--overflow", "extension:203")
    add(box, "agent", "login", "201")
    add(box, "agent", "pause", "201", "--reason", "meeting")
    assert wait_for(lambda: "PAUSE" in events(box))
    carol = phones("203")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")
    carol.expect(r"^INCOMING", timeout=15)
    carol.send("answer")
    time.sleep(1)
    carrier.send("hangup")
    carol.expect(r"^STATE disconnected")
    rows = wait_for(lambda: len(cdr_rows(box)) == 3 and cdr_rows(box))
    assert (rows[1]["queue"], rows[1]["cause"]) == ("sales", "waited too long")
    assert (rows[2]["dst"], rows[2]["dst_channel"], rows[2]["disposition"]) == (
        "203", "203", "answered",
    )  # fmt: skip
    assert rows[2]["linkedid"] == rows[1]["linkedid"]
    assert "EXITWITHTIMEOUT" in events(box)


def test_callback_keeps_the_place_then_the_agent_calls_the_customer(
    hotline, phones, carrier, tmp_path
):
    box = hotline
    add(box, "queue", "set", "sales", "--callback-after", "2", "--announce-every", "1")
    add(box, "agent", "login", "201")
    add(box, "agent", "pause", "201", "--reason", "lunch")
    assert wait_for(lambda: "PAUSE" in events(box))
    alice = phones("201")
    carrier.send(f"record {tmp_path / 'caller.wav'}")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")
    time.sleep(9)  # greeting, music, then position and the callback offer (2 s each)
    carrier.send("dtmf 1")
    carrier.expect(r"^STATE disconnected", timeout=15)  # told it is kept, then hung up
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    assert tone_found(tmp_path / "caller.wav", 1300), "no callback offer"
    assert tone_found(tmp_path / "caller.wav", 1500), "no callback confirmation"
    assert wait_for(lambda: "EXITWITHKEY" in events(box))

    add(box, "agent", "unpause", "201")  # an agent frees up: the box rings them first
    shown = alice.expect(r"^INCOMING (.*)", timeout=15).group(1)
    assert "0909000111" in shown
    alice.send(f"record {tmp_path / 'agent.wav'}")
    alice.send("answer")
    incoming = carrier.expect(r"^INCOMING (.*)", timeout=20).group(1)  # then the customer
    assert "sip:0909000111@" in incoming.split(" TO ")[1]
    carrier.send("tone 1000")
    carrier.send("answer")
    time.sleep(2)
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    carrier.send("hangup")
    alice.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "agent.wav", 1100), "the agent was not told who to call"
    assert tone_found(tmp_path / "agent.wav", 1000), "no customer audio"
    db = open_db(box.data_dir / "tongdai.db")
    try:
        assert wait_for(lambda: db.execute(
            "SELECT state, attempts FROM queue_callbacks"
        ).fetchall() == [("done", 1)])  # fmt: skip
    finally:
        db.close()
    rows = wait_for(lambda: len(cdr_rows(box)) == 2 and cdr_rows(box))
    assert (rows[0]["cause"], rows[1]["src"], rows[1]["dst"], rows[1]["queue"]) == (
        "callback requested", "201", "0909000111", "sales",
    )  # fmt: skip
    assert rows[1]["disposition"] == "answered" and rows[1]["linkedid"] == rows[0]["id"]


def test_ring_all_rings_every_free_agent_and_whispers_the_queue_name(
    hotline, phones, carrier, tmp_path
):
    box = hotline
    add(box, "queue", "set", "sales", "--strategy", "ring-all", "--whisper")
    alice, bob = phones("201"), phones("202")
    for agent in ("201", "202"):
        add(box, "agent", "login", agent)
    assert wait_for(lambda: events(box).count("ADDMEMBER") == 2)
    carrier.send("tone 1000")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    alice.expect(r"^INCOMING", timeout=15)
    bob.expect(r"^INCOMING", timeout=15)
    alice.send(f"record {tmp_path / 'agent.wav'}")
    alice.send("answer")
    bob.expect(r"^STATE disconnected")  # the other phone stops ringing
    time.sleep(4)
    alice.send("stoprecord")
    alice.expect(r"^RECORDED")
    carrier.send("hangup")
    alice.expect(r"^STATE disconnected")
    # the whisper (the queue's name, spoken) comes before the caller's voice
    whispers = list((box.data_dir / "sounds" / "whispers").rglob("sales-*.wav"))
    assert whispers, "no whisper made"
    assert tone_found(tmp_path / "agent.wav", 1000), "no caller audio after the whisper"
    samples, rate = read_wav(tmp_path / "agent.wav")
    first = samples[: rate // 2]
    assert sum(x * x for x in first) / len(first) > 10_000, "nothing heard before the caller"
    assert wait_for(lambda: "RINGCANCELED" in events(box))
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["dst_channel"], row["queue"]) == ("201", "sales")


def test_an_outside_number_is_an_agent_reached_over_the_trunk(box, phones, carrier):
    _tone_prompts(box)
    add(box, "queue", "add", "support", "--number", "601", "--ring-timeout", "8")
    add(box, "agent", "add", "0912000111", "--external", "--trunk", "viettel")
    add(box, "queue", "member", "support", "0912000111")
    add(box, "agent", "login", "0912000111")
    assert wait_for(lambda: "ADDMEMBER" in events(box))
    alice = phones("201")
    alice.send("call 601")  # an extension dials the queue's number
    alice.expect(r"^STATE confirmed")
    incoming = carrier.expect(r"^INCOMING (.*)", timeout=15).group(1)
    assert "sip:0912000111@" in incoming.split(" TO ")[1]  # the staff member's mobile
    carrier.send("answer")
    time.sleep(1.5)
    alice.send("hangup")
    carrier.expect(r"^STATE disconnected")
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["src"], row["dst"], row["dst_channel"], row["queue"]) == (
        "201", "601", "0912000111", "support",
    )  # fmt: skip
    log = wait_for(lambda: "COMPLETECALLER" in events(box) and queue_log(box))
    assert any(f[4] == "CONNECT" and f[3] == "Local/0912000111@trunk" for f in log)
