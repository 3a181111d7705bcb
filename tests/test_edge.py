"""The edge's protocol logic without sockets: fake flows, an injected clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sipmsgs import crlf, register
from tongdai.edge.core import Edge, EdgeConfig
from tongdai.edge.guard import GuardConfig
from tongdai.edge.registrar import RegistrarConfig
from tongdai.sip import Response, parse
from tongdai.sip.digest import authorization
from tongdai.sip.fields import parse_credentials

TORTURE = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "sip-torture"
SECRET = "s3cret-password-101"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Flow:
    transport = "UDP"
    reliable = False

    def __init__(self, host: str = "127.0.0.1", port: int = 5062, *, transport: str = "UDP"):
        self.remote = (host, port)
        self.sent: list[bytes] = []
        self.transport = transport
        self.reliable = transport != "UDP"
        self.endpoint = self  # UDP replies to another port come back through here

    def send(self, data: bytes) -> None:
        self.sent.append(data)

    def flow(self, remote):
        other = Flow(*remote)
        other.sent = self.sent
        return other

    def last(self) -> Response:
        return parse(self.sent[-1])


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def edge(clock):
    e = Edge(
        EdgeConfig(
            guard=GuardConfig(rate=50, burst=100, failures=5, window=60, ban_seconds=600),
            registrar=RegistrarConfig(min_expires=60, max_expires=3600, default_expires=3600),
        ),
        clock=clock,
    )
    e.set_secrets({"101": SECRET, "102": "another-secret-102"})
    return e


def with_auth(edge, flow, msg: bytes, user="101", password=SECRET, uri="sip:pbx.example") -> bytes:
    """Send msg, take the challenge, return msg with credentials (CSeq bumped by the caller)."""
    edge.receive(msg, flow)
    challenge = flow.last()
    assert challenge.status == 401, challenge
    params = parse_credentials(challenge.headers.get("WWW-Authenticate"))[1]
    return authorization(params, "REGISTER", uri, user, password)


def do_register(edge, flow, *, user="101", password=SECRET, n=1, **kw) -> Response:
    tag = f"{flow.remote[0]}-{flow.remote[1]}-{n}"
    first = register(user, branch=f"z9hG4bK-a{tag}", cseq=2 * n - 1, **kw)
    auth = with_auth(edge, flow, first, user, password)
    edge.receive(
        register(user, branch=f"z9hG4bK-b{tag}", cseq=2 * n, extra=f"Authorization: {auth}", **kw),
        flow,
    )
    return flow.last()


def test_register_challenge_then_ok(edge, clock):
    flow = Flow()
    resp = do_register(edge, flow)
    assert resp.status == 200
    assert resp.headers.values("Contact") == ["<sip:101@192.0.2.10:5062>;expires=300"]
    [b] = edge.location.lookup("101")
    assert b.source == ("127.0.0.1", 5062) and b.transport == "UDP"
    assert b.expires_at == clock.now + 300


def test_wrong_password_and_unknown_user_look_the_same(edge):
    a, b = Flow(port=6000), Flow(port=6001)
    wrong = do_register(edge, a, password="not-the-secret")
    nobody = do_register(edge, b, user="555", password="whatever")
    assert (wrong.status, wrong.reason) == (nobody.status, nobody.reason) == (403, "Forbidden")
    assert [n for n, _ in wrong.headers] == [n for n, _ in nobody.headers]
    assert edge.location.count == 0


def test_registering_someone_elses_number_is_refused(edge):
    flow = Flow()
    auth = with_auth(edge, flow, register("102", cseq=1), "101", SECRET)
    edge.receive(register("102", branch="z9hG4bK-x", cseq=2, extra=f"Authorization: {auth}"), flow)
    assert flow.last().status == 403


def test_failed_logins_ban_the_address(edge, clock):
    banned = []
    edge.on_ban = lambda address, until, reason: banned.append((address, until))
    attacker = Flow("127.0.0.2", 5070)
    for i in range(5):
        do_register(edge, attacker, password=f"guess-{i}", n=i + 1)
    assert banned == [("127.0.0.2", clock.now + 600)]
    before = len(attacker.sent)
    edge.receive(register(branch="z9hG4bK-late"), attacker)
    assert len(attacker.sent) == before  # silently dropped
    assert do_register(edge, Flow("127.0.0.1", 5062)).status == 200  # others unaffected
    clock.now += 601
    edge.receive(register(branch="z9hG4bK-after"), attacker)
    assert attacker.last().status == 401


def test_interval_too_brief_and_max_expires(edge):
    flow = Flow()
    resp = do_register(edge, flow, expires=30)
    assert resp.status == 423 and resp.headers.get("Min-Expires") == "60"
    assert edge.location.count == 0
    resp = do_register(edge, flow, n=2, expires=99999)
    assert resp.headers.values("Contact") == ["<sip:101@192.0.2.10:5062>;expires=3600"]


def test_several_contacts_and_unregister(edge):
    flow = Flow()
    do_register(edge, flow, contact="<sip:101@192.0.2.10:5062>")
    do_register(edge, flow, n=2, contact="<sip:101@192.0.2.11:5062>;expires=120")
    assert sorted(b.contact for b in edge.location.lookup("101")) == [
        "sip:101@192.0.2.10:5062", "sip:101@192.0.2.11:5062",
    ]  # fmt: skip
    resp = do_register(edge, flow, n=3, contact="<sip:101@192.0.2.10:5062>", expires=0)
    assert resp.headers.values("Contact") == ["<sip:101@192.0.2.11:5062>;expires=120"]
    resp = do_register(edge, flow, n=4, contact="*", expires=0)
    assert resp.status == 200 and edge.location.count == 0
    resp = do_register(edge, flow, n=5, contact="*", expires=60)
    assert resp.status == 400


def test_query_bindings_without_contact(edge):
    flow = Flow()
    do_register(edge, flow)
    resp = do_register(edge, flow, n=2, contact=None, expires=None)
    assert resp.status == 200 and len(resp.headers.values("Contact")) == 1


def test_out_of_order_cseq_changes_nothing(edge):
    flow = Flow()
    do_register(edge, flow, n=5)  # CSeq 10
    resp = do_register(edge, flow, n=2, expires=0)  # same Call-ID, CSeq 4
    assert resp.status == 400 and edge.location.count == 1


def test_retransmission_is_answered_from_the_transaction(edge):
    flow = Flow()
    do_register(edge, flow)
    ok = flow.sent[-1]
    # the same branch again: the stored 200, not a new challenge for the bad credentials
    edge.receive(
        register(branch="z9hG4bK-b127.0.0.1-5062-1", cseq=2, extra="Authorization: x"), flow
    )
    assert flow.sent[-1] == ok


def test_expiry(edge, clock):
    do_register(edge, Flow(), expires=60)
    clock.now += 61
    assert [b.aor for b in edge.location.expire(clock.now)] == ["101"]
    assert edge.location.count == 0


def test_removed_extension_loses_its_bindings(edge):
    do_register(edge, Flow())
    edge.set_secrets({"102": "another-secret-102"})
    assert edge.location.count == 0


def test_rport_and_received_are_stamped(edge):
    flow = Flow("127.0.0.5", 40000)
    edge.receive(
        register(via_host="10.0.0.7:5060", extra="").replace(b";branch=", b";rport;branch="), flow
    )
    via = flow.last().headers.get("Via")
    assert "received=127.0.0.5" in via and "rport=40000" in via
    assert flow.sent and flow.remote == ("127.0.0.5", 40000)


def test_response_goes_to_the_via_port_without_rport(edge):
    flow = Flow("127.0.0.1", 40001)
    edge.receive(register(via_host="127.0.0.1:5099"), flow)
    # Flow.flow() shares the list, so check where it was meant to go via the Via
    assert "received" not in flow.last().headers.get("Via")


@pytest.mark.parametrize(
    "data, status",
    [
        (register(extra="Require: gruu, 100rel"), 420),
        (register().replace(b"SIP/2.0\r\n", b"SIP/3.0\r\n", 1), 505),
        (register().replace(b"CSeq: 1 REGISTER", b"CSeq: 1 INVITE"), 400),
        (crlf("OPTIONS sip:pbx SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKo\nFrom: <sip:x@y>;tag=1\n"
              "To: <sip:pbx>\nCall-ID: o1\nCSeq: 1 OPTIONS"), 200),
        (crlf("FOO sip:pbx SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKf\nFrom: <sip:x@y>;tag=1\n"
              "To: <sip:pbx>\nCall-ID: f1\nCSeq: 1 FOO"), 501),
    ],
)  # fmt: skip
def test_statuses(edge, data, status):
    flow = Flow()
    edge.receive(data, flow)
    resp = flow.last()
    assert resp.status == status
    if status == 420:
        assert resp.headers.get("Unsupported") == "gruu, 100rel"
    if status in (200, 501):
        assert "REGISTER" in resp.headers.get("Allow")


def test_malformed_request_gets_400_naming_the_problem(edge):
    flow = Flow()
    edge.receive(register().replace(b"From: ", b'From: "unclosed <sip:x@y>', 1), flow)
    resp = flow.last()
    assert resp.status == 400 and resp.reason
    edge.receive(b"\x00\xff garbage", flow)  # nothing to answer: dropped
    assert len(flow.sent) == 1


def test_scanners_are_dropped_silently(edge):
    flow = Flow()
    edge.receive(register(extra="User-Agent: friendly-scanner"), flow)
    edge.receive(register(extra="User-Agent: sipvicious 0.3.4", branch="z9hG4bK-2"), flow)
    assert flow.sent == []


def test_a_flood_from_one_address_is_limited_and_others_still_served(edge, clock):
    flood = Flow("127.0.0.9", 5060)
    for i in range(1000):
        edge.receive(register(branch=f"z9hG4bK-f{i}", call_id=f"f{i}"), flood)
    assert 100 <= len(flood.sent) <= 110  # the burst, then nothing
    assert do_register(edge, Flow()).status == 200
    clock.now += 1
    edge.receive(register(branch="z9hG4bK-next", call_id="n"), flood)
    assert len(flood.sent) > 100


def test_qualify_marks_unreachable_then_reachable(edge, clock):
    flow = Flow()
    do_register(edge, flow)
    [binding] = edge.location.lookup("101")
    edge.qualify(binding, flow, clock.now)
    options = parse(flow.sent[-1])
    assert options.method == "OPTIONS" and options.uri == binding.contact
    for _ in range(10):
        clock.now += 1
        edge.timers(clock.now)
    assert not binding.reachable
    edge.qualify(binding, flow, clock.now)
    options = parse(flow.sent[-1])
    answer = Response(404, None, options.headers.copy())
    edge.receive(answer.encode(), flow)
    assert binding.reachable


@pytest.mark.skipif(not TORTURE.is_dir(), reason=f"RFC 4475 vectors not found at {TORTURE}")
def test_every_torture_message_is_answered_or_dropped_without_error(edge):
    for path in sorted((TORTURE / "rfc4475").glob("*.dat")) + sorted(
        (TORTURE / "rfc5118").glob("*.dat")
    ):
        flow = Flow("127.0.0.3", 5060)
        edge.receive(path.read_bytes(), flow)
        for data in flow.sent:
            resp = parse(data)
            assert isinstance(resp, Response) and 200 <= resp.status < 700, path.name


@pytest.mark.skipif(not TORTURE.is_dir(), reason=f"RFC 4475 vectors not found at {TORTURE}")
@pytest.mark.parametrize(
    "name, status",
    [("bext01.dat", 420), ("regaut01.dat", 401), ("unksm2.dat", 400), ("badvers.dat", 505),
     ("insuf.dat", 400), ("unkscm.dat", 416), ("cparam01.dat", 401)],
)  # fmt: skip
def test_torture_answers(edge, name, status):
    flow = Flow("127.0.0.3", 5060)
    edge.receive((TORTURE / "rfc4475" / name).read_bytes(), flow)
    assert flow.last().status == status
