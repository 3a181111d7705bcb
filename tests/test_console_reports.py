"""The reports, call search and staffing pages and /api/v1/reports, on the known rows of
tests/reportdata.py (box time zone Asia/Ho_Chi_Minh, the default)."""

import csv
import datetime as dt
import io

import pytest
from reportdata import WAV, seed
from tongdai.store import cdr

RANGE = "period=range&start=2026-11-02&end=2026-11-03"


@pytest.fixture
def box(console):
    seed(console.db, console.service.settings.recordings_dir)
    return console


def test_supervisors_see_reports_agents_do_not(box):
    agent, _ = box.logged_in("an", "agent")
    assert agent.get("/reports").status_code == 403
    assert agent.get("/api/v1/reports").status_code == 403
    assert agent.get("/api/v1/reports/calls/c1/recording").status_code == 403
    supervisor, _ = box.logged_in("lan", "supervisor")
    page = supervisor.get("/reports?" + RANGE)
    assert page.status_code == 200
    assert 'href="/reports"' in page.text  # in the navigation


def test_reports_page_shows_the_period(box):
    client, _ = box.logged_in("lan", "supervisor")
    html = client.get(f"/reports?{RANGE}&queue=sales").text
    assert "data-chart=" in html and "volume-chart" in html
    # sales: SL 25 %, abandon rate 40 %, ASA 20 s, AHT 160 s
    queue_row = html.split('id="queue-table"')[1].split("</table>")[0]
    for text in ("25%", "40%", "20 s", "160 s"):
        assert text in queue_row
    missed = html.split('id="missed-table"')[1].split("</table>")[0]
    assert "0987654321" in missed and "0912345678" not in missed  # c6 has no queue
    assert 'class="heat-5">2<' in html  # the busiest cell: Monday 09:00
    assert "tongdai-" not in html and "/api/v1/reports/trunks.csv?period=range" in html


def test_a_bad_period_is_shown_at_its_field(box):
    client, _ = box.logged_in("lan", "supervisor")
    html = client.get("/reports?period=range&start=2026-11-05&end=2026-11-01").text
    assert "the last day comes before the first" in html
    assert 'id="end" name="end" type="date" value="2026-11-01" aria-invalid="true"' in html
    assert "volume-chart" not in html


@pytest.mark.language("vi")
def test_reports_speak_vietnamese(box):
    client, _ = box.logged_in("lan", "supervisor")
    html = client.get("/reports?" + RANGE).text
    assert "Cuộc gọi nhỡ cần gọi lại" in html and "Giờ cao điểm" in html


def test_api_summary(box):
    client, _ = box.logged_in("lan", "supervisor")
    data = client.get(f"/api/v1/reports?{RANGE}&bucket=day").json()
    assert data["period"]["start"] == "2026-11-02" and data["period"]["end"] == "2026-11-03"
    assert [(v["bucket"], v["calls"]) for v in data["volume"]] == [
        ("2026-11-02", 6),
        ("2026-11-03", 1),
    ]
    assert data["queues"][0]["service_level"] == 0.25
    assert [m["number"] for m in data["missed"]] == ["0912345678", "0987654321"]
    assert data["trunks"][0] == {"trunk": "viettel", "inbound": 5, "outbound": 0, "calls": 5,
                                 "minutes": 3.5}  # fmt: skip
    bad = client.get("/api/v1/reports?period=range&start=2026-13-01")
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "start"
    assert client.get(f"/api/v1/reports?{RANGE}&bucket=year").status_code == 422


def test_csv_exports_have_a_bom_header_and_rows(box):
    client, _ = box.logged_in("lan", "supervisor")
    r = client.get(f"/api/v1/reports/trunks.csv?{RANGE}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [
        ["trunk", "inbound", "outbound", "calls", "minutes"],
        ["viettel", "5", "0", "5", "3.5"],
        ["vnpt", "0", "1", "1", "1.0"],
    ]
    calls = client.get(f"/api/v1/reports/calls.csv?{RANGE}&number=0912345678").content
    rows = list(csv.reader(io.StringIO(calls.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "start", "src"] and [r[0] for r in rows[1:]] == ["c6", "c1"]
    assert "Nguyễn Văn An" in calls.decode("utf-8-sig")
    for name in ("volume", "queues", "agents", "missed", "heatmap", "staffing"):
        r = client.get(f"/api/v1/reports/{name}.csv?{RANGE}")
        assert r.status_code == 200 and r.content.count(b"\r\n") >= 2, name
    assert client.get(f"/api/v1/reports/secrets.csv?{RANGE}").status_code == 404


def test_call_search_pages_and_filters(box):
    client, _ = box.logged_in("lan", "supervisor")
    data = client.get(f"/api/v1/reports/calls?{RANGE}&limit=3&offset=3").json()
    assert data["total"] == 7 and [c["id"] for c in data["calls"]] == ["c3", "c2", "c1"]
    data = client.get(f"/api/v1/reports/calls?{RANGE}&direction=outbound").json()
    assert [c["id"] for c in data["calls"]] == ["c4"]
    r = client.get(f"/api/v1/reports/calls?{RANGE}&disposition=lost")
    assert r.status_code == 422 and r.json()["detail"]["field"] == "disposition"
    html = client.get(f"/reports/calls?{RANGE}&extension=101").text
    assert 'id="call-c1"' in html and 'id="call-c4"' in html and 'id="call-c6"' not in html
    assert '<audio controls preload="none" src="/api/v1/reports/calls/c1/recording">' in html
    assert html.count("<audio") == 1  # only c1 was recorded


def test_call_search_page_links_the_next_page(box):
    start = dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)
    for n in range(60):  # 60 + 7 calls: two pages of 50
        record = cdr.Cdr("0900", "1900", "inbound", start=start + dt.timedelta(minutes=n))
        record.disposition, record.end = "busy", record.start
        cdr.save(box.db, record)
    client, _ = box.logged_in("lan", "supervisor")
    html = client.get(f"/reports/calls?{RANGE}").text
    assert "67 calls" in html and html.count('<tr id="call-') == 50
    assert f'href="/reports/calls?{RANGE.replace("&", "&amp;")}&amp;page=2" rel="next"' in html
    second = client.get(f"/reports/calls?{RANGE}&page=2").text
    assert second.count('<tr id="call-') == 17 and 'rel="prev"' in second


def test_recording_is_served_from_the_record_with_ranges(box):
    client, _ = box.logged_in("lan", "supervisor")
    whole = client.get("/api/v1/reports/calls/c1/recording")
    assert whole.status_code == 200 and whole.content == WAV
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get("/api/v1/reports/calls/c1/recording", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == WAV[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(WAV)}"
    assert client.get("/api/v1/reports/calls/c2/recording").status_code == 404
    box.db.execute("UPDATE cdr SET recording = '../tongdai.db' WHERE id = 'c2'")
    assert client.get("/api/v1/reports/calls/c2/recording").status_code == 404


def test_staffing_page_and_api(box):
    client, _ = box.logged_in("lan", "supervisor")
    data = client.get(f"/api/v1/reports/staffing?{RANGE}&target=0.8&sl_seconds=20").json()
    hours = {h["hour"]: h for h in data["hours"]}
    assert len(hours) == 24
    # 09:00: c1, c2 over two days = 1 call an hour; 101 and half of 102 logged in
    assert hours[9]["calls_per_hour"] == 1.0 and hours[9]["logged_in"] == 0.75
    assert hours[9]["needed"] >= 1 and hours[3]["needed"] == 0
    r = client.get(f"/api/v1/reports/staffing?{RANGE}&target=80")
    assert r.status_code == 422 and r.json()["detail"]["field"] == "target"
    html = client.get(f"/staffing?{RANGE}").text
    assert "staffing-chart" in html and "<td>09:00</td>" in html
    assert client.get("/staffing").status_code == 200  # this week by default
    html = client.get(f"/staffing?{RANGE}&target=2").text
    assert "a service level between 0 and 1" in html and "staffing-chart" not in html
