"""The fixture's bytes do not depend on the process or on how xdist splits the tests.

One xdist run (two workers) of both recording projects, the seed's (test_seed.py)
and the world's (test_world.py), side by side in one folder: each test must write
the same bytes as in the plain runs those modules make in this process.
"""

from __future__ import annotations

import os
from itertools import chain

import pytest

from . import test_seed as seed
from . import test_world as world
from ._helpers import Started, write_ini


def test_same_bytes_in_other_processes_and_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ini(pytester)
    seed.write_project(pytester)
    world.write_project(pytester)
    # Two fresh worker processes, with another hash seed than this one's (where the
    # plain runs are made): nothing may depend on the process, its hash seed (set or
    # dict order of strings), what it ran before, or how xdist splits the tests.
    monkeypatch.setenv("PYTHONHASHSEED", "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1")
    # The two projects' tests alternate: xdist hands each worker two consecutive tests
    # first, so each project's tests are split between both workers.
    order = list(chain.from_iterable(zip(world.NODE_IDS, seed.NODE_IDS, strict=True)))
    with Started(pytester, "xdist", "-s", "-n", "2", *order) as started:
        plain_seed = seed.default_run(pytester, monkeypatch)
        plain_world = world.default_run(pytester, monkeypatch)
        out = started.wait(passed=len(order))
    parallel_seed = seed.Run(out / seed.FOLDER)
    assert set(plain_seed.workers.values()) == {"main"}
    assert set(parallel_seed.workers.values()) == {"gw0", "gw1"}
    assert set(parallel_seed.workers) == seed.ALL
    assert parallel_seed.bodies == plain_seed.bodies
    assert world.workers(out / world.FOLDER) == {"gw0", "gw1"}
    assert world.bodies(out / world.FOLDER) == plain_world
