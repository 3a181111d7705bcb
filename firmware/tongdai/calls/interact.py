"""Talking to a caller: play prompts to the end, and collect the digits they press."""

from __future__ import annotations

import asyncio
import contextlib

from tongdai.calls.switch import Channel, ChannelGone


async def say(channel: Channel, files: list[str]) -> None:
    """Play files to the channel and wait until they end (or the caller hangs up)."""
    playback = await channel.play(files)
    await _until(channel, playback.done)


async def collect(
    channel: Channel,
    prompt: list[str],
    *,
    max_digits: int,
    terminator: str = "#",
    first_timeout: float = 8.0,
    next_timeout: float = 4.0,
) -> str:
    """Play `prompt` (a key press cuts it short) and return the digits pressed, up to
    `max_digits` or the terminator (not included; "" for none). Empty when nothing
    came in time."""
    while not channel.digits.empty():  # keys pressed before the question do not count
        channel.digits.get_nowait()
    playback = await channel.play(prompt, interrupt=True)
    digits = ""
    try:
        # the first digit may come while the prompt still plays
        first = asyncio.ensure_future(channel.digits.get())
        try:
            await _until(channel, playback.done, first)
            if not first.done():
                await _until_timeout(channel, first, first_timeout)
        finally:
            if not first.done():
                first.cancel()
        if not first.done() or first.cancelled():
            return ""
        digits = await more_digits(
            channel, first.result(), max_digits=max_digits, terminator=terminator,
            timeout=next_timeout,
        )  # fmt: skip
    finally:
        await playback.stop()
    return digits


async def more_digits(
    channel: Channel, digit: str, *, max_digits: int, terminator: str = "#", timeout: float = 4.0
) -> str:
    """Starting from the `digit` just pressed, the digits that follow, until `max_digits`,
    the terminator (not included) or `timeout` seconds without a key."""
    digits = ""
    while not (terminator and digit == terminator):
        digits += digit
        if len(digits) >= max_digits:
            break
        nxt = asyncio.ensure_future(channel.digits.get())
        try:
            await _until_timeout(channel, nxt, timeout)
        finally:
            if not nxt.done():
                nxt.cancel()
        if not nxt.done() or nxt.cancelled():
            break
        digit = nxt.result()
    return digits


async def pause(channel: Channel, seconds: float) -> None:
    """Wait, unless the caller hangs up first (ChannelGone)."""
    await asyncio.wait([channel.ended], timeout=seconds)
    if channel.ended.done():
        raise ChannelGone(channel.ended.result())


async def _until(channel: Channel, *waits: asyncio.Future) -> None:
    """Wait for the first of `waits`; ChannelGone if the caller hangs up first."""
    done, _ = await asyncio.wait([*waits, channel.ended], return_when=asyncio.FIRST_COMPLETED)
    if channel.ended in done and not any(w in done for w in waits):
        raise ChannelGone(channel.ended.result())


async def _until_timeout(channel: Channel, wait: asyncio.Future, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_until(channel, asyncio.shield(wait)), timeout)
