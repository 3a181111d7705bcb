"""Cutting a TCP/TLS byte stream into SIP messages (RFC 3261 18.3), with size limits."""

from __future__ import annotations

from tongdai.sip.errors import SipError

MAX_HEADER = 16 * 1024
MAX_BODY = 64 * 1024


class StreamFramer:
    """Feed bytes in; get whole messages (bytes) out, framed by Content-Length.

    A keep-alive (a bare CRLF pair between messages, RFC 5626) is reported as
    b"\\r\\n\\r\\n" so the transport can answer it with a single CRLF. Framing
    errors raise SipError: the stream cannot be trusted after one, so the
    transport closes the connection.
    """

    def __init__(self, max_header: int = MAX_HEADER, max_body: int = MAX_BODY) -> None:
        self._buf = bytearray()
        self._max_header = max_header
        self._max_body = max_body

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        buf = self._buf
        while buf:
            if buf.startswith(b"\r\n"):
                if buf.startswith(b"\r\n\r\n"):
                    out.append(b"\r\n\r\n")
                    del buf[:4]
                    continue
                if len(buf) < 4:
                    break
                del buf[:2]
                continue
            end = buf.find(b"\r\n\r\n", 0, self._max_header + 4)
            if end < 0:
                if len(buf) > self._max_header:
                    raise SipError("header section too large", status=513)
                break
            length = _content_length(bytes(buf[:end]))
            if length > self._max_body:
                raise SipError("body too large", status=513)
            total = end + 4 + length
            if len(buf) < total:
                break
            out.append(bytes(buf[:total]))
            del buf[:total]
        return out


def _content_length(head: bytes) -> int:
    """The Content-Length of a header section; 0 when absent (allowed only for no body)."""
    found = None
    for line in head.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            continue
        name = name.strip().lower()
        if name in (b"content-length", b"l"):
            value = value.strip()
            if found is not None or not value.isdigit():
                raise SipError("bad Content-Length")
            found = int(value)
    return found or 0
