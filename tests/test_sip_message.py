"""The sans-I/O SIP message layer: parsing, serialising, header structure, RFC 4475/5118."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sipmsgs import crlf
from tongdai.sip import Headers, Request, Response, SipError, parse, parse_name_addr, parse_uri
from tongdai.sip.fields import parse_credentials, parse_cseq, parse_via
from tongdai.sip.framing import StreamFramer
from tongdai.sip.message import make_response
from tongdai.sip.validate import check_request

TORTURE = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "sip-torture"
needs_torture = pytest.mark.skipif(
    not TORTURE.is_dir(), reason=f"RFC 4475/5118 test vectors not found at {TORTURE}"
)


def test_compact_forms_folding_and_odd_whitespace():
    msg = parse(
        b"INVITE sip:bob@example.com SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa ,\r\n"
        b" SIP / 2.0 / TCP  host.example ; branch = z9hG4bKb\r\n"
        b'f : "Alice \\"A\\"" <sip:alice@example.com>\r\n'
        b"   ;tag=1\r\n"
        b"t: bob <sip:bob@example.com>\r\n"
        b"i: abc@host\r\n"
        b"CSEQ: 7 INVITE\r\n"
        b"m: <sip:alice@192.0.2.1>;expires=60, sip:alice@198.51.100.1;q=0.5\r\n"
        b"X-Custom-Thing: keep me ;as=is\r\n"
        b"l: 4\r\n\r\nbody"
    )
    assert isinstance(msg, Request)
    assert msg.call_id == "abc@host"
    assert msg.cseq() == (7, "INVITE")
    vias = [parse_via(v) for v in msg.headers.values("Via")]
    assert [(v.transport, v.host, v.branch) for v in vias] == [
        ("UDP", "192.0.2.1", "z9hG4bKa"),
        ("TCP", "host.example", "z9hG4bKb"),
    ]
    frm = parse_name_addr(msg.headers.get("From"))
    assert frm.display_name == 'Alice "A"' and frm.tag == "1"
    assert [str(parse_name_addr(c).uri) for c in msg.headers.values("Contact")] == [
        "sip:alice@192.0.2.1",
        "sip:alice@198.51.100.1",
    ]
    assert msg.headers.get("x-custom-thing") == "keep me ;as=is"
    assert msg.body == b"body"
    # names come out in their usual spelling, unknown ones untouched
    assert [n for n, _ in msg.headers][:4] == ["Via", "From", "To", "Call-ID"]
    assert "X-Custom-Thing" in [n for n, _ in msg.headers]


def test_comma_inside_quotes_and_brackets_is_not_a_separator():
    h = Headers([("Contact", '"Smith, J" <sip:j@h;x=a,b>, <sip:k@h>')])
    assert h.values("Contact") == ['"Smith, J" <sip:j@h;x=a,b>', "<sip:k@h>"]
    h = Headers([("Authorization", 'Digest username="a", realm="b"')])
    assert h.values("Authorization") == ['Digest username="a", realm="b"']


def test_uris():
    uri = parse_uri("sips:user%20x:pw@[2001:db8::1]:5061;transport=tls;lr?Subject=hi")
    assert (uri.scheme, uri.user, uri.password, uri.host, uri.port) == (
        "sips", "user%20x", "pw", "[2001:db8::1]", 5061,
    )  # fmt: skip
    assert uri.params == {"transport": "tls", "lr": None} and uri.headers == "Subject=hi"
    assert uri.aor() == "sips:user x@2001:db8::1"
    assert str(uri) == "sips:user%20x:pw@[2001:db8::1]:5061;transport=tls;lr?Subject=hi"
    assert parse_uri("tel:+84-28-1234").scheme == "tel"
    for bad in ("sip:", "sip:a@b:99999", "sip:a@256.1.1.1", "sip:a@[::1", "<sip:a@b>", "sip:a b@c"):
        with pytest.raises(SipError):
            parse_uri(bad)


def test_credentials():
    scheme, params = parse_credentials(
        'Digest username="bob", realm="x y", nonce="n,1", uri="sip:a", response="r",'
        " qop=auth, nc=00000001, algorithm=SHA-256"
    )
    assert scheme == "Digest"
    assert params["nonce"] == "n,1" and params["realm"] == "x y" and params["nc"] == "00000001"
    with pytest.raises(SipError):
        parse_credentials('Digest username="bob" realm="x"')


def test_serialise_corrects_content_length_and_rejects_header_injection():
    req = Request("OPTIONS", "sip:x@y", Headers([("Content-Length", "99")]), b"abc")
    assert b"Content-Length: 3\r\n\r\nabc" in req.encode()
    with pytest.raises(ValueError):
        Headers().add("Subject", "x\r\nVia: evil")


def test_make_response_copies_the_right_fields_and_adds_a_to_tag():
    req = parse(
        crlf("""
        OPTIONS sip:pbx SIP/2.0
        Via: SIP/2.0/UDP a;branch=z9hG4bK1
        Via: SIP/2.0/UDP b;branch=z9hG4bK2
        From: <sip:a@b>;tag=x
        To: <sip:pbx>
        Call-ID: c
        CSeq: 1 OPTIONS
        Max-Forwards: 70
    """)
    )
    resp = parse(make_response(req, 200, to_tag="abc").encode())
    assert isinstance(resp, Response) and resp.status == 200 and resp.reason == "OK"
    assert resp.headers.get_all("Via") == [
        "SIP/2.0/UDP a;branch=z9hG4bK1",
        "SIP/2.0/UDP b;branch=z9hG4bK2",
    ]
    assert resp.headers.get("To") == "<sip:pbx>;tag=abc"
    assert "Max-Forwards" not in resp.headers


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty message"),
        (b"INVITE  sip:a@b SIP/2.0\r\n\r\n", "bad request line"),
        (b"INVITE sip:a@b SIP/2.0 \r\n\r\n", "bad request line"),
        (b"INVITE sip:a@b HTTP/1.1\r\n\r\n", "bad SIP version"),
        (b"SIP/2.0 99 Odd\r\n\r\n", "bad status code"),
        (b"INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", "malformed header line"),
        (b"INVITE sip:a@b SIP/2.0\r\nl: 10\r\n\r\nabc", "Content-Length larger than the message"),
        (b"INVITE sip:a@b SIP/2.0\r\nl: -1\r\n\r\n", "bad Content-Length"),
        (b"INVITE sip:a@b SIP/2.0\r\nl: 1\r\nl: 1\r\n\r\na", "more than one Content-Length"),
        (b"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n", "no empty line after the header section"),
    ],
)
def test_malformed_messages_raise_one_error_type_naming_the_problem(data, reason):
    with pytest.raises(SipError) as info:
        parse(data)
    assert info.value.reason == reason
    assert info.value.status == 400


def test_check_request_statuses():
    base = """
        {line}
        Via: SIP/2.0/UDP a;branch=z9hG4bK1
        From: <sip:a@b>;tag=x
        To: <sip:pbx>
        Call-ID: c
        CSeq: 1 {method}
        Max-Forwards: 70
    """

    def status(line, method="OPTIONS", extra=""):
        msg = parse(crlf(base.format(line=line, method=method) + extra))
        try:
            check_request(msg)
        except SipError as err:
            return err.status, err.reason
        return 200, ""

    assert status("OPTIONS sip:pbx SIP/2.0")[0] == 200
    assert status("OPTIONS sip:pbx SIP/3.0") == (505, "SIP version not supported")
    assert status("OPTIONS tel:+1234 SIP/2.0")[0] == 416
    assert (
        status("OPTIONS sip:pbx SIP/2.0", method="INVITE")[1]
        == "CSeq method does not match the request"
    )
    assert (
        status("OPTIONS sip:pbx SIP/2.0", extra="\nMax-Forwards: 300")[1]
        == "more than one Max-Forwards"
    )
    assert status("OPTIONS sip:pbx SIP/2.0", extra="\nExpires: soon")[1] == "bad Expires"
    assert parse_cseq(" 0009  INVITE ") == (9, "INVITE")
    with pytest.raises(SipError):
        parse_cseq("4294967296 INVITE")


def test_stream_framing_limits_and_keepalives():
    one = crlf("OPTIONS sip:a SIP/2.0\nCall-ID: 1", "xyz")
    framer = StreamFramer()
    assert framer.feed(one[:10]) == []
    assert framer.feed(one[10:] + b"\r\n\r\n" + one) == [one, b"\r\n\r\n", one]
    with pytest.raises(SipError):
        StreamFramer(max_header=100).feed(b"OPTIONS sip:a SIP/2.0\r\nX: " + b"a" * 200)
    with pytest.raises(SipError):
        StreamFramer(max_body=10).feed(b"OPTIONS sip:a SIP/2.0\r\nl: 11\r\n\r\n")
    with pytest.raises(SipError):
        StreamFramer().feed(b"OPTIONS sip:a SIP/2.0\r\nl: -5\r\n\r\n")


# -- round trip (hypothesis) --------------------------------------------------------------

_token = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~",
    min_size=1,
    max_size=12,
)
_value = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n"),
    max_size=40,
).map(str.strip)
_headers = st.lists(st.tuples(_token, _value), max_size=12).map(
    lambda pairs: [(n, v) for n, v in pairs if n.lower() not in ("content-length", "l")]
)


@st.composite
def messages(draw):
    headers = Headers(draw(_headers))
    body = draw(st.binary(max_size=200))
    if draw(st.booleans()):
        method = draw(_token)
        uri = "sip:" + draw(_token) + "@example.com"
        msg = Request(method, uri, headers, body)
    else:
        msg = Response(draw(st.integers(100, 699)), draw(_value), headers, body)
    return msg


@settings(max_examples=300, deadline=None)
@given(messages())
def test_parse_serialise_round_trip(msg):
    wire = msg.encode()
    again = parse(wire)
    msg.headers.set("Content-Length", str(len(msg.body)))
    assert again == msg
    assert again.encode() == wire


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_but_sip_error(data):
    try:
        msg = parse(data)
    except SipError:
        return
    if isinstance(msg, Request):
        with contextlib.suppress(SipError):
            check_request(msg)


# -- RFC 4475 and RFC 5118 ----------------------------------------------------------------


def _torture_index():
    path = TORTURE / "rfc4475" / "index.json"
    return json.loads(path.read_text()) if path.exists() else []


# What our checks must conclude for each RFC 4475 message: "ok" (parses and passes the
# request checks, or parses as a response), a status code, or "drop" (an unanswerable
# response). The edge's own handling (420, 401, 483, ...) is tested in test_edge.py.
EXPECTED_4475 = {
    "wsinv.dat": "ok", "intmeth.dat": "ok", "esc01.dat": "ok", "escnull.dat": "ok",
    "esc02.dat": "ok", "lwsdisp.dat": "ok", "longreq.dat": "ok", "dblreq.dat": "ok",
    "semiuri.dat": "ok", "transports.dat": "ok", "mpart01.dat": "ok", "unreason.dat": "ok",
    "noreason.dat": "ok", "badinv01.dat": 400, "clerr.dat": 400, "ncl.dat": 400,
    "scalar02.dat": 400, "scalarlg.dat": "ok", "quotbal.dat": 400, "ltgtruri.dat": 400,
    "lwsruri.dat": 400, "lwsstart.dat": 400, "trws.dat": 400, "escruri.dat": 400,
    "baddate.dat": "ok", "regbadct.dat": "ok", "badaspec.dat": 400, "baddn.dat": 400,
    "badvers.dat": 505, "mismatch01.dat": 400, "mismatch02.dat": 400, "bigcode.dat": "drop",
    "badbranch.dat": "ok", "insuf.dat": 400, "unkscm.dat": 416, "novelsc.dat": 416,
    "unksm2.dat": "ok", "bext01.dat": "ok", "invut.dat": "ok", "regaut01.dat": "ok",
    "multi01.dat": 400, "mcl01.dat": 400, "bcast.dat": "ok", "zeromf.dat": "ok",
    "cparam01.dat": "ok", "cparam02.dat": "ok", "regescrt.dat": "ok", "sdp01.dat": "ok",
    "inv2543.dat": "ok", "test.dat": 400,
}  # fmt: skip


def _verdict(data: bytes):
    try:
        msg = parse(data)
    except SipError as err:
        return err.status if err.message is not None else "drop"
    if isinstance(msg, Response):
        return "ok"
    try:
        check_request(msg)
    except SipError as err:
        return err.status
    return "ok"


@needs_torture
@pytest.mark.parametrize("entry", _torture_index(), ids=lambda e: e["file"])
def test_rfc4475_torture_messages(entry):
    data = (TORTURE / "rfc4475" / entry["file"]).read_bytes()
    assert _verdict(data) == EXPECTED_4475[entry["file"]], entry["expected"]


@needs_torture
def test_rfc4475_details():
    def load(name):
        return parse((TORTURE / "rfc4475" / name).read_bytes())

    wsinv = load("wsinv.dat")
    checked = check_request(wsinv)
    assert checked.max_forwards == 68 and checked.cseq == 9
    assert checked.to.tag == "1918181833n" and len(checked.vias) == 3
    assert wsinv.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    semi = check_request(load("semiuri.dat")).uri
    assert semi.user == "user;par=u%40example.net"
    nul = [parse_name_addr(c).uri for c in load("escnull.dat").headers.values("Contact")]
    assert len({u.aor() for u in nul}) == 2
    mpart = load("mpart01.dat")
    assert len(mpart.body) == int(mpart.headers.get("Content-Length"))
    assert load("dblreq.dat").method == "REGISTER"
    assert load("noreason.dat").reason == ""
    # the unterminated baddn.dat arrives whole over UDP: a 400, not a hang
    with pytest.raises(SipError):
        load("baddn.dat")


@needs_torture
@pytest.mark.parametrize(
    "name, verdict",
    [
        ("ipv6-good.dat", "ok"), ("ipv6-bad.dat", 400), ("port-ambiguous.dat", "ok"),
        ("port-unambiguous.dat", "ok"), ("via-received-param-with-delim.dat", "ok"),
        ("via-received-param-no-delim.dat", "ok"), ("mult-ip-in-header.dat", "ok"),
        ("ipv6-bug-abnf-3-colons.dat", 400), ("ipv6-correct-abnf-2-colons.dat", "ok"),
    ],
)  # fmt: skip
def test_rfc5118_ipv6_messages(name, verdict):
    assert _verdict((TORTURE / "rfc5118" / name).read_bytes()) == verdict


@needs_torture
def test_rfc5118_port_parsing():
    amb = check_request(parse((TORTURE / "rfc5118" / "port-ambiguous.dat").read_bytes()))
    assert amb.uri.host == "[2001:db8::10:5070]" and amb.uri.port is None
    una = check_request(parse((TORTURE / "rfc5118" / "port-unambiguous.dat").read_bytes()))
    assert una.uri.host == "[2001:db8::10]" and una.uri.port == 5070
