"""The wallboard, supervisor tools, agent desk and contacts pages and their API, through
the console fixture (a real Service on a real SQLite file); the screen pop from a real
Switch and Presence fed engine events by hand."""

from __future__ import annotations

import asyncio
import re
import types

import pytest
from tongdai.acd.live import LiveAcd
from tongdai.acd.queue_log import QueueLog
from tongdai.calls.presence import Presence
from tongdai.calls.queue import QueueCall
from tongdai.calls.records import Records
from tongdai.calls.switch import Switch
from tongdai.console import desk_calls
from tongdai.console.pages.wallboard import clock
from tongdai.store import accounts, cdr, contacts, desk, extensions
from tongdai.store import queues as store

CSV_GOOD = "tên,số điện thoại,công ty\nNguyễn Thị Lan,+84 912 345 678;028.3822.1234,Cty Sen\n"
CSV_BAD = "name,numbers\nTrần Văn Bình,0909000111\nLê Hoa,not-a-number\n"


def hx(token: str) -> dict:
    return {"HX-Request": "true", "X-CSRF-Token": token}


@pytest.fixture
def hotline(console):
    """Extensions 201 and 202 as agents of queue sales; user lan (agent) at 201."""
    db = console.db
    for number in ("201", "202"):
        extensions.add(db, number, secret=f"secret-of-{number}-abcdef", name=f"P{number}")
        store.add_agent(db, store.Agent(number))
    store.add_queue(db, store.Queue("sales", number="600", display="Bán hàng"))
    store.add_queue(db, store.Queue("support"))
    store.add_member(db, store.Member("sales", "201"))
    # The service's loop is not running here (TestClient runs requests in its own): give
    # the ACD a clock and somewhere to park its timers.
    loop = asyncio.new_event_loop()
    console.service.acd._loop = loop
    console.service.acd.sync()
    console.user("lan", "agent")
    accounts.set_extension(db, "lan", "201", actor="test")
    yield console
    loop.close()


# -- contacts ---------------------------------------------------------------------------


def test_contacts_create_search_edit_and_errors_name_the_field(console):
    client, token = console.logged_in("mai", "agent")
    r = client.post("/contacts", headers=hx(token), data={"name": "", "numbers": "0909"})
    assert r.status_code == 422 and 'id="name-error"' in r.text
    r = client.post(
        "/contacts",
        headers=hx(token),
        data={"name": "Phạm Minh", "numbers": "+84 90 900 0111, 0283", "company": "Sen"},
    )
    assert r.status_code == 201 and "Phạm Minh" in r.text
    [c] = contacts.search(console.db, "Phạm")[0]
    assert c.numbers == ["0909000111", "0283"]
    r = client.post("/contacts", headers=hx(token), data={"name": "X", "numbers": "0909 000 111"})
    assert r.status_code == 422 and "Phạm Minh&#39;s already" in r.text  # one card per number
    assert "Phạm Minh" in client.get("/contacts/search?q=0909000", headers=hx(token)).text
    assert "Phạm Minh" not in client.get("/contacts/search?q=zzz", headers=hx(token)).text
    r = client.post(f"/contacts/{c.id}", headers=hx(token),
                    data={"name": "Phạm Minh Anh", "numbers": "0909000111"})  # fmt: skip
    assert r.status_code == 200 and contacts.get(console.db, c.id).name == "Phạm Minh Anh"
    # an agent may not delete; a supervisor may
    assert client.post(f"/contacts/{c.id}/delete", headers=hx(token)).status_code == 403
    boss, boss_token = console.logged_in("boss", "supervisor")
    r = boss.post(f"/contacts/{c.id}/delete", headers=hx(boss_token))
    assert r.status_code == 204 and r.headers["hx-redirect"] == "/contacts"
    assert contacts.get(console.db, c.id) is None
    actions = [e["action"] for e in console.db["audit_log"].rows]
    assert {"contact.create", "contact.update", "contact.delete"} <= set(actions)


def test_csv_import_applies_all_or_nothing_and_names_the_bad_line(console):
    client, token = console.logged_in("boss", "supervisor")

    def upload(text: str):
        files = {"file": ("c.csv", text.encode(), "text/csv")}
        return client.post("/contacts/import", headers=hx(token), files=files)

    r = upload(CSV_BAD)
    assert r.status_code == 422
    assert re.search(r"Line 3: .*not-a-number.* is not a phone number", r.text), r.text
    assert contacts.search(console.db)[1] == 0  # line 2 was good, but nothing is applied
    r = upload(CSV_GOOD)
    assert r.status_code == 200 and "1 contacts imported" in r.text
    lan = contacts.by_number(console.db, "0912345678")
    assert (lan.name, lan.company, lan.numbers) == ("Nguyễn Thị Lan", "Cty Sen",
                                                     ["0912345678", "02838221234"])  # fmt: skip
    # a number already in the book, or twice in the file: the line is named
    r = upload("name,numbers\nA,0901\nB,0912 345 678\n")
    assert r.status_code == 422 and "Line 3" in r.text and contacts.search(console.db)[1] == 1
    r = upload("name,numbers\nA,0901\nB,0901\n")
    assert r.status_code == 422 and "Line 3" in r.text
    assert upload("\ufeffname,numbers\n").status_code == 200  # BOM, header only
    r = client.post(
        "/contacts/import",
        headers=hx(token),
        files={"file": ("c.csv", b"name,numbers\n\xff\xfe,1\n", "text/csv")},
    )
    assert r.status_code == 422 and "Line 2: not UTF-8 text" in r.text
    agent, agent_token = console.logged_in("mai", "agent")
    r = agent.post("/contacts/import", headers=hx(agent_token),
                   files={"file": ("c.csv", CSV_GOOD.encode(), "text/csv")})  # fmt: skip
    assert r.status_code == 403


def test_contacts_api(console):
    client, token = console.logged_in("boss", "supervisor")
    h = {"X-CSRF-Token": token}
    r = client.post("/api/v1/contacts", headers=h, json={"name": "An", "numbers": ["84912000111"]})
    assert r.status_code == 201 and r.json()["numbers"] == ["0912000111"]
    cid = r.json()["id"]
    r = client.post("/api/v1/contacts", headers=h, json={"name": "An", "numbers": ["x"]})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "numbers"
    assert client.get("/api/v1/contacts?q=An").json()["total"] == 1
    r = client.put(
        f"/api/v1/contacts/{cid}",
        headers=h,
        json={"name": "An Nguyễn", "numbers": ["0912000111"], "company": "Sen"},
    )
    assert r.json()["company"] == "Sen"
    r = client.post("/api/v1/contacts/import", headers={**h, "Content-Type": "text/csv"},
                    content=b"name,numbers\nB,0912000111\n")  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"]["field"] == "file"
    assert "line 2" in r.json()["detail"]["message"]
    assert client.get(f"/api/v1/contacts/{cid}/calls").json() == []
    assert client.delete(f"/api/v1/contacts/{cid}", headers=h).status_code == 204
    assert client.get(f"/api/v1/contacts/{cid}").status_code == 404


def test_a_contacts_calls_are_its_history_with_notes(console):
    db = console.db
    cid = contacts.save(db, contacts.Contact("Lan", ["0912345678"]), actor="t")
    old = cdr.Cdr("0912345678", "02873001234", "inbound", queue="sales")
    old.answered("201")
    cdr.save(db, old)
    cdr.save(db, cdr.Cdr("201", "0912345678", "outbound"))
    cdr.save(db, cdr.Cdr("0909999999", "600", "inbound"))  # someone else
    desk.save_note(db, old.id, "complaint", "giao hàng trễ", actor="lan")
    client, _ = console.logged_in("mai", "agent")
    page = client.get(f"/contacts/{cid}").text
    assert page.count("<tr><td>") == 2 and "giao hàng trễ" in page and "Complaint" in page


# -- users' extensions ------------------------------------------------------------------


def test_an_admin_links_a_user_to_an_extension(console):
    extensions.add(console.db, "201", secret="secret-of-201-abcdef", name="Lan")
    console.user("lan", "agent")
    console.user("hoa", "agent")
    admin, token = console.logged_in("root", "admin")
    r = admin.post("/users/lan/extension", headers=hx(token), data={"extension": "201"})
    assert r.status_code == 200 and 'value="201"' in r.text
    r = admin.post("/users/hoa/extension", headers=hx(token), data={"extension": "201"})
    assert r.status_code == 422 and "lan&#39;s already" in r.text
    r = admin.post("/users/hoa/extension", headers=hx(token), data={"extension": "999"})
    assert r.status_code == 422 and "no extension 999" in r.text
    r = admin.patch("/api/v1/users/lan", headers={"X-CSRF-Token": token}, json={"extension": ""})
    assert r.status_code == 200 and r.json()["extension"] is None
    r = admin.patch("/api/v1/users/hoa", headers={"X-CSRF-Token": token}, json={"extension": "201"})
    assert r.json()["extension"] == "201" and r.json()["role"] == "agent"
    extensions.delete(console.db, "201")  # the link goes with the extension
    assert accounts.extension_of(console.db, accounts.find_user(console.db, "hoa").id) is None


# -- the desk -----------------------------------------------------------------------------


def test_desk_without_an_extension_says_so(console):
    client, _ = console.logged_in("mai", "agent")
    assert "not linked to an extension" in client.get("/desk").text
    assert client.get("/api/v1/desk").status_code == 409


def test_desk_log_in_pause_unpause_log_out(hotline):
    client, token = hotline.logged_in("lan")
    page = client.get("/desk").text
    assert "Extension 201" in page and "Logged out" in page and "No call now" in page
    r = client.post("/desk/state", headers=hx(token), data={"action": "login"})
    assert r.status_code == 200 and "Available" in r.text
    assert hotline.service.acd.state("201") == ("available", "")
    r = client.post("/desk/state", headers=hx(token), data={"action": "pause", "reason": ""})
    assert r.status_code == 422 and "1 to 40" in r.text
    r = client.post("/desk/state", headers=hx(token), data={"action": "pause", "reason": "Ăn trưa"})
    assert "Paused" in r.text and hotline.service.acd.state("201") == ("paused", "Ăn trưa")
    client.post("/desk/state", headers=hx(token), data={"action": "unpause"})
    assert hotline.service.acd.state("201") == ("available", "")
    h = {"X-CSRF-Token": token}
    r = client.post("/api/v1/desk/state", headers=h, json={"action": "logout"})
    assert r.json() == {"state": "logged-out", "reason": ""}
    assert client.get("/api/v1/desk").json() == {
        "extension": "201", "state": {"state": "logged-out", "reason": ""}, "call": None,
    }  # fmt: skip
    log = [r["detail"] for r in hotline.db["audit_log"].rows if r["action"] == "agent.state"]
    assert len(log) == 4


def test_notes_and_dispositions_on_calls(hotline):
    db = hotline.db
    done = cdr.Cdr("0912345678", "600", "inbound")
    cdr.save(db, done)
    client, token = hotline.logged_in("lan")
    r = client.post(f"/desk/notes/{done.id}", headers=hx(token),
                    data={"disposition": "sale", "note": "mua 2 máy"})  # fmt: skip
    assert r.status_code == 200 and 'id="note-saved"' in r.text
    assert desk.note(db, done.id)["disposition"] == "sale"
    r = client.post(f"/desk/notes/{done.id}", headers=hx(token), data={"disposition": "nonsense"})
    assert r.status_code == 422 and "one of resolved" in r.text
    assert desk.note(db, done.id)["note"] == "mua 2 máy"  # unchanged
    r = client.post("/desk/notes/" + "0" * 32, headers=hx(token), data={"disposition": "sale"})
    assert r.status_code == 422  # no such call
    h = {"X-CSRF-Token": token}
    r = client.put(f"/api/v1/notes/{done.id}", headers=h, json={"disposition": "resolved"})
    assert r.json()["disposition"] == "resolved" and r.json()["agent"] == "lan"
    assert client.put("/api/v1/notes/nope", headers=h, json={"note": "x"}).status_code == 404
    assert "wrong number" in client.get("/api/v1/dispositions").json()


def test_call_scripts_are_set_by_supervisors(hotline):
    agent, _ = hotline.logged_in("lan")
    assert agent.get("/desk/scripts").status_code == 403
    boss, token = hotline.logged_in("boss", "supervisor")
    r = boss.post("/desk/scripts/sales", headers=hx(token), data={"script": "Chào anh/chị"})
    assert r.status_code == 200 and "Chào anh/chị" in r.text
    assert desk.script(hotline.db, "sales") == "Chào anh/chị"
    r = boss.put("/api/v1/queues/nope/script", headers={"X-CSRF-Token": token},
                 json={"script": "x"})  # fmt: skip
    assert r.status_code == 404


# -- the screen pop -----------------------------------------------------------------------


class Engine:
    async def request(self, name, timeout=5.0, **args):
        return {}


def pop_service(db):
    acd = LiveAcd(db, QueueLog(db, None), seed=1)
    acd.sync()
    switch = Switch(Engine())
    presence = Presence(locate=lambda uri: uri.removeprefix("sip:").split("@")[0] or None)
    switch.watchers.append(presence.channel_changed)
    queues = types.SimpleNamespace(calls={})
    return types.SimpleNamespace(
        db=db, acd=acd, switch=switch, presence=presence,
        supervisor=types.SimpleNamespace(sessions={}),
        dialplan=types.SimpleNamespace(queues=queues),
    )  # fmt: skip


def caller_leg(switch, channel, number, name=""):
    switch.on_event({"event": "channel_new", "channel": channel, "call_id": channel + "@x",
                     "from_user": number, "from_name": name, "trunk": "viettel"})  # fmt: skip
    leg = switch.channels[channel]
    leg.party, leg.party_name = number, name
    return leg


def test_the_pop_names_the_caller_the_contact_the_history_and_the_script(hotline):
    db = hotline.db
    contacts.save(db, contacts.Contact("Nguyễn Thị Lan", ["0912345678"], "Cty Sen"), actor="t")
    earlier = cdr.Cdr("0912345678", "600", "inbound")
    cdr.save(db, earlier)
    desk.set_script(db, "sales", "Xin chào, phòng bán hàng", actor="t")

    async def scenario():
        svc = pop_service(db)
        assert desk_calls.pop_for(svc, "201") is None
        # a direct call from a trunk to 201: its CDR id from the live records
        caller = caller_leg(svc.switch, "i1", "+84912345678", "Lan")
        records = Records(db, cdr.Cdr("+84912345678", "201", "inbound"))
        leg = await svc.switch.originate("sip:201@127.0.0.1:5999")
        leg.linked = caller
        pop = desk_calls.pop_for(svc, "201")
        assert (pop.key, pop.number, pop.state, pop.queue) == ("i1", "+84912345678", "ringing", "")
        assert pop.cdr_id == records.current.id and pop.contact.name == "Nguyễn Thị Lan"
        assert [h["id"] for h in pop.history] == [earlier.id] and pop.script == ""
        assert desk_calls.pop_for(svc, "202") is None
        # a queue call to 202: the queue, its script and the queue call's CDR
        caller2 = caller_leg(svc.switch, "i2", "0909000111")
        record = cdr.Cdr("0909000111", "600", "inbound")
        svc.dialplan.queues.calls["i2"] = QueueCall("sales", caller2, record)
        leg2 = await svc.switch.originate("sip:202@127.0.0.1:5999")
        leg2.linked = caller2
        svc.switch.on_event({"event": "channel_state", "channel": leg2.id, "state": "answered",
                             "code": 200})  # fmt: skip
        pop = desk_calls.pop_for(svc, "202")
        assert (pop.queue, pop.cdr_id, pop.contact) == ("sales", record.id, None)
        assert pop.script == "Xin chào, phòng bán hàng" and pop.state == "talking"
        del records

    asyncio.run(scenario())


def test_clock():
    assert (clock(5), clock(65), clock(3725), clock(None)) == ("0:05", "1:05", "1:02:05", "–")


# -- the wallboard ------------------------------------------------------------------------


def test_the_wallboard_page_and_its_tools_refuse_with_reasons(hotline):
    agent, _ = hotline.logged_in("lan")
    assert agent.get("/wallboard").status_code == 403
    client, token = hotline.logged_in("boss", "supervisor")
    page = client.get("/wallboard").text
    assert 'data-live="/wallboard/stream"' in page and "Bán hàng" in page
    assert "/static/live.js" in page and "Log out" in page
    tv = client.get("/wallboard?tv=1").text
    assert 'class="tv"' in tv and "<nav" not in tv and "hx-post" not in tv
    r = client.post("/wallboard/calls/i9/listen", headers=hx(token), data={"extension": ""})
    assert r.status_code == 422 and "Type the extension" in r.text
    r = client.post("/wallboard/calls/i9/listen", headers=hx(token), data={"extension": "202"})
    assert r.status_code == 404 and "is gone" in r.text
    r = client.post("/wallboard/calls/i9/hangup", headers=hx(token))
    assert r.status_code == 404
    r = client.post("/wallboard/move/sales/i9", headers=hx(token), data={"to": "support"})
    assert r.status_code == 404
    assert 'name="reason"' in client.get("/wallboard/agents/201/pause", headers=hx(token)).text
    r = client.post("/wallboard/agents/201/pause", headers=hx(token), data={"reason": "họp"})
    assert r.status_code == 409 and "logged out" in r.text
    hotline.service.acd.set_state("201", logged_in=True, by="test")
    r = client.post("/wallboard/agents/201/pause", headers=hx(token), data={"reason": "họp"})
    assert r.status_code == 200 and "The agent is paused." in r.text
    assert hotline.service.acd.state("201") == ("paused", "họp")
    assert 'id="agent-201" class="state-paused"' in client.get("/wallboard").text
    client.post("/wallboard/agents/201/unpause", headers=hx(token))
    client.post("/wallboard/agents/201/logout", headers=hx(token))
    assert hotline.service.acd.state("201") == ("logged-out", "")
    actions = [(r["actor"], r["action"]) for r in hotline.db["audit_log"].rows]
    assert actions.count(("boss", "agent.state")) == 3


@pytest.mark.language("vi")
def test_the_wallboard_speaks_vietnamese(hotline):
    client, _ = hotline.logged_in("boss", "supervisor")
    page = client.get("/wallboard").text
    assert "Bảng theo dõi" in page and "Mức phục vụ hôm nay" in page and "Đã đăng xuất" in page


def test_the_wallboard_stream_sends_the_rendered_board(hotline):
    hotline.service.acd.set_state("201", logged_in=True, by="test")
    client, _ = hotline.logged_in("boss", "supervisor")
    with client.stream("GET", "/wallboard/stream") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in r.iter_lines():
            lines.append(line)
            if line == "" and len(lines) > 1:
                break
    html = "\n".join(line.removeprefix("data: ") for line in lines if line.startswith("data:"))
    assert 'id="queue-sales"' in html, html
    assert 'id="agent-201" class="state-available"' in html
    assert 'hx-post="/wallboard/agents/201/logout"' in html
