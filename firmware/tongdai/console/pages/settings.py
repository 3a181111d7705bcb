"""Network, time, language and recording settings (admin), written to tongdai.toml by
tongdai.settings_file: checked as at start, written atomically, taken at once where the
running service can (language, retention), else marked as waiting for a restart. A
setting fixed by the environment or the command line is shown, not offered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai import settings_file
from tongdai.console import auth, i18n
from tongdai.console.templating import N_, locale_for, render
from tongdai.settings import SettingsError
from tongdai.store import audit

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])

SECTION_NAMES = {"network": N_("Network"), "time": N_("Time"), "language": N_("Language"),
                 "recording": N_("Recording retention"), "modems": N_("USB modems")}  # fmt: skip
SETTING_NAMES = {
    "bind": N_("Listen on address (0.0.0.0: all)"),
    "sip_port": N_("SIP port (UDP and TCP)"),
    "sips_port": N_("SIP over TLS port"),
    "http_port": N_("Web console port"),
    "rtp_ports": N_("RTP ports (audio), first-last"),
    "media_address": N_("Address for audio (empty: found by itself)"),
    "timezone": N_("Time zone"),
    "language": N_("The box's language"),
    "recording_keep_days": N_("Keep recordings for (days)"),
    "recording_min_free_mb": N_("Delete the oldest recordings below this free space (MB)"),
    "modems": N_("Modems: NAME=PORT, comma-separated (tongdai modem probe lists the ports)"),
}


def as_text(name: str, value) -> str:
    if name == "rtp_ports":
        return f"{value[0]}-{value[1]}"
    if name == "modems":
        return settings_file.modems_text(value)
    return str(value)


def state(service) -> dict:
    """What the page and GET /api/v1/settings show: each editable setting's running value,
    what the file would give at the next start, and whether the console may change it."""
    file = service.settings_file
    wanted, problem = service.settings, ""
    if file is not None:
        try:
            wanted = file.load()
        except SettingsError as exc:
            problem = str(exc)  # a hand-edited file gone bad: shown, and fixed by a save
    fixed = file.fixed() if file else {}
    return {
        "file": str(file.path) if file else None,
        "problem": problem,
        "settings": {
            name: {
                "value": as_text(name, getattr(service.settings, name)),
                "next_start": as_text(name, getattr(wanted, name)),
                "fixed_by": fixed.get(name) if file else "start",
                "live": name in settings_file.LIVE,
            }
            for name in settings_file.EDITABLE
        },
    }


def save(service, changes: dict[str, str], actor: str) -> tuple[dict, list[str], list[str]]:
    """Write the changes that differ from the file's; (those changes, the names applied
    now, those waiting for a restart). SettingsError when one is bad (nothing written)."""
    if service.settings_file is None:
        raise SettingsError("file: this service was started without a settings file")
    current = state(service)["settings"]
    wanted = {n: str(v).strip() for n, v in changes.items()
              if n not in current or str(v).strip() != current[n]["next_start"]}  # fmt: skip
    new = service.settings_file.save(wanted) if wanted else service.settings_file.load()
    if wanted:
        audit.record(service.db, actor, "settings.save",
                     " ".join(f"{n}={v}" for n, v in sorted(wanted.items())))  # fmt: skip
    applied = settings_file.apply_live(service, new)
    return wanted, applied, settings_file.needs_restart(service, new)


def _page(request: Request, status: int = 200, **context) -> Response:
    service = auth.service(request)
    context = {**state(service), "sections": settings_file.SECTIONS,
               "section_names": SECTION_NAMES, "setting_names": SETTING_NAMES,
               "languages": i18n.LANGUAGES, "errors": {}, "form": {}, **context}  # fmt: skip
    context["restart"] = [n for n, s in context["settings"].items()
                          if s["value"] != s["next_start"]]  # fmt: skip
    return render(request, "settings.html", context, block="settings", status=status)


@router.get("/settings")
async def settings_page(request: Request) -> Response:
    return _page(request)


@router.post("/settings")
async def change(request: Request, who: Admin) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items() if k in settings_file.EDITABLE}
    try:
        _, applied, _ = save(auth.service(request), form, who.user.username)
    except SettingsError as exc:
        name, message = named(str(exc))
        errors = {name: locale_for(request).gettext(message)}
        return _page(request, 422, errors=errors, form=form)
    return _page(request, saved=True, applied=applied)


def named(message: str) -> tuple[str, str]:
    """(setting, what is wrong) from a SettingsError: "name: ..." or settings.check's
    "bad value 'x' for name (from the console): expected ..."."""
    if message.startswith("bad value ") and " for " in message:
        name = message.split(" for ", 1)[1].split(" ", 1)[0]
        return name, message.rpartition(": ")[2]
    name, _, rest = message.partition(": ")
    return (name, rest) if " " not in name else ("", message)
