"""The main process's view of the media engine: channels, bridges and playbacks as
objects a call flow can await (the model of Asterisk's ARI).

`Switch` turns the engine's events into state on `Channel` objects and starts a call
flow (a coroutine from the dialplan) for each incoming channel. When the engine dies,
every channel it held ends with cause "media engine restarted", so flows unwind and
their CDRs say so; the next call goes to the restarted engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("tongdai.calls")

ENGINE_GONE = "media engine restarted"


class Requester(Protocol):
    async def request(self, name: str, timeout: float = 5.0, **args: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Hangup:
    code: int  # the SIP status that ended it (200 for a normal BYE after answer)
    reason: str
    # local | remote | engine; "engine" is the box's side, which records show as hung up
    # by the system: the engine died, or the box ended the leg on purpose (Channel.end)
    by: str


class ChannelGone(Exception):
    """The channel hung up while a flow was waiting on it."""

    def __init__(self, hangup: Hangup) -> None:
        super().__init__(f"{hangup.code} {hangup.reason} ({hangup.by})")
        self.hangup = hangup


class Channel:
    def __init__(self, switch: Switch, channel_id: str, direction: str, info: dict) -> None:
        self.switch = switch
        self.id = channel_id
        self.direction = direction  # in | out
        self.info = info
        self.call_id = info.get("call_id", "")  # the SIP Call-ID of its dialog
        # Who is on this leg, for records and caller ID: an extension number or an
        # outside number, and a name (set by whoever routes the call).
        self.party = ""
        self.party_name = ""
        self.extension: str | None = None  # set when the party is one of our extensions
        self.trunk = ""  # the trunk this leg runs over, if any
        self.state = "incoming" if direction == "in" else "calling"
        self.media = "down"
        self.last_code = 0
        loop = asyncio.get_running_loop()
        self.ended: asyncio.Future[Hangup] = loop.create_future()
        self.answered = asyncio.Event()
        self.early = asyncio.Event()  # the far end is ringing (18x)
        self.media_up = asyncio.Event()
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self.transfers: asyncio.Queue[str] = asyncio.Queue()  # Refer-To values (REFER)
        self.on_change: list[Callable[[Channel], None]] = []
        # For the wallboard and supervisor tools: when the leg began and was answered
        # (loop time), and the leg it was made for (a dialled leg's caller), which is
        # how a call's legs are told apart from another call's.
        self.created = loop.time()
        self.answered_at: float | None = None
        self.linked: Channel | None = None
        self._ended_why = ""  # set by end(): the hang-up is the box's, for this reason

    @property
    def alive(self) -> bool:
        return not self.ended.done()

    async def _do(self, name: str, **args: Any) -> dict[str, Any]:
        if not self.alive:
            raise ChannelGone(self.ended.result())
        return await self.switch.request(name, channel=self.id, **args)

    async def ring(self) -> None:
        await self._do("ring")

    async def progress(self) -> None:
        await self._do("progress")

    async def answer(self) -> None:
        await self._do("answer")

    async def reject(self, code: int, reason: str | None = None) -> None:
        """Refuse an unanswered incoming leg (an answered one is hung up)."""
        if self.alive and self.state == "answered":
            await self.hangup()
        elif self.alive:
            await self._do("reject", code=code, **({"reason": reason} if reason else {}))

    async def hangup(self, code: int = 0) -> None:
        """End the channel (BYE, CANCEL or a final response); quiet if already gone."""
        if self.alive:
            with contextlib.suppress(ChannelGone, *self.switch.transient):
                await self._do("hangup", code=code)

    async def end(self, why: str) -> None:
        """Hang up on purpose (a supervisor's hang-up): flows and CDRs see a hang-up by
        the box ("engine", recorded as the system's) for `why`, not one by a party."""
        self._ended_why = self._ended_why or why
        await self.hangup()

    async def send_dtmf(self, digits: str) -> None:
        await self._do("dtmf", digits=digits)

    async def play(self, files: list[str], *, loop: bool = False, interrupt: bool = False):
        return await self.switch.play(self.id, files, loop=loop, interrupt=interrupt)

    async def tone(self, tone: str | list, *, loop: bool = True):
        return await self.switch.tone(self.id, tone, loop=loop)

    async def wait_answered(self, timeout: float | None = None) -> None:
        await self._wait(self.answered, timeout)

    async def _wait(self, event: asyncio.Event, timeout: float | None) -> None:
        waiter = asyncio.ensure_future(event.wait())
        try:
            done, _ = await asyncio.wait(
                [waiter, self.ended], timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
        if waiter in done:
            return
        if self.ended in done:
            raise ChannelGone(self.ended.result())
        raise TimeoutError

    # -- fed by the Switch -------------------------------------------------------------

    def _event(self, event: dict) -> None:
        kind = event["event"]
        if kind == "channel_state":
            self.state, self.last_code = event["state"], event.get("code", 0)
            self.call_id = event.get("call_id") or self.call_id
            if self.state == "early":
                self.early.set()
            elif self.state == "answered":
                if self.answered_at is None:
                    self.answered_at = asyncio.get_running_loop().time()
                self.answered.set()
        elif kind == "channel_media":
            self.media = event["media"]
            if self.media == "up":
                self.media_up.set()
        elif kind == "dtmf":
            self.digits.put_nowait(event["digit"])
        elif kind == "transfer":
            self.transfers.put_nowait(event.get("to", ""))
        elif kind == "channel_hungup":
            code, reason, by = event.get("code", 0), event.get("reason", ""), event.get("by", "")
            if self._ended_why:
                reason, by = self._ended_why, "engine"
            self._end(Hangup(code, reason, by))
        for callback in list(self.on_change):
            callback(self)

    def _end(self, hangup: Hangup) -> None:
        if not self.ended.done():
            self.state = "hungup"
            self.ended.set_result(hangup)


class Playback:
    def __init__(self, switch: Switch, playback_id: str) -> None:
        self.switch = switch
        self.id = playback_id
        self.done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        if not self.done.done():
            with contextlib.suppress(*self.switch.transient):
                await self.switch.request("stop", playback=self.id)


class Switch:
    """Channels and media objects of the engine, and the start of every incoming call."""

    def __init__(
        self,
        requester: Requester,
        *,
        transient: tuple[type[Exception], ...] = (),
        gone: tuple[type[Exception], ...] = (),
        on_incoming: Callable[[Channel], Awaitable[None]] | None = None,
    ) -> None:
        self.requester = requester
        # Errors that mean "the engine refused or is gone": a flow unwinds on them.
        self.transient = transient
        self.gone = gone  # of those, the ones that mean the engine itself went away
        self.on_incoming = on_incoming
        self.channels: dict[str, Channel] = {}
        self.playbacks: dict[str, Playback] = {}
        self.flows: set[asyncio.Task] = set()
        # The conversation each talking channel is in (calls.talk registers itself),
        # so an attended transfer can take a party out of another call.
        self.talks: dict[str, Any] = {}
        # Told of every channel when it is made, on each change and when it ends
        # (presence: what BLF keys show).
        self.watchers: list[Callable[[Channel], None]] = []
        self._ids = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    async def request(self, name: str, **args: Any) -> dict[str, Any]:
        return await self.requester.request(name, **args)

    # -- creating things ---------------------------------------------------------------

    async def originate(
        self,
        to: str,
        *,
        caller: str | None = None,
        headers: dict[str, str] | None = None,
        auth: dict[str, str] | None = None,
        info: dict | None = None,
    ) -> Channel:
        channel = Channel(self, self.new_id("o"), "out", info or {"to": to})
        if caller:
            channel.info["caller"] = caller  # (whom the rung phone shows)
        self.channels[channel.id] = channel
        args: dict[str, Any] = {"channel": channel.id, "to": to}
        if caller:
            args["caller"] = caller
        if headers:
            args["headers"] = headers
        if auth:
            args["auth"] = auth
        try:
            await self.request("originate", **args)
        except BaseException:
            self.channels.pop(channel.id, None)
            raise
        self._tell(channel)
        return channel

    def _tell(self, channel: Channel) -> None:
        for watcher in self.watchers:
            try:
                watcher(channel)
            except Exception:  # a lamp gone wrong must not break the call
                log.exception("channel watcher failed on %s", channel.id)

    def by_call_id(self, call_id: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.call_id == call_id:
                return channel
        return None

    async def bridge(self, *channels: Channel, bridge: str | None = None) -> str:
        """A new bridge holding the channels. Pass `bridge` (from new_id) to know its
        name even when adding a channel fails, so it can be destroyed."""
        bridge = bridge or self.new_id("b")
        await self.request("bridge_create", bridge=bridge)
        for channel in channels:
            await self.request("bridge_add", bridge=bridge, channel=channel.id)
        return bridge

    async def play(self, target: str, files: list[str], *, loop: bool, interrupt: bool):
        return await self._playback(
            "p", "play", target=target, files=files, loop=loop, interrupt=interrupt
        )

    async def tone(self, target: str, tone: str | list, *, loop: bool):
        return await self._playback("t", "tone", target=target, tone=tone, loop=loop)

    async def _playback(self, prefix: str, command: str, **args: Any) -> Playback:
        playback = Playback(self, self.new_id(prefix))
        self.playbacks[playback.id] = playback
        try:
            await self.request(command, playback=playback.id, **args)
        except BaseException:
            self.playbacks.pop(playback.id, None)
            raise
        return playback

    # -- engine events -----------------------------------------------------------------

    def on_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "channel_new":
            self._incoming(event)
        elif kind in ("channel_state", "channel_media", "channel_hungup", "dtmf", "transfer"):
            channel = self.channels.get(event.get("channel"))
            if channel is not None:
                channel._event(event)
                if kind == "channel_hungup":
                    del self.channels[channel.id]
                if kind in ("channel_state", "channel_hungup"):
                    self._tell(channel)
        elif kind == "playback_end":
            playback = self.playbacks.pop(event.get("playback"), None)
            if playback is not None and not playback.done.done():
                playback.done.set_result(event.get("reason", ""))

    def _incoming(self, event: dict) -> None:
        channel = Channel(self, event["channel"], "in", event)
        self.channels[channel.id] = channel
        self._tell(channel)
        if self.on_incoming is None:
            return
        task = asyncio.create_task(self._run_flow(channel), name=f"call {channel.id}")
        self.flows.add(task)
        task.add_done_callback(self.flows.discard)

    async def _run_flow(self, channel: Channel) -> None:
        try:
            await self.on_incoming(channel)
        except ChannelGone:
            pass
        except Exception:
            log.exception("call flow for %s failed", channel.id)
            await channel.hangup(500)

    def engine_lost(self) -> None:
        """The engine died: everything it held is gone."""
        gone = Hangup(0, ENGINE_GONE, "engine")
        for channel in list(self.channels.values()):
            channel._end(gone)
            for callback in list(channel.on_change):
                callback(channel)
            self._tell(channel)
        self.channels.clear()
        for playback in self.playbacks.values():
            if not playback.done.done():
                playback.done.set_result("engine_gone")
        self.playbacks.clear()

    async def close(self) -> None:
        for task in list(self.flows):
            task.cancel()
        await asyncio.gather(*self.flows, return_exceptions=True)
