"""``requests`` interception through our own ``responses.RequestsMock`` (extra ``[requests]``).

Only the fake's origin is answered; every other request passes through to
whatever ``HTTPAdapter.send`` was in place when the fake started (the real one,
or a user's own ``responses`` mock started before it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

import requests
import responses

from ..faults import InjectedException

if TYPE_CHECKING:
    from ..core import FakeTofupay

_METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS")


class RequestsRouter:
    """Routes ``requests`` calls for the fake's ``base_url`` to the fake."""

    def __init__(self, fake: FakeTofupay) -> None:
        self.fake = fake
        anything = re.compile(".*")
        self.mock = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            real_adapter_send=cast(Any, requests.adapters.HTTPAdapter.send),
        )
        for method in _METHODS:
            self.mock.add_callback(method, anything, callback=self._answer, match=[self._ours])
        self.mock.add_passthru(anything)  # what the fake does not own passes through

    def start(self) -> None:
        self.mock.start()

    def stop(self) -> None:
        self.mock.stop(allow_assert=False)
        self.mock.reset()

    def _ours(self, request: Any) -> tuple[bool, str]:
        """A responses matcher: the fake's own ``owns`` decides, default ports and all."""
        url = urlsplit(str(request.url))
        return self.fake.owns(url.scheme, url.hostname or "", url.port), "not the fake's origin"

    def _answer(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(str(request.url))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            answer = self.fake.handle(
                str(request.method),
                unquote(url.path),
                query=url.query,
                headers=dict(request.headers),
                body=body,
            )
        except InjectedException as injected:
            raise injected.error(str(injected)) from None
        return answer.status_code, dict(answer.headers), answer.content
