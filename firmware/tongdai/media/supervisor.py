"""The main process's side of the media engine: start it, talk to it, restart it.

The engine is a child process joined by a socketpair (the control socket).
If it dies or stops answering pings, it is restarted with exponential backoff;
the registrations and the console live in the main process and never notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tongdai.media import protocol
from tongdai.settings import Settings

log = logging.getLogger("tongdai.media")
CODEC_IDS = {"PCMU": "PCMU/8000/1", "PCMA": "PCMA/8000/1", "G722": "G722/16000/1"}
engine_log = logging.getLogger("tongdai.media.engine")


class MediaUnavailable(RuntimeError):
    """The media engine is not running (starting, restarting or stopped)."""


class MediaError(RuntimeError):
    """The media engine refused a command; the message is its reason."""


@dataclass
class MediaStatus:
    up: bool = False
    pid: int | None = None
    pjsip: str | None = None
    restarts: int = 0
    last_exit: str | None = None
    engine: dict = field(default_factory=dict)  # the last ping's figures (channels, RTP)


@dataclass(frozen=True)
class Timing:
    ready_timeout: float = 30.0
    ping_interval: float = 5.0
    ping_timeout: float = 5.0
    backoff_min: float = 0.5
    backoff_max: float = 30.0
    stable_after: float = 60.0  # a run this long resets the backoff


class MediaSupervisor:
    def __init__(
        self,
        settings: Settings,
        *,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        on_restart: Callable[[], None] | None = None,
        on_ready: Callable[[MediaStatus], None] | None = None,
        timing: Timing = Timing(),
        edge: tuple[str, int] | None = None,
        domain: str | None = None,
    ) -> None:
        self.settings = settings
        # The edge's UDP address on the media side (the engine's outbound proxy) and the
        # host part of caller URIs phones are shown.
        self.edge = edge or ("127.0.0.1", settings.sip_port)
        self.domain = domain or settings.resolved_media_address()
        self.status = MediaStatus()
        self.timing = timing
        self._on_event = on_event
        self._on_restart = on_restart
        self._on_ready = on_ready
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()

    # -- commands ----------------------------------------------------------------
    async def request(self, name: str, timeout: float = 5.0, **args: Any) -> dict[str, Any]:
        if not self.status.up or self._writer is None:
            raise MediaUnavailable("media engine is not running")
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            self._writer.write(protocol.command(request_id, name, **args))
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(request_id, None)

    # -- life cycle --------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self.timing.backoff_min
        while not self._stopping.is_set():
            started = loop.time()
            try:
                self.status.last_exit = await self._run_once()
            except Exception as exc:  # a failed start is retried like a crash
                log.exception("media engine failed")
                self.status.last_exit = f"failed: {exc}"
            if self._stopping.is_set():
                break
            if loop.time() - started > self.timing.stable_after:
                delay = self.timing.backoff_min
            self.status.restarts += 1
            if self._on_restart:
                self._on_restart()
            log.warning("media engine %s; restarting in %.1f s", self.status.last_exit, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, self.timing.backoff_max)

    async def stop(self, timeout: float = 3.0) -> None:
        """Ask the engine to exit, then insist: terminate, then kill."""
        self._stopping.set()
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(MediaUnavailable, MediaError, TimeoutError, ConnectionError):
            await self.request("shutdown", timeout=timeout / 3)
        for action in (None, proc.terminate, proc.kill):
            if action:
                with contextlib.suppress(ProcessLookupError):
                    action()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), timeout / 3)
                return

    async def _run_once(self) -> str:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command(child.fileno()),
                pass_fds=[child.fileno()],
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        finally:
            child.close()
        self._proc = proc
        self.status.pid = proc.pid
        relay = asyncio.create_task(_relay_output(proc.stdout))
        reader, self._writer = await asyncio.open_unix_connection(sock=parent)
        tasks: list[asyncio.Task] = []
        try:
            ready = await asyncio.wait_for(self._read_ready(reader), self.timing.ready_timeout)
            self.status.up, self.status.pjsip = True, ready.get("pjsip")
            self._dispatch(ready)
            log.info("media engine up: pid %d, pjsip %s", proc.pid, self.status.pjsip)
            if self._on_ready:
                self._on_ready(self.status)
            tasks = [
                asyncio.create_task(self._read_loop(reader)),
                asyncio.create_task(self._ping_loop()),
                asyncio.create_task(proc.wait()),
            ]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            result = next(iter(done)).result()
            reason = result if isinstance(result, str) else "exited"
        except TimeoutError:
            reason = "did not become ready"
        finally:
            self.status.up = False
            self.status.engine = {}
            for task in tasks:
                task.cancel()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(MediaUnavailable("media engine went away"))
            self._writer.close()
            self._writer = None
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            await proc.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(relay, 1.0)
        return f"{reason} (exit status {proc.returncode})"

    def command(self, control_fd: int) -> list[str]:
        s = self.settings
        return [
            sys.executable, "-m", "tongdai.media.engine",
            "--control-fd", str(control_fd),
            "--sip-port", str(s.media_port),
            "--proxy", f"{self.edge[0]}:{self.edge[1]}",
            "--domain", self.domain,
            "--media-address", s.resolved_media_address(),
            "--rtp-ports", f"{s.rtp_ports[0]}-{s.rtp_ports[1]}",
            "--codecs", ",".join(CODEC_IDS[c] for c in s.media_codecs),
            "--clock-rate", str(s.media_clock_rate),
            "--recordings", str(s.recordings_dir.resolve()),
            "--sounds", str(s.sounds_dir.resolve()),
            "--log-level", s.log_level,
        ]  # fmt: skip

    async def _read_ready(self, reader: asyncio.StreamReader) -> dict[str, Any]:
        decoder = protocol.LineDecoder()
        while True:
            line = await reader.readline()
            if not line:
                raise TimeoutError  # exited before ready: handled as "not ready"
            for message in decoder.feed(line):
                if message.get("event") == "ready":
                    return message

    async def _read_loop(self, reader: asyncio.StreamReader) -> str:
        decoder = protocol.LineDecoder()
        try:
            while line := await reader.readline():
                for message in decoder.feed(line):
                    self._dispatch(message)
        except protocol.ProtocolError as exc:
            return f"sent a bad message ({exc})"
        except ConnectionError:
            pass
        return "closed the control socket"

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "event" in message:
            if self._on_event:
                self._on_event(message)
            return
        future = self._pending.get(message.get("id"))
        if future is None or future.done():
            return
        if message.get("ok"):
            future.set_result(message.get("result", {}))
        else:
            future.set_exception(MediaError(message.get("error", "unknown error")))

    async def _ping_loop(self) -> str:
        while True:
            await asyncio.sleep(self.timing.ping_interval)
            try:
                self.status.engine = await self.request("ping", timeout=self.timing.ping_timeout)
            except (TimeoutError, MediaUnavailable):
                return "stopped answering pings"


async def _relay_output(stream: asyncio.StreamReader | None) -> None:
    """Re-log the engine's output ("LEVEL message" lines) through our logging."""
    if stream is None:
        return
    while line := await stream.readline():
        text = line.decode(errors="replace").rstrip()
        level, _, rest = text.partition(" ")
        if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            engine_log.log(logging.getLevelName(level), "%s", rest)
        elif text:
            engine_log.info("%s", text)  # pjsip's own log lines
