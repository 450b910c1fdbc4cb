"""A webhook receiver that is down never grows memory without bound.

The pending queue and the log of tries keep at most ``history`` entries (the
server's ``--history``). The short tests always run; ``TOFUPAY_LONG=1`` adds
a server run of 20,000 events to a dead receiver, checking the process's
resident memory stays flat.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import httpx

from tests.conftest import SSL_CONTEXT
from tests.server.receiver import down_url
from tests.server.served import Served
from tofupay_fake import FakeTofupay

KEY = "sk_test_memoryWebhooks01"
LONG = os.environ.get("TOFUPAY_LONG") == "1"


def create(fake: FakeTofupay) -> None:
    fake.handle("POST", "/v1/customers", headers={"Authorization": f"Bearer {KEY}"})
    fake.deliver_webhooks()


def test_a_queue_nobody_flushes_keeps_the_newest_history_entries() -> None:
    fake = FakeTofupay(history=20)
    fake.webhooks.deliver_to(callback=lambda body, headers: 503)
    for _ in range(200):
        create(fake)
    assert (fake.webhooks.pending, fake.webhooks.dropped) == (20, 180)
    fake.webhooks.flush()
    assert len(fake.webhooks.deliveries) == 20
    assert fake.webhooks.deliveries[-1].event_id == fake.events[-1]["id"]


def test_tries_to_a_dead_url_keep_the_newest_history_entries() -> None:
    fake = FakeTofupay(history=10)
    with down_url() as url:
        fake.webhooks.deliver_to(url=url, mode="auto")
        for _ in range(5):
            create(fake)
    tries = fake.webhooks.deliveries
    assert len(tries) == 10 and all(t.status is None for t in tries)
    assert fake.webhooks.pending == 0


def growth(fake: FakeTofupay, count: int) -> int:
    """Bytes allocated and kept by the last three quarters of ``count`` requests."""
    tracemalloc.start()
    try:
        for _ in range(count // 4):
            create(fake)
        warm, _ = tracemalloc.get_traced_memory()
        for _ in range(count - count // 4):
            create(fake)
        done, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return done - warm


def test_memory_stays_flat_while_a_dead_receiver_piles_up_events() -> None:
    """Customers are kept (the world grows); what webhooks add on top stays bounded."""
    count = 20_000 if LONG else 1_000  # a queue kept whole would add about 1 MiB here
    without = growth(FakeTofupay(history=50), count)
    fake = FakeTofupay(history=50)
    fake.webhooks.deliver_to(callback=lambda body, headers: 500)  # never flushed
    with_webhooks = growth(fake, count)
    assert fake.webhooks.pending == 50
    assert with_webhooks - without < 256 * 1024, f"webhooks kept {with_webhooks - without} bytes"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")  # pragma: no cover


#: Creates in the dead-receiver run: a short run always (twice the tries the history
#: keeps), the long one with TOFUPAY_LONG=1.
CREATES = 20_000 if LONG else 60
#: The server's ``--history``: the tries it keeps.
HISTORY = 100 if LONG else 30


def test_a_server_posting_to_a_dead_receiver_keeps_flat_memory() -> None:
    with down_url() as url, Served("--port", "0", "--history", str(HISTORY)) as served:
        served.ready()
        with httpx.Client(
            verify=SSL_CONTEXT, base_url=served.url, trust_env=False, timeout=30
        ) as client:
            added = client.post("/_fake/webhooks", json={"url": url, "secret": "whsec_x"})
            assert added.status_code == 200, added.text
            warm = 0
            for n in range(CREATES):
                assert client.post("/v1/customers", auth=(KEY, "")).status_code == 200
                if n == CREATES // 10:
                    warm = rss_kib(served.proc.pid)
            grown = rss_kib(served.proc.pid) - warm
            tries = client.get("/_fake/webhooks/deliveries").json()["data"]
        assert served.stop() == 0
    assert len(tries) == HISTORY
    assert grown < 20 * 1024, f"resident memory grew {grown} KiB"
