"""Webhook receivers written with FastAPI and Flask, for ``test_deliver_to``.

In a module of their own, imported by the tests that use them: importing FastAPI
costs about half a second, which every test process would otherwise pay while
collecting. FastAPI reads the handler's annotations from this module's globals.
"""

from __future__ import annotations

from typing import Protocol

import fastapi
import flask


class Receiver(Protocol):
    """What the application does with a delivery: the status code it answers."""

    def receive(self, body: bytes, headers: dict[str, str]) -> int: ...


def fastapi_app(inbox: Receiver) -> fastapi.FastAPI:
    app = fastapi.FastAPI()

    @app.post("/hooks/payments")
    async def hook(request: fastapi.Request) -> fastapi.Response:
        status = inbox.receive(await request.body(), dict(request.headers))
        return fastapi.Response(b"thanks" if status == 200 else b"bad signature", status)

    return app


def flask_app(inbox: Receiver) -> flask.Flask:
    app = flask.Flask("receiver")

    @app.post("/webhooks/tofupay")
    def hook() -> tuple[str, int]:
        status = inbox.receive(flask.request.get_data(), dict(flask.request.headers))
        return ("ok" if status == 200 else "bad signature"), status

    return app
