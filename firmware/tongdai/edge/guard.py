"""Protection against scanners and password guessing: rate limits, failure bans, bad agents.

Sans-I/O: the edge asks before handling anything from an address and reports
failed logins; times are passed in (UNIX seconds, so bans can be persisted).
"""

from __future__ import annotations

import collections
import dataclasses
import re

# User-Agent strings of well-known SIP scanners (SIPVicious and its forks, sipcli, ...).
SCANNER_RE = re.compile(
    r"friendly-scanner|sipvicious|sipcli|sip-scan|sipscan|sundayddr|iwar|"
    r"pplsip|smap|vaxipuseragent",
    re.I,
)
AGENT_CACHE_SIZE, AGENT_CACHE_LENGTH = 1024, 256  # User-Agent strings remembered, their size


@dataclasses.dataclass(frozen=True)
class GuardConfig:
    rate: float = 100.0  # requests per second per address (0: no limit)
    burst: float = 200.0
    failures: int = 10  # this many failed logins ...
    window: float = 60.0  # ... within this many seconds ...
    ban_seconds: float = 3600.0  # ... ban the address this long


class Guard:
    def __init__(self, config: GuardConfig = GuardConfig()) -> None:
        self.config = config
        self.bans: dict[str, tuple[float, str]] = {}  # address -> (until, reason)
        self._buckets: dict[str, list[float]] = {}  # address -> [tokens, last time]
        self._failures: dict[str, collections.deque[float]] = {}
        self._last_prune = 0.0
        self._agents: dict[str, bool] = {}  # User-Agent -> is a scanner
        self.dropped = collections.Counter()

    def allow(self, address: str, now: float) -> bool:
        """Whether to look at a packet from this address at all."""
        ban = self.bans.get(address)
        if ban is not None:
            if ban[0] > now:
                self.dropped["banned"] += 1
                return False
            del self.bans[address]
        rate = self.config.rate
        if rate <= 0:
            return True
        bucket = self._buckets.get(address)
        if bucket is None:
            self._buckets[address] = [self.config.burst - 1, now]
            if now - self._last_prune > 60:
                self._prune(now)
            return True
        tokens = min(self.config.burst, bucket[0] + max(0.0, now - bucket[1]) * rate)
        bucket[1] = now
        if tokens < 1:
            bucket[0] = tokens
            self.dropped["rate"] += 1
            return False
        bucket[0] = tokens - 1
        return True

    def is_scanner(self, user_agent: str | None) -> bool:
        if not user_agent:
            return False
        # Phones repeat their User-Agent in every request: remember the regex's answer.
        scanner = self._agents.get(user_agent)
        if scanner is None:
            scanner = SCANNER_RE.search(user_agent) is not None
            if len(user_agent) <= AGENT_CACHE_LENGTH:
                if len(self._agents) >= AGENT_CACHE_SIZE:
                    self._agents.clear()
                self._agents[user_agent] = scanner
        if scanner:
            self.dropped["scanner"] += 1
        return scanner

    def auth_failed(self, address: str, now: float) -> bool:
        """Count a failed login; True when this one got the address banned."""
        times = self._failures.setdefault(address, collections.deque())
        times.append(now)
        while times and times[0] <= now - self.config.window:
            times.popleft()
        if len(times) >= self.config.failures:
            del self._failures[address]
            self.ban(address, now + self.config.ban_seconds, "failed logins")
            return True
        return False

    def ban(self, address: str, until: float, reason: str) -> None:
        self.bans[address] = (until, reason)
        self._buckets.pop(address, None)

    def replace_bans(self, bans: dict[str, tuple[float, str]]) -> None:
        """Take the persisted list (after a change made elsewhere, such as the CLI)."""
        self.bans = dict(bans)

    def _prune(self, now: float) -> None:
        """Forget idle addresses so a scan of many addresses cannot grow memory for ever."""
        self._last_prune = now
        idle = now - max(self.config.window, self.config.burst / max(self.config.rate, 1e-9))
        self._buckets = {a: b for a, b in self._buckets.items() if b[1] > idle}
        self._failures = {a: t for a, t in self._failures.items() if t and t[-1] > idle}
        self.bans = {a: b for a, b in self.bans.items() if b[0] > now}
