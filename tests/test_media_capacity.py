"""One pjsua2 process (the project's build, the media engine's configuration) holds
200 concurrent calls: SIPp places them over loopback and holds each for 8 seconds."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import free_port, have, needs_pjsua2

PEER = Path(__file__).parent / "peers" / "pjsua_uas.py"
CALLS = 200

pytestmark = [
    needs_pjsua2,
    pytest.mark.slow,
    pytest.mark.skipif(not have("sipp"), reason="SIPp (Debian sip-tester) missing"),
]


def test_one_media_process_holds_200_concurrent_calls(tmp_path):
    uas = subprocess.Popen(
        [sys.executable, str(PEER), "--port", "0", "--rtp-ports", "30000-31999"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = uas.stdout.readline()
        while line and not line.startswith("READY"):
            line = uas.stdout.readline()
        assert line.startswith("READY"), "UAS did not start"
        port = int(line.split()[1])
        sipp = subprocess.run(
            [
                "sipp",
                "-sn",
                "uac",
                f"127.0.0.1:{port}",
                "-i",
                "127.0.0.1",
                "-p",
                str(free_port()),
                "-m",
                str(CALLS),
                "-l",
                str(CALLS),
                "-r",
                "100",
                "-d",
                "8000",
                "-timeout",
                "90s",
                "-nostdin",
                "-trace_err",
                "-error_file",
                str(tmp_path / "sipp-errors.log"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    finally:
        uas.terminate()
        out, _ = uas.communicate(timeout=30)
    stats = out.split("MAX_CONCURRENT", 1)[1].split()
    max_concurrent, answered, failed = int(stats[0]), int(stats[2]), int(stats[4])
    assert sipp.returncode == 0, sipp.stdout[-2000:] + sipp.stderr[-2000:]
    assert answered == CALLS and failed == 0
    assert max_concurrent == CALLS, f"only {max_concurrent} calls were up at once"
