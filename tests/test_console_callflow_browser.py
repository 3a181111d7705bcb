"""The call-flow configuration pages in real headless Chromium (Debian's /usr/bin/chromium
through Playwright; never a browser download) against `tongdai run` on 127.0.0.1."""

import pytest
from browserbox import NEEDS_CHROMIUM, PASSWORD, admin_box
from callflow_sounds import tone_wav
from tongdai.store import ivr, queues, ringgroups, timeconditions

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def box(service_factory):
    """A running English-speaking box with an admin who may log in at once, and its store
    (opened as the CLI does: another connection)."""
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
    assert page.csp_errors == []
    context.close()


def test_build_a_menu_with_keys_to_a_ring_group_and_a_queue(box, page):
    ringgroups.add(box.db, "sales", members=["101", "102"], actor="test")
    queues.add_queue(box.db, queues.Queue("support"), actor="test")
    page.click("nav a[href='/ivr']")
    page.fill("#name", "main")
    page.fill("#greeting", "ivr_welcome")
    page.select_option("#final", "extension:101")
    page.click("#new-menu button[type=submit]")
    page.click("#menus a[href='/ivr/main']:text('Edit')")
    page.wait_for_url("**/ivr/main")
    for key, destination in (("1", "ring_group:sales"), ("2", "queue:support")):
        page.select_option("#key", key)
        page.select_option("#key-destination", destination)
        page.click("#key-form button[type=submit]")
        expect(page.locator(f"#key-{key}")).to_contain_text(destination)
    assert ivr.get(box.db, "main").options == {"1": "ring_group:sales", "2": "queue:support"}


def test_switch_a_time_condition_to_closed_now_and_back(box, page):
    timeconditions.add(
        box.db,
        "office",
        open="extension:101",
        closed="hangup",
        hours=["mon-sun 00:00-24:00"],
        actor="test",
    )
    page.goto(box.url + "/timeconditions")
    expect(page.locator("#state-office")).to_have_text("Open now")
    page.click("#condition-office button[value=closed]")
    expect(page.locator("#state-office")).to_have_text("Closed now")
    expect(page.locator("#condition-office button[value=closed]")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert timeconditions.get(box.db, "office").override == "closed"
    page.click("#condition-office button[value=hours]")
    expect(page.locator("#state-office")).to_have_text("Open now")
    assert timeconditions.get(box.db, "office").override == ""
    assert "*281" in page.text_content("#condition-office")


def test_upload_a_prompt_and_see_it_listed(box, page, tmp_path):
    sound = tmp_path / "welcome.wav"
    sound.write_bytes(tone_wav())
    page.goto(box.url + "/prompts?lang=vi")
    page.fill("#name", "welcome_sales")
    page.set_input_files("#file", str(sound))
    page.click("#upload-prompt button[type=submit]")
    expect(page.locator("#prompt-done")).to_contain_text("vi/welcome_sales")
    row = page.locator("#prompt-welcome_sales")
    expect(row).to_contain_text("own recording")
    # the browser plays it from the box (an authenticated fetch of a WAV)
    played = page.evaluate(
        "fetch(document.querySelector('#prompt-welcome_sales audio').src)"
        ".then(r => r.headers.get('content-type'))"
    )
    assert played == "audio/wav"
