"""The maintenance page and API (admin): versions, a backup downloaded, a restore checked
and staged (the service then restarts to load it), a restart, the log's last lines."""

import io
import json
import tarfile

import pytest
from tongdai import backup
from tongdai.store import audit, extensions, open_db


@pytest.fixture
def admin(console):
    client, token = console.logged_in("boss", "admin")
    client.headers["X-CSRF-Token"] = token
    return client


def _download(admin, **data) -> bytes:
    r = admin.post("/maintenance/backup", data=data)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/gzip"
    assert "tongdai-backup-" in r.headers["content-disposition"]
    return r.content


def test_page_shows_the_versions_and_is_for_admins_only(console, admin):
    r = admin.get("/maintenance")
    assert r.status_code == 200
    assert "Tongdai" in r.text and "ACD core" in r.text
    assert ("compiled (Cython)" if console.service.acd_compiled else "interpreted") in r.text
    assert "media engine not running" in r.text  # the loop is not running here
    supervisor, _ = console.logged_in("sup", "supervisor")
    assert supervisor.get("/maintenance").status_code == 403
    assert supervisor.get("/api/v1/maintenance").status_code == 403


def test_backup_download_is_a_whole_backup_and_audited(console, admin):
    body = _download(admin, recordings="on")
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert "data/tongdai.db" in tar.getnames()
    assert manifest["format"] == "tongdai-backup" and manifest["recordings"] is True
    assert audit.entries(console.db)[0]["action"] == "backup.create"
    assert not list(console.service.settings.data_dir.glob(".backup-*"))  # sent, then deleted


def test_restore_stages_the_backup_and_restarts(console, admin):
    body = _download(admin)
    extensions.delete(console.db, "104")
    r = admin.post("/maintenance/restore",
                   files={"file": ("b.tar.gz", body, "application/gzip")})  # fmt: skip
    assert r.status_code == 202, r.text
    assert "is checked and staged" in r.text and "restarting" in r.text
    assert console.service.restart_requested
    data_dir = console.service.settings.data_dir
    assert backup.pending(data_dir) is not None
    console.db.close()  # what the restart does before the new process swaps it in
    backup.apply_pending(data_dir)
    restored = open_db(data_dir / "tongdai.db")
    assert extensions.get(restored, "104") is not None
    restored.close()


def _tampered(body: bytes) -> bytes:
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(body)) as src,
        tarfile.open(fileobj=out, mode="w:gz") as dst,
    ):
        for info in src.getmembers():
            data = src.extractfile(info).read()
            if info.name == "data/tongdai.db":
                data = data[:-1] + b"\x01"
            dst.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda good: _tampered(good), "a checksum does not match"),
        (lambda good: good[: len(good) // 2], "not a readable backup archive"),
        (lambda good: b"PK\x03\x04 not ours", "not a backup (.tar.gz) file"),
    ],
)
def test_a_bad_restore_is_refused_and_changes_nothing(console, admin, body, message):
    good = _download(admin)
    r = admin.post("/maintenance/restore",
                   files={"file": ("b.tar.gz", body(good), "application/gzip")})  # fmt: skip
    assert r.status_code == 422
    assert "The backup was refused; nothing was changed" in r.text and message in r.text
    assert not console.service.restart_requested
    assert backup.pending(console.service.settings.data_dir) is None
    uploaded = console.service.settings.data_dir / "uploads"
    assert not uploaded.exists() or not list(uploaded.iterdir())


def test_restart_asks_the_service_to_restart(console, admin):
    r = admin.post("/maintenance/restart")
    assert r.status_code == 202 and "The service is restarting" in r.text
    assert console.service.restart_requested and console.service._stop.is_set()


LOG = """2026-11-24 04:00:00 INFO    tongdai: started
2026-11-24 04:00:01 WARNING tongdai.edge: a warning
2026-11-24 04:00:02 ERROR   tongdai: it broke
Traceback (most recent call last):
  ValueError: boom
2026-11-24 04:00:03 DEBUG   tongdai: detail
"""


def test_logs_by_level(console, admin):
    log_dir = console.service.settings.log_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "tongdai.log").write_text(LOG)
    r = admin.get("/maintenance/logs?level=WARNING&lines=100")
    assert "a warning" in r.text and "ValueError: boom" in r.text  # the traceback goes along
    assert "started" not in r.text and "detail" not in r.text
    r = admin.get("/maintenance/logs?level=DEBUG")
    assert all(word in r.text for word in ("started", "a warning", "detail"))
    r = admin.get("/api/v1/maintenance/logs", params={"level": "ERROR", "lines": 2})
    lines = [e["line"] for e in r.json()]
    assert lines == ["Traceback (most recent call last):", "  ValueError: boom"]


def test_api_versions_backup_restore_restart(console, admin):
    r = admin.get("/api/v1/maintenance")
    assert (
        r.json()["acd_core"] in ("compiled", "interpreted") and r.json()["restore_pending"] is None
    )
    r = admin.post("/api/v1/maintenance/backup")
    assert r.status_code == 200 and r.content[:2] == b"\x1f\x8b"
    bad = admin.post("/api/v1/maintenance/restore",
                     files={"file": ("b.tar.gz", r.content[:100], "application/gzip")})  # fmt: skip
    assert bad.status_code == 422 and "not a readable backup" in bad.json()["detail"]["message"]
    ok = admin.post("/api/v1/maintenance/restore",
                    files={"file": ("b.tar.gz", r.content, "application/gzip")})  # fmt: skip
    assert ok.status_code == 202 and ok.json()["restarting"] is True
    assert console.service.restart_requested
