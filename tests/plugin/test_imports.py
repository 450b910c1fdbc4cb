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

CONFTEST = f"""
import json
import os
import sys


def pytest_sessionfinish(session):
    with open(os.path.join(str(session.config.rootpath), "modules.json"), "w") as out:
        json.dump({{
            "plugin": session.config.pluginmanager.has_plugin("tofupay"),
            "heavy": sorted(name for name in {HEAVY!r} if name in sys.modules),
        }}, out)
"""


def session_modules(pytester: pytest.Pytester, tests: str, *args: str, passed: int) -> object:
    write_ini(pytester)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(tests)
    result = pytester.runpytest_subprocess(*OTHERS_OFF, *args)
    result.assert_outcomes(passed=passed)
    return json.loads((pytester.path / "modules.json").read_text())


def test_session_without_the_fixture_imports_none_of_them(pytester: pytest.Pytester) -> None:
    tests = """
        import pytest

        def test_plain():
            pass

        @pytest.mark.tofupay(seed=1, customers=2, api_keys=["sk_test_x"])
        def test_marked_but_no_fixture():
            pass
    """
    modules = session_modules(pytester, tests, "--tofupay-seed=4", "--strict-markers", passed=2)
    assert modules == {"plugin": True, "heavy": []}


def test_session_with_the_fixture_imports_them(pytester: pytest.Pytester) -> None:
    # The control for the test above: the probe does see the imports when they happen.
    tests = """
        import pytest

        @pytest.mark.tofupay(customers=1, api_keys=["sk_test_x"])
        def test_uses_fixture(tofupay):
            assert len(tofupay.customers()) == 1
    """
    modules = session_modules(pytester, tests, passed=1)
    assert modules == {"plugin": True, "heavy": sorted(HEAVY)}
