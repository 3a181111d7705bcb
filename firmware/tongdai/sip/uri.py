"""SIP URIs (RFC 3261 section 19.1) and other absolute URIs.

A `SipUri` keeps the user part escaped as it was written, so a URI is
re-serialised byte for byte; `aor()` gives the comparable form.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import re

from tongdai.sip.errors import SipError
from tongdai.sip.grammar import format_params, unescape

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+\-.]*):")
_USER_RE = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+")
_PASSWORD_RE = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*")
_HOSTNAME_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)*"
    r"[A-Za-z](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.?"
)
_IPV4_RE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_PARAM_RE = re.compile(
    r";((?:[A-Za-z0-9\-_.!~*'()\[\]/:&+$]|%[0-9A-Fa-f]{2})+)"
    r"(?:=((?:[A-Za-z0-9\-_.!~*'()\[\]/:&+$]|%[0-9A-Fa-f]{2})*))?"
)
_HEADERS_RE = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()\[\]/?:+$=&]|%[0-9A-Fa-f]{2})*")
_OPAQUE_RE = re.compile(r"[^\s<>\"]+")


@dataclasses.dataclass(frozen=True, slots=True)
class SipUri:
    host: str  # as written; IPv6 references keep their brackets
    user: str | None = None  # escaped, as written
    password: str | None = None
    port: int | None = None
    params: dict[str, str | None] = dataclasses.field(default_factory=dict)
    headers: str = ""  # the part after '?', escaped
    scheme: str = "sip"

    def __str__(self) -> str:
        out = [self.scheme, ":"]
        if self.user is not None:
            out.append(self.user)
            if self.password is not None:
                out += [":", self.password]
            out.append("@")
        out.append(self.host)
        if self.port is not None:
            out += [":", str(self.port)]
        out.append(format_params(self.params))
        if self.headers:
            out += ["?", self.headers]
        return "".join(out)

    @property
    def host_key(self) -> str:
        """The host lower-cased and without IPv6 brackets, for comparison and sockets."""
        host = self.host.lower()
        return host[1:-1] if host.startswith("[") else host

    def aor(self) -> str:
        """The address-of-record: scheme, unescaped user and lower-cased host, nothing else."""
        user = unescape(self.user) + "@" if self.user is not None else ""
        return f"{self.scheme}:{user}{self.host_key}"


@dataclasses.dataclass(frozen=True, slots=True)
class AbsoluteUri:
    """A URI of another scheme (tel:, mailto:, ...): kept, compared, never routed on."""

    scheme: str
    rest: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.rest}"


@functools.lru_cache(maxsize=4096)
def parse_uri(text: str) -> SipUri | AbsoluteUri:
    """Parse a URI. Results are cached (phones send the same URIs again and again), so
    treat them as read-only."""
    m = _SCHEME_RE.match(text)
    if m is None:
        raise SipError("bad URI: no scheme")
    scheme = m.group(1).lower()
    rest = text[m.end() :]
    if scheme not in ("sip", "sips"):
        if not _OPAQUE_RE.fullmatch(rest):
            raise SipError("bad URI")
        return AbsoluteUri(scheme, rest)
    return _parse_sip(scheme, rest)


def _parse_sip(scheme: str, rest: str) -> SipUri:
    user = password = None
    at = rest.find("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, pw = userinfo.partition(":")
        if not _USER_RE.fullmatch(user):
            raise SipError("bad URI user part")
        if colon:
            if not _PASSWORD_RE.fullmatch(pw):
                raise SipError("bad URI password")
            password = pw
    rest, q, headers = rest.partition("?")
    if q and not _HEADERS_RE.fullmatch(headers):
        raise SipError("bad URI headers")
    hostport, semi, params_text = rest.partition(";")
    host, port = _split_hostport(hostport)
    params: dict[str, str | None] = {}
    if semi:
        params_text = ";" + params_text
        pos = 0
        while pos < len(params_text):
            pm = _PARAM_RE.match(params_text, pos)
            if pm is None:
                raise SipError("bad URI parameter")
            params[pm.group(1).lower()] = pm.group(2)
            pos = pm.end()
    return SipUri(host, user, password, port, params, headers, scheme)


def _split_hostport(text: str) -> tuple[str, int | None]:
    port = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise SipError("bad URI host: unclosed IPv6 reference")
        host, tail = text[: end + 1], text[end + 1 :]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise SipError("bad URI host: bad IPv6 address") from None
        if tail:
            if not tail.startswith(":"):
                raise SipError("bad URI host")
            port = _port(tail[1:])
        return host, port
    host, colon, port_text = text.partition(":")
    if colon:
        port = _port(port_text)
    if _IPV4_RE.fullmatch(host):
        if any(int(octet) > 255 for octet in host.split(".")):
            raise SipError("bad URI host: bad IPv4 address")
    elif not _HOSTNAME_RE.fullmatch(host):
        raise SipError("bad URI host")
    return host, port


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise SipError("bad URI port")
    return int(text)
