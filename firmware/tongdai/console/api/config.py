"""SIP bans and the settings file (network, time, language, recording retention) over
the API (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from tongdai.console import auth, changes
from tongdai.console.api.errors import unprocessable
from tongdai.console.pages import bans as bans_page
from tongdai.console.pages import settings as settings_page
from tongdai.settings import SettingsError
from tongdai.store import bans

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1", tags=["bans and settings"], dependencies=[Depends(admin)])


class Ban(BaseModel):
    address: str
    reason: str
    since: float | None  # UNIX seconds (None: the edge's, not yet stored)
    until: float


class NewBan(BaseModel):
    address: str
    hours: float = 24
    reason: str = ""


class Setting(BaseModel):
    value: str  # what the running service uses
    next_start: str  # what the file (under the environment and flags) gives at a start
    fixed_by: str | None  # "command line", "environment TONGDAI_…", "start" (no file to
    # write: the service was started without one), or None: editable
    live: bool  # a change takes effect at once (else at the next start)


class Settings(BaseModel):
    file: str | None
    problem: str  # the file's error, if it does not load
    settings: dict[str, Setting]


class Saved(BaseModel):
    changed: dict[str, str]
    applied: list[str]  # in effect now
    restart_needed: list[str]  # written, in effect after a restart


@router.get("/bans")
async def list_bans(request: Request) -> list[Ban]:
    return [Ban(**b) for b in bans_page.listing(auth.service(request))]


@router.post("/bans", status_code=201)
async def add_ban(request: Request, who: Admin, new: NewBan) -> list[Ban]:
    try:
        bans_page.ban(auth.service(request), new.address, new.hours, new.reason,
                      who.user.username)  # fmt: skip
    except bans.BanError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return [Ban(**b) for b in bans_page.listing(auth.service(request))]


@router.delete("/bans/{address}", status_code=204)
async def lift_ban(request: Request, who: Admin, address: str) -> Response:
    try:
        bans_page.lift(auth.service(request), address, who.user.username)
    except bans.BanError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return Response(status_code=204)


@router.get("/settings")
async def get_settings(request: Request) -> Settings:
    return Settings(**settings_page.state(auth.service(request)))


@router.patch("/settings")
async def change_settings(request: Request, who: Admin, change: dict[str, str | int]) -> Saved:
    """Send only the settings to change: {"recording_keep_days": 30, "timezone": "…"}."""
    try:
        changed, applied, restart = settings_page.save(
            auth.service(request), {k: str(v) for k, v in change.items()}, who.user.username
        )
    except SettingsError as exc:
        name, message = settings_page.named(str(exc))
        raise unprocessable(ValueError(f"{name}: {message}")) from None
    return Saved(changed=changed, applied=applied, restart_needed=restart)
