"""Checks every request must pass before anyone acts on it (RFC 3261 8.2, RFC 4475)."""

from __future__ import annotations

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


class Checked:
    """The parsed essentials of a request that passed `check_request`. Compiled, it is an
    extension type (validate.pxd): one is made for every request."""

    __slots__ = ("cseq", "expires", "from_", "max_forwards", "to", "uri", "vias")

    def __init__(
        self,
        uri: SipUri,
        vias: list[Via],
        from_: NameAddr,
        to: NameAddr,
        cseq: int,
        max_forwards: int | None,
        expires: int | None,
    ) -> None:
        self.uri = uri
        self.vias = vias
        self.from_ = from_
        self.to = to
        self.cseq = cseq
        self.max_forwards = max_forwards
        self.expires = expires

    def _astuple(self) -> tuple:
        return (
            self.uri, self.vias, self.from_, self.to, self.cseq, self.max_forwards, self.expires,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __repr__(self) -> str:
        names = ("uri", "vias", "from_", "to", "cseq", "max_forwards", "expires")
        pairs = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._astuple(), strict=True))
        return f"Checked({pairs})"


def check_request(req: Request, values: list[str] | None = None, top: Via | None = None) -> Checked:
    """Raise SipError (with the status to answer) unless the request is well formed.

    `values` are the request's Via values and `top` the first one parsed, when the caller
    has them already."""
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
    if values is None:
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
