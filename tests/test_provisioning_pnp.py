"""SIP plug-and-play: a phone's ua-profile SUBSCRIBE answered with 200 OK and a NOTIFY
carrying the provisioning URL (sans-I/O), and the listener on a 127.0.0.1 unicast socket
(the service's multicast join is never made in tests)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sipmsgs import crlf
from tongdai.provisioning import files, pnp
from tongdai.provisioning.mcast import PnpListener
from tongdai.sip import Request, Response, parse

BOX = files.Box("192.0.2.10", 5060, "udp", 8080, "vi", "Asia/Ho_Chi_Minh")


def version(model: str) -> str:
    return f'model="{model}";version="10.1.54.13"'


def subscribe(mac="000413A7B8C9", vendor="snom", model="snomD785", contact_port=5062,
              event_type="device") -> bytes:  # fmt: skip
    return crlf(f"""
        SUBSCRIBE sip:MAC%3a{mac}@224.0.1.75 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:{contact_port};branch=z9hG4bK-pnp1;rport
        From: <sip:MAC%3a{mac}@224.0.1.75>;tag=ph1
        To: <sip:MAC%3a{mac}@224.0.1.75>
        Call-ID: pnp-1@127.0.0.1
        CSeq: 1 SUBSCRIBE
        Max-Forwards: 70
        Contact: <sip:127.0.0.1:{contact_port}>
        Event: ua-profile;profile-type="{event_type}";vendor="{vendor}";{version(model)}
        Accept: application/url
        Expires: 0
    """)  # fmt: skip


def test_subscribe_is_read():
    profile = pnp.read_subscribe(parse(subscribe()))
    assert profile == pnp.ProfileRequest("000413a7b8c9", "snom", "snomD785", "10.1.54.13")


@pytest.mark.parametrize(
    "data",
    [
        subscribe(event_type="application"),
        subscribe().replace(b"Event: ua-profile", b"Event: presence"),
        subscribe(mac="not-a-mac"),
        subscribe().replace(b"SUBSCRIBE sip", b"OPTIONS sip").replace(b"1 SUBSCRIBE", b"1 OPTIONS"),
    ],
)
def test_other_requests_are_not_profile_requests(data):
    assert pnp.read_subscribe(parse(data)) is None


def test_answer_is_200_then_notify_with_the_url():
    req = parse(subscribe(vendor="Yealink", model="T46U", mac="001565A1B2C3"))
    profile = pnp.read_subscribe(req)
    url = pnp.profile_url(BOX.url, profile)
    assert url == "http://192.0.2.10:8080/prov/"
    answer = pnp.answer(req, url, ("192.0.2.10", 5060), tag="box1")
    ok = parse(answer.ok)
    assert isinstance(ok, Response) and ok.status == 200
    assert ok.headers.get("To").endswith(";tag=box1") and ok.call_id == "pnp-1@127.0.0.1"
    notify = parse(answer.notify)
    assert isinstance(notify, Request) and notify.method == "NOTIFY"
    assert notify.uri == "sip:127.0.0.1:5062" and answer.notify_to == ("127.0.0.1", 5062)
    h = notify.headers
    assert h.get("From") == "<sip:MAC%3a001565A1B2C3@224.0.1.75>;tag=box1"
    assert h.get("To") == "<sip:MAC%3a001565A1B2C3@224.0.1.75>;tag=ph1"
    assert h.get("Call-ID") == "pnp-1@127.0.0.1" and h.get("Event").startswith("ua-profile;")
    assert h.get("Subscription-State") == "terminated;reason=timeout"
    assert h.get("Content-Type") == "application/url"
    assert notify.body == b"http://192.0.2.10:8080/prov/"


def test_snom_is_given_its_settings_file():
    profile = pnp.read_subscribe(parse(subscribe()))
    assert pnp.profile_url(BOX.url, profile) == (
        "http://192.0.2.10:8080/prov/snomD785-000413A7B8C9.htm"
    )


async def _exchange(assigned: set[str], data: bytes) -> list[bytes]:
    loop = asyncio.get_running_loop()
    box = files.Box("127.0.0.1", 5060, "udp", 8080, "vi", "Asia/Ho_Chi_Minh")
    transport, _ = await loop.create_datagram_endpoint(
        lambda: PnpListener(lambda mac: mac in assigned, lambda: box),
        local_addr=("127.0.0.1", 0),
    )
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.1", 0))
    phone.setblocking(False)
    port = phone.getsockname()[1]
    try:
        data = data.replace(b"5062", str(port).encode())
        phone.sendto(data, transport.get_extra_info("sockname"))
        got = []
        for _ in range(2):
            try:
                got.append(await asyncio.wait_for(loop.sock_recv(phone, 4096), 1.0))
            except TimeoutError:
                break
        return got
    finally:
        phone.close()
        transport.close()


def test_listener_answers_an_assigned_phone():
    got = asyncio.run(_exchange({"000413a7b8c9"}, subscribe()))
    assert [type(parse(m)).__name__ for m in got] == ["Response", "Request"]
    assert parse(got[0]).status == 200
    assert parse(got[1]).body == b"http://127.0.0.1:8080/prov/snomD785-000413A7B8C9.htm"


def test_listener_leaves_unassigned_phones_to_others():
    assert asyncio.run(_exchange(set(), subscribe())) == []
