"""Feature codes that are calls to the box itself: an agent logging in or pausing, the
day/night switch of a time condition, and recording a prompt from a phone. Each
answers, does its work, says what it did, and the call ends (no CDR)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path

import sqlite_utils

from tongdai.acd.live import LiveAcd
from tongdai.calls import interact
from tongdai.calls.switch import Channel, ChannelGone, Switch
from tongdai.calls.voicemail import Voicemail
from tongdai.prompts.library import MissingPrompt, Prompts
from tongdai.store import timeconditions

log = logging.getLogger("tongdai.calls")

MIN_PROMPT_SECONDS = 1.0
MAX_PROMPT_NUMBER = 999


class PhoneFeatures:
    def __init__(
        self,
        switch: Switch,
        db: sqlite_utils.Database,
        prompts: Prompts,
        acd: LiveAcd,
        voicemail: Voicemail,
        *,
        clock: Callable[[], dt.datetime],
        sounds_dir: Path,
    ) -> None:
        self.switch = switch
        self.db = db
        self.prompts = prompts
        self.acd = acd
        self.voicemail = voicemail
        self.clock = clock  # the box's local time
        self.sounds_dir = sounds_dir

    async def run(self, channel: Channel, flow: Coroutine) -> None:
        """Run a feature's flow; the call ends with it whatever happens."""
        try:
            await flow
        except (ChannelGone, MissingPrompt, *self.switch.transient) as exc:
            if not isinstance(exc, ChannelGone):
                log.warning("feature call from %s failed: %s", channel.party, exc)
        finally:
            await channel.hangup()

    async def _say(self, channel: Channel, *parts: str | int) -> None:
        await interact.say(channel, self.prompts.sentence(*parts))

    async def agent(self, channel: Channel, name: str) -> None:
        """Agent login logs a queue agent in or out, agent pause pauses or unpauses them."""
        number = channel.party
        state = self.acd.state(number)
        await channel.answer()
        if state is None:
            said = "agent_not_agent"
        elif name == "agent_login":
            logged_in = state[0] == "logged-out"
            self.acd.set_state(number, logged_in=logged_in, by=f"phone {number}")
            said = "agent_logged_in" if logged_in else "agent_logged_out"
        elif state[0] == "logged-out":
            said = "agent_logged_out"
        else:
            pause = not state[1]
            self.acd.set_state(number, logged_in=True, reason="paused" if pause else "",
                               by=f"phone {number}")  # fmt: skip
            said = "agent_paused" if pause else "agent_unpaused"
        with contextlib.suppress(MissingPrompt):
            await self._say(channel, said)

    async def day_night(self, channel: Channel, number: str) -> None:
        """Switch time condition `number` to closed (or open) now, or back to its hours."""
        await channel.answer()
        condition = timeconditions.by_id(self.db, int(number)) if number.isdigit() else None
        if condition is None:
            await self._say(channel, "tc_unknown")
            return
        if condition.override:
            override, said = "", "tc_following_hours"
        elif condition.is_open(self.clock()):
            override, said = "closed", "tc_now_closed"
        else:
            override, said = "open", "tc_now_open"
        timeconditions.set_override(self.db, condition.name, override,
                                    actor=f"phone {channel.party}")  # fmt: skip
        log.info("time condition %s: %s by %s", condition.name, override or "hours",
                 channel.party)  # fmt: skip
        await self._say(channel, said)

    async def record_prompt(self, channel: Channel, caller: str, number: str) -> None:
        """Record prompt `rec<number>` in the box's language, from an extension allowed to
        (created with --record-prompts): what it records, callers hear."""
        await channel.answer()
        allowed = self.db.execute(
            "SELECT record_prompts FROM extensions WHERE number = ?", [caller]
        ).fetchone()
        if not (allowed and allowed[0] and number.isdigit()
                and 1 <= int(number) <= MAX_PROMPT_NUMBER):  # fmt: skip
            await self._say(channel, "not_allowed")
            return
        await self._say(channel, "prompt_record")
        seconds, file = await self.voicemail.record_file(channel, f"prompts/{uuid.uuid4().hex}.wav")
        if seconds < MIN_PROMPT_SECONDS:
            file.unlink(missing_ok=True)
            return
        name = f"rec{int(number)}"
        target = self.sounds_dir / "prompts" / self.prompts.default_lang / f"{name}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        file.replace(target)  # the engine completes the header through its open file
        log.info("prompt %s recorded by %s (%.0f s)", name, caller, seconds)
        await self._say(channel, "prompt_saved", int(number))
