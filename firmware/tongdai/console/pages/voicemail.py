"""Voicemail boxes (admin): enable with a generated PIN shown once (or a typed one),
disable, upload a greeting, and each box's messages listed, played in the browser and
deleted. Listening or deleting updates the phone's message lamp."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response

from tongdai.console import auth, sound_files
from tongdai.console.config_forms import applied, row_message, text, whole
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.prompts.custom import PromptError
from tongdai.store import voicemail

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def generated_pin() -> str:
    """Six digits that pass the same rules as a typed PIN."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(6))
        try:
            voicemail.check_pin(pin)
            return pin
        except voicemail.VoicemailError:
            continue


def boxes(service) -> list[dict]:
    rows = service.db.query(
        "SELECT b.extension, b.max_seconds, e.name FROM voicemail_boxes b"
        " JOIN extensions e ON e.number = b.extension ORDER BY b.extension"
    )
    return [
        {**r, "counts": voicemail.counts(service.db, r["extension"]),
         "greetings": sound_files.greetings(service, r["extension"])}
        for r in rows
    ]  # fmt: skip


def _page(request: Request, status: int = 200, **context) -> Response:
    service = auth.service(request)
    without = service.db.query(
        "SELECT number, name FROM extensions WHERE number NOT IN"
        " (SELECT extension FROM voicemail_boxes) ORDER BY number"
    )
    context = {"boxes": boxes(service), "without": list(without),
               "greeting_kinds": voicemail.GREETINGS, "errors": {}, "form": {},
               **context}  # fmt: skip
    return render(request, "voicemail.html", context, block="boxes", status=status)


def _messages_page(request: Request, box: str, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    if not voicemail.has_box(db, box):
        raise HTTPException(404, f"no voicemail box {box}")
    context = {"box": box, "messages": voicemail.messages(db, box), **context}
    return render(request, "voicemail_box.html", context, block="messages", status=status)


@router.get("/voicemail")
async def page(request: Request) -> Response:
    return _page(request)


@router.post("/voicemail")
async def enable(request: Request, who: Admin) -> Response:
    form = await request.form()
    extension, typed = text(form, "extension"), text(form, "pin")
    pin = typed or generated_pin()
    try:
        voicemail.enable(auth.service(request).db, extension, pin,
                         max_seconds=whole(form, "max_seconds", voicemail.VoicemailError, 180),
                         actor=who.user.username)  # fmt: skip
    except voicemail.VoicemailError as exc:
        errors = field_error(exc, locale_for(request), "extension")
        return _page(request, 422, errors=errors, form={"extension": extension})
    applied(request)
    return _page(request, 201, shown=(extension, None if typed else pin))


@router.post("/voicemail/{box}/disable")
async def disable(request: Request, who: Admin, box: str) -> Response:
    try:
        voicemail.disable(auth.service(request).db, box, actor=who.user.username)
    except voicemail.VoicemailError as exc:
        return _page(request, 422, row_error=(box, row_message(request, exc)))
    applied(request)
    return _page(request)


@router.post("/voicemail/{box}/greeting")
async def greeting(request: Request, who: Admin, box: str) -> Response:
    form = await request.form()
    service, which = auth.service(request), text(form, "which")
    try:
        if form.get("remove"):
            sound_files.remove_greeting(service, box, which, who.user.username)
        else:
            upload = form.get("file")
            if not hasattr(upload, "read"):
                raise PromptError("file: choose a WAV or MP3 file")
            await sound_files.set_greeting(service, box, which, upload, who.user.username)
    except (voicemail.VoicemailError, PromptError) as exc:
        return _page(request, 422, row_error=(box, row_message(request, exc)))
    return _page(request)


@router.get("/voicemail/{box}")
async def messages(request: Request, box: str) -> Response:
    return _messages_page(request, box)


@router.get("/voicemail/messages/{message_id}/audio")
async def audio(request: Request, message_id: str) -> Response:
    """The message's WAV, found by its id in the store (never a path from the request)."""
    service = auth.service(request)
    path = sound_files.heard(service, sound_files.find_message(service, message_id))
    return FileResponse(path, media_type="audio/wav")


@router.post("/voicemail/messages/{message_id}/delete")
async def delete_message(request: Request, who: Admin, message_id: str) -> Response:
    service = auth.service(request)
    message = sound_files.find_message(service, message_id)
    sound_files.delete_message(service, message, who.user.username)
    return _messages_page(request, message.box)
