"""A running box with four extensions and test phones for them (fixtures shared by
the call tests)."""

from __future__ import annotations

import subprocess
import time

import pytest
from conftest import tongdai_cmd
from phones import Phone
from tongdai.store import open_db

SECRETS = {
    "201": "secret-of-201-abcdef",
    "202": "secret-of-202-abcdef",
    "203": "secret-of-203-x",
    "204": "secret-of-204-abcdef",
}


def cli(svc, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        tongdai_cmd(*args, "--data-dir", str(svc.data_dir)),
        capture_output=True, text=True, timeout=30, env=svc.env,
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
    for number, secret in SECRETS.items():
        r = cli(svc, "ext", "add", number, "--secret", secret, "--name", f"Phone {number}",
                "--record", RECORD[number])  # fmt: skip
        assert r.returncode == 0, r.stderr
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
    for phone in made:
        phone.close()
