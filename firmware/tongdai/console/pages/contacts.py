"""The contact book (agent and up): search, create, edit, and each contact's calls; a
supervisor deletes contacts and imports a CSV file (every row or none: a bad file names
its line). Desk screen pops read the same book."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from tongdai.console import auth, error_text
from tongdai.console.forms import field_error
from tongdai.console.pages.desk import DISPOSITIONS
from tongdai.console.templating import is_htmx, locale_for, render
from tongdai.store import contacts

agent = auth.require("agent")
Agent = Annotated[auth.Principal, Depends(agent)]
Supervisor = Annotated[auth.Principal, Depends(auth.require("supervisor"))]
router = APIRouter(include_in_schema=False, dependencies=[Depends(agent)])

PAGE = 50
MAX_CSV_BYTES = 2 << 20


def line_error(exc: contacts.ContactError, request: Request) -> str:
    """A CSV error in the reader's language: "Line 4: <what is wrong>"."""
    locale = locale_for(request)
    text = str(exc).removeprefix("file: ")
    if text.startswith("line "):
        line, _, rest = text.removeprefix("line ").partition(": ")
        inner = next(iter(field_error(contacts.ContactError(rest), locale).values()))
        return locale.gettext("Line %(line)s: %(error)s") % {"line": line, "error": inner}
    return error_text.translate(text, locale)


def _list(request: Request, q: str = "", offset: int = 0, status: int = 200,
          block: str = "contacts", **context) -> Response:  # fmt: skip
    found, total = contacts.search(auth.service(request).db, q, limit=PAGE, offset=offset)
    context = {"contacts": found, "total": total, "q": q, "offset": offset, "page": PAGE,
               "errors": {}, "form": {}, **context}  # fmt: skip
    return render(request, "contacts.html", context, block=block, status=status)


@router.get("/contacts")
async def index(request: Request, q: str = "", offset: int = 0) -> Response:
    return _list(request, q, max(0, offset))


@router.get("/contacts/search")
async def search(request: Request, q: str = "", offset: int = 0) -> Response:
    """The list alone, for the search box as the user types."""
    return _list(request, q, max(0, offset), block="list")


def _form(name: str, numbers: str, company: str, notes: str) -> contacts.Contact:
    return contacts.Contact(name, contacts.split_numbers(numbers), company, notes)


@router.post("/contacts")
async def create(
    request: Request, who: Agent, name: Annotated[str, Form()] = "",
    numbers: Annotated[str, Form()] = "", company: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    try:
        contacts.save(auth.service(request).db, _form(name, numbers, company, notes),
                      actor=who.user.username)  # fmt: skip
    except contacts.ContactError as exc:
        form = {"name": name, "numbers": numbers, "company": company, "notes": notes}
        return _list(request, status=422, errors=field_error(exc, locale_for(request), "name"),
                     form=form)  # fmt: skip
    return _list(request, status=201, created=name.strip())


@router.post("/contacts/import")
async def import_csv(request: Request, who: Supervisor, file: UploadFile) -> Response:
    data = await file.read(MAX_CSV_BYTES + 1)
    try:
        if len(data) > MAX_CSV_BYTES:
            raise contacts.ContactError("file: larger than 2 MiB")
        count = contacts.import_csv(auth.service(request).db, data, actor=who.user.username)
    except contacts.ContactError as exc:
        return _list(request, status=422, import_error=line_error(exc, request))
    return _list(request, imported=count)


def _contact(request: Request, contact_id: str) -> contacts.Contact:
    contact = (
        contacts.get(auth.service(request).db, int(contact_id)) if contact_id.isdigit() else None
    )
    if contact is None:
        raise HTTPException(404, "no such contact")
    return contact


def _card(request: Request, contact: contacts.Contact, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    form = {"name": contact.name, "numbers": ", ".join(contact.numbers),
            "company": contact.company, "notes": contact.notes}  # fmt: skip
    context = {"contact": contact, "form": form, "errors": {}, "dispositions": DISPOSITIONS,
               "history": contacts.calls(db, contact.numbers, limit=50), **context}  # fmt: skip
    return render(request, "contact.html", context, block="contact", status=status)


@router.get("/contacts/{contact_id}")
async def show(request: Request, contact_id: str) -> Response:
    return _card(request, _contact(request, contact_id))


@router.post("/contacts/{contact_id}")
async def update(
    request: Request, who: Agent, contact_id: str, name: Annotated[str, Form()] = "",
    numbers: Annotated[str, Form()] = "", company: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    contact = _contact(request, contact_id)
    changed = _form(name, numbers, company, notes)
    changed.id = contact.id
    try:
        contacts.save(auth.service(request).db, changed, actor=who.user.username)
    except contacts.ContactError as exc:
        errors = field_error(exc, locale_for(request), "name")
        form = {"name": name, "numbers": numbers, "company": company, "notes": notes}
        return _card(request, contact, 422, errors=errors, form=form)
    return _card(request, _contact(request, contact_id), saved=True)


@router.post("/contacts/{contact_id}/delete")
async def delete(request: Request, who: Supervisor, contact_id: str) -> Response:
    contact = _contact(request, contact_id)
    contacts.delete(auth.service(request).db, contact.id, actor=who.user.username)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": "/contacts"})
    return RedirectResponse("/contacts", status_code=303)
