"""Running the pipeline in a child process that the launcher supervises.

Why a child process: the launcher must end every run with one line and the right exit status, whatever
happens to the Beam job, and a job running inside the launcher cannot be stopped. When a DirectRunner
multi-processing worker dies, Beam waits forever for its bundle (Beam 2.77: the worker's thread raises
"Worker subprocess exited with return code 137" and the job never ends); on Ctrl-C the terminal's SIGINT
reaches every worker, and each prints a KeyboardInterrupt traceback. So the job runs in a child process
in a session of its own (the terminal's Ctrl-C reaches the launcher only), with its output (Beam's logs,
the workers' stderr) in the run's log file, and:

* the child forwards the input's size, progress lines and, last, one result line to the launcher on a pipe
  (one JSON object a line: `{"totals": [FILES, BYTES]}`, `{"progress": LINE}`, then `{"status": "done" |
  "config_error" | "failed", "message": ..., "summary": [LINE, ...]}`);
* when a DirectRunner worker dies, the child reports it and ends its own process group;
* on Ctrl-C the launcher ends the child's process group (SIGTERM, which also cancels a job submitted to
  a remote runner, then SIGKILL): no traceback anywhere;
* when the launcher dies, the pipe on the child's stdin closes and the child ends its process group, so
  no run outlives its launcher.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from corpusforge.pipeline import files
from corpusforge.pipeline.config import ConfigError, PipelineConfig
from corpusforge.pipeline.layout import STATS, TIMINGS
from corpusforge.pipeline.progress import ForwardProgress

_STOP_GRACE_SECS = 5.0  # after SIGTERM, before SIGKILL
_EXIT_GRACE_SECS = 30.0  # after the result line, for the child to exit
_MAX_MESSAGE_CHARS = 600
# Runners whose workers are this machine's processes: the CPU the launcher and the child measure is the job's.
_LOCAL_RUNNERS = {"DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner", "FnApiRunner", "PrismRunner"}
_WORKER_DIED = re.compile(r"Worker subprocess exited with return code (-?\d+)")
# The last line of a Python traceback: `package.module.SomeError: message`.
_EXCEPTION_LINE = re.compile(r"(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*): (\S.*)")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How the child's run ended: `done`, `config_error` (a bad config, input or environment, found while
    building the job: nothing ran) or `failed` (while running)."""

    status: str
    message: str = ""
    summary: tuple[str, ...] = ()  # after `done`: the run's cost lines for the console (report.footprint_lines)


def run_in_child(
    *,
    config: PipelineConfig,
    origin: str,
    beam_options: list[str],
    out_dir: str,
    log_path: str,
    verbose: bool,
    on_totals: Callable[[int, int], None],
    on_progress: Callable[[str], None],
) -> Outcome:
    """Build and run the job for `config` in a child process, writing into `out_dir`; its output goes to
    `log_path` (to this process's stderr with `verbose`). KeyboardInterrupt ends the child and re-raises.

    The child matches the inputs (`on_totals` gets their count and bytes) and, on a local runner, adds the
    whole job's CPU to timings.json: this process's until now, its own and its workers'."""
    plan = {
        "config": config.to_dict(),
        "origin": origin,
        "beam_options": beam_options,
        "out_dir": out_dir,
        "launcher_cpu_secs": _process_cpu(),
    }
    read_fd, write_fd = os.pipe()
    log = None if verbose else open(log_path, "ab")
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "corpusforge.pipeline.supervisor", str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            pass_fds=(write_fd,),
            start_new_session=True,
        )
    finally:
        os.close(write_fd)
        if log is not None:
            log.close()
    outcome = None
    try:
        child.stdin.write(json.dumps(plan).encode("utf-8") + b"\n")
        child.stdin.flush()
        with os.fdopen(read_fd, "rb") as events:
            for line in events:
                event = json.loads(line)
                if "progress" in event:
                    on_progress(event["progress"])
                elif "totals" in event:
                    on_totals(*event["totals"])
                else:
                    outcome = Outcome(event["status"], event.get("message", ""), tuple(event.get("summary", ())))
                    break
    except BaseException:  # Ctrl-C, or a launcher fault: no run outlives its launcher
        _stop(child)
        raise
    finally:
        child.stdin.close()  # the child ends its process group when it sees this
    try:
        child.wait(_EXIT_GRACE_SECS)
    except subprocess.TimeoutExpired:
        _stop(child)
    if outcome is None:
        return Outcome("failed", f"the runner process ended without a result ({_exit_status(child.returncode)})")
    return outcome


def _stop(child: subprocess.Popen) -> None:
    """End the child's process group: SIGTERM (a remote job is cancelled), then SIGKILL."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None  # a second Ctrl-C waits
    try:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:  # the whole group is gone
                break
            try:
                child.wait(_STOP_GRACE_SECS)
            except subprocess.TimeoutExpired:
                continue
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def root_cause(error: BaseException) -> str:
    """One line for a failed job: the innermost exception's type and message, not Beam's traceback.

    Beam re-raises a worker's exception in-process with its message augmented by the step
    (`... [while running 'StageLanguage/...']`); a multi-processing DirectRunner raises a RuntimeError
    whose message is the worker's whole traceback text, whose last exception line is the one we want.
    """
    text = str(error)
    name = type(error).__name__
    if "Traceback (most recent call last)" in text:
        lines = [line for line in text.splitlines() if line and not line[0].isspace()]
        matches = [m for m in map(_EXCEPTION_LINE.fullmatch, lines) if m and m[1] != "Traceback"]
        if matches:
            name, text = matches[-1][1], matches[-1][2]
    line = f"{name}: {' '.join(text.split())}"
    return line if len(line) <= _MAX_MESSAGE_CHARS else line[: _MAX_MESSAGE_CHARS - 1] + "…"


def _exit_status(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        return f"killed by signal {-returncode}" + (", perhaps for lack of memory" if -returncode == 9 else "")
    if returncode > 128:  # a shell's report of a signal
        return f"exit status {returncode}: killed by signal {returncode - 128}"
    return f"exit status {returncode}"


# The child process.


def _child_main(event_fd: int) -> None:
    """`python -m corpusforge.pipeline.supervisor FD`: read the plan from stdin, run it, report on FD."""

    def send(event: dict[str, Any]) -> None:
        os.write(event_fd, json.dumps(event).encode("utf-8") + b"\n")

    plan = json.loads(sys.stdin.buffer.readline())
    threading.Thread(target=_end_with_launcher, name="watch-launcher", daemon=True).start()
    threading.excepthook = lambda args: _on_thread_error(args, send)
    stderr = logging.StreamHandler(sys.stderr)  # the run's log file, or the terminal with --verbose
    stderr.setLevel(logging.WARNING)
    logging.getLogger().addHandler(stderr)
    with ForwardProgress(lambda line: send({"progress": line})):
        outcome = _run(plan, on_totals=lambda files, nbytes: send({"totals": [files, nbytes]}))
    send(dataclasses.asdict(outcome))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # Beam's gRPC threads must not hold the exit up


def _run(plan: dict[str, Any], *, on_totals: Callable[[int, int], None]) -> Outcome:
    """Build and run the plan's job (`run_in_child` writes the plan); how it ended."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import StandardOptions, TypeOptions
    from apache_beam.runners.runner import PipelineState

    from corpusforge.pipeline.build import build_pipeline
    from corpusforge.pipeline.config import parse_config
    from corpusforge.pipeline.direct_runner import JobOptions, fit_workers, pipeline_runner
    from corpusforge.pipeline.manifest import run_failure

    pipeline = None
    try:
        config = parse_config(plan["config"], origin=plan["origin"])
        options = JobOptions(plan["beam_options"])
        # Beam's construction-time type check: corpusforge's transforms declare no type hints, so it checks only
        # Beam's own composites, at 0.1 s (fineweb.yaml) to 0.4 s (local.yaml) of every run's start-up (issue 18).
        options.view_as(TypeOptions).pipeline_type_check = False
        pipeline = beam.Pipeline(runner=pipeline_runner(options), options=options)
        inputs = build_pipeline(pipeline, config, out_dir=plan["out_dir"])["inputs"]
        fit_workers(pipeline.options, inputs)  # the pipeline's copy of the options: it runs with those
    except Exception as e:
        if pipeline is not None:  # Beam removes its temporary folder when the pipeline runs, never otherwise
            shutil.rmtree(pipeline.local_tempdir, ignore_errors=True)
        if isinstance(e, ConfigError):
            return Outcome("config_error", str(e))
        traceback.print_exc()  # the environment, found while building the job (a module that cannot load)
        return Outcome("config_error", root_cause(e))
    on_totals(len(inputs), sum(f.size for f in inputs))
    try:
        result = pipeline.run()  # the DirectRunner returns when the job has ended; remote runners once submitted
        signal.signal(signal.SIGTERM, lambda *_: _cancel_and_exit(result))
        state = result.wait_until_finish()
    except Exception as e:
        traceback.print_exc()  # into the run's log
        stats_path = files.join(plan["out_dir"], STATS)
        failure = run_failure(files.read_json(stats_path), config.run) if files.exists(stats_path) else None
        return Outcome("failed", failure or root_cause(e))
    if state != PipelineState.DONE:
        return Outcome("failed", f"the job ended in state {state}")
    runner = options.view_as(StandardOptions).runner
    local = runner is None or str(runner).rsplit(".", 1)[-1] in _LOCAL_RUNNERS
    job_cpu_secs = plan["launcher_cpu_secs"] + _process_cpu() if local else None
    try:
        summary = _finish(plan["out_dir"], job_cpu_secs=job_cpu_secs, report=config.report.enabled)
    except OSError as e:  # the job's outputs are complete: they are published without the job's CPU
        traceback.print_exc()
        summary = [f"the job's CPU is not in timings.json and the report: {root_cause(e)}"]
    return Outcome("done", summary=tuple(summary))


def _finish(out_dir: str, *, job_cpu_secs: float | None, report: bool) -> list[str]:
    """After the job: the whole job's CPU added to timings.json and the report rewritten with it; the run's
    cost lines for the console."""
    from corpusforge.pipeline.manifest import write_timings
    from corpusforge.pipeline.report import footprint_lines, load_run, write_report

    timings_path = files.join(out_dir, TIMINGS)
    if job_cpu_secs is not None and files.exists(timings_path):
        timings = files.read_json(timings_path)
        timings["job_cpu_secs"] = round(job_cpu_secs, 3)
        write_timings(out_dir, timings)
        if report:
            write_report(out_dir)
    return footprint_lines(load_run(out_dir))


def _process_cpu() -> float:
    """CPU seconds of this process and of its child processes that have ended (a DirectRunner's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cancel_and_exit(result: Any) -> None:
    """SIGTERM from the launcher (Ctrl-C) while a remote runner runs the job: cancel it, then end. (Before
    then SIGTERM ends the process at once, as its default action does.)"""
    try:
        result.cancel()
    except Exception:  # best effort: a runner may refuse
        traceback.print_exc()
    os._exit(128 + signal.SIGTERM)


def _end_with_launcher() -> None:
    sys.stdin.buffer.read()  # returns at EOF: the launcher closed the pipe or died
    os.killpg(0, signal.SIGKILL)


def _on_thread_error(args: threading.ExceptHookArgs, send: Callable[[dict[str, Any]], None]) -> None:
    threading.__excepthook__(args)  # into the run's log
    died = _WORKER_DIED.search(str(args.exc_value))
    if isinstance(args.exc_value, RuntimeError) and died:
        message = (
            f"a DirectRunner worker process died ({_exit_status(int(died[1]))}); the DirectRunner cannot "
            "recover a lost worker, so the run stopped"
        )
        send(dataclasses.asdict(Outcome("failed", message)))
        os.killpg(0, signal.SIGKILL)  # this process and its workers


if __name__ == "__main__":
    _child_main(int(sys.argv[1]))
