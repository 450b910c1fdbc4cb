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

from tests.conftest import SSL_CONTEXT
from tests.server.loadgen import KEY
from tests.server.served import Served

LOADGEN = Path(__file__).with_name("loadgen.py")
LONG = os.environ.get("TOFUPAY_LONG") == "1"
CONNECTIONS = 8
#: Rounds per connection and load phase (even); a round is 5 or 6 requests.
ROUNDS = 400 if LONG else 6
#: The server's ``--history``: the first three phases fill it several times over.
HISTORY = 1000 if LONG else 200


class Load:
    """A loadgen process of ``rounds`` rounds on each connection, started (and importing)
    at once; its load begins at ``run(url)``, which returns its summary."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self.proc = subprocess.Popen(
            [sys.executable, str(LOADGEN), "-", str(rounds), str(CONNECTIONS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def run(self, url: str) -> dict[str, Any]:
        """Every request counted."""
        out, err = self.proc.communicate(f"{url}\n", timeout=600)
        assert self.proc.returncode == 0, err
        summary: dict[str, Any] = json.loads(out)
        assert summary["requests"] == CONNECTIONS * self.rounds * 11 // 2  # 5 or 6 a round
        return summary

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=600)


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
    # Both loadgen processes start beside the server; each loads it when told to.
    loads = [Load(3 * ROUNDS), Load(2 * ROUNDS)]  # three phases from one process, two more
    try:
        with Served("--port", "0", "--history", str(HISTORY)) as served:
            served.ready()
            phases: list[dict[str, Any]] = []
            sizes: list[int] = []
            for each in loads:
                phases.append(each.run(served.url))
                sizes.append(rss_kib(served.proc.pid))
            check(served, phases)
    finally:
        for each in loads:
            each.close()

    # Two more phases after the history filled: growth is only the live
    # customers they added and the deleted ids kept for their stubs.
    added = len(phases[1]["live"])
    growth = sizes[1] - sizes[0]
    assert growth < 400 + added * 4, (sizes, added)


def check(served: Served, phases: list[dict[str, Any]]) -> None:
    """No error and only 200s; the server holds exactly the state the load implies."""
    for summary in phases:
        assert summary["errors"] == []
        assert set(summary["statuses"]) == {"200"}, summary["statuses"]

    live = {ident for summary in phases for ident in summary["live"]}
    deleted = {ident for summary in phases for ident in summary["deleted"]}
    with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, auth=(KEY, "")) as client:
        ids = listed_ids(client)
        assert len(ids) == len(set(ids)) and set(ids) == live
        for ident in sorted(deleted)[:20]:
            assert client.get(f"/v1/customers/{ident}").json() == {
                "id": ident, "object": "customer", "deleted": True,
            }  # fmt: skip
        calls = client.get("/_fake/calls").json()["data"]
        assert len(calls) == HISTORY  # the newest calls, oldest first
    assert served.stop() == 0
