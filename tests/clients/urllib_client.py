"""``UrllibApi``: the API scenarios through ``urllib.request`` (``urlopen`` or a built opener)."""

from __future__ import annotations

import json as jsonlib
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

from tofupay_fake.request import Headers

from . import authorization
from .requests_client import BASE, KEY

#: ``urlopen``: ``urllib.request.urlopen``; ``opener``: an opener of ``build_opener()``.
MODES = ("urlopen", "opener")


class UrllibResponse:
    """A urllib answer (or the ``HTTPError`` of a 4xx/5xx) read whole, httpx-style."""

    def __init__(self, status_code: int, headers: Headers, content: bytes, reason: str) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.reason = reason

    @classmethod
    def read(cls, response: Any) -> UrllibResponse:
        """Read an ``http.client.HTTPResponse`` or an ``HTTPError``, and close it."""
        with response:
            return cls(response.status, Headers(response.headers.items()), response.read(),
                       response.reason)  # fmt: skip

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def __repr__(self) -> str:
        return f"<UrllibResponse [{self.status_code}]>"


def encode(params: Mapping[str, Any] | str) -> str:
    """Form/query encoding as httpx does it (lists repeat their key)."""
    if isinstance(params, str):
        return params
    return urlencode(
        [(k, v) for k, value in params.items()
         for v in (value if isinstance(value, (list, tuple)) else [value])]
    )  # fmt: skip


class UrllibApi:
    """Sends requests through urllib to the fake; the interface of ``tests.conftest.Api``.

    4xx/5xx answers (raised by urllib as ``HTTPError``) are returned like any other.
    """

    def __init__(self, mode: str = "urlopen", base_url: str = BASE) -> None:
        if mode not in MODES:
            raise ValueError(f"mode is one of {MODES}, not {mode!r}")
        self.mode = mode
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener() if mode == "opener" else None

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = KEY,
        auth: str = "basic",
        data: Mapping[str, Any] | str | bytes | None = None,
        params: Mapping[str, Any] | str | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        timeout: float | None = None,
    ) -> UrllibResponse:
        all_headers = dict(headers or {})
        if key is not None:
            all_headers["Authorization"] = authorization(key, auth)
        body: bytes | None = None
        if isinstance(data, str):
            body = data.encode()
        elif isinstance(data, bytes):
            body = data
        elif data is not None:
            body = encode(data).encode("ascii")
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        url = self.base_url + path
        if params:
            url += ("&" if "?" in url else "?") + encode(params)
        request = urllib.request.Request(url, data=body, headers=all_headers, method=method)
        options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        try:
            if self.opener is not None:
                response = self.opener.open(request, **options)
            else:
                response = urllib.request.urlopen(request, **options)
        except HTTPError as error:
            return UrllibResponse.read(error)
        return UrllibResponse.read(response)

    def get(self, path: str, **kwargs: Any) -> UrllibResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> UrllibResponse:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> UrllibResponse:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.opener = None
