"""Asterisk's queue_log, so reporting tools made for Asterisk (QueueMetrics and the like)
can read our queues: one line per event, `epoch|callid|queue|agent|EVENT|data1|...`,
appended to a file and to the queue_log table.

The verbs and their data follow app_queue.c: ENTERQUEUE(url|callerid|position),
CONNECT(holdtime|bridged_uniqueid|ringtime), COMPLETECALLER and COMPLETEAGENT
(holdtime|calltime|origposition), ABANDON, EXITWITHTIMEOUT and EXITEMPTY
(position|origposition|waittime), EXITWITHKEY(key|position|origposition|waittime),
RINGNOANSWER(ringtime in ms), RINGCANCELED(ringtime in ms), ADDMEMBER, REMOVEMEMBER,
PAUSE(reason), UNPAUSE, FULL, JOINEMPTY. `callid` is the call's CDR id; `NONE` stands
where a queue, call or agent does not apply.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlite_utils

log = logging.getLogger("tongdai.acd")

NONE = "NONE"


def agent_channel(number: str, kind: str) -> str:
    """The agent as Asterisk names it: a phone's channel, or a Local channel for an
    outside number."""
    return f"PJSIP/{number}" if kind == "extension" else f"Local/{number}@trunk"


def line(at: int, callid: str, queue: str, agent: str, event: str, *data: object) -> str:
    fields = [str(at), callid or NONE, queue or NONE, agent or NONE, event]
    fields += [_field(d) for d in data]
    return "|".join(fields)


def _field(value: object) -> str:
    if isinstance(value, float):
        value = round(value)
    return str(value).replace("|", "/").replace("\n", " ")


class QueueLog:
    def __init__(self, db: sqlite_utils.Database, path: Path | None) -> None:
        self.db = db
        self.path = path
        self._file = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)  # a line at a time

    def write(self, callid: str, queue: str, agent: str, event: str, *data: object,
              at: float | None = None) -> None:  # fmt: skip
        when = int(at if at is not None else time.time())
        text = line(when, callid, queue, agent, event, *data)
        if self._file is not None:
            try:
                self._file.write(text + "\n")
            except OSError as exc:  # a full disk must not stop calls
                log.error("queue_log file: %s", exc)
        row = dict(zip(("time", "callid", "queuename", "agent", "event"),
                       text.split("|", 5)[:5], strict=True))  # fmt: skip
        row["time"] = when
        values = [_field(d) for d in data][:5]
        row.update({f"data{i + 1}": v for i, v in enumerate(values)})
        try:
            self.db["queue_log"].insert(row)
        except Exception:
            log.exception("queue_log table")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
