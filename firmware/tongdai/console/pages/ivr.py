"""IVR menus (admin): list, create, edit a menu's settings and keys, delete. Keys and the
final destination are picked from the objects that exist (store.destinations)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_forms import (
    applied,
    destination_context,
    row_message,
    text,
    whole,
)
from tongdai.console.forms import field_error
from tongdai.console.sound_files import custom_prompts
from tongdai.console.templating import locale_for, render
from tongdai.store import ivr

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def _prompt_names(request: Request) -> list[str]:
    service = auth.service(request)
    entries = custom_prompts(service).listing(service.settings.language)
    return [e.name for e in entries]


def _list(request: Request, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    context = {"menus": ivr.all_menus(db), "errors": {}, "form": {},
               "prompts": _prompt_names(request), **destination_context(request),
               **context}  # fmt: skip
    return render(request, "ivr.html", context, block="menus", status=status)


def _menu_page(request: Request, menu: ivr.Menu, status: int = 200, **context) -> Response:
    context = {"menu": menu, "keys": ivr.KEYS, "errors": {}, "prompts": _prompt_names(request),
               **destination_context(request), **context}  # fmt: skip
    return render(request, "ivr_menu.html", context, block="menu", status=status)


def _existing(request: Request, name: str) -> ivr.Menu:
    menu = ivr.get(auth.service(request).db, name)
    if menu is None:
        raise HTTPException(404, f"no IVR menu {name}")
    return menu


def menu_from_form(form, name: str, options: dict[str, str]) -> ivr.Menu:
    """A menu from the settings form (the keys are edited one by one)."""
    return ivr.Menu(
        name=name, greeting=text(form, "greeting"), final=text(form, "final"),
        number=text(form, "number") or None,
        timeout=whole(form, "timeout", ivr.IvrError, 5),
        retries=whole(form, "retries", ivr.IvrError, 2),
        invalid_prompt=text(form, "invalid_prompt") or "ivr_invalid",
        timeout_prompt=text(form, "timeout_prompt") or "ivr_no_input",
        direct_dial=form.get("direct_dial") == "on", repeat_key=text(form, "repeat_key"),
        options=options,
    )  # fmt: skip


@router.get("/ivr")
async def menus(request: Request) -> Response:
    return _list(request)


@router.post("/ivr")
async def create(request: Request, who: Admin) -> Response:
    form = await request.form()
    db, name = auth.service(request).db, text(form, "name")
    try:
        if ivr.get(db, name) is not None:
            raise ivr.IvrError(f"name: an IVR menu {name} exists")
        menu = menu_from_form({"repeat_key": "*", **form}, name, {})
        ivr.save(db, menu, actor=who.user.username)
    except ivr.IvrError as exc:
        errors = field_error(exc, locale_for(request), "name")
        return _list(request, 422, errors=errors, form=dict(form))
    applied(request)
    return _list(request, 201, created=name)


@router.get("/ivr/{name}")
async def edit(request: Request, name: str) -> Response:
    return _menu_page(request, _existing(request, name))


@router.post("/ivr/{name}")
async def save(request: Request, who: Admin, name: str) -> Response:
    menu = _existing(request, name)
    form = await request.form()
    try:
        changed = menu_from_form(form, name, menu.options)
        ivr.save(auth.service(request).db, changed, actor=who.user.username)
    except ivr.IvrError as exc:
        errors = field_error(exc, locale_for(request), "greeting")
        return _menu_page(request, menu, 422, errors=errors)
    applied(request)
    return _menu_page(request, _existing(request, name), saved=True)


@router.post("/ivr/{name}/keys")
async def set_key(request: Request, who: Admin, name: str) -> Response:
    """Point a key at a destination; an empty destination removes the key."""
    _existing(request, name)
    form = await request.form()
    try:
        ivr.set_option(auth.service(request).db, name, text(form, "key"),
                       text(form, "destination"), actor=who.user.username)  # fmt: skip
    except ivr.IvrError as exc:
        errors = field_error(exc, locale_for(request), "key")
        return _menu_page(request, _existing(request, name), 422, errors=errors)
    applied(request)
    return _menu_page(request, _existing(request, name))


@router.post("/ivr/{name}/delete")
async def delete(request: Request, who: Admin, name: str) -> Response:
    try:
        ivr.delete(auth.service(request).db, name, actor=who.user.username)
    except ivr.IvrError as exc:
        return _list(request, 422, row_error=(name, row_message(request, exc)))
    applied(request)
    return _list(request)
