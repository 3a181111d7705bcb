"""The call at an agent's extension, as their desk's screen pop shows it: who calls
(number, name, the contact card), through which queue, the CDR id the agent's note is
kept under, earlier calls with that number and the queue's script.

The extension's legs come from presence (which follows the switch's watchers); a leg the
box rang at the phone was dialled for the caller's leg (`Channel.linked`). The CDR id
comes from the queue app for queue calls, else from the live call records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tongdai.calls import records
from tongdai.calls.switch import Channel
from tongdai.store import contacts, desk


@dataclass
class Pop:
    key: str  # the caller's leg id: a new key is a new call
    number: str
    name: str
    queue: str
    cdr_id: str  # "" when not known
    state: str  # ringing | talking
    contact: contacts.Contact | None = None
    history: list[dict] = field(default_factory=list)
    script: str = ""


def _ringing_for(service, leg: Channel) -> bool:
    """A leg the box rang at the phone for a caller, not a supervisor's listening leg."""
    if leg.direction != "out" or leg.linked is None:
        return False
    return not any(s.target is leg.linked for s in service.supervisor.sessions.values())


def current_leg(service, extension: str) -> Channel | None:
    legs = [leg for leg in service.presence.legs(extension) if leg.alive]
    legs = [leg for leg in legs if _ringing_for(service, leg)]
    return legs[-1] if legs else None


def _cdr_id(service, caller: Channel) -> str:
    queued = service.dialplan.queues.calls.get(caller.id)
    if queued is not None and queued.record is not None:
        return queued.record.id
    # The live records of calls from this number; the one that began with the caller's
    # leg (wall clock of the CDR against the loop clock of the leg).
    loop_age = service.acd.now() - caller.created
    began = time.time() - loop_age
    found = [r.current for r in list(records.LIVE)
             if r.current.end is None and r.current.src == caller.party]  # fmt: skip
    if not found:
        return ""
    best = min(found, key=lambda c: abs(c.start.timestamp() - began))
    return best.id if abs(best.start.timestamp() - began) < 5 else ""


def pop_for(service, extension: str) -> Pop | None:
    """The call ringing or answered at `extension` now, or None."""
    leg = current_leg(service, extension)
    if leg is None:
        return None
    caller = leg.linked
    number = caller.party or caller.info.get("from_user", "")
    name = caller.party_name or caller.info.get("from_name", "")
    queued = service.dialplan.queues.calls.get(caller.id)
    queue = queued.queue if queued is not None else ""
    db = service.db
    cdr_id = _cdr_id(service, caller)
    contact = contacts.by_number(db, number) if number else None
    numbers = contact.numbers if contact else [n for n in {number, contacts.normalise(number)} if n]
    return Pop(
        key=caller.id, number=number, name=name, queue=queue, cdr_id=cdr_id,
        state="talking" if leg.answered_at is not None else "ringing", contact=contact,
        history=contacts.calls(db, numbers, limit=10, exclude=cdr_id),
        script=desk.script(db, queue) if queue else "",
    )  # fmt: skip


def live_cdr_ids() -> set[str]:
    """CDR ids of calls going on now (their rows are written when they end)."""
    return {r.current.id for r in list(records.LIVE) if r.current.end is None}
