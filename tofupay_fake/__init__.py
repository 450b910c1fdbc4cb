"""tofupay_fake: an in-process, stateful, deterministic fake of the Tofupay Customers API."""

from __future__ import annotations

from .clock import Clock
from .core import DEFAULT_BASE_URL, FakeTofupay, Response
from .errors import TofupayError
from .recorder import CallLog, RecordedCall

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "CallLog",
    "Clock",
    "FakeTofupay",
    "RecordedCall",
    "Response",
    "TofupayError",
    "__version__",
]
