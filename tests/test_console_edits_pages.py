"""The console's edit forms (consolebox): a trunk's form filled in without its password,
saved or refused naming the field with nothing changed; a holiday removed."""

from tongdai.store import timeconditions, trunks


def test_a_trunk_is_edited_through_its_form(console):
    client, token = console.logged_in("boss", "admin")
    trunks.add(console.db, "viettel", host="127.0.0.1", username="u", password="s3cret-pw",
               register=True)  # fmt: skip
    r = client.get("/trunks/viettel/edit", headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'action="/trunks/viettel/edit"' in r.text
    assert 'value="127.0.0.1"' in r.text and "s3cret-pw" not in r.text
    form = {"csrf_token": token, "name": "vt", "host": "127.0.0.9", "port": "99999",
            "username": "u", "password": "", "register": "true"}  # fmt: skip
    r = client.post("/trunks/viettel/edit", data=form)
    assert r.status_code == 422 and 'id="port-error"' in r.text
    assert trunks.all_trunks(console.db)[0]["name"] == "viettel"
    r = client.post("/trunks/viettel/edit", data={**form, "port": "5070"})
    assert r.status_code == 200 and 'id="trunk-vt"' in r.text
    (t,) = trunks.all_trunks(console.db)
    assert (t["host"], t["port"], t["password"]) == ("127.0.0.9", 5070, "s3cret-pw")
    assert client.get("/trunks/nope/edit").status_code == 404


def test_a_holiday_is_removed(console):
    client, token = console.logged_in("boss", "admin")
    timeconditions.add(console.db, "office", open="hangup", closed="hangup",
                       hours=["mon-fri 08:00-17:00"])  # fmt: skip
    timeconditions.add_holiday(console.db, "office", "2027-02-05", label="Tet")
    r = client.get("/timeconditions")
    assert 'action="/timeconditions/office/holidays/2027-02-05/delete"' in r.text
    url = "/timeconditions/office/holidays/2027-02-06/delete"
    assert client.post(url, data={"csrf_token": token}).status_code == 422
    r = client.post("/timeconditions/office/holidays/2027-02-05/delete", data={"csrf_token": token})
    assert r.status_code == 200 and "Tet" not in r.text
    assert timeconditions.get(console.db, "office").holidays == ()
