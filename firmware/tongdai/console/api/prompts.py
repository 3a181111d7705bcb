"""Prompts over the API (admin): list, upload, speak a text, fetch the sound, delete a
custom one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from tongdai.console import auth, sound_files
from tongdai.console.api.errors import unprocessable
from tongdai.prompts.custom import PromptError

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1/prompts", tags=["prompts"], dependencies=[Depends(admin)])


class Prompt(BaseModel):
    name: str
    lang: str
    state: str  # built, custom (replacing a built one) or custom only


class Spoken(BaseModel):
    name: str
    lang: str
    text: str


@router.get("")
async def list_prompts(request: Request, lang: str | None = None) -> list[Prompt]:
    try:
        entries = sound_files.custom_prompts(auth.service(request)).listing(lang)
    except KeyError:
        raise unprocessable(PromptError(f"lang: no language {lang}")) from None
    return [Prompt(**e.__dict__) for e in entries]


@router.post("", status_code=201)
async def upload(
    request: Request, who: Admin, name: Annotated[str, Form()], lang: Annotated[str, Form()],
    file: UploadFile,
) -> Prompt:  # fmt: skip
    try:
        await sound_files.install_prompt(auth.service(request), name, lang, file,
                                         who.user.username)  # fmt: skip
    except PromptError as exc:
        raise unprocessable(exc) from None
    return _entry(request, name, lang)


@router.post("/say", status_code=201)
async def say(request: Request, who: Admin, spoken: Spoken) -> Prompt:
    try:
        await sound_files.speak_prompt(auth.service(request), spoken.name, spoken.lang,
                                       spoken.text, who.user.username)  # fmt: skip
    except PromptError as exc:
        raise unprocessable(exc) from None
    return _entry(request, spoken.name, spoken.lang)


def _entry(request: Request, name: str, lang: str) -> Prompt:
    entries = sound_files.custom_prompts(auth.service(request)).listing(lang)
    return next(Prompt(**e.__dict__) for e in entries if e.name == name)


@router.get("/{lang}/{name}/audio", response_class=FileResponse)
async def audio(request: Request, lang: str, name: str) -> FileResponse:
    return FileResponse(sound_files.prompt_path(auth.service(request), name, lang),
                        media_type="audio/wav")  # fmt: skip


@router.delete("/{lang}/{name}", status_code=204)
async def delete(request: Request, who: Admin, lang: str, name: str) -> Response:
    try:
        sound_files.remove_prompt(auth.service(request), name, lang, who.user.username)
    except PromptError as exc:
        raise unprocessable(exc) from None
    return Response(status_code=204)
