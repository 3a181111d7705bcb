"""Logging in and out. The form posts `username` and `password` to /login; an address with
10 failures in 5 minutes gets 429 for 15 minutes (tongdai.console.throttle)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tongdai.console import auth, csrf, i18n
from tongdai.console.templating import LANG_COOKIE, render
from tongdai.store import accounts, audit

log = logging.getLogger("tongdai.console")
router = APIRouter(include_in_schema=False)
Anyone = Annotated[auth.Principal, Depends(auth.require("agent", password_pending=True))]


def home(user: accounts.User) -> str:
    """Where a user lands after logging in."""
    if user.must_change_password:
        return "/account"
    return "/dashboard" if auth.ROLE_RANK[user.role] >= auth.ROLE_RANK["supervisor"] else "/account"


def _safe_next(target: str) -> str:
    """Only a path on this box (never //elsewhere or a scheme) may follow a login."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else ""


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/login")
async def login_form(request: Request, next: str = "", lang: str = "") -> Response:
    chosen = lang if lang in i18n.LANGUAGES else None
    response = render(request, "login.html", {"next": _safe_next(next)}, lang=chosen)
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="strict")
    return response


@router.get("/")
async def root(who: Anyone) -> Response:
    return RedirectResponse(home(who.user), status_code=303)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    throttle, address = request.app.state.login_throttle, _address(request)
    locked = throttle.locked_for(address)
    if locked:
        minutes = max(1, round(locked / 60))
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "locked_minutes": minutes},
            status=429,
            headers={"Retry-After": str(int(locked) + 1)},
        )
    csrf.check_origin(request)
    db = auth.service(request).db
    user = accounts.verify_password(db, username.strip(), password) if username else None
    if user is None:
        if throttle.failed(address):
            log.warning("console: %s locked out after repeated failed logins", address)
            with db.atomic():
                audit.record(db, "system", "login.lockout", address)
        context = {"next": _safe_next(next), "failed": True, "username": username}
        return render(request, "login.html", context, status=401)
    throttle.succeeded(address)
    target = "/account" if user.must_change_password else _safe_next(next) or home(user)
    response = RedirectResponse(target, status_code=303)
    auth.start_session(request, response, user)
    with db.atomic():
        audit.record(db, user.username, "login", address)
    return response


@router.post("/logout")
async def logout(request: Request, who: Anyone) -> Response:
    response = RedirectResponse("/login", status_code=303)
    auth.end_session(request, response)
    return response
