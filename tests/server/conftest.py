"""Fixtures of the server tests: a client of the session's loopback server aimed at a test's fake.

A module defines its own ``fake`` (its seed); ``http`` points the server at it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Api
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[Api]:
    """One keep-alive client of the session's server for the whole module."""
    shared = Api("sync", server.url)
    yield shared
    shared.close()


@pytest.fixture
def http(server: ServerThread, fake: FakeTofupay, client: Api) -> Api:
    """A client of this test's ``fake`` over a real socket."""
    server.app.fake = fake
    return client
