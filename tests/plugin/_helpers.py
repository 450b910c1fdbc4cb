"""Shared bits of the plugin tests: the sub-session ini, a recorded sub-session run, the API constants."""

from __future__ import annotations

from pathlib import Path

import anyio  # noqa: F401
import httpx  # noqa: F401
import pytest
import respx  # noqa: F401

import tofupay_fake.transports.httpx_transport  # noqa: F401
from tofupay_fake.seeding import make_faker

# pytester's in-process runs drop the modules a sub-session imported, so the
# heavy ones are imported here once instead of in every sub-session (a Faker
# imports its locale's providers when it is made).
make_faker(0)

URL = "https://api.tofupay.com/v1/customers"
KEY = "sk_test_123"

# Sub-sessions are as strict as ours: any warning is an error.
_INI = """
[pytest]
addopts = -p no:cacheprovider -p no:hypothesispytest
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
filterwarnings =
    error
{extra}
"""


def write_ini(pytester: pytest.Pytester, extra: str = "") -> None:
    """(Re)write the sub-session's ini file, with ``extra`` lines appended."""
    pytester.makeini(_INI.format(extra=extra))


def run_recorded(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tag: str,
    *args: str,
    passed: int,
    subprocess: bool = False,
) -> Path:
    """Run the sub-session with ``args``, its tests recording into ``out/<tag>``; that folder.

    It asserts that exactly ``passed`` tests passed.
    """
    out = pytester.path / "out" / tag
    out.parent.mkdir(exist_ok=True)
    monkeypatch.setenv("TOFUPAY_OUT", str(out))
    # Under an outer xdist run, sub-sessions would inherit the outer worker's name.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = runner(*args)
    result.assert_outcomes(passed=passed)
    return out
