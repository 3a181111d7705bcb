"""/api/v1/maintenance (admin): versions, backup, restore, restart and the log's last lines,
as the maintenance page offers them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse

from tongdai import backup
from tongdai.console import auth, upkeep
from tongdai.console.uploads import UploadError

Admin = Annotated[auth.Principal, Depends(auth.require("admin"))]
router = APIRouter(prefix="/api/v1/maintenance", tags=["maintenance"])


@router.get("")
async def versions(request: Request, who: Admin) -> dict:
    service = auth.service(request)
    return {
        **upkeep.versions(service),
        "restore_pending": backup.pending(service.settings.data_dir),
    }


@router.post("/backup", response_class=FileResponse)
async def create_backup(request: Request, who: Admin, recordings: bool = False) -> FileResponse:
    return await upkeep.backup_download(auth.service(request), who.user.username, recordings)


@router.post("/restore", status_code=202)
async def restore(request: Request, who: Admin, file: Annotated[UploadFile, File()]) -> dict:
    """Checked and staged; the service then restarts to load it (this answer comes first)."""
    try:
        manifest = await upkeep.restore_upload(auth.service(request), who.user.username, file)
    except (backup.BackupError, UploadError) as exc:
        raise HTTPException(422, {"field": "file", "message": str(exc)}) from exc
    return {"restored": manifest["created"], "box_version": manifest["box_version"],
            "restarting": True}  # fmt: skip


@router.post("/restart", status_code=202)
async def restart(request: Request, who: Admin) -> dict:
    auth.service(request).request_restart()
    return {"restarting": True}


@router.get("/logs")
async def logs(
    request: Request,
    who: Admin,
    level: Annotated[str, Query(pattern="^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO",
    lines: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> list[dict]:
    entries = upkeep.tail_log(auth.service(request).settings.log_dir, lines, level)
    return [{"level": lvl, "line": line} for lvl, line in entries]
