"""Backup and restore of a box as one .tar.gz (the console's maintenance page and
`tongdai backup`).

A backup holds a consistent copy of the database (SQLite's online backup API: a file copy
of a live WAL database may miss committed pages), the settings file, the custom prompts,
voicemail, the TLS material and, when asked, the call recordings; and manifest.json (the
format, the box's version, when, and every file with its SHA-256).

A restore first stages: it checks every member (regular files under the expected folders
only: no links, absolute paths or `..`), the manifest (ours, a format this firmware
reads), every checksum and the database, into a folder beside the data. Anything wrong is
a BackupError and the staged folder is removed, so a bad file changes nothing. The staged
copy is swapped in before the store is opened (`apply_pending`, at the service's start):
the running service cannot swap its own open database, so it restarts itself to load it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from tongdai import __version__
from tongdai.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)

FORMAT = "tongdai-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_NAME = "tongdai.db"
DATA = "data"  # the data directory's files, under this folder in the archive
SETTINGS = "settings/tongdai.toml"
# Kept folders, relative to the data directory: what an admin made or received on the box.
KEPT = ("sounds/prompts", "recordings/voicemail", "recordings/prompts", "tls")
RECORDINGS = "recordings"  # call recordings: only when asked (they can be large)
PENDING = ".restore-pending"  # a staged restore, swapped in at the next start
LOCK = "tongdai.lock"  # held by a running service
CHUNK = 1 << 20


class BackupError(ValueError):
    """A backup that cannot be made or restored: a fixed reason (the console translates it)
    and the detail it concerns (a file's name, say)."""

    def __init__(self, reason: str, detail: object = "") -> None:
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason, self.detail = reason, str(detail)


def create(
    data_dir: Path, out: Path, *, settings_file: Path | None = None, recordings: bool = False
) -> dict:
    """Write a backup of `data_dir` to `out` (replaced atomically); return its manifest."""
    db_path = data_dir / DB_NAME
    if not db_path.is_file():
        raise BackupError("there is no database to back up", db_path)
    files: list[dict] = []
    part = out.with_name(out.name + ".part")
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        snapshot = Path(tmp) / DB_NAME
        _snapshot(db_path, snapshot)
        try:
            with tarfile.open(part, "w:gz", compresslevel=6) as tar:
                _add(tar, snapshot, f"{DATA}/{DB_NAME}", files)
                if settings_file is not None and settings_file.is_file():
                    _add(tar, settings_file, SETTINGS, files)
                folders = (*KEPT, RECORDINGS) if recordings else KEPT
                seen: set[Path] = set()
                for folder in folders:
                    for path in sorted((data_dir / folder).rglob("*")):
                        if path in seen or path.is_symlink() or not path.is_file():
                            continue
                        seen.add(path)
                        _add(tar, path, f"{DATA}/{path.relative_to(data_dir).as_posix()}", files)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "box_version": __version__,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "recordings": recordings,
                    "files": files,
                }
                body = json.dumps(manifest, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = (
                    len(body),
                    int(dt.datetime.now().timestamp()),
                    0o644,
                )
                tar.addfile(info, io.BytesIO(body))
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
    return manifest


def _snapshot(db_path: Path, target: Path) -> None:
    """A consistent copy of the live database in one file (no WAL beside it)."""
    src = sqlite3.connect(db_path, timeout=10)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


class _Hashing(io.RawIOBase):
    """A file read through, hashed on the way (so the checksum is of what was archived)."""

    def __init__(self, f) -> None:
        self.f, self.hash = f, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.hash.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str, files: list[dict]) -> None:
    info = tarfile.TarInfo(name)
    st = path.stat()
    info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o600
    with open(path, "rb") as f:
        reader = _Hashing(f)
        tar.addfile(info, reader)
    files.append({"path": name, "size": info.size, "sha256": reader.hash.hexdigest()})


def stage(archive: Path, data_dir: Path) -> dict:
    """Check `archive` and unpack it as the pending restore; return its manifest.

    Nothing outside the staging folder is touched before every check has passed.
    """
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        manifest = _extract(archive, staging)
        _check_database(staging / DATA / DB_NAME)
        for folder in (*KEPT, RECORDINGS):  # present even when empty: see apply_pending
            (staging / DATA / folder).mkdir(parents=True, exist_ok=True)
        pending = data_dir / PENDING
        if pending.exists():
            shutil.rmtree(pending)
        staging.rename(pending)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _extract(archive: Path, staging: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()  # reads every header: a truncated file fails here
            names = [m.name for m in members]
            if len(set(names)) != len(names):
                raise BackupError("the archive holds the same file twice")
            for member in members:
                _check_member(member)
            if MANIFEST not in names:
                raise BackupError("not a Tongdai backup: it has no manifest")
            manifest = _read_manifest(tar.extractfile(MANIFEST).read())
            listed = {f["path"]: f["sha256"] for f in manifest["files"]}
            files = {m.name: m for m in members if m.isfile() and m.name != MANIFEST}
            if set(listed) != set(files):
                odd = sorted(set(listed) ^ set(files))[:3]
                raise BackupError("the archive and its manifest differ", ", ".join(odd))
            if f"{DATA}/{DB_NAME}" not in files:
                raise BackupError("the backup holds no database")
            for name, member in files.items():
                dest = staging / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as src, open(dest, "xb") as out:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != listed[name]:
                    raise BackupError(
                        "a checksum does not match: the backup was changed or damaged", name
                    )
            (staging / MANIFEST).write_text(json.dumps(manifest))
            return manifest
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(
            "not a readable backup archive (damaged or cut short?)", exc or type(exc).__name__
        ) from exc


def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or not parts or "\\" in name:
        raise BackupError("a path outside the backup is refused", name)
    if not (member.isfile() or member.isdir()):
        raise BackupError("links and special files are refused", name)
    if member.isdir() or name in (MANIFEST, SETTINGS, f"{DATA}/{DB_NAME}"):
        return
    allowed = (f"{DATA}/{folder}/" for folder in (*KEPT, RECORDINGS))
    if not any(name.startswith(prefix) for prefix in allowed):
        raise BackupError("not something a Tongdai backup holds", name)


def _read_manifest(body: bytes) -> dict:
    try:
        manifest = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError("not a Tongdai backup: its manifest is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a Tongdai backup: its manifest is not ours")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise BackupError("not a Tongdai backup: its manifest has no format version")
    if version > FORMAT_VERSION:
        raise BackupError(
            "made by a newer firmware: update the box first",
            f"Tongdai {manifest.get('box_version')}, backup format {version}",
        )
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("sha256"), str)
        for f in files
    ):
        raise BackupError("not a Tongdai backup: its manifest lists no files")
    return manifest


def _check_database(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("the backup's database is damaged", exc) from exc
    if ok != "ok":
        raise BackupError("the backup's database is damaged", ok)
    if version > len(MIGRATIONS):
        raise BackupError("the backup's database is from a newer firmware: update the box first")


def pending(data_dir: Path) -> dict | None:
    """The manifest of a staged restore waiting for the next start, if any."""
    with contextlib.suppress(OSError, ValueError):
        return json.loads((data_dir / PENDING / MANIFEST).read_text())
    return None


def apply_pending(data_dir: Path, settings_file: Path | None = None) -> dict | None:
    """Swap a staged restore in (before the store is opened); return its manifest.

    What it replaces goes to .restore-old-<random>/ (deleted by hand once all is well).
    Each swap is a rename; an interrupted one resumes at the next start, since a
    folder still in the staging folder is one not yet swapped.
    """
    manifest = pending(data_dir)
    if manifest is None:
        return None
    staged = data_dir / PENDING
    old = Path(tempfile.mkdtemp(prefix=".restore-old-", dir=data_dir))
    folders = (RECORDINGS, "sounds/prompts", "tls") if manifest.get("recordings") else KEPT
    for rel in (DB_NAME, *folders):
        new = staged / DATA / rel
        if not new.exists():
            continue  # swapped before an interruption
        current = data_dir / rel
        (old / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel == DB_NAME:  # the old database's WAL belongs with it, not with the new one
            for suffix in ("-wal", "-shm"):
                extra = current.with_name(DB_NAME + suffix)
                if extra.exists():
                    os.replace(extra, old / (DB_NAME + suffix))
        if current.exists():
            os.replace(current, old / rel)
        current.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, current)
    settings = staged / SETTINGS
    if settings_file is not None and settings.exists():
        if settings_file.exists():
            shutil.copy2(settings_file, old / "tongdai.toml")
        beside = settings_file.with_name(settings_file.name + ".restored")
        shutil.copy2(settings, beside)  # then a rename: atomic on the file's own file system
        os.replace(beside, settings_file)
    shutil.rmtree(staged)
    log.warning("restored the backup of %s (Tongdai %s); the data it replaced is in %s",
                manifest["created"], manifest.get("box_version"), old)  # fmt: skip
    return manifest


def hold_lock(data_dir: Path):
    """Mark the data directory as in use by a running service (until the process ends)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    f = open(data_dir / LOCK, "a")  # noqa: SIM115 - held for the process's lifetime
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return f


def in_use(data_dir: Path) -> bool:
    """Whether a service is running on this data directory."""
    try:
        with open(data_dir / LOCK, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        return False
    except BlockingIOError:
        return True
    return False
