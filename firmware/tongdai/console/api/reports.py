"""Reports over the API (supervisor): every report of a period as JSON or CSV, the call
search, a call's recording (with Range requests, so a player can seek) and staffing.

Each takes `period` (today, week or range with `start` and `end`, YYYY-MM-DD, box time),
`queue` and `agent`; a bad one is a 422 naming it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.console.report_tables import (
    csv_table,
    filters,
    search_options,
    staffing_hours,
    staffing_options,
)
from tongdai.store import reports

router = APIRouter(
    prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(auth.require("supervisor"))]
)


def _filters(request: Request) -> reports.Filters:
    try:
        return filters(request)
    except reports.ReportError as exc:
        raise unprocessable(exc) from None


Period = Annotated[reports.Filters, Depends(_filters)]


def _period(f: reports.Filters) -> dict:
    return {"start": f.first.isoformat(), "end": f.last.isoformat(), "timezone": f.timezone,
            "queue": f.queue, "agent": f.agent}  # fmt: skip


@router.get("")
async def summary(request: Request, f: Period, bucket: Annotated[str, Query()] = "hour") -> dict:
    """Calls per hour/day/week, queue and agent numbers, missed calls to call back, the
    busiest hours (weekday 0 = Monday x hour) and trunk usage."""
    db = auth.service(request).db
    try:
        volume = reports.volume(db, f, bucket)
    except reports.ReportError as exc:
        raise unprocessable(exc) from None
    queues, agents = reports.queue_stats(db, f)
    return {
        "period": _period(f), "bucket": bucket, "volume": volume, "queues": queues,
        "agents": agents, "missed": reports.missed(db, f), "heatmap": reports.heatmap(db, f),
        "trunks": reports.trunks(db, f),
    }  # fmt: skip


@router.get("/calls")
async def calls(
    request: Request,
    f: Period,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict:
    """Call records of the period, newest first; filters `number`, `extension`,
    `disposition`, `direction`."""
    try:
        rows, total = reports.search(
            auth.service(request).db, f, offset=offset, limit=limit, **search_options(request)
        )
    except reports.ReportError as exc:
        raise unprocessable(exc) from None
    return {"period": _period(f), "total": total, "calls": rows}


@router.get("/calls/{cdr_id}/recording", response_class=FileResponse)
async def recording(request: Request, cdr_id: str) -> FileResponse:
    """The call's recording, found from its record; honours Range (206)."""
    svc = auth.service(request)
    path = reports.recording_file(svc.db, svc.settings.recordings_dir, cdr_id)
    if path is None:
        raise HTTPException(404, "no recording for this call")
    return FileResponse(path, media_type="audio/wav")


@router.get("/staffing")
async def staffing(request: Request, f: Period) -> dict:
    """Per hour of the day: agents needed for `target` (0-1) within `sl_seconds`, from
    the period's calls, beside the agents logged in."""
    try:
        options = staffing_options(request)
        hours = staffing_hours(auth.service(request).db, f, **options)
    except reports.ReportError as exc:
        raise unprocessable(exc) from None
    return {"period": _period(f), **options, "hours": hours}


@router.get("/{name}.csv", response_class=Response)
async def export(request: Request, name: str) -> Response:
    """A report as CSV (UTF-8 with BOM): volume, queues, agents, missed, heatmap, trunks,
    calls, staffing."""
    try:
        header, rows = csv_table(request, name)
    except KeyError:
        raise HTTPException(404, f"no report {name!r}") from None
    except reports.ReportError as exc:
        raise unprocessable(exc) from None
    return Response(
        reports.to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tongdai-{name}.csv"'},
    )
