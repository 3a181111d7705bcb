"""Restart and restore against `tongdai run` as a real process: the service shuts down
cleanly and starts again as the same process (re-exec), loading a staged restore."""

import contextlib
import re
import subprocess
import time

import httpx
import pytest
from callbox import cli
from tongdai import backup as backups
from tongdai.store import accounts, extensions, open_db

pytestmark = pytest.mark.slow


def _ready(svc, starts: int, timeout: float = 30) -> None:
    """The console answers after the service has started `starts` times."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert svc.proc.poll() is None, svc.output()
        if len(re.findall(r"tongdai: Tongdai \S+ starting", svc.output())) >= starts:
            with contextlib.suppress(httpx.HTTPError):
                if svc.get("/login").status_code == 200:
                    return
        time.sleep(0.1)
    raise AssertionError(f"not back within {timeout}s:\n{svc.output()}")


def _token(svc) -> dict:
    db = open_db(svc.data_dir / "tongdai.db")
    try:
        token = accounts.create_token(db, "admin", "test", actor="test")
    finally:
        db.close()
    return {"Authorization": f"Bearer {token}"}


def test_restart_then_restore_through_the_api(service_factory):
    svc = service_factory(TONGDAI_LANGUAGE="en")
    _ready(svc, 1)
    auth = _token(svc)
    pid = svc.proc.pid
    r = httpx.post(svc.url + "/api/v1/maintenance/restart", headers=auth, timeout=10)
    assert r.status_code == 202
    _ready(svc, 2)
    assert svc.proc.pid == pid and "stopped" in svc.output(), svc.output()  # clean, same process
    assert svc.get("/api/v1/maintenance", headers=auth).status_code == 200  # sessions kept

    backup = httpx.post(svc.url + "/api/v1/maintenance/backup", headers=auth, timeout=30)
    assert backup.status_code == 200
    db = open_db(svc.data_dir / "tongdai.db")
    extensions.delete(db, "104", actor="test")
    db.close()
    r = httpx.post(svc.url + "/api/v1/maintenance/restore", headers=auth, timeout=30,
                   files={"file": ("b.tar.gz", backup.content, "application/gzip")})  # fmt: skip
    assert r.status_code == 202, r.text
    _ready(svc, 3)
    db = open_db(svc.data_dir / "tongdai.db")
    try:
        assert extensions.get(db, "104") is not None  # the backup's data, loaded
    finally:
        db.close()
    assert "restored the backup of" in svc.output()
    assert svc.proc.pid == pid


def test_the_cli_only_stages_a_restore_while_the_service_runs(service_factory, tmp_path):
    svc = service_factory(TONGDAI_LANGUAGE="en")
    _ready(svc, 1)
    saved = tmp_path / "b.tar.gz"
    assert cli(svc, "backup", "create", str(saved)).returncode == 0
    r = cli(svc, "backup", "restore", str(saved))
    assert r.returncode == 0 and "restart the service to load it" in r.stdout, r.stderr
    assert backups.pending(svc.data_dir) is not None  # the open database was left alone
    second = service_factory(TONGDAI_LANGUAGE="en")  # other ports, the same data directory
    second.stop()
    out = subprocess.run(second.args, env=second.env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "another service runs on the data" in out.stderr
