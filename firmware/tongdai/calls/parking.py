"""Call park: a call waits in a numbered slot, hearing music, until someone dials the
slot to take it (or the park time runs out and it rings whoever parked it).

Parking is by transfer: to the park code (70) for the first free slot, or to a slot
(71-79) for that one. A transfer gives nobody to tell the slot to, so for the slot
to be announced the parker calls 70 first (the box answers, reserves a slot and
says its number), then completes an attended transfer to that call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tongdai.calls.switch import Channel
from tongdai.store.features import SLOTS


@dataclass
class Parked:
    slot: str
    channel: Channel
    taken: asyncio.Future[Channel] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class ParkingLot:
    def __init__(self, slots: tuple[str, ...] = SLOTS) -> None:
        self.slots = slots
        self.parked: dict[str, Parked] = {}
        self.reserved: dict[str, str] = {}  # Call-ID of an announcing call -> its slot

    def free_slot(self, wanted: str | None = None) -> str | None:
        """`wanted` if it is a slot neither parked in nor reserved by an announcing
        call (a reservation is handed in by popping it first), else the first such slot
        when none was asked for; None when there is none."""
        taken = set(self.parked) | set(self.reserved.values())
        if wanted is not None:
            return wanted if wanted in self.slots and wanted not in taken else None
        return next((s for s in self.slots if s not in taken), None)

    def reserve(self, call_id: str) -> str | None:
        slot = self.free_slot()
        if slot is not None:
            self.reserved[call_id] = slot
        return slot

    def take(self, slot: str, retriever: Channel) -> bool:
        """Hand the call parked in `slot` to `retriever` (its flow continues the call)."""
        parked = self.parked.get(slot)
        if parked is None or parked.taken.done():
            return False
        parked.taken.set_result(retriever)
        return True
