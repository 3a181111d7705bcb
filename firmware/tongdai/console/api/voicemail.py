"""Voicemail boxes and their messages over the API (admin): the same actions as the
voicemail page, the message's WAV included (found by its id, never by a path)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from tongdai.console import auth, sound_files
from tongdai.console.api.errors import unprocessable
from tongdai.console.pages.voicemail import boxes, generated_pin
from tongdai.prompts.custom import PromptError
from tongdai.store import voicemail

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1/voicemail", tags=["voicemail"], dependencies=[Depends(admin)])


class Box(BaseModel):
    extension: str
    max_seconds: int
    new: int
    old: int
    greetings: list[str]  # the box's own recorded ones


class NewBox(BaseModel):
    extension: str
    pin: str = ""  # empty: the box makes one up and answers it this once
    max_seconds: int = 180


class Enabled(BaseModel):
    extension: str
    pin: str | None  # the generated PIN (None when it was given)


class Message(BaseModel):
    id: str
    box: str
    folder: str
    caller: str
    caller_name: str
    received_at: str  # UTC
    seconds: float


def _service(request: Request):
    return auth.service(request)


def _box(request: Request, extension: str) -> None:
    if not voicemail.has_box(_service(request).db, extension):
        raise HTTPException(404, f"no voicemail box {extension!r}")


@router.get("")
async def list_boxes(request: Request) -> list[Box]:
    return [
        Box(extension=b["extension"], max_seconds=b["max_seconds"], new=b["counts"][0],
            old=b["counts"][1], greetings=b["greetings"])
        for b in boxes(_service(request))
    ]  # fmt: skip


@router.post("", status_code=201)
async def enable(request: Request, who: Admin, new: NewBox) -> Enabled:
    pin = new.pin or generated_pin()
    try:
        voicemail.enable(_service(request).db, new.extension, pin, max_seconds=new.max_seconds,
                         actor=who.user.username)  # fmt: skip
    except voicemail.VoicemailError as exc:
        raise unprocessable(exc) from None
    _service(request).reload()
    return Enabled(extension=new.extension, pin=None if new.pin else pin)


@router.delete("/{extension}", status_code=204)
async def disable(request: Request, who: Admin, extension: str) -> Response:
    _box(request, extension)
    try:
        voicemail.disable(_service(request).db, extension, actor=who.user.username)
    except voicemail.VoicemailError as exc:
        raise unprocessable(exc) from None
    _service(request).reload()
    return Response(status_code=204)


@router.put("/{extension}/greetings/{which}", status_code=204)
async def set_greeting(
    request: Request, who: Admin, extension: str, which: str, file: UploadFile
) -> Response:
    _box(request, extension)
    try:
        await sound_files.set_greeting(_service(request), extension, which, file,
                                       who.user.username)  # fmt: skip
    except (voicemail.VoicemailError, PromptError) as exc:
        raise unprocessable(exc) from None
    return Response(status_code=204)


@router.delete("/{extension}/greetings/{which}", status_code=204)
async def remove_greeting(request: Request, who: Admin, extension: str, which: str) -> Response:
    _box(request, extension)
    try:
        sound_files.remove_greeting(_service(request), extension, which, who.user.username)
    except voicemail.VoicemailError as exc:
        raise unprocessable(exc) from None
    return Response(status_code=204)


@router.get("/{extension}/messages")
async def messages(request: Request, extension: str) -> list[Message]:
    _box(request, extension)
    return [Message(**m.__dict__) for m in voicemail.messages(_service(request).db, extension)]


@router.get("/messages/{message_id}/audio", response_class=FileResponse)
async def audio(request: Request, message_id: str) -> FileResponse:
    """The message's WAV; a new message becomes old (the phone's lamp follows)."""
    service = _service(request)
    path = sound_files.heard(service, sound_files.find_message(service, message_id))
    return FileResponse(path, media_type="audio/wav")


@router.delete("/messages/{message_id}", status_code=204)
async def delete_message(request: Request, who: Admin, message_id: str) -> Response:
    service = _service(request)
    message = sound_files.find_message(service, message_id)
    sound_files.delete_message(service, message, who.user.username)
    return Response(status_code=204)
