"""Voicemail on a call: leaving a message in a box, and the retrieval menu (listen,
delete, save, next; greetings and PIN) from any phone.

Messages and greetings are recorded by the media engine into the recordings
directory's `voicemail/` folder (retention leaves that folder alone); the store keeps
the rows. `on_change(box)` is told whenever a box's counts change, for the phones'
message-waiting lamps.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from tongdai.calls import interact
from tongdai.calls.records import Records
from tongdai.calls.switch import Channel, Switch
from tongdai.prompts.library import Prompts
from tongdai.store import voicemail as boxes

log = logging.getLogger("tongdai.calls")

FOLDER = "voicemail"  # under the recordings directory
MIN_MESSAGE_SECONDS = 1.0  # shorter is a hang-up at the tone, not a message
GREETING_SECONDS = 60
PIN_TRIES = 3
BEEP_SECONDS = 0.3


class Voicemail:
    def __init__(
        self,
        switch: Switch,
        db: sqlite_utils.Database,
        prompts: Prompts,
        recordings: Path,
        *,
        timezone: str,
        on_change: Callable[[str], None],
    ) -> None:
        self.switch = switch
        self.db = db
        self.prompts = prompts
        self.directory = recordings.resolve() / FOLDER  # the engine plays absolute paths
        self.zone = ZoneInfo(timezone)
        self.on_change = on_change

    # -- leaving a message ----------------------------------------------------------------

    async def leave(self, channel: Channel, records: Records, box: str, *, busy: bool) -> None:
        """The caller hears the box's greeting (its own, or one that says the number) and
        leaves a message, ended by # or hanging up."""
        record = records.current
        if channel.state != "answered":
            await channel.answer()
        record.answered(f"voicemail {box}")
        record.cause = "voicemail"
        own = boxes.greeting(self.directory, box, "busy" if busy else "unavailable")
        greeting = [str(own)] if own else self.prompts.sentence(
            "vm_unavailable", f"#{box}", "vm_is_busy" if busy else "vm_is_unavailable"
        )  # fmt: skip
        await interact.say(channel, greeting + self.prompts.sentence("vm_leave_message"))
        message_id = uuid.uuid4().hex
        file = f"{box}/{message_id}.wav"
        seconds, path = await self.record_file(channel, f"{FOLDER}/{file}",
                                               boxes.max_seconds(self.db, box))  # fmt: skip
        if seconds < MIN_MESSAGE_SECONDS:
            path.unlink(missing_ok=True)
            return
        boxes.add_message(self.db, boxes.Message(
            id=message_id, box=box, folder="new",
            caller=channel.party or "anonymous", caller_name=channel.party_name,
            received_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            seconds=round(seconds, 1), file=file,
        ))  # fmt: skip
        log.info("voicemail for %s from %s (%.0f s)", box, channel.party, seconds)
        self.on_change(box)
        if channel.alive:
            await interact.say(channel, self.prompts.sentence("vm_message_saved", "goodbye"))
            await channel.hangup()

    async def record_file(
        self, channel: Channel, file: str, limit: int = GREETING_SECONDS
    ) -> tuple[float, Path]:
        """Beep, then record what `channel` says into `file` (under the recordings
        directory) until #, hang-up or `limit` seconds; the seconds recorded and the path."""
        path = self.directory.parent / file
        path.parent.mkdir(parents=True, exist_ok=True)
        beep = await channel.tone("beep", loop=False)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(beep.done), BEEP_SECONDS + 0.5)
        while not channel.digits.empty():
            channel.digits.get_nowait()
        recording = self.switch.new_id("r")
        await self.switch.request("record", recording=recording, target=channel.id, file=file)
        started = time.monotonic()
        key = asyncio.ensure_future(self._until_hash(channel))
        try:
            await asyncio.wait([key, channel.ended], timeout=limit,
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            key.cancel()
            with contextlib.suppress(*self.switch.transient):
                await self.switch.request("record_stop", recording=recording)
        return time.monotonic() - started, path

    @staticmethod
    async def _until_hash(channel: Channel) -> None:
        while await channel.digits.get() != "#":
            pass

    # -- the retrieval menu ---------------------------------------------------------------

    async def check(self, channel: Channel, box: str | None) -> None:
        """A phone calls its own box (`box`) or any box (None: asked first). The PIN is
        always asked: a desk phone left unlocked must not read out its messages."""
        await channel.answer()
        say = self.prompts.sentence
        if box is None:
            box = await interact.collect(channel, say("vm_enter_box"), max_digits=6)
        question = say("vm_enter_pin")
        for _ in range(PIN_TRIES):
            pin = await interact.collect(channel, question, max_digits=12)
            # Argon2 takes tens of milliseconds: off the event loop.
            stored = boxes.pin_hash(self.db, box)
            if pin and await asyncio.to_thread(boxes.pin_matches, stored, pin):
                break
            question = say("vm_bad_pin", "vm_enter_pin")  # typing ahead cuts it short
        else:
            log.warning("voicemail %s: wrong PIN %d times from %s", box, PIN_TRIES, channel.party)
            await interact.say(channel, say("vm_bad_pin", "goodbye"))
            await channel.hangup()
            return
        while True:
            new, old = boxes.counts(self.db, box)
            choice = await interact.collect(
                channel, say("vm_you_have", new, "vm_new_messages", old, "vm_old_messages",
                             "vm_main_menu"),
                max_digits=1, terminator="",
            )  # fmt: skip
            if choice == "1":
                await self._listen(channel, box)
            elif choice in ("2", "3"):
                await self._greeting(channel, box, "unavailable" if choice == "2" else "busy")
            elif choice == "4":
                await self._new_pin(channel, box)
            elif choice in ("#", ""):
                await interact.say(channel, say("goodbye"))
                await channel.hangup()
                return

    async def _listen(self, channel: Channel, box: str) -> None:
        say = self.prompts.sentence
        for number, message in enumerate(boxes.messages(self.db, box), start=1):
            received = dt.datetime.fromisoformat(message.received_at).astimezone(self.zone)
            envelope = say("vm_message", number, "vm_from", f"#{message.caller}",
                           "vm_received", received)  # fmt: skip
            body = [str(self.directory / message.file)]
            heard = False
            while True:
                choice = await interact.collect(
                    channel, ([] if heard else envelope + body) + say("vm_message_menu"),
                    max_digits=1, terminator="",
                )  # fmt: skip
                if not heard and message.folder == "new":
                    boxes.move(self.db, message.id, "old")  # heard (or skipped): old now
                    self.on_change(box)
                heard = True
                if choice == "5":
                    await interact.say(channel, body)
                    continue
                if choice == "7":
                    boxes.delete_message(self.db, self.directory, message.id)
                    self.on_change(box)
                    await interact.say(channel, say("vm_deleted"))
                elif choice == "9":
                    boxes.move(self.db, message.id, "saved")
                    await interact.say(channel, say("vm_saved"))
                break
        await interact.say(channel, say("vm_no_more"))

    async def _greeting(self, channel: Channel, box: str, which: str) -> None:
        await interact.say(channel, self.prompts.sentence("vm_record_greeting"))
        seconds, recorded = await self.record_file(channel, f"{FOLDER}/{box}/{which}-new.wav")
        if seconds < MIN_MESSAGE_SECONDS:
            recorded.unlink(missing_ok=True)
            return
        # a rename keeps the engine's open file: its header is completed in place
        recorded.replace(self.directory / box / f"{which}.wav")
        await interact.say(channel, self.prompts.sentence("vm_greeting_saved"))

    async def _new_pin(self, channel: Channel, box: str) -> None:
        pin = await interact.collect(channel, self.prompts.sentence("vm_new_pin"), max_digits=12)
        try:
            hashed = await asyncio.to_thread(boxes.hash_pin, pin)
        except boxes.VoicemailError:
            await interact.say(channel, self.prompts.sentence("vm_pin_refused"))
            return
        boxes.set_pin_hash(self.db, box, hashed)
        await interact.say(channel, self.prompts.sentence("vm_pin_changed"))
