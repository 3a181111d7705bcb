"""A user's own account: their password (forced at first login) and their language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tongdai.console import auth
from tongdai.console.forms import field_error
from tongdai.console.pages.login import _safe_next, home
from tongdai.console.templating import is_htmx, locale_for, render
from tongdai.store import accounts

router = APIRouter(include_in_schema=False)
Me = Annotated[auth.Principal, Depends(auth.require("agent", password_pending=True))]


@router.get("/account")
async def account(request: Request, who: Me) -> Response:
    return render(request, "account.html", {"errors": {}})


@router.post("/account/password")
async def change_password(
    request: Request,
    who: Me,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
) -> Response:
    db, user, locale = auth.service(request).db, who.user, locale_for(request)
    errors: dict[str, str] = {}
    if accounts.verify_password(db, user.username, current_password) is None:
        errors["current_password"] = locale.gettext("This is not your current password.")
    elif new_password == current_password:
        errors["new_password"] = locale.gettext("Choose a password different from the current one.")
    elif new_password != repeat_password:
        errors["repeat_password"] = locale.gettext("The two new passwords differ.")
    else:
        try:
            accounts.set_password(
                db, user.username, new_password, actor=user.username,
                keep_session=who.session.id_hash if who.session else "",
            )  # fmt: skip
        except accounts.AccountError as exc:
            errors = {"new_password": field_error(exc, locale, "new_password").popitem()[1]}
    if errors:
        return render(
            request, "account.html", {"errors": errors}, block="password_form", status=422
        )
    target = home(accounts.find_user(db, user.username))
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target + "?changed=1"})
    return RedirectResponse(target + "?changed=1", status_code=303)


@router.post("/language")
async def choose_language(
    request: Request,
    who: Me,
    lang: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    db = auth.service(request).db
    try:
        accounts.set_language(db, who.user.username, lang, actor=who.user.username)
    except accounts.AccountError as exc:
        message = next(iter(field_error(exc, locale_for(request)).values()))
        return Response(message, status_code=422, media_type="text/plain")
    return RedirectResponse(_safe_next(next) or home(who.user), status_code=303)
