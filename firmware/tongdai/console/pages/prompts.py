"""Prompts (admin): the built and custom prompts of each language, played in the
browser; a custom one made from an uploaded WAV/MP3 or from typed text (spoken by
espeak-ng), or deleted so the built one speaks again. Calls pick a change up on the next
play: prompts are files, found afresh each time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from tongdai.console import auth, sound_files
from tongdai.console.config_forms import row_message, text
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.prompts.catalog import LANGUAGES
from tongdai.prompts.custom import PromptError

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def _lang(request: Request, lang: str | None) -> str:
    return lang if lang in LANGUAGES else auth.service(request).settings.language


def _page(request: Request, lang: str, status: int = 200, **context) -> Response:
    entries = sound_files.custom_prompts(auth.service(request)).listing(lang)
    entries.sort(key=lambda e: (e.state == "built", e.name))  # the box's own first
    context = {"entries": entries, "lang": lang, "prompt_langs": LANGUAGES, "errors": {},
               "form": {}, **context}  # fmt: skip
    return render(request, "prompts.html", context, block="prompts", status=status)


@router.get("/prompts")
async def page(request: Request, lang: str | None = None) -> Response:
    return _page(request, _lang(request, lang))


@router.post("/prompts")
async def upload(request: Request, who: Admin) -> Response:
    form = await request.form()
    name, lang = text(form, "name"), _lang(request, text(form, "lang"))
    try:
        file = form.get("file")
        if not hasattr(file, "read"):
            raise PromptError("file: choose a WAV or MP3 file")
        await sound_files.install_prompt(auth.service(request), name, lang, file, who.user.username)
    except PromptError as exc:
        errors = field_error(exc, locale_for(request), "file")
        return _page(request, lang, 422, errors=errors, form={"name": name})
    return _page(request, lang, 201, done=f"{lang}/{name}")


@router.post("/prompts/say")
async def say(request: Request, who: Admin) -> Response:
    form = await request.form()
    name, lang = text(form, "name"), _lang(request, text(form, "lang"))
    try:
        await sound_files.speak_prompt(
            auth.service(request), name, lang, str(form.get("text", "")), who.user.username
        )
    except PromptError as exc:
        errors = field_error(exc, locale_for(request), "text")
        return _page(request, lang, 422, say_errors=errors,
                     say_form={"name": name, "text": form.get("text", "")})  # fmt: skip
    return _page(request, lang, 201, done=f"{lang}/{name}")


@router.get("/prompts/{lang}/{name}/audio")
async def audio(request: Request, lang: str, name: str) -> Response:
    return FileResponse(sound_files.prompt_path(auth.service(request), name, lang),
                        media_type="audio/wav")  # fmt: skip


@router.post("/prompts/{lang}/{name}/delete")
async def delete(request: Request, who: Admin, lang: str, name: str) -> Response:
    lang = _lang(request, lang)
    try:
        sound_files.remove_prompt(auth.service(request), name, lang, who.user.username)
    except PromptError as exc:
        return _page(request, lang, 422, row_error=(name, row_message(request, exc)))
    return _page(request, lang)
