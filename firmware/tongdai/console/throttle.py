"""Login rate limiting: after 10 failures from one address within 5 minutes, that address
gets 429 for 15 minutes, whatever it sends (a right password included)."""

from __future__ import annotations

import time
from collections import deque

FAILURES = 10
WINDOW = 5 * 60.0
LOCKOUT = 15 * 60.0
MAX_ADDRESSES = 10_000  # bounds the memory a scan from many addresses can take


class LoginThrottle:
    def __init__(self, *, clock=time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked: dict[str, float] = {}  # address -> until

    def locked_for(self, address: str) -> float:
        """Seconds the address remains locked out (0: it may try)."""
        until = self._locked.get(address)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._locked[address]
            return 0.0
        return left

    def failed(self, address: str) -> bool:
        """Count a failure; True when it locks the address out."""
        now = self.clock()
        times = self._failures.get(address)
        if times is None:
            if len(self._failures) >= MAX_ADDRESSES:
                self._forget_stale(now)
            times = self._failures[address] = deque()
        times.append(now)
        while times and now - times[0] > WINDOW:
            times.popleft()
        if len(times) >= FAILURES:
            del self._failures[address]
            self._locked[address] = now + LOCKOUT
            return True
        return False

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def _forget_stale(self, now: float) -> None:
        for address in [a for a, t in self._failures.items() if now - t[-1] > WINDOW]:
            del self._failures[address]
        if len(self._failures) >= MAX_ADDRESSES:  # all fresh: drop the oldest
            oldest = min(self._failures, key=lambda a: self._failures[a][-1])
            del self._failures[oldest]
