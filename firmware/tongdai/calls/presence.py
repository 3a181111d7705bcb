"""Who is on the phone, for BLF keys, and how many voice messages wait, for MWI lamps.

The switch shows every channel to `channel_changed` when it is made, changes and ends
(calls.switch `watchers`); each leg that belongs to an extension's phone is one dialog
of that extension. Whenever what a watcher would see changes, `on_change(event,
target)` tells the edge, which NOTIFYs the phones subscribed to it and reads the state
back through `dialogs()` and `mailbox()`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from tongdai.calls.switch import Channel
from tongdai.edge.event_bodies import Dialog
from tongdai.sip.errors import SipError
from tongdai.sip.fields import parse_name_addr
from tongdai.sip.grammar import unescape
from tongdai.sip.uri import SipUri

# channel state -> RFC 4235 dialog state (from the phone's side of its dialog with the box)
DIALOG_STATES = {
    "incoming": "trying",
    "calling": "trying",
    "early": "early",
    "connecting": "confirmed",
    "answered": "confirmed",
}


class Presence:
    def __init__(self, locate: Callable[[str], str | None] = lambda contact: None) -> None:
        # The extension whose registered contact a URI is: the box rings a phone at its
        # contact, so that is how an outgoing leg is known to be an extension's.
        self.locate = locate
        self.on_change: Callable[[str, str], None] = lambda event, target: None
        # Voicemail's counts (new, old) of a box; service.py wires the store's `counts`.
        self.counts: Callable[[str], tuple[int, int]] = lambda box: (0, 0)
        self._owner: dict[Channel, str] = {}  # leg -> extension
        self._legs: dict[str, dict[Channel, str]] = {}  # extension -> leg -> dialog id
        self._shown: dict[str, list[Dialog]] = {}  # what watchers were last told
        self._mail: dict[str, tuple[int, int]] = {}
        self._ids = itertools.count(1)

    # -- extensions' calls -------------------------------------------------------------

    def channel_changed(self, channel: Channel) -> None:
        number = self._owner.get(channel)
        if number is None:
            number = self._extension_of(channel) if channel.alive else None
            if number is None:
                return
            self._owner[channel] = number
            self._legs.setdefault(number, {})[channel] = f"d{next(self._ids)}"
        if not channel.alive:
            del self._owner[channel]
            legs = self._legs[number]
            del legs[channel]
            if not legs:
                del self._legs[number]
        dialogs = self.dialogs(number)
        if dialogs != self._shown.get(number, []):
            if dialogs:
                self._shown[number] = dialogs
            else:
                self._shown.pop(number, None)
            self.on_change("dialog", number)

    def _extension_of(self, channel: Channel) -> str | None:
        if channel.extension:
            return channel.extension
        if channel.direction == "in":
            return channel.info.get("identity") or None  # the edge authenticated it
        return self.locate(channel.info.get("to", ""))

    def legs(self, number: str) -> list[Channel]:
        """The extension's live legs, oldest first (the wallboard's agents' calls)."""
        return list(self._legs.get(number, ()))

    def dialogs(self, number: str) -> list[Dialog]:
        return [_dialog(leg, id_) for leg, id_ in self._legs.get(number, {}).items()]

    # -- mailboxes ---------------------------------------------------------------------

    def mailbox_changed(self, box: str, new: int, old: int) -> None:
        """Voicemail tells us a box's counts changed (a message left, heard or deleted)."""
        self._mail[box] = (new, old)
        self.on_change("message-summary", box)

    def mailbox(self, box: str) -> tuple[int, int]:
        counts = self._mail.get(box)
        return counts if counts is not None else self.counts(box)


def _dialog(leg: Channel, id_: str) -> Dialog:
    state = DIALOG_STATES.get(leg.state, "trying")
    if leg.direction == "in":  # the extension's phone called
        dialled = leg.info.get("uri_user") or leg.info.get("to_user") or ""
        return Dialog(id_, leg.call_id, "initiator", state, dialled)
    number, name = _caller(leg.info.get("caller") or "")
    return Dialog(id_, leg.call_id, "recipient", state, number, name)


def _caller(caller_id: str) -> tuple[str, str]:
    """Number and name from a caller ID ('"Lan" <sip:201@box>')."""
    try:
        addr = parse_name_addr(caller_id)
    except SipError:
        return "", ""
    if not isinstance(addr.uri, SipUri) or not addr.uri.user:
        return "", ""
    return unescape(addr.uri.user), addr.display_name
