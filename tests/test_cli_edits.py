"""The `set` commands (a real `tongdai` process on a data directory): only the options
given change, errors name the field and change nothing, renames carry references."""

from test_cli import run
from tongdai.store import conferences, open_db, ringgroups, routes, timeconditions, trunks


def test_set_changes_only_what_is_given(data_dir):
    ok = [("ext", "add", "201"), ("ext", "add", "202"),
          ("trunk", "add", "viettel", "--host", "127.0.0.1", "--username", "u",
           "--password-stdin", "--register"),
          ("route", "in", "0281", "--to", "extension:201", "--trunk", "viettel"),
          ("route", "out", "mobile", "--pattern", "09XXXXXXXX", "--trunks", "viettel",
           "--class", "national"),
          ("ringgroup", "add", "sales", "--members", "201:20,202"),
          ("timecond", "add", "office", "--hours", "mon-fri 08:00-17:00", "--open",
           "ring_group:sales", "--closed", "hangup"),
          ("conf", "add", "800", "--name", "Daily", "--pin-stdin"),
          ("trunk", "set", "viettel", "--rename", "vt", "--port", "5070", "--no-register"),
          ("route", "set-in", "in:1", "--to", "conference:800", "--priority", "7"),
          ("route", "set-out", "mobile", "--rename", "mobi", "--strip", "1"),
          ("ringgroup", "set", "sales", "--rename", "ban", "--strategy", "order"),
          ("timecond", "set", "office", "--hours", "mon-sat 07:30-18:00"),
          ("conf", "set", "800", "--name", "Standup")]  # fmt: skip
    for args in ok:
        r = run(data_dir, *args, input="pw\n" if "--password-stdin" in args else "1234\n")
        assert r.returncode == 0, (args, r.stderr)
    r = run(data_dir, "ringgroup", "set", "ban", "--members", "299")
    assert r.returncode == 2 and "members: no extension 299" in r.stderr
    r = run(data_dir, "conf", "set", "800", "--number", "801")
    assert r.returncode == 2 and "inbound route 0281" in r.stderr
    r = run(data_dir, "trunk", "set", "nope", "--port", "5060")
    assert r.returncode == 2 and "no trunk nope" in r.stderr

    db = open_db(data_dir / "tongdai.db")
    (t,) = trunks.all_trunks(db)
    assert (t["name"], t["port"], t["register"], t["password"]) == ("vt", 5070, 0, "pw")
    (inbound,) = routes.inbound(db)
    assert (inbound["destination"], inbound["priority"], inbound["trunk"]) == (
        "conference:800", 7, "vt")  # fmt: skip
    (out,) = routes.outbound(db)
    assert (out.name, out.strip, out.trunks, out.patterns) == ("mobi", 1, ("vt",), ("09XXXXXXXX",))
    group = ringgroups.get(db, "ban")
    assert group.strategy == "order" and [m.ring_timeout for m in group.members] == [20, 15]
    c = timeconditions.get(db, "office")
    assert c.open == "ring_group:ban" and len(c.ranges[0].days) == 6
    room = conferences.get(db, "800")
    assert room["name"] == "Standup" and conferences.pin_ok(room, "1234")
    db.close()
    assert run(data_dir, "conf", "set", "800", "--no-pin").returncode == 0
    db = open_db(data_dir / "tongdai.db")
    assert conferences.pin_ok(conferences.get(db, "800"), "")
    db.close()
