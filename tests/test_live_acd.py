"""The live ACD face over the real SQLite file: configuration and agent state followed
from the store, the core's actions handed to waiting calls, and queue_log lines exactly
as Asterisk writes them (golden lines, at a fixed clock)."""

from __future__ import annotations

import asyncio

import pytest
from tongdai.acd import queue_log as qlog
from tongdai.acd.live import LiveAcd
from tongdai.acd.queue_log import QueueLog
from tongdai.store import extensions, open_db
from tongdai.store import queues as store

T = 1_795_000_000


class Waiter:
    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def offer(self, agent):
        self.seen.append(("offer", agent))

    def cancel(self, agent, rang_out):
        self.seen.append(("cancel", agent, rang_out))

    def leave(self, reason):
        self.seen.append(("leave", reason))


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setattr(qlog.time, "time", lambda: T)
    db = open_db(tmp_path / "t.db")
    for number in ("201", "202"):
        extensions.add(db, number, secret=f"secret-of-{number}-abcdef")
    store.add_queue(db, store.Queue("sales", ring_timeout=15, wrap_up=0))
    store.add_agent(db, store.Agent("201", max_no_answer=1))
    store.add_agent(db, store.Agent("0912000111", kind="external"))
    store.add_member(db, store.Member("sales", "201"))
    store.add_member(db, store.Member("sales", "0912000111", penalty=1))
    log = QueueLog(db, tmp_path / "queue_log")
    yield db, log, tmp_path / "queue_log"
    log.close()
    db.close()


def run(coro):
    return asyncio.run(coro)


def test_agent_state_follows_the_store_and_is_logged(setup):
    db, log, path = setup

    async def scenario():
        acd = LiveAcd(db, log, seed=1)
        acd.sync()
        assert acd.state("201") == ("logged-out", "")
        store.set_agent_state(db, "201", logged_in=True)  # as the CLI does
        acd.sync()
        acd.set_state("201", logged_in=True, reason="lunch", by="phone 201")
        acd.set_state("201", logged_in=True, reason="", by="phone 201")
        acd.set_state("201", logged_in=False, by="phone 201")
        assert acd.state("201") == ("logged-out", "")
        assert acd.state("299") is None
        acd.close()

    run(scenario())
    assert path.read_text().splitlines() == [
        f"{T}|NONE|sales|PJSIP/201|ADDMEMBER",
        f"{T}|NONE|sales|PJSIP/201|PAUSE|lunch",
        f"{T}|NONE|sales|PJSIP/201|UNPAUSE",
        f"{T}|NONE|sales|PJSIP/201|REMOVEMEMBER",
    ]
    assert store.get_agent(db, "201").logged_in is False
    rows = list(db.query("SELECT * FROM queue_log ORDER BY id"))
    assert [(r["event"], r["agent"], r["data1"]) for r in rows][1] == (
        "PAUSE", "PJSIP/201", "lunch",
    )  # fmt: skip


def test_calls_are_offered_and_exits_are_logged_as_asterisk_does(setup):
    db, log, path = setup

    async def scenario():
        acd = LiveAcd(db, log, seed=1)
        acd.sync()
        acd.set_state("201", logged_in=True, by="test")
        acd.set_state("0912000111", logged_in=True, by="test")
        first, second = Waiter(), Waiter()
        a = acd.enqueue("sales", first, callid="call-a", caller="0909000111")
        assert first.seen == [("offer", "201")]  # the lower penalty tier
        b = acd.enqueue("sales", second, callid="call-b", caller="0909000222")
        assert second.seen == [("offer", "0912000111")]
        acd.answered(a, "201")
        acd.done(a)
        acd.rejected(b, "0912000111", busy=True)  # busy: rests, the call waits again
        assert acd.position(b) == 1
        acd.abandon(b, "sales")
        acd.hangup("201")
        # ring-out: the agent (max one unanswered) is paused, in the store too
        c = acd.enqueue("sales", Waiter(), callid="call-c", caller="0909000333")
        acd.no_answer(c, "201")
        assert acd.state("201") == ("paused", "no-answer")
        await asyncio.sleep(0)
        acd.close()

    run(scenario())
    lines = path.read_text().splitlines()
    assert lines[2:6] == [
        f"{T}|call-a|sales|NONE|ENTERQUEUE||0909000111|1",
        f"{T}|call-b|sales|NONE|ENTERQUEUE||0909000222|2",  # (call-a rings still)
        f"{T}|call-b|sales|NONE|ABANDON|1|2|0",
        f"{T}|call-c|sales|NONE|ENTERQUEUE||0909000333|1",
    ]
    assert lines[6] == f"{T}|NONE|sales|PJSIP/201|PAUSE|no-answer"
    assert store.get_agent(db, "201").pause_reason == "no-answer"


def test_line_format_keeps_fields_apart():
    assert qlog.line(T, "", "", "", "CONNECT", 4.4, "a|b", 0) == (
        f"{T}|NONE|NONE|NONE|CONNECT|4|a/b|0"
    )
    assert qlog.agent_channel("0912000111", "external") == "Local/0912000111@trunk"
