"""Hotline queues, their agents and members, and VIP callers: validated changes, each
all or nothing and written to the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import sqlite_utils

from tongdai.acdcore import EMPTY_RULES, STRATEGIES
from tongdai.store.audit import record
from tongdai.store.db import utcnow
from tongdai.store.features import number_owner

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
NUMBER_RE = re.compile(r"^[0-9]{2,8}$")  # an internal number, like an extension's
OUTSIDE_RE = re.compile(r"^\+?[0-9]{3,20}$")
RECORD_POLICIES = ("never", "always", "on-demand")
AGENT_KINDS = ("extension", "external")
OVERFLOW_KINDS = ("extension", "queue", "hangup")


class QueueError(ValueError):
    """A bad queue, agent or member field; the message names it."""


@dataclass
class Queue:
    name: str
    number: str | None = None
    display: str = ""
    strategy: str = "longest-idle"
    ring_timeout: float = 15.0
    retry: float = 2.0
    wrap_up: float = 5.0
    max_wait: float = 0.0
    max_len: int = 0
    sl_seconds: float = 20.0
    short_abandon: float = 5.0
    join_empty: str = "no-agents"
    leave_empty: str = "never"
    overflow: str = ""
    announce_every: float = 30.0
    callback_after: float = 0.0
    callback_trunk: str = ""
    whisper: bool = False
    record: str = "never"
    language: str = ""
    handle_estimate: float = 180.0


QUEUE_FIELDS = tuple(f.name for f in fields(Queue))
# what the ACD core takes (the rest is the call flow's)
CORE_OPTIONS = (
    "ring_timeout", "retry", "wrap_up", "max_wait", "max_len", "sl_seconds",
    "short_abandon", "join_empty", "leave_empty", "handle_estimate",
)  # fmt: skip
SECONDS = (
    "ring_timeout", "retry", "wrap_up", "max_wait", "sl_seconds", "short_abandon",
    "announce_every", "callback_after",
)  # fmt: skip


@dataclass
class Agent:
    number: str
    kind: str = "extension"
    name: str = ""
    trunk: str = ""
    max_no_answer: int = 3
    reject_delay: float = 10.0
    busy_delay: float = 30.0
    no_answer_delay: float = 10.0
    logged_in: bool = False
    pause_reason: str = ""


AGENT_OPTIONS = ("max_no_answer", "reject_delay", "busy_delay", "no_answer_delay")


@dataclass
class Member:
    queue: str
    agent: str
    penalty: int = 0
    level: int = 1
    weight: float = 1.0
    position: int = 0


# -- queues ------------------------------------------------------------------------------


def _check_queue(db: sqlite_utils.Database, q: Queue) -> None:
    if not NAME_RE.fullmatch(q.name):
        raise QueueError("name: lower-case letters, digits, - and _ (up to 32)")
    if q.number is not None:
        if not NUMBER_RE.fullmatch(q.number):
            raise QueueError("number: 2 to 8 digits")
        owner = number_owner(db, q.number)
        if owner and owner != f"queue {q.number}":  # (its own, when reconfigured)
            raise QueueError(f"number: {q.number} is taken by {owner}")
    if q.strategy not in STRATEGIES:
        raise QueueError("strategy: one of " + ", ".join(STRATEGIES))
    for name in SECONDS:
        value = getattr(q, name)
        if not isinstance(value, (int, float)) or not 0 <= value <= 86400:
            raise QueueError(f"{name}: seconds from 0 to 86400")
    if not isinstance(q.max_len, int) or not 0 <= q.max_len <= 10000:
        raise QueueError("max_len: a whole number from 0 (no limit) to 10000")
    if not 1 <= q.handle_estimate <= 86400:
        raise QueueError("handle_estimate: seconds from 1 to 86400")
    for name in ("join_empty", "leave_empty"):
        if getattr(q, name) not in EMPTY_RULES:
            raise QueueError(f"{name}: one of {', '.join(EMPTY_RULES)}")
    if q.record not in RECORD_POLICIES:
        raise QueueError(f"record: one of {', '.join(RECORD_POLICIES)}")
    if q.language not in ("", "vi", "en"):
        raise QueueError("language: vi, en, or empty for the box's language")
    if len(q.display) > 40:
        raise QueueError("display: up to 40 characters")
    if q.callback_trunk and not db["trunks"].count_where("name = ?", [q.callback_trunk]):
        raise QueueError(f"callback_trunk: no trunk {q.callback_trunk}")
    if q.overflow:
        kind, _, value = q.overflow.partition(":")
        if kind not in OVERFLOW_KINDS:
            raise QueueError("overflow: extension:N, queue:NAME or hangup")
        if kind == "extension" and not db["extensions"].count_where("number = ?", [value]):
            raise QueueError(f"overflow: no extension {value}")
        if kind == "queue" and (value == q.name or not db["queues"].count_where(
            "name = ?", [value]
        )):  # fmt: skip
            raise QueueError(f"overflow: no other queue {value}")


def add_queue(db: sqlite_utils.Database, queue: Queue, *, actor: str = "system") -> None:
    _check_queue(db, queue)
    if db["queues"].count_where("name = ?", [queue.name]):
        raise QueueError(f"name: a queue {queue.name} exists")
    if queue.number and db["queues"].count_where("number = ?", [queue.number]):
        raise QueueError(f"number: another queue has {queue.number}")
    row = {name: getattr(queue, name) for name in QUEUE_FIELDS}
    row["whisper"] = int(queue.whisper)
    with db.atomic():
        db["queues"].insert({**row, "created_at": utcnow()})
        record(db, actor, "queue.create", queue.name)


def update_queue(db: sqlite_utils.Database, name: str, *, actor: str = "system", **changes):
    current = get_queue(db, name)
    unknown = set(changes) - set(QUEUE_FIELDS) - {"name"}
    if unknown:
        raise QueueError(f"{sorted(unknown)[0]}: not a queue setting")
    updated = Queue(**{**current.__dict__, **changes, "name": name})
    _check_queue(db, updated)
    if updated.number and db["queues"].count_where(
        "number = ? AND name != ?", [updated.number, name]
    ):  # fmt: skip
        raise QueueError(f"number: another queue has {updated.number}")
    row = {k: getattr(updated, k) for k in changes}
    if "whisper" in row:
        row["whisper"] = int(row["whisper"])
    with db.atomic():
        db["queues"].update(name, row)
        record(db, actor, "queue.update", f"{name}: {', '.join(sorted(changes))}")


def get_queue(db: sqlite_utils.Database, name: str) -> Queue:
    rows = list(db["queues"].rows_where("name = ?", [name]))
    if not rows:
        raise QueueError(f"queue: no queue {name}")
    return _queue(rows[0])


def _queue(row: dict) -> Queue:
    q = Queue(**{k: row[k] for k in QUEUE_FIELDS})
    q.whisper = bool(q.whisper)
    return q


def list_queues(db: sqlite_utils.Database) -> list[Queue]:
    return [_queue(row) for row in db["queues"].rows_where(order_by="name")]


def delete_queue(db: sqlite_utils.Database, name: str, *, actor: str = "system") -> None:
    get_queue(db, name)
    used = db.execute(
        "SELECT did FROM inbound_routes WHERE destination = ?", [f"queue:{name}"]
    ).fetchone()
    if used:
        raise QueueError(f"queue: inbound route {used[0] or 'any'} sends calls to it")
    if db["queues"].count_where("overflow = ?", [f"queue:{name}"]):
        raise QueueError("queue: another queue overflows to it")
    with db.atomic():
        db["queue_members"].delete_where("queue = ?", [name])
        db["queues"].delete(name)
        record(db, actor, "queue.delete", name)


# -- agents ------------------------------------------------------------------------------


def add_agent(db: sqlite_utils.Database, agent: Agent, *, actor: str = "system") -> None:
    if agent.kind not in AGENT_KINDS:
        raise QueueError(f"kind: one of {', '.join(AGENT_KINDS)}")
    if agent.kind == "extension":
        if not db["extensions"].count_where("number = ?", [agent.number]):
            raise QueueError(f"number: no extension {agent.number}")
        if agent.trunk:
            raise QueueError("trunk: only for external agents")
    elif not OUTSIDE_RE.fullmatch(agent.number):
        raise QueueError("number: an outside number, digits with an optional leading +")
    if agent.trunk and not db["trunks"].count_where("name = ?", [agent.trunk]):
        raise QueueError(f"trunk: no trunk {agent.trunk}")
    if not isinstance(agent.max_no_answer, int) or not 0 <= agent.max_no_answer <= 100:
        raise QueueError("max_no_answer: a whole number from 0 (never pause) to 100")
    for name in ("reject_delay", "busy_delay", "no_answer_delay"):
        if not 0 <= getattr(agent, name) <= 3600:
            raise QueueError(f"{name}: seconds from 0 to 3600")
    if len(agent.name) > 40:
        raise QueueError("name: up to 40 characters")
    if db["agents"].count_where("number = ?", [agent.number]):
        raise QueueError(f"number: agent {agent.number} exists")
    row = dict(agent.__dict__, logged_in=0, pause_reason="", created_at=utcnow())
    with db.atomic():
        db["agents"].insert(row)
        record(db, actor, "agent.create", agent.number)


def get_agent(db: sqlite_utils.Database, number: str) -> Agent:
    rows = list(db["agents"].rows_where("number = ?", [number]))
    if not rows:
        raise QueueError(f"agent: no agent {number}")
    return _agent(rows[0])


def _agent(row: dict) -> Agent:
    a = Agent(**{f.name: row[f.name] for f in fields(Agent)})
    a.logged_in = bool(a.logged_in)
    return a


def list_agents(db: sqlite_utils.Database) -> list[Agent]:
    return [_agent(row) for row in db["agents"].rows_where(order_by="number")]


def delete_agent(db: sqlite_utils.Database, number: str, *, actor: str = "system") -> None:
    get_agent(db, number)
    with db.atomic():
        db["queue_members"].delete_where("agent = ?", [number])
        db["agents"].delete(number)
        record(db, actor, "agent.delete", number)


def set_agent_state(
    db: sqlite_utils.Database, number: str, *, logged_in: bool, pause_reason: str = "",
    actor: str = "system",
) -> None:  # fmt: skip
    """Remember an agent's login and pause (the live ACD reads it back at start)."""
    get_agent(db, number)
    if len(pause_reason) > 40:
        raise QueueError("reason: up to 40 characters")
    with db.atomic():
        db["agents"].update(number, {"logged_in": int(logged_in), "pause_reason": pause_reason})
        what = "login" if logged_in else "logout"
        if logged_in and pause_reason:
            what = f"pause ({pause_reason})"
        record(db, actor, "agent.state", f"{number}: {what}")


# -- members -----------------------------------------------------------------------------


def add_member(db: sqlite_utils.Database, member: Member, *, actor: str = "system") -> None:
    get_queue(db, member.queue)
    get_agent(db, member.agent)
    if not isinstance(member.penalty, int) or not 0 <= member.penalty <= 100:
        raise QueueError("penalty: a whole number from 0 to 100")
    if not isinstance(member.level, int) or not 0 <= member.level <= 100:
        raise QueueError("level: a whole number from 0 to 100")
    if not 0 < member.weight <= 1000:
        raise QueueError("weight: above 0, up to 1000")
    existing = db["queue_members"].count_where(
        "queue = ? AND agent = ?", [member.queue, member.agent]
    )
    position = db.execute(
        "SELECT COALESCE(MAX(position), -1) + 1 FROM queue_members WHERE queue = ?",
        [member.queue],
    ).fetchone()[0]
    row = {"queue": member.queue, "agent": member.agent, "penalty": member.penalty,
           "level": member.level, "weight": member.weight}  # fmt: skip
    with db.atomic():
        if existing:
            db["queue_members"].update((member.queue, member.agent), row)
        else:
            db["queue_members"].insert({**row, "position": position})
        record(db, actor, "queue.member", f"{member.queue} + {member.agent}")


def delete_member(db: sqlite_utils.Database, queue: str, agent: str, *, actor="system") -> None:
    if not db["queue_members"].count_where("queue = ? AND agent = ?", [queue, agent]):
        raise QueueError(f"member: {agent} is not in queue {queue}")
    with db.atomic():
        db["queue_members"].delete((queue, agent))
        record(db, actor, "queue.member.delete", f"{queue} - {agent}")


def list_members(db: sqlite_utils.Database, queue: str | None = None) -> list[Member]:
    where, args = ("queue = ?", [queue]) if queue else (None, [])
    return [
        Member(**{f.name: row[f.name] for f in fields(Member)})
        for row in db["queue_members"].rows_where(where, args, order_by="queue, position")
    ]


# -- VIP callers ---------------------------------------------------------------------------


def set_vip(
    db: sqlite_utils.Database, number: str, priority: int, name: str = "", *, actor="system"
) -> None:
    if not OUTSIDE_RE.fullmatch(number) and not NUMBER_RE.fullmatch(number):
        raise QueueError("number: digits with an optional leading +")
    if not isinstance(priority, int) or not 1 <= priority <= 100:
        raise QueueError("priority: a whole number from 1 to 100")
    with db.atomic():
        db["vip_callers"].upsert(
            {"number": number, "priority": priority, "name": name}, pk="number"
        )
        record(db, actor, "vip.set", f"{number} priority {priority}")


def delete_vip(db: sqlite_utils.Database, number: str, *, actor: str = "system") -> None:
    if not db["vip_callers"].count_where("number = ?", [number]):
        raise QueueError(f"number: {number} is not a VIP caller")
    with db.atomic():
        db["vip_callers"].delete(number)
        record(db, actor, "vip.delete", number)


def vip_priority(db: sqlite_utils.Database, number: str) -> int:
    row = db.execute("SELECT priority FROM vip_callers WHERE number = ?", [number]).fetchone()
    return row[0] if row else 0
