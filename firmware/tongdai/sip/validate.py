"""Checks every request must pass before anyone acts on it (RFC 3261 8.2, RFC 4475)."""

from __future__ import annotations

import dataclasses

from tongdai.sip.errors import SipError
from tongdai.sip.fields import NameAddr, Via, parse_cseq, parse_name_addr, parse_via
from tongdai.sip.message import Request
from tongdai.sip.uri import AbsoluteUri, SipUri, parse_uri

_REQUIRED = [(n.lower(), n) for n in ("Via", "From", "To", "Call-ID", "CSeq")]
_SINGLE = {
    n.lower(): n
    for n in ("From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Type", "Expires")
}
_WATCHED = frozenset([*_SINGLE, "via"])
MAX_EXPIRES = 2**32 - 1


@dataclasses.dataclass(slots=True)
class Checked:
    """The parsed essentials of a request that passed `check_request`."""

    uri: SipUri
    vias: list[Via]
    from_: NameAddr
    to: NameAddr
    cseq: int
    max_forwards: int | None
    expires: int | None


def check_request(req: Request, top: Via | None = None) -> Checked:
    """Raise SipError (with the status to answer) unless the request is well formed.

    `top` is the top Via when the caller parsed it already."""
    if req.version.upper() != "SIP/2.0":
        raise SipError("SIP version not supported", status=505)
    headers = req.headers
    first: dict[str, str] = {}
    repeated = None
    for key, _, value in headers._fields:  # one pass: presence and repetition
        if key in _WATCHED:
            if key in first and key in _SINGLE:
                repeated = repeated or key
            first.setdefault(key, value)
    for key, name in _REQUIRED:
        if key not in first:
            raise SipError(f"missing {name}")
    if repeated:
        raise SipError(f"more than one {_SINGLE[repeated]}")
    number, method = parse_cseq(first["cseq"])
    if method != req.method:
        raise SipError("CSeq method does not match the request")
    uri = parse_uri(req.uri)
    if isinstance(uri, AbsoluteUri):
        raise SipError("unsupported URI scheme", status=416)
    if uri.headers:
        raise SipError("headers in the Request-URI")
    values = headers.values("Via")
    if not values:
        raise SipError("missing Via")
    vias = [top if top is not None else parse_via(values[0])]
    vias += [parse_via(v) for v in values[1:]]
    from_ = parse_name_addr(first["from"])
    to = parse_name_addr(first["to"])
    max_forwards = first.get("max-forwards")
    if max_forwards is not None:
        if not max_forwards.isascii() or not max_forwards.isdigit() or int(max_forwards) > 255:
            raise SipError("bad Max-Forwards")
        max_forwards = int(max_forwards)
    expires = first.get("expires")
    if expires is not None:
        if not expires.isascii() or not expires.isdigit() or int(expires) > MAX_EXPIRES:
            raise SipError("bad Expires")
        expires = int(expires)
    return Checked(uri, vias, from_, to, number, max_forwards, expires)
