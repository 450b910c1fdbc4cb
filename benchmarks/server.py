"""The workflow over loopback: ``tofupay-fake serve`` against a server that answers constants.

Run from the repository root (needs the ``[server]`` extra, uvicorn)::

    python benchmarks/server.py           # 20 rounds x 20 workflows per server
    python benchmarks/server.py --quick   # 8 rounds x 10 (well under a minute)
    python benchmarks/server.py --check   # also exit 1 on a gross regression (for CI)

Two servers run as subprocesses on ephemeral loopback ports, both uvicorn with
the same settings (as ``tofupay-fake serve`` configures it):

- ``FLOOR-S``: a bare ASGI app that reads the request and answers constant bytes
  (the fake's own create answer: same headers, same body), the cheapest answer
  an HTTP server can give;
- ``fake``: ``python -m tofupay_fake serve --port 0``, the full fake over HTTP.

The workflow is benchmarks/workflow.py's (create, retrieve, update, list
``limit=3``, delete) with one long-lived keep-alive ``httpx.Client(base_url=...,
auth=...)``, then the same with ``httpx.AsyncClient``. Servers alternate every
round; between rounds the fake is reset (``POST /_fake/reset``) and given its
three customers again (``POST /_fake/customers``), untimed. Ratios are medians
against FLOOR-S of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow import AUTH, KEY, async_workflow, workflow

GROSS_RATIO = 2.0  # no goal is set for server mode; twice a do-nothing server is gross
ROW = "{:<10}{:>11}{:>17}{:>9}{:>15}"
READY_TIMEOUT = 30.0


# -- the floor server (runs in its own process: ``server.py --constant-server``) -----


def constant_answer() -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The fake's answer to the workflow's create, as raw ASGI headers and body."""
    from tofupay_fake import FakeTofupay

    answer = FakeTofupay().handle(
        "POST",
        "/v1/customers",
        headers={"Authorization": f"Bearer {KEY}"},
        body=b"email=jenny%40example.com",
    )
    headers = [(name.lower().encode(), value.encode()) for name, value in answer.headers]
    headers.append((b"content-length", str(len(answer.content)).encode()))
    return headers, answer.content


def serve_constant() -> int:
    """Serve the constant answer on a free loopback port; print the URL once listening."""
    import uvicorn

    from tofupay_fake.transports.serving import bind

    headers, body = constant_answer()
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    content = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif scope["type"] == "http":
            more = True
            while more:  # read the request body, as any server must
                message = await receive()
                more = message.get("more_body", False)
            await send(start)
            await send(content)

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            print(f"constant serving http://127.0.0.1:{port}", flush=True)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    Server(config).run(sockets=[sock])
    return 0


# -- driving both servers ---------------------------------------------------------


@contextmanager
def server(command: list[str]) -> Iterator[str]:
    """Start a server subprocess; yield its base URL (its first line's last word)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], READY_TIMEOUT)
        line = process.stdout.readline() if ready else ""
        if not line:
            sys.exit(f"{' '.join(command)} did not start (exit status {process.poll()})")
        words = line.split()
        yield next(word for word in words if word.startswith("http://"))
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def reset_fake(url: str) -> None:
    with httpx.Client(base_url=url) as control:
        control.post("/_fake/reset").raise_for_status()
        for n in range(3):
            fields = {"api_key": KEY, "email": f"existing{n}@example.com", "description": "seeded"}
            control.post("/_fake/customers", data=fields).raise_for_status()


Samples = dict[str, list[int]]


def measure(
    urls: dict[str, str], rounds: int, batch: int, is_async: bool
) -> tuple[Samples, dict[str, list[float]]]:
    names = list(urls)
    samples: Samples = {name: [] for name in names}
    per_round: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter_ns
    loop = asyncio.new_event_loop()
    clients: dict[str, Any] = {
        name: (httpx.AsyncClient if is_async else httpx.Client)(base_url=url, auth=AUTH)
        for name, url in urls.items()
    }

    async def run_async(client: httpx.AsyncClient, out: list[int]) -> None:
        for _ in range(batch):
            start = clock()
            await async_workflow(client)
            out.append(clock() - start)

    gc.collect()
    gc.disable()
    try:
        for round_ in range(rounds):
            this_round: dict[str, list[int]] = {name: [] for name in names}
            for name in names if round_ % 2 == 0 else names[::-1]:
                out = this_round[name]
                if is_async:
                    loop.run_until_complete(run_async(clients[name], out))
                else:
                    for _ in range(batch):
                        start = clock()
                        workflow(clients[name])
                        out.append(clock() - start)
                samples[name] += out
            reset_fake(urls["fake"])
            floor = statistics.median(this_round[names[0]])
            for name, out in this_round.items():
                per_round[name].append(statistics.median(out) / floor)
            gc.collect()
    finally:
        gc.enable()
        for client in clients.values():
            if is_async:
                loop.run_until_complete(client.aclose())
            else:
                client.close()
        loop.close()
    return samples, per_round


def report(title: str, samples: Samples, per_round: dict[str, list[float]]) -> float:
    names = list(samples)
    floor = statistics.median(samples[names[0]])
    print(f"\n{title}")
    print(ROW.format("server", "median µs", "p10-p90 µs", "ratio", "round ratios"))
    ratio = 1.0
    for name in names:
        data = samples[name]
        deciles = statistics.quantiles(data, n=10)
        ratio = statistics.median(data) / floor
        rounds = sorted(per_round[name])
        cut = len(rounds) // 10
        print(
            ROW.format(
                name,
                f"{statistics.median(data) / 1e3:.1f}",
                f"{deciles[0] / 1e3:.1f}-{deciles[-1] / 1e3:.1f}",
                f"{ratio:.2f}x",
                f"{rounds[cut]:.2f}-{rounds[-1 - cut]:.2f}",
            )
        )
    return ratio  # the fake's (last row)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--check", action="store_true", help="exit 1 on a gross regression")
    parser.add_argument("--constant-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.constant_server:
        return serve_constant()
    rounds, batch = (8, 10) if args.quick else (20, 20)
    began = time.perf_counter()
    print(f"tofupay_fake server benchmark ({'quick' if args.quick else 'full'})")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{python} on {platform.platform()}; cores: {os.cpu_count()}; httpx {httpx.__version__}")
    floor_command = [sys.executable, __file__, "--constant-server"]
    fake_command = [sys.executable, "-m", "tofupay_fake", "serve", "--port", "0", "--seed", "0"]
    with server(floor_command) as floor_url, server(fake_command) as fake_url:
        urls = {"FLOOR-S": floor_url, "fake": fake_url}
        reset_fake(fake_url)
        for is_async in (False, True):  # warm-up: connections, imports
            measure(urls, 1, 5, is_async)
        print(f"servers: FLOOR-S {floor_url}, fake {fake_url} (uvicorn, h11, one process each)")
        print(f"{rounds} rounds x {batch} workflows per server, servers alternating every round;")
        print("ratio = median / FLOOR-S median; round ratios = p10-p90 of per-round median ratios.")
        sync = report("sync (httpx.Client, keep-alive)", *measure(urls, rounds, batch, False))
        async_ = report("async (httpx.AsyncClient)", *measure(urls, rounds, batch, True))
        if args.check and sync > GROSS_RATIO:
            print("\n--check: a ratio above the gross limit; measuring again to rule out noise")
            sync = report("sync (httpx.Client, keep-alive)", *measure(urls, rounds, batch, False))
    print(f"\nfake over loopback: sync {sync:.2f}x, async {async_:.2f}x FLOOR-S (no goal set)")
    print(f"total time {time.perf_counter() - began:.1f} s")
    if not args.check:
        return 0
    gross = sync > GROSS_RATIO
    print("--check: " + (f"GROSS REGRESSION: {sync:.2f}x > {GROSS_RATIO}x" if gross else "OK, none gross"))  # fmt: skip
    return 1 if gross else 0


if __name__ == "__main__":
    sys.exit(main())
