"""Fixtures for tests that need a fake built with non-default options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.api.helpers")

from tests.conftest import TRANSPORTS, Api, connect  # noqa: E402
from tofupay_fake import FakeTofupay  # noqa: E402

MakeApi = Callable[..., tuple[FakeTofupay, Api]]


@pytest.fixture(params=TRANSPORTS)
def api_with(request: pytest.FixtureRequest) -> Iterator[MakeApi]:
    """``api_with(**options)``: a started ``FakeTofupay(**options)`` and a client of it.

    Independent of the ``fake`` fixture, so exactly one fake answers the host.
    """
    with ExitStack() as stack:

        def make(**options: Any) -> tuple[FakeTofupay, Api]:
            fake = stack.enter_context(FakeTofupay(**options))
            client = connect(request, request.param, fake)
            stack.callback(client.close)
            return fake, client

        yield make
