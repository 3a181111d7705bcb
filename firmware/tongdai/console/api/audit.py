"""The audit log over the API (admin), newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.store import audit

router = APIRouter(
    prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(auth.require("admin"))]
)


class Entry(BaseModel):
    id: int
    at: str  # UTC, ISO 8601
    actor: str
    action: str
    detail: str


class Page(BaseModel):
    total: int
    entries: list[Entry]


@router.get("")
async def entries(
    request: Request,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page:
    rows, total = audit.page(auth.service(request).db, offset=offset, limit=limit)
    return Page(total=total, entries=[Entry(**r) for r in rows])
