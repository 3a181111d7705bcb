"""The edge as a proxy between phones/trunks and the media engine, without sockets."""

from __future__ import annotations

import pytest
from sipmsgs import crlf
from test_edge import SECRET, Clock, Flow, do_register
from tongdai.edge.bouncer import check_body, clean_sdp
from tongdai.edge.core import Edge, EdgeConfig
from tongdai.edge.guard import GuardConfig
from tongdai.sip import Request, Response, SipError, parse, parse_name_addr, parse_via
from tongdai.sip.digest import authorization
from tongdai.sip.fields import parse_credentials

MEDIA = ("127.0.0.1", 5080)
SDP = (
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0 8 101 102\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\na=fmtp:102 mode=20\r\na=candidate:1 1 UDP 1 192.0.2.10 4000 typ host\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:secretsecretsecret\r\n"
)


class Flows:
    """The transports' flow table, in memory: every flow is a test Flow recording what it got."""

    def __init__(self) -> None:
        self.by_remote: dict[tuple[str, int], Flow] = {}

    def get(self, remote) -> Flow:
        return self.by_remote.setdefault(remote, Flow(*remote))

    def media(self):
        return self.get(MEDIA)

    def token(self, flow) -> str:
        return f"u{flow.remote[0]}~{flow.remote[1]}"

    def resolve(self, token: str):
        host, _, port = token[1:].rpartition("~")
        return self.get((host, int(port))) if port.isdigit() else None

    def udp(self, remote):
        return self.get(remote)

    def for_binding(self, binding):
        return self.get(binding.source)

    def address_of(self, host):
        return {"sip.provider.example": "127.0.0.50"}.get(host, host)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def flows():
    return Flows()


@pytest.fixture
def edge(clock, flows):
    e = Edge(
        EdgeConfig(media=MEDIA, media_side=("127.0.0.1", 5060), guard=GuardConfig(rate=0)),
        clock=clock,
    )
    e.set_secrets({"201": SECRET, "102": "another-secret-102"})
    e.flows = flows
    return e


def invite(
    to: str = "102", *, branch: str = "z9hG4bK-i1", cseq: int = 1, extra: str = "",
    body: str = SDP, content_type: str = "application/sdp", to_tag: str = "",
) -> bytes:  # fmt: skip
    return crlf(
        f"""
        INVITE sip:{to}@pbx.example SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5062;branch={branch}
        From: "Reception" <sip:201@pbx.example>;tag=caller1
        To: <sip:{to}@pbx.example>{to_tag}
        Call-ID: call-1@phone
        CSeq: {cseq} INVITE
        Contact: <sip:201@192.0.2.10:5062>
        Max-Forwards: 70
        Content-Type: {content_type}
        {extra}
        """,
        body,
    )


def from_media(uri: str, to: str, caller: str, branch: str, call_id: str) -> bytes:
    """An initial INVITE as the media engine sends it to the edge."""
    return crlf(
        f"""
        INVITE {uri} SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5080;rport;branch=z9hG4bK-{branch}
        From: <sip:{caller}>;tag={branch}
        To: <sip:{to}>
        Call-ID: {call_id}
        CSeq: 1 INVITE
        Contact: <sip:media@127.0.0.1:5080>
        Max-Forwards: 70
        """
    )


def authorised_invite(edge, phone, **kw) -> None:
    edge.receive(invite(**kw), phone)
    challenge = phone.last()
    assert challenge.status == 407
    params = parse_credentials(challenge.headers.get("Proxy-Authenticate"))[1]
    auth = authorization(params, "INVITE", "sip:102@pbx.example", "201", SECRET)
    extra = kw.pop("extra", "")
    edge.receive(
        invite(branch="z9hG4bK-i2", cseq=2, extra=f"Proxy-Authorization: {auth}\n{extra}", **kw),
        phone,
    )


def test_invite_is_challenged_then_relayed_with_the_identity(edge, flows):
    phone = flows.get(("127.0.0.1", 5062))
    authorised_invite(edge, phone, extra="X-Tongdai-Identity: 999")  # a forged identity
    [data] = flows.media().sent
    req = parse(data)
    assert isinstance(req, Request) and req.method == "INVITE"
    assert req.headers.get_all("X-Tongdai-Identity") == ["201"]
    assert "Proxy-Authorization" not in req.headers
    vias = [parse_via(v) for v in req.headers.values("Via")]
    assert vias[0].params["tdf"] == "u127.0.0.1~5062" and vias[1].branch == "z9hG4bK-i2"
    rr = [parse_name_addr(v).uri for v in req.headers.values("Record-Route")]
    assert rr[0].params.get("tdf") == "u127.0.0.1~5062" and "lr" in rr[1].params
    assert req.headers.get("Max-Forwards") == "69"
    body = req.body.decode()
    assert "candidate" not in body and "ice-" not in body
    assert "m=audio 4000 RTP/AVP 0 8 101\r\n" in body and "fmtp:102" not in body


def test_media_response_goes_back_along_the_flow(edge, flows):
    phone = flows.get(("127.0.0.1", 5062))
    authorised_invite(edge, phone)
    forwarded = parse(flows.media().sent[-1])
    answer = Response(180, None, forwarded.headers.copy())
    answer.headers.remove("X-Tongdai-Identity")
    edge.receive(answer.encode(), flows.media())
    relayed = phone.last()
    assert relayed.status == 180
    assert [parse_via(v).branch for v in relayed.headers.values("Via")] == ["z9hG4bK-i2"]


@pytest.mark.parametrize(
    "kw, status",
    [
        ({"extra": "Max-Forwards: 0"}, 400),  # two Max-Forwards: malformed
        ({"body": "--b\r\n\r\nx\r\n--b--\r\n", "content_type": "multipart/mixed;boundary=b"}, 488),
        ({"body": SDP + "m=audio 1 RTP/AVP 0\r\n" * 4}, 488),
        ({"body": "<xml/>", "content_type": "application/xml"}, 415),
    ],
)
def test_bodies_and_headers_that_never_reach_media(edge, flows, kw, status):
    phone = flows.get(("127.0.0.1", 5062))
    edge.receive(invite(**kw), phone) if status == 400 else authorised_invite(edge, phone, **kw)
    assert phone.last().status == status
    assert flows.media().sent == []


def test_max_forwards_zero_and_loops(edge, flows):
    phone = flows.get(("127.0.0.1", 5062))
    edge.receive(invite().replace(b"Max-Forwards: 70", b"Max-Forwards: 0"), phone)
    assert phone.last().status == 483
    looped = invite(branch="z9hG4bK-l").replace(
        b"Via: ", b"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;tdf=u1~2\r\nVia: ", 1
    )
    edge.receive(looped, phone)
    assert phone.last().status == 482


def test_subscribe_never_reaches_media(edge, flows):
    phone = flows.get(("127.0.0.1", 5062))
    for n, to_tag in enumerate(("", ";tag=in-dialog")):
        sub = (
            invite(body="", branch=f"z9hG4bK-s{n}", to_tag=to_tag)
            .replace(b"INVITE", b"SUBSCRIBE")
            .replace(b"Content-Type: application/sdp", b"Event: dialog")
        )
        edge.receive(sub, phone)  # the edge answers subscriptions itself (CVE-2026-28799)
        assert phone.last().status == 401 and flows.media().sent == []


def test_call_to_a_registered_phone_follows_its_flow(edge, flows, clock):
    nat = flows.get(("127.0.0.9", 40000))  # the phone as seen through its NAT
    assert do_register(edge, nat, user="102", password="another-secret-102",
                       contact="<sip:102@10.0.0.7:5060>").status == 200  # fmt: skip
    media = flows.media()
    edge.receive(
        from_media("sip:102@127.0.0.1:5060", "102@127.0.0.1", "201@127.0.0.1", "m1", "media-1"),
        media,
    )
    req = parse(nat.sent[-1])
    assert req.method == "INVITE" and req.uri == "sip:102@10.0.0.7:5060"
    rr = [parse_name_addr(v).uri for v in req.headers.values("Record-Route")]
    assert rr[1].params.get("tdf") == "u127.0.0.9~40000"  # the media-side entry names the flow
    ringing = Response(180, None, req.headers.copy())
    ringing.headers.set("To", "<sip:102@127.0.0.1>;tag=phone")
    edge.receive(ringing.encode(), nat)
    back = parse(media.sent[-1])
    assert back.status == 180 and [parse_via(v).branch for v in back.headers.values("Via")] == [
        "z9hG4bK-m1"
    ]

    # in dialog, the media engine's BYE carries the Route set; the flow token picks the NAT flow
    bye = crlf(
        f"""
        BYE sip:102@10.0.0.7:5060 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5080;rport;branch=z9hG4bK-m2
        Route: {req.headers.values("Record-Route")[1]}
        Route: {req.headers.values("Record-Route")[0]}
        From: <sip:201@127.0.0.1>;tag=m1
        To: <sip:102@127.0.0.1>;tag=phone
        Call-ID: media-1
        CSeq: 2 BYE
        Max-Forwards: 70
        """
    )
    before = len(nat.sent)
    edge.receive(bye, media)
    assert len(nat.sent) == before + 1
    sent = parse(nat.sent[-1])
    assert sent.method == "BYE" and "Route" not in sent.headers


def test_call_to_an_unregistered_extension_is_480(edge, flows):
    media = flows.media()
    edge.receive(
        from_media("sip:102@127.0.0.1:5060", "102@127.0.0.1", "201@127.0.0.1", "m9", "media-9"),
        media,
    )
    assert media.last().status == 480


def test_trunk_traffic_needs_no_extension_login(edge, flows):
    edge.trunks_by_address["127.0.0.50"] = "provider-a"
    provider = flows.get(("127.0.0.50", 5060))
    edge.receive(invite(to="02838221234"), provider)
    req = parse(flows.media().sent[-1])
    assert req.headers.get("X-Tongdai-Trunk") == "provider-a"
    assert "X-Tongdai-Identity" not in req.headers


def test_sdp_cleaning_rules():
    assert clean_sdp(SDP.encode()).count(b"a=") == 3
    with pytest.raises(SipError, match="no usable payload type"):
        clean_sdp(b"v=0\r\nm=audio 1 RTP/AVP 101\r\n")
    crypto = (
        "v=0\r\nm=audio 1 RTP/SAVP 0\r\n" + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n" * 9
    )
    assert clean_sdp(crypto.encode()).count(b"a=crypto") == 4
    assert (
        check_body("MESSAGE", "text/plain;charset=utf-8", "xin chào".encode())
        == "xin chào".encode()
    )
    with pytest.raises(SipError):
        check_body("INVITE", "application/sdp", b"not sdp")


def test_media_call_out_through_a_trunk_goes_to_its_resolved_address(edge, flows):
    media = flows.media()
    edge.receive(
        from_media(
            "sip:0909123456@sip.provider.example",
            "0909123456@sip.provider.example",
            "02838221234@sip.provider.example",
            "out1",
            "out-1",
        ),
        media,
    )
    sent = parse(flows.get(("127.0.0.50", 5060)).sent[-1])
    assert sent.method == "INVITE" and sent.uri == "sip:0909123456@sip.provider.example"
