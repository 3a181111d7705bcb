"""Prometheus metrics (names follow CONVENTIONS.md B4 with the tongdai_ prefix)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

disable_created_metrics()


class Metrics:
    """One registry per service, so tests can run several services in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        r = self.registry
        self.build_info = Info("tongdai_build", "Versions of the running firmware", registry=r)
        self._versions: dict[str, str] = {}
        self.media_up = Gauge("tongdai_media_up", "1 while the media engine answers", registry=r)
        self.media_restarts = Counter(
            "tongdai_media_restarts_total", "Restarts of the media engine process", registry=r
        )
        self.extensions = Gauge("tongdai_extensions", "Configured extensions", registry=r)
        self.db_size = Gauge("tongdai_db_size_bytes", "Size of the SQLite database", registry=r)

    def set_build_info(self, **versions: str) -> None:
        self._versions.update(versions)
        self.build_info.info(self._versions)

    def watch_db_size(self, path: os.PathLike) -> None:
        def size() -> float:
            total = 0
            for suffix in ("", "-wal"):
                with contextlib.suppress(FileNotFoundError):
                    total += os.stat(f"{os.fspath(path)}{suffix}").st_size
            return total

        self.db_size.set_function(size)

    def watch_edge(self, edge) -> None:
        self.registry.register(_EdgeCollector(edge))

    def watch_acd(self, acd) -> None:
        """Queues' callers, agents by state and outcomes, read from the live ACD."""
        self.registry.register(_AcdCollector(acd))

    def watch_modems(self, statuses: Callable[[], list]) -> None:
        """Each USB modem's state, registration and signal (gsm.modem.ModemStatus)."""
        self.registry.register(_ModemCollector(statuses))

    def watch_media(self, up: Callable[[], bool], figures: Callable[[], dict]) -> None:
        """The engine's state, and its last ping's figures (channels, RTP packets)."""
        self.media_up.set_function(lambda: 1.0 if up() else 0.0)
        self.registry.register(_MediaCollector(figures))


class _MediaCollector:
    def __init__(self, figures: Callable[[], dict]) -> None:
        self.figures = figures

    def describe(self):
        return []

    def collect(self):
        f = self.figures()
        yield GaugeMetricFamily(
            "tongdai_media_channels", "Call legs in the media engine", value=f.get("channels", 0)
        )
        # Since the engine last started (a restart resets them, as counters may).
        yield CounterMetricFamily(
            "tongdai_rtp_packets_received", "RTP packets received on all call legs",
            value=f.get("rtp_received", 0),
        )  # fmt: skip
        yield CounterMetricFamily(
            "tongdai_rtp_packets_lost", "RTP packets lost on the way in (RTCP receiver figures)",
            value=f.get("rtp_lost", 0),
        )  # fmt: skip


class _ModemCollector:
    def __init__(self, statuses: Callable[[], list]) -> None:
        self.statuses = statuses

    def describe(self):
        return []

    def collect(self):
        up = GaugeMetricFamily(
            "tongdai_gsm_modem_up", "1 while the modem answers on its port", labels=["modem"]
        )
        registered = GaugeMetricFamily(
            "tongdai_gsm_registered", "1 while the modem is registered with a mobile network",
            labels=["modem"],
        )  # fmt: skip
        signal = GaugeMetricFamily(
            "tongdai_gsm_signal_dbm", "Received signal strength (AT+CSQ)", labels=["modem"]
        )
        for s in self.statuses():
            up.add_metric([s.name], 1.0 if s.up else 0.0)
            registered.add_metric([s.name], 1.0 if s.registered else 0.0)
            if s.signal_dbm is not None:  # unknown is absent, not a made-up figure
                signal.add_metric([s.name], s.signal_dbm)
        yield from (up, registered, signal)


class _AcdCollector:
    OUTCOMES = ("answered", "abandoned", "timed_out", "left_empty", "refused", "callbacks")

    def __init__(self, acd) -> None:
        self.acd = acd

    def describe(self):
        return []

    def collect(self):
        callers = GaugeMetricFamily("tongdai_queue_callers", "Callers waiting", labels=["queue"])
        longest = GaugeMetricFamily(
            "tongdai_queue_longest_wait_seconds", "Longest wait now", labels=["queue"]
        )
        agents = GaugeMetricFamily(
            "tongdai_queue_agents", "Member agents by state", labels=["queue", "state"]
        )
        calls = CounterMetricFamily(
            "tongdai_queue_calls", "Calls that left the queue, by outcome",
            labels=["queue", "outcome"],
        )  # fmt: skip
        level = GaugeMetricFamily(
            "tongdai_queue_service_level_ratio",
            "Answered within the queue's service-level time, of today's counted calls",
            labels=["queue"],
        )
        for name, today, total in self.acd.numbers():
            callers.add_metric([name], today["waiting"])
            longest.add_metric([name], today["longest_wait"])
            for state, n in today["agents"].items():
                agents.add_metric([name, state], n)
            for outcome in self.OUTCOMES:
                calls.add_metric([name, outcome], total[outcome])
            if today["service_level"] is not None:
                level.add_metric([name], today["service_level"])
        yield from (callers, longest, agents, calls, level)


class _EdgeCollector:
    """SIP figures read from the edge's plain counters at scrape time (cheap on the hot path)."""

    def __init__(self, edge) -> None:
        self.edge = edge

    def describe(self):
        return []

    def collect(self):
        stats, edge = self.edge.stats, self.edge
        requests = CounterMetricFamily(
            "tongdai_sip_requests", "SIP requests received", labels=["method"]
        )
        for method, n in sorted(stats.requests.items()):
            requests.add_metric([method], n)
        yield requests
        responses = CounterMetricFamily(
            "tongdai_sip_responses", "SIP responses sent by the edge", labels=["method", "class"]
        )
        for (method, cls), n in sorted(stats.responses.items()):
            responses.add_metric([method, cls], n)
        yield responses
        dropped = CounterMetricFamily(
            "tongdai_sip_dropped", "SIP packets dropped unanswered", labels=["reason"]
        )
        for reason, n in sorted({**edge.guard.dropped, "malformed": stats.malformed}.items()):
            dropped.add_metric([reason], n)
        yield dropped
        yield CounterMetricFamily(
            "tongdai_sip_auth_failures", "Failed SIP logins", value=stats.auth_failures
        )
        yield GaugeMetricFamily(
            "tongdai_sip_registrations", "Registered contacts", value=edge.location.count
        )
        yield GaugeMetricFamily(
            "tongdai_sip_bans", "Addresses banned from SIP now", value=len(edge.guard.bans)
        )
        subscriptions = GaugeMetricFamily(
            "tongdai_subscriptions", "Subscriptions the edge serves (BLF, MWI)", labels=["event"]
        )
        for event in ("dialog", "message-summary"):
            subscriptions.add_metric([event], edge.subscriptions.count(event))
        yield subscriptions
        trunks = GaugeMetricFamily(
            "tongdai_sip_trunk_registered",
            "1 while the box is registered with the trunk's provider",
            labels=["trunk"],
        )
        for name, registration in sorted(edge.trunk_registrations.items()):
            trunks.add_metric([name], 1.0 if registration.registered else 0.0)
        yield trunks
