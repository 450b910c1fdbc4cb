"""The fixture's clock: ``@pytest.mark.tofupay(clock=...)`` and the ``tofupay_clock`` ini value."""

from __future__ import annotations

import pytest

from ._helpers import KEY, URL, error_sections, refused_markers_run, write_ini

HEADER = f"""
import calendar

import httpx
import pytest

URL = {URL!r}
KEY = {KEY!r}
JAN_15_2026 = calendar.timegm((2026, 1, 15, 0, 0, 0))


def create(**data):
    return httpx.post(URL, auth=(KEY, ""), data=data).json()
"""


def test_marker_sets_the_clock(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        HEADER
        + """

@pytest.mark.tofupay(clock="2026-01-15")
def test_iso_date(tofupay):
    assert create()["created"] == JAN_15_2026
    assert create()["created"] == JAN_15_2026 + 1  # ticks one second per object


@pytest.mark.tofupay(clock="2026-01-15T10:00:00+02:00")
def test_iso_datetime(tofupay):
    assert tofupay.clock.now() == JAN_15_2026 + 8 * 3600


@pytest.mark.tofupay(clock=1700000000)
def test_unix_time(tofupay):
    assert create()["created"] == 1700000000


@pytest.mark.tofupay(clock="2026-01-15")
def test_test_cards_expire_the_year_after_the_clock(tofupay):
    card = create(source="tok_visa")["sources"]["data"][0]
    assert (card["exp_month"], card["exp_year"]) == (3, 2027)


@pytest.mark.tofupay(clock="wall")
def test_wall(tofupay):
    import time

    assert not tofupay.clock.frozen
    assert abs(tofupay.clock.now() - time.time()) < 3600


def test_default_is_the_documents_2015(tofupay):
    assert tofupay.clock.now() == 1421056271
    card = create(source="tok_visa")["sources"]["data"][0]
    assert card["exp_year"] == 2016


@pytest.mark.tofupay(clock="2026-01-15")
class TestOnAClass:
    def test_from_class(self, tofupay):
        assert tofupay.clock.now() == JAN_15_2026

    @pytest.mark.tofupay(clock=0)
    def test_closest_marker_wins(self, tofupay):
        assert tofupay.clock.now() == 0
"""
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=8)


def test_ini_sets_the_clock_and_the_marker_wins(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "tofupay_clock = 2026-01-15")
    pytester.makepyfile(
        HEADER
        + """

def test_from_ini(tofupay):
    assert create()["created"] == JAN_15_2026


def test_each_test_starts_afresh(tofupay):
    tofupay.clock.advance(3600)
    assert create()["created"] == JAN_15_2026 + 3600


@pytest.mark.tofupay(clock="2030-01-01")
def test_marker_wins(tofupay):
    assert tofupay.clock.now() == calendar.timegm((2030, 1, 1, 0, 0, 0))


@pytest.mark.tofupay(seed=3)
def test_marker_without_clock_keeps_the_ini_clock(tofupay):
    assert tofupay.clock.now() == JAN_15_2026
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4)


def test_ini_wall(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "tofupay_clock = wall")
    pytester.makepyfile(
        """
        def test_wall(tofupay):
            assert not tofupay.clock.frozen
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize("value", ["yesterday", "-5", "2026-02-30", "99999-01-01"])
def test_a_bad_ini_value_is_a_usage_error_naming_it(pytester: pytest.Pytester, value: str) -> None:
    write_ini(pytester, f"tofupay_clock = {value}")
    pytester.makepyfile("def test_never_runs(): raise AssertionError('must not run')")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*tofupay_clock: bad clock value '{value}'*"])
    assert "must not run" not in result.stdout.str()


BAD_MARKERS = [
    ("'yesterday'", "'yesterday'"),
    ("True", "True"),
    ("float('nan')", "nan"),
    ("-1", "-1"),
    ("10**30", "1000000000000000000000000000000"),
    ("'10000-01-01'", "'10000-01-01'"),
]


def bad_markers_run(pytester: pytest.Pytester) -> pytest.RunResult:
    return refused_markers_run(
        pytester,
        [marker for marker, _ in BAD_MARKERS],
        """
@pytest.mark.tofupay(clock={marker})
def test_bad_{index}(tofupay):
    raise AssertionError("the test body must not run")

@pytest.mark.tofupay(clock={marker})
def test_bad_{index}_without_the_fixture():
    raise AssertionError("the test body must not run")
""",
    )


@pytest.mark.parametrize(("marker", "shown"), BAD_MARKERS)
def test_a_bad_marker_value_fails_the_test_naming_it(
    pytester: pytest.Pytester, marker: str, shown: str
) -> None:
    errors = error_sections(bad_markers_run(pytester))
    index = BAD_MARKERS.index((marker, shown))
    for name in (f"test_bad_{index}", f"test_bad_{index}_without_the_fixture"):
        message = f"@pytest.mark.tofupay(clock=...): bad clock value {shown}:"
        assert any(line.startswith(message) for line in errors[name]), errors[name]
