"""Reports read from the call records (`cdr`) and the queue log (`queue_log`): volumes,
queue and agent numbers, missed calls to call back, the busiest hours, trunk usage, the
call search, the actual staffing per hour, and CSV for each. Read only.

Periods are days in the box's time zone; the stored times are UTC (cdr: ISO 8601 text,
queue_log: UNIX seconds). Queue numbers follow the live ACD's (ext/core.py
queue_numbers): service level = answered within the queue's sl_seconds / (calls that
ended in the queue - short abandons); abandon rate = abandoned / calls that ended;
ASA = mean wait of answered calls; AHT = mean talk time of completed calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from tongdai.store import cdr as cdr_store
from tongdai.store.contacts import normalise

PERIODS = ("today", "week", "range")
MAX_DAYS = 366
BUCKETS = ("hour", "day", "week")
DIRECTIONS = ("inbound", "outbound", "internal")
CALL_EVENTS = ("ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON",
               "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "RINGNOANSWER")  # fmt: skip


class ReportError(ValueError):
    """A bad report option; the message starts with the field's name."""


@dataclass(frozen=True)
class Filters:
    since: dt.datetime  # UTC, inclusive
    until: dt.datetime  # UTC, exclusive
    timezone: str
    first: dt.date  # the period's days, box time
    last: dt.date
    queue: str = ""
    agent: str = ""  # an agent's number (extension or outside number)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def cdr_where(self, *, inbound_only: bool = False) -> tuple[str, list]:
        where = ["start >= ?", "start < ?"]
        args: list = [_iso(self.since), _iso(self.until)]
        if self.queue:
            where.append("queue = ?")
            args.append(self.queue)
        elif inbound_only:
            where.append("direction = 'inbound'")
        if self.agent:
            where.append("dst_channel = ?")
            args.append(self.agent)
        return " AND ".join(where), args


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{field}: expected a date like 2026-11-23") from None


def period(
    kind: str, timezone: str, *, start: str = "", end: str = "", queue: str = "",
    agent: str = "", today: dt.date | None = None,
) -> Filters:  # fmt: skip
    """Today, this week (Monday to today) or the days from `start` to `end` inclusive."""
    zone = ZoneInfo(timezone)
    today = today or dt.datetime.now(zone).date()
    if kind == "today":
        first = last = today
    elif kind == "week":
        first, last = today - dt.timedelta(days=today.weekday()), today
    elif kind == "range":
        first = _date(start, "start")
        last = _date(end, "end") if end else first
        if last < first:
            raise ReportError("end: the last day comes before the first")
        if (last - first).days >= MAX_DAYS:
            raise ReportError(f"end: at most {MAX_DAYS} days")
    else:
        raise ReportError(f"period: one of {', '.join(PERIODS)}")

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    return Filters(midnight(first), midnight(last + dt.timedelta(days=1)), timezone, first,
                   last, queue.strip(), agent.strip())  # fmt: skip


# -- volumes ---------------------------------------------------------------------------------


def _bucket_start(local: dt.datetime, bucket: str) -> dt.datetime:
    local = local.replace(minute=0, second=0, microsecond=0)
    if bucket == "hour":
        return local
    day = local.replace(hour=0)
    return day if bucket == "day" else day - dt.timedelta(days=day.weekday())


def volume(db: sqlite_utils.Database, f: Filters, bucket: str) -> list[dict]:
    """Calls and answered calls per hour, day or week (each bucket of the period, empty
    ones included), labelled by the bucket's start in box time."""
    if bucket not in BUCKETS:
        raise ReportError(f"bucket: one of {', '.join(BUCKETS)}")
    zone = f.zone
    buckets: dict[dt.datetime, list[int]] = {}
    step = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}.get(
        bucket, dt.timedelta(days=7)
    )
    at = _bucket_start(f.since.astimezone(zone), bucket)
    while at < f.until.astimezone(zone):
        buckets[at] = [0, 0]
        # wall-clock steps; normalise through UTC so a DST change cannot skip a bucket
        at = _bucket_start((at + step).astimezone(dt.UTC).astimezone(zone), bucket)
    where, args = f.cdr_where()
    for start, disposition in db.execute(
        f"SELECT start, disposition FROM cdr WHERE {where}", args
    ).fetchall():
        key = _bucket_start(dt.datetime.fromisoformat(start).astimezone(zone), bucket)
        counts = buckets.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += disposition == "answered"
    fmt = "%Y-%m-%d %H:00" if bucket == "hour" else "%Y-%m-%d"
    return [
        {"bucket": k.strftime(fmt), "time": int(k.timestamp()), "calls": v[0], "answered": v[1]}
        for k, v in sorted(buckets.items())
    ]


def heatmap(db: sqlite_utils.Database, f: Filters) -> list[list[int]]:
    """Inbound (or the queue's) calls by weekday (0 = Monday) and hour, box time."""
    grid = [[0] * 24 for _ in range(7)]
    where, args = f.cdr_where(inbound_only=True)
    zone = f.zone
    for (start,) in db.execute(f"SELECT start FROM cdr WHERE {where}", args).fetchall():
        local = dt.datetime.fromisoformat(start).astimezone(zone)
        grid[local.weekday()][local.hour] += 1
    return grid


def trunks(db: sqlite_utils.Database, f: Filters) -> list[dict]:
    """Calls and talk minutes per trunk, inbound and outbound."""
    where, args = f.cdr_where()
    sql = f"""SELECT trunk, direction, COUNT(*), SUM(billsec) FROM cdr
              WHERE {where} AND trunk != '' GROUP BY trunk, direction"""
    out: dict[str, dict] = {}
    for trunk, direction, calls, seconds in db.execute(sql, args).fetchall():
        row = out.setdefault(trunk, {"trunk": trunk, "inbound": 0, "outbound": 0,
                                     "calls": 0, "minutes": 0.0})  # fmt: skip
        if direction in ("inbound", "outbound"):
            row[direction] += calls
        row["calls"] += calls
        row["minutes"] += (seconds or 0) / 60
    for row in out.values():
        row["minutes"] = round(row["minutes"], 1)
    return sorted(out.values(), key=lambda r: (-r["calls"], r["trunk"]))


# -- queues and agents -----------------------------------------------------------------------


def _queue_targets(db: sqlite_utils.Database) -> dict[str, tuple[float, float]]:
    rows = db.execute("SELECT name, sl_seconds, short_abandon FROM queues").fetchall()
    return {name: (sl, short) for name, sl, short in rows}


def _num(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _agent_number(channel: str) -> str:
    """PJSIP/101 -> 101, Local/0912345678@trunk -> 0912345678 (see acd.queue_log)."""
    return channel.split("/", 1)[-1].split("@", 1)[0]


def _ratio(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def queue_stats(db: sqlite_utils.Database, f: Filters) -> tuple[list[dict], list[dict]]:
    """(per queue, per agent) numbers over the period. The agent filter narrows the agent
    rows only: a queue's numbers include the calls no agent took. A queue deleted since
    keeps its history with the default targets (20 s, 5 s)."""
    targets = _queue_targets(db)
    where = ["time >= ?", "time < ?", f"event IN ({', '.join('?' * len(CALL_EVENTS))})"]
    args: list = [int(f.since.timestamp()), int(f.until.timestamp()), *CALL_EVENTS]
    if f.queue:
        where.append("queuename = ?")
        args.append(f.queue)
    rows = db.execute(
        f"""SELECT queuename, agent, event, data1, data2, data3 FROM queue_log
            WHERE {" AND ".join(where)} ORDER BY time, id""",
        args,
    ).fetchall()
    queues: dict[str, dict] = defaultdict(lambda: dict.fromkeys(
        ("offered", "answered", "in_sl", "abandoned", "short", "timed_out", "left_empty",
         "exit_key", "wait", "completed", "talk"), 0))  # fmt: skip
    agents: dict[str, dict] = defaultdict(lambda: dict.fromkeys(
        ("answered", "completed", "talk", "wait", "no_answer"), 0))  # fmt: skip
    for queue, channel, event, d1, d2, d3 in rows:
        agent = _agent_number(channel) if channel != "NONE" else ""
        sl, short = targets.get(queue, (20.0, 5.0))
        q = queues[queue]
        if event == "ENTERQUEUE":
            q["offered"] += 1
        elif event == "CONNECT":
            q["answered"] += 1
            q["wait"] += _num(d1)
            q["in_sl"] += _num(d1) <= sl
            agents[agent]["answered"] += 1
            agents[agent]["wait"] += _num(d1)
        elif event in ("COMPLETECALLER", "COMPLETEAGENT"):
            q["completed"] += 1
            q["talk"] += _num(d2)
            agents[agent]["completed"] += 1
            agents[agent]["talk"] += _num(d2)
        elif event == "ABANDON":
            q["abandoned"] += 1
            q["short"] += _num(d3) < short
        elif event == "EXITWITHTIMEOUT":
            q["timed_out"] += 1
        elif event == "EXITEMPTY":
            q["left_empty"] += 1
        elif event == "EXITWITHKEY":
            q["exit_key"] += 1
        elif event == "RINGNOANSWER":
            agents[agent]["no_answer"] += 1
    queue_rows = []
    for name, q in sorted(queues.items()):
        finished = q["answered"] + q["abandoned"] + q["timed_out"] + q["left_empty"]
        queue_rows.append({
            "queue": name, "offered": q["offered"], "answered": q["answered"],
            "abandoned": q["abandoned"], "short_abandoned": q["short"],
            "timed_out": q["timed_out"], "left_empty": q["left_empty"],
            "service_level": _ratio(q["in_sl"], finished - q["short"]),
            "abandon_rate": _ratio(q["abandoned"], finished),
            "asa": _ratio(q["wait"], q["answered"], 1),
            "aht": _ratio(q["talk"], q["completed"], 1),
        })  # fmt: skip
    agent_rows = [
        {"agent": name, "answered": a["answered"], "no_answer": a["no_answer"],
         "talk_minutes": round(a["talk"] / 60, 1), "asa": _ratio(a["wait"], a["answered"], 1),
         "aht": _ratio(a["talk"], a["completed"], 1)}
        for name, a in sorted(agents.items())
        if name and (not f.agent or name == f.agent)
    ]  # fmt: skip
    return queue_rows, agent_rows


# -- missed calls ----------------------------------------------------------------------------


def missed(db: sqlite_utils.Database, f: Filters) -> list[dict]:
    """Inbound calls nobody answered, per caller, whose number has not been reached since:
    no answered call from it or to it after the last miss (a miss whose call was answered
    further on, say by a ring group's fallback, is no miss). Most recent first."""
    where, args = replace(f, agent="").cdr_where()  # an unanswered call has no agent
    sql = f"""SELECT src, src_name, start, queue FROM cdr c WHERE {where}
              AND direction = 'inbound' AND disposition != 'answered' AND src != ''
              AND NOT EXISTS (SELECT 1 FROM cdr a WHERE a.linkedid = c.linkedid
                              AND a.disposition = 'answered')
              ORDER BY start"""
    callers: dict[str, dict] = {}
    for src, name, start, queue in db.execute(sql, args).fetchall():
        number = normalise(src)
        row = callers.setdefault(number, {"number": number, "name": name, "missed": 0})
        row["missed"] += 1
        row.update(last=start, queue=queue, name=name or row["name"])
    if not callers:
        return []
    # Every answered call with an outside party since the first miss, by its number.
    first = min(r["last"] for r in callers.values())
    reached: dict[str, str] = {}
    for src, dst, direction, start in db.execute(
        """SELECT src, dst, direction, start FROM cdr WHERE start > ?
           AND disposition = 'answered' AND direction IN ('inbound', 'outbound')""",
        [first],
    ).fetchall():
        number = normalise(src if direction == "inbound" else dst)
        reached[number] = max(reached.get(number, ""), start)
    out = [r for n, r in callers.items() if reached.get(n, "") <= r["last"]]
    return sorted(out, key=lambda r: r["last"], reverse=True)


# -- the call search -------------------------------------------------------------------------

SEARCH_COLUMNS = ("id", "start", "src", "src_name", "dst", "dst_channel", "trunk", "direction",
                  "disposition", "queue", "duration", "billsec", "recording")  # fmt: skip


def search(
    db: sqlite_utils.Database, f: Filters, *, number: str = "", extension: str = "",
    disposition: str = "", direction: str = "", offset: int = 0, limit: int = 50,
) -> tuple[list[dict], int]:  # fmt: skip
    """Call records of the period, newest first, a page at a time, and how many match.
    `number` matches the caller or the called number (digits anywhere), `extension` the
    caller, the called number or the answering agent exactly."""
    where, args = f.cdr_where()
    if disposition:
        if disposition not in cdr_store.DISPOSITIONS:
            raise ReportError(f"disposition: one of {', '.join(cdr_store.DISPOSITIONS)}")
        where += " AND disposition = ?"
        args.append(disposition)
    if direction:
        if direction not in DIRECTIONS:
            raise ReportError(f"direction: one of {', '.join(DIRECTIONS)}")
        where += " AND direction = ?"
        args.append(direction)
    if number.strip():
        digits = normalise(number.strip())
        if not digits.lstrip("+").isdigit():
            raise ReportError("number: digits only")
        where += " AND (src LIKE ? OR dst LIKE ?)"
        args += [f"%{digits}%"] * 2
    if extension.strip():
        where += " AND ? IN (src, dst, dst_channel)"
        args.append(extension.strip())
    total = db.execute(f"SELECT COUNT(*) FROM cdr WHERE {where}", args).fetchone()[0]
    rows = db.execute(
        f"""SELECT {", ".join(SEARCH_COLUMNS)} FROM cdr WHERE {where}
            ORDER BY start DESC, id LIMIT ? OFFSET ?""",
        [*args, limit, offset],
    ).fetchall()
    return [dict(zip(SEARCH_COLUMNS, r, strict=True)) for r in rows], total


def recording_file(db: sqlite_utils.Database, recordings: Path, cdr_id: str) -> Path | None:
    """The recording of a call, found from its record (never from a path given by a
    client) and only if it lies under the recordings directory."""
    row = db.execute("SELECT recording FROM cdr WHERE id = ?", [cdr_id]).fetchone()
    if not row or not row[0]:
        return None
    base = recordings.resolve()
    path = (base / row[0]).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


# -- staffing --------------------------------------------------------------------------------


def logged_in_per_hour(db: sqlite_utils.Database, f: Filters) -> list[float]:
    """Mean agents logged in (to the queue, or to any queue) per hour of the day over the
    period's days, from ADDMEMBER / REMOVEMEMBER in the queue log. An agent still in a
    queue at the period's start (joined earlier) counts from the start."""
    start, end = int(f.since.timestamp()), int(f.until.timestamp())
    now = int(dt.datetime.now(dt.UTC).timestamp())
    end_at = min(end, now)
    where, args = "event IN ('ADDMEMBER', 'REMOVEMEMBER') AND time < ?", [end_at]
    if f.queue:
        where += " AND queuename = ?"
        args.append(f.queue)
    member: dict[str, set[str]] = defaultdict(set)  # agent -> the queues it is in
    since: dict[str, int] = {}  # agent -> logged in from
    spans: list[tuple[int, int]] = []
    for at, queue, channel, event in db.execute(
        f"SELECT time, queuename, agent, event FROM queue_log WHERE {where} ORDER BY time, id",
        args,
    ).fetchall():
        queues = member[channel]
        was = bool(queues)
        (queues.add if event == "ADDMEMBER" else queues.discard)(queue)
        if queues and not was:
            since[channel] = at
        elif was and not queues:
            spans.append((since.pop(channel), at))
    spans += [(t, end_at) for t in since.values()]
    seconds = [0.0] * 24
    zone = f.zone
    for a, b in spans:
        a, b = max(a, start), min(b, end_at)
        while a < b:  # split at the hour boundaries, box time
            local = dt.datetime.fromtimestamp(a, zone)
            next_hour = int(local.replace(minute=0, second=0).timestamp()) + 3600
            cut = min(b, next_hour)
            seconds[local.hour] += cut - a
            a = cut
    days = (f.last - f.first).days + 1
    return [round(s / (3600 * days), 2) for s in seconds]


# -- CSV -------------------------------------------------------------------------------------


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # A caller ID name is the caller's to choose: "=HYPERLINK(...)" must stay text in
    # Excel. A number such as +84912345678 stays as it is.
    if (
        isinstance(value, str)
        and value
        and (value[0] in "=@\t\r" or (value[0] in "+-" and not value[1:].isdigit()))
    ):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads Vietnamese names right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
