"""Small pieces of RFC 3261's grammar shared by the header parsers.

The parsers are regular expressions matched at a position, with linear
whitespace (LWS) allowed wherever RFC 3261 writes SWS/LWS around separators.
"""

from __future__ import annotations

import re

from tongdai.sip.errors import SipError

TOKEN = r"[A-Za-z0-9\-.!%*_+`'~]+"
# Written as an unrolled loop (runs of plain characters, then one escape at a time): the
# same language as "(?:[^"\\\r\n]|\\[^\r\n])*", matched twice as fast by `re`.
QUOTED = r'"[^"\\\r\n]*(?:\\[^\r\n][^"\\\r\n]*)*"'
TOKEN_RE = re.compile(TOKEN)
QUOTED_RE = re.compile(QUOTED)
# A generic parameter: ;name or ;name=value, the value a token, a quoted string or
# (for received=, maddr= and IPv6) a host-ish word that is not quite a token.
PARAM_RE = re.compile(
    r"\s*;\s*(" + TOKEN + r")(?:\s*=\s*(" + QUOTED + r"|[A-Za-z0-9\-.!%*_+`'~:\[\]]+))?"
)
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.S)


def parse_params(text: str, pos: int) -> tuple[dict[str, str | None], int]:
    """Parse `;name=value` parameters from pos; return them (names lower-cased) and the end."""
    params: dict[str, str | None] = {}
    end = len(text)
    while pos < end:
        m = PARAM_RE.match(text, pos)
        if m is None:
            break
        params[m.group(1).lower()] = m.group(2)
        pos = m.end()
    return params, pos


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def unquote(value: str) -> str:
    """The content of a quoted string with quoted-pairs resolved (a token is returned as is)."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        inner = value[1:-1]
        return _QUOTED_PAIR_RE.sub(r"\1", inner) if "\\" in inner else inner
    return value


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unescape(value: str) -> str:
    """Resolve %HH escapes (URI user parts); the result may hold any octet, NUL included."""
    if "%" not in value:
        return value
    raw = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return raw.encode("latin-1", "surrogateescape").decode("utf-8", "surrogateescape")


def split_commas(value: str) -> list[str]:
    """Split a header value at commas that are outside quotes and angle brackets."""
    if '"' not in value and "<" not in value:
        return [part.strip() for part in value.split(",") if part.strip()]
    parts, buf, in_quote, in_angle, escape = [], [], False, False, False
    for ch in value:
        if escape:
            escape = False
        elif in_quote:
            if ch == "\\":
                escape = True
            elif ch == '"':
                in_quote = False
        elif ch == '"':
            in_quote = True
        elif ch == "<":
            in_angle = True
        elif ch == ">":
            in_angle = False
        elif ch == "," and not in_angle:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    if in_quote:
        raise SipError("unterminated quoted string")
    parts.append("".join(buf).strip())
    return [p for p in parts if p]
