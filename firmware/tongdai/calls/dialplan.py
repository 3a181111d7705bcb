"""Where an incoming call goes, and its call detail records.

Every INVITE the edge relays becomes a channel here. An extension's call (the edge
authenticated it and says who in `identity`) is routed by the number dialled: a
feature code, another extension, or an outside number through the outbound routes
its permission class allows. A trunk's call (the edge knows the provider by its
address) goes by the inbound route for the number it was sent to. Anything else is
refused: nothing reaches a trunk or an extension without the edge having vouched
for the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from tongdai.acd.live import LiveAcd
from tongdai.calls import interact
from tongdai.calls.conference import Conferences
from tongdai.calls.dial import DialResult, Target, dial
from tongdai.calls.ivr import run_menu
from tongdai.calls.parking import Parked, ParkingLot
from tongdai.calls.phone_features import PhoneFeatures
from tongdai.calls.queue import QueueApp
from tongdai.calls.recording import Recorder
from tongdai.calls.records import Records
from tongdai.calls.switch import ENGINE_GONE, Channel, ChannelGone, Switch
from tongdai.calls.talk import HandedOver, Replaces, Talk, Transfer
from tongdai.calls.trunks import FAILOVER_CODES, TrunkCalls
from tongdai.calls.voicemail import Voicemail
from tongdai.prompts.library import MissingPrompt, Prompts
from tongdai.sip.grammar import quote
from tongdai.store import cdr as cdrs
from tongdai.store import conferences, features, ivr, ringgroups, timeconditions
from tongdai.store import routes as routing
from tongdai.store import voicemail as boxes
from tongdai.store.features import SLOTS
from tongdai.store.routes import choose_route

log = logging.getLogger("tongdai.calls")

FLOW_HEADER = "X-Tongdai-Flow"  # the edge sends an originated leg along this flow
NO_ANSWER_TONE_SECONDS = 8.0  # busy tone to a caller nobody answered, before 480
REFUSED_TONE_SECONDS = 3.0  # congestion tone to an answered party whose call failed
OUTSIDE_RING_TIMEOUT = 90  # seconds an outside number may ring (the network stops it first)
HOLD_MUSIC = "moh.wav"  # under the sounds directory (media.music makes it)
MAX_HOPS = 16  # destinations followed for one call (menus may lead back to menus)


@dataclass(frozen=True)
class Extension:
    number: str
    name: str
    ring_timeout: int
    record: str = "never"  # never | always | on-demand
    permission: str = "internal"  # the widest outbound class it may dial


class Dialplan:
    def __init__(
        self,
        switch: Switch,
        db: sqlite_utils.Database,
        *,
        domain: str,
        contacts: Callable[[str], list[tuple[str, str]]],
        ring_timeout: int,
        prompts: Prompts,
        park_timeout: float,
        acd: LiveAcd,
        sounds_dir: Path,
        recordings_dir: Path,
        timezone: str,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.switch = switch
        self.db = db
        self.domain = domain  # host part of caller-ID URIs shown to phones
        self.contacts = contacts  # extension -> [(contact URI, flow token)] (the edge)
        self.ring_timeout = ring_timeout
        # Calls ringing an extension now, oldest first: a pickup resolves the future
        # with the picking phone's channel.
        self.ringing: dict[str, list[asyncio.Future[Channel]]] = {}
        self.trunks = TrunkCalls(db)
        self.prompts = prompts
        self.lot = ParkingLot()
        self.park_timeout = park_timeout
        self.conferences = Conferences(switch, self.say, HOLD_MUSIC)
        self.acd = acd
        self.zone = ZoneInfo(timezone)
        self.clock = clock or (lambda: dt.datetime.now(self.zone))  # local time, for hours
        self.sounds_dir = sounds_dir
        self.recordings_dir = recordings_dir
        # told (box, new, old) whenever a voicemail box's counts change: the MWI lamps
        self.mailbox_listeners: list[Callable[[str, int, int], None]] = []
        self.voicemail = Voicemail(
            switch, db, prompts, recordings_dir, timezone=timezone, on_change=self._mailbox
        )
        self.phone_features = PhoneFeatures(
            switch, db, prompts, acd, self.voicemail, clock=self.clock, sounds_dir=sounds_dir
        )
        self.queues = QueueApp(
            switch, acd, db, prompts, trunks=self.trunks, contacts=contacts,
            caller_id=self.caller_id, flow_header=FLOW_HEADER, converse=self.converse,
            next_record=self._next_record, route_extension=self._overflow_to_extension,
            music=HOLD_MUSIC,
            whisper_dir=sounds_dir / "whispers", rate=prompts.rate,
        )  # fmt: skip

    def say(self, *parts: str | int) -> list[str]:
        """Prompt files for the parts, in the box's language (see Prompts.sentence)."""
        return self.prompts.sentence(*parts)

    def extension(self, number: str) -> Extension | None:
        rows = list(
            self.db.query(
                "SELECT number, name, ring_timeout, record, permission FROM extensions"
                " WHERE number = ?",
                [number],
            )
        )
        if not rows:
            return None
        row = rows[0]
        return Extension(
            row["number"], row["name"], row["ring_timeout"] or self.ring_timeout, row["record"],
            row["permission"],
        )  # fmt: skip

    def caller_id(self, number: str, name: str) -> str:
        display = f"{quote(name)} " if name else ""
        return f"{display}<sip:{number}@{self.domain}>"

    # -- the entry point: one per incoming channel --------------------------------------

    async def route(self, channel: Channel) -> None:
        info = channel.info
        dialled = info.get("uri_user") or info.get("to_user") or ""
        identity = info.get("identity")
        if identity:
            caller = self.extension(identity)
            if caller is None:  # deleted since it registered
                await channel.reject(403)
                return
            channel.party, channel.party_name = caller.number, caller.name
            channel.extension = caller.number
            feature = features.codes(self.db).match(dialled)
            if feature is not None:
                await self.feature(channel, caller, *feature)
                return
            records = Records(
                self.db, cdrs.Cdr(caller.number, dialled, "internal", src_name=caller.name)
            )
            flow = self.dial_number(channel, records, dialled, caller)
            await self._recorded(channel, records, flow)
            return
        if info.get("trunk"):
            await self.from_trunk(channel, info["trunk"], dialled)
            return
        await channel.reject(403)

    async def dial_number(
        self, channel: Channel, records: Records, number: str, caller: Extension
    ) -> None:
        """`caller` (an extension, or the transferor of a call) calls `number`: another
        extension, a parked call's slot, a conference room, or an outside number
        through a trunk."""
        callee = self.extension(number)
        if callee is not None:
            policy = _policy(caller.record, callee.record)
            await self.call_extension(channel, records, callee, policy)
            return
        if number in SLOTS:
            await self.retrieve(channel, records, number)
            return
        queue = self.queues.by_number(number)
        if queue is not None:
            await self.queues.enter(channel, records, queue)
            return
        group = ringgroups.by_number(self.db, number)
        menu = ivr.by_number(self.db, number) if group is None else None
        if group is not None or menu is not None:
            where = f"ring_group:{group}" if group is not None else f"ivr:{menu}"
            await self.goto(channel, records, where, caller=caller)
            return
        room = conferences.get(self.db, number)
        if room is not None:
            record = records.current
            if await self.conferences.enter(channel, room, on_join=lambda: record.answered(number)):
                record.hangup_by, record.cause = "caller", "normal clearing"
            else:
                record.cause = "refused by the room"
            return
        await self.call_outside(channel, records, number, caller)

    async def _overflow_to_extension(self, channel: Channel, records: Records, number: str):
        """A queue's caller sent on to an extension (its overflow destination)."""
        callee = self.extension(number)
        if callee is None:
            records.current.cause = f"overflow extension {number} is gone"
            await self.refuse(channel, 404, "No route")
            return
        await self.call_extension(channel, records, callee, callee.record)

    async def feature(self, channel: Channel, caller: Extension, name: str, arg: str) -> None:
        """A feature code dialled from an extension (`arg`: the number after a prefix code)."""
        if name == "pickup":
            await self.pickup(channel, "")
        elif name == "directed_pickup":
            await self.pickup(channel, arg)
        elif name == "park":
            await self.park_announce(channel)
        elif name in ("agent_login", "agent_pause"):
            await self.phone_features.run(channel, self.phone_features.agent(channel, name))
        elif name == "voicemail":
            await self.phone_features.run(channel, self.voicemail.check(channel, caller.number))
        elif name == "voicemail_any":
            await self.phone_features.run(channel, self.voicemail.check(channel, None))
        elif name == "day_night":
            await self.phone_features.run(channel, self.phone_features.day_night(channel, arg))
        elif name == "record_prompt":
            flow = self.phone_features.record_prompt(channel, caller.number, arg)
            await self.phone_features.run(channel, flow)
        else:  # record_toggle: only means something during a call
            await channel.reject(404, "Not a number")

    def _mailbox(self, box: str) -> None:
        new, old = boxes.counts(self.db, box)
        for listener in self.mailbox_listeners:
            listener(box, new, old)

    # -- trunks -------------------------------------------------------------------------

    async def from_trunk(self, channel: Channel, trunk_name: str, did: str) -> None:
        """A provider's call: to where the inbound route for its number says."""
        info = channel.info
        number = info.get("pai_user") or info.get("from_user") or "anonymous"
        name = info.get("pai_name") or info.get("from_name") or ""
        channel.party, channel.party_name = number, name
        record = cdrs.Cdr(number, did, "inbound", src_name=name, trunk=trunk_name)
        records = Records(self.db, record)
        trunk = self.trunks.get(trunk_name)
        route = routing.find_inbound(self.db, did, trunk_name)
        if trunk is not None and self.trunks.full(trunk):
            record.cause = "trunk at its call limit"
            await channel.reject(503, "Too many calls")
        elif trunk is None or route is None:
            record.cause = "no inbound route"
            await channel.reject(404, "No route")
        else:
            self.trunks.carry(trunk, channel)
            flow = self.goto(channel, records, route["destination"], priority=route["priority"],
                             policy=route["record"])  # fmt: skip
            await self._recorded(channel, records, flow)
            return
        records.save()

    # -- destinations -------------------------------------------------------------------

    async def goto(
        self,
        channel: Channel,
        records: Records,
        destination: str,
        *,
        priority: int = 0,
        policy: str = "never",
        caller: Extension | None = None,
        hops: int = 0,
    ) -> None:
        """Carry the call on to a destination (`store.destinations`), following menus
        and time conditions to where the call ends up."""
        record = records.current
        kind, _, value = destination.partition(":")
        if hops > MAX_HOPS:
            log.error("call from %s went round %d destinations; ended", channel.party, hops)
            record.cause = "destination loop"
            await self.refuse(channel, 482, "Loop detected")
            return
        follow = {"priority": priority, "policy": policy, "caller": caller, "hops": hops + 1}
        if kind == "extension" and (callee := self.extension(value)) is not None:
            await self.call_extension(channel, records, callee, _policy(policy, callee.record))
        elif kind == "queue" and self.queues.config(value) is not None:
            await self.queues.enter(channel, records, value, priority)
        elif kind == "ring_group" and (group := ringgroups.get(self.db, value)) is not None:
            await self.ring_group(channel, records, group, follow)
        elif kind == "ivr" and (menu := ivr.get(self.db, value)) is not None:
            chosen = await run_menu(channel, menu, self.prompts, self._is_extension)
            await self.goto(channel, records, chosen, **follow)
        elif (
            kind == "time_condition"
            and (condition := timeconditions.get(self.db, value)) is not None
        ):
            await self.goto(channel, records, condition.destination(self.clock()), **follow)
        elif kind == "voicemail" and boxes.has_box(self.db, value):
            await self.voicemail.leave(channel, records, value, busy=False)
        elif kind == "conference" and (room := conferences.get(self.db, value)) is not None:
            if await self.conferences.enter(channel, room, on_join=lambda: record.answered(value)):
                record.hangup_by, record.cause = "caller", "normal clearing"
            else:
                record.cause = "refused by the room"
        elif kind == "announcement":
            await self.announce(channel, records, value)
        elif kind == "outside":
            # The admin chose this number: it may go as far as the routes reach.
            forwarder = caller or Extension(channel.party, channel.party_name, 0,
                                            permission="international")  # fmt: skip
            await self.call_outside(channel, records, value, forwarder)
        elif kind == "hangup":
            record.cause, record.hangup_by = "sent to hang up", "system"
            await self.refuse(channel, 480, "Unavailable")
        else:
            record.cause = f"destination gone: {destination}"
            log.warning("call from %s: destination %s is gone", channel.party, destination)
            await self.refuse(channel, 404, "No route")

    def _is_extension(self, number: str) -> bool:
        return self.extension(number) is not None

    async def announce(self, channel: Channel, records: Records, prompt: str) -> None:
        """Play a prompt to the caller, then hang up."""
        record = records.current
        if channel.state != "answered":
            await channel.answer()
        record.answered(f"announcement {prompt}")
        try:
            await interact.say(channel, self.say(prompt))
        except MissingPrompt as exc:
            log.error("announcement: %s", exc)
        record.hangup_by, record.cause = "system", "announcement played"
        await channel.hangup()

    async def ring_group(
        self, channel: Channel, records: Records, group: ringgroups.RingGroup, follow: dict
    ) -> None:
        """Ring the members together or one after another; the first to answer talks.
        Nobody answering sends the call to the group's final destination."""
        record = records.current
        members = [m for m in group.members if self.extension(m.extension) is not None]
        if group.strategy == "ringall":
            rounds = [(members, group.ring_timeout)]
        else:
            rounds = [([m], m.ring_timeout) for m in members]
        for round_members, timeout in rounds:
            result = await self._ring_members(channel, record, [m.extension for m in round_members],
                                              timeout)  # fmt: skip
            if result is None:
                continue
            if result.winner is not None:
                if result.winner.direction == "out":
                    result.winner.extension = result.winner_name
                record.answered(result.winner_name)
                callee = self.extension(result.winner_name)
                policy = _policy(follow["policy"], callee.record if callee else "never")
                await self.converse(channel, result.winner, records, policy)
                return
            if result.caller_gone:
                self._caller_left(channel, record)
                return
        await self.goto(channel, records, group.final, **follow)

    async def _ring_members(
        self, channel: Channel, record: cdrs.Cdr, numbers: list[str], timeout: int
    ) -> DialResult | None:
        """Ring every registered phone of these extensions (None: none is registered).
        A pickup of any of them takes the call."""
        targets = [
            Target(uri, {FLOW_HEADER: token}, number)
            for number in numbers
            for uri, token in self.contacts(number)
        ]
        if not targets:
            return None
        pickup: asyncio.Future[Channel] = asyncio.get_running_loop().create_future()
        for number in numbers:
            self.ringing.setdefault(number, []).append(pickup)
        try:
            return await dial(self.switch, channel, targets, pickup=pickup, timeout=timeout,
                              caller_id=self.caller_id(record.src, record.src_name))  # fmt: skip
        finally:
            for number in numbers:
                waiting = self.ringing.get(number, [])
                waiting.remove(pickup)
                if not waiting:
                    self.ringing.pop(number, None)

    async def call_outside(
        self, channel: Channel, records: Records, number: str, caller: Extension
    ) -> None:
        """Out through the first outbound route that matches and the caller may use,
        trying its trunks in order while they fail (full, down, refusing)."""
        record = records.current
        record.direction = "outbound"
        route, forbidden = choose_route(routing.outbound(self.db), number, caller.permission)
        if route is None:
            record.cause = "not permitted" if forbidden else "no route"
            log.info("call from %s to %s refused: %s", caller.number, number, record.cause)
            await self.refuse(channel, 403 if forbidden else 404, record.cause)
            return
        dialled = route.dialled(number)
        policy = _policy(caller.record, route.record)
        failures: list[str] = []
        for name in route.trunks:
            trunk = self.trunks.get(name)
            if trunk is None:
                continue
            if self.trunks.full(trunk):
                failures.append(f"{name}: at its limit")
                continue
            record.trunk = trunk.name
            number_shown = route.caller_id or trunk.caller_id or caller.number
            claim = self.trunks.claim(trunk)
            try:
                result = await dial(
                    self.switch,
                    channel,
                    [Target(trunk.uri(dialled), {}, dialled)],
                    caller_id=trunk.identity(number_shown, caller.name),
                    timeout=OUTSIDE_RING_TIMEOUT,
                    auth=trunk.auth,
                    early_media=True,
                    on_leg=lambda leg, trunk=trunk, claim=claim: self.trunks.carry(
                        trunk, leg, claim
                    ),
                )
            finally:
                self.trunks.release(trunk, claim)
            if result.winner is not None:
                record.answered(dialled)
                await self.converse(channel, result.winner, records, policy)
                return
            if result.caller_gone:
                self._caller_left(channel, record)
                return
            if result.codes and all(code in FAILOVER_CODES for code in result.codes):
                failures.append(f"{name}: {result.codes[0]}")
                log.warning("trunk %s failed a call (%s); trying the next", name, result.codes[0])
                continue
            # The far end's own answer (busy, no such number, no answer): pass it on.
            code = result.codes[0] if result.codes else 480
            record.disposition = "busy" if result.busy else (
                "no answer" if result.timed_out else "failed"
            )  # fmt: skip
            record.cause = "no answer" if result.timed_out else f"{code} from {name}"
            record.hangup_by = "callee"
            await self.refuse(channel, 486 if result.busy else code, record.cause)
            return
        record.trunk = record.trunk or ",".join(route.trunks)
        record.cause = "all trunks failed (" + "; ".join(failures or ["none usable"]) + ")"
        record.hangup_by = "system"
        await self.refuse(channel, 503, "All trunks busy or failing")

    async def _recorded(self, channel: Channel, records: Records, flow) -> None:
        """Run a call flow and write its CDRs however it ends (engine crash and service
        stop included)."""
        try:
            await flow
        except ChannelGone as gone:
            record = records.current
            record.hangup_by = record.hangup_by or _side(gone.hangup.by, "caller")
            record.cause = record.cause or gone.hangup.reason
        except self.switch.transient as exc:
            # The engine refused a step or died under the call (a crash in mid-setup).
            record = records.current
            record.hangup_by = "system"
            record.cause = ENGINE_GONE if isinstance(exc, self.switch.gone) else f"media: {exc}"
            if record.disposition != "answered":
                record.disposition = "failed"
            log.warning("call %s ended by the media engine: %s", record.id, record.cause)
            await channel.hangup(500)
        except asyncio.CancelledError:
            record = records.current
            record.hangup_by, record.cause = "system", record.cause or "service stopped"
            raise
        finally:
            records.save()

    # -- extension to extension ---------------------------------------------------------

    async def call_extension(
        self, channel: Channel, records: Records, callee: Extension, policy: str = "never"
    ) -> None:
        record = records.current
        caller_name = record.src_name
        targets = [
            Target(uri, {FLOW_HEADER: token}, callee.number)
            for uri, token in self.contacts(callee.number)
        ]
        if not targets:
            record.disposition, record.cause = "failed", "not registered"
            if boxes.has_box(self.db, callee.number):
                await self.voicemail.leave(channel, records, callee.number, busy=False)
                return
            await self.refuse(channel, 480, "Not registered")
            return
        pickup: asyncio.Future[Channel] = asyncio.get_running_loop().create_future()
        waiting = self.ringing.setdefault(callee.number, [])
        waiting.append(pickup)
        try:
            result = await dial(
                self.switch,
                channel,
                targets,
                caller_id=self.caller_id(record.src, caller_name),
                timeout=callee.ring_timeout,
                pickup=pickup,
            )
        finally:
            waiting.remove(pickup)
            if not waiting:
                self.ringing.pop(callee.number, None)
        if result.winner is not None:
            if result.winner.direction == "out":  # (a pickup's channel knows its own)
                result.winner.extension = callee.number
            record.answered(result.winner_name)
            await self.converse(channel, result.winner, records, policy)
            return
        if result.caller_gone:
            self._caller_left(channel, record)
            return
        busy = result.busy or result.declined
        if boxes.has_box(self.db, callee.number):
            await self.voicemail.leave(channel, records, callee.number, busy=busy)
            return
        if busy:
            record.disposition, record.cause = "busy", "busy"
            record.hangup_by = "callee"
            await self.refuse(channel, 486, "Busy")
            return
        record.disposition = "no answer"
        record.cause = "no answer" if result.timed_out else f"callee failed ({result.codes})"
        record.hangup_by = "system"
        await self.no_answer(channel)

    @staticmethod
    def _caller_left(channel: Channel, record: cdrs.Cdr) -> None:
        gone = channel.ended.result()
        record.disposition = "failed" if gone.reason == ENGINE_GONE else "cancelled"
        record.hangup_by = "system" if gone.by == "engine" else "caller"
        record.cause = gone.reason

    async def refuse(self, channel: Channel, code: int, reason: str) -> None:
        """End a call that failed: a final response, or for a party already answered
        (a transferred caller) a congestion tone before hanging up."""
        if channel.state != "answered":
            await channel.reject(code, reason)
            return
        with contextlib.suppress(ChannelGone, *self.switch.transient):
            await channel.tone("congestion")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(channel.ended), REFUSED_TONE_SECONDS)
        await channel.hangup()

    async def converse(
        self, caller: Channel, callee: Channel, records: Records, policy: str
    ) -> None:
        """Caller and callee talk until the call ends; a transfer carries on with the
        party that stays (a new CDR row with the same linkedid for each part). Whatever
        goes wrong on the way, neither party is left connected to nothing."""
        handed_over = False
        try:
            for channel in (caller, callee):
                if channel.direction == "in" and channel.state != "answered":
                    await channel.answer()
            while True:
                outcome = await self._talk(caller, callee, records, policy)
                record = records.current
                if isinstance(outcome, HandedOver):  # another call's attended transfer
                    handed_over = True
                    record.cause = "transferred"
                    record.hangup_by = "caller" if outcome.replaced is caller else "callee"
                    return
                if not isinstance(outcome, Transfer):
                    record.hangup_by = {"a": "caller", "b": "callee"}.get(outcome.by, "system")
                    record.cause = outcome.reason if outcome.by == "system" else "normal clearing"
                    return
                transferor = self.extension(outcome.by.extension or "")
                if transferor is None:
                    # Only our extensions transfer: a provider's leg (whose caller ID could
                    # name any extension) must not send its call anywhere.
                    log.warning("REFER from %s (not an extension) ignored", outcome.by.party)
                    continue
                record.cause = "transferred"
                record.hangup_by = "caller" if outcome.by is caller else "callee"
                await outcome.by.hangup()  # its phone hangs up on its own; make sure
                keep = outcome.keep
                caller, callee = keep, keep  # from here on only `keep` is ours to end
                partner = await self._transferred(outcome, transferor, records, policy)
                if partner is None:
                    return
                # Attended: the party kept talks to the transferor's other party now.
                self._next_record(records, keep, partner.party).answered(partner.party)
                caller, callee = keep, partner
        finally:
            if not handed_over:
                for channel in (caller, callee):
                    await channel.hangup()  # quiet when it is gone already

    async def _talk(self, caller: Channel, callee: Channel, records: Records, policy: str):
        record = records.current
        recorder = Recorder(self.switch, record.id) if policy != "never" else None
        talk = Talk(
            self.switch, caller, callee, recorder=recorder, record=policy,
            toggle_code=features.codes(self.db).record_toggle, music=HOLD_MUSIC,
        )  # fmt: skip
        try:
            return await talk.run()
        finally:
            if recorder is not None and recorder.used:
                record.recording = recorder.file

    async def _transferred(
        self, outcome: Transfer, transferor: Extension, records: Records, policy: str
    ) -> Channel | None:
        """Carry a transfer out. Returns the new partner of an attended transfer (the
        caller then goes on talking); None when the call went elsewhere (parked, dialled
        anew) and is over for this flow."""
        keep, replaces = outcome.keep, outcome.replaces
        if replaces is not None and replaces.call_id in self.lot.reserved:
            # attended transfer to the call that announced a parking slot
            slot = self.lot.reserved.pop(replaces.call_id)
            announcer = self.switch.by_call_id(replaces.call_id)
            parking = asyncio.ensure_future(
                self.park(keep, records, slot, transferor.number, policy)
            )
            if announcer is not None:
                await announcer.hangup()
            await parking
            return None
        park = features.codes(self.db).park
        if replaces is None and (outcome.target == park or outcome.target in SLOTS):
            slot = None if outcome.target == park else outcome.target
            await self.park(keep, records, slot, transferor.number, policy)
            return None
        if replaces is not None:
            partner = await self._take_over(replaces, transferor.number)
            if partner is not None:
                return partner
        await self.transfer_blind(keep, outcome.target, records, transferor)
        return None

    async def _take_over(self, replaces: Replaces, transferor: str) -> Channel | None:
        """The party the transferor talks to on the replaced dialog, taken out of that
        call (whose leg to the transferor ends); None if that dialog is not the
        transferor's or its call is not in conversation (still ringing: it ends, and
        the caller dials the target anew)."""
        replaced = self.switch.by_call_id(replaces.call_id)
        if replaced is None or replaced.extension != transferor:
            return None
        talk = self.switch.talks.get(replaced.id)
        partner = talk.release(replaced) if talk is not None else None
        await replaced.hangup()
        return partner

    def _next_record(self, records: Records, party: Channel, dst: str) -> cdrs.Cdr:
        """Close the current CDR row and open the next part of the call: `party` (still
        in the call) to `dst`."""
        direction = "internal"
        if party.trunk:
            direction = "inbound" if party.direction == "in" else "outbound"
        records.next(cdrs.Cdr(party.party, dst, direction, src_name=party.party_name,
                              trunk=party.trunk))  # fmt: skip
        return records.current

    async def transfer_blind(
        self, keep: Channel, target: str, records: Records, transferor: Extension
    ) -> None:
        """Send the transferred party to `target` as if the transferor had dialled it:
        with its permission class, so a transfer never reaches further than the
        transferor could call."""
        self._next_record(records, keep, target)
        await self.dial_number(keep, records, target, transferor)

    # -- call park ----------------------------------------------------------------------

    async def park_announce(self, channel: Channel) -> None:
        """An extension called the park code: reserve a slot and say its number; an
        attended transfer to this call then parks the other party there."""
        slot = self.lot.reserve(channel.call_id)
        try:
            await channel.answer()
            if slot is None:
                await interact.say(channel, self.say("parking_full"))
                await channel.hangup()
                return
            await interact.say(channel, self.say("call_parked_at", int(slot)))
            music = await channel.play([HOLD_MUSIC], loop=True)
            await asyncio.shield(channel.ended)
            await music.stop()
        except (ChannelGone, MissingPrompt, *self.switch.transient) as exc:
            if not isinstance(exc, ChannelGone):
                log.warning("park announcement failed: %s", exc)
            await channel.hangup()
        finally:
            self.lot.reserved.pop(channel.call_id, None)

    async def park(
        self, channel: Channel, records: Records, slot: str | None, parker: str, policy: str
    ) -> None:
        """Hold `channel` in a slot with music until it is taken, gives up, or the park
        time runs out (then it rings the parker)."""
        slot = self.lot.free_slot(slot)
        record = self._next_record(records, channel, slot or features.codes(self.db).park)
        if slot is None:
            record.cause = "no free parking slot"
            await self.refuse(channel, 503, "Parking full")
            return
        parked = self.lot.parked[slot] = Parked(slot, channel)
        log.info("call from %s parked at %s by %s", channel.party, slot, parker)
        music = None
        done: set = set()
        try:
            with contextlib.suppress(ChannelGone, *self.switch.transient):
                music = await channel.play([HOLD_MUSIC], loop=True)
            done, _ = await asyncio.wait(
                [parked.taken, channel.ended], timeout=self.park_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )  # fmt: skip
        finally:
            del self.lot.parked[slot]
            if not parked.taken.done():
                parked.taken.cancel()
            if music is not None:
                await music.stop()
        taken = parked.taken.result() if parked.taken in done else None
        if not channel.alive:
            self._caller_left(channel, record)
            if taken is not None:  # the caller left as someone took the call
                await self.refuse(taken, 480, "The parked call has gone")
            return
        if taken is not None:
            record.answered(taken.party)
            await self.converse(channel, taken, records, policy)
            return
        record.disposition, record.cause = "no answer", "park timed out"
        record.hangup_by = "system"
        parker_ext = self.extension(parker)
        if parker_ext is None:
            await self.refuse(channel, 480, "Nobody to ring back")
            return
        self._next_record(records, channel, parker)
        await self.call_extension(channel, records, parker_ext, policy)

    async def retrieve(self, channel: Channel, records: Records, slot: str) -> None:
        """Take the call parked in `slot`: its flow answers us and carries the call on."""
        record = records.current
        if self.lot.take(slot, channel):
            record.answered(slot)
            record.cause, record.hangup_by = "took the parked call", "caller"
            return
        record.cause = "nothing parked"
        with contextlib.suppress(ChannelGone, MissingPrompt, *self.switch.transient):
            await channel.answer()
            await interact.say(channel, self.say("nothing_parked"))
        await channel.hangup()

    async def pickup(self, picker: Channel, number: str) -> None:
        """Answer a call ringing elsewhere: at `number`, or (empty) any extension."""
        if number:
            candidates = [f for f in self.ringing.get(number, []) if not f.done()]
        else:
            candidates = [
                f for n, futures in self.ringing.items() if n != picker.party
                for f in futures if not f.done()
            ]  # fmt: skip
        if not candidates:
            await picker.reject(404, "Nothing to pick up")
            return
        candidates[0].set_result(picker)  # the ringing call's flow takes the channel over

    async def no_answer(self, channel: Channel) -> None:
        """Nobody answered: a busy tone as early media, then 480 (voicemail will take
        this over where a box is enabled)."""
        with contextlib.suppress(ChannelGone, *self.switch.transient):
            if channel.state != "answered":  # a transferred party is answered already
                await channel.progress()
            await channel.tone("busy")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(channel.ended), NO_ANSWER_TONE_SECONDS)
        await channel.reject(480, "No answer")


def _policy(*policies: str) -> str:
    """The recording policy of a call between parties with these policies."""
    for policy in ("always", "on-demand"):
        if policy in policies:
            return policy
    return "never"


def _side(by: str, default: str) -> str:
    return {"engine": "system", "remote": default, "local": "system"}.get(by, default)
