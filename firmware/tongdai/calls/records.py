"""The call detail records of one call, as it goes on."""

from __future__ import annotations

import logging
import weakref

import sqlite_utils

from tongdai.store import cdr as cdrs

log = logging.getLogger("tongdai.calls")

# Every call's records while its flow runs: the agent desk finds the CDR id of a call
# ringing at an extension here, to key the agent's notes on it (console/desk_calls.py).
LIVE: weakref.WeakSet[Records] = weakref.WeakSet()


class Records:
    """The CDR rows of one call: a transfer closes one and opens the next, linked by
    the first row's id."""

    def __init__(self, db: sqlite_utils.Database, first: cdrs.Cdr) -> None:
        self.db = db
        self.current = first
        LIVE.add(self)

    def next(self, record: cdrs.Cdr) -> None:
        record.linkedid = self.current.linkedid
        self.save()
        self.current = record

    def save(self) -> None:
        try:
            cdrs.save(self.db, self.current)
        except Exception:
            log.exception("could not save the CDR of call %s", self.current.id)
