"""An IVR menu on a call: play the greeting, take a key (or an extension's number),
and say where the caller goes next. The dialplan follows the answer, so nested menus
are just one menu's key naming another."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tongdai.calls import interact
from tongdai.calls.switch import Channel
from tongdai.prompts.library import MissingPrompt, Prompts
from tongdai.store.ivr import Menu

log = logging.getLogger("tongdai.calls")

DIGIT_GAP = 3.0  # seconds between the digits of an extension dialled directly
MAX_EXTENSION = 6


async def run_menu(
    channel: Channel, menu: Menu, prompts: Prompts, is_extension: Callable[[str], bool]
) -> str:
    """Where the caller chose to go (a destination). After `menu.retries` more tries
    that timed out or pressed a key that leads nowhere, the menu's final destination."""
    if channel.state != "answered":
        await channel.answer()
    try:
        greeting = prompts.sentence(menu.greeting)
        after = {
            "timeout": prompts.sentence(menu.timeout_prompt),
            "invalid": prompts.sentence(menu.invalid_prompt),
        }
    except MissingPrompt as exc:
        log.error("IVR %s cannot play its prompts (%s): caller sent to %s", menu.name, exc,
                  menu.final)  # fmt: skip
        return menu.final
    prompt, failures = greeting, 0
    while True:
        key = await interact.collect(
            channel, prompt, max_digits=1, terminator="", first_timeout=menu.timeout
        )
        if key and key == menu.repeat_key:
            prompt = greeting
            continue
        if key in menu.options:
            return menu.options[key]
        if menu.direct_dial and key.isdigit() and key != "0":
            number = await interact.more_digits(
                channel, key, max_digits=MAX_EXTENSION, timeout=DIGIT_GAP
            )
            if is_extension(number):
                return f"extension:{number}"
        failures += 1
        if failures > menu.retries:
            return menu.final
        prompt = after["invalid" if key else "timeout"] + greeting
