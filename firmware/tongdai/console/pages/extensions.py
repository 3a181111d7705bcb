"""Extensions (admin): list with who is registered, create with a generated secret shown
once (with what a softphone needs, as text and QR code), edit, new secret, delete; and
the desk phones assigned to each (by MAC), with their provisioning state and a re-sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth, changes, softphone
from tongdai.console.config_labels import LABELS
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.provisioning import files, resync
from tongdai.store import extensions, phones

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])
OPTIONS = {"records": extensions.RECORD_POLICIES, "permissions": extensions.PERMISSIONS,
           "vendors": phones.VENDORS, **LABELS}  # fmt: skip


def registrations(service, number: str) -> list[dict]:
    """The extension's registered contacts, as the edge holds them now."""
    return [
        {"contact": b.contact, "transport": b.transport,
         "source": f"{b.source[0]}:{b.source[1]}", "user_agent": b.user_agent}
        for b in service.edge.edge.location.lookup(number)
    ]  # fmt: skip


def listing(service) -> list[dict]:
    by_extension: dict[str, list[dict]] = {}
    for phone in phones.all_phones(service.db):
        by_extension.setdefault(phone["extension"], []).append(phone)
    return [
        {**ext, "registered": registrations(service, ext["number"]),
         "phones": by_extension.get(ext["number"], [])}
        for ext in extensions.details(service.db)
    ]  # fmt: skip


def _list(request: Request, status: int = 200, **context) -> Response:
    service = auth.service(request)
    context = {"extensions": listing(service), "errors": {}, "form": {}, **OPTIONS, **context}
    return render(request, "extensions.html", context, block="extensions", status=status)


def _ring_timeout(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise extensions.ExtensionError("ring_timeout: 5 to 600 seconds")
    return int(text)


@router.get("/extensions")
async def extensions_page(request: Request) -> Response:
    return _list(request)


@router.post("/extensions")
async def create(
    request: Request,
    who: Admin,
    number: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    ring_timeout: Annotated[str, Form()] = "",
    record: Annotated[str, Form()] = "never",
    permission: Annotated[str, Form()] = "national",
    record_prompts: Annotated[bool, Form()] = False,
) -> Response:
    service = auth.service(request)
    number = number.strip()
    try:
        secret = extensions.add(
            service.db, number, name=name, ring_timeout=_ring_timeout(ring_timeout),
            recording=record, permission=permission, record_prompts=record_prompts,
            actor=who.user.username,
        )  # fmt: skip
    except extensions.ExtensionError as exc:
        form = {"number": number, "name": name, "ring_timeout": ring_timeout, "record": record,
                "permission": permission, "record_prompts": record_prompts}  # fmt: skip
        errors = field_error(exc, locale_for(request), "number")
        return _list(request, 422, errors=errors, form=form)
    changes.apply(request)
    return _list(request, 201, shown=softphone.details(service, number, secret))


@router.post("/extensions/{number}/delete")
async def delete(request: Request, who: Admin, number: str) -> Response:
    try:
        extensions.delete(auth.service(request).db, number, actor=who.user.username)
    except extensions.ExtensionError as exc:
        return _list(request, 422, row_error=(number, _message(request, exc)))
    changes.apply(request)
    return _list(request)


# -- one extension -----------------------------------------------------------------------


def _one(request: Request, number: str, status: int = 200, **context) -> Response:
    service = auth.service(request)
    ext = extensions.get(service.db, number)
    if ext is None:
        raise HTTPException(404, "no such extension")
    box = service.phone_box()
    assigned = [{**p, "file": files.main_file(p)} for p in phones.all_phones(service.db)
                if p["extension"] == number]  # fmt: skip
    context = {
        "ext": ext, "registered": registrations(service, number), "phones": assigned,
        "provisioning_url": box.url, "errors": {}, "phone_errors": {}, "form": ext,
        "phone_form": {}, **OPTIONS, **context,
    }  # fmt: skip
    return render(request, "extension.html", context, block="extension", status=status)


@router.get("/extensions/{number}")
async def extension_page(request: Request, number: str) -> Response:
    return _one(request, number)


@router.post("/extensions/{number}")
async def update(
    request: Request,
    who: Admin,
    number: str,
    name: Annotated[str, Form()] = "",
    ring_timeout: Annotated[str, Form()] = "",
    record: Annotated[str, Form()] = "never",
    permission: Annotated[str, Form()] = "national",
    record_prompts: Annotated[bool, Form()] = False,
) -> Response:
    try:
        extensions.update(
            auth.service(request).db, number, name=name,
            ring_timeout=_ring_timeout(ring_timeout), recording=record,
            permission=permission, record_prompts=record_prompts, actor=who.user.username,
        )  # fmt: skip
    except extensions.ExtensionError as exc:
        form = {"number": number, "name": name, "ring_timeout": ring_timeout, "record": record,
                "permission": permission, "record_prompts": record_prompts}  # fmt: skip
        errors = field_error(exc, locale_for(request), "name")
        return _one(request, number, 422, errors=errors, form=form)
    changes.apply(request)
    return _one(request, number, saved=True)


@router.post("/extensions/{number}/secret")
async def new_secret(request: Request, who: Admin, number: str) -> Response:
    service = auth.service(request)
    try:
        secret = extensions.new_secret(service.db, number, actor=who.user.username)
    except extensions.ExtensionError:
        raise HTTPException(404, "no such extension") from None
    changes.apply(request)  # the edge takes the new secret; the old one stops working
    return _one(request, number, shown=softphone.details(service, number, secret))


@router.post("/extensions/{number}/phones")
async def assign_phone(
    request: Request,
    who: Admin,
    number: str,
    mac: Annotated[str, Form()] = "",
    vendor: Annotated[str, Form()] = "",
    model: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> Response:
    try:
        phones.add(auth.service(request).db, mac, extension=number, vendor=vendor,
                   model=model.strip(), label=label, actor=who.user.username)  # fmt: skip
    except phones.PhoneError as exc:
        form = {"mac": mac, "vendor": vendor, "model": model, "label": label}
        errors = field_error(exc, locale_for(request), "mac")
        return _one(request, number, 422, phone_errors=errors, phone_form=form)
    return _one(request, number, 201)


@router.post("/extensions/{number}/phones/{mac}/resync")
async def resync_phone(request: Request, who: Admin, number: str, mac: str) -> Response:
    service = auth.service(request)
    try:
        result = resync.resync(service.db, service.edge, mac, actor=who.user.username)
    except phones.PhoneError as exc:
        return _one(request, number, 422, phone_row_error=(mac, _message(request, exc)))
    return _one(request, number, resynced=(mac, result))


@router.post("/extensions/{number}/phones/{mac}/delete")
async def remove_phone(request: Request, who: Admin, number: str, mac: str) -> Response:
    try:
        phones.delete(auth.service(request).db, mac, actor=who.user.username)
    except phones.PhoneError as exc:
        return _one(request, number, 422, phone_row_error=(mac, _message(request, exc)))
    return _one(request, number)


def _message(request: Request, exc: ValueError) -> str:
    return next(iter(field_error(exc, locale_for(request)).values()))
