"""The service: one uvloop event loop running the console, the media supervisor and the store."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import signal
import socket
import ssl
import sys
import time
from pathlib import Path

import sqlite_utils
import uvicorn
import uvloop

from tongdai import __version__, acdcore
from tongdai.acd.live import LiveAcd
from tongdai.acd.queue_log import QueueLog
from tongdai.calls import dialplan, recording
from tongdai.calls.dialplan import Dialplan
from tongdai.calls.presence import Presence
from tongdai.calls.supervise import Supervisor
from tongdai.calls.switch import Switch
from tongdai.console.app import create_app
from tongdai.console.live import Wallboard
from tongdai.edge import certificate
from tongdai.edge.server import EdgeServer
from tongdai.gsm.modem import Modem
from tongdai.media import music
from tongdai.media.supervisor import MediaError, MediaSupervisor, MediaUnavailable
from tongdai.metrics import Metrics
from tongdai.prompts.library import Prompts
from tongdai.provisioning import mcast, pnp, resync
from tongdai.provisioning.files import Box
from tongdai.provisioning.http import FileServer
from tongdai.settings import Settings
from tongdai.settings_file import SettingsFile
from tongdai.store import ChangeWatcher, phones, voicemail

log = logging.getLogger("tongdai")

SHUTDOWN_BUDGET = 4.0  # seconds; SIGTERM must end everything within 5
UDP_BUFFER = 4 * 1024 * 1024


class StartError(RuntimeError):
    """The service cannot start (a port in use, say); the message says why."""


def listen(address: str, port: int, *, udp: bool = False) -> socket.socket:
    """Bind before anything starts, so a busy port is a clear error, not a half-started box."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if udp:  # room for a registration storm while the loop is busy
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_BUFFER)
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        what = "UDP" if udp else "TCP"
        raise StartError(
            f"cannot listen on {address}:{port} ({what}): {exc.strerror} (is port {port} free?)"
        ) from exc
    return sock


def bind_sockets(settings: Settings) -> dict[str, socket.socket]:
    """Every listening socket of the box: the console, and SIP over UDP, TCP and TLS."""
    out: dict[str, socket.socket] = {}
    try:
        out["HTTP"] = listen(settings.bind, settings.http_port)
        out["UDP"] = listen(settings.bind, settings.sip_port, udp=True)
        # SIP over UDP and TCP share the port number phones are told.
        out["TCP"] = listen(settings.bind, out["UDP"].getsockname()[1])
        out["TLS"] = listen(settings.bind, settings.sips_port)
    except StartError:
        for sock in out.values():
            sock.close()
        raise
    return out


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class Service:
    def __init__(
        self,
        settings: Settings,
        db: sqlite_utils.Database,
        sockets: dict[str, socket.socket],
        settings_file: SettingsFile | None = None,
    ) -> None:
        self.settings = settings
        self.settings_file = settings_file  # what the console's settings page writes
        self.sockets = sockets
        self.started = time.monotonic()
        self.acd_compiled = acdcore.COMPILED
        self.db = db
        self.metrics = Metrics()
        self.metrics.watch_db_size(settings.db_path)
        self.metrics.set_build_info(
            version=__version__, acd_core="compiled" if self.acd_compiled else "interpreted"
        )
        self.edge = EdgeServer(settings, db, sockets, tls_context(settings))
        self.metrics.watch_edge(self.edge.edge)
        self.media = MediaSupervisor(
            settings,
            on_event=self._media_event,
            on_restart=self._media_restarted,
            on_ready=lambda status: self.metrics.set_build_info(pjsip=status.pjsip or ""),
            edge=self.edge.edge.config.media_side,
            domain=self.edge.edge.config.advertise,
        )
        self.metrics.watch_media(lambda: self.media.status.up, lambda: self.media.status.engine)
        self.switch = Switch(
            self.media,
            transient=(MediaUnavailable, MediaError, TimeoutError),
            gone=(MediaUnavailable,),
        )
        # BLF keys and MWI lamps: the switch's legs and the mailboxes, told to the edge.
        self.presence = Presence(locate=self.edge.extension_at)
        self.presence.counts = functools.partial(voicemail.counts, db)
        self.presence.on_change = self.edge.state_changed
        self.edge.edge.subscriptions.source = self.presence
        self.switch.watchers.append(self.presence.channel_changed)
        self.queue_log = QueueLog(db, settings.log_dir / "queue_log")
        self.acd = LiveAcd(db, self.queue_log)
        self.metrics.watch_acd(self.acd)
        self.dialplan = Dialplan(
            self.switch,
            db,
            domain=_host_port(self.edge.edge.config.advertise, self.edge.ports["UDP"]),
            contacts=self.edge.contacts,
            ring_timeout=settings.ring_timeout,
            prompts=Prompts(
                settings.sounds_dir / "prompts",
                default_lang=settings.language,
                rate=settings.media_clock_rate,
            ),
            park_timeout=settings.park_timeout,
            acd=self.acd,
            sounds_dir=settings.sounds_dir,
            recordings_dir=settings.recordings_dir,
            timezone=settings.timezone,
        )
        self.switch.on_incoming = self.dialplan.route
        # The live wallboard and the supervisor tools (the API in console/api_live.py).
        self.supervisor = Supervisor(
            self.switch, db, self.acd, self.dialplan.queues, contacts=self.edge.contacts,
            caller_id=self.dialplan.caller_id, ring_timeout=settings.ring_timeout,
        )  # fmt: skip
        self.wallboard = Wallboard(
            self.acd, self.switch, self.presence, self.dialplan.queues, self.supervisor
        )
        self.dialplan.mailbox_listeners.append(self.presence.mailbox_changed)
        self.provisioning = FileServer(
            db, self.phone_box, settings.provisioning_window, self.edge.edge.guard
        )
        # USB modems (the `modems` setting): their status for now; calls and SMS extend them.
        self.modems = [Modem(name, port) for name, port in settings.modems]
        self.metrics.watch_modems(lambda: [m.status for m in self.modems])
        self.watcher = ChangeWatcher(self.db)
        self.watcher.subscribe(self.reload)
        self.extension_count = 0
        self.reload()
        self._stop = asyncio.Event()
        self.restart_requested = False  # the maintenance page's restart (and restore)

    async def _retention(self) -> None:
        """Delete old recordings (and the oldest when the disk runs short), now and then."""
        while True:
            s = self.settings  # each time: the console may change the limits
            try:
                await asyncio.to_thread(
                    recording.prune, s.recordings_dir, keep_days=s.recording_keep_days,
                    min_free_mb=s.recording_min_free_mb,
                )  # fmt: skip
            except Exception:
                log.exception("recording retention failed")
            await asyncio.sleep(recording.PRUNE_INTERVAL)

    async def _sounds(self) -> None:
        """Compose the music on hold on first start (about a second of CPU)."""
        path = self.settings.sounds_dir / dialplan.HOLD_MUSIC
        try:
            await asyncio.to_thread(music.ensure, path)
        except OSError as exc:
            log.error("cannot write the music on hold to %s: %s", path, exc)

    def _media_event(self, event: dict) -> None:
        self.switch.on_event(event)

    def _media_restarted(self) -> None:
        self.metrics.media_restarts.inc()
        self.switch.engine_lost()

    def reload(self) -> None:
        """Pick up configuration changed by another process (the CLI)."""
        self.extension_count = self.db["extensions"].count
        self.metrics.extensions.set(self.extension_count)
        self.edge.reload()
        with contextlib.suppress(RuntimeError):  # (before the loop runs: run() syncs)
            asyncio.get_running_loop()
            self._sync_acd()
            self._resync_phones()

    def phone_box(self) -> Box:
        """The box as provisioned phones are told about it."""
        s = self.settings
        return Box(
            host=self.edge.edge.config.advertise,
            sip_port=self.edge.ports["TLS" if s.phone_sip_transport == "tls" else "UDP"],
            transport=s.phone_sip_transport,
            http_port=self.sockets["HTTP"].getsockname()[1],
            language=s.language,
            timezone=s.timezone,
        )

    def _resync_phones(self) -> None:
        try:
            resync.run_pending(self.db, self.edge)
        except Exception:
            log.exception("phone re-sync failed")

    async def _pnp(self) -> None:
        """Answer multicast PnP SUBSCRIBEs (the provisioning_pnp setting)."""
        loop = asyncio.get_running_loop()
        try:
            sock = mcast.multicast_socket(self.edge.edge.config.advertise, self.edge.ports["UDP"])
            mcast.keep_group_out(self.sockets["UDP"])
        except OSError as exc:
            log.error("PnP: cannot join %s: %s", pnp.GROUP, exc)
            return
        listener = mcast.PnpListener(
            lambda mac: phones.get(self.db, mac) is not None, self.phone_box
        )
        transport, _ = await loop.create_datagram_endpoint(lambda: listener, sock=sock)
        log.info("PnP: answering phones on %s:%d", pnp.GROUP, self.edge.ports["UDP"])
        try:
            await asyncio.Event().wait()
        finally:
            transport.close()

    def _sync_acd(self) -> None:
        try:
            self.acd.sync()
        except Exception:
            log.exception("queues could not be loaded")

    def _https(self) -> dict[str, str]:
        """uvicorn's TLS options when the console is to serve HTTPS."""
        if not self.settings.console_https:
            return {}
        cert, key = tls_files(self.settings)
        return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}

    def request_stop(self) -> None:
        self._stop.set()

    def request_restart(self) -> None:
        """Shut down cleanly, then run again (see run() below)."""
        log.warning("restart requested")
        self.restart_requested = True
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)

        config = uvicorn.Config(
            create_app(self),
            host=self.settings.bind,
            port=self.settings.http_port,
            log_config=None,
            access_log=self.settings.log_level == "debug",
            lifespan="off",
            **self._https(),
        )
        server = _EmbeddedServer(config)
        self._sync_acd()
        self.acd.roll_daily(self.settings.timezone)
        tasks = [
            asyncio.create_task(server.serve(sockets=[self.sockets["HTTP"]]), name="http"),
            asyncio.create_task(self.media.run(), name="media"),
            asyncio.create_task(self.edge.run(), name="edge"),
            asyncio.create_task(self.watcher.run(), name="watcher"),
            asyncio.create_task(self._retention(), name="retention"),
            asyncio.create_task(self._sounds(), name="sounds"),
        ]
        if self.settings.provisioning_pnp:
            tasks.append(asyncio.create_task(self._pnp(), name="pnp"))
        for modem in self.modems:  # cancelled at shutdown with the others after the first two
            tasks.append(asyncio.create_task(modem.run(), name=f"modem {modem.status.name}"))
        stop = asyncio.create_task(self._stop.wait())
        essential = [tasks[0], tasks[2]]  # the console and the SIP edge
        done, _ = await asyncio.wait([stop, *essential], return_when=asyncio.FIRST_COMPLETED)
        for task in essential:
            if task in done and not stop.done():
                exc = task.exception()
                log.error("the %s task stopped unexpectedly", task.get_name(), exc_info=exc)
        log.info("shutting down")
        await self._shutdown(server, tasks)
        stop.cancel()

    async def _shutdown(self, server: uvicorn.Server, tasks: list[asyncio.Task]) -> None:
        server.should_exit = True
        self.dialplan.queues.close()
        self.supervisor.close()
        self.acd.close()
        await self.switch.close()
        await self.media.stop(timeout=SHUTDOWN_BUDGET * 0.6)
        _, pending = await asyncio.wait(tasks[:2], timeout=SHUTDOWN_BUDGET * 0.3)
        for task in [*pending, *tasks[2:]]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.queue_log.close()
        self.db.close()
        log.info("stopped")


def _host_port(host: str, port: int) -> str:
    host = f"[{host}]" if ":" in host else host
    return host if port == 5060 else f"{host}:{port}"


def tls_files(settings: Settings) -> tuple[Path, Path]:
    """The box's certificate and key (SIP over TLS, and the console over HTTPS when on),
    self-signed and made on first start."""
    addresses = [settings.resolved_media_address(), "127.0.0.1"]
    return certificate.ensure(settings.data_dir / "tls", addresses)


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The SIP-over-TLS context."""
    return certificate.server_context(*tls_files(settings))


def run(
    settings: Settings,
    db: sqlite_utils.Database,
    sockets: dict[str, socket.socket],
    settings_file: SettingsFile | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT, on a database already migrated and sockets already bound."""
    log.info(
        "Tongdai %s starting (ACD core %s)",
        __version__,
        "compiled" if acdcore.COMPILED else "interpreted",
    )
    service = Service(settings, db, sockets, settings_file)
    # The edge makes a few dozen short-lived containers per SIP message, so the default
    # gen-0 threshold (700) ran a collection every few messages (4% of the CPU under
    # load). Everything alive at start-up is frozen out of the collections altogether.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    uvloop.run(service.run())
    if service.restart_requested:
        # The same command line again, as the same process (a supervisor such as systemd
        # sees no exit); sockets and the data lock are close-on-exec, the media engine is
        # stopped, so the new process starts as from cold and applies a staged restore.
        logging.shutdown()
        sys.stdout.flush()
        os.execv(sys.executable, sys.orig_argv)
