"""The server under a bounded loopback load from a second process.

``loadgen.py`` runs in its own process with several keep-alive connections and
stops by itself. The server must answer every request without a transport
error or a 5xx, end in exactly the state the load implies, and keep its memory
flat once its call and event history is full (``--history``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.server.loadgen import KEY
from tests.server.served import Served

LOADGEN = Path(__file__).with_name("loadgen.py")
LONG = os.environ.get("TOFUPAY_LONG") == "1"
CONNECTIONS = 8
#: Rounds per connection and load phase (even); a round is 5 or 6 requests.
ROUNDS = 400 if LONG else 10
#: The server's ``--history``: the first three phases fill it several times over.
HISTORY = 1000 if LONG else 300


def load(url: str, rounds: int) -> dict[str, Any]:
    """``rounds`` rounds on each connection from one loadgen process; every request counted."""
    done = subprocess.run(
        [sys.executable, str(LOADGEN), url, str(rounds), str(CONNECTIONS)],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    summary: dict[str, Any] = json.loads(done.stdout)
    assert summary["requests"] == CONNECTIONS * rounds * 11 // 2  # 5 or 6 a round
    return summary


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def listed_ids(client: httpx.Client) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = client.get("/v1/customers", params=params).json()
        ids += [customer["id"] for customer in page["data"]]
        if not page["has_more"]:
            return ids
        params["starting_after"] = ids[-1]


def test_a_steady_load_answers_everything_and_keeps_memory_flat() -> None:
    with Served("--port", "0", "--history", str(HISTORY)) as served:
        served.ready()
        phases = [load(served.url, 3 * ROUNDS)]  # three phases from one process
        sizes = [rss_kib(served.proc.pid)]
        phases.append(load(served.url, 2 * ROUNDS))  # two more
        sizes.append(rss_kib(served.proc.pid))

        for summary in phases:
            assert summary["errors"] == []
            assert set(summary["statuses"]) == {"200"}, summary["statuses"]

        live = {ident for summary in phases for ident in summary["live"]}
        deleted = {ident for summary in phases for ident in summary["deleted"]}
        with httpx.Client(base_url=served.url, auth=(KEY, "")) as client:
            ids = listed_ids(client)
            assert len(ids) == len(set(ids)) and set(ids) == live
            for ident in sorted(deleted)[:20]:
                assert client.get(f"/v1/customers/{ident}").json() == {
                    "id": ident, "object": "customer", "deleted": True,
                }  # fmt: skip
            calls = client.get("/_fake/calls").json()["data"]
            assert len(calls) == HISTORY  # the newest calls, oldest first
        assert served.stop() == 0

    # Two more phases after the history filled: growth is only the live
    # customers they added and the deleted ids kept for their stubs.
    added = len(phases[1]["live"])
    growth = sizes[1] - sizes[0]
    assert growth < 400 + added * 4, (sizes, added)
