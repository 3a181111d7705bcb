"""A power cut: 1,000 phones re-register within 10 seconds, and every one succeeds."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from conftest import free_port, have
from tongdai.store import extensions, open_db

PHONES = 1000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not have("sipp"), reason="SIPp (Debian sip-tester) missing"),
]


def test_registration_storm_of_1000_phones(service_factory, data_dir, tmp_path):
    data_dir.mkdir(parents=True)
    db = open_db(data_dir / "tongdai.db")
    lines = ["SEQUENTIAL"]
    for i in range(PHONES):
        number, secret = str(3000 + i), f"storm-secret-{3000 + i}"
        extensions.add(db, number, secret=secret)
        lines.append(f"{number};[authentication username={number} password={secret}]")
    db.close()
    inf = tmp_path / "phones.csv"
    inf.write_text("\n".join(lines) + "\n")
    # One SIPp stands for 1,000 phones, all from one address: lift the per-address limit
    # (in an office each phone has its own address).
    svc = service_factory(TONGDAI_SIP_RATE_LIMIT="0", TONGDAI_SIP_QUALIFY_INTERVAL="0")
    svc.wait_healthy(timeout=40)
    run = subprocess.run(
        ["sipp", f"127.0.0.1:{svc.sip_port}", "-sf", "register.xml", "-inf", str(inf),
         "-i", "127.0.0.1", "-p", str(free_port()), "-m", str(PHONES), "-r", "100",
         "-l", str(PHONES), "-timeout", "60s", "-timeout_error", "-nostdin",
         "-trace_stat", "-stf", str(tmp_path / "stat.csv")],
        capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).parent / "sipp",
    )  # fmt: skip
    header, *rows = (tmp_path / "stat.csv").read_text().strip().splitlines()
    stats = dict(zip(header.split(";"), rows[-1].split(";"), strict=False))
    assert run.returncode == 0, run.stdout[-2000:]
    assert int(stats["SuccessfulCall(C)"]) == PHONES and int(stats["FailedCall(C)"]) == 0
    elapsed = stats["ElapsedTime(C)"]
    assert elapsed.startswith("00:00:1") or elapsed.startswith("00:00:0"), elapsed
    db = open_db(data_dir / "tongdai.db")
    deadline = time.monotonic() + 5
    while db["sip_bindings"].count < PHONES and time.monotonic() < deadline:
        time.sleep(0.2)
    assert db["sip_bindings"].count == PHONES
