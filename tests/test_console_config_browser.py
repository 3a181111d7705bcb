"""The configuration pages in real headless Chromium (Debian's /usr/bin/chromium through
Playwright; never a browser download) against `tongdai run` on 127.0.0.1: what an admin
does there, and that the running box takes it."""

import re

import pytest
from browserbox import NEEDS_CHROMIUM, PASSWORD, admin_box
from tongdai.store import extensions, features, phones, routes

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
expect = sync_api.expect


@pytest.fixture
def box(service_factory):
    """A running box in English whose admin may log in with PASSWORD."""
    return admin_box(service_factory, "en")


@pytest.fixture
def page(browser, box):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text)
    )
    page.goto(box.url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    yield page
    context.close()


def test_create_an_extension_see_its_secret_once_and_assign_a_phone(box, page):
    page.click("nav a[href='/extensions']")
    page.fill("#number", "201")
    page.fill("#name", "Lan")
    page.click("#new-extension button[type=submit]")
    secret = page.locator("#shown-secret-value")
    expect(secret).to_have_text(re.compile(r"^\w{20}$"))
    assert page.locator("#shown-secret svg").count() == 1  # the QR code, inline
    assert page.url.endswith("/extensions")  # htmx swapped it in: no form post to reload
    expect(page.locator("#ext-201")).to_contain_text("not registered")
    page.reload()
    expect(page.locator("#ext-201")).to_be_visible()
    assert page.locator("#shown-secret").count() == 0  # shown once only
    page.click("#ext-201 a[href='/extensions/201']")
    page.fill("#mac", "00:15:65:12:34:56")
    page.select_option("#vendor", "yealink")
    page.fill("#model", "T46U")
    page.click("#assign-phone button[type=submit]")
    row = page.locator("#phone-001565123456")
    expect(row).to_contain_text("001565123456.cfg")
    expect(row).to_contain_text("never fetched")
    expect(page.locator("#phones")).to_contain_text(f"http://127.0.0.1:{box.http_port}/prov/")
    row.locator("button", has_text="Re-sync").click()
    expect(page.locator("#resync-result")).to_contain_text("not registered")
    assert phones.get(box.db, "001565123456")["extension"] == "201"
    # the phone's file is served now: the provisioning window opened on assignment
    cfg = box.get("/prov/001565123456.cfg")
    assert cfg.status_code == 200 and "account.1.user_name = 201" in cfg.text
    assert page.csp_errors == []


def test_add_an_inbound_route_to_an_extension_and_change_a_feature_code(box, page):
    extensions.add(box.db, "201", name="Lan")
    page.goto(box.url + "/routes")
    page.fill("#did", "02873001234")
    page.select_option("#destination", "extension:201")
    page.select_option("#in-record", "always")
    page.click("#new-inbound button[type=submit]")
    expect(page.locator("#inbound-rows")).to_contain_text("extension:201")
    found = routes.find_inbound(box.db, "02873001234", "any")
    assert (found["destination"], found["record"]) == ("extension:201", "always")
    page.goto(box.url + "/features")
    page.fill("#code-voicemail", "*8")  # pickup's code
    page.click("#feature-voicemail button")
    expect(page.locator("#code-voicemail-error")).to_contain_text("clashes with feature code *8")
    assert page.url.endswith("/features")
    page.fill("#code-voicemail", "*86")
    page.click("#feature-voicemail button")
    expect(page.locator("#feature-voicemail")).to_contain_text("Saved.")
    assert features.codes(box.db).voicemail == "*86"
    assert page.csp_errors == []
