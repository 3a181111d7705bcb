"""Reading the configuration pages' forms: numbers typed in, and what every such page
needs around its form (the destinations to pick from, the change taken live)."""

from __future__ import annotations

from fastapi import Request

from tongdai.console import auth
from tongdai.console.destination_choices import choices
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for


def whole(form, name: str, error: type[ValueError], default: int | None = None) -> int:
    """A whole number from the form, or `error` naming the field."""
    text = str(form.get(name, "")).strip()
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        raise error(f"{name}: a whole number") from None


def decimal(form, name: str, error: type[ValueError], default: float | None = None) -> float:
    text = str(form.get(name, "")).strip().replace(",", ".")
    if not text and default is not None:
        return default
    try:
        return float(text)
    except ValueError:
        raise error(f"{name}: a number") from None


def text(form, name: str) -> str:
    return str(form.get(name, "")).strip()


def destination_context(request: Request) -> dict:
    return {"destination_choices": choices(auth.service(request).db)}


def applied(request: Request) -> None:
    """Take a change live now, as the ChangeWatcher does for the CLI's (it only notices
    other connections' commits, and the console writes through the service's own)."""
    auth.service(request).reload()


def row_message(request: Request, exc: ValueError) -> str:
    """A store error shown beside a table row (no form field to put it by)."""
    return next(iter(field_error(exc, locale_for(request)).values()))
