"""NOTIFY bodies: dialog state for BLF keys (RFC 4235) and message waiting (RFC 3842)."""

from __future__ import annotations

import dataclasses
from xml.sax.saxutils import escape, quoteattr

DIALOG_INFO = "application/dialog-info+xml"
MESSAGE_SUMMARY = "application/simple-message-summary"


@dataclasses.dataclass(frozen=True, slots=True)
class Dialog:
    """One call leg of an extension's phone, as its BLF watchers see it."""

    id: str  # stable for the leg's life, unique among the extension's dialogs
    call_id: str  # the SIP Call-ID between the box and the phone ("" before it is known)
    direction: str  # initiator: the extension called; recipient: it is being called
    state: str  # trying | proceeding | early | confirmed | terminated
    remote: str = ""  # the other party's number (the caller, for a ringing phone)
    remote_name: str = ""


def dialog_info(entity_user: str, domain: str, version: int, dialogs: list[Dialog]) -> bytes:
    """A full-state dialog-info document. An idle extension is described by one
    terminated dialog rather than none, as Asterisk does: phones were tuned to that."""
    entity = f"sip:{entity_user}@{domain}"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"'
        f' version="{version}" state="full" entity={quoteattr(entity)}>',
    ]
    if not dialogs:
        lines += [f"<dialog id={quoteattr(entity_user)}>", "<state>terminated</state>", "</dialog>"]
    for d in dialogs:
        call_id = f" call-id={quoteattr(d.call_id)}" if d.call_id else ""
        lines += [
            f"<dialog id={quoteattr(d.id)}{call_id} direction={quoteattr(d.direction)}>",
            f"<state>{escape(d.state)}</state>",
            # The local target is the party itself; the remote identity is whom a
            # ringing key shows and what a phone needs to offer directed pickup.
            f"<local><identity>{escape(entity)}</identity>"
            f"<target uri={quoteattr(entity)}/></local>",
        ]
        if d.remote:
            remote = f"sip:{d.remote}@{domain}"
            name = f" display-name={quoteattr(d.remote_name)}" if d.remote_name else ""
            lines.append(
                f"<remote><identity{name}>{escape(remote)}</identity>"
                f"<target uri={quoteattr(remote)}/></remote>"
            )
        lines.append("</dialog>")
    lines.append("</dialog-info>")
    return ("\n".join(lines) + "\n").encode()


def message_summary(account: str, new: int, old: int) -> bytes:
    """The message-summary body for a voice mailbox (urgent counts are not kept: 0)."""
    waiting = "yes" if new else "no"
    return (
        f"Messages-Waiting: {waiting}\r\n"
        f"Message-Account: {account}\r\n"
        f"Voice-Message: {new}/{old} (0/0)\r\n"
    ).encode()
