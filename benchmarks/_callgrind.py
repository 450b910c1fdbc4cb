"""Count the CPU instructions a command executes, with ``valgrind --tool=callgrind``.

Shared by the benchmarks that quote instruction counts: unlike time, the count
does not move when other processes compete for the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path


def available() -> bool:
    """Whether ``valgrind`` is on the PATH."""
    return shutil.which("valgrind") is not None


def instructions(
    command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> int:
    """Instructions ``command`` executes under callgrind, with ``PYTHONHASHSEED=0``.

    The command must exit 0. A fixed hash seed makes the count repeat to within
    a few instructions.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
            check=True,
            capture_output=True,
            cwd=cwd,
            env={**(os.environ if env is None else env), "PYTHONHASHSEED": "0"},
        )
        text = out.read_text()
    found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    if found is None:
        raise RuntimeError(f"no instruction total in callgrind's output for {command}")
    return int(found.group(1))
