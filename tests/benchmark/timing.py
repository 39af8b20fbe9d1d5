"""Timing whole processes, round by round, so that every tool meets the same machine.

Linux (and other Unixes) only: the peak memory of a process and its children comes from
`os.wait4`, which Windows lacks; the benchmark is run on the build machine, not by writers.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    """One timed run: wall seconds, CPU seconds, the peak memory of the largest process, its stderr."""

    wall: float
    cpu: float
    peak_mib: float
    said: str = ""


@dataclass
class Case:
    """A command to time in a site folder, with what to do (untimed) before each run.

    `tool` is an anchor's name or a cxsite variant's label; `cxsite` tells which.
    """

    tool: str
    size: int
    name: str
    folder: Path
    command: list[str]
    before: Callable[[], None] | None = None
    env: dict[str, str] | None = None
    cxsite: bool = False
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str = "wall") -> float:
        """The median of the samples' attribute."""
        return statistics.median(getattr(s, attribute) for s in self.samples)

    def spread(self) -> str:
        """min–max of the wall times."""
        walls = [s.wall for s in self.samples]
        return f"{min(walls):.2f}–{max(walls):.2f}"

    def peak(self) -> float:
        """The highest peak memory of all runs, in MiB."""
        return max(s.peak_mib for s in self.samples)

    def run(self) -> Sample:
        """Do the untimed preparation, then time the command once."""
        if self.before:
            self.before()
        return timed(self.command, self.folder, self.env)


def timed(command: list[str], folder: Path, env: dict[str, str] | None = None) -> Sample:
    """Run a command to its end; return its wall and CPU time and peak memory (wait4)."""
    # Python's default is to keep compiled bytecode; a machine that turns it off
    # (PYTHONDONTWRITEBYTECODE) would have the Python tools recompile themselves on every run.
    env = {name: value for name, value in (env or os.environ).items() if name != "PYTHONDONTWRITEBYTECODE"}
    # stderr goes to a file: a pipe could fill up and stall the build, a reader thread would be timed.
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        stderr.seek(0)
        said = stderr.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"failed in {folder}: {' '.join(command)}\n{said}")
    # ru_maxrss covers the process and its waited-for children (cxsite's forked workers).
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, said)


def shell(script: str) -> list[str]:
    """A command running a shell script (for `rm -rf out && build`)."""
    return ["sh", "-c", script]


def measure(groups: list[list[Case]], runs: int) -> None:
    """Warm every case up once, then time `runs` rounds, each round every case once.

    Cases of one group (the same case of every tool) run one after another, starting one
    tool later each round, so neither drift of the machine nor going first favours a tool.
    """
    for group in groups:
        for case in group:
            said = case.run().said.strip()
            if said:  # a warning in the warm-up may mean the case is not what it seems
                print(f"  {case.tool} {case.size} {case.name} said:\n    "
                      + "\n    ".join(said.splitlines()[:5]), file=sys.stderr)
    for round_number in range(runs):
        for group in groups:
            turn = round_number % len(group)
            for case in group[turn:] + group[:turn]:
                case.samples.append(case.run())
        print(f"  round {round_number + 1}/{runs} done", file=sys.stderr)
