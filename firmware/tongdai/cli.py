"""The `tongdai` command: run the service and manage the box from a shell.

Changes made here go straight to the database; a running service notices
them within a second (store.ChangeWatcher), so no restart is needed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from tongdai import __version__, settings

EXIT_USAGE = 2


def _settings_flags(parser: argparse.ArgumentParser, *, all_flags: bool) -> None:
    parser.add_argument("--config", type=Path, help="a tongdai.toml file")
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        help="where the database, recordings, prompts and logs live (default var/)",
    )
    if not all_flags:
        return
    parser.add_argument("--bind", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--sip-port", dest="sip_port", help="SIP over UDP and TCP (5060)")
    parser.add_argument("--sips-port", dest="sips_port", help="SIP over TLS (5061)")
    parser.add_argument("--http-port", dest="http_port", help="web console (8080)")
    parser.add_argument("--media-port", dest="media_port", help="media engine SIP, loopback (5080)")
    parser.add_argument("--rtp-ports", dest="rtp_ports", help="RTP range (10000-10999)")
    parser.add_argument("--media-address", dest="media_address", help="address put in SDP")
    parser.add_argument("--timezone", help="IANA time zone (Asia/Ho_Chi_Minh)")
    parser.add_argument("--language", choices=settings.LANGUAGES)
    parser.add_argument("--log-level", dest="log_level", choices=settings.LOG_LEVELS)


def _group(sub, name: str, help: str):
    """A command with actions (`tongdai ext add`, ...)."""
    return sub.add_parser(name, help=help).add_subparsers(
        dest=f"{name}_command", required=True, metavar="ACTION"
    )


def _action(group, name: str, help: str, func) -> argparse.ArgumentParser:
    """An action of a command: it takes the settings flags that locate the data."""
    p = group.add_parser(name, help=help)
    _settings_flags(p, all_flags=False)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tongdai", description="Tongdai PBX")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="start the PBX service in the foreground")
    _settings_flags(p, all_flags=True)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("version", help="print versions and whether the compiled core is loaded")
    p.set_defaults(func=cmd_version)

    backup = _group(sub, "backup", "back up the box to one file, or restore it from one")
    p = _action(backup, "create", "write a backup (.tar.gz)", cmd_backup_create)
    p.add_argument("file", type=Path)
    p.add_argument("--recordings", action="store_true", help="include the call recordings")
    p = _action(backup, "restore", "restore a backup (checked first)", cmd_backup_restore)
    p.add_argument("file", type=Path)

    db = _group(sub, "db", "database maintenance")
    _action(db, "migrate", "apply pending schema migrations", cmd_db_migrate)

    admin = _group(sub, "admin", "console accounts")
    p = _action(admin, "passwd", "set a console user's password", cmd_admin_passwd)
    p.add_argument("--user", default="admin")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    how.add_argument("--generate", action="store_true", help="generate and print a strong one")

    token = _group(sub, "token", "API tokens for scripts")
    p = _action(token, "create", "create an API token (printed once)", cmd_token_create)
    p.add_argument("--name", required=True, help="what uses the token, e.g. 'crm-sync'")
    p.add_argument("--user", default="admin", help="the user whose role the token carries")

    ext = _group(sub, "ext", "SIP extensions")
    p = _action(ext, "add", "create an extension (a strong secret is generated)", cmd_ext_add)
    p.add_argument("number")
    p.add_argument("--name", default="")
    p.add_argument("--secret", help="use this secret instead of a generated one")
    p.add_argument("--ring-timeout", type=int, help="seconds it rings before no-answer treatment")
    p.add_argument("--record", default="never", choices=("never", "always", "on-demand"),
                   help="record this extension's calls")  # fmt: skip
    p.add_argument("--permission", default="national",
                   choices=("internal", "local", "national", "international"),
                   help="how far it may call out (default national; emergency always)")  # fmt: skip
    p.add_argument("--record-prompts", action="store_true",
                   help="may record prompts from its phone (record_prompt)")  # fmt: skip
    _action(ext, "list", "list extensions", cmd_ext_list)
    p = _action(ext, "del", "delete an extension", cmd_ext_del)
    p.add_argument("number")

    trunk = _group(sub, "trunk", "SIP trunks to providers")
    p = _action(trunk, "add", "add a provider's trunk", cmd_trunk_add)
    p.add_argument("name")
    p.add_argument("--host", required=True, help="the provider's SIP server (IP or host name)")
    p.add_argument("--port", type=int, default=5060)
    p.add_argument("--username", default="")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the trunk password from stdin"
    )
    p.add_argument("--register", action="store_true", help="register the box with the provider")
    p.add_argument("--expires", type=int, default=600, help="registration interval (600 s)")
    p.add_argument(
        "--inbound-from", default="", help="more addresses its calls come from (comma-separated)"
    )
    p.add_argument("--max-calls", type=int, default=0, help="concurrent calls (0: no limit)")
    p.add_argument("--caller-id", default="", help="the number presented on calls out")
    p.add_argument("--match-port", action="store_true",
                   help="take calls from its host only from its port too")  # fmt: skip
    _action(trunk, "list", "list trunks (without passwords)", cmd_trunk_list)
    p = _action(trunk, "del", "delete a trunk", cmd_trunk_del)
    p.add_argument("name")

    reg = _group(sub, "reg", "SIP registrations")
    _action(reg, "list", "list registered phones", cmd_reg_list)

    ban = _group(sub, "ban", "addresses banned from SIP")
    _action(ban, "list", "list banned addresses", cmd_ban_list)
    p = _action(ban, "add", "ban an address by hand", cmd_ban_add)
    p.add_argument("address")
    p.add_argument("--hours", type=float, default=24.0, help="how long (default 24)")
    p.add_argument("--reason", default="banned by hand")
    p = _action(ban, "lift", "lift a ban", cmd_ban_lift)
    p.add_argument("address")

    route = _group(sub, "route", "inbound routes (DID -> destination) and outbound routes")
    p = _action(route, "in", "route a trunk's calls to a number (DID)", cmd_route_in)
    p.add_argument("did", help="the number called, or 'any'")
    p.add_argument("--to", required=True, help="destination, e.g. extension:201")
    p.add_argument("--trunk", default="", help="only calls from this trunk")
    p.add_argument("--record", default="never", choices=("never", "always", "on-demand"))
    p.add_argument("--priority", type=int, default=0, help="queue priority of its callers")
    p.add_argument("--caller", default="", help="only callers matching this pattern, e.g. 09.")
    p = _action(route, "out", "route calls out by dial pattern", cmd_route_out)
    p.add_argument("name")
    p.add_argument("--pattern", required=True,
                   help="dial patterns, comma-separated, e.g. 0XXXXXXXXX,00.")  # fmt: skip
    p.add_argument("--trunks", required=True, help="trunks in failover order, comma-separated")
    p.add_argument("--class", dest="route_class", required=True,
                   choices=("local", "national", "international", "emergency"))  # fmt: skip
    p.add_argument("--strip", type=int, default=0, help="leading digits to remove")
    p.add_argument("--prefix", default="", help="digits to put in front (after stripping)")
    p.add_argument("--caller-id", default="", help="number presented (default: the trunk's)")
    p.add_argument("--record", default="never", choices=("never", "always", "on-demand"))
    _action(route, "list", "list routes", cmd_route_list)
    p = _action(route, "del", "delete a route (an outbound one by name, inbound by id)",
                cmd_route_del)  # fmt: skip
    p.add_argument("route", help="an outbound route's name, or in:ID for an inbound route")

    conf = _group(sub, "conf", "meet-me conference rooms")
    p = _action(conf, "add", "add a room callers join by dialling its number", cmd_conf_add)
    p.add_argument("number")
    p.add_argument("--name", default="")
    p.add_argument("--pin-stdin", action="store_true", help="read the room's PIN from stdin")
    p.add_argument("--max-members", type=int, default=10)
    _action(conf, "list", "list rooms", cmd_conf_list)
    p = _action(conf, "del", "delete a room", cmd_conf_del)
    p.add_argument("number")
    from tongdai import edit_commands

    edit_commands.register(_action, _store, trunk=trunk, route=route, conf=conf)  # `set`

    cdr = _group(sub, "cdr", "call detail records")
    p = _action(cdr, "export", "write call records as CSV (with a header row) to stdout",
                cmd_cdr_export)  # fmt: skip
    p.add_argument("--since", help="only calls that started on or after this date (UTC)")

    from tongdai.acd import commands

    commands.register(
        sub, _group, _action, lambda p: _settings_flags(p, all_flags=False), _store,
        _load_settings,
    )  # fmt: skip
    from tongdai.calls import commands as routing_commands
    from tongdai.prompts import commands as prompt_commands
    from tongdai.provisioning import commands as phone_commands

    routing_commands.register(sub, _group, _action, _store, _load_settings)
    phone_commands.register(sub, _group, _action, _store, _load_settings)
    prompt_commands.register(sub, _group, _action, _load_settings)
    from tongdai.gsm import commands as modem_commands  # (no data directory needed)

    modem_commands.register(sub, _group)
    return parser


def _flags(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in settings.FIELDS if hasattr(args, name)}


def _load_settings(args: argparse.Namespace) -> settings.Settings:
    return settings.load(_flags(args), config_file=args.config)


def _store(args: argparse.Namespace):
    from tongdai.bootstrap import open_store

    return open_store(_load_settings(args))


def cmd_run(args: argparse.Namespace) -> int:
    from tongdai import backup, bootstrap, logs, service
    from tongdai.settings_file import SettingsFile

    s = _load_settings(args)
    logs.setup(s.log_level, s.log_dir)
    try:
        sockets = service.bind_sockets(s)  # a busy port stops us before all else
    except service.StartError as exc:
        print(f"tongdai: {exc}", file=sys.stderr)
        return 1
    try:
        lock = backup.hold_lock(s.data_dir)  # noqa: F841 - held while the service runs
    except BlockingIOError:
        print(f"tongdai: another service runs on the data in {s.data_dir}", file=sys.stderr)
        return 1
    # The console's settings page writes the file these settings came from.
    written = SettingsFile.at_start(args.config, os.environ, _flags(args))
    # A restore staged by the console (or the CLI while we ran) is swapped in before the
    # store opens; the settings it brings apply from the next restart.
    backup.apply_pending(s.data_dir, written.path)
    db = bootstrap.open_store(s)
    first = bootstrap.first_start(db)
    # Printed, not logged: generated secrets must never reach the log file.
    print(bootstrap.welcome_text(first, s), flush=True)
    service.run(s, db, sockets, written)
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    from tongdai import acdcore

    print(f"tongdai {__version__}")
    kind = "compiled (Cython)" if acdcore.COMPILED else "interpreted (no compiled module found)"
    print(f"ACD core: {kind}")
    try:
        from tongdai.media import endpoint

        print(f"pjsua2: pjproject {endpoint.version()}")
    except ImportError:
        print("pjsua2: not installed (run `make pjsua2`)")
    print(f"python: {sys.version.split()[0]}")
    return 0


def cmd_backup_create(args: argparse.Namespace) -> int:
    from tongdai import backup
    from tongdai.settings_file import SettingsFile

    s = _load_settings(args)
    config = SettingsFile.at_start(args.config, os.environ, {}).path
    manifest = backup.create(s.data_dir, args.file, settings_file=config,
                             recordings=args.recordings)  # fmt: skip
    print(f"wrote {args.file}: {len(manifest['files'])} files")
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    from tongdai import backup
    from tongdai.settings_file import SettingsFile

    s = _load_settings(args)
    manifest = backup.stage(args.file, s.data_dir)
    what = f"the backup of {manifest['created']} (Tongdai {manifest['box_version']})"
    if backup.in_use(s.data_dir):  # its open database cannot be swapped under it
        print(f"{what} is checked and staged: restart the service to load it")
        return 0
    backup.apply_pending(s.data_dir, SettingsFile.at_start(args.config, os.environ, {}).path)
    print(f"restored {what}")
    return 0


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from tongdai.store.db import schema_version

    db = _store(args)  # opening applies what is pending
    print(f"database schema version {schema_version(db)}")
    return 0


def cmd_admin_passwd(args: argparse.Namespace) -> int:
    from tongdai.store import accounts

    if args.generate:
        password = accounts.generate_password()
    elif args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            print("the two passwords differ; nothing changed", file=sys.stderr)
            return 1
    accounts.set_password(_store(args), args.user, password, actor="cli")
    if args.generate:
        print(password)
    print(f"password of {args.user} changed", file=sys.stderr)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from tongdai.store import accounts

    token = accounts.create_token(_store(args), args.user, args.name, actor="cli")
    print(token)
    print(
        "Keep it now: it is shown only once. Send it as 'Authorization: Bearer <token>'.",
        file=sys.stderr,
    )
    return 0


def cmd_ext_add(args: argparse.Namespace) -> int:
    from tongdai.store import extensions

    secret = extensions.add(
        _store(args), args.number, name=args.name, secret=args.secret,
        ring_timeout=args.ring_timeout, recording=args.record, permission=args.permission,
        record_prompts=args.record_prompts, actor="cli",
    )  # fmt: skip
    if args.secret is None:
        print(f"extension {args.number} created; SIP secret (shown once): {secret}")
    else:
        print(f"extension {args.number} created")
    return 0


def cmd_ext_list(args: argparse.Namespace) -> int:
    from tongdai.store import extensions

    for row in extensions.all_extensions(_store(args)):
        print(f"{row['number']:>6}  {row['name']:<24}  calls out: {row['permission']}")
    return 0


def cmd_ext_del(args: argparse.Namespace) -> int:
    from tongdai.store import extensions

    extensions.delete(_store(args), args.number, actor="cli")
    print(f"extension {args.number} deleted")
    return 0


def cmd_cdr_export(args: argparse.Namespace) -> int:
    from tongdai.store import cdr

    since = cdr.parse_since(args.since) if args.since else None
    cdr.export_csv(_store(args), sys.stdout, since)
    return 0


def cmd_trunk_add(args: argparse.Namespace) -> int:
    from tongdai.store import trunks

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    trunks.add(
        _store(args), args.name, host=args.host, port=args.port, username=args.username,
        password=password, register=args.register, expires=args.expires,
        inbound_from=args.inbound_from.split(","), max_calls=args.max_calls,
        caller_id=args.caller_id, match_port=args.match_port, actor="cli",
    )  # fmt: skip
    print(f"trunk {args.name} added")
    return 0


def cmd_trunk_list(args: argparse.Namespace) -> int:
    from tongdai.store import trunks

    for t in trunks.all_trunks(_store(args)):
        how = f"registers as {t['username']}" if t["register"] else "by address"
        extra = f"; also from {t['inbound_from']}" if t["inbound_from"] else ""
        limit = f"; at most {t['max_calls']} calls" if t["max_calls"] else ""
        print(f"{t['name']:<16} {t['host']}:{t['port']}  {how}{extra}{limit}")
    return 0


def cmd_conf_add(args: argparse.Namespace) -> int:
    from tongdai.store import conferences

    pin = sys.stdin.readline().strip() if args.pin_stdin else ""
    conferences.add(
        _store(args), args.number, name=args.name, pin=pin, max_members=args.max_members,
        actor="cli",
    )  # fmt: skip
    print(f"conference room {args.number} added" + (" (with a PIN)" if pin else ""))
    return 0


def cmd_conf_list(args: argparse.Namespace) -> int:
    from tongdai.store import conferences

    for room in conferences.rooms(_store(args)):
        pin = "PIN" if room["has_pin"] else "no PIN"
        print(f"{room['number']:>6}  {room['name']:<24}  {pin}, at most {room['max_members']}")
    return 0


def cmd_conf_del(args: argparse.Namespace) -> int:
    from tongdai.store import conferences

    conferences.delete(_store(args), args.number, actor="cli")
    print(f"conference room {args.number} deleted")
    return 0


def cmd_route_in(args: argparse.Namespace) -> int:
    from tongdai.store import routes

    route_id = routes.add_inbound(
        _store(args),
        args.did,
        args.to,
        trunk=args.trunk,
        recording=args.record,
        priority=args.priority,
        caller=args.caller,
        actor="cli",
    )
    print(f"inbound route in:{route_id} added: {args.did} -> {args.to}")
    return 0


def cmd_route_out(args: argparse.Namespace) -> int:
    from tongdai.store import routes

    routes.add_outbound(
        _store(args), args.name, patterns=args.pattern.split(","), trunks=args.trunks.split(","),
        route_class=args.route_class, strip=args.strip, prefix=args.prefix,
        caller_id=args.caller_id, recording=args.record, actor="cli",
    )  # fmt: skip
    print(f"outbound route {args.name} added")
    return 0


def cmd_route_list(args: argparse.Namespace) -> int:
    from tongdai.store import routes

    db = _store(args)
    for r in routes.inbound(db):
        source = f" from {r['trunk']}" if r["trunk"] else ""
        print(f"in:{r['id']:<4} {r['did'] or 'any':<14}{source} -> {r['destination']}")
    for r in routes.outbound(db):
        change = f" strip {r.strip}" if r.strip else ""
        change += f" prefix {r.prefix}" if r.prefix else ""
        print(f"out {r.name:<12} {','.join(r.patterns):<20} {r.route_class:<13}"
              f" via {','.join(r.trunks)}{change}")  # fmt: skip
    return 0


def cmd_route_del(args: argparse.Namespace) -> int:
    from tongdai.store import routes

    db = _store(args)
    if args.route.startswith("in:") and args.route[3:].isdigit():
        routes.delete_inbound(db, int(args.route[3:]), actor="cli")
    else:
        routes.delete_outbound(db, args.route, actor="cli")
    print(f"route {args.route} deleted")
    return 0


def cmd_trunk_del(args: argparse.Namespace) -> int:
    from tongdai.store import trunks

    trunks.delete(_store(args), args.name, actor="cli")
    print(f"trunk {args.name} deleted")
    return 0


def cmd_reg_list(args: argparse.Namespace) -> int:
    import time

    from tongdai.store import bindings

    now = time.time()
    for row in bindings.load(_store(args), now):
        left = int(row["expires_at"] - now)
        print(
            f"{row['aor']:>6}  {row['contact']}  via {row['transport']} from {row['source']}"
            f"  expires in {left}s  {row['user_agent']}"
        )
    return 0


def cmd_ban_list(args: argparse.Namespace) -> int:
    import time

    from tongdai.store import bans

    for row in bans.active(_store(args)):
        until = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["until"]))
        print(f"{row['address']:<40} until {until}  {row['reason']}")
    return 0


def cmd_ban_add(args: argparse.Namespace) -> int:
    from tongdai.store import bans

    if args.hours <= 0:
        raise bans.BanError("hours: must be more than 0")
    bans.add(_store(args), args.address, seconds=args.hours * 3600, reason=args.reason, actor="cli")
    print(f"{args.address} banned for {args.hours:g} h")
    return 0


def cmd_ban_lift(args: argparse.Namespace) -> int:
    from tongdai.store import bans

    bans.lift(_store(args), args.address, actor="cli")
    print(f"ban on {args.address} lifted")
    return 0


def main(argv: list[str] | None = None) -> int:
    from tongdai.backup import BackupError
    from tongdai.calls.commands import ERRORS as ROUTING_ERRORS
    from tongdai.prompts.commands import ERRORS as PROMPT_ERRORS
    from tongdai.store.accounts import AccountError
    from tongdai.store.bans import BanError
    from tongdai.store.cdr import CdrError
    from tongdai.store.conferences import ConferenceError
    from tongdai.store.destinations import DestinationError
    from tongdai.store.extensions import ExtensionError
    from tongdai.store.phones import PhoneError
    from tongdai.store.queues import QueueError
    from tongdai.store.routes import RouteError
    from tongdai.store.trunks import TrunkError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (
        settings.SettingsError, AccountError, BanError, CdrError, ConferenceError,
        ExtensionError, PhoneError, QueueError, RouteError, TrunkError, DestinationError,
        *ROUTING_ERRORS, *PROMPT_ERRORS, BackupError,
    ) as exc:  # fmt: skip
        print(f"tongdai: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
