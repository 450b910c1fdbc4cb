"""Request parameters: Stripe bracket form decoding and value coercion.

``decode_form`` turns ``a[b]=1&c[]=x&d[0][e]=y`` into nested dicts and lists;
the coercion helpers turn those values into Python types or raise the
documented 400 naming the param.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import TypeAlias
from urllib.parse import unquote, unquote_to_bytes

from . import messages
from .errors import TofupayError, invalid_request

Value: TypeAlias = "str | list[Value] | dict[str, Value]"
Params = dict[str, Value]

#: Deepest nesting accepted (``a[b][c][d][e]`` is 5 levels).
MAX_DEPTH = 5
#: Most fields decoded from one query string or body.
MAX_FIELDS = 1000

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"-?[0-9]{1,20}")
_DIGITS = re.compile(r"[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def split_key(key: str) -> list[str]:
    """``"a[b][]"`` -> ``["a", "b", ""]``; a malformed key stays one literal name."""
    match = _KEY.fullmatch(key)
    if match is None:
        return [key]
    return [match.group(1), *_SEGMENT.findall(match.group(2))]


def format_key(path: Iterable[str]) -> str:
    """``["card", "number"]`` -> ``"card[number]"``: how errors name a param."""
    first, *rest = path
    return first + "".join(f"[{segment}]" for segment in rest)


def parse_pairs(text: str, where: str) -> list[tuple[str, str]]:
    """Split a form-encoded string into (key, value) pairs, strictly UTF-8.

    ``text`` itself must be encodable (no lone surrogates, which a direct
    ``handle(query=...)`` call could pass), as must every percent-escape.
    The result is exactly ``urllib.parse.parse_qsl(text, keep_blank_values=True,
    errors="strict", max_num_fields=MAX_FIELDS)``, but only the parts holding a
    ``+`` or ``%`` pay for unescaping.
    """
    if not text:
        return []
    try:
        if not text.isascii():
            text.encode("utf-8")
        if text.count("&") >= MAX_FIELDS:
            raise invalid_request(
                f"Invalid request: the {where} has too many fields (Max number of fields exceeded)."
            )
        pairs = []
        for item in text.split("&"):
            if item:
                name, _, value = item.partition("=")
                if "+" in name:
                    name = name.replace("+", " ")
                if "%" in name:
                    name = _unescape(name)
                if "+" in value:
                    value = value.replace("+", " ")
                if "%" in value:
                    value = _unescape(value)
                pairs.append((name, value))
        return pairs
    except UnicodeError:  # an undecodable escape, or a lone surrogate in ``text``
        raise invalid_request(messages.UNDECODABLE_BODY.format(where=where)) from None


def _unescape(text: str) -> str:
    """``unquote(text, encoding="utf-8", errors="strict")``.

    ``unquote`` decodes each run of ASCII characters as
    ``unquote_to_bytes(run).decode(...)``; text all ASCII (what clients send)
    is one run, decoded here without the split.
    """
    if text.isascii():
        return unquote_to_bytes(text).decode("utf-8")
    return unquote(text, encoding="utf-8", errors="strict")


FORM = "application/x-www-form-urlencoded"


def decode_request(method: str, query: str, headers: Mapping[str, str], body: bytes) -> Params:
    """A request's params: the query string, plus a POST's form body (never JSON)."""
    return decode_form(request_pairs(method, query, headers, body))


def request_pairs(
    method: str, query: str, headers: Mapping[str, str], body: bytes
) -> list[tuple[str, str]]:
    """The (name, value) pairs of the query string and of a POST's form body, in order."""
    pairs = parse_pairs(query, "query string") if query else []
    if method == "POST" and body:
        content_type = headers.get("content-type", FORM)
        if content_type != FORM:  # what form clients send, as it is: nothing to normalize
            content_type = content_type.partition(";")[0].strip().lower()
        if content_type == "application/json" or content_type.endswith("+json"):
            raise invalid_request(messages.JSON_BODY)
        if content_type not in (FORM, ""):
            raise invalid_request(
                messages.UNSUPPORTED_CONTENT_TYPE.format(content_type=content_type)
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_request(messages.UNDECODABLE_BODY.format(where="body")) from None
        pairs += parse_pairs(text, "body")
    return pairs


def decode_form(pairs: Iterable[tuple[str, str]]) -> Params:
    """Build nested params from bracket-notation pairs (Rack semantics).

    ``a=1&a=2`` keeps the last value; ``a[]=x`` appends; ``a[0]=x`` is a hash
    keyed ``"0"`` that :func:`string_list` reads as an array; a key sent both
    as a value and as a hash or array is a 400 naming it.
    """
    root: Params = {}
    for key, value in pairs:
        if "[" not in key:  # split_key would give [key]: set it, as _insert would
            if isinstance(root.get(key), (dict, list)):
                _conflict([key])
            root[key] = value
        else:
            _insert(root, split_key(key), value)
    return root


def _insert(root: Params, path: list[str], value: str) -> None:
    if len(path) > MAX_DEPTH:
        raise invalid_request(
            messages.TOO_DEEPLY_NESTED.format(name=path[0], depth=MAX_DEPTH), path[0]
        )
    node: dict[str, Value] | list[Value] = root
    # The last segment always returns or raises, so the loop never runs out by itself.
    for depth, segment in enumerate(path):  # pragma: no branch
        last = depth == len(path) - 1
        if isinstance(node, list):  # reached through an "[]" segment
            if last:
                node.append(value)
                return
            following = path[depth + 1]
            tail = node[-1] if node else None
            if following != "" and isinstance(tail, dict) and following not in tail:
                node = tail  # a[][b]=1&a[][c]=2 -> [{"b": "1", "c": "2"}]
            else:
                fresh: dict[str, Value] | list[Value] = [] if following == "" else {}
                node.append(fresh)
                node = fresh
            continue
        existing = node.get(segment)
        if last:
            if isinstance(existing, (dict, list)):
                _conflict(path[: depth + 1])
            node[segment] = value
            return
        want_list = path[depth + 1] == ""
        if existing is None:
            child: dict[str, Value] | list[Value] = [] if want_list else {}
            node[segment] = child
            node = child
        elif (isinstance(existing, list) and want_list) or (
            isinstance(existing, dict) and not want_list
        ):
            node = existing
        else:
            _conflict(path[: depth + 1])


def _conflict(path: list[str]) -> None:
    name = format_key(path)
    raise invalid_request(messages.CONFLICTING_PARAMETER.format(name=name), name)


def from_python(values: Mapping[str, object]) -> Params:
    """Turn helper kwargs (``metadata={"a": 1}``, ``account_balance=5``) into params.

    ``None`` means the empty string (unset), ints and bools become their form
    text, so seeding helpers validate exactly as the API does.
    """
    return {key: _from_python_value(value, key) for key, value in values.items()}


def _from_python_value(value: object, name: str) -> Value:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _text(value, name)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return {
            _text(str(k), f"{name}[{k}]"): _from_python_value(v, f"{name}[{k}]")
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_from_python_value(v, f"{name}[]") for v in value]
    raise TypeError(f"{name}: cannot send a {type(value).__name__} as a form parameter")


def _text(value: str, name: str) -> str:
    """``value`` if a form could carry it; a lone surrogate is the API's undecodable-text 400.

    (Stored, such text would break every later answer that shows it.)
    """
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise invalid_request(messages.INVALID_TEXT.format(name=name), name) from None
    return value


def check_known(params: Mapping[str, Value], allowed: Collection[str], prefix: str = "") -> None:
    """Raise ``Received unknown parameter: NAME`` for the first name not allowed."""
    for name in params:
        if name not in allowed:
            full = f"{prefix}[{name}]" if prefix else name
            raise invalid_request(messages.UNKNOWN_PARAMETER.format(name=full), full)


def _show(value: Value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def string(value: Value, name: str) -> str:
    """A plain string value, else ``Invalid string``."""
    if not isinstance(value, str):
        raise invalid_request(messages.INVALID_STRING.format(value=_show(value)), name)
    return value


def required_string(value: Value, name: str) -> str:
    """A non-empty string: the empty string here cannot mean 'unset'."""
    text = string(value, name)
    if text == "":
        raise invalid_request(messages.CANNOT_UNSET.format(name=name), name)
    return text


def integer(
    value: Value, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A base-10 integer in a signed 64-bit range, then within the given bounds."""
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        raise invalid_request(messages.INVALID_INTEGER.format(value=_show_scalar(value)), name)
    number = int(value)  # at most 20 digits: never near int()'s digit limit
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise invalid_request(messages.INVALID_INTEGER.format(value=value), name)
    if minimum is not None and number < minimum:
        raise invalid_request(messages.INTEGER_TOO_SMALL.format(minimum=minimum), name)
    if maximum is not None and number > maximum:
        raise invalid_request(messages.INTEGER_TOO_LARGE.format(maximum=maximum), name)
    return number


def _show_scalar(value: Value) -> str:
    return value if isinstance(value, str) else _show(value)


def string_list(value: Value, name: str) -> list[str]:
    """``a[]=x&a[]=y`` or ``a[0]=x&a[1]=y`` -> ``["x", "y"]``; anything else 400."""
    if isinstance(value, dict) and all(_DIGITS.fullmatch(key) for key in value):
        value = [value[key] for key in sorted(value, key=int)]
    if not isinstance(value, list):
        raise invalid_request(messages.INVALID_ARRAY, name)
    return [string(item, f"{name}[]") for item in value]


def hash_of(value: Value, name: str) -> dict[str, Value]:
    """A hash (``name[key]=...``), else ``Invalid hash``."""
    if not isinstance(value, dict):
        raise invalid_request(messages.INVALID_HASH, name)
    return value


__all__ = [
    "MAX_DEPTH",
    "Params",
    "TofupayError",
    "Value",
    "check_known",
    "decode_form",
    "format_key",
    "from_python",
    "hash_of",
    "integer",
    "parse_pairs",
    "required_string",
    "split_key",
    "string",
    "string_list",
]
