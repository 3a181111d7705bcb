"""The live service's ACD: the Cython core (tongdai.acdcore) driven by real events.

This face maps names to the core's numbers (queue names, agent numbers), loads the
queues, agents and members from the store and follows its changes (the CLI's), keeps
agents' login and pause in the store so a restart keeps them, writes queue_log, and
runs the core's clock on the event loop: after every change it polls the core and
hands each action to the waiting call it concerns.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlite_utils

from tongdai import acdcore
from tongdai.acd.queue_log import NONE, QueueLog, agent_channel
from tongdai.store import queues as store

log = logging.getLogger("tongdai.acd")


class Waiter(Protocol):
    """A queued call's flow: told what the ACD decides for it."""

    def offer(self, agent: str) -> None: ...  # ring this agent
    def cancel(self, agent: str, rang_out: bool) -> None: ...  # stop ringing it
    def leave(self, reason: str) -> None: ...  # "timeout" or "empty": to the overflow


@dataclass
class AgentInfo:
    id: int
    number: str
    kind: str
    name: str
    trunk: str
    channel: str  # as queue_log names it


class LiveAcd:
    def __init__(
        self, db: sqlite_utils.Database, queue_log: QueueLog, *, seed: int | None = None
    ) -> None:
        self.db = db
        self.queue_log = queue_log
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "big")
        self.core = acdcore.Core(acdcore.Rng(seed))
        self.queues: dict[str, int] = {}  # name -> core id
        self.queue_names: list[str] = []
        self.config: dict[str, store.Queue] = {}
        self.agents: dict[str, AgentInfo] = {}  # number -> info
        self.agent_numbers: list[str] = []
        self.members: set[tuple[str, str]] = set()
        self.waiters: dict[int, Waiter] = {}  # core call id -> its flow
        self.callids: dict[int, str] = {}  # core call id -> CDR id (queue_log's callid)
        # core call id -> [entered, first position, last position known]: what queue_log
        # reports about a call the core has let go of already
        self.places: dict[int, list] = {}
        # Told (no arguments) after every change the core is told of or makes itself:
        # the wallboard's cue to look again.
        self.listeners: list[Callable[[], None]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._day: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def now(self) -> float:
        return self.loop.time()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    # -- configuration from the store ------------------------------------------------------

    def sync(self) -> None:
        """Bring the core in line with the store: queues, agents, members, and the
        agents' login and pause (the CLI changes them there)."""
        now = self.now()
        core = self.core
        queues = store.list_queues(self.db)
        agents = store.list_agents(self.db)
        for q in queues:
            options = {name: getattr(q, name) for name in store.CORE_OPTIONS}
            if q.name not in self.queues:
                self.queues[q.name] = core.add_queue(q.name, q.strategy, now, **options)
                self.queue_names.append(q.name)
            else:
                core.configure_queue(self.queues[q.name], q.strategy, **options)
            self.config[q.name] = q
        gone = set(self.config) - {q.name for q in queues}
        for name in gone:  # deleted: nobody new joins; its members leave it below
            del self.config[name]
        for a in agents:
            info = self.agents.get(a.number)
            options = {name: getattr(a, name) for name in store.AGENT_OPTIONS}
            if info is None:
                info = AgentInfo(core.add_agent(a.number, now, **options), a.number, a.kind,
                                 a.name, a.trunk, agent_channel(a.number, a.kind))  # fmt: skip
                self.agents[a.number] = info
                self.agent_numbers.append(a.number)
            else:
                core.configure_agent(info.id, **options)
                info.name, info.trunk = a.name, a.trunk
            self._follow_state(info, a.logged_in, a.pause_reason)
        known = {a.number for a in agents}
        for number, info in self.agents.items():
            if number not in known and core.agent_state(info.id)[0] != "logged-out":
                self._apply(info, False, "", by="deleted")
        wanted = {(m.queue, m.agent): m for m in store.list_members(self.db)}
        for key in self.members - set(wanted):
            queue, agent = key
            if queue in self.queues and agent in self.agents:
                info = self.agents[agent]
                core.remove_member(self.queues[queue], info.id, now)
                if self._logged_in(info):
                    self.queue_log.write(NONE, queue, info.channel, "REMOVEMEMBER")
        for key, m in wanted.items():
            info = self.agents[m.agent]
            core.add_member(self.queues[m.queue], info.id, m.penalty, m.level, m.weight)
            if key not in self.members and self._logged_in(info):
                self.queue_log.write(NONE, m.queue, info.channel, "ADDMEMBER")
        self.members = set(wanted)
        self.pump()

    def _logged_in(self, info: AgentInfo) -> bool:
        return self.core.agent_state(info.id)[0] != "logged-out"

    def _follow_state(self, info: AgentInfo, logged_in: bool, reason: str) -> None:
        state, _, current_reason, _ = self.core.agent_state(info.id)
        is_in = state != "logged-out"
        if is_in != logged_in or (logged_in and current_reason != reason):
            self._apply(info, logged_in, reason, by="store")

    # -- agents ------------------------------------------------------------------------------

    def agent(self, number: str) -> AgentInfo | None:
        return self.agents.get(number)

    def state(self, number: str) -> tuple[str, str] | None:
        """(state name, pause reason) of an agent; None for a number that is not one."""
        info = self.agents.get(number)
        if info is None:
            return None
        state, _, reason, _ = self.core.agent_state(info.id)
        return state, reason

    def set_state(self, number: str, *, logged_in: bool, reason: str = "", by: str) -> None:
        """Log an agent in or out, pause (reason given) or unpause: in the core, the
        store and queue_log."""
        info = self.agents.get(number)
        if info is None:
            raise store.QueueError(f"agent: no agent {number}")
        self._apply(info, logged_in, reason, by=by)
        store.set_agent_state(self.db, number, logged_in=logged_in, pause_reason=reason,
                              actor=by)  # fmt: skip
        self.pump()

    def _apply(self, info: AgentInfo, logged_in: bool, reason: str, *, by: str) -> None:
        now = self.now()
        core = self.core
        state, _, current_reason, _ = core.agent_state(info.id)
        queues = [q for q, a in self.members if a == info.number]
        if not logged_in:
            if state != "logged-out":
                core.logout(info.id, now)
                for q in queues:
                    self.queue_log.write(NONE, q, info.channel, "REMOVEMEMBER")
            return
        if state == "logged-out":
            core.login(info.id, now)
            for q in queues:
                self.queue_log.write(NONE, q, info.channel, "ADDMEMBER")
        if reason and reason != current_reason:
            core.pause(info.id, now, reason)
            for q in queues:
                self.queue_log.write(NONE, q, info.channel, "PAUSE", reason)
        elif not reason and current_reason:
            core.unpause(info.id, now)
            for q in queues:
                self.queue_log.write(NONE, q, info.channel, "UNPAUSE")
        log.info("agent %s %s (%s)", info.number,
                 f"paused: {reason}" if reason else "ready", by)  # fmt: skip

    # -- calls -------------------------------------------------------------------------------

    def enqueue(self, queue: str, waiter: Waiter, *, callid: str, caller: str,
                priority: int = 0) -> int:  # fmt: skip
        """A caller joins: the core's call id, or a negative refusal (REFUSED_FULL,
        REFUSED_EMPTY) written to queue_log as FULL or JOINEMPTY."""
        qid = self.queues[queue]
        cid = self.core.enqueue(qid, self.now(), priority)
        if cid < 0:
            event = "FULL" if cid == acdcore.REFUSED_FULL else "JOINEMPTY"
            self.queue_log.write(callid, queue, NONE, event)
            return cid
        self.waiters[cid] = waiter
        self.callids[cid] = callid
        position = self.core.position(cid)
        self.places[cid] = [self.now(), position, position]
        self.queue_log.write(callid, queue, NONE, "ENTERQUEUE", "", caller, position)
        self.pump()
        return cid

    def position(self, cid: int) -> int:
        position = self.core.position(cid)
        if cid in self.places:
            self.places[cid][2] = position
        return position

    def exit_data(self, cid: int) -> tuple:
        """(position, original position, seconds waited) as queue_log's exits give them."""
        entered, first, last = self.places.get(cid, (self.now(), "", ""))
        return last, first, self.now() - entered

    def ewt(self, cid: int) -> float:
        return self.core.ewt(cid)

    def info(self, cid: int) -> dict:
        return self.core.call_info(cid)

    def abandon(self, cid: int, queue: str) -> None:
        info = self.core.call_info(cid)
        wait = self.now() - info["entered"]
        self.core.abandon(cid, self.now())
        self.queue_log.write(self._forget(cid), queue, NONE, "ABANDON", info["position"],
                             info["first_position"], wait)  # fmt: skip
        self.pump()

    def move(self, cid: int, queue: str, to: str, *, caller: str) -> int:
        """A supervisor moves a waiting caller from `queue` to `to`, keeping its waiter and
        callid. queue_log shows what Asterisk writes for a caller redirected out of a
        queue into another: ABANDON in the first, ENTERQUEUE in the second. Returns the
        core's new call id, or a negative refusal (the caller then stays where it was)."""
        info = self.core.call_info(cid)
        new = self.core.enqueue(self.queues[to], self.now(), info["priority"])
        if new < 0:
            return new
        waiter, callid = self.waiters[cid], self.callids[cid]
        for aid in info["ringing"]:  # (the core's own cancels would find no waiter)
            waiter.cancel(self.agent_numbers[aid], False)
        # Known under the new id before the old one goes: abandoning pumps the core,
        # which may offer the moved call at once.
        self.waiters[new], self.callids[new] = waiter, callid
        position = self.core.position(new)
        self.places[new] = [self.now(), position, position]
        self.abandon(cid, queue)
        self.queue_log.write(callid, to, NONE, "ENTERQUEUE", "", caller, position)
        return new

    def exit_with_key(self, cid: int, queue: str, key: str) -> None:
        """The caller pressed a key to leave the line but keep their place (callback)."""
        info = self.core.call_info(cid)
        self.core.keep_place(cid)
        self.queue_log.write(self.callids[cid], queue, NONE, "EXITWITHKEY", key,
                             info["position"], info["first_position"],
                             self.now() - info["entered"])  # fmt: skip

    def answered(self, cid: int, agent: str) -> float:
        """The agent answered; returns how long the caller waited."""
        info = self.core.call_info(cid)
        now = self.now()
        self.core.answered(cid, self.agents[agent].id, now)
        self.pump()
        return now - info["entered"]

    def rejected(self, cid: int, agent: str, *, busy: bool) -> None:
        self.core.rejected(cid, self.agents[agent].id, self.now(), busy=busy)
        self.pump()

    def no_answer(self, cid: int, agent: str) -> None:
        self.core.no_answer(cid, self.agents[agent].id, self.now())
        self.pump()

    def hangup(self, agent: str) -> None:
        """The agent's queue call ended (wrap-up starts)."""
        self.core.hangup(self.agents[agent].id, self.now())
        self.pump()

    def done(self, cid: int) -> str:
        """The call left the queue (answered, or gone after an exit): forget it."""
        return self._forget(cid)

    def _forget(self, cid: int) -> str:
        self.waiters.pop(cid, None)
        self.places.pop(cid, None)
        return self.callids.pop(cid, NONE)

    # -- the core's clock and actions ------------------------------------------------------

    def pump(self) -> None:
        """Poll the core now, hand out its actions, and set the timer for its next."""
        for action, cid, aid in self.core.poll(self.now()):
            waiter = self.waiters.get(cid)
            agent = self.agent_numbers[aid] if aid >= 0 else ""
            if action == acdcore.AUTOPAUSE:
                self._autopaused(agent)
            elif waiter is None:
                continue
            elif action == acdcore.OFFER:
                waiter.offer(agent)
            elif action in (acdcore.CANCEL, acdcore.RING_TIMEOUT):
                waiter.cancel(agent, rang_out=action == acdcore.RING_TIMEOUT)
            elif action in (acdcore.TIMEOUT, acdcore.LEAVE_EMPTY):
                waiter.leave("timeout" if action == acdcore.TIMEOUT else "empty")
        due = self.core.next_due()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if due != float("inf"):
            self._timer = self.loop.call_at(due, self.pump)
        for listener in self.listeners:
            listener()

    def _autopaused(self, agent: str) -> None:
        info = self.agents[agent]
        reason = acdcore.core.AUTOPAUSE_REASON
        for q, a in self.members:
            if a == agent:
                self.queue_log.write(NONE, q, info.channel, "PAUSE", reason)
        store.set_agent_state(self.db, agent, logged_in=True, pause_reason=reason,
                              actor="acd")  # fmt: skip
        log.warning("agent %s paused after unanswered calls", agent)

    # -- numbers ---------------------------------------------------------------------------

    def numbers(self) -> list[tuple[str, dict, dict]]:
        """(queue, today's numbers, numbers since the service started) per live queue."""
        now = self.now()
        return [
            (name, self.core.queue_numbers(qid, now),
             self.core.queue_numbers(qid, now, total=True))
            for name, qid in self.queues.items() if name in self.config
        ]  # fmt: skip

    def roll_daily(self, timezone: str) -> None:
        """Start a new interval for the numbers at every midnight, box time."""
        zone = ZoneInfo(timezone)
        wall = dt.datetime.now(zone)
        midnight = (wall + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                         microsecond=0)  # fmt: skip
        delay = (midnight - wall).total_seconds()

        def roll() -> None:
            self.core.roll_interval(self.now())
            self.roll_daily(timezone)

        self._day = self.loop.call_later(delay, roll)

    def close(self) -> None:
        for handle in (self._timer, self._day):
            if handle is not None:
                handle.cancel()
        self._timer = self._day = None
