"""Queue, agent, member and VIP configuration in the real SQLite file, and the simulate and
staffing commands: bad input names the field and saves nothing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from tongdai.acd import staffing
from tongdai.store import cdr, extensions, open_db, queues, routes, trunks
from tongdai.store.queues import Agent, Member, Queue, QueueError


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "t.db")
    for number in ("201", "202"):
        extensions.add(database, number, secret=f"secret-of-{number}-abcdef")
    trunks.add(database, "viettel", host="127.0.0.1", port=5070)
    yield database
    database.close()


def test_queues_agents_and_members_are_stored(db):
    queues.add_queue(db, Queue("sales", number="600", display="hotline bán hàng"))
    queues.add_agent(db, Agent("201"))
    queues.add_agent(db, Agent("0901234567", kind="external", trunk="viettel"))
    queues.add_member(db, Member("sales", "201"))
    queues.add_member(db, Member("sales", "0901234567", penalty=1))
    queues.add_member(db, Member("sales", "201", level=4))  # changes, keeps its place
    members = queues.list_members(db, "sales")
    assert [(m.agent, m.penalty, m.level, m.position) for m in members] == [
        ("201", 0, 4, 0),
        ("0901234567", 1, 1, 1),
    ]
    queues.update_queue(db, "sales", wrap_up=15.0, whisper=True)
    q = queues.get_queue(db, "sales")
    assert (q.wrap_up, q.whisper, q.display, q.strategy) == (15.0, True, "hotline bán hàng",
                                                             "longest-idle")  # fmt: skip
    queues.set_agent_state(db, "201", logged_in=True, pause_reason="lunch")
    assert queues.get_agent(db, "201").pause_reason == "lunch"
    routes.add_inbound(db, "02873001234", "queue:sales", priority=5)
    with pytest.raises(QueueError, match="inbound route"):
        queues.delete_queue(db, "sales")
    with pytest.raises(extensions.ExtensionError, match="queue agent"):
        extensions.delete(db, "201")
    queues.set_vip(db, "0909000111", 20, "Anh Minh")
    assert queues.vip_priority(db, "0909000111") == 20
    assert queues.vip_priority(db, "0909000222") == 0
    audit = [r["action"] for r in db["audit_log"].rows]
    assert "queue.create" in audit and "agent.state" in audit


@pytest.mark.parametrize(
    ("queue", "field"),
    [
        (Queue("Sales!"), "name"),
        (Queue("q", number="201"), "number"),  # an extension's
        (Queue("q", number="70"), "number"),  # a feature code
        (Queue("q", strategy="cheapest"), "strategy"),
        (Queue("q", ring_timeout=-1), "ring_timeout"),
        (Queue("q", max_len=2.5), "max_len"),
        (Queue("q", join_empty="maybe"), "join_empty"),
        (Queue("q", overflow="voicemail:201"), "overflow"),
        (Queue("q", overflow="queue:q"), "overflow"),
        (Queue("q", callback_trunk="nope"), "callback_trunk"),
        (Queue("q", language="fr"), "language"),
        (Queue("q", record="sometimes"), "record"),
    ],
)
def test_bad_queue_fields_are_named_and_nothing_is_saved(db, queue, field):
    with pytest.raises(QueueError, match=rf"^{field}\b"):
        queues.add_queue(db, queue)
    assert db["queues"].count == 0


def test_bad_agents_members_and_changes_are_refused(db):
    queues.add_queue(db, Queue("sales"))
    with pytest.raises(QueueError, match=r"^number: no extension"):
        queues.add_agent(db, Agent("299"))
    with pytest.raises(QueueError, match=r"^number: an outside number"):
        queues.add_agent(db, Agent("abc", kind="external"))
    with pytest.raises(QueueError, match=r"^max_no_answer"):
        queues.add_agent(db, Agent("201", max_no_answer=-1))
    queues.add_agent(db, Agent("201"))
    with pytest.raises(QueueError, match=r"^penalty"):
        queues.add_member(db, Member("sales", "201", penalty=-3))
    with pytest.raises(QueueError, match=r"^agent: no agent"):
        queues.add_member(db, Member("sales", "202"))
    with pytest.raises(QueueError, match=r"^wrap_up"):
        queues.update_queue(db, "sales", strategy="linear", wrap_up=-5)
    assert queues.get_queue(db, "sales").strategy == "longest-idle"  # all or nothing
    with pytest.raises(QueueError, match=r"^priority"):
        queues.set_vip(db, "0909000111", 0)
    assert db["queue_members"].count == 0 and db["vip_callers"].count == 0


def test_staffing_reads_the_call_history_by_hour(db):
    # 28 days of history: 10 inbound calls between 09:00 and 10:00 (Vietnam time), 5 min each
    day = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Ho_Chi_Minh
    for d in range(28):
        for i in range(10):
            start = day + dt.timedelta(days=d, minutes=5 * i)
            record = cdr.Cdr("0909000111", "02873001234", "inbound", start=start)
            record.answer = start + dt.timedelta(seconds=10)
            record.end = record.answer + dt.timedelta(seconds=300)
            record.disposition = "answered"
            cdr.save(db, record)
    until = day + dt.timedelta(days=28)
    volumes = staffing.history(db, days=28, timezone="Asia/Ho_Chi_Minh", until=until)
    assert volumes == {9: (10.0, 300.0)}
    [hour] = [
        staffing.recommend(rate, aht, sl_seconds=20, target=0.8, hour=h)
        for h, (rate, aht) in volumes.items()
    ]
    assert hour.hour == 9 and hour.agents == 3 and hour.service_level >= 0.8


def test_simulate_command_prints_json_beside_erlang(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "tongdai", "simulate", "--agents", "4", "--calls-per-hour",
         "60", "--aht", "180", "--calls", "20000", "--patience", "90", "--seed", "3"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout)
    for key in ("service_level", "asa", "abandon_rate", "occupancy", "calls", "ewt_mae"):
        assert isinstance(result[key], (int, float)), key
    assert 0 <= result["service_level"] <= 1 and result["calls"] == 19000
    assert abs(result["abandon_rate"] - result["erlang_a"]["abandon_rate"]) < 0.02
    bad = subprocess.run(
        [sys.executable, "-m", "tongdai", "simulate", "--agents", "0", "--calls-per-hour",
         "60", "--aht", "180"], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "agents" in bad.stderr
