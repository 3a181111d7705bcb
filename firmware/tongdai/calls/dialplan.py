"""Where an incoming call goes, and its call detail record.

Every INVITE the edge relays becomes a channel here. An extension's call (the edge
authenticated it and says who in `identity`) is routed by the number dialled; a
trunk's call by the number it was sent to. Anything else is refused: nothing
reaches a trunk or an extension without the edge having vouched for the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from tongdai.calls.dial import Target, connect, dial
from tongdai.calls.recording import Recorder
from tongdai.calls.switch import ENGINE_GONE, Channel, ChannelGone, Switch
from tongdai.sip.grammar import quote
from tongdai.store import cdr as cdrs

log = logging.getLogger("tongdai.calls")

FLOW_HEADER = "X-Tongdai-Flow"  # the edge sends an originated leg along this flow
NO_ANSWER_TONE_SECONDS = 8.0  # busy tone to a caller nobody answered, before 480


@dataclass(frozen=True)
class Extension:
    number: str
    name: str
    ring_timeout: int
    record: str = "never"  # never | always | on-demand


class Dialplan:
    def __init__(
        self,
        switch: Switch,
        db: sqlite_utils.Database,
        *,
        domain: str,
        contacts: Callable[[str], list[tuple[str, str]]],
        ring_timeout: int,
    ) -> None:
        self.switch = switch
        self.db = db
        self.domain = domain  # host part of caller-ID URIs shown to phones
        self.contacts = contacts  # extension -> [(contact URI, flow token)] (the edge)
        self.ring_timeout = ring_timeout

    def extension(self, number: str) -> Extension | None:
        rows = list(
            self.db.query(
                "SELECT number, name, ring_timeout, record FROM extensions WHERE number = ?",
                [number],
            )
        )
        if not rows:
            return None
        row = rows[0]
        return Extension(
            row["number"], row["name"], row["ring_timeout"] or self.ring_timeout, row["record"]
        )

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
            callee = self.extension(dialled)
            if callee is not None:
                record = cdrs.Cdr(caller.number, dialled, "internal", src_name=caller.name)
                policy = _policy(caller.record, callee.record)
                flow = self.call_extension(channel, record, callee, policy)
                await self._recorded(channel, record, flow)
                return
            await channel.reject(404, "No such extension")
            return
        # Trunk calls (inbound routes by DID) and everyone else: not routed yet.
        await channel.reject(404 if info.get("trunk") else 403)

    async def _recorded(self, channel: Channel, record: cdrs.Cdr, flow) -> None:
        """Run a call flow and write its CDR however it ends (engine crash and service
        stop included)."""
        try:
            await flow
        except ChannelGone as gone:
            record.hangup_by = record.hangup_by or _side(gone.hangup.by, "caller")
            record.cause = record.cause or gone.hangup.reason
        except self.switch.transient as exc:
            # The engine refused a step or died under the call (a crash in mid-setup).
            record.hangup_by = "system"
            record.cause = ENGINE_GONE if isinstance(exc, self.switch.gone) else f"media: {exc}"
            if record.disposition != "answered":
                record.disposition = "failed"
            log.warning("call %s ended by the media engine: %s", record.id, record.cause)
            await channel.hangup(500)
        except asyncio.CancelledError:
            record.hangup_by, record.cause = "system", record.cause or "service stopped"
            raise
        finally:
            try:
                cdrs.save(self.db, record)
            except Exception:
                log.exception("could not save the CDR of call %s", record.id)

    # -- extension to extension ---------------------------------------------------------

    async def call_extension(
        self, channel: Channel, record: cdrs.Cdr, callee: Extension, policy: str = "never"
    ) -> None:
        caller_name = record.src_name
        targets = [
            Target(uri, {FLOW_HEADER: token}, callee.number)
            for uri, token in self.contacts(callee.number)
        ]
        if not targets:
            record.disposition, record.cause = "failed", "not registered"
            await channel.reject(480, "Not registered")
            return
        result = await dial(
            self.switch,
            channel,
            targets,
            caller_id=self.caller_id(record.src, caller_name),
            timeout=callee.ring_timeout,
        )
        if result.winner is not None:
            record.answered(result.winner_name)
            recorder = Recorder(self.switch, record.id) if policy != "never" else None
            try:
                hangup = await connect(
                    self.switch, channel, result.winner, recorder=recorder, record=policy
                )
            finally:
                if recorder is not None and recorder.used:
                    record.recording = recorder.file
            record.hangup_by = hangup.by
            record.cause = hangup.reason if hangup.by == "system" else "normal clearing"
            return
        if result.caller_gone:
            gone = channel.ended.result()
            record.disposition = "failed" if gone.reason == ENGINE_GONE else "cancelled"
            record.hangup_by = "system" if gone.by == "engine" else "caller"
            record.cause = gone.reason
            return
        if result.busy or result.declined:
            record.disposition, record.cause = "busy", "busy"
            record.hangup_by = "callee"
            await channel.reject(486)
            return
        record.disposition = "no answer"
        record.cause = "no answer" if result.timed_out else f"callee failed ({result.codes})"
        record.hangup_by = "system"
        await self.no_answer(channel)

    async def no_answer(self, channel: Channel) -> None:
        """Nobody answered: a busy tone as early media, then 480 (voicemail will take
        this over where a box is enabled)."""
        with contextlib.suppress(ChannelGone, *self.switch.transient):
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
