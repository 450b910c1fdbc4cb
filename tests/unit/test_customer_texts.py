"""Kept customer texts: the same text the API would render, reused only for the very record
it was made from, at most ``limit`` of them (the oldest dropped), dropped before a write."""

from __future__ import annotations

import json

from tofupay_fake import render
from tofupay_fake.store import Customer


def record(ident: str, email: str | None = None) -> Customer:
    return Customer(ident, 1_700_000_000, False, email=email, metadata={"plan": "pro"})


def rendered(customer: Customer) -> str:
    return json.dumps(render.customer(customer), ensure_ascii=False)


def test_a_kept_text_is_the_rendered_customer_and_is_reused_for_that_record() -> None:
    texts = render.Texts()
    ada = record("cus_ada", "ada@example.com")
    first = texts.customer(ada)
    assert first == rendered(ada)
    assert texts.customer(ada) is first


def test_another_record_under_the_same_id_gets_its_own_text() -> None:
    """A restore or a fork brings other records under the same ids."""
    texts = render.Texts()
    old, new = record("cus_ada", "old@example.com"), record("cus_ada", "new@example.com")
    assert texts.customer(old) == rendered(old)
    assert texts.customer(new) == rendered(new) != rendered(old)
    assert texts.customer(new) is texts.customer(new)


def test_at_most_limit_texts_are_kept_and_the_oldest_goes_first() -> None:
    texts = render.Texts(limit=2)
    a, b, c = record("cus_a"), record("cus_b"), record("cus_c")
    text_a, text_b = texts.customer(a), texts.customer(b)
    text_c = texts.customer(c)  # a third: a's text is dropped
    assert texts.customer(b) is text_b and texts.customer(c) is text_c
    again = texts.customer(a)  # made anew (and now b's is the oldest, dropped)
    assert again == text_a and again is not text_a
    assert texts.customer(c) is text_c
    assert texts.customer(b) is not text_b


def test_forget_gives_back_only_that_record_s_text() -> None:
    texts = render.Texts()
    old, new = record("cus_ada", "old@example.com"), record("cus_ada", "new@example.com")
    kept = texts.customer(old)
    assert texts.forget(new) is None  # another record under the id: its text is not new's
    assert texts.forget(old) is None  # and the id's text is gone already
    kept = texts.customer(old)
    assert texts.forget(old) is kept
    assert texts.customer(old) is not kept  # made again after being forgotten
    texts.clear()
    assert texts.forget(old) is None
