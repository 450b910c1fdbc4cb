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

from typing import Any

from . import auth
from .errors import TofupayError
from .fixture_check import FixtureError, parse, read
from .fixture_runner import Seedable, run

#: The key fixtures load under when none is given (marker, server, control endpoint).
DEFAULT_KEY = "sk_test_tofupay"


def load(core: Seedable, source: Any, *, api_key: str) -> dict[str, Any]:
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
        held: list[Any] = []
        try:
            answers = run(core, steps, api_key, where, held)
        except BaseException:
            core.restore(before)
            raise
        core._record_held(held)
        return answers


__all__ = ["DEFAULT_KEY", "FixtureError", "load"]
