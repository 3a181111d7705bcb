"""Driving pjsua2 test phones (tests/peers/pjsua_phone.py) and checking audio by tone."""

from __future__ import annotations

import math
import queue
import re
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

PHONE = Path(__file__).parent / "peers" / "pjsua_phone.py"
_rtp_ports = iter(range(40000, 60000, 100))


class Phone:
    """One test phone process; `expect()` waits for a line it prints."""

    def __init__(
        self, svc, user: str, password: str = "", transport: str = "udp", provider: int = 0
    ) -> None:
        """A phone registered with the box as `user`; with `provider` (a port), a SIP
        provider on that port calling as `user` (a caller's number)."""
        self.user = user
        self.svc = svc
        mode = ["--provider", str(provider)] if provider else [
            "--registrar", f"127.0.0.1:{svc.sip_port}", "--password", password,
            "--transport", transport,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, str(PHONE), "--user", user, *mode,
             "--rtp-port", str(next(_rtp_ports))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, command: str) -> None:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern: str, timeout: float = 10.0) -> re.Match:
        """The next line matching pattern (earlier lines are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # the box's side of the story too: a rare failure is then readable from CI
                service = getattr(self.svc, "output", lambda: "")().splitlines()[-25:]
                raise AssertionError(
                    f"phone {self.user}: no {pattern!r}; saw {self.seen[-15:]}\n"
                    "service log (last lines):\n" + "\n".join(service)
                )
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if m := rx.search(line):
                return m

    def autoanswer(self, code: int) -> None:
        """Answer calls at once with `code` from now on (acknowledged before returning,
        so a call placed next cannot find the phone still ringing as before)."""
        self.send(f"autoanswer {code}")
        self.expect(rf"^AUTOANSWER {code}$")

    def drain(self) -> list[str]:
        """Every line printed so far (those not yet expected are taken in now)."""
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return self.seen

    def registered(self, timeout: float = 15.0) -> None:
        self.expect(r"^REG 200 ", timeout)

    def quit(self) -> None:
        """Ask the phone to end, without waiting (close waits)."""
        if self.proc.poll() is None and not self.proc.stdin.closed:
            try:
                self.send("quit")
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass

    def close(self) -> None:
        if self.proc.poll() is None:
            self.quit()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def goertzel_power(samples: list[int], rate: int, freq: float) -> float:
    """Power of one frequency in a block of samples (the Goertzel algorithm)."""
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def read_wav(path: Path) -> tuple[list[int], int]:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        frames = w.readframes(w.getnframes())
        rate = w.getframerate()
    samples = [int.from_bytes(frames[i : i + 2], "little", signed=True)
               for i in range(0, len(frames), 2)]  # fmt: skip
    return samples, rate


def tone_share(
    path: Path,
    freq: float | tuple[float, ...],
    others: tuple[float, ...] = (),
    window: float = 1.0,
) -> float:
    """The largest share of the energy `freq` carries in any window of the file (a
    tuple of frequencies: their shares summed, for a melody), counting only windows
    where it beats each frequency in `others` (the sender's own tone, say).
    A tone gated 50 % on (a busy tone) scores about 0.5, a steady one about 1."""
    samples, rate = read_wav(path)
    freqs = freq if isinstance(freq, tuple) else (freq,)
    size = int(rate * window)
    best = 0.0
    for start in range(0, len(samples) - size + 1, max(1, size // 4)):
        block = samples[start : start + size]
        energy = sum(x * x for x in block)
        if energy == 0:
            continue
        # Parseval: a sine of amplitude A over N samples has power ~ (N*A/2)^2 in its bin
        # and energy N*A^2/2, so its share of the energy is 2 * power / (N * energy).
        powers = [goertzel_power(block, rate, f) for f in freqs]
        if all(max(powers) > goertzel_power(block, rate, other) for other in others):
            best = max(best, 2 * sum(powers) / (len(block) * energy))
    return best


def tone_found(
    path: Path,
    freq: float | tuple[float, ...],
    others: tuple[float, ...] = (),
    min_share=0.5,
    window: float = 1.0,
) -> bool:
    share = tone_share(path, freq, others, window)
    if share < min_share:
        print(f"{path.name}: {freq} Hz carries at most {share:.2f} of a window's energy")
    return share >= min_share
