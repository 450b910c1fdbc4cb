"""Loading the plugin costs next to nothing: no respx, httpx or faker until the fixture runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ._helpers import write_ini

HEAVY = ("respx", "httpx", "faker")

PROBE = f"""
import json
import sys

import tofupay_fake.pytest_plugin

print(json.dumps({{
    "plugin": "tofupay_fake.pytest_plugin" in sys.modules,
    "heavy": sorted(name for name in {HEAVY!r} if name in sys.modules),
}}))
"""


def test_importing_the_plugin_imports_no_http_or_faker(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"plugin": True, "heavy": []}


# The other plugins installed here import httpx / respx / faker themselves;
# they are switched off so that only tofupay's plugin is measured.
OTHERS_OFF = ("-p", "no:pytest_httpx", "-p", "no:respx", "-p", "no:faker")

# After each test, which of them the session has imported so far.
CONFTEST = f"""
import json
import os
import sys

IMPORTED = {{}}


def pytest_runtest_logfinish(nodeid):
    IMPORTED[nodeid.split("::")[-1]] = sorted(name for name in {HEAVY!r} if name in sys.modules)


def pytest_sessionfinish(session):
    with open(os.path.join(str(session.config.rootpath), "modules.json"), "w") as out:
        json.dump({{
            "plugin": session.config.pluginmanager.has_plugin("tofupay"),
            "after": IMPORTED,
        }}, out)
"""

# Collected and run in this order: the fixture is used last.
TESTS = """
import pytest

def test_plain():
    pass

@pytest.mark.tofupay(seed=1, customers=2, api_keys=["sk_test_x"])
def test_marked_but_no_fixture():
    pass

@pytest.mark.tofupay(customers=1, api_keys=["sk_test_x"])
def test_uses_fixture(tofupay):
    assert len(tofupay.customers()) == 1
"""


def test_a_session_imports_them_only_once_a_test_uses_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    # One process for the session (here they are imported already), set up as a user's:
    # the plugin is marked for assertion rewriting as it loads.
    write_ini(pytester, asserts="rewrite")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(TESTS)
    result = pytester.runpytest_subprocess(*OTHERS_OFF, "--tofupay-seed=4", "--strict-markers")
    result.assert_outcomes(passed=3)
    modules = json.loads((pytester.path / "modules.json").read_text())
    assert modules == {
        "plugin": True,
        "after": {
            # Loading the plugin, its option, its marker and its hooks: none of them.
            "test_plain": [],
            "test_marked_but_no_fixture": [],
            # The control: the probe does see the imports when they happen.
            "test_uses_fixture": sorted(HEAVY),
        },
    }
