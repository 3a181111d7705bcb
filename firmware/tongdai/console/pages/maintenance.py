"""Maintenance (admin): the firmware's versions, a backup to download, a restore from
one (checked, staged, then loaded by a restart), the log file's last lines, a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai import backup
from tongdai.console import auth, upkeep
from tongdai.console.config_forms import text
from tongdai.console.templating import N_, locale_for, render
from tongdai.console.uploads import UploadError

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])

# backup.BackupError's reasons, for the translations (the test of vi.po reads them here).
REASONS = (
    N_("there is no database to back up"),
    N_("the archive holds the same file twice"),
    N_("not a Tongdai backup: it has no manifest"),
    N_("the archive and its manifest differ"),
    N_("the backup holds no database"),
    N_("a checksum does not match: the backup was changed or damaged"),
    N_("not a readable backup archive (damaged or cut short?)"),
    N_("a path outside the backup is refused"),
    N_("links and special files are refused"),
    N_("not something a Tongdai backup holds"),
    N_("not a Tongdai backup: its manifest is not JSON"),
    N_("not a Tongdai backup: its manifest is not ours"),
    N_("not a Tongdai backup: its manifest has no format version"),
    N_("made by a newer firmware: update the box first"),
    N_("not a Tongdai backup: its manifest lists no files"),
    N_("the backup's database is damaged"),
    N_("the backup's database is from a newer firmware: update the box first"),
)


def _page(request: Request, status: int = 200, block: str = "maintenance", **context) -> Response:
    service = auth.service(request)
    context = {"versions": upkeep.versions(service), "error": None, "restarting": None,
               **_log_context(request), **context}  # fmt: skip
    return render(request, "maintenance.html", context, block=block, status=status)


def _log_context(request: Request) -> dict:
    level = request.query_params.get("level", "INFO")
    level = level if level in upkeep.LOG_LEVELS else "INFO"
    lines = request.query_params.get("lines", "")
    lines = int(lines) if lines.isdigit() and int(lines) in upkeep.LOG_LINES else 100
    entries = upkeep.tail_log(auth.service(request).settings.log_dir, lines, level)
    return {"log_level": level, "log_lines": lines, "log_entries": entries,
            "levels": upkeep.LOG_LEVELS, "line_counts": upkeep.LOG_LINES}  # fmt: skip


@router.get("/maintenance")
async def page(request: Request) -> Response:
    return _page(request)


@router.get("/maintenance/logs")
async def logs(request: Request) -> Response:
    return _page(request, block="logs")  # the whole page for a browser, as /maintenance


@router.post("/maintenance/backup")
async def download(request: Request, who: Admin) -> Response:
    form = await request.form()
    return await upkeep.backup_download(auth.service(request), who.user.username,
                                        recordings=text(form, "recordings") == "on")  # fmt: skip


@router.post("/maintenance/restore")
async def restore(request: Request, who: Admin) -> Response:
    form = await request.form()
    file = form.get("file")
    locale = locale_for(request)
    try:
        if not hasattr(file, "read"):
            raise UploadError("file: choose a backup file")
        manifest = await upkeep.restore_upload(auth.service(request), who.user.username, file)
    except backup.BackupError as exc:
        error = locale.gettext(exc.reason) + (f" ({exc.detail})" if exc.detail else "")
        return _page(request, 422, error=error)
    except UploadError as exc:
        return _page(request, 422, error=locale.gettext(str(exc).partition(": ")[2]))
    return _page(request, 202, restarting=manifest)


@router.post("/maintenance/restart")
async def restart(request: Request, who: Admin) -> Response:
    auth.service(request).request_restart()
    return _page(request, 202, restarting={})
