"""Shared fixtures: free loopback ports, a data directory, and running `tongdai` for real."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ("callbox", "consolebox", "browserbox")  # a box with phones; a console; Chromium


def _stale_compiled_modules() -> list[str]:
    """Compiled modules older than their Python source: they would be tested instead of it."""
    stale = []
    for so in (ROOT / "firmware" / "tongdai").glob("*/*.so"):
        for suffix in (".py", ".pyx"):
            source = so.with_name(so.name.split(".", 1)[0] + suffix)
            if source.exists() and source.stat().st_mtime > so.stat().st_mtime:
                stale.append(str(source.relative_to(ROOT)))
    return stale


if _stale_compiled_modules():
    raise pytest.UsageError(
        "compiled modules are older than their source; run `make ext` first: "
        + ", ".join(_stale_compiled_modules())
    )


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free for both TCP and UDP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        other = socket.SOCK_DGRAM if kind == socket.SOCK_STREAM else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def free_port_range(size: int = 100) -> tuple[int, int]:
    """An even-based range of UDP ports, for RTP."""
    base = 20000 + (os.getpid() % 200) * 200
    return base, base + size - 1


def tongdai_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGDAI_")}
    env.update(extra)
    return env


def tongdai_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tongdai", *args]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


def pjsua2_available() -> bool:
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        return False
    return True


needs_pjsua2 = pytest.mark.skipif(
    not pjsua2_available(), reason="pjsua2 is not built (make pjsua2)"
)


class RunningService:
    """`tongdai run` as a real subprocess on free loopback ports."""

    def __init__(self, data_dir: Path, like: RunningService | None = None, **env: str) -> None:
        """Start on fresh free ports, or on the ports of an earlier (stopped) service."""
        self.data_dir = data_dir
        self.http_port = like.http_port if like else free_port()
        self.media_port = like.media_port if like else free_port(socket.SOCK_DGRAM)
        self.sip_port = like.sip_port if like else free_port()
        self.sips_port = like.sips_port if like else free_port()
        lo, hi = free_port_range()
        self.env = tongdai_env(TONGDAI_LOG_LEVEL="info", **env)
        self.args = tongdai_cmd(
            "run",
            "--bind",
            "127.0.0.1",
            "--data-dir",
            str(data_dir),
            "--http-port",
            str(self.http_port),
            "--sip-port",
            str(self.sip_port),
            "--sips-port",
            str(self.sips_port),
            "--media-port",
            str(self.media_port),
            "--rtp-ports",
            f"{lo}-{hi}",
        )
        self.log_path = (
            data_dir.parent / f"service-output-{self.http_port}-{time.monotonic_ns()}.log"
        )
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=data_dir.parent,
        )
        self.url = f"http://127.0.0.1:{self.http_port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, **kw) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5, **kw)

    def wait_healthy(self, timeout: float = 30.0, *, status: int = 200) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited {self.proc.returncode}:\n{self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                r = self.get("/healthz")
                last = r.json()
                if r.status_code == status:
                    return last
            time.sleep(0.1)
        raise AssertionError(f"not healthy within {timeout}s: {last}\n{self.output()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
        return self.proc.returncode


@pytest.fixture
def service_factory(data_dir: Path):
    started: list[RunningService] = []

    def start(like: RunningService | None = None, **env: str) -> RunningService:
        svc = RunningService(data_dir, like, **env)
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.stop()


def have(program: str) -> bool:
    return shutil.which(program) is not None
