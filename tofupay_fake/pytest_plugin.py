"""The pytest plugin: the ``tofupay`` fixture, its marker and the ``--tofupay-seed`` option.

Loaded into every pytest session of every user who installs the package, so it
imports nothing of tofupay_fake, httpx, respx or faker until the fixture runs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tofupay_fake.fake import FakeTofupay
    from tofupay_fake.snapshot import Snapshot

MARKER = (
    "tofupay(seed=None, customers=0, api_keys=None, strict_tokens=False, clock=None, "
    "fixtures=None): "
    "configure the tofupay fixture: a fixed seed, N Faker customers for each key in "
    "api_keys, an allow-list of secret keys, strict token checking, and the clock's start "
    "(a Unix time, an ISO date or datetime, or 'wall'; default: ini tofupay_clock). "
    "fixtures='world.json' loads a fixture file (relative to the test file's folder) under "
    "each key in api_keys, or sk_test_tofupay."
)
MARKER_KWARGS = ("seed", "customers", "api_keys", "strict_tokens", "clock", "fixtures")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tofupay", "tofupay_fake: the Tofupay API fake")
    group.addoption(
        "--tofupay-seed",
        type=int,
        default=None,
        help="base seed of the tofupay fixture (default: ini tofupay_seed, else 0)",
    )
    parser.addini("tofupay_seed", "base seed of the tofupay fixture", default="0")
    parser.addini(
        "tofupay_block",
        "make any request to api.tofupay.com that no started fake answers fail in the client "
        "(default: false)",
        type="bool",
        default=False,
    )
    parser.addini(
        "tofupay_report",
        "add a 'tofupay calls' section, listing the calls made, to the report of a failing "
        "test that used the tofupay fixture (default: true)",
        type="bool",
        default=True,
    )
    parser.addini(
        "tofupay_clock",
        "start of the tofupay fixture's clock: a Unix time, an ISO date or datetime, or wall "
        "(default: 1421056271, 2015-01-12)",
        default="",
    )


BLOCKED = (
    "tofupay_fake: a request to {host} was stopped because tofupay_block is on and no started "
    "fake answers it. Use the tofupay fixture in this test (def test_x(tofupay): ...), or "
    "start a FakeTofupay around the call."
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    if config.getini("tofupay_block"):
        from tofupay_fake.core import DEFAULT_BASE_URL
        from tofupay_fake.request import origin_of
        from tofupay_fake.transports import intercept

        host = origin_of(DEFAULT_BASE_URL)[1]
        intercept.guard(host, BLOCKED.format(host=host))
        config.add_cleanup(lambda: intercept.unguard(host))
    ini_clock(config)  # a bad ini value stops the session before any test runs


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A wrong marker keyword fails the test even where the fixture is not used.
    marker_options(item.get_closest_marker("tofupay"))


#: Title of the report section listing a failing test's calls.
REPORT_SECTION = "tofupay calls"
#: Most calls the section lists (the newest).
REPORT_MAX_CALLS = 100


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test that used the fixture gets a section listing the calls it made."""
    report = yield
    if report.failed and not item.stash.get(_REPORTED, False):
        fake = (getattr(item, "funcargs", None) or {}).get("tofupay")
        if fake is not None and item.config.getini("tofupay_report"):
            item.stash[_REPORTED] = True
            report.sections.append((REPORT_SECTION, describe_calls(fake)))
    return report


_REPORTED = pytest.StashKey[bool]()


def describe_calls(fake: Any) -> str:
    """The fake's calls, one a line: method, path, status and the key, masked."""
    from tofupay_fake.auth import mask_key  # the fixture ran: the package is imported

    calls = list(getattr(fake, "calls", ()))
    if not calls:
        return "(no calls were made)"
    lines = []
    if len(calls) > REPORT_MAX_CALLS:
        lines.append(f"({len(calls) - REPORT_MAX_CALLS} earlier calls not shown)")
    first = max(len(calls) - REPORT_MAX_CALLS, 0)
    for number, made in enumerate(calls[first:], first + 1):
        key = f"  {mask_key(made.api_key)}" if made.api_key else ""
        lines.append(f"{number}. {made.method} {made.path} -> {made.status_code}{key}")
    return "\n".join(lines)


def base_seed(config: pytest.Config) -> int:
    """``--tofupay-seed``, else the ``tofupay_seed`` ini value, else 0."""
    option = config.getoption("tofupay_seed")
    if option is not None:
        return int(option)
    raw = str(config.getini("tofupay_seed")).strip() or "0"
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"tofupay_seed must be an integer, got {raw!r}") from None


def ini_clock(config: pytest.Config) -> str | None:
    """The ``tofupay_clock`` ini value (checked), or None when unset."""
    raw = str(config.getini("tofupay_clock")).strip()
    if not raw:
        return None
    from tofupay_fake.clock import parse_clock  # small: no HTTP library, no Faker

    try:
        parse_clock(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"tofupay_clock: {exc}") from None
    return raw


def seed_for(nodeid: str, base: int) -> int:
    """A test's seed: stable for its node id and the base seed, in any order or worker."""
    digest = hashlib.sha256(f"{base}\0{nodeid}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def marker_options(marker: pytest.Mark | None) -> dict[str, Any]:
    """The marker's keywords, checked; a wrong one is a clear test error."""
    if marker is None:
        return {}
    if marker.args:
        pytest.fail(
            f"@pytest.mark.tofupay takes keywords only ({', '.join(MARKER_KWARGS)}), "
            f"got positional {marker.args!r}",
            pytrace=False,
        )
    unknown = sorted(set(marker.kwargs) - set(MARKER_KWARGS))
    if unknown:
        pytest.fail(
            f"@pytest.mark.tofupay got unknown keyword(s) {', '.join(unknown)}; "
            f"it takes {', '.join(MARKER_KWARGS)}",
            pytrace=False,
        )
    if marker.kwargs.get("clock") is not None:
        from tofupay_fake.clock import parse_clock

        try:
            parse_clock(marker.kwargs["clock"])
        except ValueError as exc:
            pytest.fail(f"@pytest.mark.tofupay(clock=...): {exc}", pytrace=False)
    fixtures = marker.kwargs.get("fixtures")
    if fixtures is not None and not _fixture_files(fixtures):
        pytest.fail(
            "@pytest.mark.tofupay(fixtures=...) takes a fixture file's path (relative to the "
            f"test file's folder), a list of paths, or the document as a dict; got {fixtures!r}",
            pytrace=False,
        )
    return dict(marker.kwargs)


def _fixture_files(value: Any) -> list[Any]:
    """The marker's ``fixtures`` as a list of paths and documents; [] when it is neither."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if items and all(isinstance(item, (str, os.PathLike, dict)) for item in items):
        return items
    return []


def load_marker_fixtures(fake: FakeTofupay, value: Any, folder: Path, keys: Any) -> None:
    """Load the marker's fixture files (relative to ``folder``) under each key, in order."""
    from tofupay_fake.fixtures import DEFAULT_KEY, FixtureError

    for key in keys or [DEFAULT_KEY]:
        for item in _fixture_files(value):
            source = item if isinstance(item, dict) else folder / item
            try:
                fake.load_fixtures(source, api_key=key)
            except FixtureError as exc:
                pytest.fail(f"@pytest.mark.tofupay(fixtures=...): {exc}", pytrace=False)


@pytest.fixture(scope="session")
def tofupay_world() -> Snapshot | None:
    """The world every ``tofupay`` fixture starts from: none, unless you override it.

    Define a fixture of this name (any scope) returning a
    :class:`~tofupay_fake.Snapshot`, and each test's fake starts as a fork of
    it: built once, forked in microseconds, never changed by a test.
    """
    return None


def world_snapshot(world: object) -> Snapshot:
    """The Snapshot a ``tofupay_world`` fixture returned; anything else fails the test clearly."""
    from tofupay_fake.snapshot import Snapshot

    if not isinstance(world, Snapshot):
        pytest.fail(
            f"the tofupay_world fixture must return a tofupay_fake.Snapshot (for example "
            f"fake.snapshot()), got {type(world).__name__}",
            pytrace=False,
        )
    return world


@pytest.fixture
def tofupay(
    request: pytest.FixtureRequest, tofupay_world: Snapshot | None
) -> Iterator[FakeTofupay]:
    """A started :class:`~tofupay_fake.FakeTofupay`: httpx calls to the API hit it.

    With a ``tofupay_world`` fixture of yours returning a Snapshot, it starts
    as a fork of that world, its ids from the test's own seed.
    """
    from tofupay_fake.fake import FakeTofupay

    options = marker_options(request.node.get_closest_marker("tofupay"))
    seed = options.get("seed")
    if seed is None:
        seed = seed_for(request.node.nodeid, base_seed(request.config))
    api_keys = options.get("api_keys")
    customers = options.get("customers", 0)
    if customers and not api_keys:
        pytest.fail(
            "@pytest.mark.tofupay(customers=N) needs api_keys=[...] to seed them under",
            pytrace=False,
        )
    clock = options.get("clock")
    if clock is None:
        clock = ini_clock(request.config)
    settings: dict[str, Any] = {
        "clock": clock,
        "api_keys": api_keys,
        "strict_tokens": options.get("strict_tokens", False),
    }
    if tofupay_world is None:
        fake = FakeTofupay(seed, **settings)
    else:
        if options.get("clock") is None:
            settings["clock"] = None  # the world's own clock, unless the marker sets one
        fake = FakeTofupay.from_snapshot(world_snapshot(tofupay_world), seed, **settings)
    for key in api_keys or ():
        fake.seed_customers(customers, api_key=key)
    if options.get("fixtures") is not None:
        load_marker_fixtures(fake, options["fixtures"], request.node.path.parent, api_keys)
    with fake:
        yield fake
