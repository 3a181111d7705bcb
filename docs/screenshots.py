"""Screenshots of the console's main pages for the README, in real headless Chromium.

Starts a box with demo data in a temporary directory (as the browser tests do: `tongdai
run` on free loopback ports, pjsua2 test phones from tests/phones.py for a live call),
then saves 1280x800 PNGs to docs/screenshots/:

    PYTHONPATH=firmware .venv/bin/python docs/screenshots.py [--lang en|vi]

Needs /usr/bin/chromium, Playwright's Python package and pjsua2 (`make pjsua2`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test harness: a running box and test phones

import reportdata  # noqa: E402
from callbox import cli, wait_for  # noqa: E402
from conftest import RunningService  # noqa: E402
from phones import Phone  # noqa: E402
from tongdai.store import accounts, open_db  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-password-123"
PHONES = {"201": "Lan", "202": "Minh", "203": "Khách 203", "204": "Khách 204"}
PAGES = (  # file name, path, what to wait for
    ("dashboard", "/dashboard", "#phones-summary"),
    ("extensions", "/extensions", "#new-extension"),
    ("ivr", "/ivr/main", "h1"),
    ("wallboard", "/wallboard", "#board table.calls"),
    ("desk", "/desk", "h1"),
    # the known history the report tests use (tests/reportdata.py)
    ("reports", "/reports?period=range&start=2026-11-02&end=2026-11-03", "#volume-chart canvas"),
    ("maintenance", "/maintenance", "#versions"),
)


def demo_data(box: RunningService) -> dict[str, str]:
    """Extensions with known secrets, a queue with two agents, a ring group, a menu and
    office hours; the admin answers at 201 (their desk). Returns the API headers."""

    def run(*args: str) -> None:
        r = cli(box, *args)
        if r.returncode != 0:
            raise SystemExit(f"tongdai {' '.join(args)}: {r.stderr}")

    db = open_db(box.data_dir / "tongdai.db")
    try:
        reportdata.seed(db)  # two days of history for the reports page (queue "sales")
    finally:
        db.close()
    for number, name in PHONES.items():
        run("ext", "add", number, "--name", name, "--secret", f"demo-secret-{number}-x")
    run("queue", "set", "sales", "--number", "600", "--display", "Bán hàng")
    for agent in ("201", "202"):
        run("agent", "add", agent)
        run("queue", "member", "sales", agent)
        run("agent", "login", agent)
    run("agent", "pause", "202", "--reason", "lunch")  # so a second caller waits
    run("vm", "enable", "101")
    run("ringgroup", "add", "reception", "--members", "101,102", "--final", "voicemail:101")
    run("ivr", "add", "main", "--greeting", "ivr_welcome", "--number", "500",
        "--key", "1=queue:sales", "--key", "2=ring_group:reception",
        "--final", "voicemail:101")  # fmt: skip
    run("timecond", "add", "office", "--hours", "mon-fri 08:00-17:30", "--hours",
        "sat 08:00-12:00", "--open", "ivr:main", "--closed", "voicemail:101")  # fmt: skip
    db = open_db(box.data_dir / "tongdai.db")
    try:
        accounts.set_password(db, "admin", PASSWORD, actor="demo")
        token = accounts.create_token(db, "admin", "screenshots", actor="demo")
    finally:
        db.close()
    headers = {"Authorization": f"Bearer {token}"}
    api = box.url + "/api/v1"
    httpx.patch(f"{api}/users/admin", json={"extension": "201"}, headers=headers).raise_for_status()
    httpx.post(f"{api}/contacts", headers=headers, json={
        "name": "Nguyễn Văn An", "numbers": ["203"], "company": "Công ty Sao Mai",
        "notes": "Khách quen; hỏi về hợp đồng bảo trì"}).raise_for_status()  # fmt: skip
    return headers


def live_calls(box: RunningService) -> list[Phone]:
    """203 talks to agent 201 through the sales queue; 204 waits in it."""
    phones = {n: Phone(box, n, f"demo-secret-{n}-x") for n in PHONES}
    for phone in phones.values():
        phone.registered()
    phones["203"].send("call 600")
    phones["201"].expect(r"^INCOMING", timeout=20)
    phones["201"].send("answer")
    phones["203"].expect(r"^STATE confirmed")
    phones["204"].send("call 600")
    time.sleep(3)  # in the queue a while: the wallboard shows its wait
    return list(phones.values())


def shoot(box: RunningService, lang: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(box.url + "/login")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        if lang == "vi":
            page.click("button[name=lang][value=vi]")
            page.wait_for_load_state()
        for name, path, ready in PAGES:
            page.goto(box.url + path)
            page.wait_for_selector(ready)
            page.wait_for_timeout(1500)  # the live feeds' first update
            page.screenshot(path=OUT / f"{name}.png")
            print(f"{OUT / name}.png")
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("en", "vi"), default="en")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tongdai-screenshots-") as tmp:
        box = RunningService(Path(tmp) / "var", TONGDAI_LANGUAGE=args.lang,
                             TONGDAI_SIP_QUALIFY_INTERVAL="0")  # fmt: skip
        phones: list[Phone] = []
        try:
            box.wait_healthy(timeout=40)
            demo_data(box)
            phones = live_calls(box)
            wait_for(lambda: box.get("/healthz").status_code == 200)
            shoot(box, args.lang)
        finally:
            for phone in phones:
                phone.close()
            box.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
