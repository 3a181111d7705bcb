"""Digest authentication (RFC 3261 22, RFC 7616, RFC 8760: MD5 and SHA-256, qop=auth).

Server side: nonces carry their own timestamp and an HMAC, so issuing one
stores nothing; only the nonce-counts of nonces in use are remembered (a
bounded map) to refuse replays. Client side: answering a provider's
challenge when the edge registers to a trunk.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import itertools
import os
import struct
from collections import OrderedDict
from collections.abc import Callable

from tongdai.sip.grammar import quote

HASHES = {
    "MD5": lambda data: hashlib.md5(data).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}
NONCE_TTL = 300.0  # seconds a nonce is good for before the client is told it is stale
_NONCE = struct.Struct(">Q8s")  # milliseconds, random
_MAC_LEN = 12
_DUMMY_PASSWORD = os.urandom(16).hex()


class Outcome(enum.Enum):
    OK = "ok"
    MISSING = "missing"  # no usable credentials: challenge
    STALE = "stale"  # right password, old or reused nonce: challenge with stale=true
    FAILED = "failed"  # wrong password or unknown user: the same answer for both


class Verdict:
    """Read-only. Compiled, it is an extension type (digest.pxd): one per digest check."""

    __slots__ = ("outcome", "username")

    def __init__(self, outcome: Outcome, username: str | None = None) -> None:
        self.outcome = outcome
        self.username = username

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (self.outcome, self.username) == (other.outcome, other.username)

    def __hash__(self) -> int:
        return hash((self.outcome, self.username))

    def __repr__(self) -> str:
        return f"Verdict(outcome={self.outcome!r}, username={self.username!r})"


class DigestServer:
    def __init__(
        self,
        realm: str,
        *,
        key: bytes | None = None,
        algorithms: tuple[str, ...] = ("SHA-256", "MD5"),
        nonce_ttl: float = NONCE_TTL,
        max_tracked: int = 16384,
    ) -> None:
        for alg in algorithms:
            if alg not in HASHES:
                raise ValueError(f"unknown digest algorithm {alg}")
        self.realm = realm
        self.algorithms = algorithms
        self.nonce_ttl = nonce_ttl
        # Keyed BLAKE2b is a MAC (RFC 7693 section 2.8), several times cheaper than HMAC. The
        # key is per process: a restart makes old nonces stale. Each MAC starts from a copy
        # of this state, which has hashed the key block already.
        self._mac_state = hashlib.blake2b(
            key=key or os.urandom(32), digest_size=_MAC_LEN, person=b"tongdai-nonce"
        )
        self._serial = itertools.count(int.from_bytes(os.urandom(4), "big"))
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._max_tracked = max_tracked

    def _mac(self, raw: bytes) -> bytes:
        mac = self._mac_state.copy()
        mac.update(raw)
        return mac.digest()

    def nonce(self, now: float) -> str:
        # Unique rather than secret: the MAC is what a client cannot forge.
        raw = _NONCE.pack(int(now * 1000), next(self._serial).to_bytes(8, "big"))
        return (raw + self._mac(raw)).hex()

    def _nonce_time(self, nonce: str) -> float | None:
        """The time a nonce of ours was issued, or None if it is not ours."""
        if len(nonce) != 2 * (_NONCE.size + _MAC_LEN):
            return None
        try:
            blob = bytes.fromhex(nonce)
        except ValueError:
            return None
        raw, mac = blob[: _NONCE.size], blob[_NONCE.size :]
        if not hmac.compare_digest(mac, self._mac(raw)):
            return None
        return _NONCE.unpack(raw)[0] / 1000

    def challenges(self, now: float, *, stale: bool = False) -> list[str]:
        """WWW-Authenticate / Proxy-Authenticate values, one per algorithm, preferred first."""
        nonce = self.nonce(now)
        tail = ", stale=true" if stale else ""
        return [
            f'Digest realm={quote(self.realm)}, nonce="{nonce}", algorithm={alg}, qop="auth"{tail}'
            for alg in self.algorithms
        ]

    def verify(
        self,
        params: dict[str, str] | None,
        method: str,
        now: float,
        password_for: Callable[[str], str | None],
    ) -> Verdict:
        """Check credentials already split by `parse_credentials` (None: none were sent)."""
        if not params or params.get("realm") != self.realm:
            return Verdict(Outcome.MISSING)
        algorithm = params.get("algorithm", "MD5").upper()
        if algorithm not in self.algorithms:
            return Verdict(Outcome.MISSING)
        try:
            username, nonce = params["username"], params["nonce"]
            uri, response = params["uri"], params["response"]
            cnonce, nc_text = params["cnonce"], params["nc"]
        except KeyError:
            return Verdict(Outcome.MISSING)
        if params.get("qop", "").lower() != "auth" or len(nc_text) != 8:
            return Verdict(Outcome.MISSING)
        try:
            nc = int(nc_text, 16)
        except ValueError:
            return Verdict(Outcome.MISSING)
        issued = self._nonce_time(nonce)
        if issued is None or issued > now + 1:
            return Verdict(Outcome.MISSING)
        password = password_for(username)
        expected = response_for(
            algorithm, username, self.realm, password if password is not None else _DUMMY_PASSWORD,
            method, uri, nonce, nc_text, cnonce,
        )  # fmt: skip
        if password is None or not hmac.compare_digest(expected, response.lower()):
            return Verdict(Outcome.FAILED, username)
        if now - issued > self.nonce_ttl or not self._count_ok(nonce, nc, issued):
            return Verdict(Outcome.STALE, username)
        return Verdict(Outcome.OK, username)

    def _count_ok(self, nonce: str, nc: int, issued: float) -> bool:
        """Each use of a nonce must carry a higher nonce-count than the last (replay guard)."""
        seen = self._counts.get(nonce)
        if seen is not None and nc <= seen[1]:
            return False
        self._counts[nonce] = (issued, nc)
        self._counts.move_to_end(nonce)
        # Forget expired nonces, and the oldest ones beyond the bound.
        while self._counts:
            first = next(iter(self._counts.values()))
            if len(self._counts) <= self._max_tracked and first[0] + self.nonce_ttl > issued:
                break
            self._counts.popitem(last=False)
        return True


def response_for(
    algorithm: str,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    nc: str,
    cnonce: str,
) -> str:
    h = HASHES[algorithm]
    ha1 = h(f"{username}:{realm}:{password}".encode())
    ha2 = h(f"{method}:{uri}".encode())
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode())


def pick_challenge(challenges: list[dict[str, str]]) -> dict[str, str] | None:
    """The first challenge whose algorithm we can answer (RFC 8760 section 2.4)."""
    for params in challenges:
        if params.get("algorithm", "MD5").upper() in HASHES:
            return params
    return None


def authorization(
    challenge: dict[str, str],
    method: str,
    uri: str,
    username: str,
    password: str,
    *,
    nc: int = 1,
    cnonce: str | None = None,
) -> str:
    """An Authorization / Proxy-Authorization value answering a provider's challenge."""
    algorithm = challenge.get("algorithm", "MD5").upper()
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    parts = [
        f"username={quote(username)}", f"realm={quote(realm)}", f"nonce={quote(nonce)}",
        f"uri={quote(uri)}",
    ]  # fmt: skip
    qops = [q.strip().lower() for q in challenge.get("qop", "").split(",") if q.strip()]
    if "auth" in qops:
        cnonce = cnonce or os.urandom(8).hex()
        nc_text = f"{nc:08x}"
        response = response_for(
            algorithm, username, realm, password, method, uri, nonce, nc_text, cnonce
        )
        parts += [f'response="{response}"', "qop=auth", f"nc={nc_text}", f'cnonce="{cnonce}"']
    else:  # RFC 2069 style, for old providers
        h = HASHES[algorithm]
        ha1 = h(f"{username}:{realm}:{password}".encode())
        ha2 = h(f"{method}:{uri}".encode())
        parts.append(f'response="{h(f"{ha1}:{nonce}:{ha2}".encode())}"')
    parts.append(f"algorithm={algorithm}")
    if "opaque" in challenge:
        parts.append(f"opaque={quote(challenge['opaque'])}")
    return "Digest " + ", ".join(parts)
