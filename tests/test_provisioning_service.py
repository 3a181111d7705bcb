"""Provisioning in a real `tongdai run` on loopback: a phone assigned from the CLI fetches
its file over HTTP, unknown MACs get the app's plain 404, a MAC scanner is banned, and
`tongdai phone resync` reaches a registered phone (a raw UDP socket) as NOTIFY check-sync
through the edge."""

from __future__ import annotations

import socket
import subprocess

import httpx
import pytest
from conftest import needs_pjsua2, tongdai_cmd, tongdai_env
from sipmsgs import register
from tongdai.provisioning import access
from tongdai.sip import Request, make_response, parse
from tongdai.sip.digest import authorization
from tongdai.sip.fields import parse_credentials

SECRET = "provisioning-secret-201"
MAC = "001565a1b2c3"


def cli(svc, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        tongdai_cmd(*args, "--data-dir", str(svc.data_dir)),
        capture_output=True, text=True, timeout=30, env=svc.env,
    )  # fmt: skip


@pytest.fixture
def svc(service_factory):
    s = service_factory(TONGDAI_SIP_QUALIFY_INTERVAL="0")
    s.wait_healthy(timeout=40)
    r = cli(s, "ext", "add", "201", "--secret", SECRET, "--name", "Lan")
    assert r.returncode == 0, r.stderr
    r = cli(s, "phone", "add", "00:15:65:A1:B2:C3", "--ext", "201", "--vendor", "yealink",
            "--model", "T46U")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"/prov/{MAC}.cfg" in r.stdout
    return s


@needs_pjsua2  # the service reports healthy only with its media engine
def test_phone_fetches_its_file_and_others_get_the_plain_404(svc):
    r = svc.get(f"/prov/{MAC}.cfg")
    assert r.status_code == 200, r.text
    assert r.text.startswith("#!version:1.0.0.1\n")
    assert f"account.1.password = {SECRET}\n" in r.text
    assert f"account.1.sip_server.1.port = {svc.sip_port}\n" in r.text
    assert SECRET not in svc.output()  # never logged

    nothing = svc.get("/no-such-page")
    for name in ("001565ffffff.cfg", f"cfg{MAC}.xml", "y000000000000.cfg"):
        r = svc.get(f"/prov/{name}")
        assert (r.status_code, r.content) == (404, nothing.content), name
    assert "fetched" in cli(svc, "phone", "list").stdout
    assert "by 127.0.0.1" in cli(svc, "phone", "list").stdout

    r = cli(svc, "ext", "del", "201")
    assert r.returncode == 2 and f"desk phone {MAC} is assigned to 201" in r.stderr


@needs_pjsua2  # the service reports healthy only with its media engine
def test_a_mac_scanner_is_banned(svc):
    scanner = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=5)
    with scanner:
        for i in range(access.SCAN_MACS):
            r = scanner.get(f"{svc.url}/prov/0015650000{i:02x}.cfg")
            assert r.status_code == 404
        assert scanner.get(f"{svc.url}/prov/{MAC}.cfg").status_code == 404  # even a real one
    assert "127.0.0.2" in cli(svc, "ban", "list").stdout
    assert svc.get(f"/prov/{MAC}.cfg").status_code == 200  # the phone's address is not banned


def _register(sock: socket.socket, svc) -> None:
    port = sock.getsockname()[1]
    contact = (f'<sip:201@127.0.0.1:{port}>;'
               f'+sip.instance="<urn:uuid:00000000-0000-1000-8000-{MAC}>"')  # fmt: skip
    via = f"127.0.0.1:{port}"
    target = ("127.0.0.1", svc.sip_port)
    sock.sendto(register("201", contact=contact, via_host=via, call_id="cs1"), target)
    challenge = parse(sock.recv(4096))
    assert challenge.status == 401
    params = parse_credentials(challenge.headers.get("WWW-Authenticate"))[1]
    auth = authorization(params, "REGISTER", "sip:pbx.example", "201", SECRET)
    sock.sendto(
        register("201", contact=contact, via_host=via, call_id="cs1", cseq=2,
                 branch="z9hG4bK-2", extra=f"Authorization: {auth}"),
        target,
    )  # fmt: skip
    assert parse(sock.recv(4096)).status == 200


@needs_pjsua2  # the service reports healthy only with its media engine
def test_resync_sends_check_sync_to_the_registered_phone(svc):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        phone.bind(("127.0.0.1", 0))
        phone.settimeout(10)
        _register(phone, svc)
        run = subprocess.Popen(
            tongdai_cmd("phone", "resync", MAC, "--data-dir", str(svc.data_dir)),
            env=svc.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        notify = parse(phone.recv(4096))
        assert isinstance(notify, Request) and notify.method == "NOTIFY"
        assert notify.headers.get("Event") == "check-sync;reboot=false"
        assert notify.uri.startswith(f"sip:201@127.0.0.1:{phone.getsockname()[1]}")
        phone.sendto(make_response(notify, 200).encode(), ("127.0.0.1", svc.sip_port))
        out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert "check-sync sent to 1 contact(s)" in out


def test_resync_without_a_running_service_says_nothing_was_sent(data_dir):
    def run(*args):
        return subprocess.run(tongdai_cmd(*args, "--data-dir", str(data_dir)), env=tongdai_env(),
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    assert run("ext", "add", "201").returncode == 0
    assert run("phone", "add", MAC, "--ext", "201", "--vendor", "snom").returncode == 0
    r = run("phone", "resync", MAC)
    assert r.returncode == 1 and "no running service took the request" in r.stdout
