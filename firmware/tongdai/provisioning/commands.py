"""The `tongdai phone` commands: assign desk phones, list them, remove them, re-sync them.
Registered into the main parser by tongdai.cli."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tongdai.provisioning import files
from tongdai.store import phones

RESYNC_WAIT = 5.0  # seconds the CLI waits for the running service to act


def register(sub, group, action, open_store: Callable, load_settings: Callable) -> None:
    """Add the commands (the helpers are tongdai.cli's, as for acd.commands.register)."""
    phone = group(sub, "phone", "desk phones provisioned by MAC")
    p = action(phone, "add", "assign a phone (by MAC) to an extension",
               lambda args: _add(open_store(args), load_settings(args), args))  # fmt: skip
    p.add_argument("mac", help="e.g. 00:15:65:12:34:56")
    p.add_argument("--ext", required=True, help="the extension it registers as")
    p.add_argument("--vendor", required=True, choices=phones.VENDORS)
    p.add_argument("--model", default="", help="e.g. T46U, GXP2170, D785, VVX450, SPA504G")
    p.add_argument("--label", default="", help="where it is, whose it is")
    action(phone, "list", "list phones", lambda args: _list(open_store(args)))
    p = action(phone, "del", "remove a phone", lambda args: _del(open_store(args), args))
    p.add_argument("mac")
    p = action(phone, "resync", "make a phone fetch its configuration again (check-sync)",
               lambda args: _resync(open_store(args), load_settings(args), args))  # fmt: skip
    p.add_argument("mac")


def _add(db, settings, args: argparse.Namespace) -> int:
    mac = phones.add(db, args.mac, extension=args.ext, vendor=args.vendor, model=args.model,
                     label=args.label, actor="cli")  # fmt: skip
    phone = phones.get(db, mac)
    print(f"phone {mac} ({args.vendor} {args.model}".rstrip() + f") assigned to {args.ext}")
    print(f"  it fetches {_url(settings)}{files.main_file(phone)}{_window(settings)}")
    return 0


def _list(db) -> int:
    for p in phones.all_phones(db):
        fetched = (
            f"fetched {time.strftime('%Y-%m-%d %H:%M', time.localtime(p['last_fetch_at']))}"
            f" by {p['last_fetch_from']}"
            if p["last_fetch_at"]
            else "never fetched"
        )
        print(f"{p['mac']}  {p['extension']:>6}  {p['vendor']:<11} {p['model']:<10} "
              f"{fetched}  {p['label']}".rstrip())  # fmt: skip
    return 0


def _del(db, args: argparse.Namespace) -> int:
    phones.delete(db, args.mac, actor="cli")
    print(f"phone {phones.normalise_mac(args.mac)} removed")
    return 0


def _resync(db, settings, args: argparse.Namespace) -> int:
    mac = phones.normalise_mac(args.mac)
    asked = phones.request_resync(db, mac, actor="cli")
    deadline = time.monotonic() + RESYNC_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.2)
        phone = phones.get(db, mac)
        if phone["resync_requested_at"] is None:
            print(f"phone {mac}: {phone['resync_result']}{_window(settings)}")
            return 0 if phone["resync_result"].startswith("check-sync sent") else 1
    if phones.withdraw_resync(db, mac, asked):
        print(f"phone {mac}: no running service took the request, so nothing was sent; "
              f"reboot the phone to make it fetch its file{_window(settings)}")  # fmt: skip
        return 1
    print(f"phone {mac}: {phones.get(db, mac)['resync_result']}")
    return 0


def _url(settings) -> str:
    return files.Box(settings.resolved_media_address(), settings.sip_port, "udp",
                     settings.http_port, settings.language, settings.timezone).url  # fmt: skip


def _window(settings) -> str:
    hours = settings.provisioning_window / 3600
    return f" (served for the next {hours:g} h)" if hours else ""
