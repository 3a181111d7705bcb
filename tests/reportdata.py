"""Known call records and queue-log lines for the report tests: Monday 2 and Tuesday
3 November 2026 in Asia/Ho_Chi_Minh (UTC+7), plus one call on either side of them.
The expected numbers in the tests are worked out by hand from these rows."""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import wave
from zoneinfo import ZoneInfo

from tongdai.acd.queue_log import QueueLog
from tongdai.store import cdr, queues

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.date(2026, 11, 2)
TUESDAY = dt.date(2026, 11, 3)


def _wav() -> bytes:
    """Two seconds of a 440 Hz tone, 8 kHz 16-bit mono: a file a browser can play."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
            for n in range(16000)
        ))  # fmt: skip
    return out.getvalue()


WAV = _wav()


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss), ZONE)


def _call(db, id, day, hh, mm, *, src, dst, direction, trunk="", answer_after=None, talk=0,
          ring=30, disposition=None, who="", queue="", recording="", src_name=""):  # fmt: skip
    start = at(day, hh, mm)
    record = cdr.Cdr(src, dst, direction, src_name=src_name, trunk=trunk, id=id, start=start,
                     queue=queue, recording=recording)  # fmt: skip
    if answer_after is not None:
        record.answer = start + dt.timedelta(seconds=answer_after)
        record.dst_channel, record.disposition = who, "answered"
        record.end = record.answer + dt.timedelta(seconds=talk)
    else:
        record.disposition = disposition or "no answer"
        record.end = start + dt.timedelta(seconds=ring)
    cdr.save(db, record)


def seed(db, recordings=None) -> None:
    """The rows; with `recordings` (a directory), c1's recording file too."""
    sunday, wednesday = MONDAY - dt.timedelta(days=1), TUESDAY + dt.timedelta(days=1)
    _call(
        db,
        "c7",
        MONDAY,
        6,
        30,
        src="0900000007",
        dst="1900",
        direction="inbound",
        trunk="viettel",
        answer_after=5,
        talk=90,
        who="102",
    )  # 23:30 UTC on Sunday
    _call(
        db,
        "c1",
        MONDAY,
        9,
        10,
        src="0912345678",
        dst="1900",
        direction="inbound",
        trunk="viettel",
        answer_after=15,
        talk=120,
        who="101",
        queue="sales",
        recording="2026-11-02/c1.wav",
        src_name="Nguyễn Văn An",
    )
    _call(
        db,
        "c2",
        MONDAY,
        9,
        40,
        src="+84 987 654 321",
        dst="1900",
        direction="inbound",
        trunk="viettel",
        queue="sales",
    )
    _call(
        db,
        "c3",
        MONDAY,
        10,
        5,
        src="0911111111",
        dst="1900",
        direction="inbound",
        trunk="viettel",
        queue="sales",
    )
    _call(
        db,
        "c4",
        MONDAY,
        11,
        0,
        src="101",
        dst="0911111111",
        direction="outbound",
        trunk="vnpt",
        answer_after=0,
        talk=60,
        who="0911111111",
    )  # c3 called back
    _call(
        db,
        "c5",
        MONDAY,
        11,
        30,
        src="101",
        dst="102",
        direction="internal",
        answer_after=2,
        talk=30,
        who="102",
    )
    _call(
        db,
        "c6",
        TUESDAY,
        8,
        0,
        src="0912345678",
        dst="1900",
        direction="inbound",
        trunk="viettel",
        disposition="cancelled",
        ring=10,
    )
    _call(
        db,
        "c8",
        wednesday,
        0,
        30,
        src="0900000008",
        dst="1900",
        direction="inbound",
        trunk="viettel",
        answer_after=1,
        talk=600,
        who="101",
    )  # 17:30 UTC on Tuesday
    _call(db, "c0", sunday, 20, 0, src="0900000000", dst="1900", direction="inbound",
          trunk="viettel", queue="sales")  # fmt: skip

    queues.add_queue(db, queues.Queue("sales"))  # sl_seconds 20, short_abandon 5
    log = QueueLog(db, None)

    def q(hh, mm, ss, callid, agent, event, *data, day=MONDAY):
        log.write(callid, "sales", agent, event, *data, at=at(day, hh, mm, ss).timestamp())

    q(20, 0, 0, "c0", "", "ENTERQUEUE", "", "0900000000", 1, day=sunday)
    q(20, 0, 40, "c0", "", "ABANDON", 1, 1, 40, day=sunday)
    q(9, 10, 0, "c1", "", "ENTERQUEUE", "", "0912345678", 1)
    q(9, 10, 15, "c1", "PJSIP/101", "CONNECT", 15, "leg1", 0)
    q(9, 12, 15, "c1", "PJSIP/101", "COMPLETECALLER", 15, 120, 1)
    q(9, 40, 0, "c2", "", "ENTERQUEUE", "", "0987654321", 1)
    q(9, 40, 30, "c2", "", "ABANDON", 1, 1, 30)
    q(10, 5, 0, "c3", "", "ENTERQUEUE", "", "0911111111", 1)
    q(10, 5, 3, "c3", "", "ABANDON", 1, 1, 3)  # a short abandon
    q(10, 20, 0, "q4", "", "ENTERQUEUE", "", "0900000004", 1)
    q(10, 20, 10, "q4", "PJSIP/102", "RINGNOANSWER", 10000)
    q(10, 20, 25, "q4", "PJSIP/102", "CONNECT", 25, "leg4", 0)
    q(10, 23, 45, "q4", "PJSIP/102", "COMPLETEAGENT", 25, 200, 1)
    q(10, 30, 0, "q5", "", "ENTERQUEUE", "", "0900000005", 1)
    q(10, 32, 0, "q5", "", "EXITWITHTIMEOUT", 1, 1, 120)

    def member(hh, mm, queue, agent, event):
        log.write("", queue, agent, event, at=at(MONDAY, hh, mm).timestamp())

    member(9, 0, "sales", "PJSIP/101", "ADDMEMBER")
    member(9, 30, "support", "PJSIP/101", "ADDMEMBER")  # still one login
    member(9, 30, "sales", "PJSIP/102", "ADDMEMBER")
    member(10, 0, "sales", "PJSIP/101", "REMOVEMEMBER")  # still in support
    member(10, 0, "sales", "PJSIP/102", "REMOVEMEMBER")
    member(11, 30, "support", "PJSIP/101", "REMOVEMEMBER")

    if recordings is not None:
        (recordings / "2026-11-02").mkdir(parents=True, exist_ok=True)
        (recordings / "2026-11-02" / "c1.wav").write_bytes(WAV)
