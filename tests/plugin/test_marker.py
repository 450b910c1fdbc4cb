"""``@pytest.mark.tofupay(seed=..., customers=N, api_keys=[...], strict_tokens=...)``."""

from __future__ import annotations

import pytest

from ._helpers import KEY, URL, error_sections, refused_markers_run, write_ini

HEADER = f"""
import httpx
import pytest

from tofupay_fake import FakeTofupay

URL = {URL!r}
KEY = {KEY!r}
ALLOWED = "sk_test_allowedKey0001"
SECOND = "sk_test_allowedKey0002"
OTHER = "sk_test_notAllowed0003"
CLIENT = httpx.Client()  # one client (and TLS context) for the whole run


def create(key=KEY, **data):
    return CLIENT.post(URL, auth=(key, ""), data=data)


def direct(seed, email):
    # What a plain FakeTofupay(seed) answers to the same first request.
    return FakeTofupay(seed).handle(
        "POST",
        "/v1/customers",
        headers={{"Authorization": "Bearer " + KEY}},
        body=b"email=" + email.encode(),
    ).content
"""


@pytest.fixture
def sub(pytester: pytest.Pytester) -> pytest.Pytester:
    write_ini(pytester)
    return pytester


def test_marker_is_registered(sub: pytest.Pytester) -> None:
    result = sub.runpytest("--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.tofupay(seed=None, customers=0, api_keys=None, strict_tokens=False, "
            "clock=None*"
        ]
    )


def test_marker_passes_strict_markers(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        """
        import pytest

        @pytest.mark.tofupay(seed=3, customers=0, api_keys=None, strict_tokens=False)
        def test_marked(tofupay):
            assert tofupay.started

        @pytest.mark.tofupay
        def test_bare_marker(tofupay):
            assert tofupay.started
        """
    )
    result = sub.runpytest("--strict-markers")
    result.assert_outcomes(passed=2)


def test_seed_keyword_fixes_the_seed(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        HEADER
        + """

@pytest.mark.tofupay(seed=42)
def test_one(tofupay):
    assert create(email="a@example.com").content == direct(42, "a@example.com")


@pytest.mark.tofupay(seed=42)
def test_two_other_node_id(tofupay):
    assert create(email="a@example.com").content == direct(42, "a@example.com")


@pytest.mark.tofupay(seed=0)
def test_seed_zero_is_a_seed(tofupay):
    assert create(email="a@example.com").content == direct(0, "a@example.com")


@pytest.mark.tofupay(seed=43)
def test_other_seed(tofupay):
    assert create(email="a@example.com").content != direct(42, "a@example.com")


def test_unmarked_is_not_seed_zero(tofupay):
    assert create(email="a@example.com").content != direct(0, "a@example.com")


@pytest.mark.tofupay(seed=7)
class TestClassMarker:
    def test_from_class(self, tofupay):
        assert create(email="a@example.com").content == direct(7, "a@example.com")

    @pytest.mark.tofupay(seed=8)
    def test_closest_marker_wins(self, tofupay):
        assert create(email="a@example.com").content == direct(8, "a@example.com")
"""
    )
    # The marker's seed is not shifted by the base seed.
    sub.runpytest("--tofupay-seed=9").assert_outcomes(passed=7)
    sub.runpytest().assert_outcomes(passed=7)


def test_customers_are_seeded_for_each_api_key(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        HEADER
        + """

@pytest.mark.tofupay(customers=3, api_keys=[ALLOWED, SECOND])
def test_three_each(tofupay):
    tofupay.assert_not_called()  # seeding is not an API call
    for key in (ALLOWED, SECOND):
        seeded = tofupay.customers(api_key=key)
        assert len(seeded) == 3
        assert len({c["id"] for c in seeded}) == 3
        for customer in seeded:
            assert customer["id"].startswith("cus_")
            assert customer["email"] and "@" in customer["email"]
            assert customer["description"]
    assert len(tofupay.customers()) == 6
    listed = CLIENT.get(URL, auth=(ALLOWED, ""))
    assert listed.status_code == 200, listed.text
    assert listed.json()["data"] == tofupay.customers(api_key=ALLOWED)
    one = tofupay.customers(api_key=SECOND)[0]
    assert tofupay.get_customer(one["id"]) == one


@pytest.mark.tofupay(seed=5, customers=2, api_keys=[ALLOWED])
def test_same_as_seed_customers(tofupay):
    expected = FakeTofupay(5, api_keys=[ALLOWED]).seed_customers(2, api_key=ALLOWED)
    assert sorted(tofupay.customers(api_key=ALLOWED), key=lambda c: c["created"]) == expected


@pytest.mark.tofupay(api_keys=[ALLOWED])
def test_no_customers_by_default(tofupay):
    assert tofupay.customers() == []
"""
    )
    sub.runpytest().assert_outcomes(passed=3)


def test_customers_without_api_keys_is_a_clear_error(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        """
        import pytest

        @pytest.mark.tofupay(customers=2)
        def test_no_keys(tofupay):
            raise AssertionError("the test body must not run")
        """
    )
    result = sub.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*customers=N) needs api_keys=*"])
    result.stdout.no_fnmatch_line("*the test body must not run*")


def test_api_keys_is_an_allow_list(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        HEADER
        + """

@pytest.mark.tofupay(api_keys=[ALLOWED, SECOND])
def test_allow_list(tofupay):
    assert create(ALLOWED, email="a@example.com").status_code == 200
    assert create(SECOND, email="b@example.com").status_code == 200
    for key in (OTHER, KEY):
        refused = create(key, email="c@example.com")
        assert refused.status_code == 401, refused.text
        error = refused.json()["error"]
        assert error["type"] == "authentication_error"
        assert "sk_test_****" in error["message"] and key not in error["message"]
    assert len(tofupay.customers()) == 2


def test_any_secret_key_without_allow_list(tofupay):
    assert create(OTHER).status_code == 200
    assert create(KEY).status_code == 200
"""
    )
    sub.runpytest().assert_outcomes(passed=2)


def test_strict_tokens(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        HEADER
        + """

UNKNOWN = "tok_neverIssuedByTheFake01"


@pytest.mark.tofupay(strict_tokens=True)
def test_strict(tofupay):
    r = create(source=UNKNOWN)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == "No such token: " + UNKNOWN
    assert tofupay.customers() == []
    assert create(source="tok_visa").status_code == 200  # test tokens still work


@pytest.mark.tofupay(strict_tokens=False)
def test_lenient_explicit(tofupay):
    r = create(source=UNKNOWN)
    assert r.status_code == 200, r.text
    assert r.json()["sources"]["data"][0]["last4"] == "4242"


def test_lenient_by_default(tofupay):
    assert create(source=UNKNOWN).status_code == 200
"""
    )
    sub.runpytest().assert_outcomes(passed=3)


BAD_MARKERS = [
    ("seeed=1", "seeed"),
    ("customer=2, api_keys=['sk_test_x']", "customer"),
    ("12345", "12345"),
    ("'sk_test_positional99', seed=1", "sk_test_positional99"),
]


def bad_markers_run(pytester: pytest.Pytester) -> pytest.RunResult:
    return refused_markers_run(
        pytester,
        [marker for marker, _ in BAD_MARKERS],
        """
@pytest.mark.tofupay({marker})
def test_bad_{index}(tofupay):
    raise AssertionError("the test body must not run")
""",
    )


@pytest.mark.parametrize(("marker", "named"), BAD_MARKERS)
def test_bad_marker_arguments_are_clear_errors(
    pytester: pytest.Pytester, marker: str, named: str
) -> None:
    listed = error_sections(bad_markers_run(pytester))[
        f"test_bad_{BAD_MARKERS.index((marker, named))}"
    ]
    errors = [line for line in listed if "tofupay" in line and named in line]
    assert errors, listed


def test_bad_marker_keyword_fails_even_without_the_fixture(sub: pytest.Pytester) -> None:
    sub.makepyfile(
        """
        import pytest

        @pytest.mark.tofupay(seeed=1)
        def test_no_fixture():
            raise AssertionError("the test body must not run")

        @pytest.mark.tofupay(seed=1)
        def test_good_marker_no_fixture():
            pass
        """
    )
    result = sub.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.tofupay got unknown keyword(s) seeed*"])
    result.stdout.no_fnmatch_line("*the test body must not run*")
