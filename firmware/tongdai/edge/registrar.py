"""The registrar (RFC 3261 section 10.3): bindings from authenticated REGISTER requests.

Called by the edge once the request passed the checks and digest
authentication; every check runs before any change, so a refused request
changes nothing.
"""

from __future__ import annotations

import dataclasses
import email.utils

from tongdai.edge.location import Binding, Location
from tongdai.sip.errors import SipError
from tongdai.sip.fields import parse_name_addr
from tongdai.sip.message import Request, Response, make_response
from tongdai.sip.uri import SipUri
from tongdai.sip.validate import Checked


@dataclasses.dataclass(frozen=True)
class RegistrarConfig:
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600


class Registrar:
    def __init__(self, location: Location, config: RegistrarConfig = RegistrarConfig()) -> None:
        self.location = location
        self.config = config

    def register(
        self,
        req: Request,
        checked: Checked,
        aor: str,
        *,
        transport: str,
        source: tuple[str, int],
        flow,
        now: float,
        to_tag: str,
    ) -> Response:
        try:
            changes = self._plan(req, checked, aor, now)
        except SipError as err:
            resp = make_response(req, err.status, err.reason, to_tag=to_tag)
            if err.status == 423:
                resp.headers.add("Min-Expires", str(self.config.min_expires))
            return resp
        user_agent = (req.headers.get("User-Agent") or "")[:200]
        for old, contact, expires, q, instance in changes:
            if old is not None:
                self.location.remove(old)
            if expires:
                self.location.put(
                    Binding(
                        aor, contact, now + expires, req.call_id, checked.cseq, transport,
                        source, old.registered_at if old else now, q, instance, user_agent,
                        flow if transport != "UDP" else None,
                    )
                )  # fmt: skip
        return self._ok(req, aor, now, to_tag)

    def _plan(self, req: Request, checked: Checked, aor: str, now: float) -> list[tuple]:
        """What to change: (existing binding or None, contact, expires, q, instance) each."""
        contacts = req.headers.values("Contact")
        existing = self.location.lookup(aor)
        if any(c == "*" for c in contacts):
            if len(contacts) != 1 or checked.expires != 0:
                raise SipError("Contact * needs Expires: 0 and no other Contact")
            for b in existing:
                self._check_order(b, req.call_id, checked.cseq)
            return [(b, b.contact, 0, None, None) for b in existing]
        plan = []
        for text in contacts:
            addr = parse_name_addr(text)
            if not isinstance(addr.uri, SipUri):
                raise SipError("Contact must be a SIP URI")
            expires = addr.params.get("expires")
            if expires is not None:
                if not expires.isascii() or not expires.isdigit():
                    raise SipError("bad Contact expires")
                expires = int(expires)
            elif checked.expires is not None:
                expires = checked.expires
            else:
                expires = self.config.default_expires
            if 0 < expires < self.config.min_expires:
                raise SipError("Interval Too Brief", status=423)
            expires = min(expires, self.config.max_expires)
            q = _q(addr.params.get("q"))
            instance = addr.params.get("+sip.instance")
            contact = str(addr.uri)
            old = _match(existing, contact, instance)
            if old is not None:
                self._check_order(old, req.call_id, checked.cseq)
            plan.append((old, contact, expires, q, instance))
        return plan

    @staticmethod
    def _check_order(binding: Binding, call_id: str, cseq: int) -> None:
        # Same Call-ID: only a newer CSeq may change the binding (10.3 step 7). An equal
        # CSeq is a retransmission whose transaction was already forgotten: accept it.
        if binding.call_id == call_id and cseq < binding.cseq:
            raise SipError("CSeq out of order")

    def _ok(self, req: Request, aor: str, now: float, to_tag: str) -> Response:
        resp = make_response(req, 200, to_tag=to_tag)
        for b in self.location.lookup(aor):
            resp.headers.add("Contact", f"<{b.contact}>;expires={max(0, int(b.expires_at - now))}")
        resp.headers.add("Date", _http_date(now))
        return resp


_date_cache: tuple[int, str] = (0, "")


def _http_date(now: float) -> str:
    """The Date header value, formatted once per second (it is costly to format)."""
    global _date_cache
    second = int(now)
    if _date_cache[0] != second:
        _date_cache = (second, email.utils.formatdate(second, usegmt=True))
    return _date_cache[1]


def _match(existing: list[Binding], contact: str, instance: str | None) -> Binding | None:
    """The binding a contact updates: same URI, or same device (+sip.instance, RFC 5626)."""
    for b in existing:
        if b.contact == contact or (instance and b.instance == instance):
            return b
    return None


def _q(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        q = float(text)
    except ValueError:
        raise SipError("bad Contact q") from None
    if not 0 <= q <= 1:
        raise SipError("bad Contact q")
    return q
