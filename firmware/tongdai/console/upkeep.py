"""What the maintenance page and its API share: the versions, a backup made into a file to
download, a restore staged from an upload (the service then restarts to load it), and the
last lines of the log file."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

from fastapi import UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from tongdai import __version__, backup
from tongdai.console import uploads
from tongdai.store import audit

log = logging.getLogger(__name__)

GZIP = uploads.Kind("backup (.tar.gz)", ".tar.gz", ((0, b"\x1f\x8b"),))
MAX_RESTORE = 8 << 30  # bytes: call recordings make large backups
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")  # as tongdai.logs writes them
LOG_LINES = (100, 500, 2000)
# tongdai.logs.FORMAT: "<date> <time> <LEVEL> <logger>: <message>"; other lines (a
# traceback's) belong to the entry above them.
_ENTRY = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL)\b")


def versions(service) -> dict:
    return {
        "tongdai": __version__,
        "pjsua2": service.media.status.pjsip,  # None until the media engine is up
        "acd_core": "compiled" if service.acd_compiled else "interpreted",
        "python": sys.version.split()[0],
    }


def _settings_path(service) -> Path | None:
    return service.settings_file.path if service.settings_file else None


async def backup_download(service, actor: str, recordings: bool) -> FileResponse:
    """A backup made now (in a worker thread: the loop keeps serving calls), sent, deleted."""
    data_dir = service.settings.data_dir
    fd, name = tempfile.mkstemp(dir=data_dir, prefix=".backup-", suffix=".tar.gz")
    os.close(fd)
    path = Path(name)
    try:
        manifest = await asyncio.to_thread(backup.create, data_dir, path,
                                           settings_file=_settings_path(service),
                                           recordings=recordings)  # fmt: skip
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    # A backup holds every secret of the box: who took one is worth knowing.
    detail = f"{len(manifest['files'])} files" + (", recordings" if recordings else "")
    audit.record(service.db, actor, "backup.create", detail)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return FileResponse(path, media_type="application/gzip",
                        filename=f"tongdai-backup-{stamp}.tar.gz",
                        background=BackgroundTask(path.unlink, missing_ok=True))  # fmt: skip


async def restore_upload(service, actor: str, upload: UploadFile) -> dict:
    """Check and stage the uploaded backup (BackupError or UploadError if it is refused:
    then nothing has changed), then restart the service, which swaps it in at start."""
    data_dir = service.settings.data_dir
    saved = await uploads.save(upload, data_dir / "uploads", kinds=(GZIP,), max_bytes=MAX_RESTORE)
    try:
        manifest = await asyncio.to_thread(backup.stage, saved, data_dir)
    finally:
        saved.unlink(missing_ok=True)
    audit.record(service.db, actor, "backup.restore", f"backup of {manifest['created']}")
    service.request_restart()
    return manifest


def tail_log(log_dir: Path, lines: int, level: str) -> list[tuple[str, str]]:
    """The last `lines` lines of tongdai.log at `level` or above, as (level, line)."""
    wanted = set(LOG_LEVELS[LOG_LEVELS.index(level) :]) | {"CRITICAL"}
    out: collections.deque = collections.deque(maxlen=lines)
    current = "INFO"
    try:
        with open(log_dir / "tongdai.log", encoding="utf-8", errors="replace") as f:
            for line in f:
                entry = _ENTRY.match(line)
                if entry:
                    current = entry.group(1)
                if current in wanted:
                    out.append((current, line.rstrip("\n")))
    except FileNotFoundError:
        return []
    return list(out)
