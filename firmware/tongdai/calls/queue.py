"""Hotline queue calls: a caller waits in a queue and the ACD hands the call to an agent.

The caller is answered, hears the queue's greeting, then music interrupted every
`announce_every` seconds by their position and estimated wait in their language (and,
after `callback_after` seconds, an offer to press 1 to be called back keeping their
place). Meanwhile the ACD (tongdai.acd.live) says which agent to ring: each offer rings
that agent's phones (or their mobile over a trunk) with the queue's name in the caller
ID. The first agent to answer may hear the queue's name whispered, then talks to the
caller. A caller who chose a callback hangs up; when an agent frees up the box rings
the agent, tells them who to call, and dials the customer (retrying a few times).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from tongdai import acdcore
from tongdai.acd.live import LiveAcd
from tongdai.calls import interact
from tongdai.calls.dial import Target, dial
from tongdai.calls.records import Records
from tongdai.calls.switch import Channel, ChannelGone, Playback, Switch
from tongdai.calls.trunks import TrunkCalls
from tongdai.prompts.build import BuildError, speak
from tongdai.prompts.library import MissingPrompt, Prompts
from tongdai.store import cdr as cdrs
from tongdai.store import queues as store
from tongdai.store import routes as routing
from tongdai.store.db import utcnow

log = logging.getLogger("tongdai.queue")

NO_LIMIT_RING = 600.0  # seconds an agent's phone may ring when the queue sets no limit
CALLBACK_ATTEMPTS = 3
CALLBACK_RETRY_SECONDS = 120.0
CUSTOMER_RING_SECONDS = 45.0


@dataclass
class Answered:
    agent: str
    leg: Channel
    waited: float


class QueueCall:
    """One call in a queue, as the ACD sees it (a tongdai.acd.live.Waiter): the ACD's
    decisions arrive as events for the flow to act on."""

    def __init__(self, queue: str, channel: Channel | None = None, record=None) -> None:
        self.queue = queue
        self.events: asyncio.Queue[tuple] = asyncio.Queue()
        self.cid = -1
        self.first_position = 0
        # What the wallboard and a supervisor's move need: the caller's leg and CDR,
        # and once answered, the agent and their leg.
        self.channel = channel
        self.record = record
        self.agent = ""
        self.leg: Channel | None = None

    def offer(self, agent: str) -> None:
        self.events.put_nowait(("offer", agent))

    def cancel(self, agent: str, rang_out: bool) -> None:
        self.events.put_nowait(("cancel", agent, rang_out))

    def leave(self, reason: str) -> None:
        self.events.put_nowait(("leave", reason))


class QueueApp:
    def __init__(
        self,
        switch: Switch,
        acd: LiveAcd,
        db: sqlite_utils.Database,
        prompts: Prompts,
        *,
        trunks: TrunkCalls,
        contacts: Callable[[str], list[tuple[str, str]]],
        caller_id: Callable[[str, str], str],
        flow_header: str,
        converse: Callable[..., Awaitable[None]],
        next_record: Callable[..., cdrs.Cdr],
        route_extension: Callable[..., Awaitable[None]],
        music: str,
        whisper_dir: Path,
        rate: int,
    ) -> None:
        self.switch = switch
        self.acd = acd
        self.db = db
        self.prompts = prompts
        self.trunks = trunks
        self.contacts = contacts
        self.caller_id = caller_id
        self.flow_header = flow_header
        self.converse = converse  # Dialplan.converse: talk, transfers, recording
        self.next_record = next_record
        self.route_extension = route_extension  # (channel, records, number): overflow
        self.music = music
        self.whisper_dir = whisper_dir
        self.rate = rate
        self.callbacks: set[asyncio.Task] = set()
        self.calls: dict[str, QueueCall] = {}  # caller's channel id -> its call, while queued

    def config(self, queue: str) -> store.Queue | None:
        return self.acd.config.get(queue)

    def by_number(self, number: str) -> str | None:
        """The queue extensions reach by dialling `number`."""
        for q in self.acd.config.values():
            if q.number == number:
                return q.name
        return None

    def say(self, cfg: store.Queue, *parts: str | int) -> list[str]:
        return self.prompts.sentence(*parts, lang=cfg.language or None)

    # -- a caller in the queue ----------------------------------------------------------

    async def enter(self, channel: Channel, records, queue: str, priority: int = 0) -> None:
        """Queue the caller until an agent takes the call, they hang up, choose a
        callback, or the queue sends them on (its overflow)."""
        cfg = self.config(queue)
        record = records.current
        record.queue = queue
        if cfg is None:
            record.cause = f"no queue {queue}"
            await channel.reject(404, "No such queue")
            return
        priority = max(priority, store.vip_priority(self.db, channel.party))
        call = QueueCall(queue, channel, record)
        call.cid = self.acd.enqueue(queue, call, callid=record.id, caller=channel.party,
                                    priority=priority)  # fmt: skip
        if call.cid >= 0:
            call.first_position = self.acd.position(call.cid)
        else:
            full = call.cid == acdcore.REFUSED_FULL
            record.cause = "queue full" if full else "no agents in the queue"
            await self.overflow(channel, records, cfg)
            return
        hold = None
        offered_callback = asyncio.Event()
        self.calls[channel.id] = call
        try:
            await channel.answer()
            hold = asyncio.create_task(self._hold(channel, call, cfg, offered_callback))
            outcome = await self._wait(channel, call, cfg, offered_callback, records)
        except BaseException:
            if call.cid in self.acd.waiters:  # the engine failed, or the service stops
                with contextlib.suppress(acdcore.AcdError):
                    self.acd.abandon(call.cid, call.queue)
            self._forget(channel, call)
            raise
        finally:
            if hold is not None:
                hold.cancel()
                with contextlib.suppress(asyncio.CancelledError, ChannelGone,
                                         *self.switch.transient):  # fmt: skip
                    await hold
        cfg = self.config(call.queue) or cfg  # (a supervisor may have moved the caller)
        try:
            await self._after_wait(channel, call, cfg, records, outcome)
        finally:
            self._forget(channel, call)

    async def _after_wait(self, channel: Channel, call: QueueCall, cfg, records, outcome):
        record = records.current
        if isinstance(outcome, Answered):
            await self._talk(channel, call, cfg, records, outcome)
        elif outcome == "callback":
            await self._take_callback(channel, call, cfg, records)
        elif outcome in ("timeout", "empty"):
            record.cause = "waited too long" if outcome == "timeout" else "no agents left"
            await self.overflow(channel, records, cfg)
        else:  # the caller hung up (or a supervisor hung up on them: Channel.end)
            gone = channel.ended.result()
            record.disposition, record.hangup_by = "cancelled", "caller"
            record.cause = "abandoned in the queue"
            if gone.by == "engine":
                record.hangup_by, record.cause = "system", gone.reason

    def _forget(self, channel: Channel, call: QueueCall) -> None:
        if self.calls.get(channel.id) is call:  # (an overflow re-entered with another)
            del self.calls[channel.id]

    def move(self, channel_id: str, queue: str, to: str) -> int:
        """Move a caller waiting in `queue` to queue `to`: they keep their music and
        their call, and wait there from the end of the line. Returns the new position.
        LookupError: no such caller waiting in `queue`; ValueError: `to` is no queue or
        refuses the caller (full, or nobody to serve it)."""
        call = self.calls.get(channel_id)
        if call is None or call.queue != queue or call.cid not in self.acd.waiters:
            raise LookupError(f"no caller {channel_id} waiting in queue {queue}")
        if self.config(to) is None:
            raise ValueError(f"queue: no queue {to}")
        if to == queue:
            raise ValueError(f"queue: the caller waits in {to} already")
        cid = self.acd.move(call.cid, queue, to, caller=call.channel.party)
        if cid < 0:
            why = "is full" if cid == acdcore.REFUSED_FULL else "has no agents to take it"
            raise ValueError(f"queue: {to} {why}")
        call.cid, call.queue = cid, to
        call.record.queue = to
        return self.acd.position(cid)

    async def _wait(self, channel, call: QueueCall, cfg, offered_callback, records):
        """Ring the agents the ACD offers until one answers; or the caller leaves,
        presses 1 for a callback, or the queue lets go of the call."""
        ringing: dict[str, asyncio.Task] = {}
        rang_at: dict[str, float] = {}
        loop = asyncio.get_running_loop()
        event = digit = None
        try:
            while True:
                event = event or asyncio.ensure_future(call.events.get())
                digit = digit or asyncio.ensure_future(channel.digits.get())
                done, _ = await asyncio.wait(
                    [event, digit, channel.ended], return_when=asyncio.FIRST_COMPLETED
                )
                if channel.ended in done and event not in done:
                    self.acd.abandon(call.cid, call.queue)
                    return None
                if digit in done:
                    key, digit = digit.result(), None
                    if key == "1" and offered_callback.is_set():
                        self.acd.exit_with_key(call.cid, call.queue, "1")
                        return "callback"
                    continue
                kind, *args = event.result()
                event = None
                if kind == "offer":
                    agent = args[0]
                    rang_at[agent] = loop.time()
                    cfg = self.config(call.queue) or cfg  # (moved by a supervisor)
                    ringing[agent] = _task(
                        self._ring(call, agent, channel, cfg, records.current.src_name)
                    )
                elif kind == "cancel":
                    agent, rang_out = args
                    task = ringing.pop(agent, None)
                    if task is not None:
                        task.cancel()
                    ms = round((loop.time() - rang_at.pop(agent, loop.time())) * 1000)
                    self.acd.queue_log.write(
                        self.acd.callids.get(call.cid, ""), call.queue,
                        self.acd.agents[agent].channel,
                        "RINGNOANSWER" if rang_out else "RINGCANCELED", ms,
                    )  # fmt: skip
                elif kind == "leave":
                    reason = args[0]
                    info = self.acd.exit_data(call.cid)
                    callid = self.acd.done(call.cid)
                    verb = "EXITWITHTIMEOUT" if reason == "timeout" else "EXITEMPTY"
                    self.acd.queue_log.write(callid, call.queue, "", verb, *info)
                    return reason
                elif kind == "answered":
                    agent, leg, waited = args
                    ringing.pop(agent, None)
                    return Answered(agent, leg, waited)
                elif kind == "failed":
                    ringing.pop(args[0], None)
        finally:
            for future in (event, digit):
                if future is not None:
                    future.cancel()
            for task in ringing.values():
                task.cancel()

    async def _ring(self, call: QueueCall, agent: str, caller: Channel | None, cfg,
                    caller_name: str, customer: str = "") -> None:  # fmt: skip
        """Ring one agent the ACD offered the call to, and tell the ACD how it went.
        Cancelled when the ACD withdraws the offer (the legs are then hung up)."""
        info = self.acd.agent(agent)
        log.info("queue %s: ringing agent %s", cfg.name, agent)
        shown = f"{cfg.display or cfg.name}: {caller_name or customer or ''}".strip(": ")
        number = caller.party if caller is not None else customer
        targets, auth, trunk, claim = self._agent_targets(info)
        try:
            if not targets:  # not registered, or no trunk free: try another agent
                self._report(call, agent, "rejected", busy=True)
                return
            result = await dial(
                self.switch, caller, targets,
                caller_id=(trunk.identity if trunk else self.caller_id)(number, shown),
                timeout=cfg.ring_timeout + 5 if cfg.ring_timeout else NO_LIMIT_RING,
                auth=auth, ringback=False,
                on_leg=(lambda leg: self.trunks.carry(trunk, leg, claim)) if trunk else None,
            )  # fmt: skip
        finally:
            if trunk is not None:
                self.trunks.release(trunk, claim)
        if result.winner is not None:
            try:
                waited = self.acd.answered(call.cid, agent)
            except acdcore.AcdError:  # the offer ended meanwhile (ring-all: another won)
                await result.winner.hangup()
                return
            call.events.put_nowait(("answered", agent, result.winner, waited))
        elif not result.caller_gone:
            if result.busy or result.declined:
                self._report(call, agent, "rejected", busy=result.busy)
            else:
                self._report(call, agent, "no_answer")
            call.events.put_nowait(("failed", agent))

    def _report(self, call: QueueCall, agent: str, what: str, busy: bool = False) -> None:
        with contextlib.suppress(acdcore.AcdError):  # the ACD moved on already
            if what == "rejected":
                self.acd.rejected(call.cid, agent, busy=busy)
            else:
                self.acd.no_answer(call.cid, agent)

    def _agent_targets(self, info):
        """Where to ring an agent: their extension's registered phones, or their
        outside number over a trunk. Returns (targets, auth, trunk, claim)."""
        if info.kind == "extension":
            targets = [Target(uri, {self.flow_header: token}, info.number)
                       for uri, token in self.contacts(info.number)]  # fmt: skip
            return targets, None, None, None
        return self._outside(info.number, info.trunk)

    def _outside(self, number: str, trunk_name: str):
        """An outside number over `trunk_name`, or the outbound routes (the box calls it
        on the admin's configuration, so any class the routes allow)."""
        names = [trunk_name] if trunk_name else []
        if not names:
            route, _ = routing.choose_route(routing.outbound(self.db), number, "international")
            if route is None:
                return [], None, None, None
            names, number = list(route.trunks), route.dialled(number)
        for name in names:
            trunk = self.trunks.get(name)
            if trunk is None or self.trunks.full(trunk):
                continue
            claim = self.trunks.claim(trunk)
            return [Target(trunk.uri(number), {}, number)], trunk.auth, trunk, claim
        return [], None, None, None

    async def _hold(self, channel: Channel, call: QueueCall, cfg, offered_callback) -> None:
        """Greeting, then music, interrupted every `announce_every` seconds by the
        caller's position and estimated wait (and the callback offer when due). Whatever
        plays stops when this is cancelled (an agent answered)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        playing: Playback | None = None

        async def say(files: list[str]) -> None:
            nonlocal playing
            playing = await channel.play(files)
            await asyncio.wait([playing.done, channel.ended],
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            playing = None

        try:
            with contextlib.suppress(MissingPrompt):
                await say(self.say(cfg, "queue_welcome"))
            while channel.alive:
                playing = await channel.play([self.music], loop=True)
                if not cfg.announce_every:
                    await asyncio.shield(channel.ended)
                    return
                await asyncio.sleep(cfg.announce_every)
                music, playing = playing, None
                await music.stop()
                files = self._announcement(call, cfg)
                if files:
                    await say(files)
                if cfg.callback_after and loop.time() - started >= cfg.callback_after:
                    offered_callback.set()  # a 1 pressed from here on counts
                    with contextlib.suppress(MissingPrompt):
                        await say(self.say(cfg, "queue_callback_offer"))
        finally:
            if playing is not None:
                with contextlib.suppress(ChannelGone, *self.switch.transient):
                    await playing.stop()

    def _announcement(self, call: QueueCall, cfg) -> list[str]:
        """ "You are number 3 in line. The estimated wait is about 2 minutes." """
        try:
            position = self.acd.position(call.cid)
            ewt = self.acd.ewt(call.cid)
        except acdcore.AcdError:  # answered or gone meanwhile
            return []
        parts: list[str | int] = ["queue_position", position, "queue_in_line"]
        if ewt != float("inf"):
            minutes = round(ewt / 60)
            if minutes < 1:
                parts.append("queue_wait_under_a_minute")
            else:
                parts += ["queue_wait_about", minutes, "minute" if minutes == 1 else "minutes"]
        try:
            return self.say(cfg, *parts)
        except MissingPrompt as exc:
            log.warning("queue announcement: %s", exc)
            return []

    async def _talk(self, channel: Channel, call: QueueCall, cfg, records, answered) -> None:
        agent, leg = answered.agent, answered.leg
        call.agent, call.leg = agent, leg
        info = self.acd.agent(agent)
        record = records.current
        callid = self.acd.done(call.cid)
        talk_from = self.acd.now()
        self._free_agent_when_gone(agent, leg)
        record.answered(agent)
        self.acd.queue_log.write(callid, call.queue, info.channel, "CONNECT",
                                 answered.waited, leg.call_id or leg.id, 0)  # fmt: skip
        await self._whisper(leg, cfg)
        try:
            await self.converse(channel, leg, records, cfg.record)
        finally:
            verb = "COMPLETECALLER" if record.hangup_by == "caller" else "COMPLETEAGENT"
            self.acd.queue_log.write(callid, call.queue, info.channel, verb, answered.waited,
                                     self.acd.now() - talk_from, call.first_position)  # fmt: skip

    def _free_agent_when_gone(self, agent: str, leg: Channel) -> None:
        """The agent is free (wrap-up) when their leg ends, even if the caller goes on
        after a transfer."""

        def ended(_future) -> None:
            with contextlib.suppress(acdcore.AcdError):
                self.acd.hangup(agent)

        leg.ended.add_done_callback(ended)

    async def _whisper(self, leg: Channel, cfg) -> None:
        if not cfg.whisper:
            return
        file = await self.whisper_file(cfg)
        if file is not None:
            with contextlib.suppress(ChannelGone, *self.switch.transient):
                await interact.say(leg, [str(file)])

    async def whisper_file(self, cfg) -> Path | None:
        """The queue's display name spoken (made once per name and language)."""
        text = cfg.display or cfg.name
        lang = cfg.language or self.prompts.default_lang
        digest = hashlib.sha256(f"{lang}|{text}".encode()).hexdigest()[:12]
        name = f"{cfg.name}-{digest}.wav"  # a new name or language: a new file
        file = self.whisper_dir / str(self.rate) / lang / name
        if not file.exists():
            try:
                await asyncio.to_thread(speak, text, lang, file, self.rate)
            except BuildError as exc:
                log.warning("whisper for queue %s: %s", cfg.name, exc)
                return None
        return file

    # -- overflow -------------------------------------------------------------------------

    async def overflow(self, channel: Channel, records, cfg) -> None:
        """Where a caller goes when the queue cannot keep them: the queue's overflow
        destination, or an apology and goodbye."""
        kind, _, value = cfg.overflow.partition(":")
        if kind == "queue" and self.config(value) is not None:
            self.next_record(records, channel, value)
            await self.enter(channel, records, value)
            return
        if kind == "extension":
            self.next_record(records, channel, value)
            await self.route_extension(channel, records, value)
            return
        record = records.current
        record.hangup_by = "system"
        with contextlib.suppress(ChannelGone, MissingPrompt, *self.switch.transient):
            if channel.state != "answered":
                await channel.answer()
            await interact.say(channel, self.say(cfg, "queue_busy"))
        await channel.hangup()

    # -- callbacks -----------------------------------------------------------------------

    async def _take_callback(self, channel: Channel, call: QueueCall, cfg, records) -> None:
        record = records.current
        record.disposition, record.hangup_by = "cancelled", "caller"
        record.cause = "callback requested"
        number, trunk = channel.party, cfg.callback_trunk or channel.trunk
        self.db["queue_callbacks"].insert(
            {"id": record.id, "queue": call.queue, "number": number, "trunk": trunk,
             "requested_at": utcnow(), "state": "waiting"}
        )  # fmt: skip
        with contextlib.suppress(ChannelGone, MissingPrompt, *self.switch.transient):
            await interact.say(channel, self.say(cfg, "queue_callback_ok"))
        await channel.hangup()
        task = asyncio.create_task(self._callback(call, cfg, number, trunk, record.id))
        self.callbacks.add(task)
        task.add_done_callback(self.callbacks.discard)

    async def _callback(self, call: QueueCall, cfg, number: str, trunk: str, cb_id: str):
        """The kept place comes up: ring the agent, say who to call, dial the customer;
        try again later (a new place in line) while the customer does not answer."""
        attempts = 0
        try:
            while True:
                answered = await self._wait_for_agent(call, cfg, number)
                if answered is None:
                    self._callback_state(cb_id, "failed", attempts)
                    return
                attempts += 1
                self._callback_state(cb_id, "calling", attempts)
                reached = await self._call_customer(call, cfg, answered, number, trunk, cb_id)
                if reached:
                    self._callback_state(cb_id, "done", attempts)
                    return
                if attempts >= CALLBACK_ATTEMPTS:
                    self._callback_state(cb_id, "failed", attempts)
                    return
                await asyncio.sleep(CALLBACK_RETRY_SECONDS)
                call = QueueCall(call.queue)
                call.cid = self.acd.enqueue(call.queue, call, callid=cb_id, caller=number)
                if call.cid < 0:
                    self._callback_state(cb_id, "failed", attempts)
                    return
        except asyncio.CancelledError:
            if call.cid in self.acd.waiters:
                with contextlib.suppress(acdcore.AcdError):
                    self.acd.abandon(call.cid, call.queue)
            raise

    async def _wait_for_agent(self, call: QueueCall, cfg, number: str) -> Answered | None:
        ringing: dict[str, asyncio.Task] = {}
        try:
            while True:
                kind, *args = await call.events.get()
                if kind == "offer":
                    ringing[args[0]] = _task(
                        self._ring(call, args[0], None, cfg, "", customer=number)
                    )
                elif kind == "cancel":
                    task = ringing.pop(args[0], None)
                    if task is not None:
                        task.cancel()
                elif kind == "answered":
                    ringing.pop(args[0], None)
                    return Answered(*args)
                elif kind == "leave":
                    self.acd.done(call.cid)
                    return None
        finally:
            for task in ringing.values():
                task.cancel()

    async def _call_customer(self, call, cfg, answered: Answered, number, trunk_name, cb_id):
        agent, leg = answered.agent, answered.leg
        self.acd.done(call.cid)
        self._free_agent_when_gone(agent, leg)
        record = cdrs.Cdr(agent, number, "outbound", linkedid=cb_id, queue=call.queue)
        records = Records(self.db, record)
        try:
            with contextlib.suppress(MissingPrompt):
                await interact.say(leg, self.say(cfg, "queue_callback_to", "#" + number))
            targets, auth, trunk, claim = self._outside(number, trunk_name)
            if not targets:
                record.cause = "no trunk for the callback"
                await leg.hangup()
                return False
            record.trunk = trunk.name
            try:
                result = await dial(
                    self.switch, leg, targets, caller_id=trunk.identity(trunk.caller_id or
                                                                        number, ""),
                    timeout=CUSTOMER_RING_SECONDS, auth=auth, early_media=True,
                    on_leg=lambda customer: self.trunks.carry(trunk, customer, claim),
                )  # fmt: skip
            finally:
                self.trunks.release(trunk, claim)
            if result.winner is None:
                record.disposition = "busy" if result.busy else "no answer"
                record.cause = "callback not answered"
                await leg.hangup()
                return False
            record.answered(number)
            await self.converse(leg, result.winner, records, cfg.record)
            return True
        except ChannelGone:
            record.hangup_by = record.hangup_by or "caller"
            return False
        finally:
            records.save()

    def _callback_state(self, cb_id: str, state: str, attempts: int) -> None:
        changes = {"state": state, "attempts": attempts}
        if state in ("done", "failed"):
            changes["finished_at"] = utcnow()
        self.db["queue_callbacks"].update(cb_id, changes)

    def close(self) -> None:
        for task in self.callbacks:
            task.cancel()


def _task(coro) -> asyncio.Task:
    """A task whose failure is logged (not lost with the task)."""
    task = asyncio.create_task(coro)
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("queue task failed", exc_info=task.exception())
