"""Run the README's curl commands without curl: parse the few options they use, send with httpx."""

from __future__ import annotations

import base64
import shlex

import httpx

#: The base URL the README's commands use (``tofupay-fake serve``'s default).
README_BASE = "http://127.0.0.1:12111"


def run(command: str, base_url: str) -> httpx.Response:
    """Send what ``curl`` would for ``command`` (``-u``, ``-d``, ``-X``), to ``base_url``."""
    words = shlex.split(command.replace("\\\n", " "))
    if words[0] != "curl":
        raise ValueError(f"not a curl command: {command!r}")
    url, method, data, headers = "", "", [], {}
    rest = iter(words[1:])
    for word in rest:
        if word == "-u":
            user = next(rest)
            headers["Authorization"] = "Basic " + base64.b64encode(user.encode()).decode()
        elif word == "-d":
            data.append(next(rest))
        elif word == "-X":
            method = next(rest)
        elif word.startswith("-"):
            raise ValueError(f"option {word} is not supported by this runner")
        else:
            url = word
    if not url.startswith(README_BASE):
        raise ValueError(f"{url!r} does not start with {README_BASE}")
    content = "&".join(data).encode() if data else None
    if content is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"  # curl -d's default
    method = method or ("POST" if data else "GET")
    with httpx.Client() as client:
        return client.request(
            method, base_url + url[len(README_BASE) :], content=content, headers=headers
        )
