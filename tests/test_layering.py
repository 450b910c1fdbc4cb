"""The package's imports point one way: no cycles, and the core never imports a transport.

Every module is imported (so none is broken), and the import graph is read
from the source: module-level imports, imports inside functions and imports
for type checking alike.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
from pathlib import Path

import tofupay_fake

PACKAGE = Path(tofupay_fake.__file__).parent
#: Above the state machine: what intercepts, serves or plugs it in. Nothing below may import
#: these (the state machine knows nothing of interception, serving or pytest).
ABOVE_THE_CORE = (
    "tofupay_fake.transports",
    "tofupay_fake.fake",
    "tofupay_fake.pytest_plugin",
    "tofupay_fake.control",
    "tofupay_fake.dashboard",
    "tofupay_fake.__main__",
)


@functools.cache  # walking the package imports its subpackages: once is enough
def modules() -> tuple[str, ...]:
    found = ["tofupay_fake"]
    for info in pkgutil.walk_packages([str(PACKAGE)], "tofupay_fake."):
        found.append(info.name)
    return tuple(sorted(found))


def source_of(name: str) -> Path:
    relative = Path(*name.split(".")[1:])
    package = PACKAGE / relative / "__init__.py"
    return package if package.exists() else (PACKAGE / relative).with_suffix(".py")


@functools.cache
def imports_of(name: str) -> frozenset[str]:
    """The package's modules that ``name`` imports, anywhere in its source."""
    tree = ast.parse(source_of(name).read_text(encoding="utf-8"))
    is_package = source_of(name).name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    known = set(modules())
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                module = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    if name == "tofupay_fake":  # the lazy names of __init__ point down by design
        found.clear()
    return frozenset(found)


def test_every_module_imports() -> None:
    for name in modules():
        if name.endswith(("_transport", "_compat_aiohttp", "_compat_requests", "__main__")):
            continue  # their client library may be absent; __main__ runs the command line
        importlib.import_module(name)


def test_the_import_graph_has_no_cycle() -> None:
    graph = {name: imports_of(name) for name in modules()}
    state: dict[str, int] = {}
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert cycles == []


def test_the_core_imports_no_transport() -> None:
    below = [n for n in modules() if n != "tofupay_fake" and not n.startswith(ABOVE_THE_CORE)]
    assert "tofupay_fake.core" in below
    for name in below:
        above = sorted(target for target in imports_of(name) if target.startswith(ABOVE_THE_CORE))
        assert above == [], f"{name} imports {above}"


def test_transports_never_import_the_facade() -> None:
    for name in modules():
        if name.startswith("tofupay_fake.transports") and name != "tofupay_fake.transports.cli":
            assert "tofupay_fake.fake" not in imports_of(name), name
