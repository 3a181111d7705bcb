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

    def watch_media(self, up: Callable[[], bool]) -> None:
        self.media_up.set_function(lambda: 1.0 if up() else 0.0)
