"""ACD core throughput: the Cython build against the same source interpreted, in one run.

Drives both cores with the same synthetic hotline (50 agents in 3 queues, 3-minute
average handle time, calls arriving at about 95% of the agents' capacity, so queues
form and drain) and prints routed calls per second of wall time for each.

    .venv/bin/python bench/acd_core.py [--calls 20000]
"""

import argparse
import heapq
import random
import time

import tongdai.acdcore


def drive(acd, calls: int, seed: int = 2026) -> tuple[float, int]:
    rng = random.Random(seed)
    core = acd.Core()
    queues = ("sales", "support", "billing")
    for q, strategy in zip(queues, ("longest-idle", "round-robin", "fewest-calls"), strict=True):
        core.add_queue(q, strategy, wrap_up=10.0)
    for i in range(50):
        agent = f"a{i}"
        core.add_agent(agent, 0.0)
        for q in rng.sample(queues, 2):
            core.add_member(q, agent, penalty=rng.randrange(3))
        core.login(agent, 0.0)
    ends: list[tuple[float, str]] = []  # (hang-up time, agent): a heap
    routed = 0
    started = time.perf_counter()
    for t in range(calls):
        now = t * 3.9  # seconds between calls: 50 agents / 190 s per call, 95% loaded
        core.enqueue(f"c{t}", rng.choice(queues), now, priority=rng.randrange(2))
        for call, agent in core.next_offers(now):
            core.answered(call, now)
            heapq.heappush(ends, (now + rng.expovariate(1 / 180), agent))
            routed += 1
        while ends and ends[0][0] <= now:
            core.hangup(heapq.heappop(ends)[1], now)
    return time.perf_counter() - started, routed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    builds = [("interpreted", tongdai.acdcore.load_interpreted())]
    if tongdai.acdcore.COMPILED:
        builds.insert(0, ("compiled", tongdai.acdcore.core))
    results = {}
    for name, module in builds:
        seconds, routed = drive(module, args.calls)
        results[name] = routed / seconds
        print(f"{name:12s} {routed} calls routed in {seconds:.2f} s: {results[name]:,.0f} calls/s")
    if len(results) == 2:
        print(f"compiled / interpreted: {results['compiled'] / results['interpreted']:.2f}x")


if __name__ == "__main__":
    main()
