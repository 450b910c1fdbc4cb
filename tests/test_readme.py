"""The README's examples are tests: every ``python`` block with a test passes.

They run in the docs examples' session (tests/test_docs.py), one process for both.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_a_first_test() -> None:
    assert any("def test_" in block and "tofupay" in block for block in blocks())


def test_the_readme_links_to_pages_that_exist() -> None:
    root = README.parent
    for target in re.findall(r"\]\(([^)#]+)\)", README.read_text(encoding="utf-8")):
        if not target.startswith("http"):
            assert (root / target).exists(), target
