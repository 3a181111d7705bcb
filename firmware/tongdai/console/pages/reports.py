"""Reports (supervisor): a period's calls, queues, agents, missed calls, busiest hours and
trunks with charts and CSV; the call search with recordings played in the browser; and
staffing (agents needed per hour beside those logged in). Plain GET forms: every view is
a link that can be bookmarked, and the CSV links carry the same query."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.forms import field_error
from tongdai.console.report_tables import (
    STAFFING_DEFAULTS,
    filters,
    search_options,
    staffing_hours,
    staffing_options,
)
from tongdai.console.templating import N_, locale_for, render
from tongdai.store import cdr, reports
from tongdai.store import queues as queue_store

PAGE_SIZE = 50
HEAT_LEVELS = 5  # heat-0 (no calls) .. heat-5 (the busiest hour): CSS classes
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
# Stored values the call search shows translated (marked for extraction; see vi.po).
SHOWN = (N_("answered"), N_("no answer"), N_("busy"), N_("failed"), N_("cancelled"),
         N_("inbound"), N_("outbound"), N_("internal"))  # fmt: skip
router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require("supervisor"))])


def _context(request: Request, keys: tuple[str, ...], default: str = "today") -> dict:
    """The form as submitted, the choices, and the period (or the error naming a field)."""
    db = auth.service(request).db
    q = request.query_params
    context = {
        "form": {k: q.get(k, "") for k in keys},
        "queues": [x.name for x in queue_store.list_queues(db)],
        "agents": queue_store.list_agents(db),
        "errors": {},
        "f": None,
    }
    context["form"]["period"] = context["form"]["period"] or default
    try:
        context["f"] = filters(request, default)
    except reports.ReportError as exc:
        context["errors"] = field_error(exc, locale_for(request), "period")
    context["query"] = urlencode({k: v for k, v in context["form"].items() if v})
    return context


def _heat(grid: list[list[int]]) -> list[list[tuple[int, int]]]:
    """(calls, level) per cell, the level scaled to the busiest hour."""
    top = max(map(max, grid)) or 1
    return [[(n, math.ceil(HEAT_LEVELS * n / top)) for n in row] for row in grid]


@router.get("/reports")
async def report(request: Request) -> Response:
    context = _context(request, ("period", "start", "end", "queue", "agent", "bucket"))
    f, db = context["f"], auth.service(request).db
    bucket = context["form"]["bucket"] = context["form"]["bucket"] or "hour"
    if f is not None:
        try:
            volume = reports.volume(db, f, bucket)
        except reports.ReportError as exc:
            context["errors"] = field_error(exc, locale_for(request), "bucket")
    if f is not None and not context["errors"]:
        locale = locale_for(request)
        queues, agents = reports.queue_stats(db, f)
        context.update(
            volume=volume, queue_rows=queues, agent_rows=agents,
            missed=reports.missed(db, f), heat=_heat(reports.heatmap(db, f)),
            trunks=reports.trunks(db, f), weekdays=WEEKDAYS,
            chart={
                "time": True, "timezone": f.timezone, "x": [v["time"] for v in volume],
                "series": [
                    {"label": locale.gettext("Calls"), "values": [v["calls"] for v in volume]},
                    {"label": locale.gettext("Answered"),
                     "values": [v["answered"] for v in volume]},
                ],
            },
        )  # fmt: skip
    return render(request, "reports.html", context)


@router.get("/reports/calls")
async def call_search(request: Request) -> Response:
    keys = ("period", "start", "end", "queue", "agent", "number", "extension", "disposition",
            "direction", "page")  # fmt: skip
    context = _context(request, keys)
    context.update(dispositions=cdr.DISPOSITIONS, directions=reports.DIRECTIONS)
    try:
        page = max(1, int(context["form"]["page"] or 1))
    except ValueError:
        page = 1
    if context["f"] is not None:
        try:
            rows, total = reports.search(
                auth.service(request).db, context["f"], offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE, **search_options(request),
            )  # fmt: skip
        except reports.ReportError as exc:
            context["errors"] = field_error(exc, locale_for(request), "number")
        else:
            form = {k: v for k, v in context["form"].items() if v and k != "page"}
            pages = max(1, -(-total // PAGE_SIZE))
            context.update(calls=rows, total=total, page=page, pages=pages, paging=urlencode(form))
    return render(request, "report_calls.html", context)


@router.get("/staffing")
async def staffing(request: Request) -> Response:
    keys = ("period", "start", "end", "queue", "target", "sl_seconds")
    context = _context(request, keys, default="week")  # a day is thin history
    for key, default in STAFFING_DEFAULTS.items():
        context["form"][key] = context["form"][key] or f"{default:g}"
    if context["f"] is not None and not context["errors"]:
        locale = locale_for(request)
        try:
            hours = staffing_hours(auth.service(request).db, context["f"],
                                   **staffing_options(request))  # fmt: skip
        except reports.ReportError as exc:
            context["errors"] = field_error(exc, locale, "target")
        else:
            context.update(
                hours=hours,
                chart={
                    "time": False, "bars": True, "x": list(range(24)),
                    "series": [
                        {"label": locale.gettext("Agents needed"),
                         "values": [h["needed"] for h in hours]},
                        {"label": locale.gettext("Agents logged in"),
                         "values": [h["logged_in"] for h in hours]},
                    ],
                },
            )  # fmt: skip
    return render(request, "staffing.html", context)
