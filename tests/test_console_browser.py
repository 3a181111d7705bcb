"""The console in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright;
never a browser download) against `tongdai run` as a real process on 127.0.0.1."""

import re

import pytest
from browserbox import NEEDS_CHROMIUM, console_up
from tongdai.store import accounts, open_db

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
NEW_PASSWORD = "my-own-long-password"


@pytest.fixture
def box(service_factory):
    """A running box speaking English, with its first-start admin password."""
    svc = service_factory(TONGDAI_LANGUAGE="en")
    console_up(svc)
    svc.admin_password = re.search(r"Admin login: admin / (\S+)", svc.output()).group(1)
    return svc


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    yield page
    context.close()


def _login(page, box, username, password):
    page.goto(box.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_first_login_forces_the_password_change_then_the_dashboard(box, page):
    _login(page, box, "admin", box.admin_password)
    page.wait_for_url("**/account")
    assert "Choose your own password" in page.text_content("main")
    page.goto(box.url + "/users")  # nothing else is reachable yet
    page.wait_for_url("**/account")
    page.fill("#current_password", box.admin_password)
    page.fill("#new_password", "short")
    page.fill("#repeat_password", "short")
    page.click("#password-form button")  # htmx swaps the form with the error named
    sync_api.expect(page.locator("#new_password-error")).to_contain_text("at least 10")
    assert page.url.endswith("/account")  # swapped in place: a plain form post would navigate
    assert page.evaluate("htmx.version") == "4.0.1"  # loaded despite the strict CSP
    page.fill("#current_password", box.admin_password)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#repeat_password", NEW_PASSWORD)
    page.click("#password-form button")
    page.wait_for_url("**/dashboard**")
    sync_api.expect(page.locator("#phones-summary")).to_contain_text("0 of 4 extensions registered")
    assert page.locator("h1").text_content() == "Dashboard"
    assert page.csp_errors == []


def test_language_switch_turns_the_page_vietnamese(box, page):
    accounts.set_password(open_db(box.data_dir / "tongdai.db"), "admin", NEW_PASSWORD, actor="test")
    _login(page, box, "admin", NEW_PASSWORD)
    page.wait_for_url("**/dashboard")
    assert page.get_attribute("html", "lang") == "en"
    page.click("button[name=lang][value=vi]")
    page.wait_for_load_state()
    sync_api.expect(page.locator("h1")).to_have_text("Tổng quan")
    assert page.get_attribute("html", "lang") == "vi"
    assert "Đăng xuất" in page.text_content("header")
    # htmx works under the CSP: creating a user swaps in its generated password
    page.goto(box.url + "/users")
    page.fill("#username", "mai")
    page.click("form[hx-post='/users'] button")
    sync_api.expect(page.locator("#shown-password code")).to_have_text(re.compile(r"\w{5}-"))
    assert page.csp_errors == []


def test_an_agent_cannot_reach_the_users_page(box, page):
    accounts.create_user(open_db(box.data_dir / "tongdai.db"), "lan", NEW_PASSWORD, "agent")
    _login(page, box, "lan", NEW_PASSWORD)
    page.wait_for_url("**/account")
    assert page.locator("nav a[href='/users']").count() == 0
    response = page.goto(box.url + "/users")
    assert response.status == 403
    assert "not allowed" in page.text_content("main")


def test_ten_bad_logins_then_429(box, page):
    for _ in range(10):
        _login(page, box, "admin", "not-the-password")
        sync_api.expect(page.locator("p.error")).to_contain_text("Wrong user name or password")
    with page.expect_response(
        lambda r: r.url.endswith("/login") and r.request.method == "POST"
    ) as r:
        _login(page, box, "admin", box.admin_password)
    assert r.value.status == 429
    assert "Too many failed logins" in page.text_content("main")
