"""A ``tofupay-fake serve`` subprocess for tests: ready line, signals, pipes drained."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from types import TracebackType

import pytest

#: Generous bounds so a slow, shared machine never fails a test; a hang still ends.
READY_TIMEOUT = 30.0
EXIT_TIMEOUT = 30.0
READY = re.compile(
    r"tofupay-fake serving (http://([^ ]+):(\d+)) \(seed (-?\d+)\)(, webhooks to .+)?"
)


def python_m() -> list[str]:
    return [sys.executable, "-m", "tofupay_fake"]


def console_script() -> list[str]:
    """The installed ``tofupay-fake`` command of this interpreter's environment."""
    found = shutil.which("tofupay-fake", path=os.path.dirname(sys.executable))
    assert found is not None, f"tofupay-fake is not installed beside {sys.executable}"
    return [found]


class Served:
    """A ``serve`` subprocess. Threads drain stdout (line by line) and stderr.

    ``with Served(...) as served:`` kills and reaps the process on the way out
    if the test did not stop it, and closes its pipes.
    """

    def __init__(self, *args: str, command: Sequence[str] | None = None) -> None:
        argv = [*(command or python_m()), "serve", *args]
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._pumps = [
            threading.Thread(target=self._pump_stdout, daemon=True),
            threading.Thread(target=self._pump_stderr, daemon=True),
        ]
        for pump in self._pumps:
            pump.start()
        self.url = ""
        self.ready_line = ""

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    def ready(self, timeout: float = READY_TIMEOUT) -> re.Match[str]:
        """Wait for the ready line; its match (``url`` is set from it)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no ready line within {timeout} s; stderr so far: {self.stderr!r}")
        if line is None:
            code = self.proc.wait(EXIT_TIMEOUT)
            pytest.fail(f"the server exited ({code}) before it was ready: {self.stderr!r}")
        self.ready_line = line.rstrip("\n")
        match = READY.fullmatch(self.ready_line)
        assert match is not None, self.ready_line
        self.url = match.group(1)
        return match

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum``, wait for the exit (bounded); the exit status, pipes drained."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            code = self.proc.wait(EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.close()
            pytest.fail(f"the server did not exit within {EXIT_TIMEOUT} s of {signum!r}")
        self._finish()
        return code

    def stdout_rest(self) -> str:
        """What the server printed to stdout after its ready line (after it exited)."""
        rest = []
        while (line := self._lines.get(timeout=EXIT_TIMEOUT)) is not None:
            rest.append(line)
        return "".join(rest)

    def _finish(self) -> None:
        for pump in self._pumps:
            pump.join(EXIT_TIMEOUT)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(EXIT_TIMEOUT)
        self._finish()

    def __enter__(self) -> Served:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
