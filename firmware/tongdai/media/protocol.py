"""The media control protocol, version 3: JSON lines over a unix stream socket.

The main process and the media child share a socketpair; each message is one
UTF-8 JSON object on one line ending in "\\n", at most MAX_LINE bytes.

Commands (main -> media) carry a request id the reply echoes:
    {"v": 3, "id": 7, "cmd": "ping"}
Replies (media -> main):
    {"v": 3, "id": 7, "ok": true, "result": {...}}
    {"v": 3, "id": 7, "ok": false, "error": "what went wrong"}
Events (media -> main, unsolicited):
    {"v": 3, "event": "ready", ...}

Ids: the main process names the objects it creates (`channel` of an originate,
`bridge`, `playback`, `recording`, `snoop`: 1-64 of [A-Za-z0-9_.:-]); incoming
channels are named by the engine ("i1", "i2"...). A `target` is a channel or a bridge.

Commands (reply result in parentheses):
    ping                                   ({"pjsip", "uptime", "channels"})
    shutdown                               the engine ends its calls and exits
    originate  channel, to (sip: URI), caller? ('"Name" <sip:201@box>'), auth?
               ({"username", "password", "realm"?} for a provider's 401/407),
               headers? ({name: value})    a new outgoing leg, sent via the edge
    ring       channel                     180 Ringing to an incoming leg
    progress   channel                     183 with SDP (early media)
    answer     channel                     200 OK
    reject     channel, code (300-699), reason?   refuse an unanswered incoming leg
    hangup     channel, code?, reason?     BYE, CANCEL, or a final response
    dtmf       channel, digits             RFC 4733 digits to the far end
    bridge_create  bridge
    bridge_add     bridge, channel         (moves it out of any other bridge)
    bridge_remove  bridge, channel
    bridge_destroy bridge                  (its playbacks and recordings end)
    play       playback, target, files [paths or names under --sounds], loop?,
               interrupt? (a channel target's DTMF ends it)
    tone       playback, target, tone (a name in media.tones or segments), loop?,
               interrupt?
    stop       playback
    record     recording, target, file (a .wav under --recordings), mix?
               (default true: a channel's recording has both directions)
                                           ({"recording", "path"})
    record_stop recording
    snoop      snoop, spy (channel), target (channel), mode (listen|whisper|barge)
    snoop_mode snoop, mode
    snoop_stop snoop

Events:
    ready           pjsip, sip_port, pid
    channel_new     channel, call_id, from_user, from_name, to_user, uri_user,
                    identity (the extension the edge authenticated) or trunk,
                    pai_user?, pai_name?
    channel_state   channel, state (calling|early|connecting|answered), code, call_id
                    (the SIP Call-ID of its dialog)
    channel_media   channel, media (up|hold|down)
    channel_hungup  channel, code, reason, by (local|remote)
    dtmf            channel, digit, method (rfc4733|info)
    transfer        channel, to (the REFER's Refer-To value, as sent: it may carry
                    ?Replaces=...). The engine has already accepted the REFER and told
                    the phone it succeeded (pjsua cannot wait for the main process to
                    decide); the main process does the transfer, or ignores it (a REFER
                    from a provider's leg, a party no longer in a call).
    playback_end    playback, reason (done|stopped|dtmf|channel_gone)
    recording_end   recording, reason (stopped|channel_gone)

This module does no I/O: bytes in, messages out.
"""

from __future__ import annotations

import json
from typing import Any

VERSION = 3
MAX_LINE = 64 * 1024


class ProtocolError(ValueError):
    """A message that is not valid protocol; the connection should be dropped."""


def encode(message: dict[str, Any]) -> bytes:
    data = json.dumps({"v": VERSION, **message}, ensure_ascii=False, separators=(",", ":"))
    line = data.encode() + b"\n"
    if len(line) > MAX_LINE:
        raise ProtocolError(f"message of {len(line)} bytes exceeds {MAX_LINE}")
    return line


def command(request_id: int, name: str, /, **args: Any) -> bytes:
    return encode({"id": request_id, "cmd": name, **args})


def reply(request_id: int, result: dict[str, Any] | None = None) -> bytes:
    return encode({"id": request_id, "ok": True, "result": result or {}})


def error(request_id: int, message: str) -> bytes:
    return encode({"id": request_id, "ok": False, "error": message})


def event(name: str, /, **fields: Any) -> bytes:
    return encode({"event": name, **fields})


class LineDecoder:
    """Feed bytes as they arrive; take out whole messages."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buf += data
        messages = []
        while (end := self._buf.find(b"\n")) >= 0:
            line = bytes(self._buf[:end])
            del self._buf[: end + 1]
            messages.append(_decode_line(line))
        if len(self._buf) > MAX_LINE:
            raise ProtocolError(f"line longer than {MAX_LINE} bytes")
        return messages


def _decode_line(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    if message.get("v") != VERSION:
        raise ProtocolError(f"unsupported protocol version {message.get('v')!r}")
    if not ("cmd" in message or "event" in message or "ok" in message):
        raise ProtocolError("a message needs one of cmd, event or ok")
    return message
