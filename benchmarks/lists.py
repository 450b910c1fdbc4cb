"""Latency of the Customers API against store size, and memory per stored customer.

Run from the repository root::

    python benchmarks/lists.py           # n = 10, 10_000, 100_000; memory over 100_000
    python benchmarks/lists.py --quick   # n = 10, 10_000; memory over 10_000 (well under 30 s)
    python benchmarks/lists.py --check   # also exit 1 on a gross regression (for CI)

Every timed request goes through ``FakeTofupay.handle``: params decoding, auth,
routing, the handler, rendering, JSON and call recording, with no HTTP library,
so the numbers are about the fake and its store. Stores are filled fast by
calling ``tofupay_fake.resources.customers.create`` directly.
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
from dataclasses import dataclass
from urllib.parse import urlencode

from tofupay_fake import FakeTofupay
from tofupay_fake.params import Value
from tofupay_fake.request import Response
from tofupay_fake.resources import customers
from tofupay_fake.store import Account, Customer

KEY = "sk_test_benchmarks"
LIST = "/v1/customers"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}
GOAL_RATIO = 1.2  # first page and cursor page at the largest n, against n=10
GOAL_BYTES = 1536  # per stored customer with one card
GROSS_RATIO, GROSS_BYTES = 2 * GOAL_RATIO, 2 * GOAL_BYTES  # --check fails only beyond these
GOAL_OPS = ("first page", "cursor page")
#: Cursor pages ask for 5 so that every n (10 included) returns a full page from the middle:
#: rendering costs ~10 µs per customer, so unequal pages would swamp the store's own cost.
CURSOR_LIMIT = 5


@dataclass
class Bench:
    """One store under test and the customers its requests name."""

    n: int
    fake: FakeTofupay
    account: Account
    middle: Customer  # position n//2, oldest first (ending_before names n//2 - 1)
    gets: dict[str, str]  # path?query of each GET operation
    serial: int = 0

    def new_fields(self) -> Form:
        self.serial += 1
        return {"email": f"new{self.serial}@example.com", "source": "tok_visa"}


def fill(fake: FakeTofupay, n: int) -> Account:
    """``n`` customers, each with an email and one card (tok_visa), without HTTP."""
    account = fake._store.account(KEY)
    for i in range(n):
        fields = {"email": f"customer{i}@example.com", "source": "tok_visa"}
        customers.create(account, fields, fake._env)
    fake._store.keep(account)  # an account is kept once it holds something
    return account


def build(n: int) -> Bench:
    start = time.perf_counter()
    fake = FakeTofupay()
    account = fill(fake, n)
    print(f"  built n={n:>7,} in {time.perf_counter() - start:5.2f} s")

    def at(position: int) -> Customer:
        return account.order.slice(position, position + 1)[0]

    middle, below = at(n // 2), at(n // 2 - 1)
    lo, hi = max(0, n // 2 - 10), min(n, n // 2 + 10)  # 20 customers round the middle (n=10: all)
    end = at(hi).created if hi < n else at(n - 1).created + 1
    created = urlencode({"created[gte]": at(lo).created, "created[lt]": end, "limit": 10})
    gets = {
        "first page": f"{LIST}?limit=10",
        "cursor page": f"{LIST}?limit={CURSOR_LIMIT}&starting_after={middle.id}",
        "ending_before page": f"{LIST}?limit={CURSOR_LIMIT}&ending_before={below.id}",
        "email page": f"{LIST}?{urlencode({'email': middle.email})}",
        "created-range page": f"{LIST}?{created}",
        "retrieve": f"{LIST}/{middle.id}",
    }
    return Bench(n, fake, account, middle, gets)


Timed = tuple[int, Response]
Form = dict[str, Value]
Op = Callable[[Bench], Timed]


def call(bench: Bench, method: str, path: str, query: str = "", form: Form | None = None) -> Timed:
    """(ns, response) of one ``handle`` call; anything but a 200 stops the benchmark."""
    body = urlencode(form).encode() if form else b""
    start = time.perf_counter_ns()
    response = bench.fake.handle(method, path, query=query, headers=HEADERS, body=body)
    elapsed = time.perf_counter_ns() - start
    if response.status_code != 200:
        sys.exit(f"{method} {path}?{query} answered {response.status_code}: {response.content!r}")
    return elapsed, response


def get(name: str) -> Op:
    def op(bench: Bench) -> Timed:
        path, _, query = bench.gets[name].partition("?")
        return call(bench, "GET", path, query)

    return op


def create(bench: Bench) -> Timed:
    timed = call(bench, "POST", LIST, form=bench.new_fields())
    customers.delete(bench.account, timed[1].json()["id"])  # untimed, so n stays put
    return timed


def update(bench: Bench) -> Timed:
    bench.serial += 1
    form: Form = {"description": f"update {bench.serial}"}
    return call(bench, "POST", f"{LIST}/{bench.middle.id}", form=form)


def delete(bench: Bench) -> Timed:
    made = customers.create(bench.account, bench.new_fields(), bench.fake._env)  # untimed
    return call(bench, "DELETE", f"{LIST}/{made.id}")


DESCRIPTIONS = {
    "first page": "GET /v1/customers?limit=10",
    "cursor page": f"GET /v1/customers?limit={CURSOR_LIMIT}&starting_after=<customer n/2>",
    "ending_before page": f"GET /v1/customers?limit={CURSOR_LIMIT}&ending_before=<customer n/2-1>",
    "email page": "GET /v1/customers?email=<email of customer n/2>",
    "created-range page": "GET /v1/customers?created[gte]=..&created[lt]=..&limit=10 (20 round n/2)",
    "retrieve": "GET /v1/customers/<customer n/2>",
    "create": "POST /v1/customers email=..&source=tok_visa (deleted again, untimed)",
    "update": "POST /v1/customers/<customer n/2> description=..",
    "delete": "DELETE /v1/customers/<a customer made untimed>",
}
WRITES: dict[str, Op] = {"create": create, "update": update, "delete": delete}
OPS: dict[str, Op] = {name: WRITES.get(name) or get(name) for name in DESCRIPTIONS}
Cell = tuple[str, int]  # (operation, n)
Samples = dict[Cell, list[int]]
ROW = "{:<19}{:>9}{:>6}{:>11}{:>17}{:>15}"


def measure(benches: list[Bench], rounds: int, batch: int) -> Samples:
    """Per-call ns of every op on every store; each round interleaves stores and ops."""
    samples: Samples = {(name, b.n): [] for name in OPS for b in benches}
    gc.collect()
    gc.freeze()  # the stores' objects: the collections between rounds skip them
    gc.disable()
    try:
        for round_ in range(rounds):
            for name, op in OPS.items():
                for bench in benches if round_ % 2 else benches[::-1]:
                    out = samples[name, bench.n]
                    for _ in range(batch):
                        out.append(op(bench)[0])
                    bench.fake.calls.clear()  # untimed: the call log would grow without bound
            gc.collect()
    finally:
        gc.enable()
    return samples


def report(samples: Samples, sizes: list[int], items: dict[Cell, int]) -> dict[str, float]:
    """Print the table; return each op's ratio at the largest n."""
    print("\n" + ROW.format("operation", "n", "items", "median µs", "p10-p90 µs", "ratio to n=10"))
    ratios: dict[str, float] = {}
    for name in OPS:
        base = statistics.median(samples[name, sizes[0]])
        for n in sizes:
            data = samples[name, n]
            median, deciles = statistics.median(data), statistics.quantiles(data, n=10)
            spread = f"{deciles[0] / 1e3:.1f}-{deciles[-1] / 1e3:.1f}"
            ratios[name] = median / base
            ratio = f"{ratios[name]:.2f}x"
            print(ROW.format(name, f"{n:,}", items[name, n], f"{median / 1e3:.1f}", spread, ratio))
    return ratios


def bytes_per_customer(n: int) -> float:
    """Traced bytes still allocated after filling a new store, per customer."""
    fake = FakeTofupay()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    fill(fake, n)
    seconds = time.perf_counter() - start
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"  built n={n:>7,} in {seconds:5.2f} s under tracemalloc (several times slower)")
    return (after - before) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="n = 10 and 10_000, fewer repetitions")
    parser.add_argument("--check", action="store_true", help="exit 1 on a gross regression")
    args = parser.parse_args()
    quick, full = ([10, 10_000], 20, 50), ([10, 10_000, 100_000], 30, 100)
    sizes, rounds, batch = quick if args.quick else full
    began = time.perf_counter()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"tofupay_fake list benchmark ({'quick' if args.quick else 'full'})")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{python} on {platform.platform()}")
    print(f"cores: {os.cpu_count()} (usable by this process: {affinity})")
    print("Stores filled by resources.customers.create(account, {email, source=tok_visa}, env):")

    memory = bytes_per_customer(sizes[-1])
    benches = [build(n) for n in sizes]
    print("\nRequests, each through FakeTofupay.handle (no HTTP library):")
    for name, request in DESCRIPTIONS.items():
        print(f"  {name:<19}{request}")
    items: dict[Cell, int] = {}
    for name, op in OPS.items():
        for bench in benches:
            body = op(bench)[1].json()
            items[name, bench.n] = len(body["data"]) if body.get("object") == "list" else 1
    measure(benches, 1, 20)  # warm-up
    print(f"\n{rounds} rounds x {batch} calls = {rounds * batch} samples per operation and n;")
    print("stores and operations interleaved every round; gc disabled while timing.")
    ratios = report(measure(benches, rounds, batch), sizes, items)
    if args.check and any(ratios[name] > GROSS_RATIO for name in GOAL_OPS):
        print("\n--check: a ratio above the gross limit; measuring again to rule out noise")
        ratios = report(measure(benches, rounds, batch), sizes, items)

    largest = f"n={sizes[-1]:,}"
    note = " (--quick: the goal is stated for n=100,000)" if args.quick else ""
    print(f"\nGoals at {largest} against n=10{note}:")
    for name in GOAL_OPS:
        verdict = "PASS" if ratios[name] <= GOAL_RATIO else "MISS"
        print(f"  {name:<13} {ratios[name]:6.2f}x   goal <= {GOAL_RATIO}x     {verdict}")
    verdict = "PASS" if memory <= GOAL_BYTES else "MISS"
    goal = f"goal <= {GOAL_BYTES} B ({GOAL_BYTES / 1024:.1f} KiB)"
    print(f"  {'memory':<13} {memory:6.0f} B  {goal}  {verdict}")
    print(
        f"  memory: traced bytes still allocated after filling a store of {largest}, per customer:\n"
        "  Customer and Card records, their id/email/fingerprint strings, per-customer dicts,\n"
        "  the id map, the order index and the email index (the script keeps nothing else)."
    )
    print(f"\ntotal time {time.perf_counter() - began:.1f} s")
    if not args.check:
        return 0
    gross = [f"{n} {ratios[n]:.2f}x > {GROSS_RATIO}x" for n in GOAL_OPS if ratios[n] > GROSS_RATIO]
    if memory > GROSS_BYTES:
        gross.append(f"memory {memory:.0f} B > {GROSS_BYTES} B")
    print("--check: " + ("GROSS REGRESSION: " + "; ".join(gross) if gross else "OK, none gross"))
    return 1 if gross else 0


if __name__ == "__main__":
    sys.exit(main())
