"""Who gets a phone's file. The files carry SIP secrets and a PBX is a toll-fraud target,
while a MAC is no secret (it is printed on the box and seen by anyone on the LAN), so:

- only a MAC assigned to a phone is answered, and only with its vendor's file names;
  everything else is the same bare 404, so nothing tells an assigned MAC from another;
- a phone's files are served only within the provisioning window after it was assigned
  or re-synced (`tongdai phone resync` reopens it), and once one was fetched, only to
  that same address until the window is reopened: whoever guesses a MAC must beat the
  phone to it, within the window;
- an address asking for the files of several MACs nobody assigned is scanning: it is
  banned (HTTP and SIP alike, like failed SIP logins; `tongdai ban lift` undoes it).

Sans-I/O: times are passed in (UNIX seconds).
"""

from __future__ import annotations

import collections

SCAN_MACS = 5  # this many different unassigned MACs from one address ...
SCAN_WINDOW = 600.0  # ... within this many seconds ...
SCAN_BAN = 3600.0  # ... ban it for this long
MAX_TRACKED = 4096  # addresses remembered (oldest forgotten first)


def may_serve(phone: dict, address: str, now: float, window: int) -> bool:
    """Whether the phone's files go to this address now (`window` 0: no time limit)."""
    if window and now > phone["opened_at"] + window:
        return False
    fetched = phone["last_fetch_at"]
    if fetched is not None and fetched >= phone["opened_at"]:
        return phone["last_fetch_from"] == address
    return True


class ScanDetector:
    """Counts the unassigned MACs each address asks for."""

    def __init__(self, macs: int = SCAN_MACS, window: float = SCAN_WINDOW) -> None:
        self.macs = macs
        self.window = window
        self._asked: collections.OrderedDict[str, dict[str, float]] = collections.OrderedDict()

    def unknown(self, address: str, mac: str, now: float) -> bool:
        """Note a request for an unassigned MAC; True when the address is scanning."""
        seen = self._asked.pop(address, {})
        seen = {m: t for m, t in seen.items() if t > now - self.window}
        seen[mac] = now
        if len(seen) >= self.macs:
            return True
        self._asked[address] = seen  # most recent last
        while len(self._asked) > MAX_TRACKED:
            self._asked.popitem(last=False)
        return False
