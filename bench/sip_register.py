"""SIP registration throughput: Tongdai's registrar against Kamailio's, each on one core.

What it measures, with SIPp (tests/sipp/register.xml) as the phones:

* One "registration" is a whole SIPp call: REGISTER, 401 challenge, REGISTER with
  MD5 digest credentials (qop=auth), 200 OK. The users are 1,000 extensions
  (2000-2999) with known secrets, taken in turn from an injection file.
* Each registrar runs alone, pinned to CPU 0; SIPp (and this script) run on CPU 1.
  The offered rate is stepped up (RATES, STEP_SECONDS each); a step is sustained when
  fewer than 0.1% of its calls failed, retransmissions stayed under 1% of calls and
  the completed rate reached 95% of the offered one. Stepping stops at the first step
  that is not sustained, and three more steps halve the gap between it and the last
  sustained one; the best sustained completed rate (SuccessfulCall(C) / elapsed
  time of the step: stricter than SIPp's CallRate(C), which counts calls started) is
  the registrar's figure. The CPU each side used in a step is
  printed, so a peer that is faster than SIPp can drive on one core shows as such.
* Tongdai: `python -m tongdai run` in a fresh data directory, no per-address rate
  limit (all traffic comes from 127.0.0.1), qualify pings off. Its registrar keeps
  bindings in memory and writes them to SQLite (sip_bindings) in batches.
* Kamailio: bench/kamailio/registrar.cfg, the same users and passwords in an htable,
  pv_auth_check + auth_challenge (MD5, qop=auth), save("location") to usrloc in
  memory (db_mode=0), one UDP listener with KAMAILIO_CHILDREN worker(s).
* Also for Tongdai: its memory (VmRSS of the main process, and with its media
  engine child) once each of the 1,000 users has registered one contact, the
  number of rows in sip_bindings a second later, and a registration storm (every
  phone re-registering within STORM_COUNT / STORM_RATE seconds) that must not fail.

Missing tools (SIPp, Kamailio) are installed with apt-get. Only 127.0.0.1 is used.
Every wait has a time limit, and both servers are stopped and the temporary
directories removed on the way out.

    .venv/bin/python bench/sip_register.py     (or: make bench-sip)

Exit status: 0 when the goal is met and the storm had no failures, 1 otherwise,
2 when the benchmark could not run.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tongdai import __version__
from tongdai.store import extensions, open_db

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests" / "sipp" / "register.xml"
KAMAILIO_TEMPLATE = ROOT / "bench" / "kamailio" / "registrar.cfg"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

ADDRESS = "127.0.0.1"
EXTENSIONS = [str(n) for n in range(2000, 3000)]
REALM = "tongdai"  # Tongdai's digest realm; Kamailio is given the same
SERVER_CPU, LOAD_CPU = 0, 1
KAMAILIO_CHILDREN = 1
RATES = (1000, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000, 7000, 8000, 10000, 12000)
RATES += (15000, 17500, 20000, 25000, 30000)  # offered calls per second, one step each
STEP_SECONDS = 10
REFINE_STEPS = 3  # halvings between the last sustained step and the first failed one
SIPP_BUFFER = 4 * 1024 * 1024  # socket buffers: its 64 KiB default drops responses above ~8000/s
MAX_FAILED = 0.001  # of calls
MAX_RETRANSMISSIONS = 0.01  # per call
MIN_COMPLETED = 0.95  # of the offered rate
# A server using less of its core than this when a step falls short was not what stopped
# it: SIPp (one thread, on one core) could not offer or time the load.
BUSY_CPU = 0.75
CONTACTS_RATE = 200  # first registration of every user, for the memory figure
STORM_COUNT, STORM_RATE = 1000, 200
GOAL_RATE, GOAL_FACTOR = 3000, 4.0
TONGDAI_ENV = {
    "TONGDAI_SIP_RATE_LIMIT": "0",
    "TONGDAI_SIP_QUALIFY_INTERVAL": "0",
    "TONGDAI_ADMIN_PASSWORD": "bench-" + secrets.token_hex(12),
}


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


@dataclasses.dataclass
class Server:
    name: str
    pid: int
    port: int
    log: Path
    setup: str  # how it runs, for the report
    healthz: str = ""  # Tongdai's health URL
    # SIPp's local port in every run against this server: the same 1,000 phones
    # re-register from the same contact, as desk phones do, instead of each run
    # adding a contact per user (which grows every 200 OK's Contact list).
    phones_port: int = dataclasses.field(default_factory=lambda: free_port())


@dataclasses.dataclass
class Peak:
    """A registrar's highest sustained rate."""

    registrar: str
    setup: str
    best: Run | None  # the best sustained step
    stopper: Run | None  # the first step that was not sustained; None: all were

    @property
    def rate(self) -> float:
        return self.best.completed_rate if self.best else 0.0

    def limited_by_sipp(self) -> bool:
        """True when the server was not the bottleneck (or every rate was sustained)."""
        return self.stopper is None or self.stopper.server_cpu < BUSY_CPU


@dataclasses.dataclass
class Run:
    """One SIPp run, from its last statistics line and the CPU both sides used."""

    offered: int  # calls per second asked of SIPp
    calls: int
    ok: int
    failed: int
    retransmissions: int
    elapsed: float  # seconds
    server_cpu: float  # share of one core
    sipp_cpu: float

    @property
    def completed_rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    @property
    def failed_ratio(self) -> float:
        return self.failed / self.calls if self.calls else 1.0

    def sustained(self) -> bool:
        return (
            self.calls > 0
            and self.failed_ratio < MAX_FAILED
            and self.retransmissions <= MAX_RETRANSMISSIONS * self.calls
            and self.completed_rate >= MIN_COMPLETED * self.offered
        )

    def describe(self) -> str:
        return (
            f"offered {self.offered:>6}/s: {self.ok:>6} ok, {self.failed:>4} failed "
            f"({100 * self.failed_ratio:.2f}%), {self.retransmissions:>5} retrans, "
            f"{self.completed_rate:>8,.0f} reg/s in {self.elapsed:5.1f} s; "
            f"CPU server {100 * self.server_cpu:3.0f}%, SIPp {100 * self.sipp_cpu:3.0f}%"
        )


# -- tools ---------------------------------------------------------------------------------


def ensure_tools() -> None:
    """apt-get install SIPp and Kamailio when missing; leave no packaged Kamailio running."""
    missing = [
        pkg
        for cmd, pkg in (("sipp", "sip-tester"), ("kamailio", "kamailio"))
        if not shutil.which(cmd)
    ]
    if missing:
        if os.geteuid() != 0:
            raise BenchError(f"missing {' '.join(missing)}: run as root or apt-get install them")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", *missing]
        print(f"installing: {' '.join(install)}", flush=True)
        if subprocess.run(install, env=env, timeout=900).returncode != 0:
            print("install failed; running apt-get update and trying again", flush=True)
            subprocess.run(["apt-get", "update", "-q"], env=env, timeout=600, check=True)
            subprocess.run(install, env=env, timeout=900, check=True)
    print(f"using {shutil.which('sipp')} and {shutil.which('kamailio')} {kamailio_version()}")
    stop_packaged_kamailio()


def stop_packaged_kamailio() -> None:
    """Debian may start its kamailio service on install: stop it through the service manager."""
    running = [pid for pid in all_pids() if comm(pid) == "kamailio"]
    if not running:
        return
    print(f"a kamailio is already running (pids {running}); stopping the kamailio service")
    for manager in (["systemctl", "stop", "kamailio"], ["service", "kamailio", "stop"]):
        if shutil.which(manager[0]):
            subprocess.run(manager, timeout=60, check=False)
            break
    if any(comm(pid) == "kamailio" for pid in running):
        print("warning: that kamailio is still running; it is not ours, so it is left alone")


def kamailio_version() -> str:
    out = subprocess.run(["kamailio", "-v"], capture_output=True, text=True, timeout=10).stdout
    first = out.splitlines()[0] if out else ""
    return first.split()[2] if first.startswith("version:") else "?"


# -- processes -----------------------------------------------------------------------------


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def process_tree(root: int) -> list[int]:
    """The process and all its descendants."""
    parents = {}
    for pid in all_pids():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        parents[pid] = int(stat.rpartition(")")[2].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree += frontier
    return tree


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    return proc_kib(f"/proc/{pid}/status", "VmRSS:")


def proc_kib(path: str, key: str) -> int:
    """A "key: N kB" figure from a /proc file (0 when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_port() -> int:
    """A port free for both UDP and TCP on ADDRESS."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((ADDRESS, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((ADDRESS, port))
                except OSError:
                    continue
        return port
    raise BenchError("no free port found")


def start(cmd: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """Start a server on SERVER_CPU in its own process group, output to a log file."""
    with log.open("wb") as out:
        return subprocess.Popen(
            ["taskset", "-c", str(SERVER_CPU), *cmd],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )


def stop(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM, then after `grace` seconds SIGKILL to whatever is left of its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            print(f"pid {proc.pid} ignored SIGTERM for {grace:.0f} s: killing it")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the group is ours: start_new_session
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- the registrars ------------------------------------------------------------------------


def make_users() -> dict[str, str]:
    """Extension number -> SIP secret (hex, so it needs no quoting anywhere)."""
    return {number: secrets.token_hex(8) for number in EXTENSIONS}


@contextlib.contextmanager
def tongdai(workdir: Path, users: dict[str, str]) -> Iterator[Server]:
    data = workdir / "data"
    data.mkdir()
    db = open_db(data / "tongdai.db")
    for number, secret in users.items():
        extensions.add(db, number, secret=secret)
    db.close()

    http, sip, sips, media = (free_port() for _ in range(4))
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    cmd = [
        python, "-m", "tongdai", "run", "--bind", ADDRESS, "--data-dir", str(data),
        "--http-port", str(http), "--sip-port", str(sip), "--sips-port", str(sips),
        "--media-port", str(media), "--rtp-ports", "30000-30099",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGDAI_")}
    env.update(TONGDAI_ENV)
    log = workdir / "tongdai.log"
    proc = start(cmd, log, cwd=workdir, env=env)
    try:
        healthz = f"http://{ADDRESS}:{http}/healthz"
        wait_healthy(proc, healthz, log)
        setup = f"CPU {SERVER_CPU}; bindings also written to SQLite"
        yield Server(f"Tongdai {__version__}", proc.pid, sip, log, setup, healthz)
    finally:
        stop(proc, grace=10)


def health(url: str) -> int | None:
    """The status /healthz answers (503: the media engine is not up), or None."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


def wait_healthy(proc: subprocess.Popen, url: str, log: Path, timeout: float = 60) -> None:
    """Until /healthz answers 200 or 503."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"tongdai exited with {proc.returncode}:\n{tail(log)}")
        if health(url) in (200, 503):
            return
        time.sleep(0.2)
    raise BenchError(f"tongdai did not answer {url} within {timeout:.0f} s:\n{tail(log)}")


def wait_media(server: Server, timeout: float = 30) -> bool:
    """Until /healthz says 200, so the idle memory figure includes a started media engine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(server.healthz) == 200:
            return True
        time.sleep(0.2)
    return False


@contextlib.contextmanager
def kamailio(workdir: Path, users: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    accounts = "\n".join(f'\t$sht(users=>{n}) = "{secret}";' for n, secret in users.items())
    config = KAMAILIO_TEMPLATE.read_text()
    for marker, value in {
        "@ADDRESS@": ADDRESS,
        "@PORT@": str(port),
        "@CHILDREN@": str(KAMAILIO_CHILDREN),
        "@REALM@": REALM,
        "@NONCE_SECRET@": secrets.token_hex(16),
        "@USERS@": accounts,
    }.items():
        config = config.replace(marker, value)
    cfg = workdir / "kamailio.cfg"
    cfg.write_text(config)
    check = subprocess.run(
        ["kamailio", "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30
    )
    if check.returncode != 0:
        raise BenchError(f"kamailio rejects {cfg}:\n{check.stdout}{check.stderr}")
    log = workdir / "kamailio.log"
    cmd = ["kamailio", "-f", str(cfg), "-DD", "-E", "-w", str(workdir), "-Y", str(workdir)]
    proc = start(cmd, log, cwd=workdir)
    try:
        wait_answering(proc, port, log)
        setup = f"CPU {SERVER_CPU}; children={KAMAILIO_CHILDREN}; usrloc in memory (db_mode=0)"
        yield Server(f"Kamailio {kamailio_version()}", proc.pid, port, log, setup)
    finally:
        stop(proc, grace=10)


def wait_answering(proc: subprocess.Popen, port: int, log: Path, timeout: float = 30) -> None:
    """Until the server answers a SIP OPTIONS on UDP (any response will do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((ADDRESS, 0))
        sock.settimeout(0.5)
        local = sock.getsockname()[1]
        options = (
            f"OPTIONS sip:{ADDRESS}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ADDRESS}:{local};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
            f"From: <sip:bench@{ADDRESS}>;tag={secrets.token_hex(4)}\r\n"
            f"To: <sip:{ADDRESS}:{port}>\r\nCall-ID: {secrets.token_hex(8)}\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        ).encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"kamailio exited with {proc.returncode}:\n{tail(log)}")
            sock.sendto(options, (ADDRESS, port))
            with contextlib.suppress(TimeoutError):
                if sock.recv(65535).startswith(b"SIP/2.0 "):
                    return
    raise BenchError(f"kamailio did not answer on port {port} within {timeout:.0f} s")


# -- SIPp ----------------------------------------------------------------------------------


def write_injection(path: Path, users: dict[str, str]) -> None:
    lines = ["SEQUENTIAL"]
    lines += [f"{n};[authentication username={n} password={s}]" for n, s in users.items()]
    path.write_text("\n".join(lines) + "\n")


def sipp(server: Server, workdir: Path, rate: int, count: int) -> Run:
    """Run SIPp (on LOAD_CPU, no terminal) to completion and read its final statistics."""
    stats = workdir / f"stat-{rate}-{count}.csv"
    stats.unlink(missing_ok=True)
    budget = count / rate + 30
    cmd = [
        "sipp", f"{ADDRESS}:{server.port}", "-sf", str(SCENARIO),
        "-inf", str(workdir / "users.csv"), "-i", ADDRESS, "-p", str(server.phones_port),
        "-r", str(rate), "-m", str(count), "-l", str(max(rate, 200)),
        "-buff_size", str(SIPP_BUFFER), "-trace_stat", "-stf", str(stats), "-fd", "1",
        "-nostdin", "-timeout", f"{budget:.0f}s",
    ]  # fmt: skip
    tree = process_tree(server.pid)
    server_before = cpu_seconds(tree)
    sipp_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    screen = workdir / "sipp.out"
    with screen.open("wb") as out:
        try:
            rc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=workdir, timeout=budget + 30,
            ).returncode  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"SIPp did not finish within {budget + 30:.0f} s") from exc
    wall = time.monotonic() - started
    sipp_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = (cpu_seconds(tree) - server_before) / wall
    sipp_cpu = (
        sipp_after.ru_utime + sipp_after.ru_stime - sipp_before.ru_utime - sipp_before.ru_stime
    ) / wall
    if rc not in (0, 1) or not stats.exists():  # 1: some calls failed
        raise BenchError(f"SIPp exited with {rc}:\n{tail(screen)}")
    with stats.open(newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    last = dict(zip(rows[0], rows[-1], strict=False))

    def epoch(column: str) -> float:
        return float(last[column].split("\t")[-1])  # "date<TAB>time<TAB>UNIX time"

    return Run(
        offered=rate,
        calls=int(last["OutgoingCall(C)"]),
        ok=int(last["SuccessfulCall(C)"]),
        failed=int(last["FailedCall(C)"]),
        retransmissions=int(last["Retransmissions(C)"]),
        elapsed=epoch("CurrentTime") - epoch("StartTime"),
        server_cpu=server_cpu,
        sipp_cpu=sipp_cpu,
    )


def find_peak(server: Server, workdir: Path) -> Peak:
    """Step the offered rate up until a step is not sustained, then narrow the peak down
    between the last sustained rate and that one (REFINE_STEPS halvings), so neither
    registrar's figure depends on where the fixed steps happen to fall."""
    print(f"\n{server.name}: stepping the offered rate, {STEP_SECONDS} s per step")
    best = stopper = None

    def step(rate: int) -> Run:
        nonlocal best
        run = sipp(server, workdir, rate, rate * STEP_SECONDS)
        print(f"  {run.describe()}  {'ok' if run.sustained() else 'NOT sustained'}", flush=True)
        if run.sustained() and (best is None or run.completed_rate > best.completed_rate):
            best = run
        time.sleep(2)  # let retransmission timers and queues drain
        return run

    for rate in RATES:
        if not (run := step(rate)).sustained():
            stopper = run
            break
    if stopper is not None and best is not None:
        low, high = best.offered, stopper.offered
        for _ in range(REFINE_STEPS):
            mid = int(round((low + high) / 2, -2))
            if mid in (low, high):
                break
            if step(mid).sustained():
                low = mid
            else:
                high = mid
    return Peak(server.name, server.setup, best, stopper)


# -- Tongdai's memory and storm ------------------------------------------------------------


def binding_rows(data: Path) -> int:
    with contextlib.closing(
        sqlite3.connect(f"file:{data / 'tongdai.db'}?mode=ro", uri=True, timeout=10)
    ) as db:
        return db.execute("SELECT count(*) FROM sip_bindings").fetchone()[0]


def memory_line(pid: int) -> str:
    tree = process_tree(pid)
    total_kib = sum(rss_kib(p) for p in tree)
    names = " + ".join(comm(p) for p in tree)
    return (
        f"VmRSS main process {rss_kib(pid) / 1024:.1f} MiB, "
        f"with its children {total_kib / 1024:.1f} MiB ({names})"
    )


def contacts_and_storm(server: Server, workdir: Path) -> Run:
    """Register every user once, report memory and persisted bindings, then the storm."""
    if not wait_media(server):
        print("note: the media engine was not up within 30 s (/healthz still 503)")
    print(f"\nTongdai, idle: {memory_line(server.pid)}")
    first = sipp(server, workdir, CONTACTS_RATE, len(EXTENSIONS))
    print(f"first registration of {len(EXTENSIONS)} users: {first.describe()}")
    time.sleep(1.0)
    print(f"Tongdai, {len(EXTENSIONS)} contacts registered: {memory_line(server.pid)}")
    print(f"rows in sip_bindings after 1 s: {binding_rows(workdir / 'data')}")
    storm = sipp(server, workdir, STORM_RATE, STORM_COUNT)
    verdict = "zero failures" if storm.failed == 0 and storm.ok == STORM_COUNT else "FAILURES"
    print(
        f"storm: {STORM_COUNT} phones re-registering at {STORM_RATE}/s: {storm.ok} ok, "
        f"{storm.failed} failed, {storm.retransmissions} retrans, done in "
        f"{storm.elapsed:.1f} s: {verdict}"
    )
    return storm


def print_log_problems(server: Server) -> None:
    """Errors and warnings in the server's output, which should have none."""
    words = ("ERROR", "CRITICAL", "Traceback", "WARNING", "Exception")
    lines = server.log.read_text(errors="replace").splitlines()
    problems = [line for line in lines if any(w in line for w in words)]
    print(f"{server.name} output: {len(problems)} error/warning line(s)")
    for line in problems[:10]:
        print(f"  {line}")


# -- report --------------------------------------------------------------------------------


def report(tongdai_peak: Peak, kamailio_peak: Peak) -> bool:
    print(f"\n{'registrar':<24}{'sustained reg/s':>16}{'failed %':>10}{'retrans':>9}  how it ran")
    for peak in (tongdai_peak, kamailio_peak):
        note = peak.setup
        if peak.limited_by_sipp():
            note += "; limited by SIPp, not by the server: a lower bound"
        if peak.best is None:
            print(f"{peak.registrar:<24}{'none':>16}{'':>10}{'':>9}  {note}")
        else:
            print(
                f"{peak.registrar:<24}{peak.rate:>16,.0f}{100 * peak.best.failed_ratio:>9.3f}%"
                f"{peak.best.retransmissions:>9}  {note}"
            )
    t_rate, k_rate = tongdai_peak.rate, kamailio_peak.rate
    if t_rate and k_rate:
        print(
            f"Tongdai / Kamailio: {t_rate / k_rate:.2f} (Kamailio {k_rate / t_rate:.1f}x Tongdai)"
        )
    passed = t_rate >= GOAL_RATE and bool(k_rate) and k_rate <= GOAL_FACTOR * t_rate
    caveat = " (against a lower bound for Kamailio)" if kamailio_peak.limited_by_sipp() else ""
    print(
        f"goal: >= {GOAL_RATE}/s and within {GOAL_FACTOR:.0f}x of Kamailio: "
        f"{'PASS' if passed else 'FAIL'}{caveat}"
    )
    return passed


def pin_self() -> None:
    cpus = os.sched_getaffinity(0)
    if not {SERVER_CPU, LOAD_CPU} <= cpus:
        raise BenchError(f"needs CPUs {SERVER_CPU} and {LOAD_CPU}; this process has {cpus}")
    os.sched_setaffinity(0, {LOAD_CPU})  # SIPp inherits it


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))  # so the clean-up below runs
    try:
        ensure_tools()
        pin_self()
        with tempfile.TemporaryDirectory(prefix="tongdai-bench-sip-") as tmp:
            return bench(Path(tmp))
    except (BenchError, subprocess.SubprocessError) as exc:
        print(f"sip_register: {exc}", file=sys.stderr)
        return 2


def bench(workdir: Path) -> int:
    users = make_users()
    write_injection(workdir / "users.csv", users)
    print(
        f"{len(users)} extensions {EXTENSIONS[0]}-{EXTENSIONS[-1]}; registrars on CPU "
        f"{SERVER_CPU}, SIPp on CPU {LOAD_CPU}; sustained = < {100 * MAX_FAILED:.1f}% failed, "
        f"retransmissions <= {100 * MAX_RETRANSMISSIONS:.0f}% of calls, "
        f">= {100 * MIN_COMPLETED:.0f}% of the offered rate completed; "
        f"load average before the start {os.getloadavg()[0]:.2f}"
    )
    with tongdai(workdir, users) as server:
        storm = contacts_and_storm(server, workdir)
        tongdai_peak = find_peak(server, workdir)
        print(f"Tongdai after the rate steps: {memory_line(server.pid)}")
    print_log_problems(server)
    with kamailio(workdir, users) as server:
        kamailio_peak = find_peak(server, workdir)
    passed = report(tongdai_peak, kamailio_peak)
    storm_ok = storm.failed == 0 and storm.ok == STORM_COUNT
    return 0 if passed and storm_ok else 1


if __name__ == "__main__":
    sys.exit(main())
