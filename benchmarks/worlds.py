"""Worlds: forks of a snapshot, a test starting from a world, seeding speed, memory.

Run from the repository root::

    python benchmarks/worlds.py           # the full run (about a minute)
    python benchmarks/worlds.py --quick   # fewer rounds (well under 30 s)
    python benchmarks/worlds.py --check   # also exit 1 on a gross regression (for CI)

Every ratio compares two medians measured in the same run:

* fork: ``fake.restore(snapshot)`` and ``FakeTofupay.from_snapshot(snapshot)``
  of a 10,000-customer world, one card each (goal: under 1 ms, no customer copied);
* a test's start: a fork of a 1,000-customer world against seeding those
  1,000 customers in the test (goal: 100x cheaper);
* ``seed_customers`` per customer against the way it was done before (Faker
  asked for every field of every customer, then ``add_customer``; goal: 10x);
* memory per stored customer with one card (tracemalloc; goal: 1,316 bytes,
  the figure before copy on write), and what a fork holds.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from tofupay_fake import FakeTofupay, Snapshot
from tofupay_fake.resources import customers
from tofupay_fake.seeding import PLANS, make_faker, pools

KEY = "sk_test_worlds"
HEADERS = {"authorization": f"Bearer {KEY}", "content-type": "application/x-www-form-urlencoded"}
GOAL_FORK_MS = 1.0
GOAL_TEST_RATIO = 100.0
GOAL_SEED_RATIO = 10.0
GOAL_BYTES = 1316
#: --check fails only beyond these (a shared CI machine is noisy).
GROSS_FORK_MS, GROSS_TEST_RATIO, GROSS_SEED_RATIO, GROSS_BYTES = 5.0, 25.0, 4.0, 2 * GOAL_BYTES


def median_seconds(
    run: Callable[[], Any], rounds: int, setup: Callable[[], Any] | None = None
) -> float:
    """The median wall time of ``run`` over ``rounds`` (``setup`` before each, not timed)."""
    times = []
    for _ in range(rounds):
        if setup is not None:
            setup()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def world(n: int, seed: int = 0) -> Snapshot:
    """``n`` customers, each with an email and one card: the first as a user adds one, the
    rest straight into the same account (no validation of the request, no HTTP)."""
    fake = FakeTofupay(seed)
    fake.add_customer(KEY, email="customer0@example.com", source="tok_visa")
    account = fake._store.accounts[KEY]
    for i in range(1, n):
        fields = {"email": f"customer{i}@example.com", "source": "tok_visa"}
        customers.create(account, fields, fake._env)
    return fake.snapshot()


def old_seed_customers(fake: FakeTofupay, n: int, faker: Any) -> None:
    """How ``seed_customers`` made customers before: Faker for every field, then add_customer."""
    for _ in range(n):
        name = faker.name()
        fake.add_customer(
            KEY,
            email=faker.safe_email(),
            description=f"{name}, {faker.company()}",
            metadata={
                "name": name,
                "plan": faker.random_element(PLANS),
                "signup_ip": faker.ipv4_public(),
            },
        )


def memory_per_customer(n: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = world(n)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / n


def memory_per_fork(snapshot: Snapshot, forks: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [FakeTofupay.from_snapshot(snapshot, seed=i) for i in range(forks)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / forks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--check", action="store_true", help="exit 1 on a gross regression")
    args = parser.parse_args()
    rounds, seed_n, memory_n = (15, 200, 10_000) if args.quick else (50, 1000, 100_000)
    began = time.perf_counter()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"tofupay_fake worlds benchmark ({'quick' if args.quick else 'full'})")
    print(
        f"{platform.python_implementation()} {platform.python_version()} on {platform.platform()}"
    )
    print(f"cores: {os.cpu_count()} (usable by this process: {affinity})")

    big = world(10_000)
    fake = FakeTofupay()
    restore = median_seconds(lambda: fake.restore(big), rounds)
    fork = median_seconds(lambda: FakeTofupay.from_snapshot(big, seed=1), rounds)
    first_write = median_seconds(
        lambda: fake.handle(
            "POST", "/v1/customers", headers=HEADERS, body=b"email=new@example.com"
        ),
        rounds,
        setup=lambda: fake.restore(big),
    )
    snapshot = median_seconds(fake.snapshot, rounds)
    print("\nA 10,000-customer world (one card each):")
    print(f"  fake.restore(snapshot)                  {restore * 1e6:9.1f} us")
    print(f"  FakeTofupay.from_snapshot(snapshot)     {fork * 1e6:9.1f} us")
    print(f"  fake.snapshot()                         {snapshot * 1e6:9.1f} us")
    print(
        f"  the first write after a restore         {first_write * 1e6:9.1f} us  (copies the dicts once)"
    )

    thousand = world(1000)
    test_rounds = max(3, rounds // 5)
    from_world = median_seconds(lambda: FakeTofupay.from_snapshot(thousand, seed=7), rounds)
    seeded = median_seconds(
        lambda: FakeTofupay(7).seed_customers(1000, KEY, with_cards=True), test_rounds
    )
    test_ratio = seeded / from_world
    print("\nA test's start with 1,000 customers (one card each):")
    print(f"  a fork of a world                       {from_world * 1e6:9.1f} us")
    print(f"  seed_customers(1000) in the test        {seeded * 1e3:9.1f} ms")
    print(
        f"  ratio                                   {test_ratio:9.0f}x  (goal {GOAL_TEST_RATIO:.0f}x)"
    )

    pools()  # Faker's pools are drawn once per process: not part of a customer's cost
    faker = make_faker(0)
    old = (
        median_seconds(lambda: old_seed_customers(FakeTofupay(3), seed_n, faker), test_rounds)
        / seed_n
    )
    new = median_seconds(lambda: FakeTofupay(3).seed_customers(seed_n, KEY), test_rounds) / seed_n
    seed_ratio = old / new
    print(f"\nseed_customers, per customer (batches of {seed_n}):")
    print(f"  Faker for every field + add_customer    {old * 1e6:9.1f} us")
    print(f"  seed_customers                          {new * 1e6:9.1f} us")
    print(
        f"  ratio                                   {seed_ratio:9.1f}x  (goal {GOAL_SEED_RATIO:.0f}x)"
    )

    per_customer = memory_per_customer(memory_n)
    per_fork = memory_per_fork(big, 100)
    print(f"\nMemory (tracemalloc, {memory_n:,} customers with one card):")
    print(
        f"  per stored customer                     {per_customer:9.0f} B  (goal {GOAL_BYTES:,} B)"
    )
    print(f"  per fork of the 10,000-customer world   {per_fork:9.0f} B")

    print(f"\nRun time: {time.perf_counter() - began:.1f} s")
    goals = {
        f"fork under {GOAL_FORK_MS} ms": max(restore, fork) * 1e3 < GOAL_FORK_MS,
        f"a test's start {GOAL_TEST_RATIO:.0f}x cheaper": test_ratio >= GOAL_TEST_RATIO,
        f"seed_customers {GOAL_SEED_RATIO:.0f}x faster": seed_ratio >= GOAL_SEED_RATIO,
        f"memory at most {GOAL_BYTES:,} B a customer": per_customer <= GOAL_BYTES,
    }
    for goal, met in goals.items():
        print(f"  goal {goal}: {'met' if met else 'NOT met'}")
    if args.check:
        gross = [
            name
            for name, bad in (
                ("fork", max(restore, fork) * 1e3 > GROSS_FORK_MS),
                ("test start ratio", test_ratio < GROSS_TEST_RATIO),
                ("seed ratio", seed_ratio < GROSS_SEED_RATIO),
                ("memory", per_customer > GROSS_BYTES),
            )
            if bad
        ]
        if gross:
            print(f"GROSS REGRESSION: {', '.join(gross)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
