"""Console progress while a run works, and the funnel table when it ends.

The DirectRunner's `run()` blocks and reports metrics only at the end, so progress comes from the
workers: the reader logs a rate-limited `progress worker=... files=... records=... bytes=... input_bytes=...`
line (transforms/io/read.py), which reaches the runner process's logging directly (in-memory mode) or through
the Fn API logging service (multi-processing mode, as text containing the line). There `ForwardProgress`
passes each line on to the launcher (pipeline/supervisor.py), where `ProgressState` sums the workers' latest
lines against the input's total size, known at launch, for the percentage, throughput and ETA;
pipeline/console.py shows it (a live display on a terminal, plain lines elsewhere). On other runners the
lines land in the runner's logs, and the console shows the elapsed time.

`funnel_table` renders stats.json's funnel to fit the console's width (80 columns and up): documents and
bytes in and out of each stage, CPU seconds, and the reasons documents were not kept, one per row.
"""

from __future__ import annotations

import collections
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

_PROGRESS_LINE = re.compile(
    r"progress worker=(?P<worker>\w+) files=(?P<files>\d+) records=(?P<records>\d+) bytes=(?P<bytes>\d+)"
    r"(?: input_bytes=(?P<input_bytes>\d+))?"
)
_RATE_WINDOW_SECS = 60.0  # the ETA follows the recent rate, not the average since launch (Beam's startup)
_TOP_REASONS = 5  # reasons listed per stage in the console; the report lists all


class ForwardProgress(logging.Handler):
    """In the process that runs the pipeline: a root logging handler passing each worker progress line to
    `send`, for the duration of a `with` block."""

    def __init__(self, send: Callable[[str], None]):
        super().__init__(level=logging.INFO)
        self._send = send

    def __enter__(self) -> ForwardProgress:
        from corpusforge.transforms.io.read import PROGRESS_LOGGER  # imports Beam: not at the CLI's import time

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


class ProgressState:
    """The workers' latest progress lines, summed, against the input's total files and bytes."""

    def __init__(self, *, total_files: int = 0, total_bytes: int = 0, clock: Callable[[], float] = time.monotonic):
        self.total_files = total_files
        self.total_bytes = total_bytes
        self._clock = clock
        self.started = clock()
        self._workers: dict[str, tuple[int, int, int, int]] = {}
        self._history: collections.deque[tuple[float, int]] = collections.deque()

    def update(self, message: str) -> bool:
        """Takes in a log message; True if it was a progress line."""
        match = _PROGRESS_LINE.search(message)
        if match is None:
            return False
        read = int(match["input_bytes"]) if match["input_bytes"] is not None else 0
        self._workers[match["worker"]] = (int(match["files"]), int(match["records"]), int(match["bytes"]), read)
        now, read = self._clock(), self.input_bytes
        if not self._history or read != self._history[-1][1]:  # the same line arrives twice (raw and relayed)
            self._history.append((now, read))
        while len(self._history) > 2 and now - self._history[0][0] > _RATE_WINDOW_SECS:
            self._history.popleft()
        return True

    @property
    def seen(self) -> bool:
        return bool(self._workers)

    @property
    def files(self) -> int:
        return sum(w[0] for w in self._workers.values())

    @property
    def records(self) -> int:
        return sum(w[1] for w in self._workers.values())

    @property
    def record_bytes(self) -> int:
        return sum(w[2] for w in self._workers.values())

    @property
    def input_bytes(self) -> int:
        return min(sum(w[3] for w in self._workers.values()), self.total_bytes or 1 << 62)

    def elapsed(self) -> float:
        return max(self._clock() - self.started, 1e-9)

    def rate(self) -> float:
        """Input bytes per second over the last minute of progress lines (since launch before that)."""
        if len(self._history) >= 2:
            (t0, b0), (t1, b1) = self._history[0], self._history[-1]
            if t1 - t0 >= 1.0:
                return (b1 - b0) / (t1 - t0)
        return self.input_bytes / self.elapsed()

    def eta(self) -> float | None:
        """Seconds left to read the input at the recent rate; None before there is a rate, 0 when read."""
        if not self.total_bytes or not self.seen:
            return None
        left = self.total_bytes - self.input_bytes
        if left <= 0:
            return 0.0
        rate = self.rate()
        return left / rate if rate > 0 else None

    def done(self) -> bool:
        return bool(self.total_files) and self.files >= self.total_files

    def line(self) -> str:
        """One plain line (logs, CI): what was read of the total, throughput, elapsed, ETA."""
        elapsed = self.elapsed()
        if not self.seen:
            return f"running: {hms(elapsed)} elapsed, waiting for the workers' first progress"
        parts = [
            f"read {_percent(self.input_bytes, self.total_bytes)}{_bytes(self.input_bytes)} of {_bytes(self.total_bytes)}",
            f"{self.files:,}/{self.total_files:,} files",
            f"{self.records:,} records",
            f"{_bytes(self.rate())}/s",
            f"{self.records / elapsed:,.0f} records/s",
            f"{hms(elapsed)} elapsed",
        ]
        if self.done():
            parts.append("reading done; finishing (shuffles, writing)")
        else:
            eta = self.eta()
            parts.append(f"ETA {hms(eta)}" if eta is not None else "ETA unknown")
        return ", ".join(parts)

    def renderable(self, width: int) -> Text:
        """The live display: a bar and two lines of figures, within `width` columns."""
        elapsed = self.elapsed()
        if not self.seen:
            return Text(f"starting the workers… {hms(elapsed)}", style="dim")
        fraction = min(self.input_bytes / self.total_bytes, 1.0) if self.total_bytes else 0.0
        bar_width = max(10, min(40, width - 40))
        filled = int(fraction * bar_width)
        text = Text()
        text.append("reading ")
        text.append("━" * filled, style="green")
        text.append("━" * (bar_width - filled), style="grey37")
        text.append(f" {fraction:>4.0%} {_bytes(self.input_bytes)}/{_bytes(self.total_bytes)}")
        eta = self.eta()
        status = "finishing: shuffles, writing" if self.done() else f"ETA {hms(eta)}" if eta is not None else "ETA …"
        text.append(
            f"\n{self.files:,}/{self.total_files:,} files  {self.records:,} records  {_bytes(self.rate())}/s"
            f"  {self.records / elapsed:,.0f} rec/s  {hms(elapsed)}  {status}"
        )
        return text


def hms(secs: float | None) -> str:
    if secs is None:
        return "?"
    secs = int(round(secs))
    return f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}" if secs >= 3600 else f"{secs // 60}:{secs % 60:02d}"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%} (" if whole else "("


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


# --- the funnel -------------------------------------------------------------------------------------------------


class Funnel:
    """stats.json's funnel as text columns that fit the console (rich renderable): per stage, documents and
    bytes in and out and CPU seconds; under it, what was not kept, by reason (documents and bytes subtracted,
    in the `out` columns). Steps that take CPU but no documents of their own (`tokenizer_training`,
    `tokenizer`) follow the stages, with their CPU seconds only. A reason too long for the first column gets a
    line of its own, never cut."""

    def __init__(self, stats: dict[str, Any], cpu_secs: dict[str, float] | None = None):
        self._stats = stats
        self._cpu = cpu_secs or {}

    def rows(self) -> list[tuple[str, list[str], str]]:
        """(label, cells, style) rows: a stage, then its reasons; then the steps outside the funnel."""
        rows = []
        stages = self._stats["stages"]
        for stage, entry in stages.items():
            inn, out = entry.get("in", {}), entry.get("out", {})
            cpu = self._cpu.get(stage)
            cells = [
                _count(inn.get("records")),
                _count(out.get("records")),
                _bytes(inn["bytes"]) if "bytes" in inn else "",
                _bytes(out["bytes"]) if "bytes" in out else "",
                "" if cpu is None else f"{cpu:,.2f}",
            ]
            rows.append((stage, cells, "bold"))
            reasons = sorted(
                (
                    (counts["records"], counts["bytes"], verdict, reason)
                    for verdict in ("dropped", "skipped", "dead_letter")
                    for reason, counts in entry.get(verdict, {}).items()
                ),
                key=lambda r: (-r[0], r[2], r[3]),
            )
            for records, nbytes, verdict, reason in reasons[:_TOP_REASONS]:
                label = f"  {verdict.replace('_', ' ')} {reason}"
                rows.append((label, ["", f"-{records:,}", "", f"-{_bytes(nbytes)}", ""], _VERDICT_STYLE[verdict]))
            if len(reasons) > _TOP_REASONS:
                rest = reasons[_TOP_REASONS:]
                label = f"  {len(rest)} more reasons"
                rows.append(
                    (label, ["", f"-{sum(r[0] for r in rest):,}", "", f"-{_bytes(sum(r[1] for r in rest))}", ""], "dim")
                )
        for stage, cpu in self._cpu.items():
            if stage not in stages:
                rows.append((stage, ["", "", "", "", f"{cpu:,.2f}"], "bold"))
        return rows

    def lines(self, width: int) -> list[Text]:
        header = ["docs in", "docs out", "bytes in", "bytes out", "CPU s"]
        rows = self.rows()
        keep = [i for i in range(len(header)) if i != 4 or self._cpu]
        widths = [max(len(header[i]), *(len(cells[i]) for _, cells, _ in rows)) for i in keep]
        numbers = sum(widths) + 2 * len(widths)
        name_width = max(12, min(max(len(label) for label, _, _ in rows), width - numbers))
        out = [
            Text(
                "stage".ljust(name_width) + "".join(f"  {header[i]:>{w}}" for i, w in zip(keep, widths)),
                style="bold underline",
            )
        ]
        for label, cells, style in rows:
            numbers_text = "".join(f"  {cells[i]:>{w}}" for i, w in zip(keep, widths)).rstrip()
            if len(label) > name_width:
                out.append(Text(label, style=style))
                label = ""
            padded = label.ljust(name_width) if numbers_text else label
            out.append(Text(padded, style=style) + Text(numbers_text, style=style if style == "bold" else ""))
        s = self._stats
        totals = (
            f"read {s['records_read']:,} = kept {s['kept']:,} + dropped {s['dropped']:,} + skipped {s['skipped']:,}"
            f" + dead-lettered {s['dead_lettered']:,}" + ("" if s["reconciled"] else "  (DOES NOT RECONCILE)")
        )
        out.append(Text(totals, style="bold" if s["reconciled"] else "bold red"))
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("corpusforge funnel", style="bold")
        yield from self.lines(options.max_width)


_VERDICT_STYLE = {"dropped": "yellow", "skipped": "dim", "dead_letter": "red"}


def funnel_table(stats: dict[str, Any], cpu_secs: dict[str, float] | None = None) -> Funnel:
    """The funnel of a run's stats (and CPU seconds per stage, from timings.json), for `console.print`."""
    return Funnel(stats, cpu_secs)


def bias_flags(stats: dict[str, Any]) -> list[str]:
    """One line per (stage, group) the bias audit flags: the stage drops that group's documents more than
    twice as often as the others (accounting.bias_audit)."""
    return [
        f"bias audit: stage {f['stage']} drops {f['drop_rate']:.1%} of {f['in']:,} documents mentioning {f['group']}, "
        f"against {f['base_rate']:.1%} of the others" + (f" (ratio {f['ratio']:.2f})" if f["ratio"] is not None else "")
        for f in stats.get("bias_audit", {}).get("flagged", [])
    ]


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}"
