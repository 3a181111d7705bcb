"""The console's edit forms for routes, ring groups, time conditions and rooms
(consolebox): each form filled in, saved, or refused naming the field (in the reader's
language) with nothing changed; Cancel shows the list again."""

from tongdai.store import conferences, extensions, ringgroups, routes, timeconditions, trunks

HX = {"HX-Request": "true"}


def test_an_inbound_route_is_edited_through_its_form(console):
    client, token = console.logged_in("boss", "admin")
    trunks.add(console.db, "viettel", host="127.0.0.1", username="u", password="pw")
    extensions.add(console.db, "201", secret="secret-of-201-abcdef")
    rid = routes.add_inbound(console.db, "02873001234", "outside:0909123456", trunk="viettel")
    r = client.get(f"/routes/inbound/{rid}/edit", headers=HX)
    assert r.status_code == 200 and f'action="/routes/inbound/{rid}/edit"' in r.text
    assert 'value="02873001234"' in r.text and 'value="0909123456"' in r.text
    assert 'href="/routes"' in r.text  # Cancel
    form = {"csrf_token": token, "did": "02873001234", "trunk": "viettel",
            "destination": "extension:201", "record": "never", "priority": "101"}  # fmt: skip
    r = client.post(f"/routes/inbound/{rid}/edit", data=form)
    assert r.status_code == 422 and 'id="edit-inbound"' in r.text
    assert routes.inbound(console.db)[0]["destination"] == "outside:0909123456"
    r = client.post(f"/routes/inbound/{rid}/edit", data={**form, "priority": "5"})
    assert r.status_code == 200 and 'id="new-inbound"' in r.text
    (row,) = routes.inbound(console.db)
    assert (row["destination"], row["priority"]) == ("extension:201", 5)
    assert client.get("/routes/inbound/999/edit").status_code == 404


def test_an_outbound_route_is_renamed_in_its_place(console):
    client, token = console.logged_in("boss", "admin")
    for name in ("viettel", "vnpt"):
        trunks.add(console.db, name, host="127.0.0.1", username="u", password="pw")
    for name in ("mobile", "intl"):
        routes.add_outbound(console.db, name, patterns=["09XXXXXXXX"], trunks=["viettel"],
                            route_class="national")  # fmt: skip
    r = client.get("/routes/outbound/mobile/edit", headers=HX)
    assert 'action="/routes/outbound/mobile/edit"' in r.text and 'value="09XXXXXXXX"' in r.text
    form = {"csrf_token": token, "name": "mobile", "patterns": "", "trunk": ["vnpt", ""],
            "route_class": "national", "strip": "0", "record": "never"}  # fmt: skip
    r = client.post("/routes/outbound/mobile/edit", data=form)
    assert r.status_code == 422 and 'id="patterns-error"' in r.text
    r = client.post("/routes/outbound/mobile/edit",
                    data={**form, "name": "mobi", "patterns": "03XXXXXXXX"})  # fmt: skip
    assert r.status_code == 200 and 'id="outbound-mobi"' in r.text
    first = routes.outbound(console.db)[0]
    assert (first.name, first.patterns, first.trunks) == ("mobi", ("03XXXXXXXX",), ("vnpt",))


def test_a_ring_group_is_edited_and_errors_are_in_the_readers_language(console):
    client, token = console.logged_in("boss", "admin")
    for n in ("201", "202"):
        extensions.add(console.db, n, secret=f"secret-of-{n}-abcdef")
    ringgroups.add(console.db, "sales", members=["201:20", "202:30"], strategy="order")
    r = client.get("/ringgroups/sales/edit", headers=HX)
    assert 'action="/ringgroups/sales/edit"' in r.text
    assert 'name="seconds_202" type="number" min="5" max="300" value="30"' in r.text
    form = {"csrf_token": token, "name": "Sales!", "strategy": "ringall",
            "ring_timeout": "25", "final": "hangup", "member": ["202"], "order_202": "1",
            "seconds_202": "15"}  # fmt: skip
    client.post("/language", data={"csrf_token": token, "lang": "vi"})
    r = client.post("/ringgroups/sales/edit", data=form)
    assert r.status_code == 422 and 'id="edit-group"' in r.text
    assert 'id="name-error">chữ thường, chữ số' in r.text
    assert ringgroups.get(console.db, "sales").strategy == "order"
    r = client.post("/ringgroups/sales/edit", data={**form, "name": "ban"})
    assert r.status_code == 200 and 'id="group-ban"' in r.text
    group = ringgroups.get(console.db, "ban")
    assert (group.strategy, [m.extension for m in group.members]) == ("ringall", ["202"])


def test_a_time_condition_is_edited_and_keeps_its_holidays(console):
    client, token = console.logged_in("boss", "admin")
    timeconditions.add(console.db, "office", open="hangup", closed="hangup",
                       hours=["mon-fri 08:00-17:00"])  # fmt: skip
    timeconditions.add_holiday(console.db, "office", "2027-02-05", label="Tet")
    r = client.get("/timeconditions/office/edit", headers=HX)
    assert (
        'action="/timeconditions/office/edit"' in r.text and "fri 08:00-17:00</textarea>" in r.text
    )
    form = {"csrf_token": token, "name": "office", "hours": "mon-fri 25:00-26:00",
            "open": "hangup", "closed": "hangup"}  # fmt: skip
    r = client.post("/timeconditions/office/edit", data=form)
    assert r.status_code == 422 and 'id="hours-error"' in r.text
    r = client.post("/timeconditions/office/edit",
                    data={**form, "name": "hq", "hours": "mon-sat 07:30-18:00"})  # fmt: skip
    assert r.status_code == 200 and 'id="condition-hq"' in r.text
    c = timeconditions.get(console.db, "hq")
    assert timeconditions.hours_text(c) == ["mon,tue,wed,thu,fri,sat 07:30-18:00"]
    assert c.holidays[0].name == "Tet"


def test_a_room_keeps_its_pin_unless_removed_and_never_shows_it(console):
    client, token = console.logged_in("boss", "admin")
    conferences.add(console.db, "800", name="Daily", pin="4321")
    r = client.get("/conferences/800/edit", headers=HX)
    assert 'action="/conferences/800/edit"' in r.text and "4321" not in r.text
    assert 'name="remove_pin"' in r.text
    form = {"csrf_token": token, "number": "800", "name": "Standup", "pin": "",
            "max_members": "99"}  # fmt: skip
    r = client.post("/conferences/800/edit", data=form)
    assert r.status_code == 422 and 'id="edit-room"' in r.text
    assert conferences.get(console.db, "800")["name"] == "Daily"
    r = client.post("/conferences/800/edit", data={**form, "max_members": "5"})
    assert r.status_code == 200 and 'id="room-800"' in r.text
    room = conferences.get(console.db, "800")
    assert room["name"] == "Standup" and conferences.pin_ok(room, "4321")
    assert not conferences.pin_ok(room, "")
    client.post("/conferences/800/edit", data={**form, "max_members": "5", "remove_pin": "true"})
    assert conferences.pin_ok(conferences.get(console.db, "800"), "")
