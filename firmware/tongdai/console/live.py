"""The live wallboard's state: queues, agents and calls in progress, as plain
JSON-ready dicts, and a feed of them that follows every change.

Everything is read from what the service holds already: the live ACD (queues, agents,
today's numbers), the switch (legs and conversations, grouped into calls by
calls.ongoing), presence (each extension's legs) and the queue app (who waits where).
Durations are whole seconds; `at` is the snapshot's wall-clock time (epoch seconds).

The feed is event-driven: the switch's watchers, the ACD's listeners and the supervisor
tools' watchers mark the board changed, and one publisher task builds a snapshot at
most DEBOUNCE seconds later for all subscribers; a TICK-second beat moves durations on
between changes. A subscriber that falls behind only ever gets the latest snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from tongdai.acd.live import LiveAcd
from tongdai.calls import ongoing
from tongdai.calls.presence import Presence
from tongdai.calls.queue import QueueApp
from tongdai.calls.supervise import Supervisor
from tongdai.calls.switch import Channel, Switch

DEBOUNCE = 0.1  # seconds from a change to the snapshot that shows it
TICK = 1.0  # seconds between snapshots while nothing changes (durations move on)
MAX_SUBSCRIBERS = 32  # wallboards and consoles watching at once


class TooManySubscribers(RuntimeError):
    pass


def _secs(value: float) -> int:
    return max(0, round(value))


def _who(leg: Channel) -> tuple[str, str]:
    """A leg's party: number and name."""
    info = leg.info
    if leg.party:
        return leg.party, leg.party_name
    if leg.direction == "in":
        return info.get("from_user", ""), info.get("from_name", "")
    to = info.get("to", "")
    return (leg.extension or to.removeprefix("sip:").split("@")[0].split(";")[0]), ""


def _partner(call: ongoing.Call, leg: Channel) -> Channel:
    """Whom `leg` is on the phone with: its partner in the conversation, else the
    caller (or, for the caller's own leg, the leg rung for it)."""
    talk = call.talk
    if talk is not None and leg in (talk.a, talk.b):
        return talk.other(leg)
    return next(other for other in call.legs if other is not leg)


class Wallboard:
    def __init__(
        self,
        acd: LiveAcd,
        switch: Switch,
        presence: Presence,
        queues: QueueApp,
        supervisor: Supervisor,
        *,
        max_subscribers: int = MAX_SUBSCRIBERS,
    ) -> None:
        self.acd = acd
        self.switch = switch
        self.presence = presence
        self.queues = queues
        self.supervisor = supervisor
        self.max_subscribers = max_subscribers
        self._subscribers: set[asyncio.Queue] = set()
        self._dirty = asyncio.Event()
        self._publisher: asyncio.Task | None = None
        switch.watchers.append(lambda _channel: self.changed())
        acd.listeners.append(self.changed)
        supervisor.watchers.append(self.changed)

    # -- the snapshot ----------------------------------------------------------------------

    def snapshot(self) -> dict:
        now = self.acd.now()
        calls = ongoing.calls(self.switch)
        queue_of = self._queue_of()
        return {
            "at": round(time.time(), 3),
            "queues": self._queues(now),
            "agents": self._agents(now, calls, queue_of),
            "calls": [self._call(call, now, queue_of) for call in calls],
        }

    def calls(self) -> list[dict]:
        """The calls in progress now (the snapshot's `calls`)."""
        now, queue_of = self.acd.now(), self._queue_of()
        return [self._call(call, now, queue_of) for call in ongoing.calls(self.switch)]

    def _queue_of(self) -> dict[str, str]:
        """Channel id -> queue, for queue callers and the agents talking to them."""
        out = {}
        for channel_id, call in self.queues.calls.items():
            out[channel_id] = call.queue
            if call.leg is not None:
                out[call.leg.id] = call.queue
        return out

    def _queues(self, now: float) -> list[dict]:
        acd = self.acd
        waiting: dict[str, list[dict]] = {}
        for cid, waiter in acd.waiters.items():
            info = acd.info(cid)
            channel = getattr(waiter, "channel", None)
            number, name = _who(channel) if channel is not None else ("", "")
            waiting.setdefault(waiter.queue, []).append({
                "id": channel.id if channel is not None else None,
                "number": number, "name": name, "position": info["position"],
                "waited": _secs(now - info["entered"]), "state": info["state"],
                "callback": info["callback"],
            })  # fmt: skip
        out = []
        for name, today, _ in acd.numbers():
            cfg = acd.config[name]
            members = [
                self._member(agent, now) for queue, agent in sorted(acd.members)
                if queue == name and agent in acd.agents
            ]  # fmt: skip
            callers = sorted(waiting.get(name, []), key=lambda c: c["position"])
            sl = today["service_level"]
            out.append({
                "name": name, "display": cfg.display or name, "number": cfg.number,
                "waiting": today["waiting"], "longest_wait": _secs(today["longest_wait"]),
                "callers": callers,
                "agents": {state: n for state, n in today["agents"].items() if n},
                "members": members,
                "today": {
                    "offered": today["offered"], "answered": today["answered"],
                    "abandoned": today["abandoned"], "timed_out": today["timed_out"],
                    "service_level": None if sl is None else round(sl, 4),
                    "sl_seconds": cfg.sl_seconds,
                    "asa": None if today["asa"] is None else round(today["asa"], 1),
                    "abandon_rate": None if today["abandon_rate"] is None
                    else round(today["abandon_rate"], 4),
                },
            })  # fmt: skip
        return out

    def _member(self, number: str, now: float) -> dict:
        state, since, reason, _ = self.acd.core.agent_state(self.acd.agents[number].id)
        return {"agent": number, "state": state, "reason": reason,
                "in_state": _secs(now - since)}  # fmt: skip

    def _agents(self, now: float, calls: list, queue_of: dict[str, str]) -> list[dict]:
        call_of = {leg.id: call for call in calls for leg in call.legs}
        out = []
        for number, info in self.acd.agents.items():
            member = self._member(number, now)
            legs = self.presence.legs(number) + [  # (an outside agent has no extension)
                c.leg for c in self.queues.calls.values() if c.agent == number and c.leg
            ]
            legs = [leg for leg in legs if leg.id in call_of]
            current = None
            if legs:
                leg = legs[-1]
                call = call_of[leg.id]
                number_, name = _who(_partner(call, leg)) if len(call.legs) > 1 else ("", "")
                current = {
                    "id": call.id, "number": number_, "name": name,
                    "queue": queue_of.get(leg.id) or queue_of.get(call.id),
                    "state": "talking" if leg.answered_at is not None else "ringing",
                    "duration": _secs(now - (leg.answered_at or leg.created)),
                }  # fmt: skip
            out.append({
                "number": number, "name": info.name, "kind": info.kind,
                "state": member["state"], "reason": member["reason"],
                "in_state": member["in_state"],
                "queues": sorted(q for q, a in self.acd.members if a == number),
                "call": current,
            })  # fmt: skip
        return out

    def _call(self, call: ongoing.Call, now: float, queue_of: dict[str, str]) -> dict:
        spies = {s.spy.id: s for s in self.supervisor.sessions.values() if s.spy is not None}
        parties = []
        for leg in call.legs:
            number, name = _who(leg)
            role = "caller" if leg is call.legs[0] else "callee"
            if leg.id in spies:
                role = "supervisor"
            elif call.talk is not None and leg is call.talk.b:
                role = "answered"
            parties.append({"channel": leg.id, "number": number, "name": name,
                            "state": leg.state, "role": role})  # fmt: skip
        queue = next((queue_of[leg.id] for leg in call.legs if leg.id in queue_of), None)
        waiting = any(c.channel is call.legs[0] and c.cid in self.acd.waiters
                      for c in self.queues.calls.values())  # fmt: skip
        if call.talk is not None:
            state = "talking"
        elif waiting:
            state = "queued"
        elif any(leg.state in ("incoming", "calling", "early") for leg in call.legs):
            state = "ringing"
        else:
            state = "active"  # a menu, voicemail, a parked call, an announcement
        return {
            "id": call.id, "state": state, "queue": queue,
            "duration": _secs(now - call.started), "parties": parties,
            "supervisors": [
                {"extension": s.extension, "mode": s.mode, "state": s.state}
                for s in self.supervisor.sessions.values() if s.call_id == call.id
            ],
        }  # fmt: skip

    # -- the change feed -----------------------------------------------------------------

    def changed(self) -> None:
        self._dirty.set()

    async def feed(self) -> AsyncIterator[dict]:
        """A snapshot now, then one within DEBOUNCE of each change and every TICK.
        TooManySubscribers when MAX_SUBSCRIBERS watch already."""
        if len(self._subscribers) >= self.max_subscribers:
            raise TooManySubscribers(f"at most {self.max_subscribers} live views at once")
        inbox: asyncio.Queue[dict] = asyncio.Queue(maxsize=1)
        self._subscribers.add(inbox)
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish(), name="wallboard")
        try:
            yield self.snapshot()
            while True:
                yield await inbox.get()
        finally:
            self._subscribers.discard(inbox)

    async def _publish(self) -> None:
        """Build snapshots while anyone watches; one snapshot serves them all."""
        loop = asyncio.get_running_loop()
        while self._subscribers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), TICK)
                await asyncio.sleep(DEBOUNCE)  # changes come in bursts: show the last
            self._dirty.clear()
            started = loop.time()
            snapshot = self.snapshot()
            for inbox in list(self._subscribers):
                if inbox.full():  # a slow reader: only the latest counts
                    inbox.get_nowait()
                inbox.put_nowait(snapshot)
            # A huge board must not eat the loop: never more than about a third of it.
            await asyncio.sleep(min(TICK, 2 * (loop.time() - started)))
