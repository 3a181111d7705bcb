"""The contact book: people and companies who call, with their numbers (normalised, one
contact per number, so a caller's number finds one card), and a CSV import that applies
every row or none."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import sqlite_utils

from tongdai.store.audit import record
from tongdai.store.db import utcnow

MAX_NAME = 100
MAX_TEXT = 2000
MAX_NUMBERS = 10
MAX_IMPORT_ROWS = 10_000
NUMBER_RE = re.compile(r"\+?[0-9]{2,20}")
# CSV header names (English or Vietnamese, any case) -> field
COLUMNS = {
    "name": "name", "tên": "name", "họ tên": "name",
    "numbers": "numbers", "number": "numbers", "phone": "numbers",
    "số điện thoại": "numbers", "điện thoại": "numbers",
    "company": "company", "công ty": "company",
    "notes": "notes", "ghi chú": "notes",
}  # fmt: skip


class ContactError(ValueError):
    """A bad contact field or CSV line; the message names it."""


@dataclass
class Contact:
    name: str
    numbers: list[str] = field(default_factory=list)
    company: str = ""
    notes: str = ""
    id: int | None = None


def normalise(number: str) -> str:
    """A phone number as the book keeps it and callers are matched: no spaces or
    punctuation, Vietnam's country code written as the national 0 (+84 91… -> 091…)."""
    n = re.sub(r"[\s.\-()/]", "", number)
    if n.startswith("00"):
        n = "+" + n[2:]
    if n.startswith("+84"):
        n = "0" + n[3:]
    elif n.startswith("84") and len(n) == 11:  # 84 91 234 5678, as some trunks send it
        n = "0" + n[2:]
    return n


def split_numbers(text: str) -> list[str]:
    """Numbers typed in one field, separated by commas, semicolons or new lines."""
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


def _checked(contact: Contact) -> Contact:
    name = contact.name.strip()
    if not name:
        raise ContactError("name: a name is required")
    if len(name) > MAX_NAME:
        raise ContactError(f"name: at most {MAX_NAME} characters")
    numbers = []
    for raw in contact.numbers:
        number = normalise(raw)
        if not NUMBER_RE.fullmatch(number):
            raise ContactError(f"numbers: {raw!r} is not a phone number")
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        raise ContactError("numbers: at least one number is required")
    if len(numbers) > MAX_NUMBERS:
        raise ContactError(f"numbers: at most {MAX_NUMBERS} numbers")
    company, notes = contact.company.strip(), contact.notes.strip()
    if len(company) > MAX_NAME:
        raise ContactError(f"company: at most {MAX_NAME} characters")
    if len(notes) > MAX_TEXT:
        raise ContactError(f"notes: at most {MAX_TEXT} characters")
    return Contact(name, numbers, company, notes, contact.id)


def _check_free(db: sqlite_utils.Database, numbers: list[str], contact_id: int | None) -> None:
    for number in numbers:
        row = db.execute(
            "SELECT c.name FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id "
            "WHERE n.number = ? AND c.id IS NOT ?", [number, contact_id],
        ).fetchone()  # fmt: skip
        if row:
            raise ContactError(f"numbers: {number} is {row[0]}'s already")


def _write(db: sqlite_utils.Database, c: Contact) -> int:
    now = utcnow()
    fields = {"name": c.name, "company": c.company, "notes": c.notes, "updated_at": now}
    if c.id is None:
        contact_id = db["contacts"].insert({**fields, "created_at": now}).last_pk
    else:
        contact_id = c.id
        db["contacts"].update(contact_id, fields)
        db.execute("DELETE FROM contact_numbers WHERE contact_id = ?", [contact_id])
    db["contact_numbers"].insert_all({"number": n, "contact_id": contact_id} for n in c.numbers)
    return contact_id


def save(db: sqlite_utils.Database, contact: Contact, *, actor: str) -> int:
    """Create (id None) or replace a contact; its id."""
    c = _checked(contact)
    with db.atomic():
        if c.id is not None and get(db, c.id) is None:
            raise ContactError(f"id: no contact {c.id}")
        _check_free(db, c.numbers, c.id)
        contact_id = _write(db, c)
        action = "contact.create" if c.id is None else "contact.update"
        record(db, actor, action, f"{c.name} ({', '.join(c.numbers)})")
    return contact_id


def delete(db: sqlite_utils.Database, contact_id: int, *, actor: str) -> None:
    with db.atomic():
        c = get(db, contact_id)
        if c is None:
            raise ContactError(f"id: no contact {contact_id}")
        db["contacts"].delete(contact_id)
        record(db, actor, "contact.delete", c.name)


def _contact(db: sqlite_utils.Database, row: dict) -> Contact:
    numbers = [r[0] for r in db.execute(
        "SELECT number FROM contact_numbers WHERE contact_id = ? ORDER BY rowid", [row["id"]]
    )]  # fmt: skip
    return Contact(row["name"], numbers, row["company"], row["notes"], row["id"])


def get(db: sqlite_utils.Database, contact_id: int) -> Contact | None:
    rows = list(db.query("SELECT * FROM contacts WHERE id = ?", [contact_id]))
    return _contact(db, rows[0]) if rows else None


def by_number(db: sqlite_utils.Database, number: str) -> Contact | None:
    """The card of whoever calls from `number` (as the caller ID shows it)."""
    row = db.execute(
        "SELECT contact_id FROM contact_numbers WHERE number = ?", [normalise(number)]
    ).fetchone()
    return get(db, row[0]) if row else None


def search(db: sqlite_utils.Database, query: str = "", *, limit: int = 50,
           offset: int = 0) -> tuple[list[Contact], int]:  # fmt: skip
    """Contacts whose name, company or a number holds `query`, by name; and how many."""
    where, args = "", []
    q = query.strip()
    if q:
        digits = normalise(q)
        where = ("WHERE c.name LIKE ? OR c.company LIKE ? OR c.id IN "
                 "(SELECT contact_id FROM contact_numbers WHERE number LIKE ?)")  # fmt: skip
        args = [f"%{q}%", f"%{q}%", f"%{digits}%"]
    total = db.execute(f"SELECT count(*) FROM contacts c {where}", args).fetchone()[0]
    rows = db.query(
        f"SELECT * FROM contacts c {where} ORDER BY c.name COLLATE NOCASE, c.id "
        "LIMIT ? OFFSET ?", [*args, limit, offset],
    )  # fmt: skip
    return [_contact(db, r) for r in rows], total


def calls(db: sqlite_utils.Database, numbers: list[str], *, limit: int = 20,
          exclude: str = "") -> list[dict]:  # fmt: skip
    """The latest calls from or to any of `numbers` (CDR rows with their notes)."""
    if not numbers:
        return []
    marks = ", ".join("?" * len(numbers))
    return list(db.query(
        "SELECT cdr.id, cdr.start, cdr.src, cdr.src_name, cdr.dst, cdr.dst_channel, "
        "cdr.direction, cdr.disposition, cdr.billsec, cdr.queue, "
        "n.disposition AS outcome, n.note, n.agent "
        f"FROM cdr LEFT JOIN call_notes n ON n.call_id = cdr.id "
        f"WHERE (cdr.src IN ({marks}) OR cdr.dst IN ({marks})) AND cdr.id != ? "
        "ORDER BY cdr.start DESC LIMIT ?", [*numbers, *numbers, exclude, limit],
    ))  # fmt: skip


# -- CSV import ---------------------------------------------------------------------------


def parse_csv(data: bytes) -> list[tuple[int, Contact]]:
    """(line, contact) from a CSV file (UTF-8, a header row naming the columns). A bad
    line is a ContactError naming it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContactError(f"file: line {line}: not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header:
        raise ContactError("file: the file is empty")
    columns = [COLUMNS.get(h.strip().lower()) for h in header]
    if "name" not in columns or "numbers" not in columns:
        raise ContactError("file: line 1: the header must name the columns name and numbers")
    out: list[tuple[int, Contact]] = []
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(out) >= MAX_IMPORT_ROWS:
            raise ContactError(f"file: at most {MAX_IMPORT_ROWS} contacts at once")
        values = {col: cell for col, cell in zip(columns, row, strict=False) if col}
        contact = Contact(values.get("name", ""), split_numbers(values.get("numbers", "")),
                          values.get("company", ""), values.get("notes", ""))  # fmt: skip
        try:
            out.append((line, _checked(contact)))
        except ContactError as exc:
            raise ContactError(f"file: line {line}: {exc}") from None
    return out


def import_csv(db: sqlite_utils.Database, data: bytes, *, actor: str) -> int:
    """Add every contact of a CSV file, or none: the first bad line is named."""
    parsed = parse_csv(data)
    seen: dict[str, int] = {}
    with db.atomic():
        for line, c in parsed:
            for number in c.numbers:
                if number in seen:
                    raise ContactError(
                        f"file: line {line}: numbers: {number} is on line {seen[number]} too"
                    )
                seen[number] = line
            try:
                _check_free(db, c.numbers, None)
            except ContactError as exc:
                raise ContactError(f"file: line {line}: {exc}") from None
            _write(db, c)
        record(db, actor, "contact.import", f"{len(parsed)} contacts")
    return len(parsed)
