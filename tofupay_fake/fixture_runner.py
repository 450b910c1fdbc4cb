"""Running a checked fixture document: each step as the API request it describes.

References are replaced with the answers of the steps before and the
environment, params become the API's bracket form, and the core answers the
request exactly as it answers a client's (see ``Core._seeding_answer``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from .fixture_check import ENV, MAX_NESTING, REFERENCE, FixtureError, Step, kind_of, nearest
from .request import Headers, Request


class Seedable(Protocol):
    """What loading needs of the core (see ``Core._seeding_answer``)."""

    api_keys: frozenset[str] | None
    _lock: Any

    def snapshot(self) -> Any: ...
    def restore(self, snapshot: Any) -> None: ...
    def _seeding_answer(self, request: Request, held: list[Any]) -> tuple[int, str]: ...
    def _record_held(self, held: list[Any]) -> None: ...


_FORM = "application/x-www-form-urlencoded"


def run(
    core: Seedable, steps: Sequence[Step], api_key: str, where: str, held: list[Any]
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for step in steps:
        made = []
        times = step.repeat or 1
        for turn in range(1, times + 1):
            head = f"{where}: {step.label}" + (
                f", repetition {turn} of {times}" if times > 1 else ""
            )
            request = _request(step, api_key, last, head)
            status, text = core._seeding_answer(request, held)
            answer = json.loads(text)
            if status >= 400:
                _check_error(step, status, answer, head)
            made.append(answer)
        answers[step.name] = made if step.repeat is not None else made[0]
        last[step.name] = made[-1]
    return answers


def _check_error(step: Step, status: int, answer: Any, head: str) -> None:
    error = answer.get("error", {}) if isinstance(answer, dict) else {}
    kind = error.get("type")
    if kind == step.expected_error_type:
        return
    detail = json.dumps(str(error.get("message", "")), ensure_ascii=False) + (
        f" (param: {error['param']})" if error.get("param") else ""
    )
    wanted = (
        f"; the step expected {step.expected_error_type}"
        if step.expected_error_type
        else f'; add "expected_error_type": "{kind}" to the step if this error is expected'
    )
    raise FixtureError(
        f"{head}: {step.method} {step.path} answered {status} {kind}: {detail}{wanted}",
        step=step.name,
    )


def _request(step: Step, api_key: str, last: Mapping[str, Any], head: str) -> Request:
    resolve = _Resolver(last, head, step.name)
    path = resolve.text(step.path, escape=True)
    params = resolve.value(step.params)
    form = urlencode(list(_pairs(params, "", head, step.name)), errors="surrogatepass")
    headers = {"authorization": f"Bearer {api_key}"}
    if step.idempotency_key is not None:
        headers["idempotency-key"] = resolve.text(step.idempotency_key)
    if step.method == "POST":
        headers["content-type"] = _FORM
        return Request(
            step.method, path, "", Headers(headers), form.encode("utf-8", "surrogatepass")
        )
    return Request(step.method, path, form, Headers(headers), b"")


class _Resolver:
    """Replaces the references of one step with the answers before it and the environment."""

    def __init__(self, last: Mapping[str, Any], head: str, step: str) -> None:
        self.last = last
        self.head = head
        self.step = step

    def value(self, value: Any) -> Any:
        """``value`` with every reference in its strings replaced (a whole one keeps its type)."""
        if isinstance(value, str):
            match = REFERENCE.fullmatch(value)
            if match is not None:
                return self.lookup(match)
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    def text(self, value: str, *, escape: bool = False) -> str:
        """``value`` with its references written as text (percent-escaped in a path)."""

        def replace(match: re.Match[str]) -> str:
            found = self.lookup(match)
            if isinstance(found, (dict, list)):
                raise FixtureError(
                    f"{self.head}: {match.group(0)} is {kind_of(found)}, which cannot be written "
                    "inside text; use it as a whole params value",
                    step=self.step,
                )
            shown = _scalar_text(found)
            return quote(shown, safe="") if escape else shown

        return REFERENCE.sub(replace, value)

    def lookup(self, match: re.Match[str]) -> Any:
        name, path, default = match.groups()
        if name == ENV:
            found = os.environ.get(path, "")
            if found:
                return found
            if default is not None:
                return default
            raise FixtureError(
                f"{self.head}: {match.group(0)}: the environment variable {path} is not set "
                f"(give a default: ${{.env:{path}|value}})",
                step=self.step,
            )
        node: Any = self.last[name]
        walked: list[str] = []
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif default is not None:
                return default
            else:
                raise FixtureError(
                    f"{self.head}: unknown reference {match.group(0)}: "
                    f"{_missing(name, walked, part, node)}",
                    step=self.step,
                )
            walked.append(part)
        if node is None and default is not None:
            return default
        return node


def _missing(name: str, walked: Sequence[str], part: str, node: Any) -> str:
    """Why ``part`` cannot be read from ``node`` (the answer of ``name`` at ``walked``)."""
    where = f"the answer of {name!r}" + (f" at {'.'.join(walked)}" if walked else "")
    if isinstance(node, dict):
        return f"{where} has no field {part!r}.{nearest(part, [str(key) for key in node])}"
    if isinstance(node, list):
        return f"{where} is a list of {len(node)} item(s); {part!r} is not an index of it"
    return f"{where} is {kind_of(node)}, not an object or a list"


def _scalar_text(value: Any) -> str:
    """A JSON scalar as form text: ``true``, ``12``, ``1.5``; null is the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _pairs(
    value: Any, name: str, head: str, step: str, depth: int = 0
) -> Iterator[tuple[str, str]]:
    """Bracket-notation form pairs: ``{"a": {"b": 1}}`` -> ``a[b]=1``; ``[x, y]`` -> ``a[]``."""
    if depth > MAX_NESTING:
        raise FixtureError(f"{head}: params are nested too deeply", step=step)
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _pairs(item, f"{name}[{key}]" if name else str(key), head, step, depth + 1)
    elif isinstance(value, list):
        flat = not any(isinstance(item, (Mapping, list)) for item in value)
        for index, item in enumerate(value):
            yield from _pairs(
                item, f"{name}[]" if flat else f"{name}[{index}]", head, step, depth + 1
            )
    elif value is None or isinstance(value, (str, int, float)):
        yield name, _scalar_text(value)
    else:
        raise FixtureError(
            f"{head}: params: {name} cannot be sent as a form value ({type(value).__name__})",
            step=step,
        )


__all__ = ["Seedable", "run"]
