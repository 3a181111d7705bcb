"""Reading NOTIFY bodies in tests: dialog-info validated against the RFC 4235 schema."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("dialog-info.xsd"))))
NS = {"d": "urn:ietf:params:xml:ns:dialog-info"}
STATES = {"trying", "proceeding", "early", "confirmed", "terminated"}  # RFC 4235 4.1.6.1


def parse_dialog_info(body: bytes):
    """The document, after checking it against the schema (raises if it does not fit)."""
    doc = etree.fromstring(body)
    SCHEMA.assertValid(doc)
    for state in doc.iterfind("d:dialog/d:state", NS):
        assert state.text in STATES, state.text
    return doc


def dialogs(doc) -> list[dict]:
    """Each dialog's direction, state and remote identity (with its display name)."""
    out = []
    for d in doc.iterfind("d:dialog", NS):
        remote = d.find("d:remote/d:identity", NS)
        out.append({
            "direction": d.get("direction"),
            "state": d.findtext("d:state", namespaces=NS),
            "call_id": d.get("call-id"),
            "remote": remote.text if remote is not None else None,
            "remote_name": remote.get("display-name") if remote is not None else None,
        })  # fmt: skip
    return out
