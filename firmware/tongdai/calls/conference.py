"""Meet-me conference rooms: callers dial the room's number, give its PIN, and talk in
one bridge. A caller alone in the room hears music until someone joins; a beep marks
each arrival; the bridge goes when the last one leaves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from tongdai.calls import interact
from tongdai.calls.switch import Channel, ChannelGone, Playback, Switch
from tongdai.store import conferences

PIN_TRIES = 3


class Room:
    def __init__(self, number: str) -> None:
        self.number = number
        self.bridge = ""
        self.members: list[Channel] = []
        self.music: tuple[Channel, Playback] | None = None  # to a member alone in the room
        self.lock = asyncio.Lock()


class Conferences:
    def __init__(self, switch: Switch, prompts: Callable[..., list[str]], music: str) -> None:
        self.switch = switch
        self.prompts = prompts  # (*parts) -> files, in the box's language
        self.music = music
        self.rooms: dict[str, Room] = {}

    async def enter(
        self, channel: Channel, room_row: dict, on_join: Callable[[], None] = lambda: None
    ) -> bool:
        """Answer, ask for the PIN, and keep the caller in the room until they hang up
        (`on_join` is told when they get in). False if they never got in (wrong PIN,
        room full)."""
        if channel.state != "answered":  # (a party transferred here is answered already)
            await channel.answer()
        if room_row["pin_hash"] and not await self._pin(channel, room_row):
            return False
        # Rooms stay in the table once used: a caller waiting for a room's lock while
        # the last member leaves must find the same room, not a second one.
        room = self.rooms.setdefault(room_row["number"], Room(room_row["number"]))
        if len(room.members) >= room_row["max_members"]:
            await interact.say(channel, self.prompts("conference_full"))
            await channel.hangup()
            return False
        try:
            await self._join(room, channel)
            on_join()
            await asyncio.shield(channel.ended)
        finally:
            await self._leave(room, channel)
        return True

    async def _pin(self, channel: Channel, room_row: dict) -> bool:
        for _ in range(PIN_TRIES):
            pin = await interact.collect(
                channel, self.prompts("conference_enter_pin"), max_digits=12
            )
            if pin and await asyncio.to_thread(conferences.pin_ok, room_row, pin):
                return True
            await interact.say(channel, self.prompts("conference_bad_pin"))
        await interact.say(channel, self.prompts("goodbye"))
        await channel.hangup()
        return False

    async def _join(self, room: Room, channel: Channel) -> None:
        async with room.lock:
            if not room.bridge:
                bridge = self.switch.new_id("c")
                await self.switch.request("bridge_create", bridge=bridge)
                room.bridge = bridge
            room.members.append(channel)  # (from here on, leaving takes it out again)
            await self.switch.request("bridge_add", bridge=room.bridge, channel=channel.id)
            if len(room.members) == 1:
                await interact.say(channel, self.prompts("conference_only_one"))
                await self._music_for(room, channel)
                return
            if room.music is not None:
                await room.music[1].stop()
                room.music = None
            await self.switch.tone(room.bridge, "beep", loop=False)

    async def _music_for(self, room: Room, channel: Channel) -> None:
        if channel.alive and room.members == [channel]:
            room.music = (channel, await channel.play([self.music], loop=True))

    async def _leave(self, room: Room, channel: Channel) -> None:
        async with room.lock:
            if channel in room.members:
                room.members.remove(channel)
            if room.music is not None and room.music[0] is channel:
                room.music = None  # its playback ended with its channel
            with contextlib.suppress(ChannelGone, *self.switch.transient):
                if not room.members and room.bridge:
                    bridge, room.bridge = room.bridge, ""
                    await self.switch.request("bridge_destroy", bridge=bridge)
                elif len(room.members) == 1 and room.music is None:
                    await self._music_for(room, room.members[0])
