"""Dialling: ring one or more targets for a caller, then join whoever answers.

Ringing several contacts at once (an extension's desk phone and softphone) is done
here, one originated leg each: the edge is a stateless proxy and never forks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from tongdai.calls.switch import Channel, ChannelGone, Playback, Switch

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
    caller: Channel | None,
    targets: list[Target],
    *,
    caller_id: str | None,
    timeout: float,
    pickup: asyncio.Future[Channel] | None = None,
    auth: dict[str, str] | None = None,
    early_media: bool = False,
    on_leg: Callable[[Channel], None] | None = None,
    ringback: bool = True,
) -> DialResult:
    """Ring every target; return when one answers, all fail, the caller leaves or time
    runs out. Legs that did not win are cancelled. The caller gets 180 once any
    target rings (its phone then plays ringback itself); a caller already answered
    (a transferred party) hears the ringback tone from the box instead.

    `pickup`: another phone picking the call up sets it to its (incoming) channel,
    which then wins; it is cancelled when dialling ends otherwise. `auth`: credentials
    for a provider's challenge. `early_media`: a single target's early media (a
    provider's ringback or announcement) reaches the caller (183). `on_leg` is told
    of each leg originated (to count it against a trunk's limit). `ringback=False`: the
    caller is told nothing while targets ring (a queue's caller hears its music); with
    no caller at all (None) the box itself calls the targets."""
    changes: asyncio.Queue[Channel] = asyncio.Queue()
    result = DialResult()
    legs: dict[str, tuple[Channel, Target]] = {}
    tone: Playback | None = None  # ringback played to an answered caller
    early_bridge = ""
    if caller is not None:
        caller.on_change.append(changes.put_nowait)
    if pickup is not None:
        pickup.add_done_callback(lambda _: changes.put_nowait(caller))
    try:
        for target in targets:
            try:
                leg = await switch.originate(
                    target.uri, caller=caller_id, headers=target.headers, auth=auth
                )
            except switch.transient:
                continue
            leg.linked = caller  # (the wallboard counts the leg as part of the caller's call)
            if on_leg is not None:
                on_leg(leg)
            leg.on_change.append(changes.put_nowait)
            legs[leg.id] = (leg, target)
        if not legs:
            result.codes.append(500)
            return result
        rung = False
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if caller is not None and not caller.alive:
                result.caller_gone = True
                return result
            if pickup is not None and pickup.done() and not pickup.cancelled():
                result.winner = pickup.result()
                result.winner_name = result.winner.party
                return result
            for leg, target in legs.values():
                if leg.answered.is_set() and leg.alive:
                    leg.party = target.name
                    result.winner, result.winner_name = leg, target.name
                    return result
            early = any(leg.early.is_set() for leg, _ in legs.values())
            if ringback and caller is not None and not rung and early:
                rung = True
                with contextlib.suppress(ChannelGone, *switch.transient):
                    if caller.state == "answered":
                        tone = await caller.tone("ringback")
                    else:
                        await caller.ring()
            if caller is not None and early_media and not early_bridge and len(legs) == 1:
                [(leg, _)] = legs.values()
                if leg.media_up.is_set() and leg.alive:
                    with contextlib.suppress(ChannelGone, *switch.transient):
                        if tone is not None:
                            await tone.stop()
                        if caller.state != "answered":
                            await caller.progress()
                        early_bridge = switch.new_id("b")
                        await switch.bridge(caller, leg, bridge=early_bridge)
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
        if pickup is not None and not pickup.done():
            pickup.cancel()  # synchronous: a phone picking up from now on finds nothing
        elif pickup is not None and not pickup.cancelled() and pickup.result() is not result.winner:
            await pickup.result().reject(487)  # picked up as the caller left
        if caller is not None:
            _detach(caller, changes)
        if tone is not None:
            await tone.stop()
        if early_bridge:
            with contextlib.suppress(*switch.transient):
                await switch.request("bridge_destroy", bridge=early_bridge)
        for leg, _ in legs.values():
            _detach(leg, changes)
            if leg is not result.winner:
                await leg.hangup()


def _detach(channel: Channel, changes: asyncio.Queue) -> None:
    channel.on_change[:] = [cb for cb in channel.on_change if cb != changes.put_nowait]
