"""The README's examples are tests: each task section has one, and every one passes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import curl
from tests.plugin._helpers import write_ini
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay

README = Path(__file__).resolve().parent.parent / "README.md"
#: Sections that are about something a user does, from "Use the fixture" to "Use any HTTP client".
FIRST_TASK, LAST_TASK = "Use the fixture", "Use any HTTP client"


def sections() -> dict[str, list[str]]:
    """Each ``## `` section's title and its ``python`` code blocks."""
    found: dict[str, list[str]] = {}
    for part in re.split(r"^## ", README.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title, _, body = part.partition("\n")
        found[title.strip()] = re.findall(r"```python\n(.*?)```", body, re.S)
    return found


def task_sections() -> dict[str, list[str]]:
    titles = list(sections())
    tasks = titles[titles.index(FIRST_TASK) : titles.index(LAST_TASK) + 1]
    return {title: sections()[title] for title in tasks}


def test_every_task_section_has_a_runnable_example() -> None:
    missing = [
        title
        for title, blocks in task_sections().items()
        if not any("def test_" in block for block in blocks)
    ]
    assert missing == []


def test_the_readme_examples_pass(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    files: dict[str, str] = {}
    count = 0
    for number, (title, blocks) in enumerate(task_sections().items()):
        for index, block in enumerate(blocks):
            if "def test_" in block:
                files[f"test_readme_{number:02d}_{index}"] = f"# README: {title}\n{block}"
                count += len(re.findall(r"^def test_", block, re.M))
    assert count >= len(task_sections())  # at least one test a task section
    pytester.makepyfile(**files)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=count)


def server_examples() -> list[tuple[str, str]]:
    """The "Run the server" section's curl commands, each with the output shown after it."""
    part = README.read_text(encoding="utf-8").split("\n## Run the server\n")[1].split("\n## ")[0]
    return re.findall(r"```shell\n(curl [^`]*?)\n```\n\n<details>.*?```json\n(.*?)\n```", part, re.S)


def test_the_server_examples_answer_what_the_readme_shows(server: ServerThread) -> None:
    examples = server_examples()
    assert len(examples) == 6  # seeding the document's customer, then its five examples
    server.app.fake = FakeTofupay(seed=0)
    for command, shown in examples:
        response = curl.run(command, server.url)
        assert json.dumps(response.json(), indent=2, ensure_ascii=False) == shown, command
