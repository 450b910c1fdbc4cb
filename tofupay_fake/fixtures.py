"""Fixture files: a starting world written as API requests, in the Stripe CLI's ``fixtures`` format.

A document is ``{"_meta": {"template_version": 0}, "fixtures": [step, ...]}``;
each step is ``{"name", "path", "method", "params"?, "expected_error_type"?,
"idempotency_key"?, "repeat"?}``. Strings in ``path``, ``params`` (at any
depth) and ``idempotency_key`` may hold references: ``${name:json.path}`` to an
earlier step's answer (``${cus_jenny:sources.data.0.id}``; the last answer of a
step with ``repeat``) and ``${.env:VAR|default}`` to the environment. A string
that is one whole reference takes the referenced value as it is (an object
too, e.g. ``${cus_jenny:metadata}``); inside longer text a value is written as
text. ``|default`` also stands in for a missing or null field of an answer.

The whole document is checked before any step runs (shape, names, references,
cycles); the steps then run as API requests through the fake's own request
path, so every answer is exactly the API's. Any failure raises
:class:`FixtureError` naming the step and leaves the fake as it was.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from . import auth
from .errors import TofupayError
from .request import Headers, Request

if TYPE_CHECKING:
    from .core import Core, HeldEvent

#: The key fixtures load under when none is given (marker, server, control endpoint).
DEFAULT_KEY = "sk_test_tofupay"
#: The one ``_meta.template_version`` this format has.
TEMPLATE_VERSION = 0
#: Most times one step may ``repeat``.
MAX_REPEAT = 10_000
#: Deepest nesting of a step's params (the API accepts far less; this guards the encoder).
MAX_NESTING = 32

STEP_FIELDS = (
    "name",
    "path",
    "method",
    "params",
    "expected_error_type",
    "idempotency_key",
    "repeat",
)
#: ``env`` (values the CLI writes to a ``.env`` file) is accepted and ignored.
DOCUMENT_FIELDS = ("_meta", "fixtures", "env")
#: ``exclude_metadata`` and ``aliases`` are the CLI's own; accepted and ignored.
META_FIELDS = ("template_version", "exclude_metadata", "aliases")
METHODS = ("get", "post", "delete")
ERROR_TYPES = (
    "api_error",
    "authentication_error",
    "card_error",
    "idempotency_error",
    "invalid_request_error",
    "rate_limit_error",
)
ENV = ".env"

_REFERENCE = re.compile(r"\$\{([^{}:|]*):([^{}|]*)(?:\|([^{}]*))?\}")
_FORM = "application/x-www-form-urlencoded"


class FixtureError(ValueError):
    """A fixture document that cannot be loaded: what is wrong and in which step.

    ``step`` is the step's name (None for a problem of the whole document).
    The fake is left exactly as it was before the load.
    """

    def __init__(self, message: str, *, step: str | None = None) -> None:
        super().__init__(message)
        self.step = step


@dataclass(frozen=True)
class Reference:
    """One ``${name:path|default}`` in a step."""

    text: str
    name: str
    path: tuple[str, ...]
    default: str | None


@dataclass(frozen=True)
class Step:
    """One checked step of a document; ``number`` counts from 1."""

    number: int
    name: str
    method: str
    path: str
    params: dict[str, Any]
    expected_error_type: str | None
    idempotency_key: str | None
    repeat: int | None
    references: tuple[Reference, ...]

    @property
    def label(self) -> str:
        return f"step {self.number} ({self.name!r})"


def load(core: Core, source: Any, *, api_key: str) -> dict[str, Any]:
    """Run the steps of ``source`` (a path or a document) on ``core``; name -> answer.

    A step with ``repeat`` answers a list (one answer per repetition). Raises
    :class:`FixtureError`; the fake is then left as it was before the call.
    """
    document, where = read(source)
    steps = parse(document, where)
    if not isinstance(api_key, str):
        raise TypeError(f"load_fixtures() takes api_key as a str, got {type(api_key).__name__}")
    try:
        auth.check_key(api_key, core.api_keys)
    except TofupayError as error:
        raise FixtureError(f"{where}: api_key: {error.message}") from None
    with core._lock:
        before = core.snapshot()
        held: list[HeldEvent] = []
        try:
            answers = _run(core, steps, api_key, where, held)
        except BaseException:
            core.restore(before)
            raise
        core._record_held(held)
        return answers


# -- reading and checking ------------------------------------------------------


def read(source: Any) -> tuple[Mapping[str, Any], str]:
    """The document and how messages name it (the file's path, or ``fixtures``)."""
    if isinstance(source, Mapping):
        return source, "fixtures"
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            "load_fixtures() takes a path to a fixture file or the document as a dict, "
            f"got {type(source).__name__}"
        )
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(
            f"{path}: cannot read the fixture file ({exc.strerror or exc})"
        ) from None
    except UnicodeDecodeError:
        raise FixtureError(f"{path}: the fixture file is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixtureError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise FixtureError(f"{path}: not valid JSON: nested too deeply") from None
    return document, str(path)


def parse(document: Any, where: str = "fixtures") -> list[Step]:
    """Check a whole document before anything runs: its shape, names and references."""
    if not isinstance(document, Mapping):
        raise FixtureError(
            f'{where}: a fixture document is a JSON object with "_meta" and "fixtures", '
            f"got {_kind(document)}"
        )
    _check_fields(document, DOCUMENT_FIELDS, where, "the document")
    _check_meta(document.get("_meta", {}), where)
    if "fixtures" not in document:
        raise FixtureError(f'{where}: the document has no "fixtures" list of steps')
    raw_steps = document["fixtures"]
    if not isinstance(raw_steps, list):
        raise FixtureError(f'{where}: "fixtures" is a list of steps, got {_kind(raw_steps)}')
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raw_steps, 1):
        step = _step(raw, number, where)
        if step.name in seen:
            raise FixtureError(
                f"{where}: {step.label}: the name {step.name!r} is already used by step "
                f"{seen[step.name]}; each step needs its own name",
                step=step.name,
            )
        seen[step.name] = number
        steps.append(step)
    _check_references(steps, where)
    return steps


def _check_meta(meta: Any, where: str) -> None:
    if not isinstance(meta, Mapping):
        raise FixtureError(f'{where}: "_meta" is an object, got {_kind(meta)}')
    _check_fields(meta, META_FIELDS, where, '"_meta"')
    version = meta.get("template_version", TEMPLATE_VERSION)
    if version != TEMPLATE_VERSION or isinstance(version, bool) or not isinstance(version, int):
        raise FixtureError(
            f"{where}: template_version {json.dumps(version)} is not supported "
            f"(fixture documents are version {TEMPLATE_VERSION})"
        )


def _step(raw: Any, number: int, where: str) -> Step:
    head = f"{where}: step {number}"
    if not isinstance(raw, Mapping):
        raise FixtureError(
            f"{head}: a step is an object with name, path and method, got {_kind(raw)}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise FixtureError(f'{head}: every step needs a "name" (a non-empty string)')
    head = f"{where}: step {number} ({name!r})"
    _check_fields(raw, STEP_FIELDS, head, "a step", step=name)
    if any(char in name for char in "{}:|") or name == ENV:
        raise FixtureError(
            f"{head}: a step name cannot be {ENV!r} nor hold any of {{ }} : |", step=name
        )
    method = raw.get("method")
    if not isinstance(method, str) or method.lower() not in METHODS:
        shown = json.dumps(method) if method is not None else "no method"
        hint = _hint(method, METHODS) if isinstance(method, str) else ""
        raise FixtureError(
            f"{head}: method must be get, post or delete, got {shown}.{hint}", step=name
        )
    path = raw.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        shown = json.dumps(path) if path is not None else "no path"
        raise FixtureError(
            f'{head}: path must be the API path, starting with "/" (e.g. "/v1/customers"), '
            f"got {shown}",
            step=name,
        )
    params = raw.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise FixtureError(f"{head}: params must be an object, got {_kind(params)}", step=name)
    expected = raw.get("expected_error_type")
    if expected is not None and (not isinstance(expected, str) or expected not in ERROR_TYPES):
        hint = _hint(expected, ERROR_TYPES) if isinstance(expected, str) else ""
        raise FixtureError(
            f"{head}: expected_error_type {json.dumps(expected)} is not an error type of the API "
            f"({', '.join(ERROR_TYPES)}).{hint}",
            step=name,
        )
    idempotency_key = raw.get("idempotency_key")
    if idempotency_key is not None and (
        not isinstance(idempotency_key, str) or not idempotency_key
    ):
        raise FixtureError(
            f"{head}: idempotency_key must be a non-empty string, got {json.dumps(idempotency_key)}",
            step=name,
        )
    repeat = raw.get("repeat")
    if "repeat" in raw and (
        isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT
    ):
        raise FixtureError(
            f"{head}: repeat must be an integer from 1 to {MAX_REPEAT}, got {json.dumps(repeat)}",
            step=name,
        )
    texts = [path, *_strings(params, 0, head, name)]
    if idempotency_key is not None:
        texts.append(idempotency_key)
    references = tuple(ref for text in texts for ref in _references(text, head, name))
    return Step(
        number,
        name,
        method.upper(),
        path,
        dict(params),
        expected,
        idempotency_key,
        repeat,
        references,
    )


def _strings(value: Any, depth: int, head: str, name: str) -> Iterator[str]:
    """Every string value in params, at any depth (keys are not read)."""
    if depth > MAX_NESTING:
        raise FixtureError(f"{head}: params are nested too deeply", step=name)
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1, head, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1, head, name)


def _references(text: str, head: str, name: str) -> Iterator[Reference]:
    """The references in one string; a ``${`` that is not one is an error."""
    start = text.find("${")
    while start != -1:
        match = _REFERENCE.match(text, start)
        if match is None:
            end = text.find("}", start)
            shown = text[start : end + 1] if end != -1 else text[start:]
            raise FixtureError(
                f"{head}: malformed reference {shown!r}: write ${{step:field.path}} "
                f"(e.g. ${{cus_jenny:id}}) or ${{.env:VAR|default}}",
                step=name,
            )
        ref_name, path, default = match.groups()
        if not ref_name or not path or (ref_name != ENV and "" in path.split(".")):
            raise FixtureError(
                f"{head}: malformed reference {match.group(0)!r}: write ${{step:field.path}} "
                f"(e.g. ${{cus_jenny:sources.data.0.id}}) or ${{.env:VAR|default}}",
                step=name,
            )
        parts = (path,) if ref_name == ENV else tuple(path.split("."))
        yield Reference(match.group(0), ref_name, parts, default)
        start = text.find("${", match.end())


def _check_references(steps: Sequence[Step], where: str) -> None:
    """Unknown names (with the nearest), then cycles, then forward references."""
    numbers = {step.name: step.number for step in steps}
    for step in steps:
        for ref in step.references:
            if ref.name != ENV and ref.name not in numbers:
                raise FixtureError(
                    f"{where}: {step.label}: unknown reference {ref.text}: no step is named "
                    f"{ref.name!r}.{_hint(ref.name, list(numbers))}",
                    step=step.name,
                )
    graph = {step.name: [ref.name for ref in step.references if ref.name != ENV] for step in steps}
    cycle = _find_cycle(graph)
    if cycle is not None:
        first = cycle[0]
        shown = " -> ".join(cycle)
        raise FixtureError(
            f"{where}: step {numbers[first]} ({first!r}): a cycle of references: {shown}; "
            "a step can only use the answers of the steps before it",
            step=first,
        )
    for step in steps:
        for ref in step.references:
            if ref.name != ENV and numbers[ref.name] > step.number:
                raise FixtureError(
                    f"{where}: {step.label}: {ref.text} refers to step {numbers[ref.name]} "
                    f"({ref.name!r}), which runs later; move {ref.name!r} before {step.name!r}",
                    step=step.name,
                )


def _find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle (``[a, b, a]``) in the graph of references, searched in document order."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for target in graph[node]:
            if state.get(target) == 1:
                return [*trail[trail.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found is not None:
                    return found
        trail.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found is not None:
                return found
    return None


def _check_fields(
    given: Mapping[str, Any],
    allowed: Sequence[str],
    head: str,
    what: str,
    *,
    step: str | None = None,
) -> None:
    for field in given:
        if field not in allowed:
            raise FixtureError(
                f"{head}: unknown field {field!r} in {what} "
                f"(it takes {', '.join(allowed)}).{_hint(str(field), allowed)}",
                step=step,
            )


def _hint(word: str, choices: Iterable[str]) -> str:
    """`` Perhaps you meant 'x'?`` for the nearest choice, or nothing."""
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Perhaps you meant {near[0]!r}?" if near else ""


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, text in names.items():
        if isinstance(value, kind):
            return text
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


# -- running -------------------------------------------------------------------


def _run(
    core: Core, steps: Sequence[Step], api_key: str, where: str, held: list[HeldEvent]
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
            match = _REFERENCE.fullmatch(value)
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
                    f"{self.head}: {match.group(0)} is {_kind(found)}, which cannot be written "
                    "inside text; use it as a whole params value",
                    step=self.step,
                )
            shown = _scalar_text(found)
            return quote(shown, safe="") if escape else shown

        return _REFERENCE.sub(replace, value)

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
        return f"{where} has no field {part!r}.{_hint(part, [str(key) for key in node])}"
    if isinstance(node, list):
        return f"{where} is a list of {len(node)} item(s); {part!r} is not an index of it"
    return f"{where} is {_kind(node)}, not an object or a list"


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


__all__ = ["DEFAULT_KEY", "FixtureError", "Reference", "Step", "load", "parse", "read"]
