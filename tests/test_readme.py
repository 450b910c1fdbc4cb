"""The README's examples are tests: each task section has one, and every one passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.plugin._helpers import write_ini

README = Path(__file__).resolve().parent.parent / "README.md"
#: Sections that are about something a user does, from "Use the fixture" to "Use requests".
FIRST_TASK, LAST_TASK = "Use the fixture", "Use requests"


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
