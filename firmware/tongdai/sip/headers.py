"""An ordered, case-insensitive list of header fields that keeps unknown ones intact."""

from __future__ import annotations

from collections.abc import Iterator

from tongdai.sip.grammar import split_commas

# RFC 3261 section 7.3.3 and later RFCs' compact forms.
COMPACT = {
    "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
    "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To",
    "v": "Via", "o": "Event", "u": "Allow-Events", "r": "Refer-To", "b": "Referred-By",
    "x": "Session-Expires", "a": "Accept-Contact", "j": "Reject-Contact",
    "d": "Request-Disposition", "y": "Identity", "n": "Identity-Info",
}  # fmt: skip
_KNOWN = [
    "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
    "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact",
    "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
    "Content-Type", "CSeq", "Date", "Error-Info", "Event", "Expires", "From", "In-Reply-To",
    "Max-Forwards", "MIME-Version", "Min-Expires", "Organization", "P-Asserted-Identity",
    "Path", "Priority", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Require",
    "RAck", "Reason", "Record-Route", "Refer-To", "Referred-By", "Replaces", "Reply-To",
    "Require", "Retry-After", "Route", "RSeq", "Server", "Session-Expires", "Subject",
    "Subscription-State", "Supported", "Timestamp", "To", "Unsupported", "User-Agent",
    "Via", "Warning", "WWW-Authenticate",
]  # fmt: skip
_CANONICAL = {name.lower(): name for name in _KNOWN}
_CANONICAL.update(COMPACT)

# Headers whose values may hold commas that do not separate list elements.
_NOT_LISTS = frozenset(
    h.lower()
    for h in (
        "Authorization", "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate",
        "Authentication-Info", "Date", "Subject", "User-Agent", "Server", "Call-ID",
        "From", "To", "CSeq", "Retry-After", "Warning", "Organization",
    )
)  # fmt: skip


def canonical(name: str) -> str:
    """The usual spelling of a known header name (compact forms expanded); others unchanged."""
    return _CANONICAL.get(name.lower(), name)


_KEYS: dict[str, str] = {}


def key_of(name: str) -> str:
    """The comparison key of a header name: its canonical spelling, lower-cased (cached)."""
    key = _KEYS.get(name)
    if key is None:
        key = canonical(name).lower()
        if len(_KEYS) < 4096:
            _KEYS[name] = key
    return key


class Headers:
    """Header fields in order; names compared case-insensitively, compact forms expanded."""

    __slots__ = ("_fields",)

    def __init__(self, fields: list[tuple[str, str]] | None = None) -> None:
        # (lower-case key, name as serialised, value)
        self._fields: list[tuple[str, str, str]] = []
        for name, value in fields or ():
            self.add(name, value)

    @classmethod
    def _from_parsed(cls, fields: list[tuple[str, str, str]]) -> Headers:
        h = cls.__new__(cls)
        h._fields = fields
        return h

    def add(self, name: str, value: str) -> None:
        _check(value)
        name = canonical(name)
        self._fields.append((name.lower(), name, value))

    def insert(self, name: str, value: str) -> None:
        """Add a field before any other of the same name (a new top Via, say)."""
        _check(value)
        name = canonical(name)
        key = name.lower()
        for i, field in enumerate(self._fields):
            if field[0] == key:
                self._fields.insert(i, (key, name, value))
                return
        self._fields.append((key, name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every field of this name with one, kept where the first one was."""
        _check(value)
        name = canonical(name)
        key = name.lower()
        for i, field in enumerate(self._fields):
            if field[0] == key:
                self._fields[i] = (key, name, value)
                self._fields[i + 1 :] = [f for f in self._fields[i + 1 :] if f[0] != key]
                return
        self._fields.append((key, name, value))

    def set_list(self, name: str, values: list[str]) -> None:
        """Replace every field of this name with one field per value, where the first one was."""
        for value in values:
            _check(value)
        name = canonical(name)
        key = name.lower()
        at = next((i for i, f in enumerate(self._fields) if f[0] == key), len(self._fields))
        rest = [f for f in self._fields if f[0] != key]
        at = min(at, len(rest))
        rest[at:at] = [(key, name, v) for v in values]
        self._fields = rest

    def remove(self, name: str) -> None:
        key = key_of(name)
        self._fields = [f for f in self._fields if f[0] != key]

    def get(self, name: str, default: str | None = None) -> str | None:
        key = key_of(name)
        for field in self._fields:
            if field[0] == key:
                return field[2]
        return default

    def get_all(self, name: str) -> list[str]:
        """Every field of this name, one string per header line."""
        key = key_of(name)
        return [f[2] for f in self._fields if f[0] == key]

    def values(self, name: str) -> list[str]:
        """The list elements of a list header, across lines and commas."""
        key = key_of(name)
        lines = [f[2] for f in self._fields if f[0] == key]
        if key in _NOT_LISTS:
            return lines
        out: list[str] = []
        for line in lines:
            out += split_commas(line)
        return out

    def __contains__(self, name: str) -> bool:
        key = key_of(name)
        return any(f[0] == key for f in self._fields)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((f[1], f[2]) for f in self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(f[0], f[2]) for f in self._fields] == [(f[0], f[2]) for f in other._fields]

    def copy(self) -> Headers:
        return Headers._from_parsed(list(self._fields))

    def __repr__(self) -> str:
        return f"Headers({list(self)!r})"


def _check(value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError("a header value cannot hold CR or LF")
