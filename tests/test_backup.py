"""Backup and restore (tongdai.backup and `tongdai backup`): a round trip brings the data
back; every kind of bad file is refused with a reason and nothing changed."""

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from tongdai import backup, bootstrap, settings
from tongdai.store import extensions, open_db

from tests.conftest import tongdai_cmd, tongdai_env


@pytest.fixture
def box(tmp_path):
    """A data directory after first start, with a voicemail message, a custom prompt,
    TLS material, a call recording and a settings file."""
    s = settings.load(flags={"data_dir": str(tmp_path / "var")}, env={})
    db = bootstrap.open_store(s)
    bootstrap.first_start(db, env={})
    db.close()
    files = {
        "recordings/voicemail/101/msg1.wav": b"RIFF-voicemail",
        "sounds/prompts/vi/welcome.wav": b"RIFF-prompt",
        "tls/sip.key": b"-----KEY-----",
        "recordings/2026/11/24/call.wav": b"RIFF-call",
    }
    for rel, body in files.items():
        (s.data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (s.data_dir / rel).write_bytes(body)
    config = tmp_path / "tongdai.toml"
    config.write_text('language = "vi"\n')
    return s.data_dir, config


def snapshot(data_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file()
    }


def numbers(data_dir: Path) -> list[str]:
    db = open_db(data_dir / "tongdai.db")
    try:
        return [e["number"] for e in extensions.all_extensions(db)]
    finally:
        db.close()


def test_round_trip_brings_everything_back(box, tmp_path):
    data_dir, config = box
    out = tmp_path / "b.tar.gz"
    manifest = backup.create(data_dir, out, settings_file=config)
    assert manifest["format"] == "tongdai-backup" and manifest["format_version"] == 1
    names = {f["path"] for f in manifest["files"]}
    assert {"data/tongdai.db", "settings/tongdai.toml", "data/tls/sip.key",
            "data/recordings/voicemail/101/msg1.wav",
            "data/sounds/prompts/vi/welcome.wav"} <= names  # fmt: skip
    assert "data/recordings/2026/11/24/call.wav" not in names  # only when asked
    # then the box changes: an extension added, voicemail lost, settings edited
    db = open_db(data_dir / "tongdai.db")
    extensions.add(db, "150", name="new")
    db.close()
    (data_dir / "recordings/voicemail/101/msg1.wav").unlink()
    (data_dir / "tls/sip.key").write_bytes(b"other")
    config.write_text('language = "en"\n')
    backup.stage(out, data_dir)
    assert backup.pending(data_dir)["created"] == manifest["created"]
    backup.apply_pending(data_dir, config)
    assert (data_dir / "recordings/voicemail/101/msg1.wav").read_bytes() == b"RIFF-voicemail"
    assert (data_dir / "tls/sip.key").read_bytes() == b"-----KEY-----"
    assert config.read_text() == 'language = "vi"\n'
    assert numbers(data_dir) == ["101", "102", "103", "104"]
    assert (data_dir / "recordings/2026/11/24/call.wav").exists()  # not in the backup: kept
    assert backup.pending(data_dir) is None
    assert next(data_dir.glob(".restore-old-*/tls/sip.key")).read_bytes() == b"other"


def test_recordings_only_when_asked(box, tmp_path):
    data_dir, _ = box
    manifest = backup.create(data_dir, tmp_path / "b.tar.gz", recordings=True)
    assert "data/recordings/2026/11/24/call.wav" in {f["path"] for f in manifest["files"]}


def test_the_database_is_copied_with_the_backup_api_from_a_live_wal_database(box, tmp_path):
    data_dir, _ = box
    db = open_db(data_dir / "tongdai.db")  # held open: recent commits live in the WAL
    db.execute("CREATE TABLE marker (x)")
    db.execute("INSERT INTO marker VALUES (42)")
    assert (data_dir / "tongdai.db-wal").stat().st_size > 0
    backup.create(data_dir, tmp_path / "b.tar.gz")
    db.close()
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        body = tar.extractfile("data/tongdai.db").read()
    copy = tmp_path / "copy.db"
    copy.write_bytes(body)
    assert open_db(copy, migrate=False).execute("SELECT x FROM marker").fetchone() == (42,)


def _repack(good: Path, out: Path, change) -> Path:
    """A copy of the backup `good` with its members passed through change(info, body)."""
    with tarfile.open(good) as src, tarfile.open(out, "w:gz") as dst:
        for info in src.getmembers():
            body = src.extractfile(info).read() if info.isfile() else b""
            for new_info, new_body in change(info, body):
                new_info.size = len(new_body) if new_info.isfile() else 0
                dst.addfile(new_info, io.BytesIO(new_body) if new_info.isfile() else None)
    return out


def _manifest_edit(edit):
    def change(info, body):
        if info.name == "manifest.json":
            manifest = json.loads(body)
            edit(manifest)
            body = json.dumps(manifest).encode()
        yield info, body

    return change


def _extra(info_factory):
    def change(info, body):
        yield info, body
        if info.name == "manifest.json":
            yield info_factory(), b"x"

    return change


def _link(name, kind):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, "/etc/passwd"
    return info


def _write(out: Path, body: bytes) -> Path:
    out.write_bytes(body)
    return out


BAD = {
    "not an archive": lambda good, out: _write(out, b"PK\x03\x04 a zip, say"),
    "cut short": lambda good, out: _write(out, good.read_bytes()[: good.stat().st_size // 2]),
    "tampered": lambda good, out: _repack(
        good, out, lambda i, b: [(i, b"evil" if i.name == "data/tls/sip.key" else b)]
    ),
    "no manifest": lambda good, out: _repack(
        good, out, lambda i, b: [] if i.name == "manifest.json" else [(i, b)]
    ),
    "foreign manifest": lambda good, out: _repack(
        good, out, _manifest_edit(lambda m: m.update(format="other-backup"))
    ),
    "newer format": lambda good, out: _repack(
        good, out, _manifest_edit(lambda m: m.update(format_version=2))
    ),
    "traversal": lambda good, out: _repack(
        good, out, _extra(lambda: tarfile.TarInfo("data/recordings/../../../evil"))
    ),
    "absolute": lambda good, out: _repack(good, out, _extra(lambda: tarfile.TarInfo("/tmp/evil"))),
    "symlink": lambda good, out: _repack(
        good, out, _extra(lambda: _link("data/tls/sip.crt", tarfile.SYMTYPE))
    ),
    "hard link": lambda good, out: _repack(
        good, out, _extra(lambda: _link("data/tls/x", tarfile.LNKTYPE))
    ),
    "unlisted file": lambda good, out: _repack(
        good, out, _extra(lambda: tarfile.TarInfo("data/tls/extra.pem"))
    ),
    "stray folder": lambda good, out: _repack(
        good, out, _extra(lambda: tarfile.TarInfo("data/../tongdai.db"))
    ),
}
REASONS = {
    "not an archive": "not a readable backup archive",
    "cut short": "not a readable backup archive",
    "tampered": "checksum does not match",
    "no manifest": "it has no manifest",
    "foreign manifest": "its manifest is not ours",
    "newer format": "made by a newer firmware",
    "traversal": "a path outside the backup",
    "absolute": "a path outside the backup",
    "symlink": "links and special files",
    "hard link": "links and special files",
    "unlisted file": "the archive and its manifest differ",
    "stray folder": "a path outside the backup",
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_backup_is_refused_and_nothing_changes(box, tmp_path, kind):
    data_dir, config = box
    good = tmp_path / "good.tar.gz"
    backup.create(data_dir, good, settings_file=config)
    bad = BAD[kind](good, tmp_path / "bad.tar.gz")
    before = snapshot(data_dir)
    with pytest.raises(backup.BackupError, match=REASONS[kind]):
        backup.stage(bad, data_dir)
    assert snapshot(data_dir) == before
    assert not (tmp_path / "evil").exists() and not Path("/tmp/evil").exists()
    assert backup.pending(data_dir) is None
    assert sorted(p.name for p in data_dir.glob(".restore*")) == []


def test_a_damaged_database_is_refused(box, tmp_path):
    data_dir, _ = box
    good = tmp_path / "good.tar.gz"
    backup.create(data_dir, good)
    junk = b"SQLite format 3\x00" + b"\xff" * 4096

    def change(info, body):
        if info.name == "data/tongdai.db":
            body = junk
        if info.name == "manifest.json":
            m = json.loads(body)
            for f in m["files"]:
                if f["path"] == "data/tongdai.db":
                    f["sha256"] = hashlib.sha256(junk).hexdigest()
            body = json.dumps(m).encode()
        yield info, body

    before = snapshot(data_dir)
    with pytest.raises(backup.BackupError, match="database is damaged"):
        backup.stage(_repack(good, tmp_path / "bad.tar.gz", change), data_dir)
    assert snapshot(data_dir) == before


def test_cli_round_trip(box, tmp_path):
    data_dir, config = box
    out = tmp_path / "cli.tar.gz"
    env = tongdai_env()
    common = ["--data-dir", str(data_dir), "--config", str(config)]
    r = subprocess.run(tongdai_cmd("backup", "create", *common, str(out)), env=env,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    subprocess.run(tongdai_cmd("ext", "del", "104", "--data-dir", str(data_dir)), env=env,
                   check=True, capture_output=True)  # fmt: skip
    assert numbers(data_dir) == ["101", "102", "103"]
    r = subprocess.run(tongdai_cmd("backup", "restore", *common, str(out)), env=env,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0 and "restored the backup" in r.stdout, r.stderr
    assert numbers(data_dir) == ["101", "102", "103", "104"]
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x1f\x8b not really")
    r = subprocess.run(tongdai_cmd("backup", "restore", *common, str(garbage)), env=env,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 2 and "not a readable backup archive" in r.stderr
