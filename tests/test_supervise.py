"""Supervisor tools and the live wallboard end to end, through the REST API of a real
service with pjsua2 test phones on 127.0.0.1: each phone sends a tone of its own, so
what a party heard is checked by tone detection; the CDR, queue_log and audit log are
read from the database."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from callbox import add, cdr_rows, wait_for
from conftest import needs_pjsua2
from phones import tone_share
from test_queues import DID, events, queue_log
from tongdai.store import accounts, open_db

pytestmark = needs_pjsua2

TONES = {"201": 1000, "202": 1600, "204": 2200}  # each phone's own pitch
HEARD = 0.25  # share of a window's energy: two voices mixed carry about half each
NOT_HEARD = 0.08


class Api:
    def __init__(self, box, token: str) -> None:
        self.url = box.url + "/api/v1"
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.headers, timeout=5)

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        return httpx.post(self.url + path, json=body, headers=self.headers, timeout=5)


@pytest.fixture
def api(box):
    token = add(box, "token", "create", "--name", "t", "--user", "admin").strip()
    return Api(box, token)


def audit_actions(box) -> list[tuple[str, str, str]]:
    db = open_db(box.data_dir / "tongdai.db")
    try:
        rows = db.query("SELECT actor, action, detail FROM audit_log ORDER BY id")
        return [(r["actor"], r["action"], r["detail"]) for r in rows]
    finally:
        db.close()


def listen_to(phones_, tmp_path, name: str, seconds: float = 2.0) -> dict:
    """Record what each phone hears for a while; each tone's share per listener."""
    for user, phone in phones_.items():
        phone.send(f"record {tmp_path / f'{name}-{user}.wav'}")
    time.sleep(seconds)
    heard = {}
    for user, phone in phones_.items():
        phone.send("stoprecord")
        phone.expect(r"^RECORDED")
        path = tmp_path / f"{name}-{user}.wav"
        others = tuple(f for u, f in TONES.items() if u != user)
        heard[user] = {u: tone_share(path, f) for u, f in TONES.items() if f in others}
    return heard


def the_call(api: Api, *numbers: str) -> dict:
    def find():
        for call in api.get("/calls").json()["calls"]:
            parties = {p["number"] for p in call["parties"]}
            if call["state"] == "talking" and set(numbers) <= parties:
                return call
        return None

    call = wait_for(find, timeout=5)
    assert call, api.get("/calls").json()
    return call


def test_listen_whisper_barge_and_hang_up_a_call(box, phones, api, tmp_path):
    alice, bob, boss = phones("201"), phones("202"), phones("204")
    for user, phone in (("201", alice), ("202", bob), ("204", boss)):
        phone.send(f"tone {TONES[user]}")
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    bob.send("answer")
    alice.expect(r"^STATE confirmed")
    call = the_call(api, "201", "202")
    assert [p["role"] for p in call["parties"]] == ["caller", "answered"]

    r = api.post(f"/calls/{call['id']}/listen", {"extension": "204"})
    assert r.status_code == 202, r.text
    assert (r.json()["mode"], r.json()["state"]) == ("listen", "ringing")
    assert "listen 201" in boss.expect(r"^INCOMING (.*)").group(1)  # what the phone shows
    boss.send("answer")
    boss.expect(r"^STATE confirmed")
    shown = wait_for(lambda: the_call(api, "201", "202")["supervisors"] == [
        {"extension": "204", "mode": "listen", "state": "active"}])  # fmt: skip
    assert shown, the_call(api, "201", "202")
    time.sleep(0.5)
    heard = listen_to({"201": alice, "202": bob, "204": boss}, tmp_path, "listen")
    assert heard["204"]["201"] > HEARD and heard["204"]["202"] > HEARD, heard
    assert heard["201"]["204"] < NOT_HEARD and heard["202"]["204"] < NOT_HEARD, heard

    r = api.post(f"/calls/{call['id']}/whisper", {"extension": "204"})
    assert r.status_code == 202 and r.json()["mode"] == "whisper", r.text
    time.sleep(0.5)
    heard = listen_to({"201": alice, "202": bob}, tmp_path, "whisper")
    assert heard["202"]["204"] > HEARD, heard  # the agent hears the supervisor
    assert heard["201"]["204"] < NOT_HEARD, heard  # the caller does not
    assert heard["201"]["202"] > HEARD and heard["202"]["201"] > HEARD, heard  # still talk

    r = api.post(f"/calls/{call['id']}/barge", {"extension": "204"})
    assert r.status_code == 202 and r.json()["mode"] == "barge", r.text
    time.sleep(0.5)
    heard = listen_to({"201": alice, "202": bob}, tmp_path, "barge")
    assert heard["202"]["204"] > HEARD and heard["201"]["204"] > HEARD, heard

    r = api.post(f"/calls/{call['id']}/hangup")
    assert r.status_code == 200, r.text
    for phone in (alice, bob, boss):  # both legs, and the supervisor's with them
        phone.expect(r"^STATE disconnected")
    assert wait_for(lambda: api.get("/calls").json()["calls"] == [], timeout=5)
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["disposition"], row["hangup_by"], row["cause"]) == (
        "answered", "system", "hung up by supervisor admin",
    )  # fmt: skip
    actions = [(actor, action) for actor, action, _ in audit_actions(box)]
    for action in ("call.listen", "call.whisper", "call.barge", "call.hangup"):
        assert ("admin", action) in actions


def test_refusals_name_the_problem(box, api):
    assert api.post("/calls/i999/listen", {"extension": "204"}).status_code == 404
    assert api.post("/calls/i999/hangup").status_code == 404
    r = api.post("/calls/i999/listen", {})
    assert r.status_code == 422 and "extension" in r.text
    r = api.post("/calls/i999/listen", {"extension": "299"})
    assert r.status_code == 422 and "extension" in r.text
    assert api.post("/agents/299/unpause").status_code == 404
    assert api.post("/queues/nope/callers/i1/move", {"queue": "x"}).status_code == 404
    assert httpx.get(box.url + "/api/v1/wallboard", timeout=5).status_code == 401

    db = open_db(box.data_dir / "tongdai.db")
    try:
        accounts.create_user(db, "lan", "a long enough password", "agent")
        token = accounts.create_token(db, "lan", "desk", actor="test")
    finally:
        db.close()
    assert Api(box, token).get("/wallboard").status_code == 403  # agents may not


@pytest.fixture
def two_queues(box):
    """Queues `sales` (agent 201) and `support` (agent 202) that keep callers while
    nobody is logged in; the DID goes to sales."""
    for queue, agent in (("sales", "201"), ("support", "202")):
        add(box, "queue", "add", queue, "--join-empty", "never", "--announce-every", "0",
            "--ring-timeout", "8")  # fmt: skip
        add(box, "agent", "add", agent)
        add(box, "queue", "member", queue, agent)
    add(box, "route", "in", DID, "--to", "queue:sales")
    return box


def agent_of(api: Api, number: str) -> dict:
    return next(a for a in api.get("/wallboard").json()["agents"] if a["number"] == number)


def test_move_a_waiting_caller_and_pause_an_agent(two_queues, phones, carrier, api, tmp_path):
    box = two_queues
    bob = phones("202")
    bob.send(f"tone {TONES['202']}")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")

    def waiting(queue):
        board = api.get("/wallboard").json()
        return next(q for q in board["queues"] if q["name"] == queue)["callers"]

    [caller] = wait_for(lambda: waiting("sales"), timeout=5)
    assert caller["number"] == "0909000111" and caller["position"] == 1
    r = api.post(f"/queues/sales/callers/{caller['id']}/move", {"queue": "nope"})
    assert r.status_code == 422 and "queue" in r.text
    r = api.post(f"/queues/sales/callers/{caller['id']}/move", {"queue": "support"})
    assert r.status_code == 200 and r.json()["position"] == 1, r.text
    assert waiting("sales") == [] and [c["id"] for c in waiting("support")] == [caller["id"]]
    moved = [f for f in queue_log(box) if f[4] in ("ABANDON", "ENTERQUEUE")]
    assert [(f[2], f[4]) for f in moved] == [
        ("sales", "ENTERQUEUE"), ("sales", "ABANDON"), ("support", "ENTERQUEUE"),
    ]  # fmt: skip
    assert len({f[1] for f in moved}) == 1  # one callid all through
    assert moved[2][6] == "0909000111"
    time.sleep(1)
    carrier.drain()
    assert not any("disconnected" in line for line in carrier.seen)  # still waiting

    add(box, "agent", "login", "202")  # support's agent takes the moved caller
    bob.expect(r"^INCOMING", timeout=10)
    bob.send("answer")
    carrier.send(f"record {tmp_path / 'caller.wav'}")
    time.sleep(2)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    assert tone_share(tmp_path / "caller.wav", TONES["202"]) > 0.5
    agent = wait_for(lambda: agent_of(api, "202")["call"])
    assert (agent["queue"], agent["number"], agent["state"]) == (
        "support", "0909000111", "talking",
    )  # fmt: skip
    carrier.send("hangup")
    bob.expect(r"^STATE disconnected")
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["queue"], row["dst_channel"]) == ("support", "202")
    assert any(a[1] == "queue.move" and a[0] == "admin" for a in audit_actions(box))

    # pause, unpause, log out
    r = api.post("/agents/201/pause", {"reason": "lunch"})
    assert r.status_code == 409 and "logged out" in r.text
    assert api.post("/agents/201/pause", {"reason": ""}).status_code == 422
    add(box, "agent", "login", "201")
    assert wait_for(lambda: agent_of(api, "201")["state"] == "available")
    r = api.post("/agents/201/pause", {"reason": "lunch"})
    assert r.status_code == 200 and r.json() == {
        "agent": "201", "state": "paused", "reason": "lunch"}, r.text  # fmt: skip
    assert "paused (lunch)" in add(box, "agent", "list")
    assert next(f[4:6] for f in queue_log(box) if f[4] == "PAUSE") == ["PAUSE", "lunch"]
    assert api.post("/agents/201/unpause").json()["state"] == "available"
    assert api.post("/agents/201/logout").json()["state"] == "logged-out"
    assert ("admin", "agent.state", "201: pause (lunch)") in audit_actions(box)
    assert events(box)[-1] == "REMOVEMEMBER"


def test_the_event_stream_shows_a_call_within_a_second(box, phones, api):
    alice, bob = phones("201"), phones("202")
    got: list[tuple[float, dict]] = []
    stop = threading.Event()

    def read():
        with httpx.stream("GET", api.url + "/wallboard/events", headers=api.headers,
                          timeout=10) as r:  # fmt: skip
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("data:"):
                    got.append((time.monotonic(), json.loads(line[5:])))
                if stop.is_set():
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert wait_for(lambda: got, timeout=5), "no first snapshot"
    assert got[0][1]["calls"] == []
    started = time.monotonic()
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    seen = wait_for(lambda: next((t for t, s in got if s["calls"]), None), timeout=3)
    assert seen is not None and seen - started < 1.0, got[-1]
    # and it goes on: durations move on each second
    assert wait_for(lambda: len([t for t, _ in got if t > started]) >= 3, timeout=4)
    stop.set()
    alice.send("hangup")
    bob.expect(r"^STATE disconnected")
    reader.join(timeout=5)
