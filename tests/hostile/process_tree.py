"""Peak resident memory of a process and all its descendants, sampled from /proc (Linux).

`run_sampled(args)` runs a command and samples, every `interval` seconds, the sum of the resident set sizes
(VmRSS: `/proc/<pid>/statm` resident pages) of the process and every process below it: the DirectRunner's
worker processes and SDK harnesses included. A sum of RSS counts pages that processes share (the
interpreter, libraries, copy-on-write pages after fork) once per process, so it is an upper bound of what
the tree holds; a spike shorter than the interval can be missed. It also reports the CPU seconds (user +
system) of the whole tree, from the kernel's accounting of waited-for children (`RUSAGE_CHILDREN`): exact for
every process reaped below the command, the fair measure of work on a shared machine.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import subprocess
import time
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _parents() -> dict[int, int]:
    """pid → parent pid of every process now running."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        # the command name is in parentheses and may hold spaces: the fields after its last ")" are fixed
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return parents


def tree_rss(root: int) -> list[int]:
    """Bytes resident now in `root` and in each of its descendants, one number per process."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    sizes, todo = [], [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            sizes.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE)
        except OSError:
            continue
    return sizes


@dataclasses.dataclass(frozen=True)
class SampledRun:
    returncode: int
    seconds: float
    peak_rss: int  # bytes, the largest sum over the tree seen
    peak_process_rss: int  # bytes, the largest single process seen
    cpu_seconds: float  # user + system of the command and every process it (or they) waited for
    stdout: str
    stderr: str


def run_sampled(args: list[str], *, interval: float = 0.1, timeout: float = 600, **popen) -> SampledRun:
    """Run `args`, sampling the tree's RSS until it exits (killed after `timeout` seconds)."""
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = peak_process = 0
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen) as proc:
        while True:
            sizes = tree_rss(proc.pid)
            peak, peak_process = max(peak, sum(sizes)), max(peak_process, *sizes, 0)
            try:  # waits up to `interval`; a retried communicate() loses no output
                stdout, stderr = proc.communicate(timeout=interval)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - started > timeout:
                    proc.kill()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return SampledRun(proc.returncode, time.monotonic() - started, peak, peak_process, cpu, stdout, stderr)
