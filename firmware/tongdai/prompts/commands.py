"""The `tongdai prompt` commands: upload, type, list and delete custom prompts, and import
a human-recorded pack. Registered into the main parser by tongdai.cli. The running service
picks a new prompt up on the next call that plays it: no restart."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from tongdai.prompts.catalog import LANGUAGES
from tongdai.prompts.custom import CustomPrompts, PromptError

ERRORS = (PromptError,)


def register(sub, group, action, load_settings: Callable) -> None:
    """Add the commands (the helpers are tongdai.cli's, as for acd.commands.register)."""

    def prompts_action(name, help, func):
        return action(prompt, name, help, lambda args: func(_open(load_settings(args)), args))

    def lang_of(args) -> str:
        return args.lang or load_settings(args).language

    prompt = group(sub, "prompt", "custom prompts (they replace built ones of the same name)")
    p = prompts_action("add", "make a prompt from a WAV or MP3 file",
                       lambda c, args: _add(c, lang_of(args), args))  # fmt: skip
    p.add_argument("name", help="e.g. ivr_welcome (replaces the built one) or greeting_sales")
    p.add_argument("file", type=Path)
    p.add_argument("--lang", choices=LANGUAGES, help="default: the box's language")
    p = prompts_action("say", "make a prompt by speaking text (espeak-ng)",
                       lambda c, args: _say(c, lang_of(args), args))  # fmt: skip
    p.add_argument("name")
    p.add_argument("text", help='e.g. "Xin chào, bấm 1 để gặp phòng kinh doanh"')
    p.add_argument("--lang", choices=LANGUAGES, help="default: the box's language")
    p = prompts_action("list", "list prompts: built, custom (replacing built) or custom only",
                       _list)  # fmt: skip
    p.add_argument("--lang", choices=LANGUAGES)
    p.add_argument("--custom", action="store_true", help="only custom prompts")
    p = prompts_action("del", "delete a custom prompt (a built one speaks again)", _del)
    p.add_argument("name")
    p.add_argument("--lang", choices=LANGUAGES, help="default: both languages")
    p = prompts_action("pack", "import a recorded pack: FOLDER/vi/*.wav, FOLDER/en/*.mp3 ...",
                       _pack)  # fmt: skip
    p.add_argument("folder", type=Path)


def _open(settings) -> CustomPrompts:
    return CustomPrompts(settings.sounds_dir / "prompts", settings.media_clock_rate)


def _add(store: CustomPrompts, lang: str, args: argparse.Namespace) -> int:
    try:
        upload = args.file.open("rb")
    except OSError as exc:
        raise PromptError(f"{args.file}: {exc.strerror}") from exc
    with upload:
        try:
            store.install(args.name, lang, upload)
        except PromptError as exc:
            raise PromptError(f"{args.file}: {exc}; nothing changed") from exc
    print(f"prompt {lang}/{args.name} installed ({store.rate} Hz)")
    return 0


def _say(store: CustomPrompts, lang: str, args: argparse.Namespace) -> int:
    store.speak_custom(args.name, lang, args.text)
    print(f"prompt {lang}/{args.name} spoken")
    return 0


def _list(store: CustomPrompts, args: argparse.Namespace) -> int:
    for entry in store.listing(args.lang):
        if not args.custom or entry.state != "built":
            print(f"{entry.lang}  {entry.name:<32} {entry.state}")
    return 0


def _del(store: CustomPrompts, args: argparse.Namespace) -> int:
    for removed in store.remove(args.name, args.lang):
        print(f"prompt {removed} deleted")
    return 0


def _pack(store: CustomPrompts, args: argparse.Namespace) -> int:
    report = store.install_pack(args.folder)
    for label in report.unknown:
        print(f"skipped {label}: not named like a built prompt")
    print(f"{len(report.installed)} prompts installed: {', '.join(report.installed)}")
    return 0
