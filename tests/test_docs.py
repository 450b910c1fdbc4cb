"""The docs' examples are tests: every guide page has one, and every one passes.

A ```python block that defines ``def test_...`` functions is a complete pytest
module; all of them, the README's among them, run in one pytest session with the
``tofupay`` fixture. A block whose first line is ``# file: NAME.py`` is written
as that module, for the tests to import (an application the example tests, say).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import curl
from tests.plugin._helpers import without_ca_bundle, write_ini
from tests.server_thread import ServerThread
from tests.test_readme import blocks as readme_blocks
from tofupay_fake import FakeTofupay

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: Pages that are about reference or background, not a task: no example required.
NOT_TASKS = {
    "index.md",
    "reference.md",
    "architecture.md",
    "compatibility.md",
    "guarantees.md",
    "performance.md",
    "curl.md",  # curl commands, replayed by test_the_curl_examples_answer_what_the_docs_show
}


#: The examples' session skips the Stripe SDK's back-off before a retry (half a second):
#: the retries page shows what the SDK retries and with which key, not how long it waits.
SUB_SESSION_CONFTEST = """
import stripe

stripe.HTTPClient.INITIAL_DELAY = 0.0
"""


def pages() -> dict[str, list[str]]:
    """Each page's ``python`` code blocks."""
    return {
        page.name: re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
        for page in sorted(DOCS.glob("*.md"))
    }


def test_every_task_page_has_a_runnable_example() -> None:
    missing = [
        name
        for name, blocks in pages().items()
        if name not in NOT_TASKS and not any("def test_" in block for block in blocks)
    ]
    assert pages(), "no docs pages found"
    assert missing == []


def test_the_docs_and_readme_examples_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ini(pytester, asserts="rewrite")  # the examples are a user's tests
    # The examples' httpx clients (about seventy) are answered by fakes and mocks, never over TLS.
    without_ca_bundle(monkeypatch, pytester.path / "no-ca-bundle")
    files: dict[str, str] = {}
    count = 0
    for name, blocks in pages().items():
        stem = name.removesuffix(".md").replace("-", "_")
        for index, block in enumerate(blocks):
            tests = len(re.findall(r"^(?:async )?def test_", block, re.M))
            named = re.match(r"# file: (\w+)\.py\n", block)
            if named:
                files[named.group(1)] = block
            elif tests:
                files[f"test_docs_{stem}_{index}"] = f"# docs/{name}\n{block}"
            count += tests
    for index, block in enumerate(readme_blocks()):
        if "def test_" in block:
            files[f"test_readme_{index}"] = f"# README\n{block}"
            count += len(re.findall(r"^(?:async )?def test_", block, re.M))
    assert any(name.startswith("test_readme_") for name in files), "no README example found"
    pytester.makepyfile(**files)
    pytester.makeconftest(SUB_SESSION_CONFTEST)
    # Own process: the examples are a user's code (freezegun, threads, global patches) and
    # must not reach the threads this session keeps (the session's server among them).
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=count)


def curl_examples() -> list[tuple[str, str]]:
    """The curl commands of docs/curl.md, each with the output shown after it."""
    text = (DOCS / "curl.md").read_text(encoding="utf-8")
    return re.findall(
        r"```shell\n(curl [^`]*?)\n```\n\n<details>.*?```json\n(.*?)\n```", text, re.S
    )


def test_the_curl_examples_answer_what_the_docs_show(server: ServerThread) -> None:
    examples = curl_examples()
    assert len(examples) == 6  # seeding the reference's customer, then its five examples
    server.app.fake = FakeTofupay(seed=0)
    for command, shown in examples:
        response = curl.run(command, server.url)
        assert json.dumps(response.json(), indent=2, ensure_ascii=False) == shown, command
