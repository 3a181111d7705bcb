"""The `tongdai` commands for hotline queues: queues, agents, members, VIP callers, and
the simulator and staffing tools. Registered into the main parser by tongdai.cli."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable

from tongdai.store import queues as store

Store = Callable[[argparse.Namespace], object]


def register(sub, group, action, settings_flags, open_store: Store, load_settings) -> None:
    """Add the commands: `group(sub, name, help)` makes a command with actions,
    `action(group, name, help, func)` an action, `settings_flags(parser)` adds the flags
    that locate the data; `open_store(args)` opens the database, `load_settings(args)`
    reads the settings."""

    def db_action(g, name, help, func):
        return action(g, name, help, lambda args: func(open_store(args), args))

    queue = group(sub, "queue", "hotline queues")
    p = db_action(queue, "add", "add a queue", _queue_add)
    p.add_argument("name")
    _queue_flags(p)
    p = db_action(queue, "set", "change a queue's settings", _queue_set)
    p.add_argument("name")
    _queue_flags(p, defaults=False)
    db_action(queue, "list", "list queues and their members", _queue_list)
    p = db_action(queue, "del", "delete a queue", _queue_del)
    p.add_argument("name")
    p = db_action(queue, "member", "add an agent to a queue (or change it)", _member_add)
    p.add_argument("name")
    p.add_argument("agent")
    p.add_argument("--penalty", type=int, default=0, help="lower tiers ring first (0)")
    p.add_argument("--level", type=int, default=1, help="skill level, skills strategy (1)")
    p.add_argument("--weight", type=float, default=1.0, help="weighted-random strategy (1)")
    p = db_action(queue, "unmember", "take an agent out of a queue", _member_del)
    p.add_argument("name")
    p.add_argument("agent")

    agent = group(sub, "agent", "queue agents: extensions or outside numbers")
    p = db_action(agent, "add", "make an extension (or outside number) an agent", _agent_add)
    p.add_argument("number")
    p.add_argument("--external", action="store_true",
                   help="an outside number (a staff mobile) reached over a trunk")  # fmt: skip
    p.add_argument("--name", default="")
    p.add_argument("--trunk", default="", help="external agents: the trunk to call them on")
    p.add_argument("--max-no-answer", type=int, default=3,
                   help="unanswered offers in a row before a pause (0: never)")  # fmt: skip
    p.add_argument("--reject-delay", type=float, default=10.0)
    p.add_argument("--busy-delay", type=float, default=30.0)
    p.add_argument("--no-answer-delay", type=float, default=10.0)
    db_action(agent, "list", "list agents and their state", _agent_list)
    p = db_action(agent, "del", "delete an agent", _agent_del)
    p.add_argument("number")
    for name, help in (("login", "log an agent in"), ("logout", "log an agent out"),
                       ("unpause", "end an agent's pause")):  # fmt: skip
        p = db_action(agent, name, help, _agent_state)
        p.add_argument("number")
        p.set_defaults(state=name)
    p = db_action(agent, "pause", "pause an agent", _agent_state)
    p.add_argument("number")
    p.add_argument("--reason", default="paused")
    p.set_defaults(state="pause")

    vip = group(sub, "vip", "callers served first")
    p = db_action(vip, "set", "give a caller's number priority", _vip_set)
    p.add_argument("number")
    p.add_argument("--priority", type=int, default=10, help="higher is served first (10)")
    p.add_argument("--name", default="")
    p = db_action(vip, "del", "remove a VIP caller", _vip_del)
    p.add_argument("number")

    p = sub.add_parser("simulate", help="simulate a queue with synthetic traffic (JSON out)")
    p.add_argument("--agents", type=int, required=True)
    p.add_argument("--calls-per-hour", type=float, required=True)
    p.add_argument("--aht", type=float, required=True, help="average handle time, seconds")
    p.add_argument("--sl-seconds", type=float, default=20.0, help="service-level time (20)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--calls", type=int, help="calls to simulate (default 100000)")
    size.add_argument("--hours", type=float, help="or hours of traffic")
    p.add_argument("--patience", type=float, help="callers' mean patience, seconds "
                   "(default: nobody abandons)")  # fmt: skip
    p.add_argument("--strategy", default="longest-idle")
    p.add_argument("--wrap-up", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=_simulate)

    p = sub.add_parser("staffing", help="agents needed per hour for a service-level target")
    p.add_argument("--target", type=float, default=0.8, help="service level, 0-1 (0.8)")
    p.add_argument("--sl-seconds", type=float, default=20.0)
    p.add_argument("--patience", type=float, help="callers' mean patience (Erlang A)")
    p.add_argument("--max-occupancy", type=float, help="e.g. 0.85")
    p.add_argument("--calls-per-hour", type=float, help="a given volume (else: history)")
    p.add_argument("--aht", type=float, help="with --calls-per-hour: handle time, seconds")
    p.add_argument("--days", type=int, default=28, help="history to read (28 days)")
    p.add_argument("--queue", default="", help="one queue's calls (default all inbound)")
    p.add_argument("--json", action="store_true")
    settings_flags(p)
    p.set_defaults(func=lambda args: _staffing(open_store, load_settings, args))


def _queue_flags(p: argparse.ArgumentParser, defaults: bool = True) -> None:
    d = store.Queue("x") if defaults else None

    def flag(name: str, kind, help: str, **kw):
        # (dest prefixed: a queue's `language` is not the box's --language)
        p.add_argument("--" + name.replace("_", "-"), dest="q_" + name, type=kind, help=help,
                       default=getattr(d, name) if d else None, **kw)  # fmt: skip

    flag("number", str, "internal number extensions dial to reach it")
    flag("display", str, "name shown on agents' phones and whispered to them")
    flag("strategy", str, "which free agent rings: " + ", ".join(store.STRATEGIES))
    flag("ring_timeout", float, "seconds an agent's phone rings (15)")
    flag("retry", float, "seconds before offering again after a ring-out (2)")
    flag("wrap_up", float, "seconds after a call before the next one (5)")
    flag("max_wait", float, "seconds before a caller goes to --overflow (0: no limit)")
    flag("max_len", int, "callers waiting at most (0: no limit)")
    flag("sl_seconds", float, "service level: answered within this many seconds (20)")
    flag("short_abandon", float, "hang-ups sooner than this are not counted (5)")
    flag("join_empty", str, "refuse callers when: never, no-agents, no-ready-agents")
    flag("leave_empty", str, "send waiting callers to --overflow when: (same choices)")
    flag("overflow", str, "extension:N, queue:NAME or hangup")
    flag("announce_every", float, "seconds between position/wait announcements (30)")
    flag("callback_after", float, "seconds before offering 'press 1 to be called back'")
    flag("callback_trunk", str, "trunk for callbacks (default: the one the call came on)")
    flag("record", str, "never, always or on-demand")
    flag("language", str, "vi or en (default: the box's)")
    flag("handle_estimate", float, "handle time assumed until calls teach it (180)")
    p.add_argument("--whisper", dest="q_whisper", action=argparse.BooleanOptionalAction,
                   default=False if d else None,
                   help="agents hear the queue's display name before the caller")  # fmt: skip


def _queue_add(db, args) -> int:
    values = {name: getattr(args, "q_" + name) for name in store.QUEUE_FIELDS if name != "name"}
    store.add_queue(db, store.Queue(args.name, **values), actor="cli")
    print(f"queue {args.name} added")
    return 0


def _queue_set(db, args) -> int:
    changes = {
        name: getattr(args, "q_" + name) for name in store.QUEUE_FIELDS
        if name != "name" and getattr(args, "q_" + name) is not None
    }  # fmt: skip
    if not changes:
        raise store.QueueError("nothing to change: give at least one setting")
    store.update_queue(db, args.name, actor="cli", **changes)
    print(f"queue {args.name} changed")
    return 0


def _queue_list(db, args) -> int:
    members = store.list_members(db)
    for q in store.list_queues(db):
        print(f"{q.name}\t{q.number or '-'}\t{q.strategy}\t{q.display}")
        for m in members:
            if m.queue == q.name:
                print(f"  {m.agent}\tpenalty {m.penalty}\tlevel {m.level}\tweight {m.weight}")
    return 0


def _queue_del(db, args) -> int:
    store.delete_queue(db, args.name, actor="cli")
    print(f"queue {args.name} deleted")
    return 0


def _member_add(db, args) -> int:
    store.add_member(db, store.Member(args.name, args.agent, args.penalty, args.level,
                                      args.weight), actor="cli")  # fmt: skip
    print(f"{args.agent} is a member of {args.name}")
    return 0


def _member_del(db, args) -> int:
    store.delete_member(db, args.name, args.agent, actor="cli")
    print(f"{args.agent} left {args.name}")
    return 0


def _agent_add(db, args) -> int:
    agent = store.Agent(
        args.number, "external" if args.external else "extension", args.name, args.trunk,
        args.max_no_answer, args.reject_delay, args.busy_delay, args.no_answer_delay,
    )  # fmt: skip
    store.add_agent(db, agent, actor="cli")
    print(f"agent {args.number} added (logged out)")
    return 0


def _agent_list(db, args) -> int:
    for a in store.list_agents(db):
        state = "logged out"
        if a.logged_in:
            state = f"paused ({a.pause_reason})" if a.pause_reason else "logged in"
        print(f"{a.number}\t{a.kind}\t{a.name}\t{state}")
    return 0


def _agent_del(db, args) -> int:
    store.delete_agent(db, args.number, actor="cli")
    print(f"agent {args.number} deleted")
    return 0


def _agent_state(db, args) -> int:
    agent = store.get_agent(db, args.number)
    if args.state == "login":
        store.set_agent_state(db, args.number, logged_in=True, actor="cli")
    elif args.state == "logout":
        store.set_agent_state(db, args.number, logged_in=False, actor="cli")
    elif not agent.logged_in:
        raise store.QueueError(f"agent: {args.number} is logged out")
    elif args.state == "pause":
        store.set_agent_state(db, args.number, logged_in=True, pause_reason=args.reason,
                              actor="cli")  # fmt: skip
    else:
        store.set_agent_state(db, args.number, logged_in=True, actor="cli")
    print(f"agent {args.number}: {args.state}")
    return 0


def _vip_set(db, args) -> int:
    store.set_vip(db, args.number, args.priority, args.name, actor="cli")
    print(f"{args.number} is served with priority {args.priority}")
    return 0


def _vip_del(db, args) -> int:
    store.delete_vip(db, args.number, actor="cli")
    print(f"{args.number} is no longer a VIP caller")
    return 0


def _simulate(args) -> int:
    from tongdai import acdcore
    from tongdai.acd import erlang

    calls = args.calls or (round(args.hours * args.calls_per_hour) if args.hours else 100_000)
    try:
        result = acdcore.simulate(
            args.agents, args.calls_per_hour, args.aht, args.sl_seconds, calls=calls,
            patience=args.patience or 0.0, strategy=args.strategy, seed=args.seed,
            wrap_up=args.wrap_up,
        )  # fmt: skip
        model = "Erlang A" if args.patience else "Erlang C"
        m = erlang.erlang_a_metrics(
            args.agents, args.calls_per_hour, args.aht + args.wrap_up, args.sl_seconds,
            patience=args.patience,
        )  # fmt: skip
    except (acdcore.AcdError, ValueError) as exc:
        raise store.QueueError(str(exc)) from None
    result["strategy"] = args.strategy
    result["seed"] = args.seed
    result[model.lower().replace(" ", "_")] = {
        "service_level": m.service_level, "asa": m.asa if math.isfinite(m.asa) else None,
        "abandon_rate": m.abandon_rate, "occupancy": m.occupancy,
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    return 0


def _staffing(open_store: Store, load_settings, args) -> int:
    from tongdai.acd import staffing

    target = dict(sl_seconds=args.sl_seconds, target=args.target, patience=args.patience,
                  max_occupancy=args.max_occupancy)  # fmt: skip
    try:
        if args.calls_per_hour is not None:
            if args.aht is None:
                raise ValueError("--aht: needed with --calls-per-hour")
            hours = [staffing.recommend(args.calls_per_hour, args.aht, **target)]
        else:
            s = load_settings(args)
            db = open_store(args)
            wrap = store.get_queue(db, args.queue).wrap_up if args.queue else 0.0
            hours = staffing.plan(db, days=args.days, timezone=s.timezone, queue=args.queue,
                                  wrap_up=wrap, **target)  # fmt: skip
    except ValueError as exc:
        raise store.QueueError(str(exc)) from None
    if args.json:
        print(json.dumps([h.as_dict() for h in hours], indent=2))
        return 0
    if not hours:
        print("no calls in the history: give --calls-per-hour and --aht")
    for h in hours:
        when = "given volume" if h.hour < 0 else f"{h.hour:02d}:00-{h.hour:02d}:59"
        print(f"{when}  {h.calls_per_hour:7.1f} calls/h  AHT {h.aht:5.0f} s  ->  {h.agents:3d} "
              f"agents  (service level {h.service_level:.0%}, ASA {h.asa:.0f} s, "
              f"abandoned {h.abandon_rate:.1%}, occupancy {h.occupancy:.0%})")  # fmt: skip
    return 0
