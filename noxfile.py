"""The Python and dependency matrix: ``nox -l`` lists the sessions.

- ``tests-3.11`` runs the whole suite (as CI does); ``tests-3.12`` and ``tests-3.13`` run
  the representative subset below. ``nox -s tests-3.12 -- tests`` runs whatever pytest
  arguments follow ``--`` instead.
- ``lowest``: every direct dependency at the lowest version ``pyproject.toml`` allows
  (resolved by ``uv pip compile --resolution lowest-direct``); ``latest``: the newest of
  everything the bounds allow. Both run the subset.
- ``docs``: ``mkdocs build --strict``.
- ``wheel``: build the sdist and wheel, ``twine check`` them, install the wheel into a fresh
  venv and run the example application's suite (``conftest_plugin/``) from a copy outside the
  checkout, so only the installed package can be imported.

The interpreters come from pyenv when it is there (their ``bin`` directories are put on
``PATH``); a missing interpreter fails its session rather than skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYTHONS = ["3.11", "3.12", "3.13"]
LOWEST_PYTHON = PYTHONS[0]

nox.options.error_on_missing_interpreters = True
nox.options.download_python = "never"  # the pyenv interpreters, never a download
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = [
    "tests-3.11",
    "tests-3.12",
    "tests-3.13",
    "lowest",
    "latest",
    "docs",
    "wheel",
]

#: A representative subset: every unit and plugin test, and the API scenarios over httpx's
#: sync client (the other transports' runs of the same scenarios are left out). No browser
#: tests: they need Chromium and Playwright, and run in the full suite.
SUBSET = [
    "tests/unit",
    "tests/plugin",
    "tests/api",
    "-k",
    "unit or plugin or (sync and not async)",
]
PYTEST = ["python", "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q"]


def _pyenv_bin_dirs() -> list[str]:
    """The ``bin`` directory of the newest pyenv install of each of ``PYTHONS``."""
    if shutil.which("pyenv") is None:
        return []
    bare = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    dirs = []
    for minor in PYTHONS:
        found = [v for v in bare if v.startswith(minor + ".") and v[len(minor) + 1 :].isdigit()]
        if not found:
            continue  # nox then looks on PATH, and fails the session if it is not there
        newest = max(found, key=lambda v: int(v.rsplit(".", 1)[1]))
        prefix = subprocess.run(
            ["pyenv", "prefix", newest], capture_output=True, text=True, check=False
        ).stdout.strip()
        if prefix:
            dirs.append(str(Path(prefix) / "bin"))
    return dirs


os.environ["PATH"] = os.pathsep.join([*_pyenv_bin_dirs(), os.environ.get("PATH", "")])
# uv must use these interpreters, never download one: a missing Python is an error.
os.environ["UV_PYTHON_DOWNLOADS"] = "never"


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite: whole on 3.11, the subset on newer Pythons (or the args after ``--``)."""
    full = session.python == LOWEST_PYTHON
    session.install(".[test]")  # playwright included: the browser tests run in the full suite
    args = session.posargs or (["tests"] if full else SUBSET)
    session.run(*PYTEST, *args)
    if full and not session.posargs:
        session.chdir("conftest_plugin")
        session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q")


@nox.session(python=LOWEST_PYTHON)
def lowest(session: nox.Session) -> None:
    """Every direct dependency, runtime and test, at its lowest allowed version: the
    subset, then the server tests."""
    session.install("uv")
    pins = Path(session.create_tmp()).resolve() / "lowest.txt"
    session.run(
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--extra",
        "test",
        "--resolution",
        "lowest-direct",
        "--python-version",
        LOWEST_PYTHON,
        "--quiet",
        "--output-file",
        str(pins),
    )
    session.log("lowest versions:\n" + _direct_pins(pins))
    session.install("-r", str(pins))
    session.install("--no-deps", ".")
    _log_versions(session)
    session.run(*PYTEST, *(session.posargs or SUBSET))
    if not session.posargs:  # the server on the oldest uvicorn: its stop reaches inside it
        session.run(*PYTEST, "tests/server")


@nox.session(python=PYTHONS[-1])
def latest(session: nox.Session) -> None:
    """The newest version of everything the bounds allow, on the newest Python."""
    session.install("--upgrade", ".[test]")
    _log_versions(session)
    session.run(*PYTEST, *(session.posargs or SUBSET))


@nox.session(python=LOWEST_PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning (a broken link, a bad reference) fails."""
    session.install("mkdocs-material", "mkdocstrings[python]")
    site = Path(session.create_tmp()).resolve() / "site"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(site))


@nox.session(python=LOWEST_PYTHON)
def wheel(session: nox.Session) -> None:
    """Build, ``twine check``, install the wheel into a fresh venv and run the example app."""
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build", "twine", "uv")
    session.run("python", "-m", "build", "--outdir", str(dist))
    built = sorted(str(path) for path in dist.iterdir())
    session.run("twine", "check", "--strict", *built)
    (wheel_file,) = dist.glob("*.whl")
    _check_package_files(session, wheel_file)

    venv = tmp / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    # A plain venv, as a user makes it; uv only installs into it (pip would take minutes).
    session.run("uv", "pip", "install", "--quiet", "--python", python, f"{wheel_file}[test]")

    app = tmp / "conftest_plugin"
    shutil.rmtree(app, ignore_errors=True)
    shutil.copytree(ROOT / "conftest_plugin", app, ignore=shutil.ignore_patterns("__pycache__"))
    session.chdir(app)
    where = session.run(
        python,
        "-c",
        "import tofupay_fake; print(tofupay_fake.__file__)",
        external=True,
        silent=True,
    )
    if not str(where).strip().startswith(str(venv)):
        session.error(f"tofupay_fake was imported from {where!r}, not from the installed wheel")
    session.run(python, "-m", "pytest", "-p", "no:cacheprovider", "-q", external=True)


#: The distributions whose versions a ``lowest`` or ``latest`` run prints.
WATCHED = (
    "httpx respx faker sortedcontainers pytest pytest-xdist pytest-asyncio hypothesis requests "
    "aiohttp httpx2 uvicorn starlette stripe"
)


def _log_versions(session: nox.Session) -> None:
    """Print the installed version of each of ``WATCHED``."""
    code = (
        "import importlib.metadata as m, sys; "
        "print(' '.join(f'{n}=={m.version(n)}' for n in sys.argv[1:]))"
    )
    session.run("python", "-c", code, *WATCHED.split())


def _direct_pins(pins: Path) -> str:
    """The ``name==version`` lines of the compiled requirements (for the session log)."""
    return "\n".join(
        line for line in pins.read_text().splitlines() if line and not line.startswith(" ")
    )


def _check_package_files(session: nox.Session, wheel_file: Path) -> None:
    """Every file of the package in the checkout is in the wheel (data files included)."""
    package = ROOT / "tofupay_fake"
    wanted = {
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    with zipfile.ZipFile(wheel_file) as archive:
        shipped = set(archive.namelist())
    missing = sorted(wanted - shipped)
    if missing:
        session.error(f"files missing from {wheel_file.name}: {', '.join(missing)}")
    session.log(f"{wheel_file.name}: all {len(wanted)} package files present")


if __name__ == "__main__":  # pragma: no cover - ``python noxfile.py`` is not the way
    sys.exit("run the sessions with nox: nox -l")
