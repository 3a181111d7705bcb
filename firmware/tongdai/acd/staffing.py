"""Agents needed per hour of the day: call volumes and handle times from the call
history (or given), turned into agents by Erlang C, or Erlang A when callers' patience is
known."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

import sqlite_utils

from tongdai.acd import erlang


@dataclass(frozen=True)
class Hour:
    hour: int  # of the day, box time; -1 for a single given volume
    calls_per_hour: float
    aht: float  # seconds
    agents: int
    service_level: float
    asa: float
    abandon_rate: float
    occupancy: float

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def recommend(
    calls_per_hour: float, aht: float, *, sl_seconds: float, target: float,
    patience: float | None = None, max_occupancy: float | None = None, hour: int = -1,
) -> Hour:  # fmt: skip
    agents = erlang.agents_for(
        calls_per_hour, aht, sl_seconds, target, patience=patience, max_occupancy=max_occupancy
    )
    if agents == 0:
        return Hour(hour, calls_per_hour, aht, 0, 1.0, 0.0, 0.0, 0.0)
    m = erlang.erlang_a_metrics(agents, calls_per_hour, aht, sl_seconds, patience=patience)
    return Hour(
        hour, calls_per_hour, aht, agents, m.service_level, m.asa, m.abandon_rate, m.occupancy
    )


def history(
    db: sqlite_utils.Database, *, days: int, timezone: str, queue: str = "",
    until: dt.datetime | None = None,
) -> dict[int, tuple[float, float]]:  # fmt: skip
    """Per hour of the day (box time): (average calls offered in that hour, average talk
    seconds of the answered ones), from the last `days` days of inbound (or one queue's)
    call records. Hours without calls are left out."""
    if days < 1:
        raise ValueError("days must be >= 1")
    until = until or dt.datetime.now(dt.UTC)
    since = (until - dt.timedelta(days=days)).isoformat(timespec="seconds")
    where = "start >= ? AND start < ? AND "
    where += "queue = ?" if queue else "direction = 'inbound'"
    params = [since, until.isoformat(timespec="seconds")] + ([queue] if queue else [])
    zone = ZoneInfo(timezone)
    counts = [0] * 24
    talk = [0.0] * 24
    answered = [0] * 24
    sql = f"SELECT start, billsec, disposition FROM cdr WHERE {where}"
    for start, billsec, disposition in db.execute(sql, params).fetchall():
        hour = dt.datetime.fromisoformat(start).astimezone(zone).hour
        counts[hour] += 1
        if disposition == "answered":
            answered[hour] += 1
            talk[hour] += billsec
    return {
        h: (counts[h] / days, talk[h] / answered[h] if answered[h] else math.nan)
        for h in range(24)
        if counts[h]
    }


def plan(
    db: sqlite_utils.Database, *, days: int, timezone: str, sl_seconds: float,
    target: float, queue: str = "", patience: float | None = None,
    max_occupancy: float | None = None, wrap_up: float = 0.0, default_aht: float = 180.0,
    until: dt.datetime | None = None,
) -> list[Hour]:  # fmt: skip
    """A recommendation for every hour of the day that had calls. An hour whose calls
    were never answered borrows the day's average handle time. `until` (default now)
    ends the history: the console's staffing page reads a chosen period."""
    volumes = history(db, days=days, timezone=timezone, queue=queue, until=until)
    known = [aht for _, aht in volumes.values() if not math.isnan(aht)]
    day_aht = sum(known) / len(known) if known else default_aht
    return [
        recommend(
            rate,
            (day_aht if math.isnan(aht) else aht) + wrap_up,
            sl_seconds=sl_seconds,
            target=target,
            patience=patience,
            max_occupancy=max_occupancy,
            hour=hour,
        )
        for hour, (rate, aht) in sorted(volumes.items())
    ]
