"""Webhooks into the application under test: ``fake.webhooks.deliver_to`` end to end.

Each kind of target gets a real receiver: a Starlette and a FastAPI app
(ASGI), a Flask app (WSGI), an HTTP server in another process (URL) and a
plain function (callback). The receivers check the signature the way an
application does, with ``verify``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import SSL_CONTEXT, Api
from tofupay_fake import FakeTofupay
from tofupay_fake.deliveries import Delivery
from tofupay_fake.webhooks import SignatureError, verify

KEY = "sk_test_webhookReceiver01"
OTHER_KEY = "sk_test_someoneElse00001"
SECRET = "whsec_test_secret"
ROOT = Path(__file__).resolve().parents[2]


class Inbox:
    """What a receiving application stored: the events it accepted, the answers it gave."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.bodies: list[bytes] = []

    def receive(self, body: bytes, headers: dict[str, str], secret: str = SECRET) -> int:
        self.bodies.append(body)
        self.headers.append({name.lower(): value for name, value in headers.items()})
        try:
            event = verify(
                body,
                headers.get("tofupay-signature") or headers.get("Tofupay-Signature", ""),
                secret,
            )
        except SignatureError as error:
            self.rejected.append(str(error))
            return 400
        self.events.append(event)
        return 200

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]


def starlette_app(inbox: Inbox) -> Starlette:
    async def hook(request: Request) -> JSONResponse:
        status = inbox.receive(await request.body(), dict(request.headers))
        return JSONResponse({"received": status == 200}, status_code=status)

    return Starlette(routes=[Route("/webhooks/tofupay", hook, methods=["POST"])])


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


def create(email: str = "ada@example.com", key: str = KEY, **data: str) -> dict[str, Any]:
    response = httpx.post(
        "https://api.tofupay.com/v1/customers",
        auth=(key, ""),
        data={"email": email, **data},
        verify=SSL_CONTEXT,  # a client's own context loads the CA bundle: ~20 ms a call
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- each kind of target ---------------------------------------------------------------


def test_an_asgi_app_gets_each_event_before_the_client_call_returns(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    fake.webhooks.deliver_to(asgi=starlette_app(inbox), mode="auto")

    customer = create()
    assert inbox.types() == ["customer.created"]
    assert inbox.events[0]["data"]["object"] == customer
    httpx.post(
        f"https://api.tofupay.com/v1/customers/{customer['id']}",
        auth=(KEY, ""),
        data={"description": "VIP"},
        verify=SSL_CONTEXT,
    )
    assert inbox.types() == ["customer.created", "customer.updated"]
    assert inbox.events == list(fake.events)
    assert inbox.headers[0]["content-type"] == "application/json"
    assert inbox.headers[0]["host"] == "testserver"
    delivery = fake.webhooks.assert_delivered("customer.updated", description="VIP")
    assert (delivery.status, delivery.attempt, delivery.response_body) == (
        200, 1, '{"received":true}',
    )  # fmt: skip


@pytest.mark.asyncio
async def test_an_asgi_app_gets_events_of_an_async_client_on_its_loop(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    from tests.api.receivers import fastapi_app

    fake.webhooks.deliver_to(asgi=fastapi_app(inbox), path="/hooks/payments", mode="auto")

    async with httpx.AsyncClient(auth=(KEY, ""), verify=SSL_CONTEXT) as client:
        made = await client.post("https://api.tofupay.com/v1/customers", data={"email": "a@b.co"})
        assert inbox.types() == ["customer.created"]
        await client.delete(f"https://api.tofupay.com/v1/customers/{made.json()['id']}")
        assert inbox.types() == ["customer.created", "customer.deleted"]
    assert fake.webhooks.deliveries[-1].response_body == "thanks"


def test_a_wsgi_app_gets_each_event(fake: FakeTofupay, inbox: Inbox) -> None:
    from tests.api.receivers import flask_app

    endpoint = fake.webhooks.deliver_to(wsgi=flask_app(inbox))
    customer = create(source="tok_visa")

    assert inbox.events == []  # manual mode: nothing until flush
    made = fake.webhooks.flush()

    assert [d.type for d in made] == ["customer.created", "customer.source.created"]
    assert inbox.events == list(fake.events)
    assert inbox.events[0]["data"]["object"]["id"] == customer["id"]
    assert made[0].endpoint is endpoint and made[0].response_body == "ok"
    assert endpoint.url == "http://testserver/webhooks/tofupay"
    assert fake.webhooks.flush() == []


@pytest.mark.asyncio
async def test_a_wsgi_app_gets_events_of_an_async_client(fake: FakeTofupay, inbox: Inbox) -> None:
    from tests.api.receivers import flask_app

    fake.webhooks.deliver_to(wsgi=flask_app(inbox), mode="auto")
    async with httpx.AsyncClient(auth=(KEY, ""), verify=SSL_CONTEXT) as client:
        await client.post("https://api.tofupay.com/v1/customers")
    assert inbox.types() == ["customer.created"]


RECEIVER = """
import json, sys
from tests.server.receiver import running_receiver
with running_receiver("/hooks/tofupay") as receiver:
    print(receiver.url, flush=True)
    plan = sys.stdin.readline()
    receiver.plan = json.loads(plan)
    print("planned", flush=True)
    count = int(sys.stdin.readline())
    for request in receiver.wait_for(count):
        print(json.dumps({"path": request.path, "headers": request.headers,
                          "body": request.body.decode()}), flush=True)
"""


@pytest.fixture
def receiver_process() -> Iterator[subprocess.Popen[str]]:
    """An HTTP receiver in another process: URL on the first line, then one request a line."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RECEIVER],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_a_url_in_another_process_gets_real_posts_with_retries(
    fake: FakeTofupay, receiver_process: subprocess.Popen[str]
) -> None:
    assert receiver_process.stdin is not None and receiver_process.stdout is not None
    url = receiver_process.stdout.readline().strip()
    receiver_process.stdin.write("[503]\n")
    receiver_process.stdin.flush()
    assert receiver_process.stdout.readline() == "planned\n"
    endpoint = fake.webhooks.deliver_to(url=url, mode="auto", secret="whsec_other")
    assert endpoint.path == "/hooks/tofupay"

    create()

    receiver_process.stdin.write("2\n")
    receiver_process.stdin.flush()
    requests = [json.loads(receiver_process.stdout.readline()) for _ in range(2)]
    assert [r["path"] for r in requests] == ["/hooks/tofupay"] * 2
    event = verify(requests[1]["body"], requests[1]["headers"]["tofupay-signature"], "whsec_other")
    assert event == fake.events[0]
    assert [(d.status, d.attempt) for d in fake.webhooks.deliveries] == [(503, 1), (200, 2)]


def test_a_url_is_posted_to_even_while_httpx_is_intercepted(fake: FakeTofupay) -> None:
    """A URL on another started fake's host is not answered by that fake: the POST is real."""
    with FakeTofupay(base_url="http://127.0.0.1:9") as other:
        fake.webhooks.deliver_to(url="http://127.0.0.1:9/hooks", mode="auto")
        create()
    delivery = fake.webhooks.deliveries[0]
    assert delivery.status is None and "ConnectError" in delivery.response_body
    assert len(fake.webhooks.deliveries) == 4  # tried four times, never answered by the fake
    assert other.calls.call_count == 0


def test_a_callback_gets_the_body_and_headers(fake: FakeTofupay, inbox: Inbox) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    create()
    assert inbox.bodies == [json.dumps(fake.events[0], ensure_ascii=False).encode()]
    assert set(inbox.headers[0]) == {"content-type", "tofupay-signature", "user-agent"}


# -- modes, over every client --------------------------------------------------------------


def test_auto_mode_delivers_before_every_client_returns(
    fake: FakeTofupay, api: Api, inbox: Inbox
) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    made = api.post("/v1/customers", key=KEY, data={"email": "auto@example.com"})
    assert made.status_code == 200
    assert inbox.types() == ["customer.created"]
    api.post(f"/v1/customers/{made.json()['id']}/sources", key=KEY, data={"source": "tok_visa"})
    assert inbox.types() == ["customer.created", "customer.source.created", "customer.updated"]
    assert fake.webhooks.pending == 0


def test_manual_mode_waits_for_flush(fake: FakeTofupay, api: Api, inbox: Inbox) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive)
    api.post("/v1/customers", key=KEY)
    api.post("/v1/customers", key=KEY)
    assert inbox.events == [] and fake.webhooks.pending == 2
    made = fake.webhooks.flush()
    assert [d.event for d in made] == list(fake.events) == inbox.events
    assert fake.webhooks.flush() == []


def test_only_events_after_the_endpoint_was_added_and_not_seeded_ones(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    create("before@example.com")
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    fake.add_customer(KEY, email="seeded@example.com")
    fake.seed_customers(2, KEY)
    after = create("after@example.com")
    assert [e["data"]["object"]["id"] for e in inbox.events] == [after["id"]]
    assert len(fake.events) == 5  # all recorded, one delivered


def test_the_type_and_account_filters(fake: FakeTofupay) -> None:
    sources, mine, everything = Inbox(), Inbox(), Inbox()
    fake.webhooks.deliver_to(callback=sources.receive, mode="auto", events=["customer.source.*"])
    fake.webhooks.deliver_to(
        callback=mine.receive, mode="auto", api_key=KEY, events="customer.created"
    )
    fake.webhooks.deliver_to(callback=everything.receive, mode="auto")

    create(key=OTHER_KEY, source="tok_visa")
    create(key=KEY)

    assert sources.types() == ["customer.source.created"]
    assert mine.types() == ["customer.created"]
    assert len(everything.events) == 3


def test_remove_stops_deliveries_and_drops_the_queue(fake: FakeTofupay, inbox: Inbox) -> None:
    kept = Inbox()
    endpoint = fake.webhooks.deliver_to(callback=inbox.receive)
    fake.webhooks.deliver_to(callback=kept.receive)
    create()
    endpoint.remove()
    endpoint.remove()  # idempotent
    create()
    assert len(fake.webhooks.flush()) == 2
    assert inbox.events == [] and len(kept.events) == 2
    assert fake.webhooks.endpoints == [fake.webhooks.endpoints[0]] and endpoint.removed


def test_reset_forgets_endpoints_and_deliveries(fake: FakeTofupay, inbox: Inbox) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    create()
    fake.reset()
    create()
    assert len(inbox.events) == 1
    assert fake.webhooks.deliveries == [] and fake.webhooks.endpoints == []


# -- retries ---------------------------------------------------------------------------------


def test_failures_are_retried_three_more_times_without_escaping(fake: FakeTofupay) -> None:
    answers = iter([500, RuntimeError("receiver broke"), 404, 200])

    def flaky(body: bytes, headers: dict[str, str]) -> int:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    fake.webhooks.deliver_to(callback=flaky, mode="auto")
    create()
    tries = [(d.status, d.attempt, d.response_body) for d in fake.webhooks.deliveries]
    assert tries == [
        (500, 1, ""), (None, 2, "RuntimeError: receiver broke"), (404, 3, ""), (200, 4, ""),
    ]  # fmt: skip


def test_a_target_that_always_fails_is_tried_four_times_then_given_up(fake: FakeTofupay) -> None:
    fake.webhooks.deliver_to(callback=lambda body, headers: 503)
    create()
    made = fake.webhooks.flush()
    assert [(d.status, d.attempt) for d in made] == [(503, 1), (503, 2), (503, 3), (503, 4)]
    assert fake.webhooks.pending == 0
    with pytest.raises(AssertionError, match=r"No customer\.created delivery answered 200"):
        fake.webhooks.assert_delivered("customer.created")
    assert fake.webhooks.assert_delivered("customer.created", status=503).attempt == 4


def test_an_app_that_raises_is_recorded_not_raised(fake: FakeTofupay) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise ValueError("no database")

    fake.webhooks.deliver_to(asgi=broken, mode="auto")
    create()
    assert {(d.status, d.response_body) for d in fake.webhooks.deliveries} == {
        (None, "ValueError: no database")
    }


def test_a_callback_must_return_a_status(fake: FakeTofupay) -> None:
    fake.webhooks.deliver_to(callback=lambda body, headers: None, mode="auto")  # type: ignore[arg-type, return-value]
    create()
    assert fake.webhooks.deliveries[0].status is None
    assert "must return the HTTP status as an int" in fake.webhooks.deliveries[0].response_body


# -- faults ----------------------------------------------------------------------------------


def test_duplicate_delivers_the_next_event_twice_to_every_endpoint(fake: FakeTofupay) -> None:
    first, second = Inbox(), Inbox()
    fake.webhooks.deliver_to(callback=first.receive, mode="auto")
    fake.webhooks.deliver_to(callback=second.receive, mode="auto")
    fake.webhooks.fail_next("duplicate")
    create()
    create()
    for inbox in (first, second):
        ids = [e["id"] for e in inbox.events]
        assert ids == [fake.events[0]["id"], fake.events[0]["id"], fake.events[1]["id"]]


def test_out_of_order_swaps_the_next_two_events(fake: FakeTofupay, inbox: Inbox) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    fake.webhooks.fail_next("out_of_order")
    customer = create()
    assert inbox.events == []  # held until the next event
    httpx.delete(
        f"https://api.tofupay.com/v1/customers/{customer['id']}", auth=(KEY, ""), verify=SSL_CONTEXT
    )
    assert inbox.types() == ["customer.deleted", "customer.created"]


def test_out_of_order_with_no_next_event_is_delivered_by_flush(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    fake.webhooks.fail_next("out_of_order")
    create()
    assert fake.webhooks.pending == 1
    assert [d.type for d in fake.webhooks.flush()] == ["customer.created"]


def test_bad_signature_spoils_one_try_and_the_retry_is_good(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    from tests.api.receivers import flask_app

    fake.webhooks.deliver_to(wsgi=flask_app(inbox), mode="auto")
    fake.webhooks.fail_next("bad_signature")
    create()
    create()
    assert inbox.rejected == ["No signature matches the payload and secret"]
    assert [(d.status, d.attempt) for d in fake.webhooks.deliveries] == [
        (400, 1),
        (200, 2),
        (200, 1),
    ]
    assert inbox.bodies[0] == inbox.bodies[1]


def test_stale_timestamp_is_signed_correctly_301_seconds_early(fake: FakeTofupay) -> None:
    headers: list[str] = []
    fake.webhooks.deliver_to(
        callback=lambda body, sent: headers.append(sent["Tofupay-Signature"]) or 200,
        mode="auto",
        timestamp=lambda: 1_000_000_000,
    )
    fake.webhooks.fail_next("stale_timestamp")
    create()
    create()
    assert [h.partition(",")[0] for h in headers] == ["t=999999699", "t=1000000000"]
    body = fake.webhooks.deliveries[0].event
    text = json.dumps(body, ensure_ascii=False).encode()
    assert verify(text, headers[0], SECRET, tolerance=0) == body  # a valid signature


def test_stale_timestamp_fails_the_age_check_and_the_retry_passes(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    fake.webhooks.deliver_to(asgi=starlette_app(inbox), mode="auto")
    fake.webhooks.fail_next("stale_timestamp")
    create()
    assert len(inbox.rejected) == 1 and "s old, beyond the tolerance of 300 s" in inbox.rejected[0]
    assert [(d.status, d.attempt) for d in fake.webhooks.deliveries] == [(400, 1), (200, 2)]
    assert inbox.events == list(fake.events)


def test_faults_are_taken_in_order_one_event_each(fake: FakeTofupay, inbox: Inbox) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive)
    fake.webhooks.fail_next("duplicate")
    fake.webhooks.fail_next("bad_signature")
    for n in range(3):
        create(f"c{n}@example.com")
    made = fake.webhooks.flush()
    assert [(d.event_id, d.status, d.attempt) for d in made] == [
        (fake.events[0]["id"], 200, 1),
        (fake.events[0]["id"], 200, 1),
        (fake.events[1]["id"], 400, 1),
        (fake.events[1]["id"], 200, 2),
        (fake.events[2]["id"], 200, 1),
    ]


# -- signatures and the log --------------------------------------------------------------------


def test_a_fixed_timestamp_gives_byte_identical_signatures(inbox: Inbox) -> None:
    runs = []
    for _ in range(2):
        with FakeTofupay(seed=7) as fake:
            received = Inbox()
            fake.webhooks.deliver_to(
                callback=received.receive, mode="auto", timestamp=fake.clock.now
            )
            create()
            runs.append((received.bodies, [h["tofupay-signature"] for h in received.headers]))
    assert runs[0] == runs[1]
    assert runs[0][1][0].startswith("t=1421056272,")


def test_the_wall_clock_signs_by_default_so_verify_accepts(fake: FakeTofupay, inbox: Inbox) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    create()
    assert inbox.rejected == [] and len(inbox.events) == 1


def test_assert_delivered_matches_fields_and_lists_deliveries_when_missing(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    fake.webhooks.deliver_to(callback=inbox.receive, mode="auto")
    customer = create("zoe@example.com")
    found = fake.webhooks.assert_delivered("customer.created", email="zoe@example.com")
    assert isinstance(found, Delivery) and found.event["data"]["object"]["id"] == customer["id"]
    with pytest.raises(AssertionError) as raised:
        fake.webhooks.assert_delivered("customer.created", email="eve@example.com")
    assert f"customer.created {fake.events[0]['id']} to a callback: 200, attempt 1" in str(
        raised.value
    )


def test_assert_delivered_says_when_deliveries_wait_for_flush(fake: FakeTofupay) -> None:
    fake.webhooks.deliver_to(callback=lambda body, headers: 200)
    create()
    with pytest.raises(
        AssertionError, match=r"1 deliveries wait in the queue: call fake.webhooks.flush\(\)"
    ):
        fake.webhooks.assert_delivered("customer.created")


def test_the_fake_itself_is_not_a_url_target(fake: FakeTofupay) -> None:
    with pytest.raises(ValueError, match="is the fake itself"):
        fake.webhooks.deliver_to(url="https://API.tofupay.com./webhooks")
    with pytest.raises(ValueError, match="is the fake itself"):
        fake.webhooks.deliver_to(url=fake.url + "/hooks")


def test_nested_api_calls_from_a_receiver_are_delivered_after_it(fake: FakeTofupay) -> None:
    """A receiver that calls the API itself: its events follow, in order, no recursion."""
    seen: list[str] = []

    def receiver(body: bytes, headers: dict[str, str]) -> int:
        event = json.loads(body)
        seen.append(event["type"])
        if event["type"] == "customer.created":
            customer_id = event["data"]["object"]["id"]
            httpx.post(
                f"https://api.tofupay.com/v1/customers/{customer_id}",
                auth=(KEY, ""),
                data={"description": "welcomed"},
                verify=SSL_CONTEXT,
            )
        return 200

    fake.webhooks.deliver_to(callback=receiver, mode="auto")
    create()
    assert seen == ["customer.created", "customer.updated"]


def test_async_auto_mode_from_many_tasks_delivers_everything(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    fake.webhooks.deliver_to(asgi=starlette_app(inbox), mode="auto")

    async def main() -> None:
        async with httpx.AsyncClient(auth=(KEY, ""), verify=SSL_CONTEXT) as client:
            await asyncio.gather(
                *(client.post("https://api.tofupay.com/v1/customers") for _ in range(20))
            )

    asyncio.run(main())
    fake.webhooks.flush()
    assert sorted(e["id"] for e in inbox.events) == sorted(e["id"] for e in fake.events)


@pytest.mark.asyncio
async def test_a_sync_client_inside_a_running_loop_reaches_an_asgi_app(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    """The app runs on the fake's own loop in a thread, so this loop is not re-entered."""
    fake.webhooks.deliver_to(asgi=starlette_app(inbox), mode="auto")
    create()
    assert inbox.types() == ["customer.created"]


def test_auto_mode_from_many_threads_delivers_every_event_once(
    fake: FakeTofupay, inbox: Inbox
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake.webhooks.deliver_to(asgi=starlette_app(inbox), mode="auto")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: create(f"t{n}@example.com"), range(40)))
    fake.webhooks.flush()  # a request that finished while another delivered left its event to it
    assert sorted(e["id"] for e in inbox.events) == sorted(e["id"] for e in fake.events)
    assert len(inbox.events) == 40
