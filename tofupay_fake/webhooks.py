"""Signed webhook deliveries: ``sign``, ``verify``, and server mode's ``WebhookSender``.

``Tofupay-Signature: t=<unix time>,v1=<hex>`` is the HMAC-SHA256 of ``"<t>." + body``
keyed with the endpoint secret (``whsec_…``). httpx is imported only by the sender's
thread, so receiving applications can use ``verify`` with the standard library alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

HEADER = "Tofupay-Signature"
logger = logging.getLogger("tofupay_fake.webhooks")


class SignatureError(ValueError):
    """A delivery that must be rejected: bad, missing, malformed or stale signature."""


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Tofupay-Signature`` header value for ``payload`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(payload, secret, timestamp)}"


def _digest(payload: bytes, secret: str, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


#: Digits a timestamp may have (Unix times have 10 for centuries yet).
_MAX_DIGITS = 15


def _parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and the ``v1`` signatures of a header; other schemes are ignored."""
    if not isinstance(header, str):
        raise SignatureError(
            f"The {HEADER} header must be a string 't=<unix time>,v1=<hex>', "
            f"got {type(header).__name__}"
        )
    if not header.strip():
        raise SignatureError(f"The {HEADER} header is empty or missing")
    stamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if key == "t" and sep:
            stamps.append(value)
        elif key == "v1" and sep:
            signatures.append(value)
    if len(stamps) != 1:
        found = "No timestamp (t=)" if not stamps else "More than one timestamp (t=)"
        raise SignatureError(f"{found} in the {HEADER} header; expected 't=<unix time>,v1=<hex>'")
    if not (stamps[0].isascii() and stamps[0].isdigit()) or len(stamps[0]) > _MAX_DIGITS:
        raise SignatureError(
            f"The timestamp t={stamps[0][:20]!r} in the {HEADER} header is not a whole number"
        )
    if not signatures:
        raise SignatureError(f"No v1 signature in the {HEADER} header")
    return int(stamps[0]), signatures


def verify(payload: bytes | str, header: str, secret: str, tolerance: int = 300) -> dict[str, Any]:
    """The event in a delivery whose ``header`` signs ``payload`` with ``secret``.

    Any one ``v1`` entry may match. The timestamp may be at most ``tolerance``
    seconds from now, in the past or the future; ``tolerance <= 0`` turns the age
    check off. Raises ``SignatureError`` (and nothing else, whatever the header
    and payload hold) on a missing, malformed, bad or stale signature, or when
    a correctly signed payload is not a JSON object; a secret that is not a
    string is a TypeError.
    """
    if isinstance(payload, str):
        body = payload.encode("utf-8", "surrogatepass")
    elif isinstance(payload, (bytes, bytearray, memoryview)):
        body = bytes(payload)
    else:
        raise SignatureError(
            f"The payload must be the request body as bytes, got {type(payload).__name__}"
        )
    if not isinstance(secret, str):
        raise TypeError(f"The secret must be a string (whsec_...), got {type(secret).__name__}")
    timestamp, signatures = _parse(header)
    try:
        expected = _digest(body, secret, timestamp).encode("ascii")
    except UnicodeEncodeError:
        raise SignatureError("The secret is not encodable text") from None
    if not any(hmac.compare_digest(expected, s.encode("utf-8", "replace")) for s in signatures):
        raise SignatureError("No signature matches the payload and secret")
    skew = int(time.time()) - timestamp
    if tolerance > 0 and abs(skew) > tolerance:
        when = f"{skew} s old" if skew > 0 else f"{-skew} s in the future"
        raise SignatureError(
            f"Signature timestamp is {when}, beyond the tolerance of {tolerance} s"
        )
    try:
        event = json.loads(body)
    except RecursionError:
        raise SignatureError("The signed payload is JSON nested too deeply") from None
    except ValueError as exc:
        raise SignatureError(f"The signed payload is not valid JSON: {exc}") from None
    if not isinstance(event, dict):
        raise SignatureError(f"The signed payload is JSON {type(event).__name__}, not an object")
    return event


class WebhookSender:
    """Delivers event JSON to one URL, in order, from a daemon thread.

    ``send`` never blocks. A delivery succeeds on any 2xx answer; otherwise it is
    tried ``attempts`` times in all, waiting ``backoff``, then twice as long, and
    so on. ``delivered`` and ``failed`` count events delivered and given up on.
    Proxy variables from the environment are not used.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        timeout: float = 5.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"The webhook URL must be http:// or https:// with a host: {url!r}")
        if not secret.startswith("whsec_") or secret == "whsec_":
            raise ValueError("The webhook secret must be 'whsec_' followed by the key")
        if attempts < 1 or backoff < 0 or timeout <= 0:
            raise ValueError("attempts must be >= 1, backoff >= 0 and timeout > 0")
        self.url = url
        self._secret = secret
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._state = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._pending = 0
        self.delivered = 0
        self.failed = 0

    def __repr__(self) -> str:
        return f"WebhookSender({self.url!r}, delivered={self.delivered}, failed={self.failed})"

    def send(self, event_json: str) -> None:
        """Queue one event for delivery and return at once (dropped after ``close``)."""
        with self._state:
            if self._closed:
                self.failed += 1
                logger.warning("Webhook sender is closed; dropped %s", _describe(event_json))
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tofupay-fake-webhooks", daemon=True
                )
                self._thread.start()
            self._pending += 1
            self._queue.put(event_json)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event is delivered or given up on; False on timeout."""
        with self._state:
            return self._state.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting events, deliver those queued within ``timeout``, stop the thread."""
        with self._state:
            first = not self._closed
            self._closed = True
            thread = self._thread
            if first and thread is not None:
                self._queue.put(None)
        if thread is None:
            return
        thread.join(timeout)
        if thread.is_alive():
            self._stop.set()  # give up on the rest; an in-flight request ends by its timeout
            thread.join(self._timeout + 1.0)

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self) -> None:
        import httpx

        from .targets import tls_context

        with httpx.Client(timeout=self._timeout, trust_env=False, verify=tls_context()) as client:
            while (event_json := self._queue.get()) is not None:
                ok = False
                try:
                    ok = self._deliver(client, event_json)
                finally:
                    with self._state:
                        if ok:
                            self.delivered += 1
                        else:
                            self.failed += 1
                        self._pending -= 1
                        self._state.notify_all()

    def _deliver(self, client: httpx.Client, event_json: str) -> bool:
        body = event_json.encode("utf-8")
        what = _describe(event_json)
        headers = {"Content-Type": "application/json", "User-Agent": "tofupay-fake"}
        outcome, tried = "the sender was closed before sending it", 0
        for attempt in range(1, self._attempts + 1):
            if self._stop.is_set():
                break
            tried = attempt
            headers[HEADER] = sign(body, self._secret, int(time.time()))
            try:
                status = client.post(self.url, content=body, headers=headers).status_code
                outcome = f"HTTP {status}"
            except Exception as exc:  # a network error, or anything else: retry either way
                status, outcome = 0, f"{type(exc).__name__}: {exc}"
            if 200 <= status < 300:
                logger.debug("Delivered %s to %s on attempt %d", what, self.url, attempt)
                return True
            logger.warning(
                "Webhook delivery of %s to %s failed on attempt %d/%d: %s",
                what, self.url, attempt, self._attempts, outcome,
            )  # fmt: skip
            if attempt < self._attempts and self._stop.wait(self._backoff * 2 ** (attempt - 1)):
                break
        logger.warning(
            "Gave up delivering %s to %s after %d attempt(s); last: %s",
            what, self.url, tried, outcome,
        )  # fmt: skip
        return False


def _describe(event_json: str) -> str:
    """``evt_… (type)`` for log lines, whatever the text holds."""
    try:
        event = json.loads(event_json)
        return f"{event['id']} ({event['type']})"
    except (ValueError, KeyError, TypeError):
        return f"an event that is not an event object ({event_json[:40]!r})"
