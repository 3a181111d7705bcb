"""Presence from the switch's channels: each extension's legs as RFC 4235 dialogs."""

from __future__ import annotations

import asyncio

from tongdai.calls.presence import Presence
from tongdai.calls.switch import Switch
from tongdai.edge.event_bodies import Dialog


class Engine:
    async def request(self, name, timeout=5.0, **args):
        return {}


def run(test):
    asyncio.run(test())


def setup() -> tuple[Switch, Presence, list[tuple[str, str]]]:
    switch = Switch(Engine())
    contacts = {"sip:202@127.0.0.1:5064": "202"}
    presence = Presence(locate=contacts.get)
    told: list[tuple[str, str]] = []
    presence.on_change = lambda event, target: told.append((event, target))
    switch.watchers.append(presence.channel_changed)
    return switch, presence, told


def test_a_call_between_extensions_rings_then_talks_then_ends():
    async def test():
        switch, presence, told = setup()
        switch.on_event({"event": "channel_new", "channel": "i1", "call_id": "a@201",
                         "identity": "201", "uri_user": "202"})  # fmt: skip
        leg = await switch.originate("sip:202@127.0.0.1:5064", caller='"Lan" <sip:201@box>')
        assert presence.dialogs("201") == [Dialog("d1", "a@201", "initiator", "trying", "202")]
        assert presence.dialogs("202") == [Dialog("d2", "", "recipient", "trying", "201", "Lan")]
        switch.on_event({"event": "channel_state", "channel": leg.id, "state": "early",
                         "code": 180, "call_id": "b@box"})  # fmt: skip
        assert presence.dialogs("202")[0].state == "early"
        assert presence.dialogs("202")[0].call_id == "b@box"
        switch.on_event({"event": "channel_media", "channel": leg.id, "media": "up"})
        switch.on_event({"event": "channel_state", "channel": leg.id, "state": "answered"})
        assert presence.dialogs("202")[0].state == "confirmed"
        switch.on_event({"event": "channel_hungup", "channel": leg.id, "code": 200})
        assert presence.dialogs("202") == []
        assert told == [("dialog", "201"), ("dialog", "202"), ("dialog", "202"),
                        ("dialog", "202"), ("dialog", "202")]  # fmt: skip
        switch.engine_lost()  # the engine died: the caller's leg is gone too
        assert presence.dialogs("201") == [] and told[-1] == ("dialog", "201")

    run(test)


def test_legs_of_no_extension_are_not_tracked():
    async def test():
        switch, presence, told = setup()
        switch.on_event({"event": "channel_new", "channel": "i1", "trunk": "viettel"})
        await switch.originate("sip:0909000111@provider.example", caller="<sip:201@box>")
        assert told == [] and presence.dialogs("201") == []

    run(test)


def test_mailbox_counts_come_from_voicemail_until_it_reports_a_change():
    presence = Presence()
    told = []
    presence.on_change = lambda event, target: told.append((event, target))
    assert presence.mailbox("201") == (0, 0)
    presence.counts = {"201": (1, 2)}.get
    assert presence.mailbox("201") == (1, 2)
    presence.mailbox_changed("201", 3, 2)
    assert presence.mailbox("201") == (3, 2) and told == [("message-summary", "201")]
