"""Two parties talking through a bridge, and what can happen while they do.

A `Talk` runs until the call stops being this call: a party hangs up (the other is
hung up), a party transfers (REFER: the flow that owns the call decides where the
other party goes), or another call's attended transfer takes a party away. Meanwhile
it passes digits across, toggles an on-demand recording, and plays music on hold to
whoever is left alone while the other side holds (a held party is taken out of the
bridge, so nothing it sends reaches the other side).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import urllib.parse
from dataclasses import dataclass

from tongdai.calls.recording import Recorder
from tongdai.calls.switch import Channel, ChannelGone, Hangup, Playback, Switch
from tongdai.sip.errors import SipError
from tongdai.sip.fields import parse_name_addr
from tongdai.sip.uri import SipUri

HANGUP_GRACE_SECONDS = 2.0  # how long a failed bridge waits for the hang-up's event

log = logging.getLogger("tongdai.calls")


@dataclass(frozen=True)
class Replaces:
    """The dialog an attended transfer replaces (RFC 3891): the transferor's call
    with the target, named as the transferor's phone sees it."""

    call_id: str
    to_tag: str
    from_tag: str


@dataclass(frozen=True)
class Transfer:
    """A party asked (REFER) to hand the other party to someone else."""

    by: Channel  # the transferor; its phone hangs up on its own
    keep: Channel  # the transferee, still in the call
    target: str  # the number asked for (Refer-To's user part)
    replaces: Replaces | None = None  # attended transfer


@dataclass(frozen=True)
class HandedOver:
    """Another call's attended transfer took the party talking to `replaced` out of
    this call."""

    replaced: Channel


Outcome = Hangup | Transfer | HandedOver


def parse_refer_to(value: str) -> tuple[str, Replaces | None]:
    """The target number and the Replaces of a Refer-To value; SipError if unusable."""
    uri = parse_name_addr(value).uri
    if not isinstance(uri, SipUri) or not uri.user:
        raise SipError("Refer-To is not a sip: URI with a user part")
    target = urllib.parse.unquote(uri.user)
    for header in uri.headers.split("&") if uri.headers else ():
        name, _, text = header.partition("=")
        if name.lower() != "replaces":
            continue
        call_id, *params = urllib.parse.unquote(text).split(";")
        tags = dict(p.strip().partition("=")[::2] for p in params)
        if not call_id.strip() or "to-tag" not in tags or "from-tag" not in tags:
            raise SipError("Replaces needs a Call-ID, to-tag and from-tag")
        return target, Replaces(call_id.strip(), tags["to-tag"], tags["from-tag"])
    return target, None


class Talk:
    """`a` and `b` in one bridge until the call ends, transfers or is taken over."""

    def __init__(
        self,
        switch: Switch,
        a: Channel,
        b: Channel,
        *,
        recorder: Recorder | None = None,
        record: str = "never",  # never | always | on-demand
        toggle_code: str = "*1",
        music: str | None = None,  # file played to a party left alone on hold
    ) -> None:
        self.switch = switch
        self.a, self.b = a, b
        self.recorder = recorder
        self.record = record
        self.toggle_code = toggle_code
        self.music = music
        self.bridge = ""
        self.handover: HandedOver | None = None
        self._wake = asyncio.Event()
        self._held: dict[str, Playback | None] = {}  # held channel -> music to the other

    def other(self, channel: Channel) -> Channel:
        return self.b if channel is self.a else self.a

    def release(self, channel: Channel) -> Channel:
        """Give `channel`'s partner to another call (that call's attended transfer
        replaces `channel`); this talk then ends without hanging the partner up."""
        partner = self.other(channel)
        self.handover = HandedOver(channel)
        self._unregister()
        self._wake.set()
        return partner

    async def run(self) -> Outcome:
        """Returns how the call stopped; a Hangup's `by` is "a", "b" or "system"."""
        switch = self.switch
        relays: list[asyncio.Task] = []
        for channel in (self.a, self.b):
            switch.talks[channel.id] = self
            channel.on_change.append(self._changed)
            while not channel.transfers.empty():  # a REFER from before this call: stale
                channel.transfers.get_nowait()
        try:
            self.bridge = switch.new_id("b")
            try:
                await switch.bridge(self.a, self.b, bridge=self.bridge)
            except switch.transient:
                # A party hanging up as the call is answered makes bridging fail: that
                # is their hang-up, not a media fault (its event may come a moment later).
                gone = await self._hung_up_meanwhile()
                if gone is None:
                    raise
                return gone
            if self.recorder is not None and self.record == "always":
                try:
                    await self.recorder.start(self.bridge)
                except switch.transient as exc:  # the call goes on unrecorded
                    log.error("recording %s could not start: %s", self.recorder.file, exc)
            relays = [
                asyncio.create_task(self._relay_digits(src, self.other(src)))
                for src in (self.a, self.b)
            ]
            while True:
                outcome = self._outcome()
                if outcome is not None:
                    if isinstance(outcome, Hangup):
                        first = self.a if outcome.by == "a" else self.b
                        await self.other(first).hangup()
                    return outcome
                # Cleared before acting, so an event arriving meanwhile wakes us again.
                self._wake.clear()
                await self._follow_hold()
                if not self._wake.is_set():
                    await self._wake.wait()
        finally:
            for relay in relays:
                relay.cancel()
            for channel in (self.a, self.b):
                channel.on_change[:] = [cb for cb in channel.on_change if cb != self._changed]
            self._unregister()
            for playback in self._held.values():
                if playback is not None:
                    await playback.stop()
            if self.recorder is not None:
                await self.recorder.stop()
            if self.bridge:
                with contextlib.suppress(*switch.transient):
                    await switch.request("bridge_destroy", bridge=self.bridge)

    # -- what ends the talk -------------------------------------------------------------

    def _outcome(self) -> Outcome | None:
        if self.handover is not None:
            return self.handover
        # A REFER comes before the transferor's BYE: look at transfers first.
        for channel in (self.a, self.b):
            while not channel.transfers.empty():
                refer_to = channel.transfers.get_nowait()
                try:
                    target, replaces = parse_refer_to(refer_to)
                except SipError as exc:
                    log.warning("transfer from %s ignored: %s", channel.id, exc)
                    continue
                if self.other(channel).alive:
                    return Transfer(channel, self.other(channel), target, replaces)
        for channel in (self.a, self.b):
            if not channel.alive:
                hangup = channel.ended.result()
                by = "system" if hangup.by == "engine" else ("a" if channel is self.a else "b")
                return Hangup(hangup.code, hangup.reason, by)
        return None

    async def _hung_up_meanwhile(self) -> Hangup | None:
        await asyncio.wait(
            [self.a.ended, self.b.ended],
            timeout=HANGUP_GRACE_SECONDS,
            return_when=asyncio.FIRST_COMPLETED,
        )
        outcome = self._outcome()
        return outcome if isinstance(outcome, Hangup) else None

    def _changed(self, _channel: Channel) -> None:
        self._wake.set()

    def _unregister(self) -> None:
        for channel in (self.a, self.b):
            if self.switch.talks.get(channel.id) is self:
                del self.switch.talks[channel.id]

    # -- hold ---------------------------------------------------------------------------

    async def _follow_hold(self) -> None:
        """Bring the bridge in line with who is holding: a held party leaves the bridge
        and the other hears music; on resume it comes back."""
        with contextlib.suppress(ChannelGone, *self.switch.transient):
            for channel in (self.a, self.b):
                held = channel.alive and channel.media == "hold"
                if held and channel.id not in self._held:
                    self._held[channel.id] = None
                    await self.switch.request(
                        "bridge_remove", bridge=self.bridge, channel=channel.id
                    )
                    if self.music:
                        self._held[channel.id] = await self.other(channel).play(
                            [self.music], loop=True
                        )
                elif not held and channel.id in self._held:
                    playback = self._held.pop(channel.id)
                    if playback is not None:
                        await playback.stop()
                    if channel.alive:
                        await self.switch.request(
                            "bridge_add", bridge=self.bridge, channel=channel.id
                        )

    # -- digits -------------------------------------------------------------------------

    async def _relay_digits(self, src: Channel, dst: Channel) -> None:
        """Pass src's digits to dst (a caller can work a remote menu); the toggle code
        starts and stops an on-demand recording."""
        code = self.toggle_code
        toggle = self.recorder if self.record == "on-demand" else None
        typed = ""
        while True:
            digit = await src.digits.get()
            with contextlib.suppress(ChannelGone, *self.switch.transient):
                await dst.send_dtmf(digit)
            typed = (typed + digit)[-len(code) :]
            if toggle is not None and typed == code:
                typed = ""
                with contextlib.suppress(*self.switch.transient):
                    await (toggle.stop() if toggle.active else toggle.start(self.bridge))
