"""CPU instructions per workflow, counted by callgrind: the fake against constant-bytes floors.

Run from the repository root (needs ``valgrind``)::

    python benchmarks/instructions.py            # every client, 20 and 276 workflows a run
    python benchmarks/instructions.py --quick    # httpx only
    python benchmarks/instructions.py --targets httpx-floor,httpx-fake

Wall-clock time moves with whatever else the machine does; an instruction
count does not. Each target runs in a fresh interpreter under
``valgrind --tool=callgrind`` twice, with ``a`` and ``b`` workflows after the
same set-up; ``(instructions(b) - instructions(a)) / (b - a)`` is the cost of
one workflow, start-up and set-up cancelled out.

The runs are 256 workflows apart, so that the garbage collector's older
generations, which run every few dozen workflows, count at their
steady-state share: a window of a few dozen workflows would count such a
collection once or not at all (about 10 k instructions a workflow either
way). The workflow never reads the fake's calls or events, so neither is
made: both are made when first read (the ``-read`` targets show what reading
them costs).

The workflow is ``workflow.py``'s (create, retrieve, update, list ``limit=3``,
delete) through one long-lived client. Targets per client library:

- ``<client>-floor``: the same client answered with constant bytes (the
  fake's own create answer, recorded, for every request) by the cheapest mock
  that library has:
  ``MockTransport`` for httpx/httpx2 (FLOOR-1 for httpx), a mounted
  ``HTTPAdapter`` for requests, a handler for urllib;
- ``<client>-constant``: the fake's interception with a core that answers the
  recorded bytes (the floor for aiohttp, which has no mock of its own; for
  the others, what the interception itself costs);
- ``<client>-fake``: ``FakeTofupay().start()`` and a plain client: the whole
  fake;
- ``<client>-read``: the whole fake, the test reading its newest call and
  event after each workflow (so every call and event is made);
- ``httpx-respx``: respx's static routes with ``using="httpx"``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _callgrind  # beside this script

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE = "https://api.tofupay.com"
KEY = "sk_test_benchmarks"
GOAL = 1.15  # the httpx fake against FLOOR-1
#: Workflows between the two runs of a target (see the module docstring).
WINDOW = 256
CLIENTS = ("httpx", "httpx2", "requests", "aiohttp", "urllib")
KINDS = ("floor", "constant", "fake")

# -- the workflow, as each client sends it ---------------------------------------------------

Send = Callable[[str, str, dict[str, str] | None], Any]


def steps(send: Send, read_json: Callable[[Any], Any]) -> None:
    ident = read_json(send("POST", "/v1/customers", {"email": "jenny@example.com"}))["id"]
    send("GET", f"/v1/customers/{ident}", None)
    send("POST", f"/v1/customers/{ident}", {"description": "VIP"})
    send("GET", "/v1/customers?limit=3", None)
    send("DELETE", f"/v1/customers/{ident}", None)


def recorded() -> dict[tuple[str, str], tuple[int, tuple[tuple[str, str], ...], bytes]]:
    """The fake's answers to one workflow, by (method, path with ``{id}``)."""
    from tofupay_fake import FakeTofupay

    fake = new_fake(FakeTofupay)
    answers: dict[tuple[str, str], tuple[int, tuple[tuple[str, str], ...], bytes]] = {}
    ident = ""

    def send(method: str, path: str, data: dict[str, str] | None) -> Any:
        nonlocal ident
        path, _, query = path.partition("?")
        body = "&".join(f"{k}={v}" for k, v in (data or {}).items()).replace("@", "%40")
        answer = fake.handle(
            method,
            path,
            query=query,
            headers={"Authorization": f"Bearer {KEY}"},
            body=body.encode(),
        )
        if not ident:
            ident = answer.json()["id"]
        answers[(method, path.replace(ident, "{id}"))] = (
            answer.status_code,
            answer.headers,
            answer.content,
        )
        return answer

    steps(send, lambda answer: answer.json())
    return answers


def new_fake(factory: Any) -> Any:
    """A fake with three customers, so that ``limit=3`` returns a full page."""
    fake = factory(seed=0)
    for n in range(3):
        fake.add_customer(KEY, email=f"existing{n}@example.com", description="seeded")
    return fake


def constant_answer(answers: dict[Any, Any], method: str, path: str) -> Any:
    """The answer of every request to a floor: the create answer (status, headers, bytes)."""
    return answers[("POST", "/v1/customers")]


# -- set-up per target (runs in the child) -----------------------------------------------------


def runner(target: str) -> Callable[[], None]:
    """One workflow's function for ``target``, all set-up done."""
    client, kind = target.rsplit("-", 1)
    answers = recorded()
    if kind == "constant":
        from tofupay_fake.fake import FakeTofupay
        from tofupay_fake.request import Request, Response

        status, headers, content = constant_answer(answers, "POST", "/v1/customers")
        answer = Response(status, headers, content)

        class Constant(FakeTofupay):
            def respond(self, request: Request, *, raise_exceptions: bool = True) -> Response:
                return answer

        Constant().start()
    elif kind in ("fake", "read"):
        from tofupay_fake import FakeTofupay

        fake = new_fake(FakeTofupay).start()
        if kind == "read":  # the test reads its calls and events after each workflow
            workflow = globals()[f"{client.replace('2', 'two')}_runner"]("fake", answers)

            def workflow_and_read() -> None:
                workflow()
                fake.calls.last.response  # noqa: B018 - makes every call kept as parts
                fake.events.last  # noqa: B018 - encodes every pending event

            return workflow_and_read
    elif kind == "respx":
        import respx

        router = respx.mock(using="httpx", assert_all_called=False)
        for (method, path), (status, headers, content) in answers.items():
            pattern = BASE + re.escape(path).replace(r"\{id\}", r"cus_[0-9A-Za-z]{14}")
            router.route(method=method, url__regex=pattern + r"(\?.*)?$").respond(
                status, headers=list(headers), content=content
            )
        router.start()
    return globals()[f"{client.replace('2', 'two')}_runner"](kind, answers)


def httpx_runner(kind: str, answers: dict[Any, Any], lib_name: str = "httpx") -> Callable[[], None]:
    lib: Any = __import__(lib_name)
    transport = None
    if kind == "floor":

        def handler(request: Any) -> Any:
            status, headers, content = constant_answer(answers, request.method, request.url.path)
            return lib.Response(status, headers=list(headers), content=content)

        transport = lib.MockTransport(handler)
    http = lib.Client(base_url=BASE, auth=(KEY, ""), transport=transport)

    def send(method: str, path: str, data: dict[str, str] | None) -> Any:
        return http.request(method, path, data=data)

    return lambda: steps(send, lambda response: response.json())


def httpxtwo_runner(kind: str, answers: dict[Any, Any]) -> Callable[[], None]:
    return httpx_runner(kind, answers, "httpx2")


def requests_runner(kind: str, answers: dict[Any, Any]) -> Callable[[], None]:
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.auth = (KEY, "")
    if kind == "floor":

        class Constant(HTTPAdapter):
            def send(self, request: Any, **kwargs: Any) -> Any:
                status, headers, content = constant_answer(
                    answers, request.method, request.url[len(BASE) :]
                )
                response = requests.Response()
                response.status_code = status
                response.headers.update(dict(headers))
                response._content = content
                response.url = request.url
                response.request = request
                response.encoding = "utf-8"
                return response

        session.mount(BASE, Constant())

    def send(method: str, path: str, data: dict[str, str] | None) -> Any:
        return session.request(method, BASE + path, data=data)

    return lambda: steps(send, lambda response: response.json())


def urllib_runner(kind: str, answers: dict[Any, Any]) -> Callable[[], None]:
    import base64
    import io
    import urllib.request
    from email.message import Message
    from urllib.parse import urlencode
    from urllib.response import addinfourl

    handlers: list[Any] = []
    if kind == "floor":

        class Constant(urllib.request.BaseHandler):
            handler_order = 100  # before HTTPSHandler, which would connect

            def https_open(self, request: Any) -> Any:
                status, headers, content = constant_answer(
                    answers, request.get_method(), request.selector
                )
                message = Message()
                for name, value in headers:
                    message[name] = value
                response = addinfourl(io.BytesIO(content), message, request.full_url, status)
                response.msg = "OK"  # what urllib's processors read, as http.client has it
                return response

        handlers.append(Constant())
    opener = urllib.request.build_opener(*handlers)
    auth = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()

    def send(method: str, path: str, data: dict[str, str] | None) -> Any:
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            BASE + path, data=body, method=method, headers={"Authorization": auth}
        )
        with opener.open(request) as response:
            return response.read()

    return lambda: steps(send, json.loads)


def aiohttp_runner(kind: str, answers: dict[Any, Any]) -> Callable[[], None]:
    import aiohttp

    loop = asyncio.new_event_loop()

    async def make() -> Any:
        return aiohttp.ClientSession(BASE, auth=aiohttp.BasicAuth(KEY, ""))

    session = loop.run_until_complete(make())

    async def send(method: str, path: str, data: dict[str, str] | None) -> Any:
        async with session.request(method, path, data=data) as response:
            return await response.read()

    async def flow() -> None:
        ident = json.loads(await send("POST", "/v1/customers", {"email": "jenny@example.com"}))[
            "id"
        ]
        await send("GET", f"/v1/customers/{ident}", None)
        await send("POST", f"/v1/customers/{ident}", {"description": "VIP"})
        await send("GET", "/v1/customers?limit=3", None)
        await send("DELETE", f"/v1/customers/{ident}", None)

    return lambda: loop.run_until_complete(flow())


def child(target: str, runs: int) -> None:
    run = runner(target)
    for _ in range(3):  # warm every cache the same way in both runs
        run()
    for _ in range(runs):
        run()


# -- the parent: callgrind twice per target -----------------------------------------------------


def instructions(target: str, runs: int) -> int:
    return _callgrind.instructions([sys.executable, __file__, "--child", target, str(runs)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("TARGET", "RUNS"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="the httpx targets only")
    parser.add_argument("--targets", help="comma-separated targets (e.g. httpx-floor,httpx-fake)")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    low, high = 20, 20 + WINDOW
    if args.targets:
        targets = args.targets.split(",")
    elif args.quick:
        targets = ["httpx-floor", "httpx-respx", "httpx-constant", "httpx-fake", "httpx-read"]
    else:
        targets = [f"{c}-{k}" for c in CLIENTS for k in KINDS if (c, k) != ("aiohttp", "floor")]
        targets.insert(1, "httpx-respx")
        targets.insert(targets.index("httpx-fake") + 1, "httpx-read")
    per: dict[str, float] = {}
    print(
        f"instructions per workflow: (Ir({high}) - Ir({low})) / {high - low}, Python {sys.version.split()[0]}"
    )
    print(f"{'target':<18}{'Ir/workflow':>14}{'ratio':>9}  floor")
    for target in targets:
        per[target] = (instructions(target, high) - instructions(target, low)) / (high - low)
        client = target.rsplit("-", 1)[0]
        floor = f"{client}-floor" if f"{client}-floor" in per else f"{client}-constant"
        ratio = per[target] / per[floor] if floor in per else 1.0
        print(f"{target:<18}{per[target]:>14,.0f}{ratio:>8.2f}x  {floor}")
    if "httpx-fake" in per and "httpx-floor" in per:
        ratio = per["httpx-fake"] / per["httpx-floor"]
        verdict = "met" if ratio <= GOAL else "MISS"
        print(f"Goal: httpx fake <= {GOAL}x FLOOR-1 in instructions: {ratio:.2f}x {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
