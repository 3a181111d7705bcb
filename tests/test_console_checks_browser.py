"""Checks of the console in real headless Chromium against `tongdai run` with pjsua2 test
phones: an extension created in the console registers a phone the dashboard shows;
"Listen" on the wallboard rings the supervisor's phone; the maintenance page downloads a
backup, refuses a bad restore and restarts the service."""

import io
import json
import re
import tarfile
import time

import httpx
import pytest
from browserbox import NEEDS_CHROMIUM
from callbox import RECORD, SECRETS, cli, wait_for
from conftest import needs_pjsua2
from phones import Phone
from tongdai.store import accounts, open_db

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_pjsua2,
    NEEDS_CHROMIUM,
]
PASSWORD = "my-own-long-password"


@pytest.fixture
def box(service_factory):
    """callbox's box (phones 201-204 with known secrets), speaking English."""
    svc = service_factory(TONGDAI_SIP_QUALIFY_INTERVAL="0", TONGDAI_LANGUAGE="en")
    svc.wait_healthy(timeout=40)
    for number, secret in SECRETS.items():
        r = cli(svc, "ext", "add", number, "--secret", secret, "--record", RECORD[number])
        assert r.returncode == 0, r.stderr
    return svc


@pytest.fixture
def page(browser, box):
    """A desktop browser logged in as the box's admin."""
    db = open_db(box.data_dir / "tongdai.db")
    accounts.set_password(db, "admin", PASSWORD, actor="test")
    db.close()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
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


def test_an_extension_made_in_the_console_registers_and_shows_on_the_dashboard(box, page):
    page.goto(box.url + "/extensions")
    page.fill("#number", "250")
    page.fill("#name", "Quầy 250")
    page.click("#new-extension button[type=submit]")
    secret = page.locator("#shown-secret-value").text_content(timeout=10_000)
    phone = Phone(box, "250", secret)
    try:
        phone.registered()
        page.goto(box.url + "/dashboard")
        registered = page.locator("#status table tr", has_text="250")
        sync_api.expect(registered).to_have_count(1, timeout=15_000)  # the 5 s refresh
        sync_api.expect(registered).to_contain_text("udp", ignore_case=True)
    finally:
        phone.close()
    assert page.csp_errors == []


def test_listen_from_the_wallboard_rings_the_supervisors_phone(box, page, phones):
    alice, bob, boss = phones("201"), phones("202"), phones("204")
    alice.send("call 202")
    bob.expect(r"^INCOMING")
    bob.send("answer")
    alice.expect(r"^STATE confirmed")
    page.goto(box.url + "/wallboard")
    page.fill("#supervisor-extension", "204")
    listen = page.locator("#board button", has_text=re.compile(r"^\s*Listen\s*$"))
    sync_api.expect(listen).to_have_count(1, timeout=10_000)  # the live feed shows the call
    listen.click()
    assert "listen 201" in boss.expect(r"^INCOMING (.*)").group(1)
    sync_api.expect(page.locator("#tool-result")).to_have_class(re.compile("notice"))
    boss.send("answer")
    boss.expect(r"^STATE confirmed")
    assert page.csp_errors == []


def test_maintenance_backup_refused_restore_and_restart(box, page, tmp_path):
    page.goto(box.url + "/maintenance")
    sync_api.expect(page.locator("#versions")).to_contain_text("pjproject")  # engine is up
    with page.expect_download() as download:
        page.click("#backup-form button[type=submit]")
    saved = tmp_path / "backup.tar.gz"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("tongdai-backup-")
    with tarfile.open(saved) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert "data/tongdai.db" in {f["path"] for f in manifest["files"]}

    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations
    junk = io.BytesIO(saved.read_bytes()[:200]).getvalue()
    page.set_input_files("#file", {"name": "b.tar.gz", "mimeType": "application/gzip",
                                   "buffer": junk})  # fmt: skip
    page.click("#restore-form button[type=submit]")
    sync_api.expect(page.locator("#restore-error")).to_contain_text("not a readable backup")

    pid = box.proc.pid
    page.click("#restart-form button[type=submit]")
    sync_api.expect(page.locator("#restarting")).to_contain_text("The service is restarting")
    back = wait_for(lambda: box.output().count("tongdai: Tongdai ") >= 2, timeout=30)
    assert back and box.proc.pid == pid, box.output()
    assert wait_for(lambda: _healthy(box), timeout=40), box.output()
    page.goto(box.url + "/maintenance")  # the session outlived the restart
    sync_api.expect(page.locator("h1")).to_have_text("Maintenance")
    assert page.csp_errors == []


def _healthy(box) -> bool:
    try:
        return box.get("/healthz").status_code == 200
    except httpx.HTTPError:
        time.sleep(0.2)
        return False
