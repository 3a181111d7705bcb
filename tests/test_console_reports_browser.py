"""Reports in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright)
against `tongdai run` on 127.0.0.1, with the known rows of tests/reportdata.py: a
period picked, the chart drawn, a CSV downloaded, a recording played (Range, 206)."""

import time

import pytest
from browserbox import NEEDS_CHROMIUM, console_up
from reportdata import seed
from tongdai.store import accounts, open_db

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
PASSWORD = "my-own-long-password"


@pytest.fixture
def box(service_factory):
    svc = service_factory(TONGDAI_LANGUAGE="en")
    console_up(svc)
    db = open_db(svc.data_dir / "tongdai.db")
    seed(db, svc.data_dir / "recordings")
    accounts.create_user(db, "lan", PASSWORD, "supervisor")
    db.close()
    return svc


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    yield page
    context.close()


def login(page, box):
    page.goto(box.url + "/login")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


# How many pixels of the chart's canvas are painted: an empty chart has its axes only.
PAINTED = """el => {
  const c = el.querySelector("canvas");
  if (!c) return -1;
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
  return n;
}"""


def test_pick_a_period_see_the_chart_export_csv_and_play_a_recording(box, page, tmp_path):
    login(page, box)
    page.click("header nav a[href='/reports']")
    page.wait_for_url("**/reports")
    empty = page.locator("#volume-chart").evaluate(PAINTED)  # today: no calls

    page.select_option("#period", "range")
    page.fill("#start", "2026-11-02")
    page.fill("#end", "2026-11-03")
    page.select_option("#bucket", "day")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/reports?period=range*")
    chart = page.locator("#volume-chart")
    sync_api.expect(chart.locator("canvas")).to_have_count(1)
    assert chart.evaluate(PAINTED) > empty  # the two days' bars and line
    assert "Calls" in chart.locator(".u-legend").text_content()
    assert page.locator("#heatmap .heat-5").text_content() == "2"
    assert "viettel" in page.text_content("#trunk-table")

    with page.expect_download() as download:
        page.click("a[href^='/api/v1/reports/trunks.csv']")
    path = download.value.path()
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "trunk,inbound,outbound,calls,minutes"
    assert "viettel,5,0,5,3.5" in lines

    page.click("nav.tabs a[href='/reports/calls']")
    page.select_option("#period", "range")
    page.fill("#start", "2026-11-02")
    page.fill("#end", "2026-11-03")
    page.fill("#number", "0912345678")
    page.click("#search-form button[type=submit]")
    sync_api.expect(page.locator("#calls tbody tr")).to_have_count(2)  # c6, c1
    audio = page.locator("#call-c1 audio")
    with page.expect_response(lambda r: r.url.endswith("/calls/c1/recording")) as answer:
        audio.evaluate("a => a.play()")
    assert answer.value.status == 206
    assert answer.value.request.headers["range"].startswith("bytes=")
    deadline = time.monotonic() + 5  # it plays (wait_for_function would eval: the CSP)
    while audio.evaluate("a => a.currentTime") < 0.2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert audio.evaluate("a => a.currentTime") >= 0.2
    assert page.csp_errors == []


def test_staffing_draws_needed_beside_logged_in(box, page):
    login(page, box)
    page.goto(box.url + "/staffing?period=range&start=2026-11-02&end=2026-11-03")
    chart = page.locator("#staffing-chart")
    sync_api.expect(chart.locator("canvas")).to_have_count(1)
    assert chart.evaluate(PAINTED) > 0
    row = page.locator("#staffing-table tr", has_text="09:00")
    assert "0.8" in row.text_content()  # 0.75 agents logged in on average, shown to 1 place
    assert page.csp_errors == []
