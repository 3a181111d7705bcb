"""Editing a trunk through its form in real headless Chromium (Debian's /usr/bin/chromium
through Playwright) against `tongdai run` on 127.0.0.1."""

import pytest
from browserbox import NEEDS_CHROMIUM, PASSWORD, admin_box
from tongdai.store import extensions, ringgroups, routes, trunks

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
pytestmark = [pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM]


@pytest.fixture
def box(service_factory):
    return admin_box(service_factory, "en")


def test_edit_and_rename_a_trunk_in_the_form(box, browser):
    trunks.add(box.db, "viettel", host="127.0.0.1", username="u", password="pw", actor="test")
    routes.add_outbound(box.db, "mobile", patterns=["09XXXXXXXX"], trunks=["viettel"],
                        route_class="national", actor="test")  # fmt: skip
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    csp = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp.append(m.text))
    page.goto(box.url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.goto(box.url + "/trunks")
    page.locator("#trunk-viettel").get_by_text("Edit").click()
    expect(page.locator("#edit-trunk #host")).to_have_value("127.0.0.1")
    page.fill("#edit-trunk #port", "0")
    page.click("#edit-trunk button[type=submit]")
    expect(page.locator("#port-error")).to_be_visible()  # named, nothing saved
    page.fill("#edit-trunk #name", "vt")
    page.fill("#edit-trunk #port", "5070")
    page.fill("#edit-trunk #max_calls", "3")
    page.click("#edit-trunk button[type=submit]")
    expect(page.locator("#trunk-vt")).to_contain_text("127.0.0.1:5070")
    expect(page.locator("#trunk-viettel")).to_have_count(0)
    (t,) = trunks.all_trunks(box.db)
    assert (t["name"], t["max_calls"], t["password"]) == ("vt", 3, "pw")
    assert routes.outbound(box.db)[0].trunks == ("vt",)
    assert csp == []
    context.close()


def test_edit_a_ring_group_in_the_form(box, browser):
    for n in ("201", "202"):
        extensions.add(box.db, n, secret=f"secret-of-{n}-abcdef", actor="test")
    ringgroups.add(box.db, "sales", members=["201:20"], strategy="order", actor="test")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(box.url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.goto(box.url + "/ringgroups")
    page.locator("#group-sales").get_by_text("Edit").click()
    expect(page.locator("#edit-group #member-201")).to_be_checked()
    page.uncheck("#edit-group #member-201")
    page.click("#edit-group button[type=submit]")
    expect(page.locator("#members-error")).to_be_visible()  # none left: refused, named
    page.check("#edit-group #member-202")
    page.fill("#edit-group input[name=seconds_202]", "40")
    page.click("#edit-group button[type=submit]")
    expect(page.locator("#group-sales")).to_contain_text("202 (40 s)")
    expect(page.locator("#new-group")).to_be_visible()
    group = ringgroups.get(box.db, "sales")
    assert [(m.extension, m.ring_timeout) for m in group.members] == [("202", 40)]
    context.close()
