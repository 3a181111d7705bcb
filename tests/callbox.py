"""A running box with four extensions and test phones for them (fixtures shared by
the call tests)."""

from __future__ import annotations

import math
import struct
import subprocess
import time
import wave

import pytest
from conftest import free_port, tongdai_cmd
from phones import Phone
from tongdai.store import extensions, open_db

SECRETS = {
    "201": "secret-of-201-abcdef",
    "202": "secret-of-202-abcdef",
    "203": "secret-of-203-x",
    "204": "secret-of-204-abcdef",
}


def cli(svc, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        tongdai_cmd(*args, "--data-dir", str(svc.data_dir)),
        capture_output=True, text=True, timeout=30, env=svc.env, input=input,
    )  # fmt: skip


def cdr_rows(svc) -> list[dict]:
    db = open_db(svc.data_dir / "tongdai.db")
    try:
        return list(db.query("SELECT * FROM cdr ORDER BY start"))
    finally:
        db.close()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.1)
    return predicate()


RECORD = {"201": "never", "202": "never", "203": "always", "204": "on-demand"}


@pytest.fixture
def box(service_factory):
    svc = service_factory(
        TONGDAI_SIP_QUALIFY_INTERVAL="0", TONGDAI_RING_TIMEOUT="6", TONGDAI_PARK_TIMEOUT="6"
    )
    svc.wait_healthy(timeout=40)
    # Through the store, as the CLI would, without four interpreter start-ups per test
    # (the CLI itself is tested in test_cli.py); the service takes the change in as a
    # CLI change.
    db = open_db(svc.data_dir / "tongdai.db")
    try:
        for number, secret in SECRETS.items():
            extensions.add(db, number, secret=secret, name=f"Phone {number}",
                           recording=RECORD[number])  # fmt: skip
    finally:
        db.close()
    return svc


@pytest.fixture
def phones(box):
    made: list[Phone] = []

    def make(user: str, transport: str = "udp") -> Phone:
        phone = Phone(box, user, SECRETS[user], transport)
        made.append(phone)
        phone.registered()
        return phone

    yield make
    for phone in made:  # each takes about 1.5 s to unregister and end: all at once
        phone.quit()
    for phone in made:
        phone.close()


def add(svc, *args: str, input: str | None = None) -> str:
    """Run a CLI command that must succeed; its output."""
    r = cli(svc, *args, input=input)
    assert r.returncode == 0, r.stderr
    return r.stdout


def tone_prompts(svc, tones: dict[str, int], seconds: float = 2.0) -> None:
    """Each named prompt becomes `seconds` of its own tone, in both languages (through the
    override a recorded prompt pack uses), so tone detection tells what a caller heard."""
    for lang in ("vi", "en"):
        folder = svc.data_dir / "sounds" / "prompts" / lang
        folder.mkdir(parents=True, exist_ok=True)
        for name, freq in tones.items():
            with wave.open(str(folder / f"{name}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(b"".join(
                    struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / 8000)))
                    for i in range(int(8000 * seconds))
                ))  # fmt: skip


@pytest.fixture
def carrier(box):
    """A provider's phone (trunk `viettel`) calling the box as 0909000111."""
    port = free_port()
    add(box, "trunk", "add", "viettel", "--host", "127.0.0.1", "--port", str(port),
        "--match-port")  # fmt: skip
    phone = Phone(box, "0909000111", provider=port)
    phone.expect(r"^STARTED")
    time.sleep(1.0)  # the service takes CLI changes in within 0.5 s (ChangeWatcher)
    yield phone
    phone.close()
