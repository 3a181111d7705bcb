"""Rendering pages: Jinja2 templates with gettext, locale filters and the page furniture
(navigation by role, the CSRF token, the language switch).

A route calls `render(request, "users.html", {...}, block="users")`: a browser loading the
page gets all of it, an htmx request just that block (jinja2-fragments), so one template
holds both and they never drift apart.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2_fragments.fastapi import Jinja2Blocks

from tongdai import __version__
from tongdai.console import auth, csrf, i18n
from tongdai.console.auth import Principal

LANG_COOKIE = "tongdai_lang"  # the language chosen before logging in
# Navigation: (path, label, the role needed). Labels are marked for extraction with N_.


def N_(message: str) -> str:
    return message


NAVIGATION = (  # daily work first, then configuration, then the box's own administration
    ("/dashboard", N_("Dashboard"), "supervisor"),
    ("/wallboard", N_("Wallboard"), "supervisor"),
    ("/desk", N_("My desk"), "agent"),
    ("/contacts", N_("Contacts"), "agent"),
    ("/reports", N_("Reports"), "supervisor"),
    ("/staffing", N_("Staffing"), "supervisor"),
    ("/extensions", N_("Extensions"), "admin"),
    ("/trunks", N_("Trunks"), "admin"),
    ("/routes", N_("Routes"), "admin"),
    ("/ivr", N_("IVR menus"), "admin"),
    ("/ringgroups", N_("Ring groups"), "admin"),
    ("/timeconditions", N_("Time conditions"), "admin"),
    ("/queues", N_("Queues"), "admin"),
    ("/voicemail", N_("Voicemail"), "admin"),
    ("/prompts", N_("Prompts"), "admin"),
    ("/conferences", N_("Conference rooms"), "admin"),
    ("/features", N_("Feature codes"), "admin"),
    ("/bans", N_("Bans"), "admin"),
    ("/settings", N_("Settings"), "admin"),
    ("/users", N_("Users"), "admin"),
    ("/audit", N_("Audit log"), "admin"),
    ("/maintenance", N_("Maintenance"), "admin"),
    ("/account", N_("My account"), "agent"),
)

ROLE_NAMES = {"admin": N_("Admin"), "supervisor": N_("Supervisor"), "agent": N_("Agent")}

env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
templates = Jinja2Blocks(env=env)


@pass_context
def _gettext(context, message: str) -> str:
    return context["locale"].gettext(message)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return context["locale"].ngettext(singular, plural, n)


env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
for _name in ("datetime", "number", "percent", "duration"):
    env.filters[_name] = pass_context(
        lambda context, value, *args, _f=_name: getattr(context["locale"], _f)(value, *args)
    )


def locale_for(request: Request, lang: str | None = None) -> i18n.Locale:
    """The reader's language: their own choice, else the language picked on the login
    page, else the box's."""
    settings = auth.service(request).settings
    principal = auth.authenticate(request)
    if lang is None:
        lang = principal.user.language if principal else request.cookies.get(LANG_COOKIE)
    if lang not in i18n.LANGUAGES:
        lang = settings.language
    return i18n.Locale(lang, settings.timezone)


def is_htmx(request: Request) -> bool:
    """An htmx request for part of a page (htmx 4 says "full" when it swaps the body)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-request-type") != "full"
    )


def render(
    request: Request,
    name: str,
    context: dict | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    lang: str | None = None,
) -> HTMLResponse:
    principal: Principal | None = auth.authenticate(request)
    session = principal.session if principal else None
    user = principal.user if principal else None
    full = {
        "request": request,
        "locale": locale_for(request, lang),
        "languages": i18n.LANGUAGES,
        "role_names": ROLE_NAMES,
        "version": __version__,
        "user": user,
        "csrf_field": csrf.FIELD,
        "csrf_header": csrf.HEADER,
        "csrf_token": session.csrf_token if session else "",
        "navigation": [
            (path, label)
            for path, label, role in NAVIGATION
            if principal and principal.can(role) and not user.must_change_password
        ],
        **(context or {}),
    }
    kwargs = {"block_name": block} if block and is_htmx(request) else {}
    return templates.TemplateResponse(
        request, name, full, status_code=status, headers=headers, **kwargs
    )
