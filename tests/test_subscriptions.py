"""BLF and MWI subscriptions in the edge, without sockets: fake flows, an injected clock."""

from __future__ import annotations

import itertools

import pytest
from dialoginfo import dialogs, parse_dialog_info
from lxml import etree
from prometheus_client import generate_latest
from sipmsgs import crlf
from test_edge import SECRET, Clock, Flow, do_register
from test_edge_proxy import Flows
from tongdai.edge.core import Edge, EdgeConfig
from tongdai.edge.event_bodies import Dialog, dialog_info
from tongdai.edge.registrar import RegistrarConfig
from tongdai.edge.subscriptions import SubscriptionConfig
from tongdai.metrics import Metrics
from tongdai.sip import Request, Response, parse
from tongdai.sip.digest import authorization
from tongdai.sip.fields import parse_credentials, parse_name_addr


class State:
    """What the main process would report."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Dialog]] = {}
        self.mail: dict[str, tuple[int, int]] = {}

    def dialogs(self, number: str) -> list[Dialog]:
        return self.calls.get(number, [])

    def mailbox(self, box: str) -> tuple[int, int]:
        return self.mail.get(box, (0, 0))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def state():
    return State()


@pytest.fixture
def edge(clock, state):
    e = Edge(
        EdgeConfig(
            registrar=RegistrarConfig(min_expires=60, max_expires=3600, default_expires=3600),
            subscriptions=SubscriptionConfig(
                min_expires=60, max_expires=3600, per_extension=3, total=5
            ),
        ),
        clock=clock,
    )
    e.set_secrets({"101": SECRET, "102": "another-secret-102", "103": "third-secret-103"})
    e.subscriptions.source = state
    return e


_branches = itertools.count(1)


class Watcher:
    """A phone of extension 101 subscribing from 127.0.0.1:5062."""

    def __init__(self, edge: Edge, flow: Flow | None = None, user="101", password=SECRET):
        self.edge, self.flow = edge, flow or Flow()
        self.user, self.password = user, password

    def subscribe(self, target="102", *, event="dialog", expires: int | None = 600,
                  call_id="sub-1@phone", cseq=1, to_tag="", extra="",
                  contact="<sip:101@127.0.0.1:5062>") -> Response:  # fmt: skip
        """SUBSCRIBE, answer the 401, return the final response."""

        def message(cseq: int, auth: str = "") -> bytes:
            lines = [
                f"SUBSCRIBE sip:{target}@pbx.example SIP/2.0",
                f"Via: SIP/2.0/{self.flow.transport} 127.0.0.1:5062"
                f";branch=z9hG4bK-s{next(_branches)}",
                f"From: <sip:{self.user}@pbx.example>;tag=phone-tag",
                f"To: <sip:{target}@pbx.example>{to_tag}",
                f"Call-ID: {call_id}",
                f"CSeq: {cseq} SUBSCRIBE",
                "Max-Forwards: 70",
                f"Contact: {contact}",
                f"Event: {event}",
                *([f"Expires: {expires}"] if expires is not None else []),
                *([f"Authorization: {auth}"] if auth else []),
                *[line for line in extra.splitlines() if line.strip()],
            ]
            return crlf("\n".join(lines))

        self.edge.receive(message(cseq), self.flow)
        challenge = self.flow.last()
        assert challenge.status == 401, challenge
        params = parse_credentials(challenge.headers.get("WWW-Authenticate"))[1]
        uri = f"sip:{target}@pbx.example"
        auth = authorization(params, "SUBSCRIBE", uri, self.user, self.password)
        self.edge.receive(message(cseq + 1, auth), self.flow)
        return self.responses()[-1]

    def responses(self) -> list[Response]:
        return [m for m in map(parse, self.flow.sent) if isinstance(m, Response)]

    def notifies(self) -> list[Request]:
        return [m for m in map(parse, self.flow.sent) if isinstance(m, Request)]

    def answer(self, notify: Request, status: int = 200) -> None:
        lines = [f"SIP/2.0 {status} X"] + [
            f"{n}: {v}" for n, v in notify.headers if n in ("Via", "From", "To", "Call-ID", "CSeq")
        ]
        self.edge.receive(crlf("\n".join(lines)), self.flow)


def tag_of(value: str) -> str:
    return parse_name_addr(value).tag


def test_subscribe_is_challenged_then_accepted_with_an_immediate_full_notify(edge):
    phone = Watcher(edge)
    ok = phone.subscribe()
    assert ok.status == 200 and ok.headers.get("Expires") == "600"
    assert ok.headers.get("Contact") == "<sip:102@127.0.0.1:5060;transport=udp>"
    [notify] = phone.notifies()
    assert notify.uri == "sip:101@127.0.0.1:5062"  # the subscriber's Contact
    assert tag_of(notify.headers.get("From")) == tag_of(ok.headers.get("To"))  # our dialog
    assert tag_of(notify.headers.get("To")) == "phone-tag"
    assert notify.call_id == "sub-1@phone" and notify.headers.get("CSeq") == "1 NOTIFY"
    assert notify.headers.get("Event") == "dialog"
    assert notify.headers.get("Subscription-State") == "active;expires=600"
    assert notify.headers.get("Content-Type") == "application/dialog-info+xml"
    doc = parse_dialog_info(notify.body)
    assert (doc.get("version"), doc.get("state"), doc.get("entity")) == (
        "0", "full", "sip:102@pbx.example",
    )  # fmt: skip
    assert [d["state"] for d in dialogs(doc)] == ["terminated"]  # idle
    assert len(edge.subscriptions) == 1


def test_wrong_password_and_unknown_target(edge):
    phone = Watcher(edge, password="not-it")
    assert phone.subscribe().status == 403
    assert Watcher(edge).subscribe("555").status == 404
    assert len(edge.subscriptions) == 0 and Watcher(edge).notifies() == []


def test_every_change_is_notified_with_the_next_version(edge, state, clock):
    phone = Watcher(edge)
    phone.subscribe(event="dialog;id=key7")
    phone.answer(phone.notifies()[0])
    state.calls["102"] = [Dialog("d1", "c1@box", "recipient", "early", "103", "Lan Phạm")]
    edge.subscriptions.changed("dialog", "102", clock.now)
    state.calls["102"] = [Dialog("d1", "c1@box", "recipient", "confirmed", "103", "Lan Phạm")]
    clock.now += 10
    edge.subscriptions.changed("dialog", "102", clock.now)
    edge.subscriptions.changed("dialog", "103", clock.now)  # nobody watches 103
    _, ringing, talking = phone.notifies()
    assert [n.headers.get("CSeq") for n in (ringing, talking)] == ["2 NOTIFY", "3 NOTIFY"]
    assert ringing.headers.get("Event") == "dialog;id=key7"
    assert talking.headers.get("Subscription-State") == "active;expires=590"
    ring_doc, talk_doc = parse_dialog_info(ringing.body), parse_dialog_info(talking.body)
    assert (ring_doc.get("version"), talk_doc.get("version")) == ("1", "2")
    assert dialogs(ring_doc) == [{
        "direction": "recipient", "state": "early", "call_id": "c1@box",
        "remote": "sip:103@pbx.example", "remote_name": "Lan Phạm",
    }]  # fmt: skip
    assert dialogs(talk_doc)[0]["state"] == "confirmed"
    for notify in (ringing, talking):
        phone.answer(notify)
    assert len(edge.client) == 0  # every NOTIFY transaction completed


def test_refresh_unsubscribe_and_cseq_order(edge, clock):
    phone = Watcher(edge)
    tag = ";tag=" + tag_of(phone.subscribe().headers.get("To"))
    clock.now += 300
    ok = phone.subscribe(to_tag=tag, cseq=3, expires=None)  # the default: an hour, clamped
    assert ok.status == 200 and ok.headers.get("Expires") == "3600"
    assert tag_of(ok.headers.get("To")) == tag[5:]
    assert phone.notifies()[-1].headers.get("Subscription-State") == "active;expires=3600"
    assert phone.subscribe(to_tag=tag, cseq=2).status == 500  # older than the last
    assert phone.subscribe(to_tag=";tag=unknown", cseq=9).status == 481
    assert phone.subscribe(to_tag=tag, cseq=5, event="message-summary").status == 481
    before = len(phone.notifies())
    ok = phone.subscribe(to_tag=tag, cseq=7, expires=0)
    assert ok.status == 200 and ok.headers.get("Expires") == "0"
    final = phone.notifies()[-1]
    assert len(phone.notifies()) == before + 1
    assert final.headers.get("Subscription-State") == "terminated;reason=timeout"
    assert len(edge.subscriptions) == 0
    edge.subscriptions.changed("dialog", "102", clock.now)
    assert len(phone.notifies()) == before + 1  # nothing more


def test_expiry_ends_the_subscription_with_a_last_notify(edge, clock):
    phone = Watcher(edge)
    phone.subscribe(expires=60)
    edge.subscriptions.expire(clock.now + 59)
    assert len(phone.notifies()) == 1
    edge.subscriptions.expire(clock.now + 60)
    last = phone.notifies()[-1]
    assert last.headers.get("Subscription-State") == "terminated;reason=timeout"
    parse_dialog_info(last.body)
    assert len(edge.subscriptions) == 0


def test_expires_bounds_and_packages(edge):
    phone = Watcher(edge)
    brief = phone.subscribe(expires=30)
    assert brief.status == 423 and brief.headers.get("Min-Expires") == "60"
    assert phone.subscribe(call_id="c2", expires=99999).headers.get("Expires") == "3600"
    bad = phone.subscribe(call_id="c3", event="presence")
    assert bad.status == 489 and bad.headers.get("Allow-Events") == "dialog, message-summary"
    refused = phone.subscribe(call_id="c4", extra="Accept: application/pidf+xml")
    assert refused.status == 406
    assert phone.subscribe(call_id="c5", extra="Accept: application/dialog-info+xml").status == 200


def test_message_summary_for_ones_own_mailbox_only(edge, state, clock):
    state.mail["101"] = (2, 5)
    phone = Watcher(edge)
    assert phone.subscribe("102", event="message-summary").status == 403
    assert phone.subscribe("101", event="message-summary", call_id="mwi").status == 200
    [notify] = phone.notifies()
    assert notify.headers.get("Content-Type") == "application/simple-message-summary"
    assert notify.body == (
        b"Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.example\r\n"
        b"Voice-Message: 2/5 (0/0)\r\n"
    )
    state.mail["101"] = (0, 7)
    edge.subscriptions.changed("message-summary", "101", clock.now)
    assert phone.notifies()[-1].body.startswith(b"Messages-Waiting: no\r\n")
    assert b"Voice-Message: 0/7 (0/0)" in phone.notifies()[-1].body


def test_unsolicited_mwi_goes_to_registered_phones_that_did_not_subscribe(edge, state, clock):
    edge.flows = flows = Flows()
    desk, soft = flows.get(("127.0.0.1", 5062)), flows.get(("127.0.0.1", 5064))
    do_register(edge, desk, contact="<sip:101@127.0.0.1:5062>")
    do_register(edge, soft, n=2, contact="<sip:101@127.0.0.1:5064>")
    Watcher(edge, desk).subscribe("101", event="message-summary")
    desk.sent.clear()
    state.mail["101"] = (1, 0)
    edge.subscriptions.changed("message-summary", "101", clock.now)
    [in_dialog] = [parse(m) for m in desk.sent]
    assert in_dialog.headers.get("Subscription-State", "").startswith("active")
    [unsolicited] = [parse(m) for m in soft.sent if m.startswith(b"NOTIFY")]
    assert unsolicited.uri == "sip:101@127.0.0.1:5064"
    assert unsolicited.headers.get("Event") == "message-summary"
    assert "tag=" not in unsolicited.headers.get("To")  # out of any dialog
    assert b"Messages-Waiting: yes" in unsolicited.body


def test_notify_retransmits_over_udp_and_a_timeout_ends_the_subscription(edge, clock):
    phone = Watcher(edge)
    phone.subscribe()
    [notify] = phone.flow.sent[-1:]
    edge.timers(clock.now + 0.4)
    assert phone.flow.sent[-1:] == [notify] and phone.flow.sent.count(notify) == 1
    for t, copies in ((0.5, 2), (1.5, 3), (3.5, 4), (7.5, 5), (11.5, 6)):  # T1 doubling to T2
        edge.timers(clock.now + t)
        assert phone.flow.sent.count(notify) == copies, t
    edge.timers(clock.now + 32)  # Timer F
    assert len(edge.subscriptions) == 0


def test_no_retransmission_over_tcp(edge, clock):
    phone = Watcher(edge, Flow(transport="TCP"))
    phone.subscribe()
    sent = len(phone.flow.sent)
    edge.timers(clock.now + 5)
    assert len(phone.flow.sent) == sent and len(edge.subscriptions) == 1


def test_481_to_a_notify_ends_the_subscription(edge, clock):
    phone = Watcher(edge)
    phone.subscribe()
    phone.answer(phone.notifies()[0], 481)
    assert len(edge.subscriptions) == 0
    edge.subscriptions.changed("dialog", "102", clock.now)
    assert len(phone.notifies()) == 1


def test_bounds_per_extension_and_in_total(edge):
    phone = Watcher(edge)
    for n in range(3):
        assert (
            phone.subscribe(call_id=f"s{n}", contact=f"<sip:101@127.0.0.1:{6000 + n}>").status
            == 200
        )
    full = phone.subscribe(call_id="s3", contact="<sip:101@127.0.0.1:6003>")
    assert full.status == 503 and len(edge.subscriptions) == 3
    # the same phone subscribing again (it restarted) replaces its old subscription
    assert phone.subscribe(call_id="s0-again", contact="<sip:101@127.0.0.1:6000>").status == 200
    assert len(edge.subscriptions) == 3
    other = Watcher(edge, Flow(port=5070), user="103", password="third-secret-103")
    assert other.subscribe(call_id="o1").status == 200
    assert other.subscribe(call_id="o2", contact="<sip:103@127.0.0.1:7001>").status == 200
    assert other.subscribe(call_id="o3", contact="<sip:103@127.0.0.1:7002>").status == 503


def test_the_schema_refuses_what_rfc_4235_forbids():
    good = dialog_info("102", "pbx", 3, [Dialog("d1", "c", "initiator", "trying", "201")])
    parse_dialog_info(good)
    for bad in (
        good.replace(b' version="3"', b""),
        good.replace(b'direction="initiator"', b'direction="outbound"'),
        good.replace(b"<state>trying</state>", b""),
        good.replace(b'state="full"', b'state="all"'),
    ):
        with pytest.raises(etree.DocumentInvalid):
            parse_dialog_info(bad)
    with pytest.raises(AssertionError):
        parse_dialog_info(good.replace(b"<state>trying", b"<state>ringing"))


def test_subscriptions_are_counted_in_the_metrics(edge):
    metrics = Metrics()
    metrics.watch_edge(edge)
    Watcher(edge).subscribe()
    text = generate_latest(metrics.registry).decode()
    assert 'tongdai_subscriptions{event="dialog"} 1.0' in text
    assert 'tongdai_subscriptions{event="message-summary"} 0.0' in text
