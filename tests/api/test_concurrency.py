"""The state machine under threads and asyncio: no lost writes, consistent lists and state."""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.api.helpers import form_pairs
from tests.conftest import BASE, KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

LONG = os.environ.get("TOFUPAY_LONG") == "1"
THREADS = 8
#: Creates per thread: every thread's run still spans several of the interpreter's thread
#: switches (the tests check that the threads' calls interleave); long mode
#: (``TOFUPAY_LONG=1``) makes five times as many.
PER_THREAD = 500 if LONG else 100
ASYNC_CREATES = 200
TOTAL = THREADS * PER_THREAD + ASYNC_CREATES


def _run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, all released at once; re-raise any job's error."""
    barrier = threading.Barrier(len(jobs))

    def released(job: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(released, job) for job in jobs]
        return [future.result(timeout=120) for future in futures]


def _interleaved(sources: list[str]) -> bool:
    """Whether the workers' calls, in the order the fake answered them, interleave: more
    runs of one worker's calls than there are workers (a serial run has exactly as many)."""
    runs = 1 + sum(a != b for a, b in pairwise(sources))
    return runs > len(set(sources))


def _walk(client: httpx.Client) -> list[dict[str, Any]]:
    """Every customer through ``limit=100`` pages and ``starting_after``; has_more checked."""
    seen: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100}
    while True:
        response = client.get("/v1/customers", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["data"])
        assert page["has_more"] == (len(seen) < TOTAL), (len(seen), page["has_more"])
        assert len(page["data"]) == (100 if page["has_more"] else TOTAL % 100 or 100)
        if not page["has_more"]:
            return seen
        query = {"limit": 100, "starting_after": page["data"][-1]["id"]}


def test_concurrent_creates_from_threads_and_asyncio_lose_nothing() -> None:
    with FakeTofupay(seed=0) as fake:

        def sync_creates(thread: int) -> list[httpx.Response]:
            with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
                return [
                    client.post("/v1/customers", data={"email": f"t{thread}-{i}@example.com"})
                    for i in range(PER_THREAD)
                ]

        async def async_creates() -> list[httpx.Response]:
            async with httpx.AsyncClient(
                base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT
            ) as client:
                return list(
                    await asyncio.gather(
                        *(
                            client.post("/v1/customers", data={"email": f"async-{i}@example.com"})
                            for i in range(ASYNC_CREATES)
                        )
                    )
                )

        jobs: list[Callable[[], list[httpx.Response]]] = [
            partial(sync_creates, thread) for thread in range(THREADS)
        ]
        jobs.append(lambda: asyncio.run(async_creates()))
        responses = [response for batch in _run_together(jobs) for response in batch]

        assert len(responses) == TOTAL
        assert Counter(response.status_code for response in responses) == {200: TOTAL}
        bodies = [response.json() for response in responses]
        expected_emails = {
            f"t{t}-{i}@example.com" for t in range(THREADS) for i in range(PER_THREAD)
        }
        expected_emails |= {f"async-{i}@example.com" for i in range(ASYNC_CREATES)}
        assert {body["email"] for body in bodies} == expected_emails
        ids = [body["id"] for body in bodies]
        assert len(set(ids)) == TOTAL
        # Each object got its own second of the frozen clock.
        assert len({body["created"] for body in bodies}) == TOTAL

        # No lost writes: the state holds every email exactly once, newest first.
        stored = fake.customers(api_key=KEY)
        assert len(stored) == TOTAL
        assert Counter(customer["email"] for customer in stored) == Counter(expected_emails)
        assert {customer["id"] for customer in stored} == set(ids)
        created = [customer["created"] for customer in stored]
        assert created == sorted(created, reverse=True)
        assert len(set(created)) == TOTAL

        # The calls are a serial history: in the order the fake answered them.
        assert len(fake.calls) == TOTAL
        assert all(call.status_code == 200 for call in fake.calls)
        in_call_order = [call.response["id"] for call in fake.calls]
        assert sorted(in_call_order) == sorted(ids)
        assert [customer["id"] for customer in stored] == in_call_order[::-1]
        # The threads and the event loop really ran at once: their creates interleave.
        assert _interleaved([call.params["email"].split("-")[0] for call in fake.calls])

        # A full cursor walk returns each customer once, in the same newest-first order.
        with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
            walked = _walk(client)
        assert [customer["id"] for customer in walked] == in_call_order[::-1]
        assert walked == stored
        assert len(fake.calls) == TOTAL + TOTAL // 100


# -- shared customers: updates, card adds and deletes from many threads -----------------

SHARED = 12
WORKERS = 6
OPS = 150


def _replay(calls: Any, customer_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The state each customer's successful calls imply, replayed in the fake's call order."""
    model: dict[str, dict[str, Any]] = {
        ident: {"cards": [], "default": None, "metadata": {}, "deleted": False}
        for ident in customer_ids
    }
    for call in calls:
        parts = call.path.split("/")  # "", "v1", "customers", id, ["sources", card]
        state = model[parts[3]]
        if state["deleted"]:
            assert call.status_code == 404, (call.method, call.path, call.status_code)
            continue
        if call.status_code != 200:
            # Only a card deleted by another thread before can fail on a live customer.
            assert (call.method, len(parts), call.status_code) == ("DELETE", 6, 404), call
            assert parts[5] not in state["cards"], call
            continue
        if call.method == "POST" and len(parts) == 4:
            state["metadata"].update(call.params["metadata"])
            state["description"] = call.params["description"]
        elif call.method == "POST":
            state["cards"].append(call.response["id"])
            state["default"] = state["default"] or call.response["id"]
        elif len(parts) == 6:
            assert parts[5] in state["cards"], call
            state["cards"].remove(parts[5])
            if state["default"] == parts[5]:
                state["default"] = state["cards"][-1] if state["cards"] else None
        else:
            state["deleted"] = True
    return model


def test_updates_card_adds_and_deletes_on_shared_customers_stay_consistent() -> None:
    with FakeTofupay(seed=0) as fake:
        customer_ids = [
            fake.add_customer(KEY, email=f"shared-{n}@example.com")["id"] for n in range(SHARED)
        ]
        doomed = set(customer_ids[: SHARED // 3])  # deleted along the way, by any thread
        added: list[tuple[str, str]] = []  # (customer, card) of every successful add
        added_lock = threading.Lock()

        def worker(number: int) -> list[tuple[str, str, int]]:
            rng = random.Random(number)
            done: list[tuple[str, str, int]] = []
            with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
                for step in range(OPS):
                    customer = rng.choice(customer_ids)
                    roll = rng.random()
                    if roll < 0.35:
                        path = f"/v1/customers/{customer}"
                        data = {
                            f"metadata[w{number}]": str(step),
                            "description": f"w{number}-{step}",
                        }
                        response = client.post(path, data=data)
                    elif roll < 0.7:
                        path = f"/v1/customers/{customer}/sources"
                        response = client.post(path, data={"source": "tok_visa"})
                        if response.status_code == 200:
                            with added_lock:
                                added.append((customer, response.json()["id"]))
                    elif roll < 0.97 or customer not in doomed:
                        with added_lock:
                            pick = rng.choice(added) if added else (customer, "card_none")
                        path = f"/v1/customers/{pick[0]}/sources/{pick[1]}"
                        response = client.delete(path)
                    else:
                        path = f"/v1/customers/{customer}"
                        response = client.delete(path)
                    assert response.status_code in (200, 404), response.text
                    done.append((response.request.method, path, response.status_code))
            return done

        results = _run_together([partial(worker, n) for n in range(WORKERS)])
        # Make sure every doomed customer is gone, whatever the threads did.
        with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
            for customer in sorted(doomed):
                client.delete(f"/v1/customers/{customer}")
            mine = [done for result in results for done in result]
            # The threads' view and the fake's record are the same calls.
            recorded = [(c.method, c.path, c.status_code) for c in fake.calls]
            assert Counter(recorded[: len(mine)]) == Counter(mine)
            assert len(recorded) == len(mine) + len(doomed)
            model = _replay(fake.calls, customer_ids)

            card_ids = [card for _, card in added]
            assert len(card_ids) == len(set(card_ids))
            deletes = Counter(
                call.path.split("/")[3]
                for call in fake.calls
                if call.method == "DELETE" and call.path.count("/") == 3 and call.status_code == 200
            )
            assert deletes == Counter(doomed)  # each deleted exactly once
            assert {c["id"] for c in fake.customers(api_key=KEY)} == set(customer_ids) - doomed
            for customer in customer_ids:
                state = model[customer]
                assert state["deleted"] == (customer in doomed)
                if state["deleted"]:
                    assert client.get(f"/v1/customers/{customer}").json() == {
                        "id": customer,
                        "object": "customer",
                        "deleted": True,
                    }
                    assert client.get(f"/v1/customers/{customer}/sources").status_code == 404
                    assert client.post(f"/v1/customers/{customer}").status_code == 404
                    continue
                body = client.get(f"/v1/customers/{customer}").json()
                adds = sum(1 for owner, _ in added if owner == customer)
                removed = sum(
                    1
                    for call in fake.calls
                    if call.method == "DELETE"
                    and call.path.startswith(f"/v1/customers/{customer}/sources/")
                    and call.status_code == 200
                )
                assert body["sources"]["total_count"] == adds - removed == len(state["cards"])
                listed = client.get(f"/v1/customers/{customer}/sources", params={"limit": 100})
                assert [card["id"] for card in listed.json()["data"]] == state["cards"][::-1]
                assert body["default_source"] == state["default"]
                assert body["metadata"] == state["metadata"]
                assert body["description"] == state.get("description")
                assert fake.get_customer(customer) == body


# -- 8 threads + 200 asyncio tasks on shared customers, checked against a serial replay -----

MIX_THREADS = 8
#: Each thread's run spans several thread switches (checked); long mode runs more.
MIX_THREAD_OPS = 120 if LONG else 50
MIX_TASKS = 200
MIX_TASK_OPS = 3
MIX_SHARED = 8
#: Interleavings differ from run to run: long mode (``TOFUPAY_LONG=1``) runs it 20 times.
ROUNDS = 20 if LONG else 1


def _seed_shared(fake: FakeTofupay) -> list[str]:
    """The shared customers (each with one card), made the same way in both fakes."""
    return [
        fake.add_customer(KEY, email=f"mix-{n}@example.com", source="tok_visa")["id"]
        for n in range(MIX_SHARED)
    ]


def _sent(method: str, data: dict[str, str]) -> dict[str, Any]:
    """httpx arguments: a GET's params in the query, a POST's in the form body."""
    if method == "GET":
        return {"params": data}
    return {"data": data} if data else {}


class _Mix:
    """What the workers did, for the checks: last metadata writes, cards added, made ids."""

    def __init__(self, shared: list[str], first_card: dict[str, str]) -> None:
        self.shared = shared
        self.first_card = first_card  # never deleted: its metadata takes updates
        self.lock = threading.Lock()
        self.cards: dict[str, list[str]] = {customer: [] for customer in shared}
        self.last_write: dict[tuple[str, str], str] = {}  # (customer, metadata key) -> value
        self.made: list[str] = []  # ids of every customer and card created

    def op(
        self, rng: random.Random, me: str, step: int, home: str | None = None
    ) -> tuple[str, str, dict[str, str]]:
        """One random request (method, path, form data) of worker ``me``.

        A worker with a ``home`` customer writes its metadata key only there
        (200 tasks with a key each would pass the 50-key limit on one customer).
        """
        customer = rng.choice(self.shared)
        roll = rng.random()
        if roll < 0.4:  # metadata increment under the worker's own key, and a description
            data = {f"metadata[{me}]": str(step), "description": f"{me}-{step}"}
            return "POST", f"/v1/customers/{home or customer}", data
        if roll < 0.6:
            return "POST", f"/v1/customers/{customer}/sources", {"source": "tok_mastercard"}
        if roll < 0.8:  # any card of any worker: another may have deleted it first (404)
            with self.lock:
                cards = self.cards[customer]
                card = rng.choice(cards) if cards else "card_none"
            return "DELETE", f"/v1/customers/{customer}/sources/{card}", {}
        if roll < 0.88:
            return "POST", "/v1/customers", {"email": f"{me}-{step}@example.com"}
        if roll < 0.94:  # a read: the replay checks its answer too
            return "GET", "/v1/customers", {"limit": "3"}
        return (
            "POST",
            f"/v1/customers/{customer}/sources/{self.first_card[customer]}",
            {f"metadata[{me}]": str(step)},
        )

    def done(self, method: str, path: str, data: dict[str, str], status: int, body: Any) -> None:
        """Note a 200's effect that the final state must show."""
        assert status in (200, 404), (method, path, status, body)
        if status == 404:  # only a card another worker deleted first
            assert method == "DELETE" and "/sources/" in path, (method, path, body)
            return
        with self.lock:
            if method == "POST" and path.endswith("/sources"):
                self.cards[path.split("/")[3]].append(body["id"])
                self.made.append(body["id"])
            elif method == "POST" and path == "/v1/customers":
                self.made.append(body["id"])
            elif method == "POST" and path.count("/") == 3:
                for name, value in data.items():
                    if name.startswith("metadata["):
                        self.last_write[(path.split("/")[3], name[9:-1])] = value


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_threads_and_asyncio_tasks_on_shared_customers_equal_a_serial_replay(round_: int) -> None:
    """8 threads and 200 asyncio tasks mix creates, updates, card adds and deletes.

    No write is lost (each worker's metadata key holds its last value), ids are
    unique, and the final state is exactly what replaying the recorded calls one
    by one into a fresh fake with the same seed gives: the calls are recorded
    under the lock that serialises them, so the replay runs the same serial
    order; ids come from the seeded per-prefix streams in that order, so even
    the ids match, and every replayed answer equals the recorded one.
    """
    with FakeTofupay(seed=0) as fake:
        shared = _seed_shared(fake)
        mix = _Mix(shared, {c: fake.get_customer(c)["default_source"] for c in shared})

        def thread_worker(number: int) -> int:
            rng = random.Random(f"thread-{number}")
            with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
                for step in range(MIX_THREAD_OPS):
                    method, path, data = mix.op(rng, f"t{number}", step)
                    response = client.request(method, path, **_sent(method, data))
                    mix.done(method, path, data, response.status_code, response.json())
            return MIX_THREAD_OPS

        async def task(client: httpx.AsyncClient, number: int) -> int:
            rng = random.Random(f"task-{number}")
            for step in range(MIX_TASK_OPS):
                home = shared[number % MIX_SHARED]
                method, path, data = mix.op(rng, f"a{number}", step, home)
                response = await client.request(method, path, **_sent(method, data))
                mix.done(method, path, data, response.status_code, response.json())
            return MIX_TASK_OPS

        async def all_tasks() -> int:
            async with httpx.AsyncClient(
                base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT
            ) as client:
                return sum(await asyncio.gather(*(task(client, n) for n in range(MIX_TASKS))))

        jobs: list[Callable[[], int]] = [partial(thread_worker, n) for n in range(MIX_THREADS)]
        jobs.append(lambda: asyncio.run(all_tasks()))
        total = sum(_run_together(jobs))
        assert total == len(fake.calls) == MIX_THREADS * MIX_THREAD_OPS + MIX_TASKS * MIX_TASK_OPS

        # IDs unique; no lost update: each worker's key holds the last value it wrote.
        assert len(mix.made) == len(set(mix.made))
        final = {customer: fake.get_customer(customer) for customer in shared}
        for (customer, name), value in mix.last_write.items():
            assert final[customer]["metadata"][name] == value, (customer, name)
        writers = Counter(customer for customer, _ in mix.last_write)
        assert all(len(final[c]["metadata"]) == writers[c] for c in shared)
        statuses = Counter(call.status_code for call in fake.calls)
        assert set(statuses) <= {200, 404} and statuses[200] > 0.8 * total, statuses
        # The threads and the event loop ran at once: the calls that name their worker
        # (a metadata key or an email) interleave; the event loop's tasks count as one.
        named = [
            next(iter(call.params.get("metadata") or {}), None)
            or call.params.get("email", "").split("-")[0]
            for call in fake.calls
        ]
        assert _interleaved([who if who.startswith("t") else "loop" for who in named if who])
        print(f"\nmixed: {total} calls {dict(statuses)}; metadata keys {sum(writers.values())}")

        # The same calls, one at a time, into a fresh fake with the same seed.
        replay = FakeTofupay(seed=0)  # not started: ``handle`` answers it directly
        assert _seed_shared(replay) == shared
        for call in fake.calls:
            encoded = urlencode(form_pairs(call.params))
            post = call.method == "POST"
            answer = replay.handle(
                call.method,
                call.path,
                query="" if post else encoded,
                headers={"Authorization": f"Bearer {call.api_key}"},
                body=encoded.encode() if post else b"",
            )
            assert (answer.status_code, answer.json()) == (call.status_code, call.response)
        assert replay.customers() == fake.customers()
        assert [replay.get_customer(c) for c in shared] == list(final.values())
        assert list(replay.events) == list(fake.events)
