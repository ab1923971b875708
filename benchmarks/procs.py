"""Child processes for the benchmarks: started with a bounded wait for their ``READY`` line, stopped by pid."""

from __future__ import annotations

import select
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from benchmarks.common import ROOT


class Child:
    """A process started by a benchmark; stderr goes to ``log``."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT):
        self.log_path = log
        self._log: IO[bytes] = log.open("wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, cwd=cwd, env=env)

    @classmethod
    def module(cls, module: str, *args: str, log: Path, env: dict[str, str] | None = None) -> Child:
        return cls([sys.executable, "-m", module, *args], log, env)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_line(self, prefix: str, timeout: float) -> str:
        """The first stdout line starting with ``prefix``; raises if the process ends or ``timeout`` passes."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = self.proc.stdout.read1(4096)  # type: ignore[attr-defined]
                if not chunk:
                    break
                buffer += chunk
                for line in buffer.decode(errors="replace").splitlines():
                    if line.startswith(prefix):
                        return line[len(prefix):].strip()
            elif self.proc.poll() is not None:
                break
        raise RuntimeError(f"{' '.join(self.proc.args)} did not print {prefix!r} (exit {self.proc.poll()}); "
                           f"log {self.log_path}: {self.tail()}")

    def tail(self, lines: int = 15) -> str:
        self._log.flush()
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode
