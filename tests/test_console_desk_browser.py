"""The wallboard, the agent desk and the contact book in real headless Chromium (Debian's
/usr/bin/chromium driven by Playwright) against `tongdai run` with pjsua2 test phones
(tests/callbox.py), all on 127.0.0.1."""

import time

import pytest
from browserbox import NEEDS_CHROMIUM
from callbox import cdr_rows, wait_for
from conftest import needs_pjsua2
from tongdai.store import accounts, contacts, open_db

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_pjsua2,
    NEEDS_CHROMIUM,
]
PASSWORD = "my-own-long-password"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    yield page
    context.close()


@pytest.fixture
def db(box):
    db = open_db(box.data_dir / "tongdai.db")
    yield db
    db.close()


def login(page, box, db, username: str, role: str) -> None:
    accounts.create_user(db, username, PASSWORD, role)
    accounts.set_language(db, username, "en", actor="test")
    page.goto(box.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_desk_pops_the_caller_and_saves_a_note(box, phones, page, db):
    contacts.save(db, contacts.Contact("Trần Văn Bình", ["202"], "Cty Sen"), actor="test")
    login(page, box, db, "lan", "agent")
    accounts.set_extension(db, "lan", "201", actor="test")
    alice, bob = phones("201"), phones("202")
    page.goto(box.url + "/desk")
    sync_api.expect(page.locator("#no-call")).to_be_visible()
    page.wait_for_timeout(500)  # the event stream is open
    bob.send("call 201")
    alice.expect(r"^INCOMING")
    rang = time.monotonic()
    sync_api.expect(page.locator("#pop-number")).to_have_text("202", timeout=1500)
    assert time.monotonic() - rang < 1.5
    sync_api.expect(page.locator("#pop-name")).to_have_text("Trần Văn Bình")
    assert "Cty Sen" in page.text_content("#pop")
    alice.send("answer")
    alice.expect(r"^STATE confirmed")
    page.select_option("#disposition", "sale")
    page.fill("#note", "Khách hỏi giá, đã chốt đơn")
    page.click("#note-form button[type=submit]")
    sync_api.expect(page.locator("#note-saved")).to_be_visible()
    bob.send("hangup")
    alice.expect(r"^STATE disconnected")
    # the note is on the call's own CDR row, written when the call ended
    row = wait_for(lambda: next((r for r in cdr_rows(box) if r["src"] == "202"), None))
    note = db.execute("SELECT disposition, note, agent FROM call_notes WHERE call_id = ?",
                      [row["id"]]).fetchone()  # fmt: skip
    assert note == ("sale", "Khách hỏi giá, đã chốt đơn", "lan")
    assert page.csp_errors == []


def test_the_wallboard_shows_a_call_within_a_second(box, phones, page, db):
    login(page, box, db, "boss", "supervisor")
    alice, bob = phones("201"), phones("202")
    page.goto(box.url + "/wallboard")
    sync_api.expect(page.locator("table.calls")).to_contain_text("No calls now.")
    page.wait_for_timeout(500)  # the event stream is open
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    started = time.monotonic()
    row = page.locator("table.calls tbody tr[id^=call-]")
    sync_api.expect(row).to_contain_text("201", timeout=1000)
    assert time.monotonic() - started < 1.0
    sync_api.expect(row).to_contain_text("Ringing")
    bob.send("answer")
    sync_api.expect(row).to_contain_text("Talking")
    alice.send("hangup")
    sync_api.expect(page.locator("table.calls")).to_contain_text("No calls now.")
    page.goto(box.url + "/wallboard?tv=1")  # the wall TV: same board, no tools
    sync_api.expect(page.locator("body.tv table.calls")).to_be_visible()
    assert page.locator("nav").count() == 0 and page.locator("button").count() == 0
    assert page.csp_errors == []


def test_a_csv_with_a_bad_line_imports_nothing_and_names_the_line(box, page, db, tmp_path):
    login(page, box, db, "boss", "supervisor")
    page.goto(box.url + "/contacts")
    bad = tmp_path / "bad.csv"
    bad.write_text("tên,số điện thoại\nNguyễn Thị Lan,0912345678\nLê Hoa,số-sai\n", "utf-8")
    page.set_input_files("#file", str(bad))
    page.click("#import-form button")
    sync_api.expect(page.locator("#import-error")).to_contain_text("Line 3")
    assert contacts.search(db)[1] == 0
    good = tmp_path / "good.csv"
    good.write_text("tên,số điện thoại\nNguyễn Thị Lan,0912345678\n", "utf-8")
    page.set_input_files("#file", str(good))
    page.click("#import-form button")
    sync_api.expect(page.locator("#imported")).to_contain_text("1 contacts imported")
    page.fill("#q", "Nguyễn")
    sync_api.expect(page.locator("#contact-list")).to_contain_text("0912345678")
    assert page.csp_errors == []
