"""Subscriptions the edge serves itself (RFC 6665): BLF keys (`Event: dialog`, RFC 4235)
and message-waiting lamps (`Event: message-summary`, RFC 3842).

Sans-I/O like the rest of the edge: SUBSCRIBE requests and the time come in, responses
and NOTIFY requests leave through flows. The edge is the notifier: it authenticates the
subscriber like a REGISTER (401), answers with a dialog of its own, sends the current
state at once and again on every change, and ends the subscription on un-subscribe,
expiry, or a NOTIFY that fails (481, timeout). What to report comes from `source`
(the main process's presence tracker; nothing until it is wired).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from typing import TYPE_CHECKING, Protocol

from tongdai.edge.event_bodies import (
    DIALOG_INFO,
    MESSAGE_SUMMARY,
    Dialog,
    dialog_info,
    message_summary,
)
from tongdai.sip.digest import Outcome
from tongdai.sip.errors import SipError
from tongdai.sip.fields import parse_name_addr
from tongdai.sip.grammar import parse_params, unescape
from tongdai.sip.headers import Headers
from tongdai.sip.message import Request, Response, make_response
from tongdai.sip.transaction import MAGIC
from tongdai.sip.uri import SipUri

if TYPE_CHECKING:
    from tongdai.edge.core import Edge, Incoming

log = logging.getLogger("tongdai.edge")

PACKAGES = {"dialog": DIALOG_INFO, "message-summary": MESSAGE_SUMMARY}
ALLOW_EVENTS = ", ".join(PACKAGES)


class Source(Protocol):
    def dialogs(self, number: str) -> list[Dialog]: ...

    def mailbox(self, box: str) -> tuple[int, int]: ...


class Nothing:
    """The state before the main process wires its presence tracker: idle, no messages."""

    def dialogs(self, number: str) -> list[Dialog]:
        return []

    def mailbox(self, box: str) -> tuple[int, int]:
        return 0, 0


@dataclasses.dataclass(frozen=True)
class SubscriptionConfig:
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600  # RFC 4235 and RFC 3842 both suggest an hour
    per_extension: int = 200  # a phone with sidecars watches up to ~180 keys
    total: int = 5000


@dataclasses.dataclass(eq=False, slots=True)
class Subscription:
    subscriber: str  # the extension that authenticated
    event: str  # dialog | message-summary
    event_header: str  # the Event value as subscribed (with its id parameter)
    target: str  # the extension watched, or the mailbox
    domain: str  # host[:port] the phone calls the box by, for URIs in bodies
    call_id: str
    local: str  # our From value (with our tag)
    remote: str  # our To value (the subscriber's From, with its tag)
    remote_target: str  # the subscriber's Contact URI: where NOTIFY goes
    routes: list[str]
    contact: str  # our Contact
    flow: object  # the flow the last SUBSCRIBE came on
    expires_at: float
    remote_cseq: int
    cseq: int = 0
    version: int = 0  # dialog-info documents sent (RFC 4235 4.1)
    ended: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return self.call_id, _tag(self.remote), _tag(self.local)


def _tag(value: str) -> str:
    return parse_name_addr(value).tag or ""


class Subscriptions:
    def __init__(self, edge: Edge, config: SubscriptionConfig = SubscriptionConfig()) -> None:
        self.edge = edge
        self.config = config
        self.source: Source = Nothing()
        self._by_key: dict[tuple[str, str, str], Subscription] = {}
        self._by_target: dict[tuple[str, str], list[Subscription]] = {}
        self._per_subscriber: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def count(self, event: str) -> int:
        return sum(1 for s in self._by_key.values() if s.event == event)

    def watching(self, event: str, target: str) -> list[Subscription]:
        return list(self._by_target.get((event, target), ()))

    # -- SUBSCRIBE ---------------------------------------------------------------------

    def receive(self, inc: Incoming) -> None:
        edge, req = self.edge, inc.req
        verdict = edge.authenticate(req, "Authorization", inc.now)
        if verdict is None or verdict.outcome is Outcome.STALE:
            edge.challenge(inc, 401, stale=verdict is not None)
            return
        if verdict.outcome is Outcome.FAILED:
            edge.auth_failed(inc)
            return
        try:
            event, params = _event(req)
            expires = self._expires(inc.checked.expires)
        except SipError as err:
            resp = edge.response(req, err.status, err.reason)
            if err.status == 423:
                resp.headers.add("Min-Expires", str(self.config.min_expires))
            edge.send_final(inc, resp)
            return
        if inc.checked.to.tag is not None:
            self._refresh(inc, verdict.username, event, params, expires)
        else:
            self._create(inc, verdict.username, event, params, expires)

    def _create(self, inc: Incoming, subscriber: str, event: str, params, expires: int) -> None:
        edge, req, checked = self.edge, inc.req, inc.checked
        if event not in PACKAGES:
            resp = edge.response(req, 489)
            resp.headers.add("Allow-Events", ALLOW_EVENTS)
            edge.send_final(inc, resp)
            return
        if not _accepts(req, PACKAGES[event]):
            resp = edge.response(req, 406)
            resp.headers.add("Accept", PACKAGES[event])
            edge.send_final(inc, resp)
            return
        target = unescape(checked.uri.user or "") or subscriber
        if event == "message-summary" and target != subscriber:
            edge.send_final(inc, edge.response(req, 403, "Not your mailbox"))
            return
        if target not in edge.secrets:
            edge.send_final(inc, edge.response(req, 404))
            return
        contacts = req.headers.values("Contact")
        if len(contacts) != 1:
            edge.send_final(inc, edge.response(req, 400, "SUBSCRIBE needs one Contact"))
            return
        try:
            remote_target = _contact_uri(contacts[0])
        except SipError as err:
            edge.send_final(inc, edge.response(req, 400, err.reason))
            return
        event_header = event + "".join(f";{k}={v}" for k, v in params.items() if k == "id")
        old = self._duplicate(subscriber, event_header, target, remote_target)
        if old is not None:  # the same phone again (it restarted): the new one replaces it
            self._drop(old)
        elif expires and (
            self._per_subscriber.get(subscriber, 0) >= self.config.per_extension
            or len(self._by_key) >= self.config.total
        ):
            resp = edge.response(req, 503, "Too many subscriptions")
            resp.headers.add("Retry-After", "300")
            edge.send_final(inc, resp)
            return
        tag = secrets.token_hex(6)
        uri = checked.uri
        transport = inc.flow.transport
        sub = Subscription(
            subscriber=subscriber,
            event=event,
            event_header=event_header,
            target=target,
            domain=uri.host if uri.port is None else f"{uri.host}:{uri.port}",
            call_id=req.call_id,
            local=f"{req.headers.get('To')};tag={tag}",
            remote=req.headers.get("From") or "",
            remote_target=remote_target,
            routes=req.headers.values("Record-Route"),
            contact=self._our_contact(target, transport),
            flow=inc.flow,
            expires_at=inc.now + expires,
            remote_cseq=checked.cseq,
        )
        self._accept(inc, sub, expires, tag)
        if expires:
            self._add(sub)
            self._notify(sub, inc.now)
        else:  # a fetch (RFC 6665 4.4.3): the state once, and the subscription is over
            self._notify(sub, inc.now, final=True)

    def _refresh(self, inc: Incoming, subscriber: str, event: str, params, expires: int) -> None:
        edge, req = self.edge, inc.req
        checked = inc.checked
        sub = self._by_key.get((req.call_id, checked.from_.tag or "", checked.to.tag or ""))
        if sub is None or event != sub.event or params.get("id") != _id_of(sub.event_header):
            edge.send_final(inc, edge.response(req, 481))
            return
        if subscriber != sub.subscriber:
            edge.send_final(inc, edge.response(req, 403))
            return
        if inc.checked.cseq <= sub.remote_cseq:
            edge.send_final(inc, edge.response(req, 500, "CSeq out of order"))
            return
        sub.remote_cseq = inc.checked.cseq
        sub.flow = inc.flow
        contacts = req.headers.values("Contact")
        if contacts:
            try:
                sub.remote_target = _contact_uri(contacts[0])
            except SipError as err:
                edge.send_final(inc, edge.response(req, 400, err.reason))
                return
        sub.expires_at = inc.now + expires
        self._accept(inc, sub, expires, _tag(sub.local))
        if expires:
            self._notify(sub, inc.now)
        else:
            self._drop(sub)
            self._notify(sub, inc.now, final=True)

    def _accept(self, inc: Incoming, sub: Subscription, expires: int, tag: str) -> None:
        resp = make_response(inc.req, 200, to_tag=tag)
        resp.headers.add("Expires", str(expires))
        resp.headers.add("Contact", sub.contact)
        self.edge.send_final(inc, resp)

    def _expires(self, asked: int | None) -> int:
        expires = self.config.default_expires if asked is None else asked
        if 0 < expires < self.config.min_expires:
            raise SipError("Interval Too Brief", status=423)
        return min(expires, self.config.max_expires)

    def _our_contact(self, user: str, transport: str) -> str:
        config = self.edge.config
        port = config.ports.get(transport, 5060)
        return f"<sip:{user}@{config.advertise}:{port};transport={transport.lower()}>"

    def _duplicate(self, subscriber, event_header, target, remote_target) -> Subscription | None:
        for sub in self._by_target.get((event_header.partition(";")[0], target), ()):
            if (sub.subscriber, sub.event_header, sub.remote_target) == (
                subscriber, event_header, remote_target,
            ):  # fmt: skip
                return sub
        return None

    def _add(self, sub: Subscription) -> None:
        self._by_key[sub.key] = sub
        self._by_target.setdefault((sub.event, sub.target), []).append(sub)
        self._per_subscriber[sub.subscriber] = self._per_subscriber.get(sub.subscriber, 0) + 1

    def _drop(self, sub: Subscription) -> None:
        if sub.ended:
            return
        sub.ended = True
        if self._by_key.pop(sub.key, None) is None:
            return  # a fetch, never stored
        watchers = self._by_target[(sub.event, sub.target)]
        watchers.remove(sub)
        if not watchers:
            del self._by_target[(sub.event, sub.target)]
        left = self._per_subscriber[sub.subscriber] - 1
        if left:
            self._per_subscriber[sub.subscriber] = left
        else:
            del self._per_subscriber[sub.subscriber]

    # -- NOTIFY ------------------------------------------------------------------------

    def changed(self, event: str, target: str, now: float) -> None:
        """The state of `target` changed: tell everyone watching it. A mailbox's phones
        that did not subscribe are told anyway (unsolicited NOTIFY): many phones are set
        up to wait for that instead of subscribing."""
        watchers = self.watching(event, target)
        for sub in watchers:
            self._notify(sub, now)
        if event != "message-summary":
            return
        subscribed = {s.remote_target for s in watchers}
        account = f"sip:{target}@{self.edge.config.advertise}"
        for binding in self.edge.location.lookup(target):
            if binding.contact not in subscribed:
                body = message_summary(account, *self.source.mailbox(target))
                headers = [("Event", "message-summary"), ("Content-Type", MESSAGE_SUMMARY)]
                self.edge.send_to_binding(binding, "NOTIFY", now, headers=headers, body=body)

    def expire(self, now: float) -> None:
        """End subscriptions not refreshed in time, with a last NOTIFY (RFC 6665 4.2.2)."""
        for sub in [s for s in self._by_key.values() if s.expires_at <= now]:
            self._drop(sub)
            self._notify(sub, now, final=True, reason="timeout")

    def _notify(self, sub: Subscription, now: float, *, final: bool = False,
                reason: str = "timeout") -> None:  # fmt: skip
        flow = self._flow(sub)
        if flow is None:
            self._drop(sub)
            return
        if final:
            state = f"terminated;reason={reason}"
        else:
            state = f"active;expires={max(0, int(sub.expires_at - now))}"
        if sub.event == "dialog":
            body = dialog_info(sub.target, sub.domain, sub.version,
                               self.source.dialogs(sub.target))  # fmt: skip
            sub.version += 1
        else:
            new, old = self.source.mailbox(sub.target)
            body = message_summary(f"sip:{sub.target}@{sub.domain}", new, old)
        sub.cseq += 1
        config = self.edge.config
        branch = MAGIC + secrets.token_hex(8)
        h = Headers()
        port = config.ports.get(flow.transport, 5060)
        h.add("Via", f"SIP/2.0/{flow.transport} {config.advertise}:{port};branch={branch};rport")
        h.add("Max-Forwards", "70")
        for route in sub.routes:
            h.add("Route", route)
        h.add("From", sub.local)
        h.add("To", sub.remote)
        h.add("Call-ID", sub.call_id)
        h.add("CSeq", f"{sub.cseq} NOTIFY")
        h.add("Contact", sub.contact)
        h.add("Event", sub.event_header)
        h.add("Subscription-State", state)
        h.add("Content-Type", PACKAGES[sub.event])
        data = Request("NOTIFY", sub.remote_target, h, body).encode()
        flow.send(data)
        self.edge.client.start(
            branch, "NOTIFY", data, flow, reliable=flow.reliable, now=now, owner=sub
        )

    def _flow(self, sub: Subscription):
        """Where the subscriber is: the flow its SUBSCRIBE came on, or (that connection
        gone) the flow of its registration with the same contact."""
        if getattr(sub.flow, "alive", True):
            return sub.flow
        for binding in self.edge.location.lookup(sub.subscriber):
            if binding.contact == sub.remote_target:
                return self.edge.flows.for_binding(binding)
        return None

    def on_response(self, sub: Subscription, resp: Response) -> None:
        """A final answer to one of our NOTIFYs: a failure ends the subscription
        (RFC 6665 4.2.2; 481: the phone forgot it)."""
        if resp.status >= 300 and not sub.ended:
            log.info("%s subscription of %s to %s ended: NOTIFY got %d",
                     sub.event, sub.subscriber, sub.target, resp.status)  # fmt: skip
            self._drop(sub)

    def on_timeout(self, sub: Subscription) -> None:
        if not sub.ended:
            log.info("%s subscription of %s to %s ended: NOTIFY unanswered",
                     sub.event, sub.subscriber, sub.target)  # fmt: skip
            self._drop(sub)


def _event(req: Request) -> tuple[str, dict]:
    value = req.headers.get("Event")
    if not value:
        raise SipError("missing Event")
    name, _, rest = value.partition(";")
    params, _ = parse_params(";" + rest, 0) if rest else ({}, 0)
    return name.strip().lower(), params


def _id_of(event_header: str) -> str | None:
    _, _, rest = event_header.partition(";")
    return parse_params(";" + rest, 0)[0].get("id") if rest else None


def _accepts(req: Request, content_type: str) -> bool:
    """No Accept means the package's default type (RFC 6665 7.2)."""
    wanted = [v.split(";")[0].strip().lower() for v in req.headers.values("Accept")]
    return not wanted or any(w in (content_type, "*/*", "application/*") for w in wanted)


def _contact_uri(value: str) -> str:
    uri = parse_name_addr(value).uri
    if not isinstance(uri, SipUri):
        raise SipError("Contact must be a SIP URI")
    return str(uri)
