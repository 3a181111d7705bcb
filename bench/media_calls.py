"""Bridged calls with RTP through the box: how many it holds, at what cost.

What it measures, with SIPp as both ends (bench/sipp/load_caller.xml, load_agent.xml):

* A "provider" (a trunk matched by host and port) calls a DID routed to extension 2001,
  recorded always. Each call sends G.711 RTP (a tone) from the caller for its whole
  length. Extension 2001 is a second SIPp that registers, then answers every call on
  its RTP echo port: what the box sends comes back. So each call is two legs through
  the media engine's bridge, RTP both ways on both, and one mixed WAV being written.
* The number of calls held at once is stepped up (STEPS). In each step the calls are
  placed at SETUP_RATE per second, held, and over a MEASURE_SECONDS window with all of
  them up the script reads from the box's /metrics the RTP packets its legs received
  and lost (RTCP receiver figures, per the engine), the CPU the service used (main
  process and media engine), and their memory (VmRSS, summed). A step holds when all
  calls were answered and under MAX_LOSS of the packets were lost.
* Post-dial delay: SIPp's time from sending the INVITE to receiving 180 Ringing
  (-trace_rtt). It is the box's INVITE in -> INVITE out to the extension, plus the
  extension's 180 coming back the same way, so an upper bound of the post-dial delay.
* The peer: nothing in Debian 12 is a PBX to run beside Tongdai (no Asterisk or
  FreeSWITCH packages), so the peer figure here is SIPp's own echo-and-stream load on
  the same machine: the CPU SIPp used per call, so the box's cost reads against the
  cost of merely producing and echoing the same RTP.

Goal (issue 4): at least 100 concurrent bridged calls with recording under 1% loss,
post-dial delay p99 under 50 ms, the whole service under 150 MB. Memory is judged by
PSS summed over the main process and the engine (the pages they share, such as the
interpreter's, counted once); the summed RSS is printed beside it.

    .venv/bin/python bench/media_calls.py     (or: make bench-media)
    BENCH_KEEP=1 ...                          keeps the working directory (logs, traces)

Only 127.0.0.1 is used; every wait has a time limit; the service and SIPp are stopped
and the temporary directory removed on the way out. Exit status: 0 goal met, 1 not,
2 could not run.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sip_register import (
    ADDRESS,
    VENV_PYTHON,
    BenchError,
    cpu_seconds,
    free_port,
    proc_kib,
    process_tree,
    rss_kib,
    stop,
    tail,
    wait_healthy,
)
from tongdai import __version__
from tongdai.store import extensions, open_db, routes, trunks

HERE = Path(__file__).resolve().parent
CALLER = HERE / "sipp" / "load_caller.xml"
AGENT = HERE / "sipp" / "load_agent.xml"
REGISTER = HERE.parent / "tests" / "sipp" / "register.xml"
STEPS = (25, 50, 100, 150, 200, 250)  # the engine holds 512 legs (config_site.h)
SETUP_RATE = 20  # calls per second while a step's calls are placed
MEASURE_SECONDS = 12.0
MAX_LOSS = 0.01
GOAL_CALLS, GOAL_PDD_MS, GOAL_RSS_MB = 100, 50.0, 150.0
DID, EXTENSION = "02873001234", "2001"


@dataclass
class Step:
    calls: int
    answered: int  # calls up when the step was measured (legs / 2, at most `calls`)
    completed: bool  # SIPp's exit status: every call set up, held and ended cleanly
    received: int
    lost: int
    cpu: float  # of one core, the service (main process and media engine)
    engine_cpu: float  # of one core, the media engine's share of it
    sipp_cpu: float  # of one core, both SIPp processes
    rss_mb: float  # summed over the processes (shared pages counted in each)
    pss_mb: float  # summed proportional set size: shared pages counted once
    engine_rss_mb: float  # the media engine's part of rss_mb
    pdd_ms: list[float]

    @property
    def loss(self) -> float:
        return self.lost / max(1, self.received + self.lost)

    @property
    def held(self) -> bool:
        return (self.completed and self.answered >= self.calls and self.received > 0
                and self.loss < MAX_LOSS)  # fmt: skip

    def pdd(self, q: float) -> float:
        ordered = sorted(self.pdd_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def pss_kib(pid: int) -> int:
    return proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def ensure_tools() -> None:
    missing = [t for t in ("sipp", "sox") if shutil.which(t) is None]
    if missing and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "sip-tester", "sox"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    elif missing:
        raise BenchError(f"needs {', '.join(missing)} (Debian packages sip-tester, sox)")


@contextlib.contextmanager
def box(workdir: Path, provider_port: int) -> Iterator[tuple[subprocess.Popen, str, int]]:
    """The service with the trunk, the route and extension 2001; yields (process,
    metrics URL, SIP port) and the extension's secret is written to users.csv."""
    data = workdir / "data"
    data.mkdir()
    secret = secrets.token_hex(8)
    db = open_db(data / "tongdai.db")
    extensions.add(db, EXTENSION, secret=secret)
    trunks.add(db, "loadgen", host=ADDRESS, port=provider_port, match_port=True)
    routes.add_inbound(db, DID, f"extension:{EXTENSION}", recording="always")
    db.close()
    (workdir / "users.csv").write_text(
        f"SEQUENTIAL\n{EXTENSION};[authentication username={EXTENSION} password={secret}]\n"
    )
    http, sip, sips, media = (free_port() for _ in range(4))
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    cmd = [
        python, "-m", "tongdai", "run", "--bind", ADDRESS, "--data-dir", str(data),
        "--http-port", str(http), "--sip-port", str(sip), "--sips-port", str(sips),
        "--media-port", str(media), "--rtp-ports", "30000-31999",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGDAI_")}
    env.update(TONGDAI_SIP_RATE_LIMIT="0", TONGDAI_SIP_QUALIFY_INTERVAL="0",
               TONGDAI_ADMIN_PASSWORD="bench-" + secrets.token_hex(12))  # fmt: skip
    log = workdir / "tongdai.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=workdir,
                                env=env)  # fmt: skip
    try:
        wait_healthy(proc, f"http://{ADDRESS}:{http}/healthz", log)
        deadline = time.monotonic() + 30
        while _metric(f"http://{ADDRESS}:{http}/metrics", "tongdai_media_up") != 1:
            if time.monotonic() > deadline:
                raise BenchError(f"the media engine did not come up:\n{tail(log)}")
            time.sleep(0.3)
        yield proc, f"http://{ADDRESS}:{http}/metrics", sip
    finally:
        stop(proc, grace=15)


def _metric(url: str, name: str) -> float:
    with urllib.request.urlopen(url, timeout=5) as resp:
        text = resp.read().decode()
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def _rtp(url: str) -> tuple[int, int]:
    return (int(_metric(url, "tongdai_rtp_packets_received_total")),
            int(_metric(url, "tongdai_rtp_packets_lost_total")))  # fmt: skip


@contextlib.contextmanager
def agent(workdir: Path, sip_port: int) -> Iterator[subprocess.Popen]:
    """Extension 2001: register from a fixed port, then answer calls there (RTP echo)."""
    port, echo = free_port(), free_port()
    reg = subprocess.run(
        ["sipp", f"{ADDRESS}:{sip_port}", "-sf", str(REGISTER), "-inf",
         str(workdir / "users.csv"), "-i", ADDRESS, "-p", str(port), "-m", "1", "-nostdin",
         "-timeout", "20s", "-timeout_error"],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=40,
    )  # fmt: skip
    if reg.returncode != 0:
        raise BenchError(f"extension {EXTENSION} did not register (SIPp exit {reg.returncode})")
    with (workdir / "agent.out").open("wb") as out:
        proc = subprocess.Popen(
            ["sipp", "-sf", str(AGENT), "-i", ADDRESS, "-p", str(port), "-mi", ADDRESS,
             "-rtp_echo", "-mp", str(echo), "-nostdin", "-buff_size", str(4 << 20)],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise BenchError(f"the agent SIPp exited:\n{tail(workdir / 'agent.out')}")
        yield proc
    finally:
        stop(proc, grace=5)


def run_step(workdir: Path, calls: int, sip_port: int, provider_port: int, metrics: str,
             service: int, agent_pid: int) -> Step:  # fmt: skip
    """Place `calls` calls, measure while all are up, and let them end."""
    setup = calls / SETUP_RATE
    hold_ms = int((setup + 4 + MEASURE_SECONDS + 2) * 1000)
    rtt_dir = workdir / f"step-{calls}"
    rtt_dir.mkdir()
    (rtt_dir / "tone.wav").symlink_to(workdir / "tone.wav")  # the scenario streams it
    cmd = [
        "sipp", f"{ADDRESS}:{sip_port}", "-sf", str(CALLER), "-s", DID,
        "-i", ADDRESS, "-p", str(provider_port), "-mi", ADDRESS, "-r", str(SETUP_RATE),
        "-m", str(calls), "-l", str(calls), "-d", str(hold_ms), "-trace_rtt", "-rtt_freq", "1",
        "-nostdin", "-trace_err", "-buff_size", str(4 << 20),
        "-timeout", f"{hold_ms / 1000 + 60:.0f}s", "-mp", "40000",
    ]  # fmt: skip
    with (rtt_dir / "caller.out").open("wb") as out:
        caller = subprocess.Popen(cmd, cwd=rtt_dir, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        # all calls placed and answered (two legs each), then a moment to settle
        deadline = time.monotonic() + setup + 20
        while _metric(metrics, "tongdai_media_channels") < 2 * calls:
            if time.monotonic() > deadline or caller.poll() is not None:
                break
            time.sleep(0.5)
        # legs of the last step's calls may still be ending: never count more than placed
        answered = min(calls, int(_metric(metrics, "tongdai_media_channels")) // 2)
        time.sleep(5.5)  # the engine's figures come with its pings (every 5 s)
        tree = process_tree(service)
        sipps = [caller.pid, agent_pid]
        rx0, lost0 = _rtp(metrics)
        engine = tree[1:]
        cpu0, eng0, sipp0 = cpu_seconds(tree), cpu_seconds(engine), cpu_seconds(sipps)
        t0 = time.monotonic()
        time.sleep(MEASURE_SECONDS)
        rss = sum(rss_kib(pid) for pid in process_tree(service)) / 1024
        pss = sum(pss_kib(pid) for pid in process_tree(service)) / 1024
        engine_rss = sum(rss_kib(pid) for pid in process_tree(service)[1:]) / 1024
        cpu1, eng1, sipp1 = cpu_seconds(tree), cpu_seconds(engine), cpu_seconds(sipps)
        t1 = time.monotonic()
        rx1, lost1 = _rtp(metrics)
        completed = caller.wait(timeout=hold_ms / 1000 + 90) == 0
    finally:
        stop(caller, grace=5)
    pdd = []
    for rtt in rtt_dir.glob("*_rtt.csv"):
        for line in rtt.read_text().splitlines()[1:]:
            fields = line.split(";")
            if len(fields) >= 3 and fields[2].strip() == "1":
                pdd.append(float(fields[1]))
    span = t1 - t0
    return Step(calls, answered, completed, rx1 - rx0, lost1 - lost0, (cpu1 - cpu0) / span,
                (eng1 - eng0) / span, (sipp1 - sipp0) / span, rss, pss, engine_rss,
                pdd)  # fmt: skip


def bench(workdir: Path) -> int:
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", str(workdir / "tone.wav"),
                    "synth", "30", "sine", "1000", "vol", "0.3"], check=True)  # fmt: skip
    provider_port = free_port()
    print(f"Tongdai {__version__}: calls from a SIPp provider to extension {EXTENSION} (SIPp,"
          f" RTP echo), recorded; placed at {SETUP_RATE}/s, measured over {MEASURE_SECONDS:.0f} s"
          f" with all up; load average before the start {os.getloadavg()[0]:.2f}")  # fmt: skip
    steps: list[Step] = []
    with box(workdir, provider_port) as (proc, metrics, sip_port):
        tree = process_tree(proc.pid)
        idle = sum(rss_kib(pid) for pid in tree) / 1024
        idle_pss = sum(pss_kib(pid) for pid in tree) / 1024
        print(f"idle: service RSS {idle:.0f} MB, PSS {idle_pss:.0f} MB (main process and media"
              " engine)")  # fmt: skip
        with agent(workdir, sip_port) as agent_proc:
            for calls in STEPS:
                step = run_step(workdir, calls, sip_port, provider_port, metrics, proc.pid,
                                agent_proc.pid)  # fmt: skip
                steps.append(step)
                print(
                    f"  {calls:4d} calls: {step.answered:4d} up, RTP {step.received:7d} in,"
                    f" {step.lost:5d} lost ({100 * step.loss:.2f}%); service CPU"
                    f" {100 * step.cpu:5.1f}% (engine {100 * step.engine_cpu:.0f}%;"
                    f" {100 * step.cpu / calls:.2f}%/call), SIPp"
                    f" {100 * step.sipp_cpu:5.1f}% ({100 * step.sipp_cpu / calls:.2f}%/call);"
                    f" RSS {step.rss_mb:.0f} MB (engine {step.engine_rss_mb:.0f}; PSS"
                    f" {step.pss_mb:.0f});"
                    f" INVITE->180 p50 {step.pdd(0.5):.1f} ms,"
                    f" p99 {step.pdd(0.99):.1f} ms  {'held' if step.held else 'NOT held'}"
                    f"{'' if step.completed else ' (SIPp reported failed calls)'}"
                )
                if not step.held:
                    break
                time.sleep(3)  # calls torn down, files closed
    return report(steps)


def report(steps: list[Step]) -> int:
    held = [s for s in steps if s.held]
    print()
    if not held:
        print("no step held: goal not met")
        return 1
    best = max(held, key=lambda s: s.calls)
    print(f"held: {best.calls} concurrent bridged, recorded calls under {100 * MAX_LOSS:.0f}% "
          f"loss; service CPU {100 * best.cpu / best.calls:.2f}% of a core per call "
          f"(SIPp producing and echoing the same RTP: "
          f"{100 * best.sipp_cpu / best.calls:.2f}%)")  # fmt: skip
    goal = next((s for s in held if s.calls == GOAL_CALLS), None)
    if goal is None:
        print(f"goal: {GOAL_CALLS} calls were not held: FAIL")
        return 1
    # The service's memory is its PSS summed: the RSS sum counts the pages the main
    # process and the engine share (the interpreter, libc) once for each.
    ok = goal.pdd(0.99) < GOAL_PDD_MS and goal.pss_mb < GOAL_RSS_MB
    print(f"at {GOAL_CALLS} calls: INVITE->180 p99 {goal.pdd(0.99):.1f} ms (goal < "
          f"{GOAL_PDD_MS:.0f}), memory {goal.pss_mb:.0f} MB PSS (goal < {GOAL_RSS_MB:.0f}; RSS "
          f"summed {goal.rss_mb:.0f}): {'PASS' if ok else 'FAIL'}")  # fmt: skip
    return 0 if ok else 1


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    try:
        ensure_tools()
        if os.environ.get("BENCH_KEEP"):  # keep the logs and SIPp traces to look at
            tmp = tempfile.mkdtemp(prefix="tongdai-bench-media-")
            print(f"working in {tmp} (kept)")
            return bench(Path(tmp))
        with tempfile.TemporaryDirectory(prefix="tongdai-bench-media-") as tmp:
            return bench(Path(tmp))
    except (BenchError, subprocess.SubprocessError) as exc:
        print(f"media_calls: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
