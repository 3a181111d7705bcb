"""The media control protocol, version 1: JSON lines over a unix stream socket.

The main process and the media child share a socketpair; each message is one
UTF-8 JSON object on one line ending in "\\n", at most MAX_LINE bytes.

Commands (main -> media) carry a request id the reply echoes:
    {"v": 1, "id": 7, "cmd": "ping"}
Replies (media -> main):
    {"v": 1, "id": 7, "ok": true, "result": {...}}
    {"v": 1, "id": 7, "ok": false, "error": "what went wrong"}
Events (media -> main, unsolicited):
    {"v": 1, "event": "ready", ...}

Version 1 commands:
    ping        -> {"pjsip": "2.12.1", "uptime": 1.5}
    shutdown    -> {} and the process ends its calls and exits
Version 1 events:
    ready       {"pjsip": str, "sip_port": int, "pid": int}: the engine is up

Later versions add channels, bridges, playbacks, recordings and snoops here.
This module does no I/O: bytes in, messages out.
"""

from __future__ import annotations

import json
from typing import Any

VERSION = 1
MAX_LINE = 64 * 1024


class ProtocolError(ValueError):
    """A message that is not valid protocol; the connection should be dropped."""


def encode(message: dict[str, Any]) -> bytes:
    data = json.dumps({"v": VERSION, **message}, ensure_ascii=False, separators=(",", ":"))
    line = data.encode() + b"\n"
    if len(line) > MAX_LINE:
        raise ProtocolError(f"message of {len(line)} bytes exceeds {MAX_LINE}")
    return line


def command(request_id: int, name: str, **args: Any) -> bytes:
    return encode({"id": request_id, "cmd": name, **args})


def reply(request_id: int, result: dict[str, Any] | None = None) -> bytes:
    return encode({"id": request_id, "ok": True, "result": result or {}})


def error(request_id: int, message: str) -> bytes:
    return encode({"id": request_id, "ok": False, "error": message})


def event(name: str, **fields: Any) -> bytes:
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
