"""The `tongdai` commands for call routing: ring groups, IVR menus, time conditions,
voicemail boxes and feature codes. Registered into the main parser by tongdai.cli."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from tongdai import edit_commands
from tongdai.store import features, ivr, ringgroups, timeconditions
from tongdai.store import voicemail as boxes
from tongdai.store.audit import record

ERRORS = (
    features.FeatureError, ivr.IvrError, ringgroups.RingGroupError,
    timeconditions.TimeConditionError, boxes.VoicemailError,
)  # fmt: skip


def register(sub, group, action, open_store, load_settings) -> None:
    """Add the commands (the helpers are tongdai.cli's: see acd.commands.register)."""

    def db_action(g, name, help, func):
        return action(g, name, help, lambda args: func(open_store(args), args))

    rg = group(sub, "ringgroup", "ring groups: extensions rung together or in order")
    p = db_action(rg, "add", "add a ring group", _ringgroup_add)
    p.add_argument("name")
    p.add_argument("--members", required=True,
                   help="extensions in order, comma-separated (201:20 rings 201 20 s)")  # fmt: skip
    p.add_argument("--strategy", default="ringall", choices=ringgroups.STRATEGIES)
    p.add_argument("--number", help="an internal number that dials the group")
    p.add_argument("--ring-timeout", type=int, default=25, help="ring-all: seconds (25)")
    p.add_argument("--member-timeout", type=int, default=15, help="in order: seconds each (15)")
    p.add_argument("--final", default="hangup", help="where unanswered calls go (destination)")
    db_action(rg, "list", "list ring groups", _ringgroup_list)
    p = db_action(rg, "del", "delete a ring group", _ringgroup_del)
    p.add_argument("name")

    menu = group(sub, "ivr", "IVR menus: a greeting and keys that lead somewhere")
    p = db_action(menu, "add", "add (or replace) a menu", _ivr_add)
    p.add_argument("name")
    p.add_argument("--greeting", required=True, help="prompt name, e.g. ivr_welcome or rec1")
    p.add_argument("--final", required=True,
                   help="after the last try: a person or a voicemail box")  # fmt: skip
    p.add_argument("--key", action="append", default=[], metavar="K=DEST",
                   help="a key and its destination, e.g. 1=queue:sales (repeatable)")  # fmt: skip
    p.add_argument("--number", help="an internal number that dials the menu")
    p.add_argument("--timeout", type=int, default=5, help="seconds to wait for a key (5)")
    p.add_argument("--retries", type=int, default=2, help="tries after a timeout or bad key (2)")
    p.add_argument("--invalid-prompt", default="ivr_invalid")
    p.add_argument("--timeout-prompt", default="ivr_no_input")
    p.add_argument("--direct-dial", action="store_true", help="callers may dial extensions")
    p.add_argument("--repeat-key", default="*", help="key that repeats the greeting (*)")
    p = db_action(menu, "key", "point a key at a destination (empty: remove the key)", _ivr_key)
    p.add_argument("name")
    p.add_argument("key")
    p.add_argument("destination", nargs="?", default="")
    db_action(menu, "list", "list menus", _ivr_list)
    p = db_action(menu, "del", "delete a menu", _ivr_del)
    p.add_argument("name")

    tc = group(sub, "timecond", "time conditions: office hours, holidays, day/night switch")
    p = db_action(tc, "add", "add a time condition", _tc_add)
    p.add_argument("name")
    p.add_argument("--hours", action="append", required=True,
                   help="open hours, e.g. 'mon-fri 08:00-17:30' (repeatable)")  # fmt: skip
    p.add_argument("--open", required=True, help="destination inside the hours")
    p.add_argument("--closed", required=True, help="destination outside them and on holidays")
    p = db_action(tc, "holiday", "add a holiday (closed all day)", _tc_holiday)
    p.add_argument("name")
    p.add_argument("date", help="YYYY-MM-DD")
    p.add_argument("--until", default="", help="last day of a holiday of several days")
    p.add_argument("--label", default="")
    p = db_action(tc, "override", "force open or closed now, or back to the hours", _tc_override)
    p.add_argument("name")
    p.add_argument("state", choices=("open", "closed", "hours"))
    db_action(tc, "list", "list time conditions", _tc_list)
    p = db_action(tc, "del", "delete a time condition", _tc_del)
    p.add_argument("name")
    edit_commands.register(action, open_store, ringgroup=rg, timecond=tc)  # `set`

    vm = group(sub, "vm", "voicemail boxes")
    p = db_action(vm, "enable", "give an extension a voicemail box (or a new PIN)", _vm_enable)
    p.add_argument("extension")
    p.add_argument("--pin-stdin", action="store_true",
                   help="read the PIN from stdin (default: generate and print one)")  # fmt: skip
    p.add_argument("--max-seconds", type=int, default=180, help="longest message (180)")
    p = db_action(vm, "disable", "remove a box and its messages", _vm_disable)
    p.add_argument("extension")
    db_action(vm, "list", "list boxes with their new and old messages", _vm_list)
    p = action(vm, "greeting", "set a box's greeting from a WAV or MP3 file (or --remove it)",
               lambda args: _vm_greeting(open_store(args), load_settings(args), args))  # fmt: skip
    p.add_argument("extension")
    p.add_argument("which", choices=boxes.GREETINGS)
    p.add_argument("file", nargs="?", type=Path)
    p.add_argument("--remove", action="store_true", help="back to the spoken greeting")

    feat = group(sub, "feature", "feature codes")
    db_action(feat, "list", "list feature codes", _feature_list)
    p = db_action(feat, "set", "change a feature code", _feature_set)
    p.add_argument("name", choices=tuple(features.DEFAULTS))
    p.add_argument("code")


def _ringgroup_add(db, args) -> int:
    ringgroups.add(
        db, args.name, members=args.members.split(","), strategy=args.strategy,
        number=args.number, ring_timeout=args.ring_timeout, member_timeout=args.member_timeout,
        final=args.final, actor="cli",
    )  # fmt: skip
    print(f"ring group {args.name} added")
    return 0


def _ringgroup_list(db, args) -> int:
    for g in ringgroups.all_groups(db):
        members = ",".join(f"{m.extension}:{m.ring_timeout}" for m in g.members)
        print(f"{g.name:<16} {g.number or '-':>6}  {g.strategy:<8} {members}  then {g.final}")
    return 0


def _ringgroup_del(db, args) -> int:
    ringgroups.delete(db, args.name, actor="cli")
    print(f"ring group {args.name} deleted")
    return 0


def _ivr_add(db, args) -> int:
    options = {}
    for item in args.key:
        key, sep, destination = item.partition("=")
        if not sep:
            raise ivr.IvrError(f"key: {item!r} is not KEY=DESTINATION")
        options[key] = destination
    ivr.save(db, ivr.Menu(
        name=args.name, greeting=args.greeting, final=args.final, number=args.number,
        timeout=args.timeout, retries=args.retries, invalid_prompt=args.invalid_prompt,
        timeout_prompt=args.timeout_prompt, direct_dial=args.direct_dial,
        repeat_key=args.repeat_key, options=options,
    ), actor="cli")  # fmt: skip
    print(f"IVR menu {args.name} saved")
    return 0


def _ivr_key(db, args) -> int:
    ivr.set_option(db, args.name, args.key, args.destination, actor="cli")
    print(f"IVR menu {args.name}: key {args.key} -> {args.destination or '(removed)'}")
    return 0


def _ivr_list(db, args) -> int:
    for m in ivr.all_menus(db):
        keys = " ".join(f"{k}={d}" for k, d in sorted(m.options.items()))
        direct = " direct-dial" if m.direct_dial else ""
        print(f"{m.name:<16} {m.number or '-':>6}  {m.greeting}{direct}  {keys}  then {m.final}")
    return 0


def _ivr_del(db, args) -> int:
    ivr.delete(db, args.name, actor="cli")
    print(f"IVR menu {args.name} deleted")
    return 0


def _tc_add(db, args) -> int:
    number = timeconditions.add(
        db, args.name, open=args.open, closed=args.closed, hours=args.hours, actor="cli"
    )
    code = features.codes(db).day_night
    print(f"time condition {args.name} added (day/night switch: dial {code}{number})")
    return 0


def _tc_holiday(db, args) -> int:
    timeconditions.add_holiday(db, args.name, args.date, args.until, label=args.label,
                               actor="cli")  # fmt: skip
    print(f"time condition {args.name}: holiday {args.date} added")
    return 0


def _tc_override(db, args) -> int:
    state = "" if args.state == "hours" else args.state
    timeconditions.set_override(db, args.name, state, actor="cli")
    print(f"time condition {args.name}: {args.state}")
    return 0


def _tc_list(db, args) -> int:
    days = timeconditions.DAY_NAMES
    for c in timeconditions.all_conditions(db):
        hours = "; ".join(
            f"{','.join(days[int(d) - 1] for d in r.days)} {r.start}-{r.end}" for r in c.ranges
        )
        forced = f" [forced {c.override}]" if c.override else ""
        print(f"{c.id:>3} {c.name:<16} {hours}{forced}  open -> {c.open}, closed -> {c.closed}")
        for h in c.holidays:
            span = h.first if h.first == h.last else f"{h.first}..{h.last}"
            print(f"      holiday {span} {h.name}")
    return 0


def _tc_del(db, args) -> int:
    timeconditions.delete(db, args.name, actor="cli")
    print(f"time condition {args.name} deleted")
    return 0


def _vm_enable(db, args) -> int:
    pin = sys.stdin.readline().strip() if args.pin_stdin else _generated_pin()
    boxes.enable(db, args.extension, pin, max_seconds=args.max_seconds, actor="cli")
    print(f"voicemail box {args.extension} enabled")
    if not args.pin_stdin:
        print(f"PIN (shown once): {pin}")
    return 0


def _generated_pin() -> str:
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(6))
        try:
            boxes.check_pin(pin)  # the same rules as a PIN typed in
            return pin
        except boxes.VoicemailError:
            continue


def _vm_disable(db, args) -> int:
    boxes.disable(db, args.extension, actor="cli")
    print(f"voicemail box {args.extension} removed")
    return 0


def _vm_greeting(db, settings, args) -> int:
    from tongdai.calls.voicemail import FOLDER
    from tongdai.prompts.custom import CustomPrompts

    if not boxes.has_box(db, args.extension):
        raise boxes.VoicemailError(f"extension: {args.extension} has no voicemail box")
    target = settings.recordings_dir / FOLDER / args.extension / f"{args.which}.wav"
    if args.remove:
        target.unlink(missing_ok=True)
        print(f"voicemail box {args.extension}: the {args.which} greeting is the spoken one")
        return 0
    if args.file is None:
        raise boxes.VoicemailError("file: a WAV or MP3 file (or --remove)")
    converter = CustomPrompts(settings.sounds_dir / "prompts", settings.media_clock_rate)
    with args.file.open("rb") as upload:
        converter.convert_into(target, upload)
    record(db, "cli", "voicemail.greeting", f"{args.extension} {args.which}")
    print(f"voicemail box {args.extension}: {args.which} greeting set")
    return 0


def _vm_list(db, args) -> int:
    for row in db.query("SELECT extension FROM voicemail_boxes ORDER BY extension"):
        new, old = boxes.counts(db, row["extension"])
        print(f"{row['extension']:>6}  {new} new, {old} old")
    return 0


def _feature_list(db, args) -> int:
    for f in features.listing(db):
        changed = "" if f["code"] == f["default"] else f" (default {f['default']})"
        print(f"{f['code']:<6} {f['name']:<16} {f['does']}{changed}")
    return 0


def _feature_set(db, args) -> int:
    features.set_code(db, args.name, args.code, actor="cli")
    print(f"feature {args.name} is now {args.code}")
    return 0
