"""Shared bits of the plugin tests: the sub-session ini, a recorded sub-session run, the API constants."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import anyio  # noqa: F401
import httpx  # noqa: F401
import pytest
import responses  # noqa: F401
import respx  # noqa: F401

from tofupay_fake.seeding import make_faker

# pytester's in-process runs drop the modules a sub-session imported, so the
# heavy ones are imported here once instead of in every sub-session: the HTTP
# clients the fixture intercepts (aiohttp, requests and responses, httpx2: about
# half a second a sub-session) and a Faker, which imports its locale's providers
# when it is made.
for _client in ("aiohttp", "httpx", "httpx2", "requests", "urllib"):
    importlib.import_module(f"tofupay_fake.transports.{_client}_transport")
make_faker(0)

URL = "https://api.tofupay.com/v1/customers"
KEY = "sk_test_123"

# Sub-sessions are as strict as ours: any warning is an error. Their assertions are
# plain unless a test asks otherwise: a sub-session is read for what the plugin did, and
# rewriting costs each one a read of every installed pytest plugin's file list (Faker's
# has 1,500 files) besides the rewriting itself: ~25 ms, a quarter of a small run.
_INI = """
[pytest]
addopts = -p no:cacheprovider -p no:hypothesispytest --assert={asserts}
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
filterwarnings =
    error
{extra}
"""


def without_ca_bundle(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """httpx clients made from now on, here and in sub-processes, load no CA bundle.

    A client loads its CA bundle (certifi's, or ``$SSL_CERT_FILE``) when it is made:
    about 25 ms of CPU, and the sub-sessions make well over a hundred. With no
    ``$SSL_CERT_FILE`` and ``$SSL_CERT_DIR`` an empty folder, it loads nothing: OpenSSL
    reads a certificate folder only during a TLS handshake, and no sub-session makes
    one (the fake answers inside the client; a real handshake would fail to verify).
    """
    folder.mkdir(exist_ok=True)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))


def write_ini(pytester: pytest.Pytester, extra: str = "", *, asserts: str = "plain") -> None:
    """(Re)write the sub-session's ini file, with ``extra`` lines appended.

    ``asserts="rewrite"`` has pytest rewrite the assertions, as in a user's session.
    """
    pytester.makeini(_INI.format(extra=extra, asserts=asserts))


#: The sub-sessions of :func:`refused_markers_run`, by template.
_REFUSED_RUNS: dict[str, pytest.RunResult] = {}


def refused_markers_run(
    pytester: pytest.Pytester, markers: list[str], tests: str
) -> pytest.RunResult:
    """One sub-session, made once per process, in which each of ``markers`` marks the
    ``tests`` template (``{index}`` and ``{marker}`` filled in, each test's body failing
    if it runs), beside a test without a marker; every marked test must be an error with
    no body run and no traceback."""
    if tests not in _REFUSED_RUNS:
        write_ini(pytester)
        made = [tests.format(index=index, marker=marker) for index, marker in enumerate(markers)]
        unaffected = "\ndef test_unaffected(tofupay):\n    assert tofupay.started\n"
        pytester.makepyfile("import pytest\n" + "".join(made) + unaffected)
        result = pytester.runpytest()
        result.assert_outcomes(passed=1, errors=sum(text.count("def test_") for text in made))
        result.stdout.no_fnmatch_line("*the test body must not run*")
        result.stdout.no_fnmatch_line("*Traceback*")
        _REFUSED_RUNS[tests] = result
    return _REFUSED_RUNS[tests]


def error_sections(result: pytest.RunResult) -> dict[str, list[str]]:
    """Each test's lines in the ERRORS part of a sub-session's output, by test name."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in result.outlines:
        if line.startswith("_") and " ERROR at " in line:
            current = found.setdefault(line.strip("_ ").split(" of ", 1)[1], [])
        elif line.startswith("="):
            current = None
        elif current is not None:
            current.append(line)
    return found


def run_recorded(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tag: str,
    *args: str,
    passed: int,
) -> Path:
    """Run the sub-session with ``args``, its tests recording into ``out/<tag>``; that folder.

    It asserts that exactly ``passed`` tests passed.
    """
    out = pytester.path / "out" / tag
    out.parent.mkdir(exist_ok=True)
    monkeypatch.setenv("TOFUPAY_OUT", str(out))
    # Under an outer xdist run, sub-sessions would inherit the outer worker's name.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=passed)
    return out


class Started:
    """A sub-session started in a process of its own, recording into ``out/<tag>``.

    It runs while this process goes on (with in-process sub-sessions, say). Use it
    as a context manager: :meth:`wait` waits for it, asserts that exactly ``passed``
    tests passed and returns the folder; leaving the block ends it if still running.
    """

    def __init__(self, pytester: pytest.Pytester, tag: str, *args: str) -> None:
        self.out = pytester.path / "out" / tag
        self.out.parent.mkdir(exist_ok=True)
        basetemp = pytester.path / f"basetemp-{tag}"
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TOFUPAY_OUT", str(self.out))
            # Under an outer xdist run, sub-sessions would inherit the outer worker's name.
            env.delenv("PYTEST_XDIST_WORKER", raising=False)
            self.process = pytester.popen(
                [sys.executable, "-m", "pytest", f"--basetemp={basetemp}", *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )

    def __enter__(self) -> Started:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()

    def wait(self, *, passed: int) -> Path:
        stdout, stderr = self.process.communicate(timeout=300)
        result = pytest.RunResult(
            self.process.returncode,
            stdout.decode().splitlines(),
            stderr.decode().splitlines(),
            0.0,
        )
        assert result.ret == 0, "\n".join(result.outlines + result.errlines)
        result.assert_outcomes(passed=passed)
        return self.out
