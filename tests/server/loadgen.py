"""A bounded load on a running server, from its own process: ``python loadgen.py URL ROUNDS CONNECTIONS``.

A URL of ``-`` is read as one line from stdin: the process can start (and
import) before the server listens, and begin its load when told to.

Each of CONNECTIONS threads holds one keep-alive connection (an httpx.Client)
and runs ROUNDS rounds of: create a customer with a card, update it, add a
second card, retrieve it, delete the first card, then delete the customer in
every other round. It stops by itself and prints one JSON summary: the number
of requests, the statuses seen, transport errors, and the ids it expects to be
live and deleted.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
from collections import Counter
from typing import Any

import httpx

KEY = "sk_test_loadgen000000000000"


def worker(
    base_url: str,
    rounds: int,
    number: int,
    out: dict[str, Any],
    lock: threading.Lock,
    context: ssl.SSLContext,
) -> None:
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    live: list[str] = []
    deleted: list[str] = []
    with httpx.Client(base_url=base_url, auth=(KEY, ""), timeout=30, verify=context) as client:

        def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            try:
                response = client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                return {}
            statuses[response.status_code] += 1
            body: dict[str, Any] = response.json()
            return body

        for round_ in range(rounds):
            created = call(
                "POST", "/v1/customers", data={"source": "tok_visa", "metadata[w]": str(number)}
            )
            ident = created.get("id")
            if ident is None:
                continue
            call("POST", f"/v1/customers/{ident}", data={"description": f"round {round_}"})
            call("POST", f"/v1/customers/{ident}/sources", data={"source": "tok_mastercard"})
            call("GET", f"/v1/customers/{ident}")
            call("DELETE", f"/v1/customers/{ident}/sources/{created['default_source']}")
            if round_ % 2:
                call("DELETE", f"/v1/customers/{ident}")
                deleted.append(ident)
            else:
                live.append(ident)
    with lock:
        out["statuses"].update(statuses)
        out["errors"].extend(errors)
        out["live"].extend(live)
        out["deleted"].extend(deleted)


def main(argv: list[str]) -> int:
    base_url, rounds, connections = argv[1], int(argv[2]), int(argv[3])
    if base_url == "-":
        base_url = sys.stdin.readline().strip()
    out: dict[str, Any] = {"statuses": Counter(), "errors": [], "live": [], "deleted": []}
    lock = threading.Lock()
    context = ssl.create_default_context()  # one CA bundle load, not one a client
    threads = [
        threading.Thread(target=worker, args=(base_url, rounds, number, out, lock, context))
        for number in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["requests"] = sum(out["statuses"].values()) + len(out["errors"])
    out["statuses"] = {str(status): count for status, count in sorted(out["statuses"].items())}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
