"""Arguments of the wrong type are a TypeError naming the argument, never a later crash."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import FakeTofupay


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: FakeTofupay(seed="x"), "seed takes a whole number, got 'x'"),
        (lambda: FakeTofupay(seed=True), "seed takes a whole number, got True"),
        (lambda: FakeTofupay(seed=1.5), "seed takes a whole number, got 1.5"),
        (lambda: FakeTofupay(base_url=5), "base_url takes a URL as text, got 5"),
        (lambda: FakeTofupay().handle(5, "/v1/customers"), "a method and a path as text"),
        (lambda: FakeTofupay().handle("GET", None), "a method and a path as text"),
        (lambda: FakeTofupay().calls.filter(method=5), "filter() takes method as text, got 5"),
        (lambda: FakeTofupay().calls.filter(path=b"/v1"), "filter() takes path as text"),
    ],
)
def test_a_wrong_type_is_named(make: Any, named: str) -> None:
    with pytest.raises(TypeError) as refused:
        make()
    assert named in str(refused.value)


def test_the_right_types_work() -> None:
    fake = FakeTofupay(seed=-3, base_url="https://api.tofupay.com/")
    answer = fake.handle("get", "/v1/customers", headers={"authorization": "Bearer sk_test_x"})
    assert answer.status_code == 200
    assert len(fake.calls.filter(method="get", path="/v1/customers")) == 1
