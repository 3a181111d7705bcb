"""Store errors with values in the reader's language: every message a store raises with
values inside has a Vietnamese template, values are kept, and the API keeps the English."""

import ast
import re
from pathlib import Path

import pytest
import tongdai
from tongdai.console import error_text
from tongdai.console.i18n import Locale
from tongdai.store import ringgroups, routes

VI = Locale("vi", "Asia/Ho_Chi_Minh")
EN = Locale("en", "Asia/Ho_Chi_Minh")
PACKAGE = Path(tongdai.__file__).parent
# The stores, and the dial-pattern errors the routes store passes on as its own.
SOURCES = [*sorted((PACKAGE / "store").glob("*.py")), PACKAGE / "calls" / "patterns.py"]


def _raised_fstrings() -> list[tuple[str, ast.JoinedStr]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            call = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.JoinedStr):
                found.append((f"{path.name}:{node.lineno}", call.args[0]))
    return found


def _sample(message: ast.JoinedStr) -> str | None:
    """The message with a made-up value for each expression (the same one for the same
    expression), or None for "field: {exc}": an error passed on, checked where raised."""
    parts, samples = [], {}
    for part in message.values:
        if isinstance(part, ast.Constant):
            parts.append(part.value)
            continue
        source = ast.unparse(part.value)
        value = samples.setdefault(source, f"v{len(samples) + 1}")
        parts.append(repr(value) if part.conversion == ord("r") else value)
    head, tail = message.values[0], message.values[-1]
    passed_on = isinstance(tail, ast.FormattedValue) and ast.unparse(tail.value) == "exc"
    if passed_on and len(message.values) == 2 and head.value.endswith(": "):
        return None
    return "".join(parts)


FSTRINGS = _raised_fstrings()


def test_the_scan_finds_the_stores_messages():
    assert len(FSTRINGS) > 100  # the scan itself works
    assert any(where.startswith("conferences.py") for where, _ in FSTRINGS)


@pytest.mark.parametrize(("where", "message"), FSTRINGS, ids=[w for w, _ in FSTRINGS])
def test_every_store_message_with_values_has_vietnamese(where, message):
    text = _sample(message)
    if text is None:
        return
    english = error_text.without_field(text)
    translated = error_text.translate(english, VI)
    assert translated != english, f"{where}: no template in vi.po matches {english!r}"
    values = set(re.findall(r"v\d+", english))
    assert values <= set(re.findall(r"v\d+", translated)), (where, translated)
    assert error_text.translate(english, EN) == english


def test_templates_are_well_formed():
    templates = error_text.templates("vi")
    assert len(templates) > 80
    for pattern, translation in templates:
        names = set(pattern.groupindex)
        used = set(error_text.PLACEHOLDER.findall(translation))
        assert used == names, (pattern.pattern, translation)
        # a template of nothing but values would match anything
        assert re.sub(r"\(\?P<\w+>[^)]*\)+\??", "", pattern.pattern).strip(), pattern.pattern


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        # values are kept; what owns a number is itself translated
        ("801 is taken by ring group sales", "số 801 đã được dùng cho nhóm đổ chuông sales"),
        # the most specific template wins over "{name} already exists"
        ("ring group sales already exists", "nhóm đổ chuông sales đã tồn tại"),
        ("'mai' already exists", "'mai' đã tồn tại"),
        # an exact msgid first
        ("at most 100 characters", "tối đa 100 ký tự"),
        ("at most 7 characters", "tối đa 7 ký tự"),
        # lists of things, and the fixed word "any"
        (
            "calls are sent to queue:support by inbound route any, IVR key main key 1",
            "tuyến gọi vào của số bất kỳ, phím 1 của menu IVR main đang chuyển cuộc gọi "
            "đến queue:support",
        ),
        ("a route for any from any trunk exists", "đã có tuyến cho số bất kỳ từ trung kế bất kỳ"),
        ("queue:x is not an existing queue", "queue:x không phải là hàng chờ đang có"),
        # a name that spells a fixed word stays a name
        ("ring group queue already exists", "nhóm đổ chuông queue đã tồn tại"),
        # a line's error inside, not a number "line 4: numbers: 0912"
        ("line 4: numbers: 0912 is An's already", "dòng 4: 0912 đã thuộc về An"),
        # a value named twice must be the same both times
        (
            "201 is a queue agent (tongdai agent del 201)",
            "201 đang là nhân viên của hàng chờ (gỡ bằng lệnh tongdai agent del 201)",
        ),
        ("201 is a queue agent (tongdai agent del 202)", None),
        ("something no store says", None),
    ],
)
def test_translation_of_messages(english, vietnamese):
    assert error_text.translate(english, VI) == (vietnamese or english)


def test_a_real_store_error_through_field_error(console):
    from tongdai.console.forms import field_error

    with pytest.raises(routes.RouteError) as caught:
        routes.add_inbound(console.db, "", "extension:999")
    assert field_error(caught.value, VI) == {
        "destination": "extension:999 không phải là máy nhánh đang có"
    }


@pytest.fixture
def vi_admin(console):
    client, token = console.logged_in("quan", "admin")
    client.headers["X-CSRF-Token"] = token
    client.post("/language", data={"lang": "vi", "next": "/conferences"})
    return client


def test_a_vietnamese_admin_sees_a_clash_in_vietnamese_and_the_api_stays_english(console, vi_admin):
    r = vi_admin.post("/conferences", data={"number": "101", "name": "Họp"})
    assert r.status_code == 422
    assert "số 101 đã được dùng cho máy nhánh 101" in r.text
    assert "taken by" not in r.text
    r = vi_admin.post("/api/v1/conferences", json={"number": "101"})
    assert r.status_code == 422
    assert r.json()["detail"] == {"field": "number", "message": "101 is taken by extension 101"}


def test_a_vietnamese_admin_sees_an_extension_clash_and_a_refused_delete(console, vi_admin):
    assert vi_admin.post("/conferences", data={"number": "800"}).status_code == 201
    r = vi_admin.post("/extensions", data={"number": "800"})
    assert r.status_code == 422 and "số 800 đã được dùng cho phòng hội nghị 800" in r.text
    ringgroups.add(console.db, "sales", members=["101"], actor="test")
    routes.add_inbound(console.db, "02873001234", "ring_group:sales", actor="test")
    r = vi_admin.post("/ringgroups/sales/delete")
    assert r.status_code == 422
    assert "tuyến gọi vào của số 02873001234 đang chuyển cuộc gọi đến ring_group:sales" in r.text
