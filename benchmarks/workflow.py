"""One 5-call workflow through httpx: the fake against the cheapest httpx call, in one run.

Run from the repository root::

    python benchmarks/workflow.py           # 30 rounds x 40 workflows per target
    python benchmarks/workflow.py --quick   # 10 rounds x 20 (a few seconds)
    python benchmarks/workflow.py --check   # also exit 1 on a gross regression (for CI)

The workflow is what an application's test does: create a customer (``.json()``
read for its id), retrieve it, update it, list ``limit=3``, delete it. Every
target is timed with one long-lived client made as the example application
makes it (``conftest_plugin/billing.py``: ``httpx.Client(base_url=...,
auth=(key, ""))``, Basic auth), then the same ``httpx.AsyncClient`` on one
event loop:

- ``FLOOR-1``: a client on ``httpx.MockTransport`` whose handler returns constant
  bytes (the fake's own create answer: same headers, same body), the cheapest
  httpx call there is;
- ``respx static``: ``respx.mock`` routes answering the fake's recorded bytes,
  with respx's default mocker (httpcore level) and with ``using="httpx"``;
- ``naive fake``: an 80-line dict-backed stateful fake behind MockTransport
  (reference only: no validation, no events, no call log);
- ``fake``: ``FakeTofupay().start()`` (what the ``tofupay`` fixture does) and
  a plain client as above: the interception and the full state machine;
- ``fake +card``: the same, creating with ``source=tok_visa``.

Targets are interleaved in every round (order reversed every other round); an
interception is started before its batch and stopped after it, untimed; the
garbage collector is off while timing and runs between rounds (the fake's call
log and events are cleared there too, untimed: like most tests, the workflow
never reads its events, so the fake never encodes them). Ratios are medians
against FLOOR-1 of the same run, sync against sync and async against async.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import respx

from tofupay_fake import FakeTofupay
from tofupay_fake.request import Response

BASE = "https://api.tofupay.com"
KEY = "sk_test_benchmarks"
AUTH = (KEY, "")
GOAL_RATIO = 1.3  # the sync fake's workflow against FLOOR-1
GROSS_RATIO = 2 * GOAL_RATIO  # --check fails only beyond this
GOAL_TARGET = "fake"
ROW = "{:<13}{:>11}{:>17}{:>9}{:>15}"

# -- the workflow ------------------------------------------------------------------


def workflow(client: httpx.Client, card: bool = False) -> None:
    data = (
        {"email": "jenny@example.com", "source": "tok_visa"}
        if card
        else {"email": "jenny@example.com"}
    )
    ident = client.post("/v1/customers", data=data).json()["id"]
    client.get(f"/v1/customers/{ident}")
    client.post(f"/v1/customers/{ident}", data={"description": "VIP"})
    client.get("/v1/customers", params={"limit": 3})
    client.delete(f"/v1/customers/{ident}")


async def async_workflow(client: httpx.AsyncClient, card: bool = False) -> None:
    data = (
        {"email": "jenny@example.com", "source": "tok_visa"}
        if card
        else {"email": "jenny@example.com"}
    )
    ident = (await client.post("/v1/customers", data=data)).json()["id"]
    await client.get(f"/v1/customers/{ident}")
    await client.post(f"/v1/customers/{ident}", data={"description": "VIP"})
    await client.get("/v1/customers", params={"limit": 3})
    await client.delete(f"/v1/customers/{ident}")


def new_fake() -> FakeTofupay:
    """A fake with three customers, so that ``limit=3`` returns a full page."""
    fake = FakeTofupay(seed=0)
    for n in range(3):
        fake.add_customer(KEY, email=f"existing{n}@example.com", description="seeded")
    return fake


@dataclass(frozen=True)
class Recorded:
    """The fake's answers to one workflow: (method, path) -> (status, headers, body)."""

    ident: str
    answers: dict[tuple[str, str], tuple[int, list[tuple[str, str]], bytes]]


def record() -> Recorded:
    """Run the workflow once on a fake (through ``handle``) and keep its answers' bytes."""
    fake = new_fake()
    seen: list[tuple[httpx.Request, Response]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        url = request.url
        answer = fake.handle(
            request.method, url.path, query=url.query.decode(), headers=request.headers,
            body=request.read(),
        )  # fmt: skip
        seen.append((request, answer))
        return httpx.Response(
            answer.status_code, headers=list(answer.headers), content=answer.content
        )

    with httpx.Client(base_url=BASE, auth=AUTH, transport=httpx.MockTransport(handler)) as client:
        workflow(client)
    ident = seen[0][1].json()["id"]
    answers = {
        (request.method, request.url.path.replace(ident, "{id}")): (
            answer.status_code,
            list(answer.headers),
            answer.content,
        )
        for request, answer in seen
    }
    return Recorded(ident, answers)


# -- targets -----------------------------------------------------------------------


@dataclass
class Target:
    """One way of answering the workflow: how to make its client, how to switch it on."""

    name: str
    make_client: Callable[[bool], Any]  # is_async -> client
    active: Callable[[], AbstractContextManager[Any]] = nullcontext
    card: bool = False
    after_round: Callable[[], None] = lambda: None
    clients: dict[bool, Any] = field(default_factory=dict)

    def client(self, is_async: bool) -> Any:
        if is_async not in self.clients:
            self.clients[is_async] = self.make_client(is_async)
        return self.clients[is_async]


def plain_client(is_async: bool) -> Any:
    return (
        httpx.AsyncClient(base_url=BASE, auth=AUTH)
        if is_async
        else httpx.Client(base_url=BASE, auth=AUTH)
    )


def mock_transport_client(
    handler: Callable[[httpx.Request], httpx.Response],
) -> Callable[[bool], Any]:
    def make(is_async: bool) -> Any:
        transport = httpx.MockTransport(handler)
        return (
            httpx.AsyncClient(base_url=BASE, auth=AUTH, transport=transport)
            if is_async
            else httpx.Client(base_url=BASE, auth=AUTH, transport=transport)
        )

    return make


def floor_target(recorded: Recorded) -> Target:
    status, headers, content = recorded.answers["POST", "/v1/customers"]

    def constant(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=content)

    return Target("FLOOR-1", mock_transport_client(constant))


def respx_target(recorded: Recorded, using: str) -> Target:
    router = respx.mock(base_url=BASE, assert_all_called=False, using=using)
    for (method, path), (status, headers, content) in recorded.answers.items():
        url = path.replace("{id}", recorded.ident)
        router.route(method=method, path=url).respond(status, headers=headers, content=content)
    name = "respx httpx" if using == "httpx" else "respx"
    return Target(name, plain_client, active=lambda: router)


def naive_target() -> Target:
    """A minimal stateful fake: dicts, no validation, no events, no call log."""
    store: dict[str, dict[str, Any]] = {}
    counter = iter(range(10**9))
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def answer(body: Any) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": "application/json"}, content=encode(body).encode()
        )

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Basic "):
            return httpx.Response(401, json={"error": {"type": "authentication_error"}})
        parts = request.url.path.strip("/").split("/")  # v1 customers [id]
        form = dict(parse_qsl(request.content.decode()))
        if len(parts) == 2 and request.method == "POST":
            ident = f"cus_{next(counter):014d}"
            store[ident] = {"id": ident, "object": "customer", "created": 1421056271,
                            "email": form.get("email"), "description": form.get("description"),
                            "metadata": {}, "sources": {"object": "list", "data": []}}  # fmt: skip
            return answer(store[ident])
        if len(parts) == 2:
            limit = int(dict(parse_qsl(request.url.query.decode())).get("limit", 10))
            data = list(store.values())[::-1][:limit]
            return answer(
                {"object": "list", "url": "/v1/customers", "has_more": False, "data": data}
            )
        customer = store.get(parts[2])
        if customer is None:
            return httpx.Response(404, json={"error": {"type": "invalid_request_error"}})
        if request.method == "POST":
            customer.update({k: v for k, v in form.items() if k in ("email", "description")})
        elif request.method == "DELETE":
            del store[parts[2]]
            return answer({"deleted": True, "id": parts[2]})
        return answer(customer)

    for n in range(3):
        handler(httpx.Request("POST", "/v1/customers", headers={"Authorization": "Basic x"},
                              data={"email": f"existing{n}@example.com"}))  # fmt: skip
    return Target("naive fake", mock_transport_client(handler))


def fake_target(card: bool) -> Target:
    fake = new_fake()

    @contextmanager
    def started() -> Iterator[FakeTofupay]:
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()

    def after_round() -> None:
        fake.calls.clear()
        fake.events.clear()

    name = "fake +card" if card else "fake"
    return Target(name, plain_client, active=started, card=card, after_round=after_round)


# -- timing ------------------------------------------------------------------------

Samples = dict[str, list[int]]  # target -> ns per workflow


def run_sync(target: Target, batch: int, out: list[int]) -> None:
    client = target.client(False)
    card = target.card
    clock = time.perf_counter_ns
    with target.active():
        for _ in range(batch):
            start = clock()
            workflow(client, card)
            out.append(clock() - start)


async def run_async(target: Target, batch: int, out: list[int]) -> None:
    client = target.client(True)
    card = target.card
    clock = time.perf_counter_ns
    with target.active():
        for _ in range(batch):
            start = clock()
            await async_workflow(client, card)
            out.append(clock() - start)


def measure(
    targets: list[Target], rounds: int, batch: int, is_async: bool, loop: asyncio.AbstractEventLoop
) -> tuple[Samples, dict[str, list[float]]]:
    """Per-workflow ns of each target, and each round's median ratio to the floor."""
    samples: Samples = {t.name: [] for t in targets}
    per_round: dict[str, list[float]] = {t.name: [] for t in targets}
    gc.collect()
    gc.disable()
    try:
        for round_ in range(rounds):
            this_round: dict[str, list[int]] = {t.name: [] for t in targets}
            for target in targets if round_ % 2 == 0 else targets[::-1]:
                out = this_round[target.name]
                if is_async:
                    run: Awaitable[None] = run_async(target, batch, out)
                    loop.run_until_complete(run)
                else:
                    run_sync(target, batch, out)
                target.after_round()
                samples[target.name] += out
            floor = statistics.median(this_round[targets[0].name])
            for name, out in this_round.items():
                per_round[name].append(statistics.median(out) / floor)
            gc.collect()
    finally:
        gc.enable()
    return samples, per_round


def report(title: str, samples: Samples, per_round: dict[str, list[float]]) -> dict[str, float]:
    """Print one table; return each target's ratio of medians to FLOOR-1."""
    names = list(samples)
    floor = statistics.median(samples[names[0]])
    print(f"\n{title}")
    print(ROW.format("target", "median µs", "p10-p90 µs", "ratio", "round ratios"))
    ratios: dict[str, float] = {}
    for name in names:
        data = samples[name]
        median = statistics.median(data)
        deciles = statistics.quantiles(data, n=10)
        ratios[name] = median / floor
        rounds = sorted(per_round[name])
        spread = f"{rounds[len(rounds) // 10]:.2f}-{rounds[-1 - len(rounds) // 10]:.2f}"
        print(
            ROW.format(
                name,
                f"{median / 1e3:.1f}",
                f"{deciles[0] / 1e3:.1f}-{deciles[-1] / 1e3:.1f}",
                f"{ratios[name]:.2f}x",
                spread,
            )
        )
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a few seconds)")
    parser.add_argument("--check", action="store_true", help="exit 1 on a gross regression")
    args = parser.parse_args()
    rounds, batch = (10, 20) if args.quick else (30, 40)
    began = time.perf_counter()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"tofupay_fake workflow benchmark ({'quick' if args.quick else 'full'})")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(
        f"{python} on {platform.platform()}; httpx {httpx.__version__}, respx {respx.__version__}"
    )
    print(f"cores: {os.cpu_count()} (usable by this process: {affinity})")
    print(
        "Workflow: create (.json() for the id), retrieve, update, list limit=3, delete; Basic auth."
    )

    recorded = record()
    targets = [
        floor_target(recorded),
        respx_target(recorded, "httpcore"),
        respx_target(recorded, "httpx"),
        naive_target(),
        fake_target(card=False),
        fake_target(card=True),
    ]
    loop = asyncio.new_event_loop()
    for is_async in (False, True):  # warm-up: imports, caches, first clients
        measure(targets, 1, 10, is_async, loop)
    print(f"{rounds} rounds x {batch} workflows per target, targets interleaved every round;")
    print("ratio = median / FLOOR-1 median; round ratios = p10-p90 of the per-round median ratios.")

    def both() -> tuple[dict[str, float], dict[str, float]]:
        sync = report("sync (httpx.Client)", *measure(targets, rounds, batch, False, loop))
        async_ = report("async (httpx.AsyncClient)", *measure(targets, rounds, batch, True, loop))
        return sync, async_

    sync, async_ = both()
    if args.check and sync[GOAL_TARGET] > GROSS_RATIO:
        print("\n--check: a ratio above the gross limit; measuring again to rule out noise")
        sync, async_ = both()
    loop.close()

    verdict = "PASS" if sync[GOAL_TARGET] <= GOAL_RATIO else "MISS"
    print(
        f"\nGoal: sync fake workflow <= {GOAL_RATIO}x FLOOR-1: {sync[GOAL_TARGET]:.2f}x {verdict}"
    )
    print(f"      (async: {async_[GOAL_TARGET]:.2f}x; with a card: sync {sync['fake +card']:.2f}x, "
          f"async {async_['fake +card']:.2f}x)")  # fmt: skip
    print(f"total time {time.perf_counter() - began:.1f} s")
    if not args.check:
        return 0
    gross = sync[GOAL_TARGET] > GROSS_RATIO
    result = (
        f"GROSS REGRESSION: {sync[GOAL_TARGET]:.2f}x > {GROSS_RATIO}x"
        if gross
        else "OK, none gross"
    )
    print(f"--check: {result}")
    return 1 if gross else 0


if __name__ == "__main__":
    sys.exit(main())
