"""httpx interception through our own respx router (never the global ``respx.mock``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import respx
from respx.models import AllMockedAssertionError, PassThrough

from ..faults import InjectedException

if TYPE_CHECKING:
    from ..core import FakeTofupay, Response


class FakeRouter(respx.MockRouter):
    """A respx router that answers the fake's host and leaves every other host alone.

    It patches httpx's client level (respx's ``httpx`` mocker), so it sits in
    front of a user's ``respx_mock`` (httpcore level) and of pytest-httpx
    (transport level). Requests to other hosts go to any router registered
    after this one, or else through to the real transport, as if the fake were
    not installed.
    """

    def __init__(self, fake: FakeTofupay) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True, using="httpx")
        self.fake = fake
        self._elsewhere = respx.Route().pass_through()

    def start(self) -> None:
        super().start()
        if self.Mocker is not None and self in self.Mocker.routers:
            self.Mocker.routers.remove(self)
            self.Mocker.routers.insert(0, self)  # our host first, whoever came before

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if not self.fake.owns(url.scheme, url.host, url.port):
            self._leave(request)
        try:
            answer = self.fake.handle(
                request.method,
                url.path,
                query=url.query.decode("ascii", "replace"),
                headers=request.headers,
                body=request.content,
            )
        except InjectedException as injected:
            raise _client_error(injected, request) from None
        return _to_httpx(answer, request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)

    def _leave(self, request: httpx.Request) -> None:
        routers = self.Mocker.routers if self.Mocker is not None else []
        if routers and routers[-1] is not self:
            raise AllMockedAssertionError(f"tofupay_fake: {request!r} is not for the fake")
        raise PassThrough(
            f"tofupay_fake: {request!r} passes through", request=request, origin=self._elsewhere
        )


def _client_error(injected: InjectedException, request: httpx.Request) -> BaseException:
    """The injected exception as the client would see it; httpx errors carry the request."""
    if issubclass(injected.error, httpx.RequestError):
        return injected.error(str(injected), request=request)
    return injected.error(str(injected))


def _to_httpx(answer: Response, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        answer.status_code, headers=list(answer.headers), content=answer.content, request=request
    )
