"""The server's state file (``serve --state``): what keeping a write costs, and a restart.

Run from the repository root::

    python benchmarks/state.py           # worlds of 0, 1,000 and 10,000 customers
    python benchmarks/state.py --quick   # fewer rounds

For each world size it prints medians measured in the same run:

* an update answered by the fake alone (FLOOR-W), and the same update with its
  change committed to the file (``StateFile.commit``: the records diff, the JSON
  and one SQLite transaction), with the ratio;
* a restart: opening the file and resuming a fake from it, after the last base
  was written (no changes to apply) and with 499 changes waiting (the most a
  running server leaves, since it folds every 500).

The file lives in a temporary directory (on the same disk as ``$TMPDIR``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tofupay_fake import FakeTofupay
from tofupay_fake.persistence import COMPACT_EVERY, StateFile

KEY = "sk_test_state"
HEADERS = {"authorization": f"Bearer {KEY}"}


def median_us(run: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def world(size: int) -> tuple[FakeTofupay, str]:
    fake = FakeTofupay(seed=1)
    if size:
        fake.seed_customers(size, api_key=KEY)
    made = fake.handle("POST", "/v1/customers", headers=HEADERS, body=b"email=a%40example.com")
    return fake, made.json()["id"]


def measure(size: int, rounds: int, directory: Path) -> dict[str, float]:
    fake, ident = world(size)
    path = f"/v1/customers/{ident}"
    counter = iter(range(10**9))

    def update() -> None:
        body = f"description=d{next(counter)}".encode()
        fake.handle("POST", path, headers=HEADERS, body=body)

    floor = median_us(update, rounds)
    file = directory / f"state-{size}.db"
    state = StateFile(file)
    state.resume(fake)

    def kept() -> None:
        update()
        state.commit()

    kept_us = median_us(kept, rounds)
    state.close()

    def restart() -> None:
        with StateFile(file) as again:
            again.resume(FakeTofupay(seed=1))

    restart_ms = median_us(restart, 3) / 1000
    state = StateFile(file)
    state.resume(fake)
    for _ in range(COMPACT_EVERY - 1):
        kept()
    state._db.close()  # as a killed server leaves it: the changes wait
    start = time.perf_counter()
    with StateFile(file) as again:
        applied = again.resume(FakeTofupay(seed=1))
    waiting_ms = (time.perf_counter() - start) * 1000
    assert applied == COMPACT_EVERY - 1, applied
    return {"floor": floor, "kept": kept_us, "restart": restart_ms, "waiting": waiting_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 50 if args.quick else 300
    print(f"state file: medians of {rounds} updates, restarts: median of 3 (and one with changes)")
    print(
        f"{'customers':>10} {'FLOOR-W µs':>11} {'kept µs':>9} {'ratio':>6} "
        f"{'restart ms':>11} {'+499 changes ms':>16}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for size in (0, 1_000, 10_000):
            got = measure(size, rounds, Path(directory))
            print(
                f"{size:>10,} {got['floor']:>11.0f} {got['kept']:>9.0f} "
                f"{got['kept'] / got['floor']:>5.1f}x {got['restart']:>11.1f} "
                f"{got['waiting']:>16.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
