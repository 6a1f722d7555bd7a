"""Console progress while a run works, and the funnel table when it ends.

The DirectRunner's `run()` blocks and reports metrics only at the end, so progress comes from the
workers: the reader logs a rate-limited `progress worker=... records=... bytes=...` line, which reaches
the runner process's logging directly (in-memory mode) or through the Fn API logging service
(multi-processing mode, as text containing the line). There `ForwardProgress` passes each line on to the
launcher (pipeline/supervisor.py), whose `ProgressDisplay` shows their sum: a live line on a terminal,
plain lines otherwise. On other runners the lines land in the runner's logs.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from corpusforge.transforms.io.read import PROGRESS_LOGGER

_PROGRESS_LINE = re.compile(
    r"progress worker=(?P<worker>\w+) files=(?P<files>\d+) records=(?P<records>\d+) bytes=(?P<bytes>\d+)"
)


class ForwardProgress(logging.Handler):
    """In the process that runs the pipeline: a root logging handler passing each worker progress line to
    `send`, for the duration of a `with` block."""

    def __init__(self, send: Callable[[str], None]):
        super().__init__(level=logging.INFO)
        self._send = send

    def __enter__(self) -> ForwardProgress:
        logging.getLogger(PROGRESS_LOGGER).setLevel(logging.INFO)
        root = logging.getLogger()
        # The Fn API logging service re-logs worker lines at INFO on the root logger, so the root must let
        # INFO through; its other handlers keep their own levels.
        self._saved_level = root.level
        root.setLevel(logging.INFO)
        root.addHandler(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._saved_level)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            match = _PROGRESS_LINE.search(record.getMessage())
        except Exception:  # a malformed third-party record must not break the run
            return
        if match is not None:
            self._send(match.group(0))


class ProgressDisplay:
    """The launcher's progress: the sum of every worker's latest progress line (`update`)."""

    def __init__(self, console: Console, *, plain_interval_secs: float = 10.0):
        self._console = console
        self._workers: dict[str, tuple[int, int, int]] = {}
        self._started = time.monotonic()
        self._live = Live(console=console, transient=True, auto_refresh=False) if console.is_terminal else None
        self._plain_interval = plain_interval_secs
        self._last_plain = 0.0

    def __enter__(self) -> ProgressDisplay:
        if self._live:
            self._live.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live:
            self._live.stop()

    def update(self, line: str) -> None:
        """Take one worker's progress line (`progress worker=... files=... records=... bytes=...`)."""
        match = _PROGRESS_LINE.search(line)
        if match is None:
            return
        self._workers[match["worker"]] = (int(match["files"]), int(match["records"]), int(match["bytes"]))
        self._show()

    def summary(self) -> str:
        files = sum(w[0] for w in self._workers.values())
        records = sum(w[1] for w in self._workers.values())
        nbytes = sum(w[2] for w in self._workers.values())
        elapsed = max(time.monotonic() - self._started, 1e-9)
        return (
            f"read {files:,} files, {records:,} records, {nbytes / 1e6:,.1f} MB "
            f"({records / elapsed:,.0f} records/s, {nbytes / 1e6 / elapsed:,.1f} MB/s), {elapsed:,.0f}s elapsed"
        )

    def _show(self) -> None:
        if self._live:
            self._live.update(Text(self.summary()), refresh=True)
        elif time.monotonic() - self._last_plain >= self._plain_interval:
            self._last_plain = time.monotonic()
            print(self.summary(), file=sys.stderr, flush=True)


def funnel_table(stats: dict[str, Any], *, top_reasons: int = 3) -> Table:
    """Records and bytes in and out of every stage, with its top drop/skip/dead-letter reasons."""
    table = Table(title="corpusforge funnel", title_justify="left")
    for column in ("stage", "records in", "MB in", "records out", "MB out", "top reasons (records)"):
        table.add_column(
            column,
            justify="left" if column in ("stage", "top reasons (records)") else "right",
            min_width=30 if column.startswith("top") else None,
        )
    for stage, entry in stats["stages"].items():
        inn, out = entry.get("in", {}), entry.get("out", {})
        reasons = [
            (counts["records"], f"{verdict}:{reason}")
            for verdict in ("dropped", "skipped", "dead_letter")
            for reason, counts in entry.get(verdict, {}).items()
        ]
        top = "\n".join(f"{name} {n:,}" for n, name in sorted(reasons, key=lambda r: (-r[0], r[1]))[:top_reasons])
        table.add_row(
            stage,
            _fmt(inn.get("records")),
            _mb(inn.get("bytes")),
            _fmt(out.get("records")),
            _mb(out.get("bytes")),
            top,
        )
    table.caption = (
        f"read {stats['records_read']:,} = kept {stats['kept']:,} + dropped {stats['dropped']:,} + "
        f"skipped {stats['skipped']:,} + dead-lettered {stats['dead_lettered']:,}"
        + ("" if stats["reconciled"] else "  (DOES NOT RECONCILE)")
    )
    return table


def bias_flags(stats: dict[str, Any]) -> list[str]:
    """One line per (stage, group) the bias audit flags: the stage drops that group's documents more than
    twice as often as the others (accounting.bias_audit)."""
    return [
        f"bias audit: stage {f['stage']} drops {f['drop_rate']:.1%} of {f['in']:,} documents mentioning {f['group']}, "
        f"against {f['base_rate']:.1%} of the others" + (f" (ratio {f['ratio']:.2f})" if f["ratio"] is not None else "")
        for f in stats.get("bias_audit", {}).get("flagged", [])
    ]


def _fmt(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def _mb(n: int | None) -> str:
    return "" if n is None else f"{n / 1e6:,.2f}"
