"""SIP requests and responses: parse from bytes, serialise to bytes (RFC 3261 section 7).

Parsing reads the start line and every header field (folding undone,
compact names expanded, unknown names and methods kept) and frames the
body by Content-Length. Header values stay strings until a caller asks for
their structure (see `fields`), so relaying a message costs little.
"""

from __future__ import annotations

import re

from tongdai.sip.errors import SipError
from tongdai.sip.grammar import TOKEN_RE
from tongdai.sip.headers import _CANONICAL, Headers

_FOLD_RE = re.compile(r"\r?\n[ \t]+")
_VERSION_RE = re.compile(r"SIP/\d{1,3}\.\d{1,3}", re.I)
MAX_CONTENT_LENGTH = 1 << 24
# Methods of RFC 3261 and its extensions (3262, 3265, 3311, 3428, 3515, 3903, 6086).
METHODS = frozenset(
    ("INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY",
     "UPDATE", "MESSAGE", "REFER", "PUBLISH", "INFO")
)  # fmt: skip

REASONS = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 200: "OK", 202: "Accepted", 301: "Moved Permanently",
    302: "Moved Temporarily", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone",
    413: "Request Entity Too Large", 414: "Request-URI Too Long",
    415: "Unsupported Media Type", 416: "Unsupported URI Scheme", 420: "Bad Extension",
    421: "Extension Required", 423: "Interval Too Brief", 480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist", 482: "Loop Detected", 483: "Too Many Hops",
    484: "Address Incomplete", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 489: "Bad Event", 491: "Request Pending",
    500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Server Time-out", 505: "Version Not Supported",
    513: "Message Too Large", 600: "Busy Everywhere", 603: "Decline",
    604: "Does Not Exist Anywhere", 606: "Not Acceptable",
}  # fmt: skip


class Message:
    __slots__ = ("body", "headers", "version")

    def __init__(self, version: str, headers: Headers, body: bytes) -> None:
        self.version = version
        self.headers = headers
        self.body = body

    # Request and Response each define start_line().

    def encode(self) -> bytes:
        """The message on the wire; Content-Length always states the body's real length."""
        parts = [self.start_line()]
        length = str(len(self.body))
        seen_length = False
        for key, name, value in self.headers._fields:
            if key == "content-length":
                if seen_length:
                    continue
                value, seen_length = length, True
            parts.append(f"{name}: {value}")
        if not seen_length:
            parts.append("Content-Length: " + length)
        parts.append("\r\n")
        return "\r\n".join(parts).encode("utf-8", "surrogateescape") + self.body

    __bytes__ = encode

    # The fields every request and response carries, read from the headers.
    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    def cseq(self) -> tuple[int, str]:
        from tongdai.sip.fields import parse_cseq

        return parse_cseq(self.headers.get("CSeq") or "")

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and self.start_line() == other.start_line()
            and self.headers == other.headers
            and self.body == other.body
        )

    __hash__ = None  # mutable


class Request(Message):
    __slots__ = ("method", "uri")

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Headers | None = None,
        body: bytes = b"",
        version: str = "SIP/2.0",
    ) -> None:
        super().__init__(version, headers if headers is not None else Headers(), body)
        self.method = method
        self.uri = uri

    def start_line(self) -> str:
        return f"{self.method} {self.uri} {self.version}"

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.uri}>"


class Response(Message):
    __slots__ = ("reason", "status")

    def __init__(
        self,
        status: int,
        reason: str | None = None,
        headers: Headers | None = None,
        body: bytes = b"",
        version: str = "SIP/2.0",
    ) -> None:
        super().__init__(version, headers if headers is not None else Headers(), body)
        self.status = status
        self.reason = REASONS.get(status, "") if reason is None else reason

    def start_line(self) -> str:
        return f"{self.version} {self.status} {self.reason}"

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"


def parse(data: bytes) -> Request | Response:
    """Parse one message (one UDP datagram, or one frame cut by `StreamFramer`).

    Octets after the body that Content-Length frames are ignored (RFC 3261
    section 18.3). Raises SipError; its `message` holds what could be read,
    so a request can still be answered with 400.
    """
    start = 0
    while data.startswith(b"\r\n", start):  # RFC 3261 7.5: ignore CRLFs before the start line
        start += 2
    end = data.find(b"\r\n\r\n", start)
    body_start = end + 4
    if end < 0:  # tolerate bare-LF senders
        end = data.find(b"\n\n", start)
        body_start = end + 2
    terminated = end >= 0
    head = data[start:end] if terminated else data[start:].rstrip(b"\r\n")
    text = head.decode("utf-8", "surrogateescape")
    lines = text.split("\r\n")
    bare_lf = text.count("\n") != len(lines) - 1  # some lines end with a bare LF
    if bare_lf:
        lines = _lines(text)
    fields, problem = _fields(lines, False)
    if fields is None:  # folded lines (RFC 3261 7.3.1), rare: unfold and read again
        text = _FOLD_RE.sub(" ", text)
        lines = _lines(text) if bare_lf else text.split("\r\n")
        fields, problem = _fields(lines, True)
    first = lines[0]
    if not first:
        raise SipError("empty message")
    headers = Headers._from_parsed(fields)
    msg = _start_line(first, headers)
    if isinstance(msg, SipError):
        raise msg
    if problem is None and not terminated:
        problem = "no empty line after the header section"
    if problem is not None:
        raise SipError(problem, message=msg if isinstance(msg, Request) else None)
    lengths = headers.get_all("Content-Length")
    if lengths:
        if len(lengths) > 1 or "," in lengths[0]:
            raise SipError("more than one Content-Length", message=msg)
        value = lengths[0]
        if not value.isascii() or not value.isdigit() or int(value) > MAX_CONTENT_LENGTH:
            raise SipError("bad Content-Length", message=msg)
        length = int(value)
        if body_start + length > len(data):
            raise SipError("Content-Length larger than the message", message=msg)
        msg.body = data[body_start : body_start + length]
    else:
        msg.body = data[body_start:]
    return msg


def _lines(text: str) -> list[str]:
    """Header lines of a sender that ends some lines with a bare LF."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def _fields(lines: list, unfolded: bool) -> tuple:
    """The header fields after the start line, and the first problem met (None: none).
    (None, None) when a line continues the one before (folding) in lines not unfolded yet."""
    fields = []
    problem = None
    known = _KNOWN_NAMES
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        name = name.rstrip(" \t")
        names = known.get(name)
        if names is None:
            lower = name.lower()
            names = known.get(lower)
            if names is None:
                if not unfolded and line.startswith((" ", "\t")):
                    return None, None
                if not colon or not TOKEN_RE.fullmatch(name):
                    problem = problem or "malformed header line"
                    continue
                names = (lower, name)
        if not colon:
            problem = problem or "malformed header line"
            continue
        fields.append((names[0], names[1], value.strip(" \t")))
    return fields, problem


# lower-case name -> (key, canonical name), compact forms included; the canonical names
# too, as most senders write them, so that most lines need no lower-casing
_KNOWN_NAMES = {low: (name.lower(), name) for low, name in _CANONICAL.items()}
_KNOWN_NAMES.update({names[1]: names for names in _KNOWN_NAMES.values()})


def _start_line(line: str, headers: Headers) -> Request | Response | SipError:
    if line[:4].upper() == "SIP/":
        parts = line.split(" ", 2)
        if len(parts) < 2 or not _VERSION_RE.fullmatch(parts[0]):
            return SipError("bad status line")
        code = parts[1]
        if len(code) != 3 or not code.isascii() or not code.isdigit() or code[0] == "0":
            return SipError("bad status code")
        return Response(int(code), parts[2] if len(parts) > 2 else "", headers, b"", parts[0])
    parts = line.split(" ")
    method = parts[0]
    partial = Request(method, parts[1] if len(parts) > 1 else "", headers)
    if len(parts) != 3 or not all(parts):
        return _partial(partial, "bad request line")
    # The usual method and version spare the regular expressions.
    if method not in METHODS and not TOKEN_RE.fullmatch(method):
        return _partial(partial, "bad method")
    if parts[2] != "SIP/2.0" and not _VERSION_RE.fullmatch(parts[2]):
        return _partial(partial, "bad SIP version")
    partial.version = parts[2]
    return partial


def _partial(request: Request, reason: str) -> SipError:
    return SipError(reason, message=request)


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
) -> Response:
    """A response to a request: Via, From, To, Call-ID and CSeq copied (RFC 3261 8.2.6)."""
    fields = []
    for key, name, value in request.headers._fields:
        if key in _COPIED:
            if key == "to" and to_tag and status > 100 and ";tag=" not in value.replace(" ", ""):
                value = f"{value};tag={to_tag}"
            fields.append((key, name, value))
    if reason is not None:
        reason = reason.replace("\r", " ").replace("\n", " ")
    return Response(status, reason, Headers._from_parsed(fields))


_COPIED = frozenset(("via", "from", "to", "call-id", "cseq"))
