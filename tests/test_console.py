"""The console's behaviour through HTTP: login and sessions, the lock-out, the forced
password change, users and roles, the audit log, languages, headers, the API, uploads."""

import asyncio
import hashlib
import io
import re
import time
from pathlib import Path

import pytest
from consolebox import PASSWORD, csrf_token
from fastapi import UploadFile
from tongdai.console import i18n, throttle, uploads
from tongdai.console.security import CSP
from tongdai.store import accounts, audit, cdr


def _login(client, username, password, **kw):
    return client.post("/login", data={"username": username, "password": password},
                       follow_redirects=False, **kw)  # fmt: skip


def test_session_cookie_is_httponly_strict_expiring_and_stored_hashed(console):
    console.user("lan", "supervisor")
    r = _login(console.client(), "lan", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    session_id = re.search(r"tongdai_session=([^;]+)", cookie).group(1)
    stored = [row["id_hash"] for row in console.db["console_sessions"].rows]
    assert stored == [hashlib.sha256(session_id.encode()).hexdigest()]


def test_wrong_password_and_unknown_user_look_alike(console):
    console.user("lan", "agent")
    a = _login(console.client(), "lan", "wrong-password!")
    b = _login(console.client(), "nobody", "wrong-password!")
    assert a.status_code == b.status_code == 401
    assert "set-cookie" not in a.headers


def test_sessions_expire_when_idle_and_when_old(console):
    client, _ = console.logged_in("lan", "supervisor")
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    idle = console.service.settings.console_session_idle
    console.db.execute("UPDATE console_sessions SET seen_at = seen_at - ?", [idle + 1])
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert console.db["console_sessions"].count == 0  # deleted, not just refused

    client, _ = console.logged_in("lan")
    lifetime = console.service.settings.console_session_max
    console.db.execute("UPDATE console_sessions SET created_at = created_at - ?", [lifetime + 1])
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(console):
    client, token = console.logged_in("lan", "supervisor")
    cookie = client.cookies["tongdai_session"]
    assert client.post("/logout", data={"csrf_token": token}).url.path == "/login"
    other = console.client()
    other.cookies["tongdai_session"] = cookie  # a copy kept from before the logout
    assert other.get("/dashboard", follow_redirects=False).status_code == 303


def test_ten_failures_lock_the_address_out_for_fifteen_minutes(console):
    console.user("lan", "agent")
    client = console.client("192.0.2.7")
    for _ in range(throttle.FAILURES):
        assert _login(client, "lan", "not-the-password").status_code == 401
    locked = _login(client, "lan", PASSWORD)  # the right password too
    assert locked.status_code == 429
    assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60 + 1
    assert _login(console.client("192.0.2.8"), "lan", PASSWORD).status_code == 303
    assert any(e["action"] == "login.lockout" for e in audit.entries(console.db))


def test_throttle_window_and_lockout_times():
    now = [0.0]
    t = throttle.LoginThrottle(clock=lambda: now[0])
    for _ in range(9):
        assert not t.failed("a")
        now[0] += 40  # 9 failures over 6 minutes: the first ones leave the window
    assert not t.failed("a") and t.locked_for("a") == 0
    for _ in range(9):
        t.failed("b")
    assert t.failed("b") and t.locked_for("b") == throttle.LOCKOUT
    now[0] += throttle.LOCKOUT - 1
    assert t.locked_for("b") > 0
    now[0] += 1
    assert t.locked_for("b") == 0


def test_first_login_forces_a_new_password(console):
    client = console.client()
    r = _login(client, "admin", console.admin_password)
    assert r.headers["location"] == "/account"
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/account"
    page = client.get("/account")
    token = csrf_token(page.text)
    assert 'href="/users"' not in page.text  # no navigation until it is changed

    def change(current, new, repeat=None):
        return client.post("/account/password", headers={"HX-Request": "true"}, data={
            "csrf_token": token, "current_password": current, "new_password": new,
            "repeat_password": new if repeat is None else repeat})  # fmt: skip

    bad = change("wrong", "a-new-long-password")
    assert bad.status_code == 422 and 'id="current_password-error"' in bad.text
    assert "<html" not in bad.text  # htmx gets the form alone
    same = change(console.admin_password, console.admin_password)
    assert same.status_code == 422 and 'id="new_password-error"' in same.text
    short = change(console.admin_password, "short")
    assert short.status_code == 422 and "at least 10 characters" in short.text
    differ = change(console.admin_password, "a-new-long-password", "another-one-here")
    assert differ.status_code == 422 and 'id="repeat_password-error"' in differ.text
    assert accounts.find_user(console.db, "admin").must_change_password  # nothing changed

    ok = change(console.admin_password, "a-new-long-password")
    assert ok.status_code == 204 and ok.headers["hx-redirect"].startswith("/dashboard")
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    assert accounts.verify_password(console.db, "admin", "a-new-long-password")


def test_users_create_role_reset_delete_and_the_last_admin(console):
    client, token = console.logged_in("boss", "admin")
    hx = {"HX-Request": "true"}
    r = client.post("/users", headers=hx,
                    data={"csrf_token": token, "username": "mai", "role": "agent"})  # fmt: skip
    assert r.status_code == 201
    password = re.search(r"<code>([^<]+)</code>", r.text).group(1)
    assert accounts.verify_password(console.db, "mai", password).must_change_password
    assert password not in client.get("/users").text  # shown once

    form = {"csrf_token": token, "username": "bad name", "role": "agent"}
    bad = client.post("/users", headers=hx, data=form)
    assert bad.status_code == 422 and 'id="username-error"' in bad.text
    assert 'value="bad name"' in bad.text  # what was typed stays in the form
    assert accounts.find_user(console.db, "bad name") is None
    dup = client.post("/users", headers=hx,
                      data={"csrf_token": token, "username": "mai", "role": "agent"})  # fmt: skip
    assert dup.status_code == 422 and "already exists" in dup.text

    client.post("/users/mai/role", data={"csrf_token": token, "role": "supervisor"})
    assert accounts.find_user(console.db, "mai").role == "supervisor"
    reset = client.post("/users/mai/password", headers=hx, data={"csrf_token": token})
    new = re.search(r"<code>([^<]+)</code>", reset.text).group(1)
    assert new != password and accounts.verify_password(console.db, "mai", new)

    # The first admin is still there: demote it, then boss is the last admin.
    client.post("/users/admin/role", data={"csrf_token": token, "role": "agent"})
    last = client.post("/users/boss/role", data={"csrf_token": token, "role": "agent"})
    assert last.status_code == 422 and "last admin" in last.text
    assert client.post("/users/boss/delete", data={"csrf_token": token}).status_code == 422
    assert accounts.find_user(console.db, "boss").role == "admin"

    assert client.post("/users/mai/delete", data={"csrf_token": token}).status_code == 200
    assert accounts.find_user(console.db, "mai") is None
    actions = [(e["actor"], e["action"]) for e in audit.entries(console.db)]
    for action in ("user.create", "user.role", "user.password", "user.delete"):
        assert ("boss", action) in actions


def test_a_password_reset_ends_that_users_sessions(console):
    agent, _ = console.logged_in("mai", "agent")
    assert agent.get("/account", follow_redirects=False).status_code == 200
    accounts.set_password(console.db, "mai", "a-new-long-password", actor="test")
    assert agent.get("/account", follow_redirects=False).status_code == 303


def test_audit_log_pages_newest_first(console):
    for n in range(120):
        audit.record(console.db, "tester", "test.entry", f"entry {n}")
    client, _ = console.logged_in("boss", "admin")
    first = client.get("/audit").text
    assert first.index("entry 119") < first.index("entry 118")
    assert "entry 69" not in first
    total = console.db["audit_log"].count
    last = client.get(f"/audit?page={-(-total // 50)}").text
    assert "entry 0<" in last and "entry 119" not in last


def test_language_per_user_and_on_the_login_page(console):
    client, token = console.logged_in("lan", "supervisor")
    assert ">Dashboard<" in client.get("/dashboard").text  # the box's language (en)
    r = client.post("/language", data={"csrf_token": token, "lang": "vi", "next": "/dashboard"})
    assert ">Tổng quan<" in r.text and 'lang="vi"' in r.text
    assert accounts.find_user(console.db, "lan").language == "vi"
    login = console.client().get("/login?lang=vi")
    assert ">Đăng nhập<" in login.text
    assert "tongdai_lang=vi" in login.headers["set-cookie"]


@pytest.mark.language("vi")
def test_box_language_is_the_default(console):
    assert ">Đăng nhập<" in console.client().get("/login").text


def test_dates_and_numbers_follow_the_locale():
    vi, en = i18n.Locale("vi", "Asia/Ho_Chi_Minh"), i18n.Locale("en", "Asia/Ho_Chi_Minh")
    assert vi.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
    assert en.datetime("2026-11-23T01:30:00+00:00") == "11/23/26, 8:30\u202fAM"
    assert vi.datetime("2026-11-23T01:30:00+00:00").startswith("08:30")
    assert vi.duration(3 * 86400) == "3 ngày"


def test_security_headers_and_no_inline_script_or_style(console):
    client, _ = console.logged_in("boss", "admin")
    for path in ("/dashboard", "/users", "/audit", "/account", "/api/v1/users"):
        r = client.get(path)
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["cache-control"] == "no-store"
        if path.startswith("/api"):
            continue
        for tag in re.findall(r"<script[^>]*>", r.text):
            assert "src=" in tag, tag
        assert not re.search(r"\sstyle=|\son[a-z]+=|<style", r.text), path
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP


def test_dashboard_shows_phones_and_todays_calls(console):
    client, _ = console.logged_in("lan", "supervisor")
    assert "0 of 4 extensions registered" in client.get("/dashboard").text
    from tongdai.edge.location import Binding

    console.service.edge.edge.location.put(Binding(
        "101", "sip:101@127.0.0.1:5070", time.time() + 600, "c1", 1, "UDP",
        ("127.0.0.1", 5070), time.time(), user_agent="Yealink T46U"))  # fmt: skip
    cdr.save(console.db, cdr.Cdr("101", "102", "internal", disposition="no answer"))
    page = client.get("/dashboard", headers={"HX-Request": "true"}).text
    assert page.lstrip().startswith('<div id="status"')  # the polled block alone
    assert "1 of 4 extensions registered" in page and "Yealink T46U" in page
    api = client.get("/api/v1/dashboard").json()
    assert api["today"]["calls"] == 1 and api["today"]["missed"] == 1
    assert api["phones"]["registered"] == 1


def test_api_users_with_a_token(console):
    console.user("boss", "admin")
    token = accounts.create_token(console.db, "boss", "crm", actor="test")
    client = console.client()
    client.headers["Authorization"] = f"Bearer {token}"
    r = client.post("/api/v1/users", json={"username": "mai", "role": "agent"})
    assert r.status_code == 201 and len(r.json()["password"]) >= 20
    bad = client.post("/api/v1/users", json={"username": "bad name"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "username"
    assert (
        client.patch("/api/v1/users/mai", json={"role": "nope"}).json()["detail"]["field"] == "role"
    )
    assert (
        client.patch("/api/v1/users/mai", json={"role": "supervisor"}).json()["role"]
        == "supervisor"
    )
    assert client.patch("/api/v1/users/ghost", json={"role": "agent"}).status_code == 404
    assert client.delete("/api/v1/users/mai").status_code == 204
    assert [u["username"] for u in client.get("/api/v1/users").json()] == ["admin", "boss"]
    page = client.get("/api/v1/audit?limit=2").json()
    assert page["total"] >= 3 and page["entries"][0]["action"] == "user.delete"
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/users", "/api/v1/users/{username}", "/api/v1/audit"} <= set(paths)
    assert "/users" not in paths  # pages are not API


def test_api_with_a_browser_session_needs_the_csrf_header(console):
    client, token = console.logged_in("boss", "admin")
    assert client.get("/api/v1/users").status_code == 200
    assert client.post("/api/v1/users", json={"username": "mai"}).status_code == 403
    ok = client.post("/api/v1/users", json={"username": "mai"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201


WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40)


def test_uploads_checked_by_content_and_size_under_generated_names(tmp_path):
    asyncio.run(_uploads(tmp_path))


async def _uploads(tmp_path):
    def upload(data, name="../../etc/passwd.wav"):
        return UploadFile(io.BytesIO(data), filename=name)

    saved = await uploads.save(upload(WAV), tmp_path, kinds=(uploads.WAV,), max_bytes=1000)
    assert saved.parent == tmp_path and re.fullmatch(r"[0-9a-f]{32}\.wav", saved.name)
    assert saved.read_bytes() == WAV
    with pytest.raises(uploads.UploadError, match="file: not a WAV or MP3 file"):
        await uploads.save(upload(b"<?php evil"), tmp_path, kinds=(uploads.WAV, uploads.MP3),
                           max_bytes=1000)  # fmt: skip
    with pytest.raises(uploads.UploadError, match="larger than"):
        await uploads.save(upload(WAV + bytes(200_000)), tmp_path, kinds=(uploads.WAV,),
                           max_bytes=100_000)  # fmt: skip
    with pytest.raises(uploads.UploadError, match="empty"):
        await uploads.save(upload(b""), tmp_path, kinds=(uploads.CSV,), max_bytes=10)
    assert list(tmp_path.iterdir()) == [saved]  # refused ones leave nothing behind
    csv = await uploads.save(upload("tên,số\n".encode()), tmp_path, kinds=(uploads.CSV,),
                             max_bytes=100)  # fmt: skip
    assert csv.suffix == ".csv"


def test_every_message_shown_has_a_vietnamese_translation():
    from babel.messages.extract import extract_from_dir

    console_dir = Path(i18n.__file__).parent
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            console_dir,
            [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")],
            {"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }
    assert {
        "Log in",
        "Dashboard",
        "Admin",
        "Choose a password different from the current one.",
    } <= found
    vi = i18n.translations("vi")
    missing = sorted(m for m in found if vi.gettext(m) == m and m not in ("CPU",))
    assert missing == []
