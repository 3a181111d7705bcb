"""kill -9 at any moment leaves a database that opens, passes integrity_check, and holds
only whole transactions."""

import random
import signal
import subprocess
import sys
import time

import pytest
from tongdai.store import open_db

WRITER = r"""
import sys
from tongdai.store import extensions, open_db
db = open_db(sys.argv[1])
print("go", flush=True)
n = int(sys.argv[2])
while True:
    n += 1
    extensions.add(db, str(100000 + n), name="crash test " * 20)  # row + audit entry, atomically
    if n % 7 == 0:
        db.execute("DELETE FROM extensions WHERE number = ?", [str(100000 + n - 3)])
"""


@pytest.mark.slow
def test_kill_9_while_writing_never_corrupts(tmp_path):
    path = tmp_path / "tongdai.db"
    rng = random.Random(4475)
    for round_ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(round_ * 100000)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0.01, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        db = open_db(path)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        created = db.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'extension.create'"
        ).fetchone()[0]
        assert created > 0 and created >= db["extensions"].count
        # every extension has its audit entry: no transaction was half-applied
        audited = {
            row[0].split()[0]
            for row in db.execute("SELECT detail FROM audit_log WHERE action = 'extension.create'")
        }
        numbers = {row[0] for row in db.execute("SELECT number FROM extensions")}
        assert numbers <= audited
        db.close()
