"""tofupay_fake: an in-process, stateful, deterministic fake of the Tofupay Customers API.

The names below are loaded on first use (PEP 562), so that the pytest plugin,
which pytest imports into every session, costs next to nothing until the
``tofupay`` fixture is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock
    from .core import DEFAULT_BASE_URL
    from .errors import TofupayError
    from .fake import FakeTofupay
    from .fixtures import FixtureError
    from .recorder import CallLog, RecordedCall
    from .request import Response
    from .snapshot import Snapshot

__version__ = "0.2.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "CallLog",
    "Clock",
    "FakeTofupay",
    "FixtureError",
    "RecordedCall",
    "Response",
    "Snapshot",
    "TofupayError",
    "__version__",
]

_HOMES = {
    "CallLog": ".recorder",
    "Clock": ".clock",
    "DEFAULT_BASE_URL": ".core",
    "FakeTofupay": ".fake",
    "FixtureError": ".fixtures",
    "RecordedCall": ".recorder",
    "Response": ".request",
    "Snapshot": ".snapshot",
    "TofupayError": ".errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tofupay_fake' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
