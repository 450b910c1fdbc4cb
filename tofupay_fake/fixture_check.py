"""Reading and checking fixture documents, before any step runs: shape, names, references.

The format is described in :mod:`tofupay_fake.fixtures`. :func:`parse` turns
a document into checked :class:`Step` values or raises :class:`FixtureError`
naming the step and the problem, with the nearest name when there is one.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

REFERENCE = re.compile(r"\$\{([^{}:|]*):([^{}|]*)(?:\|([^{}]*))?\}")


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
            f"got {kind_of(document)}"
        )
    _check_fields(document, DOCUMENT_FIELDS, where, "the document")
    _check_meta(document.get("_meta", {}), where)
    if "fixtures" not in document:
        raise FixtureError(f'{where}: the document has no "fixtures" list of steps')
    raw_steps = document["fixtures"]
    if not isinstance(raw_steps, list):
        raise FixtureError(f'{where}: "fixtures" is a list of steps, got {kind_of(raw_steps)}')
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
        raise FixtureError(f'{where}: "_meta" is an object, got {kind_of(meta)}')
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
            f"{head}: a step is an object with name, path and method, got {kind_of(raw)}"
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
        hint = nearest(method, METHODS) if isinstance(method, str) else ""
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
        raise FixtureError(f"{head}: params must be an object, got {kind_of(params)}", step=name)
    expected = raw.get("expected_error_type")
    if expected is not None and (not isinstance(expected, str) or expected not in ERROR_TYPES):
        hint = nearest(expected, ERROR_TYPES) if isinstance(expected, str) else ""
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
        match = REFERENCE.match(text, start)
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
        if ref_name == ENV and not _is_env_name(path):
            raise FixtureError(
                f"{head}: malformed reference {match.group(0)!r}: "
                f"{path!r} cannot be the name of an environment variable",
                step=name,
            )
        parts = (path,) if ref_name == ENV else tuple(path.split("."))
        yield Reference(match.group(0), ref_name, parts, default)
        start = text.find("${", match.end())


def _is_env_name(name: str) -> bool:
    """Whether the system can encode ``name`` as ``os.environ`` does (a JSON file may spell a
    lone surrogate such as ``\\ud800``, which no environment variable's name holds)."""
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return True


def _check_references(steps: Sequence[Step], where: str) -> None:
    """Unknown names (with the nearest), then cycles, then forward references."""
    numbers = {step.name: step.number for step in steps}
    for step in steps:
        for ref in step.references:
            if ref.name != ENV and ref.name not in numbers:
                raise FixtureError(
                    f"{where}: {step.label}: unknown reference {ref.text}: no step is named "
                    f"{ref.name!r}.{nearest(ref.name, list(numbers))}",
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
                f"(it takes {', '.join(allowed)}).{nearest(str(field), allowed)}",
                step=step,
            )


def nearest(word: str, choices: Iterable[str]) -> str:
    """`` Perhaps you meant 'x'?`` for the nearest choice, or nothing."""
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Perhaps you meant {near[0]!r}?" if near else ""


def kind_of(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, text in names.items():
        if isinstance(value, kind):
            return text
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


__all__ = [
    "ENV",
    "MAX_NESTING",
    "REFERENCE",
    "FixtureError",
    "Reference",
    "Step",
    "kind_of",
    "nearest",
    "parse",
    "read",
]
