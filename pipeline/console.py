"""The console of `corpusforge run`: live progress, and only the log lines a person needs, never interleaved.

A run's console receives three streams: corpusforge's own output, the launcher's Python logging (Beam's
included), and whatever the runner's worker processes write to the inherited standard error (the
DirectRunner's workers print their startup chatter and every log line there, and relay them again through
Beam's logging service). `ConsoleSession` takes all of them for the duration of the command: it points
file descriptor 2 at a pipe read by a thread, and puts one handler on the root logger; each line is
classified (`LogLine`: level, whether it is Beam's, whether it is a progress line) and shown or not by mode:

    quiet    errors, and the final summary
    normal   errors; warnings that are not Beam's; the live progress display (a terminal) or a progress
             line every `plain_interval` seconds (logs, CI)
    verbose  everything, Beam's warnings and INFO lines included

Shown lines go through the same rich console as the live display (printed above it), or to the saved
standard error without a terminal. Progress lines feed `progress.ProgressState`. An error relayed from a
worker is shown as its first line and its exception (the full traceback with --verbose).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
import threading
from collections.abc import Sequence
from typing import Literal

from rich.console import Console
from rich.live import Live
from rich.text import Text

from corpusforge.pipeline import files
from corpusforge.pipeline.layout import REPORT, STATS, TIMINGS
from corpusforge.pipeline.output_dir import current_run
from corpusforge.pipeline.progress import ProgressState, bias_flags, funnel_table

Mode = Literal["quiet", "normal", "verbose"]

# The Fn API logging service re-logs worker records on the launcher as one line:
# `Worker: severity: WARN timestamp {...} message: "..." log_location: "/path/file.py:12" thread: "..."`.
_RELAYED = re.compile(
    r'Worker: severity: (?P<severity>\w+) .*? message: "(?P<message>(?:[^"\\]|\\.)*)"'
    r'(?: instruction_id: "[^"]*")?(?: transform_id: "[^"]*")? log_location: "(?P<location>[^"]*)"',
    re.DOTALL,
)
_SEVERITY = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "NOTICE": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
# A worker process's own stderr before (and beside) the logging service: logging.basicConfig's format.
_RAW_RECORD = re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<name>[\w.<>]+):(?P<message>.*)$")
_ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|\b\w*(Error|Exception)\b:|Segmentation fault|Killed")
# The C++ runtime under Beam (gRPC, absl) logs in glog's format, `E0000 00:00:1700000000.1 ...`.
_RUNTIME_LINE = re.compile(r"^[EWIF]\d{4} \d\d:\d\d:\d\d|^WARNING: All log messages before absl")
# Loggers and code locations that are Beam's (or its runtime's): their warnings are noise to a user.
_BEAM_NAMES = re.compile(r"^(apache_beam|__main__|absl|grpc|google)(\.|$)")
_BEAM_PATHS = ("apache_beam", "site-packages/google/", "site-packages/grpc")


@dataclasses.dataclass(frozen=True)
class LogLine:
    """One line (or record) of log output, classified."""

    level: int
    text: str
    beam: bool  # Beam's own chatter (shown with --verbose, or at ERROR)
    progress: bool = False  # a worker's progress line: feeds the display, never printed


def classify_record(record: logging.LogRecord) -> LogLine:
    """A launcher log record; a worker record relayed by Beam's logging service is judged as the worker's."""
    message = record.getMessage()
    if record.exc_info and record.levelno >= logging.ERROR:
        message += "\n" + logging.Formatter().formatException(record.exc_info)
    relayed = _RELAYED.search(message) if message.startswith("Worker: severity:") else None
    if relayed:
        text = _unescape(relayed["message"])
        level = _SEVERITY.get(relayed["severity"].upper(), logging.INFO)
        location = relayed["location"]
        return LogLine(level, text, any(p in location for p in _BEAM_PATHS), "progress worker=" in text)
    beam = bool(_BEAM_NAMES.match(record.name)) or any(p in (record.pathname or "") for p in _BEAM_PATHS)
    return LogLine(
        record.levelno, message, beam and not record.name.startswith("corpusforge"), "progress worker=" in message
    )


def classify_raw(line: str, previous: LogLine | None) -> LogLine:
    """A line a process wrote to standard error. Worker processes log in logging.basicConfig's format (and
    relay the same records through the logging service, so these are shown only with --verbose, or when they
    are errors); other lines continue the record before them (a traceback), or stand alone: an error, the C++
    runtime's logs (Beam's), or anything else (a warning: something wrote it for a person to read)."""
    match = _RAW_RECORD.match(line)
    if match:
        level = getattr(logging, match["level"])
        text = match["message"]
        return LogLine(level, text, not match["name"].startswith("corpusforge"), "progress worker=" in text)
    if previous is not None and (line.startswith((" ", "\t")) or previous.level >= logging.ERROR):
        return dataclasses.replace(previous, text=line)
    if _ERROR_TEXT.search(line):
        return LogLine(logging.ERROR, line, False)
    beam = bool(_RUNTIME_LINE.match(line)) or any(p in line for p in _BEAM_PATHS)
    return LogLine(logging.WARNING, line, beam)


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")


def shown(line: LogLine, mode: Mode) -> bool:
    """Whether `line` is printed in `mode`."""
    if line.progress:
        return False
    if mode == "verbose":
        return line.level >= logging.INFO
    if mode == "quiet":
        return line.level >= logging.ERROR
    return line.level >= (logging.ERROR if line.beam else logging.WARNING)


def condensed(text: str) -> str:
    """An error without its traceback: the first line, and the exception it ends with."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) <= 2:
        return "\n".join(lines)
    return f"{lines[0]}\n  … {lines[-1].strip()}  (--verbose shows the traceback)"


class _Route(logging.Handler):
    def __init__(self, session: ConsoleSession):
        super().__init__(level=logging.DEBUG)
        self._session = session

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._session.receive(classify_record(record))
        except Exception:  # a malformed third-party record must not break the run
            self.handleError(record)


class ConsoleSession:
    """Takes the process's logging for a command, and for a run (`progress`) its standard error and the progress
    display too (module docstring); `progress` is the run's progress state, `set_totals` gives it the input's
    size once the inputs are matched."""

    def __init__(self, console: Console, mode: Mode = "normal", *, progress: bool = True, plain_interval: float = 10.0):
        self.console = console
        self.mode = mode
        self.progress = ProgressState()
        self._run = progress
        self._plain_interval = plain_interval
        self._lock = threading.Lock()
        self._seen: dict[str, None] = {}  # recent texts: the same record arrives raw and relayed
        self._previous: LogLine | None = None
        self._live: Live | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def set_totals(self, files: int, nbytes: int) -> None:
        self.progress.total_files, self.progress.total_bytes = files, nbytes

    def progress_line(self, line: str) -> None:
        """A worker's progress line, forwarded by the runner process (pipeline/supervisor.py)."""
        self.progress.update(line)

    def __enter__(self) -> ConsoleSession:
        sys.stderr.flush()
        self._saved_fd = os.dup(2)
        self.err = Console(
            file=os.fdopen(os.dup(self._saved_fd), "w", encoding="utf-8", errors="replace", closefd=True)
        )
        if not self.console.is_terminal:
            self.err.width = self.console.width
        root = logging.getLogger()
        self._saved_logging = (root.level, root.handlers[:], logging.getLogger("corpusforge.progress").level)
        root.handlers = [_Route(self)]
        root.setLevel(logging.DEBUG if self.mode == "verbose" else logging.INFO)
        logging.getLogger("corpusforge.progress").setLevel(logging.INFO)
        if not self._run:
            return self
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)  # worker processes inherit it: their output comes through `_read`
        os.close(write_fd)
        self._pipe = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        self._start(self._read)
        if self.mode == "quiet":
            return self
        if self.console.is_terminal:
            self._live = Live(
                console=self.console,
                get_renderable=lambda: self.progress.renderable(self.console.width),
                refresh_per_second=2,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        else:
            self._start(self._plain_lines)
        return self

    def end_progress(self) -> None:
        """Stops the live display (or the plain progress lines), before the summary; logs are still routed."""
        self._stop.set()
        if self._live:
            self._live.stop()
            self._live = None

    def __exit__(self, *exc: object) -> None:
        self.end_progress()
        root = logging.getLogger()
        level, handlers, progress_level = self._saved_logging
        root.handlers = handlers
        root.setLevel(level)
        logging.getLogger("corpusforge.progress").setLevel(progress_level)
        sys.stderr.flush()
        os.dup2(self._saved_fd, 2)  # the pipe's write end closes here (and in exited workers): `_read` ends
        os.close(self._saved_fd)
        for thread in self._threads:
            thread.join(timeout=2)
        with self._lock:
            self._closed = True
            self.err.file.close()

    def _start(self, target) -> None:
        thread = threading.Thread(target=target, name=f"corpusforge-console-{target.__name__}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _read(self) -> None:
        for raw in self._pipe:
            line = raw.rstrip("\n")
            if line:
                self._previous = classify_raw(line, self._previous)
                self.receive(self._previous)
        self._pipe.close()

    def _plain_lines(self) -> None:
        while not self._stop.wait(self._plain_interval):
            self.say(self.progress.line(), style="dim")

    def receive(self, line: LogLine) -> None:
        """Routes one classified line: progress to the state, the rest printed if the mode shows it."""
        if line.progress:
            self.progress.update(line.text)
            return
        if not shown(line, self.mode):
            return
        text = line.text if self.mode == "verbose" or line.level < logging.ERROR else condensed(line.text)
        key = text.strip()
        with self._lock:
            if key in self._seen:
                return
            self._seen[key] = None
            if len(self._seen) > 200:
                self._seen.pop(next(iter(self._seen)))
        style = "red" if line.level >= logging.ERROR else "yellow" if line.level >= logging.WARNING else "dim"
        prefix = "error: " if line.level >= logging.ERROR else "warning: " if line.level >= logging.WARNING else ""
        self.say(prefix + text, style=style)

    def say(self, text: str, *, style: str = "") -> None:
        """Prints a line above the live display (or to standard error without one)."""
        with self._lock:
            if self._closed:  # a process that outlived the command wrote to the pipe
                return
            target = self.console if self._live else self.err
            target.print(Text(text, style=style), highlight=False, soft_wrap=True)  # one line, never cut


# --- the end of a run ---------------------------------------------------------------------------------------------


def print_run_summary(
    console: Console, session: ConsoleSession, out_dir: str, *, report: bool, cost_lines: Sequence[str]
) -> None:
    """After a published run: the tokenizer's warning (in every mode); the funnel (readable on 80 columns), bias
    flags, time and CPU, `cost_lines` (the runner process computed them: report.footprint_lines), and where the
    report is; `quiet`: two lines."""
    run_dir = current_run(out_dir)  # on an object store, the run that _LATEST names
    stats = files.read_json(files.join(run_dir, STATS))
    note = stats.get("tokenizer", {}).get("training", {}).get("note")
    if note:
        session.say(f"warning: {note}", style="yellow")
    timings_path = files.join(run_dir, TIMINGS)
    timings = files.read_json(timings_path) if files.exists(timings_path) else {}
    report_path = files.join(run_dir, REPORT)
    report_line = f"report: {report_path}" if report and files.exists(report_path) else ""
    if session.mode == "quiet":
        console.print(
            f"corpusforge: kept {stats['kept']:,} of {stats['records_read']:,} records (dropped {stats['dropped']:,}, "
            f"skipped {stats['skipped']:,}, dead-lettered {stats['dead_lettered']:,}) in "
            f"{timings.get('wall_secs', 0):,.1f} s",
            highlight=False,
        )
        console.print(report_line or f"output: {out_dir}", highlight=False)
        return
    console.print(funnel_table(stats, timings.get("stage_cpu_secs")))
    for line in bias_flags(stats):
        console.print(line, style="yellow", highlight=False)
    if timings:
        job_cpu_secs = timings.get("job_cpu_secs")
        job = f", {job_cpu_secs:,.1f} s whole job (this machine)" if job_cpu_secs is not None else ""
        console.print(
            f"time: {timings['wall_secs']:,.1f} s wall; CPU: {timings['total_stage_cpu_secs']:,.1f} s in the stages{job}",
            highlight=False,
        )
        for line in cost_lines:
            console.print(line, highlight=False)
    if report_line:
        console.print(report_line, highlight=False)
    console.print(f"output: {out_dir}", highlight=False)
