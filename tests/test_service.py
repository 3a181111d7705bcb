"""`tongdai run` as a real process: first start, health, metrics, media restarts, CLI
changes picked up live, API tokens, and a clean SIGTERM shutdown."""

import os
import re
import signal
import subprocess
import time

import httpx
import pytest
from conftest import needs_pjsua2, tongdai_cmd, tongdai_env

pytestmark = [needs_pjsua2, pytest.mark.slow]


def _cli(data_dir, *args, input=None):
    return subprocess.run(
        tongdai_cmd(*args, "--data-dir", str(data_dir)),
        env=tongdai_env(),
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _metric(svc, name):
    text = svc.get("/metrics").text
    m = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else None


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_first_start_health_restart_and_shutdown(service_factory, data_dir):
    svc = service_factory()
    health = svc.wait_healthy()
    assert health["media"]["up"] and health["media"]["pjsip"].startswith("2.12")
    assert health["acd_core"] in ("compiled", "interpreted")

    # First start: the data directory, a generated admin password printed once, demo extensions.
    for sub in ("tongdai.db", "recordings", "prompts", "log"):
        assert (data_dir / sub).exists(), sub
    out = svc.output()
    password = re.search(r"Admin login: admin / (\S+)", out).group(1)
    assert len(password) >= 20
    assert "Register a SIP phone" in out and "101" in out
    assert password not in (data_dir / "log" / "tongdai.log").read_text()  # never logged

    # Prometheus text format with our metrics.
    assert _metric(svc, "tongdai_media_up") == 1.0
    assert _metric(svc, "tongdai_extensions") == 4.0
    assert "tongdai_build_info{" in svc.get("/metrics").text

    # kill -9 of the media engine: restarted, and the console never went away.
    old_pid = health["media"]["pid"]
    os.kill(old_pid, signal.SIGKILL)
    assert _wait(lambda: svc.get("/healthz").json()["media"]["restarts"] >= 1)
    health = svc.wait_healthy()
    assert health["media"]["pid"] != old_pid and health["media"]["up"]
    assert "exit status -9" in health["media"]["last_exit"]
    assert _metric(svc, "tongdai_media_restarts_total") == 1.0

    # CLI changes reach the running service without a restart.
    added = _cli(data_dir, "ext", "add", "201", "--name", "Lan")
    assert added.returncode == 0, added.stderr
    assert _wait(lambda: _metric(svc, "tongdai_extensions") == 5.0, timeout=5)
    token = _cli(data_dir, "token", "create", "--name", "crm").stdout.strip()
    r = svc.get("/api/v1/system", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["extensions"] == 5
    assert svc.get("/api/v1/system").status_code == 401
    assert (
        svc.get("/api/v1/system", headers={"Authorization": "Bearer tdk_nope"}).status_code == 401
    )

    # SIGTERM: everything stops within 5 s, media child included.
    media_pid = svc.get("/healthz").json()["media"]["pid"]
    started = time.monotonic()
    svc.proc.send_signal(signal.SIGTERM)
    assert svc.proc.wait(5) == 0
    assert time.monotonic() - started < 5
    assert not _alive(media_pid)
    assert "stopped" in svc.output()


def test_second_start_keeps_accounts_and_prints_no_secret(service_factory, data_dir):
    first = service_factory(TONGDAI_ADMIN_PASSWORD="given-by-the-installer")
    first.wait_healthy()
    assert "TONGDAI_ADMIN_PASSWORD" in first.output()
    assert "given-by-the-installer" not in first.output()
    assert first.stop() == 0
    second = service_factory()
    second.wait_healthy()
    assert "Admin login" not in second.output() and "Demo extensions" not in second.output()


def test_port_in_use_is_reported(service_factory, data_dir):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        svc = service_factory()
        svc.args[svc.args.index("--http-port") + 1] = str(port)
        svc.stop()
        svc.proc = subprocess.Popen(
            svc.args, env=svc.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        out, _ = svc.proc.communicate(timeout=30)
    assert svc.proc.returncode != 0
    assert f"is port {port} free?" in out


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by anyone) counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_healthz_is_served_by_httpx_client_too(service_factory):
    svc = service_factory()
    svc.wait_healthy()
    with httpx.Client(base_url=svc.url) as client:
        assert client.get("/healthz").json()["db"] == "ok"
