"""After a configuration change made in the console: the running service takes it now.

The CLI's changes reach the service through store.ChangeWatcher (PRAGMA data_version),
which sees only other connections' commits; the console writes through the service's own
connection, so it asks for the same reload itself.
"""

from __future__ import annotations

from fastapi import Request

from tongdai.console import auth


def apply(request: Request) -> None:
    auth.service(request).reload()
