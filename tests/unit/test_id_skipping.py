"""Ids already taken are skipped: by the id factory, and so by the API after a seeded id."""

from __future__ import annotations

import pytest

from tests.conftest import KEY
from tofupay_fake import FakeTofupay
from tofupay_fake.ids import IdFactory

#: The first customer ids of seed 0, in order.
FIRST = [
    "cus_YLmaFOIr9UBBNm",
    "cus_XXbYaSV8sK8AI0",
    "cus_UldawAyIuN3YJY",
    "cus_9a22tPN13DcoEJ",
    "cus_1cbjb84dISxAWl",
]


@pytest.mark.parametrize(
    ("taken", "made"),
    [
        (set(), FIRST[:3]),
        ({FIRST[0]}, FIRST[1:4]),
        ({FIRST[1], FIRST[2]}, [FIRST[0], FIRST[3], FIRST[4]]),
        ({"cus_notInTheStream"}, FIRST[:3]),
    ],
    ids=["nothing-taken", "first-taken", "two-taken", "other-taken"],
)
def test_taken_ids_are_skipped_in_stream_order(taken: set[str], made: list[str]) -> None:
    ids = IdFactory(0)
    ids.skip_taken("cus", taken.__contains__)
    assert [ids.new("cus") for _ in made] == made


def test_none_stops_skipping() -> None:
    ids = IdFactory(0)
    ids.skip_taken("cus", {FIRST[1]}.__contains__)
    assert ids.new("cus") == FIRST[0]
    ids.skip_taken("cus", None)
    assert ids.new("cus") == FIRST[1]  # no longer skipped


def test_none_forgets_one_prefix_only() -> None:
    ids = IdFactory(0)
    ids.skip_taken("cus", {FIRST[0]}.__contains__)
    ids.skip_taken("tok", lambda ident: ident.startswith("tok_"))  # would never end
    ids.skip_taken("tok", None)
    ids.skip_taken("req", None)  # never given: nothing to forget
    assert ids.new("tok") == IdFactory(0).new("tok")
    assert ids.new("req") == IdFactory(0).new("req")
    assert ids.new("cus") == FIRST[1]  # still skipping for cus


def test_the_api_skips_an_id_a_test_seeded() -> None:
    fake = FakeTofupay(seed=0)
    fake.add_customer(KEY, id=FIRST[0])
    made = fake.handle("POST", "/v1/customers", headers={"Authorization": f"Bearer {KEY}"})
    assert made.json()["id"] == FIRST[1]
