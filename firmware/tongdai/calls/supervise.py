"""Supervisor tools that act on live calls: listen, whisper and barge; hang a call up;
move a waiting caller to another queue; pause, unpause or log out an agent.

To listen the box rings the supervisor's extension (every registered phone, as for a
call) and, once answered, has the media engine attach a snoop of that leg to the
agent's leg (the leg that answered the call): listen hears both parties, whisper is also
heard by the agent alone, barge by both. Asking for another mode on the same call from
the same extension switches the session's mode. The session ends when the supervisor
hangs up or the agent's leg ends. Every action goes to the audit log with who did it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from tongdai.acd.live import LiveAcd
from tongdai.calls import ongoing
from tongdai.calls.dial import Target, dial
from tongdai.calls.dialplan import FLOW_HEADER
from tongdai.calls.queue import QueueApp
from tongdai.calls.switch import Channel, ChannelGone, Switch
from tongdai.store import audit

log = logging.getLogger("tongdai.supervise")

MODES = ("listen", "whisper", "barge")  # as media.graph.SNOOP_MODES
AGENT_ACTIONS = ("pause", "unpause", "logout")
MAX_REASON = 40  # the store's limit on a pause reason


class NotFound(LookupError):
    """No such call, queue, waiting caller or agent."""


class Invalid(ValueError):
    """A bad argument; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Conflict(RuntimeError):
    """The action does not fit the state of things (a call not yet answered, say)."""


@dataclass
class Session:
    id: str  # also the engine's snoop id
    call_id: str
    extension: str  # the supervisor's
    mode: str
    actor: str  # who asked for it
    target: Channel  # the agent's leg
    spy: Channel | None = None  # the supervisor's leg, once answered
    task: asyncio.Task | None = None

    @property
    def state(self) -> str:
        return "ringing" if self.spy is None else "active"


class Supervisor:
    def __init__(
        self,
        switch: Switch,
        db: sqlite_utils.Database,
        acd: LiveAcd,
        queues: QueueApp,
        *,
        contacts: Callable[[str], list[tuple[str, str]]],
        caller_id: Callable[[str, str], str],
        ring_timeout: float,
    ) -> None:
        self.switch = switch
        self.db = db
        self.acd = acd
        self.queues = queues
        self.contacts = contacts  # extension -> [(contact URI, flow token)] (the edge)
        self.caller_id = caller_id
        self.ring_timeout = ring_timeout
        self.sessions: dict[str, Session] = {}
        self.watchers: list[Callable[[], None]] = []  # told when a session changes

    # -- listen, whisper, barge --------------------------------------------------------

    async def snoop(self, call_id: str, extension: str, mode: str, *, actor: str) -> Session:
        """Start listening to a call from `extension` in `mode`, or switch the mode of
        that extension's session on the call."""
        if mode not in MODES:
            raise Invalid("mode", f"one of {', '.join(MODES)}")
        if not self.db["extensions"].count_where("number = ?", [extension]):
            raise Invalid("extension", f"no extension {extension}")
        call = ongoing.find(self.switch, call_id)
        if call is None:
            raise NotFound(f"no call {call_id}")
        for session in self.sessions.values():
            if session.call_id == call_id and session.extension == extension:
                await self._set_mode(session, mode, actor)
                return session
        target = call.answered
        if target is None:
            raise Conflict(f"call {call_id} is not answered yet")
        if any(leg.extension == extension for leg in call.legs):
            raise Conflict(f"extension {extension} is on this call")
        targets = [Target(uri, {FLOW_HEADER: token}, extension)
                   for uri, token in self.contacts(extension)]  # fmt: skip
        if not targets:
            raise Conflict(f"extension {extension} has no registered phone")
        session = Session(self.switch.new_id("s"), call_id, extension, mode, actor, target)
        self.sessions[session.id] = session
        session.task = asyncio.create_task(self._run(session, call, targets))
        audit.record(self.db, actor, f"call.{mode}", f"{call_id} from extension {extension}")
        self._changed()
        return session

    async def _set_mode(self, session: Session, mode: str, actor: str) -> None:
        if mode == session.mode:
            return
        if session.spy is not None:
            try:
                await self.switch.request("snoop_mode", snoop=session.id, mode=mode)
            except self.switch.transient as exc:
                raise Conflict(f"the session could not change: {exc}") from None
        session.mode = mode
        audit.record(self.db, actor, f"call.{mode}",
                     f"{session.call_id} from extension {session.extension}")  # fmt: skip
        self._changed()

    async def _run(self, session: Session, call: ongoing.Call, targets: list[Target]) -> None:
        target = session.target
        shown = f"{session.mode} {call.legs[0].party or ''}".strip()
        spy = None
        try:
            ringing = asyncio.ensure_future(dial(
                self.switch, None, targets,
                caller_id=self.caller_id(target.party or session.extension, shown),
                timeout=self.ring_timeout,
                on_leg=lambda leg: setattr(leg, "linked", target),  # (part of that call)
            ))  # fmt: skip
            await asyncio.wait([ringing, target.ended], return_when=asyncio.FIRST_COMPLETED)
            if not ringing.done():  # the call ended first: stop ringing the supervisor
                ringing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ringing
                return
            spy = ringing.result().winner
            if spy is None:
                return
            spy.extension = spy.party = session.extension
            if not target.alive:
                return
            await self.switch.request("snoop", snoop=session.id, spy=spy.id,
                                      target=target.id, mode=session.mode)  # fmt: skip
            session.spy = spy
            self._changed()
            # The engine drops the snoop itself when either leg ends.
            await asyncio.wait([spy.ended, target.ended], return_when=asyncio.FIRST_COMPLETED)
        except (ChannelGone, *self.switch.transient) as exc:
            log.warning("supervisor session %s ended: %s", session.id, exc)
        finally:
            if spy is not None:
                await spy.hangup()  # (quiet when the supervisor hung up already)
            self.sessions.pop(session.id, None)
            self._changed()

    def _changed(self) -> None:
        for watcher in self.watchers:
            watcher()

    # -- hang up, move, agents --------------------------------------------------------

    async def hangup(self, call_id: str, *, actor: str) -> ongoing.Call:
        call = ongoing.find(self.switch, call_id)
        if call is None:
            raise NotFound(f"no call {call_id}")
        parties = " - ".join(leg.party or leg.id for leg in call.legs)
        audit.record(self.db, actor, "call.hangup", f"{call_id} ({parties})")
        why = f"hung up by supervisor {actor}"
        await asyncio.gather(*(leg.end(why) for leg in call.legs))
        return call

    def move(self, queue: str, caller: str, to: str, *, actor: str) -> int:
        """Move a waiting caller (their call's id) to queue `to`; their new position."""
        if self.queues.config(queue) is None:
            raise NotFound(f"no queue {queue}")
        if self.queues.config(to) is None:
            raise Invalid("queue", f"no queue {to}")
        if to == queue:
            raise Invalid("queue", f"the caller waits in {to} already")
        try:
            position = self.queues.move(caller, queue, to)
        except LookupError as exc:
            raise NotFound(str(exc)) from None
        except ValueError as exc:
            raise Conflict(str(exc)) from None
        audit.record(self.db, actor, "queue.move", f"caller {caller} from {queue} to {to}")
        return position

    def agent(self, number: str, action: str, reason: str = "", *, actor: str) -> tuple:
        """Pause (with a reason), unpause or log out an agent; their (state, reason)
        after it. The store's audit entry names `actor`."""
        if action not in AGENT_ACTIONS:
            raise Invalid("action", f"one of {', '.join(AGENT_ACTIONS)}")
        state = self.acd.state(number)
        if state is None:
            raise NotFound(f"no agent {number}")
        reason = reason.strip()
        if action == "pause" and not 1 <= len(reason) <= MAX_REASON:
            raise Invalid("reason", f"1 to {MAX_REASON} characters")
        if action != "logout" and state[0] == "logged-out":
            raise Conflict(f"agent {number} is logged out")
        self.acd.set_state(number, logged_in=action != "logout",
                           reason=reason if action == "pause" else "", by=actor)  # fmt: skip
        return self.acd.state(number)

    def close(self) -> None:
        for session in self.sessions.values():
            if session.task is not None:
                session.task.cancel()
