"""What the dashboard shows, read from the running service: the box's health, phones,
trunks, calls now and today's numbers. The page and GET /api/v1/dashboard share it."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import psutil

from tongdai import __version__
from tongdai.store import trunks

MAX_LISTED_PHONES = 100  # the page lists this many registered contacts at most
MISSED = ("no answer", "busy", "cancelled")

psutil.cpu_percent()  # the first reading is meaningless; later ones cover the time since


def health(service) -> dict:
    media = service.media.status
    db_ok = service.db.execute("SELECT 1").fetchone() == (1,)
    return {
        "status": "ok" if (db_ok and media.up) else "degraded",
        "version": __version__,
        "uptime": round(time.monotonic() - service.started, 1),
        "db": "ok" if db_ok else "error",
        "acd_core": "compiled" if service.acd_compiled else "interpreted",
        "media": {
            "up": media.up,
            "pid": media.pid,
            "pjsip": media.pjsip,
            "restarts": media.restarts,
            "last_exit": media.last_exit,
        },
    }


def system(data_dir) -> dict:
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(data_dir if data_dir.exists() else "/"))
    return {
        "cpu": psutil.cpu_percent() / 100,
        "load": psutil.getloadavg()[0],
        "memory_used": memory.total - memory.available,
        "memory_total": memory.total,
        "disk_used": disk.used,
        "disk_total": disk.total,
        "box_uptime": time.time() - psutil.boot_time(),
    }


def phones(service) -> dict:
    location = service.edge.edge.location
    contacts = sorted(location.all(), key=lambda b: (b.aor, b.registered_at))
    return {
        "extensions": service.extension_count,
        "registered": len(location.aors()),
        "contacts": location.count,
        "listed": [
            {
                "extension": b.aor,
                "transport": b.transport,
                "source": f"{b.source[0]}:{b.source[1]}",
                "user_agent": b.user_agent,
                "registered_at": b.registered_at,
            }
            for b in contacts[:MAX_LISTED_PHONES]
        ],
    }


def trunk_status(service) -> list[dict]:
    registrations = service.edge.edge.trunk_registrations
    out = []
    for trunk in trunks.all_trunks(service.db):  # (passwords stay here)
        reg = registrations.get(trunk["name"])
        state = "by_address" if not trunk["register"] else (
            "registered" if reg is not None and reg.registered else "unregistered"
        )  # fmt: skip
        out.append({"name": trunk["name"], "host": trunk["host"], "state": state})
    return out


def calls_now(service) -> dict:
    talks = {id(t) for t in service.switch.talks.values()}
    return {"connected": len(talks), "legs": len(service.switch.channels)}


def today(service) -> dict:
    """Today's calls in the box's time zone, from the CDR."""
    zone = ZoneInfo(service.settings.timezone)
    midnight = dt.datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    since = midnight.astimezone(dt.UTC).isoformat(timespec="seconds")
    row = service.db.execute(
        "SELECT count(*), "
        "sum(disposition = 'answered'), "
        f"sum(disposition IN ({', '.join('?' * len(MISSED))})), "
        "avg(CASE WHEN disposition = 'answered' THEN billsec END), "
        "sum(direction = 'inbound'), sum(direction = 'outbound') "
        "FROM cdr WHERE start >= ?",
        [*MISSED, since],
    ).fetchone()
    total, answered, missed, talk, inbound, outbound = row
    return {
        "calls": total,
        "answered": answered or 0,
        "missed": missed or 0,
        "average_talk": talk,
        "inbound": inbound or 0,
        "outbound": outbound or 0,
    }


def signal_bars(dbm: int | None) -> int:
    """0-4 bars, as phones draw them (-73 dBm and up is full: AT+CSQ 20 and up)."""
    if dbm is None:
        return 0
    return sum(dbm >= edge for edge in (-109, -93, -83, -73))


def modems(service) -> list[dict]:
    """The USB modems' status from their drivers (the IMSI only masked)."""
    return [
        {
            "name": s.name,
            "port": s.port,
            "state": s.state,
            "reason": s.reason,
            "detail": s.detail,
            "manufacturer": s.manufacturer,
            "model": s.model,
            "imsi": s.imsi,
            "operator": s.operator,
            "operator_code": s.operator_code,
            "registration": s.registration,
            "signal_dbm": s.signal_dbm,
            "bars": signal_bars(s.signal_dbm),
            "last_seen": s.last_seen,
        }
        for s in (m.status for m in service.modems)
    ]


def queues(service) -> list[dict]:
    return [
        {
            "name": name,
            "waiting": now["waiting"],
            "longest_wait": now["longest_wait"],
            "answered": now["answered"],
            "abandoned": now["abandoned"],
            "service_level": now["service_level"],
            "agents": dict(now["agents"]),
        }
        for name, now, _ in service.acd.numbers()
    ]


def snapshot(service) -> dict:
    return {
        "health": health(service),
        "system": system(service.settings.data_dir),
        "phones": phones(service),
        "trunks": trunk_status(service),
        "modems": modems(service),
        "calls": calls_now(service),
        "today": today(service),
        "queues": queues(service),
    }
