"""The console's languages: gettext catalogues (locale/<lang>.po, read with Babel at start)
and dates, times and numbers written the reader's way.

English is the source language: a message's id is its English text, so templates read
naturally and a missing translation shows English rather than a key.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}  # each shown in its own language
CATALOGUES = Path(__file__).parent / "locale"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    with open(CATALOGUES / f"{lang}.po", "rb") as po:
        catalogue = read_po(po, locale=lang)
    mo = io.BytesIO()
    write_mo(mo, catalogue)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


@dataclass(frozen=True)
class Locale:
    """What one reader sees: their language and the box's time zone."""

    lang: str
    timezone: str

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def datetime(self, value: str | dt.datetime | float | None) -> str:
        """A stored time (UTC ISO text, a datetime or UNIX seconds) in the box's zone."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        elif isinstance(value, int | float):
            value = dt.datetime.fromtimestamp(value, dt.UTC)
        return dates.format_datetime(
            value, "short", tzinfo=ZoneInfo(self.timezone), locale=self.lang
        )

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.lang)

    def percent(self, ratio: float | None) -> str:
        return "–" if ratio is None else numbers.format_percent(ratio, locale=self.lang)

    def duration(self, seconds: float | None) -> str:
        """A length of time, roughly ("3 days", "5 phút")."""
        if seconds is None:
            return "–"
        return dates.format_timedelta(
            dt.timedelta(seconds=seconds), threshold=1.5, locale=self.lang
        )
