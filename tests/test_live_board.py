"""The wallboard's snapshots and change feed, from a real LiveAcd over the SQLite store,
a real Switch fed engine events by hand (no media engine), real Presence, and the queue
app's and supervisor tools' registries as plain stand-ins."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from tongdai.acd.live import LiveAcd
from tongdai.acd.queue_log import QueueLog
from tongdai.calls.presence import Presence
from tongdai.calls.queue import QueueCall
from tongdai.calls.switch import Switch
from tongdai.calls.talk import Talk
from tongdai.console import live
from tongdai.console.live import TooManySubscribers, Wallboard
from tongdai.store import cdr, extensions, open_db
from tongdai.store import queues as store


class Engine:
    async def request(self, name, timeout=5.0, **args):
        return {}


class Queues:  # calls.queue.QueueApp's registry of queued calls
    def __init__(self) -> None:
        self.calls: dict[str, QueueCall] = {}


class Supervisor:  # calls.supervise.Supervisor's sessions
    def __init__(self) -> None:
        self.sessions: dict = {}
        self.watchers: list = []


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "t.db")
    for number in ("201", "202"):
        extensions.add(db, number, secret=f"secret-of-{number}-abcdef", name=f"Phone {number}")
    store.add_queue(db, store.Queue("sales", number="600", display="Ban hang", wrap_up=0,
                                    join_empty="never"))  # fmt: skip
    store.add_queue(db, store.Queue("support"))
    for number in ("201", "202"):
        store.add_agent(db, store.Agent(number))
        store.add_member(db, store.Member("sales", number))
    yield db
    db.close()


def make_board(db, **kw):
    acd = LiveAcd(db, QueueLog(db, None), seed=1)
    acd.sync()
    switch = Switch(Engine())
    presence = Presence(locate=lambda uri: uri.removeprefix("sip:").split("@")[0] or None)
    switch.watchers.append(presence.channel_changed)
    board = Wallboard(acd, switch, presence, Queues(), Supervisor(), **kw)
    return board, acd, switch


def incoming(switch, channel, number, name=""):
    switch.on_event({"event": "channel_new", "channel": channel, "call_id": channel + "@x",
                     "from_user": number, "from_name": name, "trunk": "viettel"})  # fmt: skip
    leg = switch.channels[channel]
    leg.party, leg.party_name = number, name
    return leg


def state(switch, channel, value):
    switch.on_event({"event": "channel_state", "channel": channel, "state": value, "code": 200})


def queued(board, acd, leg, queue="sales"):
    call = QueueCall(queue, leg, cdr.Cdr(leg.party, queue, "inbound"))
    call.cid = acd.enqueue(queue, call, callid=call.record.id, caller=leg.party)
    board.queues.calls[leg.id] = call
    return call


def test_a_waiting_caller_and_the_queue_figures(db):
    async def scenario():
        board, acd, switch = make_board(db)
        caller = incoming(switch, "i1", "0909000111", "Lan")
        state(switch, "i1", "answered")
        queued(board, acd, caller)
        await asyncio.sleep(0.05)
        snap = board.snapshot()
        json.dumps(snap)  # plain data all through
        sales, support = snap["queues"]
        assert (sales["name"], sales["display"], sales["number"]) == ("sales", "Ban hang", "600")
        assert sales["waiting"] == 1 and support["waiting"] == 0
        [who] = sales["callers"]
        assert (who["id"], who["number"], who["name"], who["position"]) == (
            "i1", "0909000111", "Lan", 1,
        )  # fmt: skip
        assert sales["today"]["offered"] == 1 and sales["today"]["service_level"] is None
        assert sales["agents"] == {"logged-out": 2}
        assert [m["agent"] for m in sales["members"]] == ["201", "202"]
        [call] = snap["calls"]
        assert (call["id"], call["state"], call["queue"]) == ("i1", "queued", "sales")
        assert [p["number"] for p in call["parties"]] == ["0909000111"]
        assert [a["number"] for a in snap["agents"]] == ["201", "202"]
        assert all(a["call"] is None and a["state"] == "logged-out" for a in snap["agents"])

    asyncio.run(scenario())


def test_an_agent_rings_then_talks_and_the_numbers_follow(db):
    async def scenario():
        board, acd, switch = make_board(db)
        caller = incoming(switch, "i1", "0909000111", "Lan")
        state(switch, "i1", "answered")
        call = queued(board, acd, caller)
        acd.set_state("201", logged_in=True, reason="", by="test")  # the ACD offers it
        assert await asyncio.wait_for(call.events.get(), 1) == ("offer", "201")
        leg = await switch.originate("sip:201@127.0.0.1:5999")
        leg.linked = caller  # (as calls.dial links the legs it rings)
        state(switch, leg.id, "early")
        snap = board.snapshot()
        agent = next(a for a in snap["agents"] if a["number"] == "201")
        assert agent["state"] == "reserved"
        assert agent["call"]["id"] == "i1" and agent["call"]["state"] == "ringing"
        assert agent["call"]["number"] == "0909000111" and agent["call"]["queue"] == "sales"
        [c] = snap["calls"]
        assert c["state"] == "queued" and len(c["parties"]) == 2

        state(switch, leg.id, "answered")
        acd.answered(call.cid, "201")
        acd.done(call.cid)
        call.agent, call.leg = "201", leg
        talk = Talk(switch, caller, leg)
        switch.talks[caller.id] = switch.talks[leg.id] = talk
        snap = board.snapshot()
        [c] = snap["calls"]
        assert (c["id"], c["state"], c["queue"]) == ("i1", "talking", "sales")
        assert [p["role"] for p in c["parties"]] == ["caller", "answered"]
        agent = next(a for a in snap["agents"] if a["number"] == "201")
        assert agent["state"] == "on-call" and agent["call"]["state"] == "talking"
        assert agent["call"]["name"] == "Lan" and agent["call"]["duration"] == 0
        sales = snap["queues"][0]
        assert sales["waiting"] == 0 and sales["agents"] == {"on-call": 1, "logged-out": 1}
        assert sales["today"]["answered"] == 1 and sales["today"]["service_level"] == 1.0
        assert next(m for m in sales["members"] if m["agent"] == "201")["state"] == "on-call"

        switch.on_event({"event": "channel_hungup", "channel": "i1", "code": 200,
                         "reason": "Normal", "by": "remote"})  # fmt: skip
        assert [c["id"] for c in board.snapshot()["calls"]] == [leg.id]

    asyncio.run(scenario())


def test_a_paused_agent_shows_the_reason_and_time_in_state(db, monkeypatch):
    async def scenario():
        board, acd, _ = make_board(db)
        acd.set_state("202", logged_in=True, reason="lunch", by="test")
        await asyncio.sleep(1.1)
        agent = next(a for a in board.snapshot()["agents"] if a["number"] == "202")
        assert (agent["state"], agent["reason"], agent["queues"]) == ("paused", "lunch", ["sales"])
        assert agent["in_state"] == 1

    asyncio.run(scenario())


def test_the_feed_follows_changes_within_a_second_and_ticks(db, monkeypatch):
    monkeypatch.setattr(live, "TICK", 0.5)

    async def scenario():
        board, acd, switch = make_board(db)
        feed = board.feed()
        first = await asyncio.wait_for(anext(feed), 1)
        assert first["calls"] == []
        started = time.monotonic()
        incoming(switch, "i1", "0909000111")
        snap = await asyncio.wait_for(anext(feed), 1)
        while not snap["calls"]:  # (a tick may have come first)
            snap = await asyncio.wait_for(anext(feed), 1)
        assert time.monotonic() - started < 1.0
        acd.set_state("201", logged_in=True, reason="", by="test")
        snap = await asyncio.wait_for(anext(feed), 1)
        while snap["agents"][0]["state"] != "available":
            snap = await asyncio.wait_for(anext(feed), 1)
        ticked = await asyncio.wait_for(anext(feed), 1)  # no change: the tick
        assert ticked["at"] > snap["at"]
        await feed.aclose()
        assert not board._subscribers

    asyncio.run(scenario())


def test_the_number_of_live_views_is_bounded(db):
    async def scenario():
        board, _, _ = make_board(db, max_subscribers=2)
        feeds = [board.feed() for _ in range(3)]
        await anext(feeds[0])
        await anext(feeds[1])
        with pytest.raises(TooManySubscribers):
            await anext(feeds[2])
        await feeds[0].aclose()
        again = board.feed()
        await anext(again)  # a place came free
        for feed in (feeds[1], again):
            await feed.aclose()

    asyncio.run(scenario())
