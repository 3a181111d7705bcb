"""SIP trunks end to end: pjsua2 test "providers" on their own loopback ports call in to
DIDs and take the box's calls out; routes, permission classes, failover and the per-trunk
limit are checked by what each side sees and by the CDR rows."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from callbox import cdr_rows, cli, wait_for
from conftest import free_port, needs_pjsua2, tongdai_cmd
from phones import Phone, tone_found

pytestmark = needs_pjsua2


def _add(box, *args: str) -> None:
    r = cli(box, *args)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def provider(box):
    """make(name, **trunk options) -> a provider phone on its own port, with its trunk."""
    made: list[Phone] = []

    def make(name: str, *, number: str = "0901234567", options: tuple[str, ...] = ()) -> Phone:
        port = free_port()
        _add(box, "trunk", "add", name, "--host", "127.0.0.1", "--port", str(port),
             "--match-port", *options)  # fmt: skip
        phone = Phone(box, number, provider=port)
        phone.port = port
        made.append(phone)
        phone.expect(r"^STARTED")
        return phone

    yield make
    for phone in made:
        phone.close()


def test_inbound_call_by_did_reaches_the_extension_with_audio(box, phones, provider, tmp_path):
    carrier = provider("viettel", number="0901234567")
    _add(box, "route", "in", "02873001234", "--to", "extension:201")
    alice = phones("201")
    carrier.send("tone 1000")
    alice.send("tone 1600")
    carrier.send(f"record {tmp_path / 'carrier.wav'}")
    alice.send(f"record {tmp_path / 'alice.wav'}")

    carrier.send(f"call sip:02873001234@127.0.0.1:{box.sip_port}")
    shown = alice.expect(r"^INCOMING (.*)").group(1)
    assert "0901234567" in shown  # the caller's number, as the provider sent it
    alice.send("answer")
    carrier.expect(r"^STATE confirmed")
    time.sleep(2.5)
    for phone in (carrier, alice):
        phone.send("stoprecord")
        phone.expect(r"^RECORDED")
    carrier.send("hangup")
    alice.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "alice.wav", 1000, others=(1600,))
    assert tone_found(tmp_path / "carrier.wav", 1600, others=(1000,))

    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["direction"], row["trunk"], row["src"], row["dst"], row["dst_channel"]) == (
        "inbound", "viettel", "0901234567", "02873001234", "201",
    )  # fmt: skip
    assert row["disposition"] == "answered" and row["hangup_by"] == "caller"

    # a number with no route is refused, and recorded as failed
    carrier.send(f"call sip:02873009999@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE disconnected 404")
    rows = wait_for(lambda: len(cdr_rows(box)) == 2 and cdr_rows(box))
    assert (rows[1]["dst"], rows[1]["disposition"], rows[1]["cause"]) == (
        "02873009999", "failed", "no inbound route",
    )  # fmt: skip


def test_outbound_route_rewrites_the_number_and_presents_the_route_caller_id(
    box, phones, provider, tmp_path
):
    carrier = provider("mobifone")
    _add(box, "route", "out", "mobile", "--pattern", "09XXXXXXXX", "--trunks", "mobifone",
         "--class", "national", "--strip", "1", "--prefix", "84",
         "--caller-id", "02873001234")  # fmt: skip
    alice = phones("201")
    alice.send("tone 1000")
    carrier.send(f"record {tmp_path / 'carrier.wav'}")
    alice.send("call 0912345678")
    incoming = carrier.expect(r"^INCOMING (.*)").group(1)
    assert "sip:84912345678@" in incoming.split(" TO ")[1]  # 0 stripped, 84 put in front
    assert "sip:02873001234@" in incoming.split(" TO ")[0]  # the route's caller ID
    carrier.send("answer")
    alice.expect(r"^STATE confirmed")
    time.sleep(2.5)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    alice.send("hangup")
    carrier.expect(r"^STATE disconnected")
    assert tone_found(tmp_path / "carrier.wav", 1000)
    [row] = wait_for(lambda: cdr_rows(box))
    assert (row["direction"], row["trunk"], row["dst"], row["dst_channel"]) == (
        "outbound", "mobifone", "0912345678", "84912345678",
    )  # fmt: skip


def test_permission_classes_refuse_calls_out_but_emergency_always_goes(box, phones, provider):
    carrier = provider("vnpt")
    carrier.autoanswer(200)
    _add(box, "route", "out", "intl", "--pattern", "00.", "--trunks", "vnpt",
         "--class", "international")  # fmt: skip
    _add(box, "route", "out", "emergency", "--pattern", "11[345]", "--trunks", "vnpt",
         "--class", "emergency")  # fmt: skip
    _add(box, "ext", "add", "205", "--secret", "secret-of-205-abcdef", "--permission", "internal")
    alice = phones("201")  # national: the default
    alice.send("call 0044201234567")
    alice.expect(r"^STATE disconnected 403")
    alice.send("call 0123")  # no route matches
    alice.expect(r"^STATE disconnected 404")
    time.sleep(0.5)
    assert not any(line.startswith("INCOMING") for line in carrier.drain())

    eve = Phone(box, "205", "secret-of-205-abcdef")
    try:
        eve.registered()
        eve.send("call 115")  # internal-only, yet the ambulance number goes out
        carrier.expect(r"^INCOMING .*TO .*sip:115@")
        eve.expect(r"^STATE confirmed")
        eve.send("hangup")
        carrier.expect(r"^STATE disconnected")
    finally:
        eve.close()
    rows = wait_for(lambda: len(cdr_rows(box)) == 3 and cdr_rows(box))
    assert [(r["dst"], r["disposition"], r["cause"]) for r in rows[:2]] == [
        ("0044201234567", "failed", "not permitted"),
        ("0123", "failed", "no route"),
    ]
    assert (rows[2]["src"], rows[2]["dst"], rows[2]["disposition"]) == ("205", "115", "answered")


def test_failover_to_the_next_trunk_and_the_per_trunk_call_limit(box, phones, provider):
    broken = provider("broken")
    broken.autoanswer(503)  # a provider failing every call
    good = provider("good", options=("--max-calls", "1"))
    good.autoanswer(200)
    _add(box, "route", "out", "all", "--pattern", "0.", "--trunks", "broken,good",
         "--class", "national")  # fmt: skip
    alice, bob = phones("201"), phones("202")

    alice.send("call 0281234567")
    broken.expect(r"^INCOMING")  # tried first, refused with 503
    good.expect(r"^INCOMING")  # then the next trunk
    alice.expect(r"^STATE confirmed")

    bob.send("call 0287654321")  # good carries its one call already; broken fails
    broken.expect(r"^INCOMING")
    bob.expect(r"^STATE disconnected 503")
    alice.send("hangup")
    good.expect(r"^STATE disconnected")

    rows = wait_for(lambda: len(cdr_rows(box)) == 2 and cdr_rows(box))
    by_src = {r["src"]: r for r in rows}
    assert by_src["201"]["trunk"] == "good" and by_src["201"]["disposition"] == "answered"
    assert by_src["202"]["disposition"] == "failed"
    cause = by_src["202"]["cause"]
    assert "broken: 503" in cause and "good: at its limit" in cause


def test_a_providers_transfer_request_is_ignored(box, phones, provider):
    """A REFER from the trunk's side must not send the call anywhere: its caller ID
    (here it claims to be extension 201) would otherwise lend it 201's permissions."""
    carrier = provider("viettel", number="201")
    abroad = provider("intl-carrier")
    _add(box, "route", "in", "02873001234", "--to", "extension:202")
    _add(box, "route", "out", "intl", "--pattern", "00.", "--trunks", "intl-carrier",
         "--class", "international")  # fmt: skip
    _add(box, "ext", "add", "205", "--secret", "secret-of-205-abcdef",
         "--permission", "international")  # fmt: skip
    bob = phones("202")
    carrier.send(f"call sip:02873001234@127.0.0.1:{box.sip_port}")
    bob.expect(r"^INCOMING")
    bob.send("answer")
    carrier.expect(r"^STATE confirmed")
    carrier.send("xfer 00442012345678")
    time.sleep(3)
    assert not any(line.startswith("INCOMING") for line in abroad.drain())
    assert not any("STATE disconnected" in line for line in bob.drain())  # the call goes on
    carrier.send("hangup")
    bob.expect(r"^STATE disconnected")


SCENARIOS = Path(__file__).parent / "sipp"


@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp (Debian sip-tester) missing")
@pytest.mark.parametrize("password", ["trunk-password-xyz", "a-wrong-password"])
def test_outbound_call_answers_the_provider_digest_challenge(box, phones, tmp_path, password):
    port = free_port()
    inf = tmp_path / "trunk.csv"
    inf.write_text("SEQUENTIAL\nacme-line-1;trunk-password-xyz\n")
    sipp = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIOS / "provider_invite_auth.xml"), "-inf", str(inf),
         "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(port), "-m", "1", "-nostdin",
         "-timeout", "30s", "-timeout_error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        added = subprocess.run(
            tongdai_cmd("trunk", "add", "acme", "--host", "127.0.0.1", "--port", str(port),
                        "--match-port", "--username", "acme-line-1", "--password-stdin",
                        "--data-dir", str(box.data_dir)),
            input=password + "\n", capture_output=True, text=True, env=box.env, timeout=30,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        _add(box, "route", "out", "all", "--pattern", "0.", "--trunks", "acme",
             "--class", "national")  # fmt: skip
        alice = phones("201")
        alice.send("call 0281234567")
        if password == "a-wrong-password":
            alice.expect(r"^STATE disconnected 503")  # the only trunk refused us
            [row] = wait_for(lambda: cdr_rows(box))
            assert row["disposition"] == "failed" and "acme: 403" in row["cause"]
            return
        alice.expect(r"^STATE confirmed")
        alice.send("hangup")
        assert sipp.wait(20) == 0  # challenged, verified our answer, took the call and the BYE
        [row] = wait_for(lambda: cdr_rows(box))
        assert (row["trunk"], row["disposition"]) == ("acme", "answered")
    finally:
        if sipp.poll() is None:
            sipp.kill()
        sipp.wait()
    assert password not in (box.log_path.read_text() if box.log_path.exists() else "")
