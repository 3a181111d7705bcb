"""ACD simulation speed: the Cython-compiled core, the same core interpreted, and a SimPy
model of the same queue (the common Python tool for this), in one run.

The workload is a busy hotline: 20 agents, 360 calls an hour, 3-minute average handle
time (90% occupancy), callers who give up after 2 minutes on average; Poisson arrivals and
exponential handle times and patience. Each prints simulated calls per second of CPU time
and the numbers it found, which should agree with each other (and with Erlang A).
Goal: the compiled core simulates at least 1,000,000 calls per CPU second and at least
50x the SimPy model.

    make bench-acd          (installs SimPy into .venv)
    .venv/bin/python bench/acd.py [--calls 2000000]
"""

import argparse
import json
import random
import sys
import time

import tongdai.acdcore
from tongdai.acd import erlang

AGENTS, RATE, AHT, SL, PATIENCE = 20, 360.0, 180.0, 20.0, 120.0


def run_core(module, calls: int) -> tuple[float, dict]:
    started = time.process_time()
    result = module.simulate(AGENTS, RATE, AHT, SL, calls=calls, patience=PATIENCE, seed=1)
    return calls / (time.process_time() - started), result


def run_simpy(calls: int) -> tuple[float, dict]:
    import simpy

    rng = random.Random(1)
    env = simpy.Environment()
    staff = simpy.Resource(env, capacity=AGENTS)
    counts = {"answered": 0, "in_sl": 0, "abandoned": 0, "wait": 0.0}

    def caller(env):
        arrived = env.now
        with staff.request() as request:
            gave_up = env.timeout(rng.expovariate(1 / PATIENCE))
            yield request | gave_up
            if not request.triggered:
                counts["abandoned"] += 1
                return
            wait = env.now - arrived
            counts["answered"] += 1
            counts["wait"] += wait
            counts["in_sl"] += wait <= SL
            yield env.timeout(rng.expovariate(1 / AHT))

    def arrivals(env):
        for _ in range(calls):
            yield env.timeout(rng.expovariate(RATE / 3600))
            env.process(caller(env))

    started = time.process_time()
    env.process(arrivals(env))
    env.run()
    seconds = time.process_time() - started
    finished = counts["answered"] + counts["abandoned"]
    return calls / seconds, {
        "service_level": counts["in_sl"] / finished,
        "asa": counts["wait"] / counts["answered"],
        "abandon_rate": counts["abandoned"] / finished,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2_000_000, help="for the compiled core")
    parser.add_argument("--slow-calls", type=int, default=100_000, help="for the others")
    args = parser.parse_args()
    want = erlang.erlang_a_metrics(AGENTS, RATE, AHT, SL, patience=PATIENCE)
    print(
        f"Erlang A: service level {want.service_level:.3f}, ASA {want.asa:.1f} s, "
        f"abandoned {want.abandon_rate:.3f}"
    )
    rows = {}
    if tongdai.acdcore.COMPILED:
        rows["compiled core"] = run_core(tongdai.acdcore.core, args.calls)
    rows["interpreted core"] = run_core(tongdai.acdcore.load_interpreted(), args.slow_calls)
    try:
        rows["SimPy model"] = run_simpy(args.slow_calls)
    except ImportError:
        print("SimPy is not installed: run `make bench-acd`")
    for name, (speed, result) in rows.items():
        print(
            f"{name:17s} {speed:>12,.0f} calls/s   service level {result['service_level']:.3f}"
            f"  ASA {result['asa']:6.1f} s  abandoned {result['abandon_rate']:.3f}"
        )
    summary = {name: round(speed) for name, (speed, _) in rows.items()}
    ok = True
    if "compiled core" in rows and "SimPy model" in rows:
        compiled = rows["compiled core"][0]
        ratio = compiled / rows["SimPy model"][0]
        summary["compiled_over_simpy"] = round(ratio, 1)
        summary["compiled_over_interpreted"] = round(compiled / rows["interpreted core"][0], 1)
        ok = compiled >= 1_000_000 and ratio >= 50
        print(
            f"compiled / SimPy: {ratio:.0f}x; goal >= 1,000,000 calls/s and >= 50x: "
            + ("PASS" if ok else "FAIL")
        )
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
