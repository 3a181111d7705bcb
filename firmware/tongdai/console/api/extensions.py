"""Extensions and their desk phones over the API (admin): the extensions page's actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from tongdai.console import auth, changes, softphone
from tongdai.console.api.errors import unprocessable
from tongdai.console.pages.extensions import listing
from tongdai.provisioning import files, resync
from tongdai.store import extensions, phones

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1", tags=["extensions"], dependencies=[Depends(admin)])


class Registration(BaseModel):
    contact: str
    transport: str
    source: str
    user_agent: str


class Phone(BaseModel):
    mac: str
    extension: str
    vendor: str
    model: str
    label: str
    file: str  # what the phone fetches under the provisioning URL
    last_fetch_at: float | None  # UNIX seconds
    last_fetch_from: str | None
    resync_result: str


class Extension(BaseModel):
    number: str
    name: str
    ring_timeout: int | None  # None: the box's ring_timeout
    record: str
    permission: str
    record_prompts: bool
    voicemail: bool
    created_at: str
    registered: list[Registration]
    phones: list[Phone]


class NewExtension(BaseModel):
    number: str
    name: str = ""
    ring_timeout: int | None = None
    record: str = "never"
    permission: str = "national"
    record_prompts: bool = False


class ExtensionChange(BaseModel):
    """Only the fields sent are changed."""

    name: str | None = None
    ring_timeout: int | None = None
    record: str | None = None
    permission: str | None = None
    record_prompts: bool | None = None


class Sip(BaseModel):
    server: str
    port: int
    tls_port: int | None
    transports: list[str]
    user: str
    secret: str  # generated, shown this once
    realm: str


class NewPhone(BaseModel):
    mac: str
    extension: str
    vendor: str
    model: str = ""
    label: str = ""


class Resync(BaseModel):
    mac: str
    result: str  # "check-sync sent to N contact(s)" or "not registered: nothing sent"


def _phone(row: dict) -> Phone:
    return Phone(**{k: row[k] for k in Phone.model_fields if k != "file"},
                 file=files.main_file(row))  # fmt: skip


def _extension(row: dict) -> Extension:
    return Extension(**{**row, "record_prompts": bool(row["record_prompts"]),
                        "voicemail": bool(row["voicemail"]),
                        "phones": [_phone(p) for p in row["phones"]]})  # fmt: skip


def _find(request: Request, number: str) -> Extension:
    row = next((e for e in listing(auth.service(request)) if e["number"] == number), None)
    if row is None:
        raise HTTPException(404, f"no extension {number}")
    return _extension(row)


@router.get("/extensions")
async def list_extensions(request: Request) -> list[Extension]:
    return [_extension(e) for e in listing(auth.service(request))]


@router.get("/extensions/{number}")
async def get_extension(request: Request, number: str) -> Extension:
    return _find(request, number)


@router.post("/extensions", status_code=201)
async def create(request: Request, who: Admin, new: NewExtension) -> Sip:
    service = auth.service(request)
    try:
        secret = extensions.add(
            service.db, new.number, name=new.name, ring_timeout=new.ring_timeout,
            recording=new.record, permission=new.permission, record_prompts=new.record_prompts,
            actor=who.user.username,
        )  # fmt: skip
    except extensions.ExtensionError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return Sip(**softphone.details(service, new.number, secret).as_dict())


@router.patch("/extensions/{number}")
async def update(request: Request, who: Admin, number: str, change: ExtensionChange) -> Extension:
    current = _find(request, number)
    merged = {**current.model_dump(), **change.model_dump(exclude_unset=True)}
    try:
        extensions.update(
            auth.service(request).db, number, name=merged["name"] or "",
            ring_timeout=merged["ring_timeout"], recording=merged["record"],
            permission=merged["permission"], record_prompts=bool(merged["record_prompts"]),
            actor=who.user.username,
        )  # fmt: skip
    except extensions.ExtensionError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return _find(request, number)


@router.post("/extensions/{number}/secret")
async def new_secret(request: Request, who: Admin, number: str) -> Sip:
    _find(request, number)
    service = auth.service(request)
    secret = extensions.new_secret(service.db, number, actor=who.user.username)
    changes.apply(request)
    return Sip(**softphone.details(service, number, secret).as_dict())


@router.delete("/extensions/{number}", status_code=204)
async def delete(request: Request, who: Admin, number: str) -> Response:
    _find(request, number)
    try:
        extensions.delete(auth.service(request).db, number, actor=who.user.username)
    except extensions.ExtensionError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return Response(status_code=204)


@router.get("/phones")
async def list_phones(request: Request) -> list[Phone]:
    return [_phone(p) for p in phones.all_phones(auth.service(request).db)]


@router.post("/phones", status_code=201)
async def assign_phone(request: Request, who: Admin, new: NewPhone) -> Phone:
    db = auth.service(request).db
    try:
        mac = phones.add(db, new.mac, extension=new.extension, vendor=new.vendor,
                         model=new.model, label=new.label, actor=who.user.username)  # fmt: skip
    except phones.PhoneError as exc:
        raise unprocessable(exc) from None
    return _phone(phones.get(db, mac))


def _existing_phone(request: Request, mac: str) -> str:
    try:
        mac = phones.normalise_mac(mac)
    except phones.PhoneError:
        mac = ""
    if not mac or phones.get(auth.service(request).db, mac) is None:
        raise HTTPException(404, "no such phone")
    return mac


@router.post("/phones/{mac}/resync")
async def resync_phone(request: Request, who: Admin, mac: str) -> Resync:
    mac = _existing_phone(request, mac)
    service = auth.service(request)
    return Resync(mac=mac, result=resync.resync(service.db, service.edge, mac,
                                                actor=who.user.username))  # fmt: skip


@router.delete("/phones/{mac}", status_code=204)
async def remove_phone(request: Request, who: Admin, mac: str) -> Response:
    mac = _existing_phone(request, mac)
    phones.delete(auth.service(request).db, mac, actor=who.user.username)
    return Response(status_code=204)
