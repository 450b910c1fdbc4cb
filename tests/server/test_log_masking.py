"""API keys never reach the server's log in full, whatever shape a log record takes.

``serve --log-level info`` logs uvicorn's request lines through a filter that
masks keys; other code may log to the same loggers with a mapping for its
arguments or an object for its message, and those pass through intact.
"""

from __future__ import annotations

import logging

from tofupay_fake.transports.cli import _MASK_KEYS, mask_keys_in

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


def record(msg: object, args: object) -> logging.LogRecord:
    made = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, msg, None, None)
    made.args = args  # type: ignore[assignment]
    return made


def test_a_tuple_of_arguments_has_its_keys_masked() -> None:
    logged = record('%s - "%s %s"', ("127.0.0.1:5", "GET", f"/_fake/fixtures?api_key={KEY}"))
    assert _MASK_KEYS.filter(logged) is True
    assert logged.getMessage() == f'127.0.0.1:5 - "GET /_fake/fixtures?api_key={mask_keys_in(KEY)}"'
    assert KEY not in logged.getMessage()


def test_a_mapping_of_arguments_passes_and_the_message_is_masked() -> None:
    logged = record(f"%(who)s sent {KEY}", {"who": "a client"})
    assert _MASK_KEYS.filter(logged) is True
    assert logged.args == {"who": "a client"}
    assert logged.getMessage() == f"a client sent {mask_keys_in(KEY)}"


def test_a_message_that_is_not_text_passes_as_it_is() -> None:
    message = ValueError("not text")
    logged = record(message, ())
    assert _MASK_KEYS.filter(logged) is True
    assert logged.msg is message
    assert logged.getMessage() == "not text"


def test_mask_keys_in_percent_escaped_and_plain_text() -> None:
    assert mask_keys_in("no keys here") == "no keys here"
    assert mask_keys_in("a_b but no key") == "a_b but no key"
    masked = mask_keys_in(KEY)
    assert masked != KEY and masked.startswith("sk_test_") and masked.endswith(KEY[-4:])
    assert mask_keys_in(KEY.replace("_", "%5F")) == masked
    assert mask_keys_in(f"api_key={KEY}&x=a+b") == f"api_key={masked}&x=a b"
