"""The README's examples are tests: every ``python`` block with a test passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.plugin._helpers import write_ini

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_a_first_test() -> None:
    assert any("def test_" in block and "tofupay" in block for block in blocks())


def test_the_readme_examples_pass(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    files: dict[str, str] = {}
    count = 0
    for index, block in enumerate(blocks()):
        if "def test_" in block:
            files[f"test_readme_{index}"] = f"# README\n{block}"
            count += len(re.findall(r"^(?:async )?def test_", block, re.M))
    pytester.makepyfile(**files)
    # Own process: the examples are a user's code (freezegun, threads, global patches) and
    # must not reach the threads this session keeps (the session's server among them).
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=count)


def test_the_readme_links_to_pages_that_exist() -> None:
    root = README.parent
    for target in re.findall(r"\]\(([^)#]+)\)", README.read_text(encoding="utf-8")):
        if not target.startswith("http"):
            assert (root / target).exists(), target
