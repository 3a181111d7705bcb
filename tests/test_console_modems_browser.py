"""The dashboard's modems in real headless Chromium, against `tongdai run` as a real process
whose `modems` setting names a fake modem on a pseudo-terminal: the operator and signal
show, and when the modem is unplugged the self-refreshing block says so."""

import re

import pytest
from browserbox import NEEDS_CHROMIUM, console_up
from fakemodem import IMSI, FakeModem
from tongdai.store import accounts, open_db

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM, pytest.mark.timeout(120)]
PASSWORD = "my-own-long-password"


@pytest.fixture
def fake(tmp_path):
    f = FakeModem(tmp_path / "ttyGSM")
    yield f
    f.close()


@pytest.fixture
def box(service_factory, fake):
    svc = service_factory(TONGDAI_LANGUAGE="en", TONGDAI_MODEMS=f"gsm1={fake.link}")
    console_up(svc)
    accounts.set_password(open_db(svc.data_dir / "tongdai.db"), "admin", PASSWORD, actor="test")
    return svc


def test_dashboard_shows_the_modem_then_that_it_was_unplugged(box, fake, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(box.url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    row = page.locator("#modem-gsm1")
    sync_api.expect(row).to_contain_text("Viettel", timeout=15_000)  # the 5 s refresh
    sync_api.expect(row).to_contain_text("-73 dBm")
    sync_api.expect(row).to_contain_text("Home network")
    assert page.locator("#modem-gsm1 .bars-4 i").count() == 4
    assert IMSI not in page.content()
    fake.unplug()  # the block refreshes itself: no reload
    sync_api.expect(row).to_contain_text(re.compile("unplugged|port not found"), timeout=15_000)
    sync_api.expect(row).not_to_contain_text("Viettel")
    metrics = box.get("/metrics").text
    assert 'tongdai_gsm_modem_up{modem="gsm1"} 0.0' in metrics
    assert "modem gsm1 on" in box.output() and IMSI not in box.output()
    context.close()
