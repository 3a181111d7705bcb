"""Form validation errors: the store's ValueErrors say "field: what is wrong"; a form shows
the message beside the field it names, in the reader's language where it is translated."""

from __future__ import annotations

from tongdai.console import error_text
from tongdai.console.i18n import Locale


def field_error(error: ValueError, locale: Locale, default_field: str = "") -> dict[str, str]:
    """{field: message} for one store error."""
    field, sep, message = str(error).partition(": ")
    if not sep or " " in field:
        field, message = default_field, str(error)
    return {field: error_text.translate(message, locale)}
