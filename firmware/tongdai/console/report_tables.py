"""What the reports page, the staffing page and their API share: the period and filters
read from a query string, the staffing table, and each report as a CSV table."""

from __future__ import annotations

from fastapi import Request

from tongdai.acd import staffing
from tongdai.console import auth
from tongdai.store import reports

STAFFING_DEFAULTS = {"target": 0.8, "sl_seconds": 20.0}


def filters(request: Request, default: str = "today") -> reports.Filters:
    """The period (`default` unless told) and the queue/agent filter from the query
    string; ReportError names a bad field."""
    q = request.query_params
    return reports.period(
        q.get("period") or default, auth.service(request).settings.timezone,
        start=q.get("start", ""), end=q.get("end", ""), queue=q.get("queue", ""),
        agent=q.get("agent", ""),
    )  # fmt: skip


def staffing_hours(db, f: reports.Filters, *, target: float, sl_seconds: float) -> list[dict]:
    """Per hour of the day: the calls and handle time of the period's history, the agents
    Erlang C asks for to meet the target, and the agents actually logged in."""
    if not 0 < target < 1:
        raise reports.ReportError("target: a service level between 0 and 1, e.g. 0.8")
    if not 0 < sl_seconds <= 600:
        raise reports.ReportError("sl_seconds: between 1 and 600 seconds")
    days = (f.last - f.first).days + 1
    hours = staffing.plan(db, days=days, timezone=f.timezone, sl_seconds=sl_seconds,
                          target=target, queue=f.queue, until=f.until)  # fmt: skip
    plan = {h.hour: h for h in hours}
    actual = reports.logged_in_per_hour(db, f)
    rows = []
    for hour in range(24):
        h = plan.get(hour)
        rows.append({
            "hour": hour, "calls_per_hour": round(h.calls_per_hour, 2) if h else 0.0,
            "aht": round(h.aht, 1) if h else None, "needed": h.agents if h else 0,
            "logged_in": actual[hour],
        })  # fmt: skip
    return rows


def csv_table(request: Request, name: str) -> tuple[list[str], list[list]]:
    """A report as (header, rows); KeyError for an unknown name."""
    db = auth.service(request).db
    f = filters(request)
    if name == "volume":
        bucket = request.query_params.get("bucket") or "hour"
        rows = reports.volume(db, f, bucket)
        return ["period", "calls", "answered"], [[r["bucket"], r["calls"], r["answered"]]
                                                 for r in rows]  # fmt: skip
    if name == "queues":
        rows = reports.queue_stats(db, f)[0]
        return QUEUE_COLUMNS, [[r[c] for c in QUEUE_COLUMNS] for r in rows]
    if name == "agents":
        rows = reports.queue_stats(db, f)[1]
        return AGENT_COLUMNS, [[r[c] for c in AGENT_COLUMNS] for r in rows]
    if name == "missed":
        cols = ["number", "name", "missed", "last", "queue"]
        return cols, [[r[c] for c in cols] for r in reports.missed(db, f)]
    if name == "heatmap":
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        grid = reports.heatmap(db, f)
        rows = [[day, *row] for day, row in zip(days, grid, strict=True)]
        return ["weekday", *map(str, range(24))], rows
    if name == "trunks":
        cols = ["trunk", "inbound", "outbound", "calls", "minutes"]
        return cols, [[r[c] for c in cols] for r in reports.trunks(db, f)]
    if name == "calls":
        rows, _ = reports.search(db, f, limit=100_000, **search_options(request))
        cols = list(reports.SEARCH_COLUMNS)
        return cols, [[r[c] for c in cols] for r in rows]
    if name == "staffing":
        rows = staffing_hours(db, f, **staffing_options(request))
        cols = ["hour", "calls_per_hour", "aht", "needed", "logged_in"]
        return cols, [[r[c] for c in cols] for r in rows]
    raise KeyError(name)


QUEUE_COLUMNS = ["queue", "offered", "answered", "abandoned", "short_abandoned", "timed_out",
                 "left_empty", "service_level", "abandon_rate", "asa", "aht"]  # fmt: skip
AGENT_COLUMNS = ["agent", "answered", "no_answer", "talk_minutes", "asa", "aht"]


def search_options(request: Request) -> dict:
    q = request.query_params
    return {k: q.get(k, "") for k in ("number", "extension", "disposition", "direction")}


def staffing_options(request: Request) -> dict:
    q = request.query_params
    out = {}
    for key, default in STAFFING_DEFAULTS.items():
        try:
            out[key] = float(q.get(key) or default)
        except ValueError:
            raise reports.ReportError(f"{key}: a number") from None
    return out
