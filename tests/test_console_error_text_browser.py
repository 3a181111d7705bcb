"""A store error with values, in Vietnamese, in real headless Chromium (Debian's
/usr/bin/chromium through Playwright; never a browser download) against `tongdai run`."""

import pytest
from browserbox import NEEDS_CHROMIUM, PASSWORD, admin_box
from tongdai.store import conferences

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
pytestmark = [pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM]


@pytest.fixture
def box(service_factory):
    """A running Vietnamese-speaking box whose admin may log in at once."""
    return admin_box(service_factory, "vi")


def test_a_clashing_room_number_is_refused_in_vietnamese_with_the_number(box, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.goto(box.url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.click("nav a[href='/conferences']")
    page.fill("#number", "101")
    page.click("#new-room button[type=submit]")
    expect(page.locator("#number-error")).to_have_text("số 101 đã được dùng cho máy nhánh 101")
    assert conferences.rooms(box.db) == []  # nothing saved
    context.close()
