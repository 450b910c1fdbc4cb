"""Shared bits of the plugin tests: the sub-session ini and the API constants."""

from __future__ import annotations

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
