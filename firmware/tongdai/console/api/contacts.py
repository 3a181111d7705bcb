"""The contact book over the API (agent and up; deleting and importing: supervisor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import contacts

agent = auth.require("agent")
Agent = Annotated[auth.Principal, Depends(agent)]
Supervisor = Annotated[auth.Principal, Depends(auth.require("supervisor"))]
router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"], dependencies=[Depends(agent)])
MAX_CSV_BYTES = 2 << 20


class ContactIn(BaseModel):
    name: str
    numbers: list[str] = Field(description="any writing: +84 91 234 5678 is kept as 0912345678")
    company: str = ""
    notes: str = ""


class ContactOut(ContactIn):
    id: int


class Page(BaseModel):
    contacts: list[ContactOut]
    total: int


def _db(request: Request):
    return auth.service(request).db


def _out(contact: contacts.Contact) -> ContactOut:
    return ContactOut(id=contact.id, name=contact.name, numbers=contact.numbers,
                      company=contact.company, notes=contact.notes)  # fmt: skip


def _existing(request: Request, contact_id: int) -> contacts.Contact:
    contact = contacts.get(_db(request), contact_id)
    if contact is None:
        raise HTTPException(404, f"no contact {contact_id}")
    return contact


def _save(request: Request, who: auth.Principal, body: ContactIn, contact_id=None) -> int:
    contact = contacts.Contact(body.name, body.numbers, body.company, body.notes, contact_id)
    try:
        return contacts.save(_db(request), contact, actor=who.user.username)
    except contacts.ContactError as exc:
        raise unprocessable(exc) from None


@router.get("")
async def search(request: Request, q: str = "", offset: int = 0, limit: int = 50) -> Page:
    found, total = contacts.search(_db(request), q, limit=max(1, min(limit, 500)),
                                   offset=max(0, offset))  # fmt: skip
    return Page(contacts=[_out(c) for c in found], total=total)


@router.post("", status_code=201)
async def create(request: Request, who: Agent, body: ContactIn) -> ContactOut:
    return _out(contacts.get(_db(request), _save(request, who, body)))


@router.post("/import")
async def import_csv(request: Request, who: Supervisor) -> dict:
    """A CSV file as the body (UTF-8; header: name, numbers, company, notes): every row
    is added, or none and a 422 names the bad line."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_CSV_BYTES:
            raise HTTPException(413, "larger than 2 MiB")
    try:
        return {"imported": contacts.import_csv(_db(request), data, actor=who.user.username)}
    except contacts.ContactError as exc:
        raise unprocessable(exc) from None


@router.get("/{contact_id}")
async def show(request: Request, contact_id: int) -> ContactOut:
    return _out(_existing(request, contact_id))


@router.put("/{contact_id}")
async def update(request: Request, who: Agent, contact_id: int, body: ContactIn) -> ContactOut:
    _existing(request, contact_id)
    _save(request, who, body, contact_id)
    return _out(_existing(request, contact_id))


@router.delete("/{contact_id}", status_code=204)
async def delete(request: Request, who: Supervisor, contact_id: int) -> Response:
    _existing(request, contact_id)
    contacts.delete(_db(request), contact_id, actor=who.user.username)
    return Response(status_code=204)


@router.get("/{contact_id}/calls")
async def calls(request: Request, contact_id: int) -> list[dict]:
    """The contact's calls (CDR rows, newest first) with the notes saved on them."""
    return contacts.calls(_db(request), _existing(request, contact_id).numbers, limit=200)
