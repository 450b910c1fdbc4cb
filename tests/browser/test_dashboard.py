"""The dashboard at ``/_fake/`` in headless Chromium: live updates, search, the call
journal and its responses, every view at desktop and phone width, nothing loaded
from outside the server and no key shown in full; it reads the fake once a second
unless its URL asks for another period."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.pages import PHONE, screenshot
from tofupay_fake import FakeTofupay

pytestmark = pytest.mark.browser

KEY = "sk_test_dashboardAccount4242"
OTHER_KEY = "sk_test_secondAccount0007"
VIEWS = ("customers", "calls", "events", "webhooks", "faults")
#: The dashboard reading the fake every 100 ms instead of every second, so that a change
#: shows up at once (the tests below prove that the page honours ``poll``).
DASHBOARD = "/_fake/?poll=100"


@pytest.fixture
def served() -> Iterator[tuple[FakeTofupay, str]]:
    """A fake with two accounts' customers, served at ``fake.url``."""
    fake = FakeTofupay(seed=7)
    fake.add_customer(KEY, email="grace@example.com", description="Seeded")
    fake.add_customer(OTHER_KEY, email="linus@example.org", metadata={"tier": "gold"})
    try:
        yield fake, fake.url
    finally:
        fake.stop()


def next_update(page: Page, condition: str) -> None:
    """Wait until the page's live update makes the JavaScript ``condition`` true, checked in
    the page at every frame (``expect`` checks only every half second after its first tries,
    so it would see a poll of the dashboard up to half a second late)."""
    page.wait_for_function(f"() => {condition}")


def open_row(table: Locator, shown: Locator, text: str) -> None:
    """Open the table's one row and see ``text``; a click that lands while the live update
    redraws the table is lost, as it would be for a person, who clicks again."""
    for _ in range(3):
        table.get_by_role("button").first.click()
        try:
            expect(shown).to_contain_text(text, timeout=5_000)
            return
        except AssertionError:
            continue
    expect(shown).to_contain_text(text)


def test_the_dashboard_shows_the_fake_live_and_loads_nothing_from_elsewhere(
    page: Page, served: tuple[FakeTofupay, str], requested: list[str]
) -> None:
    fake, url = served
    origin = urlsplit(url)

    # The page loads and lists the customers of every account, labelled by masked key.
    page.goto(url + DASHBOARD)
    expect(page).to_have_title("tofupay_fake dashboard")
    customers = page.locator("#customers")
    expect(customers).to_contain_text("grace@example.com")
    expect(customers).to_contain_text("linus@example.org")
    expect(customers).to_contain_text("sk_test_****4242")
    expect(customers).to_contain_text("sk_test_****0007")
    expect(page.locator("#clock")).not_to_have_text("…")

    # API calls made by the test show up without a reload.
    with httpx.Client(base_url=url, auth=(KEY, "")) as api:
        made = api.post(
            "/v1/customers",
            data={"email": "ada@example.com", "source": "tok_visa", "metadata[plan]": "pro"},
        )
        assert made.status_code == 200, made.text
        ada = made.json()
        missing = api.get("/v1/customers/cus_00000000000000")
        assert missing.status_code == 404
        assert api.post(f"/v1/customers/{ada['id']}", data={"description": "VIP"}).is_success
    next_update(page, "document.getElementById('customers').textContent.includes('ada@')")
    expect(customers).to_contain_text("ada@example.com")
    screenshot(page, "dashboard-customers-1280")

    # Search by email, then by id; the detail shows cards and metadata.
    page.get_by_label("Search by id or email").fill("ADA@")
    expect(customers.locator("tr")).to_have_count(1)
    expect(customers).not_to_contain_text("grace@example.com")
    page.get_by_label("Search by id or email").fill(ada["id"])
    expect(customers.locator("tr")).to_have_count(1)
    customers.get_by_role("button", name=ada["id"]).click()
    detail = page.locator("#customer-detail")
    expect(detail).to_contain_text("Visa")
    expect(detail).to_contain_text("4242")
    expect(detail).to_contain_text("plan")
    expect(detail).to_contain_text("pro")
    expect(detail).to_contain_text("VIP")
    expect(detail).to_contain_text("sk_test_****4242")
    screenshot(page, "dashboard-customer-detail-1280")

    # The call journal: newest first, filtered by status; a call opens on its response.
    page.get_by_role("link", name="Calls").click()
    calls = page.locator("#calls")
    expect(calls.locator("tr")).to_have_count(3)
    expect(calls.locator("tr").first).to_contain_text(f"/v1/customers/{ada['id']}")
    page.get_by_label("Status").fill("404")
    page.get_by_label("Status").press("Enter")
    expect(calls.locator("tr")).to_have_count(1)
    response = page.locator("#call-response")
    open_row(calls, response, "No such customer: cus_00000000000000")
    shown = json.loads(response.inner_text())
    assert shown == fake.calls[1].response
    page.get_by_label("Status").fill("")
    page.get_by_label("Method").select_option("POST")
    page.get_by_label("Path").fill("/v1/customers/*")
    page.get_by_role("button", name="Filter").click()
    expect(calls.locator("tr")).to_have_count(1)
    open_row(calls, page.locator("#call-detail pre").first, '"description": "VIP"')
    expect(response).to_contain_text('"description": "VIP"')
    # A bad filter gets the API's own message.
    page.get_by_label("Status").fill("abc")
    page.get_by_label("Status").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Invalid integer: abc")
    page.get_by_role("button", name="Clear").click()
    expect(calls.locator("tr")).to_have_count(3)
    calls.locator("tr").last.get_by_role("button").click()
    screenshot(page, "dashboard-calls-1280")

    # Events, webhook deliveries, queued faults.
    page.get_by_role("link", name="Events").click()
    events = page.locator("#events")
    expect(events.locator("tr")).to_have_count(len(fake.events))
    events.get_by_role("button").first.click()
    expect(page.locator("#event-detail")).to_contain_text("customer.updated")
    expect(page.locator("#event-detail")).to_contain_text('"description": "VIP"')
    screenshot(page, "dashboard-events-1280")

    page.get_by_role("link", name="Webhooks").click()
    webhooks = page.locator("#view-webhooks")
    expect(webhooks).to_contain_text("deliver")
    screenshot(page, "dashboard-webhooks-1280")

    page.get_by_role("link", name="Faults").click()
    faults = page.locator("#faults")
    expect(faults).to_contain_text("No faults queued.")
    fake.fail_next("rate_limit", method="POST", path="/v1/customers", times=2)
    next_update(page, "document.getElementById('faults').textContent.includes('rate_limit')")
    expect(faults).to_contain_text("rate_limit")
    expect(faults.locator("tr").first).to_contain_text("/v1/customers")
    screenshot(page, "dashboard-faults-1280")

    # Every view at phone width.
    page.set_viewport_size(PHONE)
    for view in VIEWS:
        page.get_by_role("link", name=view.capitalize()).click()
        expect(page.locator(f"#view-{view}")).to_be_visible()
        screenshot(page, f"dashboard-{view}-390")

    # The page never shows a key in full, and asked nothing of another origin.
    for key in (KEY, OTHER_KEY):
        assert key not in page.content()
    assert requested, "the page made no requests at all"
    elsewhere = [
        seen
        for seen in requested
        if urlsplit(seen).scheme != "data" and urlsplit(seen)[:2] != origin[:2]
    ]
    assert elsewhere == []


def test_the_dashboard_is_usable_by_keyboard(page: Page, served: tuple[FakeTofupay, str]) -> None:
    _, url = served
    page.goto(url + DASHBOARD)
    expect(page.locator("#customers")).to_contain_text("grace@example.com")
    # The first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # Views are links; a customer is a button that Enter opens.
    page.get_by_role("link", name="Calls").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#view-calls")).to_be_visible()
    expect(page.get_by_role("heading", name="Calls")).to_be_focused()
    page.get_by_role("link", name="Customers").focus()
    page.keyboard.press("Enter")
    first = page.locator("#customers").get_by_role("button").first
    first.focus()
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#customer-detail h3").first).to_contain_text("Customer cus_")


def test_values_are_shown_as_text_never_as_markup(
    page: Page, served: tuple[FakeTofupay, str], requested: list[str]
) -> None:
    fake, url = served
    made = fake.add_customer(
        KEY,
        email="mallory@example.com",
        description='<img src="/x" onerror="window.pwned = 1">',
        metadata={"<b>key</b>": "<script>window.pwned = 2</script>"},
    )
    page.goto(url + DASHBOARD)
    page.locator("#customers").get_by_role("button", name=made["id"]).click()
    detail = page.locator("#customer-detail")
    expect(detail).to_contain_text('<img src="/x" onerror="window.pwned = 1">')
    expect(detail).to_contain_text("<b>key</b>")
    expect(detail).to_contain_text("<script>window.pwned = 2</script>")
    assert detail.locator("img, b, script").count() == 0
    assert page.evaluate("window.pwned") is None
    assert not any(seen.endswith("/x") for seen in requested)


def test_pausing_stops_the_updates_and_resuming_catches_up(
    page: Page, served: tuple[FakeTofupay, str]
) -> None:
    _, url = served
    page.goto(url + DASHBOARD + "#calls")
    expect(page.locator("#calls")).to_contain_text("No calls yet.")
    pause = page.get_by_role("button", name="Pause updates")
    pause.click()
    resume = page.get_by_role("button", name="Resume updates")
    expect(resume).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status")).to_have_text("Paused")
    with httpx.Client(base_url=url, auth=(KEY, "")) as api:
        assert api.get("/v1/customers").status_code == 200
    resume.click()
    expect(page.get_by_role("button", name="Pause updates")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(page.locator("#calls")).to_contain_text("/v1/customers")
    expect(page.get_by_role("status")).to_have_text("Live")


def test_a_stopped_server_is_reported_on_the_page(
    page: Page, served: tuple[FakeTofupay, str]
) -> None:
    fake, url = served
    page.goto(url + DASHBOARD)
    expect(page.get_by_role("status")).to_have_text("Live")
    fake.stop()
    next_update(page, "document.getElementById('status').textContent !== 'Live'")
    expect(page.get_by_role("status")).to_have_text("The fake's server cannot be reached")


def test_webhook_deliveries_show_every_try(page: Page, served: tuple[FakeTofupay, str]) -> None:
    fake, url = served
    answers = iter([500, 200])
    fake.webhooks.deliver_to(callback=lambda body, headers: next(answers, 200), mode="auto")
    page.goto(url + DASHBOARD + "#webhooks")
    expect(page.locator("#webhooks")).to_contain_text("No deliveries yet.")
    with httpx.Client(base_url=url, auth=(KEY, "")) as api:
        assert api.post("/v1/customers", data={"email": "hook@example.com"}).is_success
    next_update(page, "document.querySelectorAll('#webhooks tr').length === 2")
    rows = page.locator("#webhooks tr")
    expect(rows).to_have_count(2)
    # Newest first: the retry that succeeded, then the first try that failed.
    expect(rows.nth(0)).to_contain_text("customer.created")
    expect(rows.nth(0).locator(".badge")).to_have_text("200")
    expect(rows.nth(1).locator(".badge")).to_have_text("500")
    event_id = fake.events.last["id"]
    expect(rows.nth(1)).to_contain_text(event_id)
    screenshot(page, "dashboard-webhooks-deliveries-1280")


#: What ``poll`` in the page's query string makes of the period, in milliseconds.
POLL = [
    ("", 1000),
    ("?poll=100", 100),
    ("?poll=250", 250),
    ("?poll=60000", 60000),
    ("?other=1&poll=2000", 2000),
    ("?poll=300&poll=400", 300),
    ("?poll=0100", 100),
    ("?poll=99", 1000),
    ("?poll=0", 1000),
    ("?poll=60001", 1000),
    ("?poll=99999999999999999999", 1000),
    ("?poll=", 1000),
    ("?poll", 1000),
    ("?poll=abc", 1000),
    ("?poll=100ms", 1000),
    ("?poll=-100", 1000),
    ("?poll=+100", 1000),
    ("?poll=%20100", 1000),
    ("?poll=1e3", 1000),
    ("?poll=150.5", 1000),
    ("?POLL=200", 1000),
]  # fmt: skip

#: Records the delay of every timer the page sets, before the page's own scripts run.
SCHEDULED = """
window.scheduled = [];
(function (setTimeout) {
  window.setTimeout = function (callback, delay) {
    window.scheduled.push(delay);
    return setTimeout.apply(window, arguments);
  };
})(window.setTimeout);
"""


def test_the_page_reads_the_fake_once_a_second_unless_its_url_asks_for_another_period(
    page: Page, served: tuple[FakeTofupay, str]
) -> None:
    _, url = served
    # After each read the page sets one timer, for its next read: its delay is the period.
    scheduled: dict[str, set[int]] = {}
    with page.add_init_script(SCHEDULED):
        for query in ("", "?poll=100"):
            page.goto(url + "/_fake/" + query)
            expect(page.get_by_role("status")).to_have_text("Live")  # the first read is done
            scheduled[query] = set(page.evaluate("window.scheduled"))
    assert scheduled == {"": {1000}, "?poll=100": {100}}
    # How the page makes its period of the query string, value by value.
    answers = page.evaluate(
        "queries => queries.map(q => TofupayDashboard.pollPeriod(q))",
        [query for query, _ in POLL],
    )
    assert list(zip([query for query, _ in POLL], answers, strict=True)) == POLL
