"""Structured header values: name-addr (From, To, Contact), Via, CSeq, credentials."""

from __future__ import annotations

import dataclasses
import functools
import re

from tongdai.sip.errors import SipError
from tongdai.sip.grammar import QUOTED, TOKEN, format_params, parse_params, unquote
from tongdai.sip.uri import AbsoluteUri, SipUri, parse_uri

MAX_CSEQ = 2**31 - 1  # RFC 3261 8.1.1.5

_CSEQ_RE = re.compile(r"\s*(\d{1,10})\s+(" + TOKEN + r")\s*")
_NAME_ADDR_RE = re.compile(
    r"\s*(?:(" + QUOTED + r")|(" + TOKEN + r"(?:[ \t]+" + TOKEN + r")*))?\s*<([^<>]*)>"
)
_VIA_RE = re.compile(
    r"\s*(" + TOKEN + r")\s*/\s*(" + TOKEN + r")\s*/\s*(" + TOKEN + r")\s+"
    r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?:\s*:\s*(\d{1,5}))?"
)
_AUTH_PARAM_RE = re.compile(r"\s*(" + TOKEN + r")\s*=\s*(" + QUOTED + r"|[^\s,\"]+)\s*(?:,|$)")


def parse_cseq(value: str) -> tuple[int, str]:
    m = _CSEQ_RE.fullmatch(value)
    if m is None:
        raise SipError("bad CSeq")
    number = int(m.group(1))
    if number > MAX_CSEQ:
        raise SipError("CSeq number too large")
    return number, m.group(2)


@dataclasses.dataclass(frozen=True, slots=True)
class NameAddr:
    """A From/To/Contact/Route value: optional display name, URI, header parameters."""

    uri: SipUri | AbsoluteUri
    display: str | None = None  # as written (quoted string or tokens)
    params: dict[str, str | None] = dataclasses.field(default_factory=dict)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    @property
    def display_name(self) -> str:
        return unquote(self.display) if self.display else ""

    def __str__(self) -> str:
        name = f"{self.display} " if self.display else ""
        return f"{name}<{self.uri}>{format_params(self.params)}"


@functools.lru_cache(maxsize=4096)
def parse_name_addr(value: str) -> NameAddr:
    """Parse a From/To/Contact value. Results are cached: treat them as read-only."""
    m = _NAME_ADDR_RE.match(value)
    if m is not None:
        uri = parse_uri(m.group(3))
        display = m.group(1) or m.group(2)
        pos = m.end()
    else:
        # addr-spec: parameters after it belong to the header, so the URI ends at ';'
        # and cannot hold ',', ';' or '?' (RFC 3261 20.10).
        text = value.strip()
        cut = text.find(";")
        spec = (text if cut < 0 else text[:cut]).rstrip(" \t")
        if "?" in spec or "," in spec or " " in spec or "\t" in spec:
            raise SipError("URI with ',', '?' or spaces must be in <>")
        uri = parse_uri(spec)
        display = None
        value = text
        pos = len(spec) if cut < 0 else cut
    params, pos = parse_params(value, pos)
    if value[pos:].strip():
        raise SipError("bad address")
    return NameAddr(uri, display, params)


class Via:
    """One Via value, read-only. Compiled, it is an extension type (fields.pxd): one is
    made for every message, and a dataclass's generated __init__ would run interpreted."""

    __slots__ = ("host", "params", "port", "protocol", "transport")

    def __init__(
        self,
        transport: str,  # upper case: UDP, TCP, TLS, ...
        host: str,
        port: int | None = None,
        params: dict[str, str | None] | None = None,
        protocol: str = "SIP/2.0",
    ) -> None:
        self.transport = transport
        self.host = host
        self.port = port
        self.params = {} if params is None else params
        self.protocol = protocol

    def _astuple(self) -> tuple:
        return (self.transport, self.host, self.port, self.params, self.protocol)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __repr__(self) -> str:
        return (
            f"Via(transport={self.transport!r}, host={self.host!r}, port={self.port!r}, "
            f"params={self.params!r}, protocol={self.protocol!r})"
        )

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    def __str__(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.protocol}/{self.transport} {self.host}{port}{format_params(self.params)}"


def parse_via(value: str) -> Via:
    m = _VIA_RE.match(value)
    if m is None:
        raise SipError("bad Via")
    port = None
    if m.group(5) is not None:
        port = int(m.group(5))
        if port > 65535:
            raise SipError("bad Via port")
    params, pos = parse_params(value, m.end())
    if value[pos:].strip():
        raise SipError("bad Via")
    protocol = f"{m.group(1)}/{m.group(2)}"
    return Via(m.group(3).upper(), m.group(4), port, params, protocol)


def parse_credentials(value: str) -> tuple[str, dict[str, str]]:
    """An Authorization/WWW-Authenticate value: the scheme and its unquoted parameters."""
    scheme, _, rest = value.strip().partition(" ")
    if not scheme:
        raise SipError("bad credentials")
    # One split finds every name=value at once (no match objects); the parameters are
    # well formed exactly when nothing lies between, before or after them.
    parts = _AUTH_PARAM_RE.split(rest.strip())
    if any(parts[::3]):
        raise SipError("bad credentials")
    params: dict[str, str] = {}
    for i in range(1, len(parts), 3):
        value = parts[i + 1]
        if value[0] == '"':
            value = unquote(value)
        params[parts[i].lower()] = value
    return scheme, params
