"""The console of `corpusforge run` (pipeline/console.py, pipeline/progress.py): on an 80-column terminal the
funnel fits and no line wraps, Beam's own chatter never shows (with --quiet, nothing but the summary), worker
output is classified and routed, and the progress state reads the workers' lines into a rate and an ETA."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import re
import select
import struct
import sys
import termios
from pathlib import Path

import pytest

from corpusforge.pipeline.cli import main
from corpusforge.pipeline.console import classify_raw, classify_record, condensed, shown
from corpusforge.pipeline.progress import ProgressState, funnel_table

REPO = Path(__file__).resolve().parents[1]
COLUMNS = 80
# What Beam and its worker processes print on their own (seen on the DirectRunner before issue 17).
BEAM_NOISE = re.compile(
    r"apitools|semi_persistent_directory|Discarding unparseable|Logging handler created|severity:|"
    r"^(INFO|WARNING|ERROR):|Running pipeline with|Listening for workers|starting (control|data|state|logging) server"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")


def run_in_terminal(args: list[str], columns: int = COLUMNS, timeout: float = 300) -> tuple[int, list[str]]:
    """Runs `corpusforge ARGS` in a pseudo-terminal of `columns` columns; returns its exit status and every line
    it showed (split at newlines and carriage returns, escape sequences removed)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "CI")}
    env["TERM"] = "xterm-256color"
    size = struct.pack("HHHH", 40, columns, 0, 0)
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of the given size, then corpusforge
        fcntl.ioctl(0, termios.TIOCSWINSZ, size)
        os.chdir(REPO)
        os.execve(sys.executable, [sys.executable, "-m", "corpusforge.pipeline.cli", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, size)
    output = b""
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            os.kill(pid, 9)
            raise TimeoutError(f"corpusforge {args} printed nothing for {timeout} s")
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    text = _ANSI.sub("", output.decode("utf-8", "replace"))
    return os.waitstatus_to_exitcode(status), [line for line in re.split(r"\r\n|\n|\r", text) if line.strip()]


def test_run_on_80_columns_fits_and_shows_no_beam_noise(tmp_path):
    """The sample recipe with two DirectRunner worker processes (whose stderr the console takes over)."""
    out = tmp_path / "out"
    code, lines = run_in_terminal(
        ["run", "run_configs/local.yaml", "--output", str(out), "--", "--direct_num_workers=2"]
    )
    text = "\n".join(lines)
    assert code == 0, text
    assert max(len(line) for line in lines) <= COLUMNS, [line for line in lines if len(line) > COLUMNS]
    assert not [line for line in lines if BEAM_NOISE.search(line)], text
    assert "starting the workers" in text or "reading " in text  # the live display ran
    stats = json.loads((out / "stats.json").read_text())
    funnel = lines[lines.index("corpusforge funnel") :]
    for stage in stats["stages"]:
        assert any(line.startswith(stage + " ") for line in funnel), stage
    # Every reason is whole, on its row or a row of its own; the totals reconcile.
    for entry in stats["stages"].values():
        for reason in entry.get("dropped", {}):
            assert any(line.strip().startswith(f"dropped {reason}") for line in funnel) or len(entry["dropped"]) > 5
    assert f"read {stats['records_read']:,} = kept {stats['kept']:,} + dropped" in text
    assert f"report: {out}/report.html" in "".join(lines)  # a long path is folded at the terminal's width
    assert "time:" in text and "cost, this run:" in text


def test_quiet_prints_only_the_summary(tmp_path, shared_data):
    out = tmp_path / "out"
    args = ["run", "run_configs/local.yaml", "--input", str(shared_data / "warc/dolma/*.warc.gz"), "--output", str(out)]
    code, lines = run_in_terminal(
        [*args, "--set", "tokenizer.enabled=false", "--quiet", "--", "--direct_num_workers=2"]
    )
    assert code == 0, lines
    assert max(len(line) for line in lines) <= COLUMNS
    # The summary and the report's path, nothing else (a long path folded at the terminal's width).
    summary = r"corpusforge:kept[\d,]+of[\d,]+records\(dropped[\d,]+,skipped[\d,]+,dead-lettered[\d,]+\)in[\d.,]+s"
    assert re.fullmatch(summary + re.escape(f"report:{out}/report.html"), re.sub(r"\s", "", "".join(lines))), lines


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and re.match(r"corpusforge \d+\.\d+", capsys.readouterr().out)
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = capsys.readouterr().out
    assert "-- BEAM_OPTIONS" in help_text and "--quiet" in help_text and "--verbose" in help_text


# A record the Fn API logging service re-logged on the launcher, as Beam 2.77 formats it.
RELAYED = (
    'Worker: severity: WARN timestamp {   seconds: 1796385657   nanos: 194682359 } message: "No semi_persistent_directory '
    'found:  User registered objects" log_location: "/venv/site-packages/apache_beam/runners/worker/sdk_worker_main.py:421"'
    ' thread: "MainThread" '
)
RELAYED_OURS = (
    'Worker: severity: ERROR timestamp {   seconds: 1 } message: "report.html not written: ValueError: x\\nTraceback '
    '(most recent call last):\\n  File \\"a.py\\", line 1\\nValueError: x" log_location: "/repo/pipeline/manifest.py:250" '
    'thread: "Thread-13"'
)


def record(name: str, level: int, message: str, pathname: str = "") -> logging.LogRecord:
    return logging.LogRecord(name, level, pathname, 1, message, None, None)


def test_log_lines_are_classified_and_shown_by_mode():
    relayed = classify_record(record("apache_beam.runners.portability.local_job_service", logging.WARNING, RELAYED))
    assert relayed.beam and relayed.level == logging.WARNING and relayed.text.startswith("No semi_persistent")
    ours = classify_record(record("apache_beam.runners.portability.local_job_service", logging.ERROR, RELAYED_OURS))
    assert not ours.beam and ours.level == logging.ERROR
    assert (
        condensed(ours.text)
        == "report.html not written: ValueError: x\n  … ValueError: x  (--verbose shows the traceback)"
    )
    apitools = classify_record(
        record("root", logging.WARNING, "apitools not found", "/v/apache_beam/io/gcp/bigquery.py")
    )
    progress = classify_record(
        record("corpusforge.progress", logging.INFO, "progress worker=ab files=1 records=2 bytes=3 input_bytes=4")
    )
    raw = classify_raw("WARNING:__main__:Discarding unparseable args: ['--x']", None)
    continuation = classify_raw('  File "x.py", line 3', classify_raw("ERROR:corpusforge.x:boom", None))
    crash = classify_raw("MemoryError: cannot allocate", None)
    assert apitools.beam and raw.beam and progress.progress and continuation.level == logging.ERROR
    for mode, expected in (
        ("quiet", [False, True, False, False, False, True, True]),
        ("normal", [False, True, False, False, False, True, True]),
        ("verbose", [True, True, True, False, True, True, True]),
    ):
        lines = [relayed, ours, apitools, progress, raw, continuation, crash]
        assert [shown(line, mode) for line in lines] == expected, mode
    user_warning = classify_record(record("mypkg.filters", logging.WARNING, "odd input", "/repo/mypkg/filters.py"))
    assert shown(user_warning, "normal") and not shown(user_warning, "quiet")


def test_progress_rate_and_eta():
    now = [100.0]
    state = ProgressState(total_files=4, total_bytes=1000, clock=lambda: now[0])
    assert state.eta() is None and "waiting" in state.line()
    now[0] = 110.0
    state.update("progress worker=a files=0 records=10 bytes=50 input_bytes=100 elapsed=1.0")
    now[0] = 120.0
    state.update("progress worker=a files=1 records=30 bytes=150 input_bytes=300 elapsed=11.0")
    state.update("progress worker=b files=1 records=20 bytes=90 input_bytes=200 elapsed=3.0")
    assert state.records == 50 and state.input_bytes == 500 and state.files == 2
    assert state.rate() == pytest.approx(40.0)  # (500 - 100) bytes in 10 s of progress lines
    assert state.eta() == pytest.approx(12.5)  # 500 bytes left at 40 B/s
    assert "read 50% (500 B of 1 kB" in state.line() and "ETA 0:12" in state.line()
    state.update("progress worker=b files=3 records=90 bytes=400 input_bytes=700 elapsed=9.0")
    assert state.done() and state.eta() == 0.0 and "reading done" in state.line()
    assert len(state.renderable(COLUMNS).plain.splitlines()[0]) <= COLUMNS


def test_funnel_never_cuts_a_reason():
    from rich.console import Console

    long_reason = "too_short_after_line_dedup_with_a_very_long_name_indeed"
    stats = {
        "stages": {
            "read": {"in": {"records": 12_345_678, "bytes": 9 * 10**11}, "out": {"records": 2, "bytes": 10}},
            "line_dedup": {
                "in": {"records": 2, "bytes": 10},
                "out": {"records": 1, "bytes": 5},
                "dropped": {long_reason: {"records": 1, "bytes": 5}},
            },
        },
        "records_read": 12_345_678,
        "kept": 1,
        "dropped": 12_345_677,
        "skipped": 0,
        "dead_lettered": 0,
        "reconciled": True,
    }
    console = Console(width=COLUMNS, record=True, file=open(os.devnull, "w"))
    console.print(funnel_table(stats, {"read": 1234.5, "line_dedup": 0.01, "tokenizer_training": 56.78}))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= COLUMNS
    assert any(line.strip() == f"dropped {long_reason}" for line in lines)  # whole, on a line of its own
    # A step outside the funnel (no documents of its own) follows the stages with its CPU seconds alone.
    (training,) = [line for line in lines if line.startswith("tokenizer_training ")]
    assert training.split() == ["tokenizer_training", "56.78"] and lines.index(training) == len(lines) - 2
