"""Feature codes over the API (admin): list them, change one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import features

admin = auth.require("admin")
router = APIRouter(prefix="/api/v1/features", tags=["features"], dependencies=[Depends(admin)])


class Feature(BaseModel):
    name: str
    code: str
    default: str
    does: str
    prefixed: bool  # takes a number after the code (**201, *281)


class CodeChange(BaseModel):
    code: str


def _all(request: Request) -> list[Feature]:
    return [Feature(**f, prefixed=f["name"] in features.PREFIXED)
            for f in features.listing(auth.service(request).db)]  # fmt: skip


@router.get("")
async def list_features(request: Request) -> list[Feature]:
    return _all(request)


@router.put("/{name}")
async def set_code(
    request: Request,
    who: Annotated[auth.Principal, Depends(admin)],
    name: str,
    change: CodeChange,
) -> Feature:
    if name not in features.DEFAULTS:
        raise HTTPException(404, f"no feature {name!r}")
    try:
        features.set_code(auth.service(request).db, name, change.code, actor=who.user.username)
    except features.FeatureError as exc:
        raise unprocessable(exc) from None
    return next(f for f in _all(request) if f.name == name)
