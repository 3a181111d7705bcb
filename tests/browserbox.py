"""Real headless Chromium for the console's browser tests: Debian's /usr/bin/chromium
driven by Playwright (never a browser download). A test module marks itself with
`NEEDS_CHROMIUM` and takes the module-wide `browser` fixture; `admin_box` starts the box
whose console the test drives."""

from __future__ import annotations

import contextlib
import shutil
import time

import httpx
import pytest
from tongdai.store import accounts, open_db

PASSWORD = "my-own-long-password"  # the admin's, set by admin_box

CHROMIUM = "/usr/bin/chromium"
NEEDS_CHROMIUM = pytest.mark.skipif(
    not shutil.which(CHROMIUM), reason=f"no {CHROMIUM} (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        # autoplay: the recording and voicemail players start without a click
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield browser
        browser.close()


def admin_box(service_factory, language: str):
    """`tongdai run` in `language`, answering its login page, with its store open as
    `svc.db` (another connection, as the CLI's) and the admin's password set to PASSWORD
    so a test logs in at once."""
    svc = console_up(service_factory(TONGDAI_LANGUAGE=language))
    svc.db = open_db(svc.data_dir / "tongdai.db")
    accounts.set_password(svc.db, "admin", PASSWORD, actor="test")
    return svc


def console_up(svc, timeout: float = 30.0):
    """`svc` once its console answers the login page (the media engine may still be
    starting: the console is what a browser test needs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if svc.get("/login").status_code == 200:
                return svc
        assert svc.proc.poll() is None, svc.output()
        time.sleep(0.1)
    pytest.fail(f"the console did not start within {timeout:.0f}s:\n{svc.output()}")
