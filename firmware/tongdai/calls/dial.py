"""Dialling: ring one or more targets for a caller, then join whoever answers.

Ringing several contacts at once (an extension's desk phone and softphone) is done
here, one originated leg each: the edge is a stateless proxy and never forks.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from tongdai.calls.recording import Recorder
from tongdai.calls.switch import Channel, ChannelGone, Hangup, Switch

BUSY_CODES = (486, 600)
DECLINED_CODES = (603,)


@dataclass(frozen=True)
class Target:
    uri: str
    headers: dict[str, str] = field(default_factory=dict)
    name: str = ""  # who this is, for the CDR (an extension number)


@dataclass
class DialResult:
    winner: Channel | None = None
    winner_name: str = ""
    codes: list[int] = field(default_factory=list)  # final codes of the legs that failed
    timed_out: bool = False
    caller_gone: bool = False

    @property
    def busy(self) -> bool:
        return any(c in BUSY_CODES for c in self.codes)

    @property
    def declined(self) -> bool:
        return any(c in DECLINED_CODES for c in self.codes)


async def dial(
    switch: Switch,
    caller: Channel,
    targets: list[Target],
    *,
    caller_id: str | None,
    timeout: float,
) -> DialResult:
    """Ring every target; return when one answers, all fail, the caller leaves or time
    runs out. Legs that did not win are cancelled. The caller gets 180 once any
    target rings (its phone then plays ringback itself)."""
    changes: asyncio.Queue[Channel] = asyncio.Queue()
    result = DialResult()
    legs: dict[str, tuple[Channel, Target]] = {}
    caller.on_change.append(changes.put_nowait)
    try:
        for target in targets:
            try:
                leg = await switch.originate(target.uri, caller=caller_id, headers=target.headers)
            except switch.transient:
                continue
            leg.on_change.append(changes.put_nowait)
            legs[leg.id] = (leg, target)
        if not legs:
            result.codes.append(500)
            return result
        rung = False
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if not caller.alive:
                result.caller_gone = True
                return result
            for leg, target in legs.values():
                if leg.answered.is_set() and leg.alive:
                    result.winner, result.winner_name = leg, target.name
                    return result
            if not rung and any(leg.early.is_set() for leg, _ in legs.values()):
                rung = True
                with contextlib.suppress(ChannelGone, *switch.transient):
                    await caller.ring()
            if all(not leg.alive for leg, _ in legs.values()):
                result.codes = [leg.ended.result().code for leg, _ in legs.values()]
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                result.timed_out = True
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changes.get(), remaining)
    finally:
        _detach(caller, changes)
        for leg, _ in legs.values():
            _detach(leg, changes)
            if leg is not result.winner:
                await leg.hangup()


def _detach(channel: Channel, changes: asyncio.Queue) -> None:
    channel.on_change[:] = [cb for cb in channel.on_change if cb != changes.put_nowait]


async def connect(
    switch: Switch,
    caller: Channel,
    callee: Channel,
    *,
    recorder: Recorder | None = None,
    record: str = "never",
    toggle_code: str = "*1",
) -> Hangup:
    """Answer the caller, bridge both, and wait until one side hangs up; end the other.

    Digits either side presses are passed on to the other (a caller can work a
    remote menu); `toggle_code` starts and stops an on-demand recording.
    Returns how the call ended, with `by` "caller", "callee" or "system"."""
    await caller.answer()
    bridge = await switch.bridge(caller, callee)
    if recorder is not None and record == "always":
        await recorder.start(bridge)
    toggle = recorder if record == "on-demand" else None
    relays = [
        asyncio.create_task(_relay_digits(switch, a, b, toggle, bridge, toggle_code))
        for a, b in ((caller, callee), (callee, caller))
    ]
    try:
        done, _ = await asyncio.wait(
            [caller.ended, callee.ended], return_when=asyncio.FIRST_COMPLETED
        )
        first = caller if caller.ended in done else callee
        other = callee if first is caller else caller
        hangup = first.ended.result()
        await other.hangup()
        by = "system" if hangup.by == "engine" else ("caller" if first is caller else "callee")
        return Hangup(hangup.code, hangup.reason, by)
    finally:
        for relay in relays:
            relay.cancel()
        if recorder is not None:
            await recorder.stop()
        with contextlib.suppress(*switch.transient):
            await switch.request("bridge_destroy", bridge=bridge)


async def _relay_digits(
    switch: Switch,
    src: Channel,
    dst: Channel,
    recorder: Recorder | None,
    bridge: str,
    code: str,
) -> None:
    typed = ""
    while True:
        digit = await src.digits.get()
        with contextlib.suppress(ChannelGone, *switch.transient):
            await dst.send_dtmf(digit)
        typed = (typed + digit)[-len(code) :]
        if recorder is not None and typed == code:
            typed = ""
            with contextlib.suppress(*switch.transient):
                await (recorder.stop() if recorder.active else recorder.start(bridge))
