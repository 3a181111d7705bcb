"""store.reports on a real SQLite file with the known rows of tests/reportdata.py."""

import datetime as dt

import pytest
from reportdata import MONDAY, TUESDAY, WAV, seed
from tongdai.store import open_db, reports

TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "t.db")
    seed(database, tmp_path / "recordings")
    yield database
    database.close()


def two_days(**kw):
    return reports.period("range", TZ, start="2026-11-02", end="2026-11-03", **kw)


def test_periods_are_days_in_the_box_time_zone():
    f = two_days()
    assert f.since == dt.datetime(2026, 11, 1, 17, tzinfo=dt.UTC)
    assert f.until == dt.datetime(2026, 11, 3, 17, tzinfo=dt.UTC)
    week = reports.period("week", TZ, today=dt.date(2026, 11, 5))  # a Thursday
    assert (week.first, week.last) == (MONDAY, dt.date(2026, 11, 5))
    today = reports.period("today", TZ, today=TUESDAY)
    assert (today.first, today.last) == (TUESDAY, TUESDAY)
    with pytest.raises(reports.ReportError, match=r"^end:"):
        reports.period("range", TZ, start="2026-11-03", end="2026-11-02")
    with pytest.raises(reports.ReportError, match=r"^start:"):
        reports.period("range", TZ, start="yesterday")
    with pytest.raises(reports.ReportError, match=r"^period:"):
        reports.period("month", TZ)


def test_calls_per_day_and_hour(db):
    # Monday: c7 (06:30 local, 23:30 UTC the day before), c1..c5; Tuesday: c6.
    # c0 (Sunday) and c8 (00:30 Wednesday local, still Tuesday in UTC) are outside.
    days = reports.volume(db, two_days(), "day")
    assert [(d["bucket"], d["calls"], d["answered"]) for d in days] == [
        ("2026-11-02", 6, 4),
        ("2026-11-03", 1, 0),
    ]
    hours = reports.volume(db, two_days(), "hour")
    assert len(hours) == 48
    nine = next(h for h in hours if h["bucket"] == "2026-11-02 09:00")
    assert (nine["calls"], nine["answered"]) == (2, 1)  # c1 answered, c2 not
    weeks = reports.volume(db, two_days(), "week")
    assert [(w["bucket"], w["calls"]) for w in weeks] == [("2026-11-02", 7)]
    assert [d["calls"] for d in reports.volume(db, two_days(queue="sales"), "day")] == [3, 0]
    assert [d["calls"] for d in reports.volume(db, two_days(agent="101"), "day")] == [1, 0]


def test_heatmap_counts_inbound_calls_by_weekday_and_hour(db):
    grid = reports.heatmap(db, two_days())
    assert grid[0][6] == 1 and grid[0][9] == 2 and grid[0][10] == 1  # Monday: c7; c1, c2; c3
    assert grid[1][8] == 1  # Tuesday: c6
    assert sum(map(sum, grid)) == 5  # c4 is outbound, c5 internal


def test_trunk_usage(db):
    assert reports.trunks(db, two_days()) == [
        # c7 90 s + c1 120 s = 3.5 min over c1, c2, c3, c6, c7
        {"trunk": "viettel", "inbound": 5, "outbound": 0, "calls": 5, "minutes": 3.5},
        {"trunk": "vnpt", "inbound": 0, "outbound": 1, "calls": 1, "minutes": 1.0},
    ]


def test_queue_and_agent_numbers(db):
    queues, agents = reports.queue_stats(db, two_days())
    # 5 entered; 2 answered (15 s within 20, 25 s not), 2 abandoned (one of them in 3 s,
    # short), 1 timed out: finished 5, counted 4. c0 on Sunday is outside the period.
    assert queues == [{
        "queue": "sales", "offered": 5, "answered": 2, "abandoned": 2, "short_abandoned": 1,
        "timed_out": 1, "left_empty": 0, "service_level": 0.25, "abandon_rate": 0.4,
        "asa": 20.0, "aht": 160.0,
    }]  # fmt: skip
    assert agents == [
        {"agent": "101", "answered": 1, "no_answer": 0, "talk_minutes": 2.0, "asa": 15.0,
         "aht": 120.0},
        {"agent": "102", "answered": 1, "no_answer": 1, "talk_minutes": 3.3, "asa": 25.0,
         "aht": 200.0},
    ]  # fmt: skip
    queues, agents = reports.queue_stats(db, two_days(agent="102"))
    assert queues[0]["offered"] == 5 and [a["agent"] for a in agents] == ["102"]
    assert reports.queue_stats(db, two_days(queue="support")) == ([], [])


def test_missed_calls_not_reached_since(db):
    missed = reports.missed(db, two_days())
    # 0911111111 (c3) was called back by c4; 0912345678's answered c1 came before its
    # miss c6; +84 987 654 321 is the same caller as 0987654321.
    assert [(m["number"], m["missed"]) for m in missed] == [
        ("0912345678", 1),
        ("0987654321", 1),
    ]
    assert missed[0]["last"] == "2026-11-03T01:00:00+00:00"
    assert [m["number"] for m in reports.missed(db, two_days(queue="sales"))] == ["0987654321"]


def test_search_filters_and_pages(db):
    f = two_days()

    def ids(**kw):
        return [r["id"] for r in reports.search(db, f, **kw)[0]]

    rows, total = reports.search(db, f, limit=2)
    assert total == 7 and [r["id"] for r in rows] == ["c6", "c5"]  # newest first
    assert ids(limit=2, offset=6) == ["c7"]
    assert ids(number="+84 91 234 5678") == ["c6", "c1"]
    assert ids(extension="101") == ["c5", "c4", "c1"]
    assert ids(disposition="no answer") == ["c3", "c2"]
    assert ids(direction="outbound") == ["c4"]
    assert ids(direction="inbound", number="0911") == ["c3"]
    with pytest.raises(reports.ReportError, match=r"^direction:"):
        reports.search(db, f, direction="sideways")
    with pytest.raises(reports.ReportError, match=r"^number:"):
        reports.search(db, f, number="abc")


def test_recording_file_comes_from_the_record(db, tmp_path):
    recordings = tmp_path / "recordings"
    assert reports.recording_file(db, recordings, "c1").read_bytes() == WAV
    assert reports.recording_file(db, recordings, "c2") is None  # no recording
    assert reports.recording_file(db, recordings, "nope") is None
    db.execute("UPDATE cdr SET recording = '../t.db' WHERE id = 'c2'")
    assert reports.recording_file(db, recordings, "c2") is None  # outside the directory


def test_logged_in_agents_per_hour(db):
    # 101 logged in 09:00-11:30 (two queues, one login), 102 09:30-10:00, over two days.
    hours = reports.logged_in_per_hour(db, two_days())
    assert hours[9] == 0.75 and hours[10] == 0.5 and hours[11] == 0.25
    assert sum(hours) == 1.5
    sales = reports.logged_in_per_hour(db, two_days(queue="sales"))
    assert sales[9] == 0.75 and sales[10] == 0


def test_csv_has_a_bom_and_a_header():
    data = reports.to_csv(["name", "calls"], [["Nguyễn", 3], ["x", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "name,calls\r\nNguyễn,3\r\nx,\r\n"


def test_csv_keeps_a_caller_chosen_formula_as_text():
    rows = [['=HYPERLINK("http://x")', "+84912345678"], ["-1+2", "@SUM(A1)"]]
    text = reports.to_csv(["a", "b"], rows).decode("utf-8-sig").splitlines()
    assert text[1:] == ['"\'=HYPERLINK(""http://x"")",+84912345678', "'-1+2,'@SUM(A1)"]
