"""``RequestsApi``: the API scenarios through requests (a Session, module functions or a custom adapter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from tests.clients import basic

BASE = "https://api.tofupay.com"
KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"

#: ``session``: a ``requests.Session``; ``module``: ``requests.get/post/...``;
#: ``adapter``: a Session with a :class:`RecordingAdapter` mounted for every URL.
MODES = ("session", "module", "adapter")


class RecordingAdapter(HTTPAdapter):
    """An application's own adapter: its ``send()`` records each URL, then sends as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.sent.append(str(request.url))
        return super().send(request, *args, **kwargs)


class RequestsApi:
    """Sends requests through requests to the fake; the interface of ``tests.conftest.Api``.

    ``key=None`` sends no Authorization header; ``auth="bearer"`` sends the key
    as a Bearer token instead of Basic auth. Answers are ``requests.Response``.
    """

    def __init__(self, mode: str = "session", base_url: str = BASE) -> None:
        if mode not in MODES:
            raise ValueError(f"mode is one of {MODES}, not {mode!r}")
        self.mode = mode
        self.base_url = base_url.rstrip("/")
        self.session = None if mode == "module" else requests.Session()
        if self.session is not None:
            # No proxy or netrc settings from the environment: the fake is in process or on
            # loopback, and reading them scans os.environ twice a request.
            self.session.trust_env = False
        self.adapter: RecordingAdapter | None = None
        if mode == "adapter":
            self.adapter = RecordingAdapter()
            assert self.session is not None
            self.session.mount("https://", self.adapter)
            self.session.mount("http://", self.adapter)

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
        **options: Any,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        kwargs: dict[str, Any] = {"params": params, "headers": all_headers, **options}
        if key is not None and auth == "basic":
            if key.isascii():
                kwargs["auth"] = (key, "")
            else:  # requests encodes Basic credentials as Latin-1; send what httpx sends
                all_headers["Authorization"] = basic(key)
        elif key is not None:
            all_headers["Authorization"] = f"Bearer {key}"
        if isinstance(data, (str, bytes)):
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if data is not None:
            kwargs["data"] = data
        if json is not None:
            kwargs["json"] = json
        url = self.base_url + path
        if self.session is not None:
            return self.session.request(method, url, **kwargs)
        function = getattr(requests, method.lower(), None)
        if function is None:
            return requests.request(method, url, **kwargs)
        return function(url, **kwargs)  # type: ignore[no-any-return]

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
