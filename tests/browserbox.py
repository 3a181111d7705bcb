"""Real headless Chromium for the console's browser tests: Debian's /usr/bin/chromium
driven by Playwright (never a browser download). A test module marks itself with
`NEEDS_CHROMIUM` and takes the module-wide `browser` fixture."""

from __future__ import annotations

import shutil

import pytest

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
