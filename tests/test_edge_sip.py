"""The SIP edge in a real `tongdai run`, driven by SIPp (Debian sip-tester) and raw sockets
on loopback: registration with digest auth over UDP, TCP and TLS, OPTIONS, bans, and
bindings that survive a restart."""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from conftest import free_port, have, needs_pjsua2, tongdai_cmd
from sipmsgs import crlf, register
from tongdai.sip import parse
from tongdai.store import open_db

SCENARIOS = Path(__file__).parent / "sipp"
SECRET = "integration-secret-201"

pytestmark = pytest.mark.skipif(not have("sipp"), reason="SIPp (Debian sip-tester) missing")


def sipp(svc, scenario: str, tmp_path: Path, *, users=("201", SECRET), transport="u1",
         port=None, local_ip="127.0.0.1") -> subprocess.CompletedProcess:  # fmt: skip
    inf = tmp_path / f"users-{time.monotonic_ns()}.csv"
    inf.write_text(
        f"SEQUENTIAL\n{users[0]};[authentication username={users[0]} password={users[1]}]\n"
    )
    return subprocess.run(
        ["sipp", f"127.0.0.1:{svc.sip_port}", "-sf", str(SCENARIOS / scenario),
         "-inf", str(inf), "-t", transport, "-i", local_ip, "-p", str(port or free_port()),
         "-m", "1", "-timeout", "15s", "-timeout_error", "-nostdin",
         "-trace_err", "-error_file", str(tmp_path / "sipp-errors.log")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip


def cli(svc, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        tongdai_cmd(*args, "--data-dir", str(svc.data_dir)),
        capture_output=True, text=True, timeout=30, env=svc.env,
    )  # fmt: skip


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def metric(svc, name: str) -> float:
    for line in svc.get("/metrics").text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def svc(service_factory):
    s = service_factory(TONGDAI_SIP_QUALIFY_INTERVAL="0")
    s.wait_healthy(timeout=40)
    r = cli(s, "ext", "add", "201", "--secret", SECRET, "--name", "Integration")
    assert r.returncode == 0, r.stderr
    return s


def ok(run: subprocess.CompletedProcess, tmp_path: Path) -> bool:
    errors = tmp_path / "sipp-errors.log"
    detail = errors.read_text() if errors.exists() else run.stdout[-2000:]
    assert run.returncode == 0, detail
    return True


def test_register_reregister_options_unregister_and_restart(svc, service_factory, tmp_path):
    # the extension was added by the CLI while the service runs: it must work at once
    phone = free_port()
    ok(sipp(svc, "register.xml", tmp_path, port=phone), tmp_path)
    # re-register from the same phone (same contact, new Call-ID): still one binding
    ok(sipp(svc, "register.xml", tmp_path, port=phone), tmp_path)
    ok(sipp(svc, "options.xml", tmp_path), tmp_path)
    assert wait_for(lambda: "201" in cli(svc, "reg", "list").stdout)
    listed = [line for line in cli(svc, "reg", "list").stdout.splitlines() if line.strip()]
    assert len(listed) == 1 and "via UDP from 127.0.0.1:" in listed[0]
    assert metric(svc, "tongdai_sip_registrations") == 1

    # a restart loses no binding
    assert svc.stop() == 0
    again = service_factory(like=svc, TONGDAI_SIP_QUALIFY_INTERVAL="0")
    again.wait_healthy(timeout=40)
    assert metric(again, "tongdai_sip_registrations") == 1

    ok(sipp(again, "unregister.xml", tmp_path), tmp_path)
    assert wait_for(lambda: cli(again, "reg", "list").stdout.strip() == "")
    assert metric(again, "tongdai_sip_registrations") == 0


def test_wrong_password_is_refused(svc, tmp_path):
    ok(sipp(svc, "register_wrong.xml", tmp_path, users=("201", "not-the-secret")), tmp_path)
    ok(sipp(svc, "register_wrong.xml", tmp_path, users=("299", "no-such-user")), tmp_path)
    assert metric(svc, "tongdai_sip_auth_failures_total") == 2


def test_register_over_tcp(svc, tmp_path):
    ok(sipp(svc, "register.xml", tmp_path, transport="t1"), tmp_path)
    assert wait_for(lambda: "via TCP" in cli(svc, "reg", "list").stdout)


def test_tls_listener_uses_the_generated_certificate(svc):
    cert = svc.data_dir / "tls" / "sip.crt"
    assert cert.exists() and (svc.data_dir / "tls" / "sip.key").stat().st_mode & 0o077 == 0
    ctx = ssl.create_default_context(cafile=str(cert))
    ctx.check_hostname = False  # the certificate names the box's address and host name
    raw = socket.create_connection(("127.0.0.1", svc.sips_port), timeout=5)
    with ctx.wrap_socket(raw) as tls:
        tls.sendall(register("201", contact="<sip:201@127.0.0.1:5999;transport=tls>"))
        data = b""
        while b"\r\n\r\n" not in data:
            data += tls.recv(4096)
    resp = parse(data)
    assert resp.status == 401 and "WWW-Authenticate" in resp.headers


def test_failed_logins_ban_an_address_until_lifted(svc):
    attacker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    attacker.bind(("127.0.0.2", 0))
    attacker.settimeout(2)
    port = attacker.getsockname()[1]
    target = ("127.0.0.1", svc.sip_port)

    def try_once(i: int) -> bytes | None:
        attacker.sendto(
            register(
                "201", branch=f"z9hG4bK-ban{i}", call_id=f"ban{i}", via_host=f"127.0.0.2:{port}",
                extra='Authorization: Digest username="201", realm="tongdai", nonce="x", '
                'uri="sip:pbx.example", response="0", qop=auth, nc=00000001, cnonce="c"',
            ),
            target,
        )  # fmt: skip
        try:
            return attacker.recv(4096)
        except TimeoutError:
            return None

    # credentials for a nonce we never issued are only a challenge, not a failure
    assert parse(try_once(0)).status == 401
    # real failed logins: answer our challenge with a wrong password
    from tongdai.sip.digest import authorization
    from tongdai.sip.fields import parse_credentials

    statuses = []
    for i in range(1, 11):
        attacker.sendto(register("201", branch=f"z9hG4bK-c{i}", call_id=f"c{i}",
                                 via_host=f"127.0.0.2:{port}"), target)  # fmt: skip
        challenge = parse(attacker.recv(4096))
        params = parse_credentials(challenge.headers.get("WWW-Authenticate"))[1]
        auth = authorization(params, "REGISTER", "sip:pbx.example", "201", "guess")
        attacker.sendto(register("201", branch=f"z9hG4bK-d{i}", call_id=f"c{i}", cseq=2,
                                 via_host=f"127.0.0.2:{port}",
                                 extra=f"Authorization: {auth}"), target)  # fmt: skip
        statuses.append(parse(attacker.recv(4096)).status)
    assert statuses == [403] * 10
    assert try_once(99) is None  # banned: silence
    listed = cli(svc, "ban", "list").stdout
    assert "127.0.0.2" in listed and "failed logins" in listed
    assert metric(svc, "tongdai_sip_bans") == 1

    assert cli(svc, "ban", "lift", "127.0.0.2").returncode == 0
    assert wait_for(lambda: try_once(100) is not None, 5)
    bad = cli(svc, "ban", "lift", "127.0.0.2")
    assert bad.returncode == 2 and "not banned" in bad.stderr
    db = open_db(svc.data_dir / "tongdai.db")
    actions = [r["action"] for r in db.query("SELECT action FROM audit_log")]
    assert "sip.ban" in actions and "sip.unban" in actions


def _phone(svc, transport: str, password: str = SECRET):
    import sys

    return subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "peers" / "pjsua_phone.py"),
         "--registrar", f"127.0.0.1:{svc.sip_port}", "--user", "201",
         "--password", password, "--transport", transport],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _reg_lines(proc, want: int, timeout: float = 15.0) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while len(lines) < want and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("REG "):
            lines.append(line.split(maxsplit=1)[1].strip())
    return lines


@needs_pjsua2
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_pjsua2_phone_registers_and_unregisters(svc, transport):
    proc = _phone(svc, transport)
    try:
        [first] = _reg_lines(proc, 1)
        code, expires = first.split()
        assert code == "200" and 290 <= int(expires) <= 300
        assert wait_for(lambda: f"via {transport.upper()}" in cli(svc, "reg", "list").stdout)
        proc.stdin.write("unregister\n")
        proc.stdin.flush()
        assert _reg_lines(proc, 1)[0].startswith("200")
        assert wait_for(lambda: cli(svc, "reg", "list").stdout.strip() == "")
    finally:
        proc.stdin.close()
        proc.wait(10)


@needs_pjsua2
def test_pjsua2_phone_with_a_wrong_password_is_refused(svc):
    proc = _phone(svc, "udp", password="wrong-password-here")
    try:
        assert _reg_lines(proc, 1)[0].startswith("403")
    finally:
        proc.stdin.close()
        proc.wait(10)


def test_invite_is_challenged_then_forwarded_to_the_media_engine(svc, tmp_path):
    inf = tmp_path / "invite.csv"
    inf.write_text(f"SEQUENTIAL\n201;[authentication username=201 password={SECRET}];102\n")
    log = tmp_path / "messages.log"
    run = subprocess.run(
        ["sipp", f"127.0.0.1:{svc.sip_port}", "-sf", str(SCENARIOS / "invite_auth.xml"),
         "-inf", str(inf), "-i", "127.0.0.1", "-p", str(free_port()), "-m", "1",
         "-timeout", "15s", "-timeout_error", "-nostdin", "-trace_msg", "-message_file", str(log)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, log.read_text() if log.exists() else run.stdout[-2000:]
    received = [block for block in log.read_text().split("-----") if "message received" in block]
    assert "407 Proxy Authentication Required" in received[0]
    final = received[-1]
    # the media engine answered (nobody is registered at 102 yet) and the edge relayed it,
    # Record-Routing itself so the dialog would keep passing through it
    assert "SIP/2.0 4" in final and "Record-Route: <sip:127.0.0.1:" in final
    assert metric(svc, "tongdai_sip_auth_failures_total") == 0


def test_trunk_registration_and_inbound_calls_by_address(svc, tmp_path):
    provider_ip, provider_port = "127.0.0.60", free_port()
    inf = tmp_path / "trunk.csv"
    inf.write_text("SEQUENTIAL\nacme-line-1;trunk-password-xyz\n")
    provider = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIOS / "provider_registrar.xml"), "-inf", str(inf),
         "-i", provider_ip, "-p", str(provider_port), "-m", "1", "-nostdin",
         "-timeout", "30s", "-timeout_error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        added = subprocess.run(
            tongdai_cmd("trunk", "add", "acme", "--host", provider_ip, "--port",
                        str(provider_port), "--username", "acme-line-1", "--password-stdin",
                        "--register", "--data-dir", str(svc.data_dir)),
            input="trunk-password-xyz\n", capture_output=True, text=True, env=svc.env, timeout=30,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert "trunk-password-xyz" not in cli(svc, "trunk", "list").stdout
        assert provider.wait(30) == 0  # challenged, verified our digest answer, granted 120 s
        assert wait_for(lambda: 'tongdai_sip_trunk_registered{trunk="acme"} 1.0' in
                        svc.get("/metrics").text)  # fmt: skip
    finally:
        if provider.poll() is None:
            provider.kill()

    # a call from the provider's address needs no extension login: it goes to the media engine
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((provider_ip, 0))
    sock.settimeout(5)
    port = sock.getsockname()[1]
    sock.sendto(
        crlf(
            f"""
            INVITE sip:0283822@127.0.0.1:{svc.sip_port} SIP/2.0
            Via: SIP/2.0/UDP {provider_ip}:{port};branch=z9hG4bK-trunk1;rport
            From: <sip:0909123456@{provider_ip}>;tag=p1
            To: <sip:0283822@127.0.0.1>
            Call-ID: trunk-call-1
            CSeq: 1 INVITE
            Contact: <sip:0909123456@{provider_ip}:{port}>
            Max-Forwards: 70
            """
        ),
        ("127.0.0.1", svc.sip_port),
    )
    statuses = []
    while not statuses or statuses[-1] < 200:
        resp = parse(sock.recv(65536))
        statuses.append(resp.status)
    assert 407 not in statuses and 401 not in statuses
    assert "Record-Route" in resp.headers  # relayed through the edge from the media engine
    # anyone else calling without credentials is challenged
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.61", 0))
    other.settimeout(5)
    other.sendto(
        crlf(
            f"""
            INVITE sip:0283822@127.0.0.1:{svc.sip_port} SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.61:{other.getsockname()[1]};branch=z9hG4bK-x1;rport
            From: <sip:0909123456@127.0.0.61>;tag=p2
            To: <sip:0283822@127.0.0.1>
            Call-ID: fake-trunk-call
            CSeq: 1 INVITE
            Max-Forwards: 70
            """
        ),
        ("127.0.0.1", svc.sip_port),
    )
    assert parse(other.recv(65536)).status == 407


def test_a_flood_from_one_address_does_not_slow_others(svc, tmp_path):
    import threading

    stop = threading.Event()

    def flood():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.7", 0))
            junk = register("201", branch="z9hG4bK-flood")
            garbage = b"\x00garbage\r\n\r\n"
            while not stop.is_set():
                for _ in range(200):
                    s.sendto(junk, ("127.0.0.1", svc.sip_port))
                    s.sendto(garbage, ("127.0.0.1", svc.sip_port))
                time.sleep(0.005)

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    try:
        time.sleep(1)
        started = time.monotonic()
        ok(sipp(svc, "register.xml", tmp_path), tmp_path)
        assert time.monotonic() - started < 3
    finally:
        stop.set()
        thread.join(5)
    rate_limited = 'tongdai_sip_dropped_total{reason="rate"}'
    dropped = next(
        float(line.rsplit(" ", 1)[1])
        for line in svc.get("/metrics").text.splitlines()
        if line.startswith(rate_limited)
    )
    assert dropped > 1000  # the flood was cut off before parsing
