"""Sound files the console hands out or takes in: prompts (built and custom), voicemail
messages and greetings. A file is found from names the box checks (a prompt name and a
language, a message id looked up in the store), never from a path in the request."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import HTTPException, UploadFile

from tongdai.calls.voicemail import FOLDER
from tongdai.console import uploads
from tongdai.prompts.catalog import LANGUAGES
from tongdai.prompts.custom import CustomPrompts, PromptError
from tongdai.prompts.library import MissingPrompt
from tongdai.store import voicemail
from tongdai.store.audit import record
from tongdai.store.destinations import PROMPT_RE

KINDS = (uploads.WAV, uploads.MP3)


def custom_prompts(service) -> CustomPrompts:
    s = service.settings
    return CustomPrompts(s.sounds_dir / "prompts", s.media_clock_rate)


def check_prompt_name(name: str, lang: str) -> None:
    if not PROMPT_RE.fullmatch(name):
        raise PromptError("name: lower-case letters, digits, - and _ (up to 64)")
    if lang not in LANGUAGES:
        raise PromptError(f"lang: one of {', '.join(LANGUAGES)}")


def prompt_path(service, name: str, lang: str) -> Path:
    """The file a call would play for prompt `name` in `lang` (custom first, then built)."""
    try:
        check_prompt_name(name, lang)
        return Path(service.dialplan.prompts.path(name, lang))
    except (PromptError, MissingPrompt):
        raise HTTPException(404, f"no prompt {lang}/{name}") from None


async def _converted(service, upload: UploadFile, field: str, convert) -> None:
    """Keep the upload under a generated name (type- and size-checked), then convert it
    off the event loop (sox); the kept upload goes either way."""
    try:
        saved = await uploads.save(
            upload, service.settings.data_dir / "uploads", kinds=KINDS,
            max_bytes=custom_prompts(service).max_bytes, field=field,
        )  # fmt: skip
    except uploads.UploadError as exc:
        raise PromptError(str(exc)) from None
    try:
        with saved.open("rb") as f:
            await asyncio.to_thread(convert, f)
    except PromptError as exc:
        raise PromptError(f"{field}: {exc}") from None
    finally:
        saved.unlink(missing_ok=True)


async def install_prompt(service, name: str, lang: str, upload: UploadFile, actor: str) -> None:
    prompts = custom_prompts(service)
    check_prompt_name(name, lang)  # refused before the upload is read
    await _converted(service, upload, "file", lambda f: prompts.install(name, lang, f))
    record(service.db, actor, "prompt.upload", f"{lang}/{name}")


async def speak_prompt(service, name: str, lang: str, text: str, actor: str) -> None:
    check_prompt_name(name, lang)
    await asyncio.to_thread(custom_prompts(service).speak_custom, name, lang, text)
    record(service.db, actor, "prompt.say", f"{lang}/{name}")


def remove_prompt(service, name: str, lang: str, actor: str) -> None:
    check_prompt_name(name, lang)
    custom_prompts(service).remove(name, lang)
    record(service.db, actor, "prompt.delete", f"{lang}/{name}")


# -- voicemail ---------------------------------------------------------------------------


def voicemail_dir(service) -> Path:
    return service.settings.recordings_dir / FOLDER


def find_message(service, message_id: str) -> voicemail.Message:
    rows = list(service.db["voicemail_messages"].rows_where("id = ?", [message_id]))
    if not rows:
        raise HTTPException(404, f"no voicemail message {message_id}")
    return voicemail.Message(**rows[0])


def heard(service, message: voicemail.Message) -> Path:
    """The message's file; a new message becomes old (and the phone's lamp follows)."""
    path = voicemail_dir(service) / message.file
    if not path.is_file():
        raise HTTPException(404, "the message's file is gone")
    if message.folder == "new":
        voicemail.move(service.db, message.id, "old")
        service.dialplan._mailbox(message.box)  # tells the MWI subscribers (the lamp)
    return path


def delete_message(service, message: voicemail.Message, actor: str) -> None:
    voicemail.delete_message(service.db, voicemail_dir(service), message.id)
    record(service.db, actor, "voicemail.message.delete", f"{message.box} {message.id}")
    service.dialplan._mailbox(message.box)


def _greeting_target(service, box: str, which: str) -> Path:
    if not voicemail.has_box(service.db, box):
        raise voicemail.VoicemailError(f"extension: {box} has no voicemail box")
    if which not in voicemail.GREETINGS:
        raise voicemail.VoicemailError(f"which: one of {', '.join(voicemail.GREETINGS)}")
    return voicemail_dir(service) / box / f"{which}.wav"


async def set_greeting(service, box: str, which: str, upload: UploadFile, actor: str) -> None:
    """The box's own greeting from a WAV or MP3 (as `tongdai vm greeting` does)."""
    target = _greeting_target(service, box, which)
    target.parent.mkdir(parents=True, exist_ok=True)
    await _converted(
        service, upload, "file", lambda f: custom_prompts(service).convert_into(target, f)
    )
    record(service.db, actor, "voicemail.greeting", f"{box} {which}")


def remove_greeting(service, box: str, which: str, actor: str) -> None:
    _greeting_target(service, box, which).unlink(missing_ok=True)
    record(service.db, actor, "voicemail.greeting", f"{box} {which} removed")


def greetings(service, box: str) -> list[str]:
    return [w for w in voicemail.GREETINGS if voicemail.greeting(voicemail_dir(service), box, w)]
