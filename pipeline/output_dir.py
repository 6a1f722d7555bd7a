"""The output directory of a run: refused when it holds what corpusforge did not write, replaced only by a
run that has finished and reconciled, never left half-written.

A run launched by the CLI never writes into its output directory DIR. It writes into a staging location
and is published only when it has finished (`_SUCCESS` is there, which `WriteRunSummary` writes only for
a run that reconciles and passes the run limits):

* Local disk: staging is `DIR.staging-<run id>` beside DIR. Publishing is a two-rename swap, DIR →
  `DIR.old-<run id>`, staging → DIR, then the old copy is deleted: a rename cannot replace a non-empty
  folder atomically. A launch that finds a `DIR.old-<run id>` (a run died between the renames) finishes
  the swap when that run's staging holds `_SUCCESS`, else undoes it. Readers use DIR as always.
* Object stores (gs://, s3://, every Beam filesystem but the local one; none renames folders): the run
  writes under `DIR/runs/<run id>/` and is published by writing `DIR/_LATEST` last, one line naming the
  run prefix (`runs/<run id>`). An object write is atomic, so a reader sees the old run or the new one;
  readers open `DIR/_LATEST` first (`current_run`).

Each staging location holds `_RUN` (run id, host, launcher pid) from its creation. A failed run keeps its
staging location with `_FAILED` (the one-line reason), stats.json, dead letters and the runner's log, its
partial shards and staged documents removed; an interrupted run leaves nothing. A successful publish deletes the staging
locations of failed runs, of runs whose launcher died on this host, and (object stores) superseded runs;
nothing else beside DIR is touched.

Ownership: DIR is replaced only when it is empty or holds a finished corpusforge run and nothing else:
the files its manifest.json lists and the run's own files (manifest, stats, `_SUCCESS`). Anything else
(a user's `documents/thesis.txt`) refuses the run at launch, so nothing corpusforge did not write is
ever deleted.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from corpusforge.pipeline import files
from corpusforge.pipeline.config import ConfigError
from corpusforge.pipeline.files import is_local, join
from corpusforge.pipeline.layout import (
    DOCUMENTS_DIR,
    MANIFEST,
    REJECTS_DIR,
    REPORT,
    SFT_DIR,
    STATS,
    SUCCESS,
    TEMPORARY_DIR,
    TIMINGS,
    TOKENIZER_DIR,
    TOKENS_DIR,
)

if TYPE_CHECKING:
    from corpusforge.transforms.document import SourceFile

RUN_MARKER = "_RUN"  # JSON {run_id, host, pid}: the staging location of a run launched from `host`
FAILED_MARKER = "_FAILED"  # the reason a run failed, one line
LATEST = "_LATEST"  # object stores: the published run's prefix, relative to the output directory
RUNS_DIR = "runs"  # object stores: every run's prefix is runs/<run id>/
RUN_LOG = "_run.log"  # the runner process's log (Beam's and the workers' output), kept when a run fails
_RUN_ID = r"\d{8}T\d{6}Z-[0-9a-f]{6}"
_RUN_FOLDERS = (DOCUMENTS_DIR, REJECTS_DIR, TOKENS_DIR, TOKENIZER_DIR, SFT_DIR)
# What a failed run leaves out: its partial shards, and the documents it staged (transforms/io/staging.py).
_PARTIAL_FOLDERS = (DOCUMENTS_DIR, TOKENS_DIR, TOKENIZER_DIR, SFT_DIR, TEMPORARY_DIR)
# Beside the files its manifest lists, a published run holds these (written around the manifest).
_OWN_FILES = (MANIFEST, STATS, TIMINGS, REPORT, SUCCESS, RUN_MARKER)


@dataclasses.dataclass(frozen=True)
class RunOutput:
    """Where one run writes (`staging`) and what it replaces once finished (`target`)."""

    target: str
    run_id: str
    staging: str
    log_path: str  # a local file: on object stores, in the system's temporary folder
    replaces: bool  # the target holds a finished run, which this one replaces once finished

    @property
    def local(self) -> bool:
        return is_local(self.target)


def new_run_id() -> str:
    """A sortable, unique run id: UTC start time and 24 random bits (`20250102T030405Z-1a2b3c`)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{secrets.token_hex(3)}"


def prepare_output(out_dir: str, *, overwrite: bool) -> RunOutput:
    """Check that `out_dir` may receive this run, recover an interrupted swap, and create the run's staging
    location. Raises ConfigError (nothing written) if `out_dir` holds anything but a replaceable finished
    corpusforge run, or the staging location cannot be written."""
    target = _normalized(out_dir)
    if is_local(target):
        try:
            recover_swap(target)
        except OSError as e:
            raise ConfigError(f"output {target}: cannot recover an interrupted publication: {_reason(e)}") from None
    replaces = check_replaceable(target, overwrite=overwrite)
    run_id = new_run_id()
    staging = f"{target}.staging-{run_id}" if is_local(target) else join(target, RUNS_DIR, run_id)
    marker = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid()}
    try:
        if is_local(target):
            os.makedirs(staging)
        _write_text(join(staging, RUN_MARKER), json.dumps(marker) + "\n")
    except OSError as e:
        raise ConfigError(f"output {target}: cannot write the run's staging folder {staging}: {_reason(e)}") from None
    if is_local(target):
        log_path = os.path.join(staging, RUN_LOG)
    else:
        handle, log_path = tempfile.mkstemp(prefix=f"corpusforge-{run_id}-", suffix=".log")
        os.close(handle)
    return RunOutput(target=target, run_id=run_id, staging=staging, log_path=log_path, replaces=replaces)


def check_replaceable(target: str, *, overwrite: bool) -> bool:
    """Whether `target` holds a finished run (False: it is missing or empty). ConfigError unless it is
    missing, empty, or a finished corpusforge run with nothing else in it that is replaceable (written
    with `output.replaceable`) or `overwrite` is given."""
    if is_local(target):
        if not os.path.exists(target):
            return False
        if not os.path.isdir(target):
            raise ConfigError(f"output {target}: is a file, not a folder")
        listed, folders = _walk_local(target)
        if not listed and not folders:
            return False
        run_dir = target
    else:
        current = _published_run(target)
        if current is None:
            return False
        run_dir = join(target, current)
        listed, folders = files.list_tree(run_dir), []
    manifest = _read_manifest(join(run_dir, MANIFEST))
    if manifest is None:
        raise ConfigError(
            f"output {target}: not empty, and not a finished corpusforge run (no readable {MANIFEST}); "
            "choose a new or empty folder"
        )
    stray = _stray_paths(listed, folders, manifest)
    if stray:
        more = f" and {len(stray) - 1} more" if len(stray) > 1 else ""
        raise ConfigError(
            f"output {target}: holds {stray[0]}{more}, which the corpusforge run there did not write; "
            "corpusforge replaces only its own runs: choose a new or empty folder"
        )
    if not overwrite and manifest.get("replaceable") is not True:
        raise ConfigError(f"output {target}: already holds a finished run; pass --overwrite to replace it")
    return True


def publish(run: RunOutput) -> None:
    """Make the finished run in `run.staging` the output, then delete what it replaced and the leftovers of
    failed or dead runs (module docstring). Raises ConfigError if the output directory came to hold
    something else during the run (the finished run then stays in its staging location)."""
    check_replaceable(run.target, overwrite=True)
    if run.local:
        old = f"{run.target}.old-{run.run_id}"
        _delete_quietly(run.log_path)  # absent with --verbose
        if os.path.exists(run.target):
            os.rename(run.target, old)
        os.rename(run.staging, run.target)
        _delete_quietly(os.path.join(run.target, RUN_MARKER))
        recover_swap(run.target)  # deletes `old`, and what another run that died mid-swap left
    else:
        files.delete(join(run.staging, RUN_MARKER))
        _write_text(join(run.target, LATEST), f"{RUNS_DIR}/{run.run_id}\n")
        _delete_quietly(run.log_path)
    _delete_leftovers(run)


def abandon(run: RunOutput, reason: str | None) -> None:
    """After a run that did not finish: with a `reason` (it failed), keep its stats, dead letters and log
    beside `_FAILED` and delete its partial shards; without one (interrupted, or refused while being
    built), delete everything it wrote."""
    if reason is None:
        files.delete_tree(run.staging)
        if not run.local:
            _delete_quietly(run.log_path)
        return
    for folder in _PARTIAL_FOLDERS:
        files.delete_tree(join(run.staging, folder))
    _write_text(join(run.staging, FAILED_MARKER), reason + "\n")


def current_run(out_dir: str) -> str:
    """The folder that holds the published run of `out_dir`: `out_dir` itself on local disk, the prefix
    that `out_dir/_LATEST` names on object stores. For readers: `current_run(d) + "/documents/*.arrow"`."""
    latest = join(out_dir, LATEST)
    if not files.exists(latest):
        return out_dir
    return join(out_dir, files.read_bytes(latest).decode("utf-8").strip())


def check_inputs_outside(files: Iterable[SourceFile], out_dir: str) -> None:
    """ConfigError for an input file inside the output directory: publishing the run would replace it,
    and a run must not read what it writes."""
    inside = _comparable(out_dir) + "/"
    for f in files:
        if _comparable(f.path).startswith(inside):
            raise ConfigError(
                f"input {f.path}: inside the output directory {out_dir}, which the run replaces; "
                "write the output elsewhere (--output)"
            )


def recover_swap(target: str) -> None:
    """Finish or undo the swap of a run that died between its two renames (`DIR.old-<run id>` exists)."""
    parent, name = os.path.split(target)
    if not os.path.isdir(parent or "."):
        return
    for entry in sorted(os.listdir(parent or ".")):
        match = re.fullmatch(re.escape(name) + rf"\.old-({_RUN_ID})", entry)
        if match is None:
            continue
        old, staging = os.path.join(parent, entry), f"{target}.staging-{match[1]}"
        if not os.path.exists(target) and os.path.exists(os.path.join(staging, SUCCESS)):
            os.rename(staging, target)  # the new run had finished: complete its publication
            _delete_quietly(os.path.join(target, RUN_MARKER))
        if os.path.exists(target):
            shutil.rmtree(old)
        else:
            os.rename(old, target)  # no finished run to publish: the old output comes back


def _delete_leftovers(run: RunOutput) -> None:
    """Delete the staging locations of other runs of the same output that failed, whose launcher died on
    this host, or (object stores) that were published before and are now superseded."""
    if run.local:
        parent, name = os.path.split(run.target)
        pattern = re.escape(name) + rf"\.staging-{_RUN_ID}"
        others = [os.path.join(parent, e) for e in sorted(os.listdir(parent or ".")) if re.fullmatch(pattern, e)]
        names = {o: set(os.listdir(o)) for o in others}
    else:
        names = {}
        for f in files.list_tree(run.target):
            match = re.fullmatch(rf"{RUNS_DIR}/({_RUN_ID})/([^/]+)(/.*)?", f)
            if match and match[1] != run.run_id:
                names.setdefault(join(run.target, RUNS_DIR, match[1]), set()).add(match[2])
    for staging, entries in names.items():
        if RUN_MARKER in entries:
            if FAILED_MARKER in entries or _launcher_died(join(staging, RUN_MARKER)):
                files.delete_tree(staging)
        elif not run.local and SUCCESS in entries:  # published earlier (publishing removes _RUN)
            files.delete_tree(staging)


def _launcher_died(marker_path: str) -> bool:
    try:
        marker = files.read_json(marker_path)
        if marker["host"] != socket.gethostname():
            return False  # another machine's run: it may be alive
        os.kill(int(marker["pid"]), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return False


def _published_run(target: str) -> str | None:
    """The prefix (`runs/<run id>`) of the published run under an object-store output, None before the
    first publication; ConfigError for anything outside the layout (`_LATEST`, and runs/<run id>/ holding
    a run's folders and files)."""
    listed = files.list_tree(target)
    known = {*_RUN_FOLDERS, *_OWN_FILES, FAILED_MARKER}
    for f in listed:
        match = re.fullmatch(rf"{RUNS_DIR}/{_RUN_ID}/([^/]+)(/.*)?", f)
        if f != LATEST and (match is None or match[1] not in known):
            raise ConfigError(
                f"output {target}: holds {f}, which no corpusforge run wrote; corpusforge replaces only its own "
                "runs: choose a new or empty prefix"
            )
    if LATEST not in listed:
        return None
    current = files.read_bytes(join(target, LATEST)).decode("utf-8", "replace").strip()
    if not re.fullmatch(rf"{RUNS_DIR}/{_RUN_ID}", current):
        raise ConfigError(f"output {target}: {LATEST} names {current!r}, not a corpusforge run")
    return current


def _stray_paths(files: list[str], folders: list[str], manifest: dict[str, Any]) -> list[str]:
    """The files (and, on local disk, folders) of a run folder that its manifest does not account for."""
    tokenizer = manifest.get("tokenizer") or {}
    listed = [
        *(entry["path"] for entry in manifest.get("shards", [])),
        *(entry["path"] for entry in manifest.get("rejects", [])),
        *(entry["path"] for entry in tokenizer.get("files", [])),
        *(entry["path"] for entry in tokenizer.get("shards", [])),
    ]
    own = {*_OWN_FILES, *listed}
    parents = {"/".join(path.split("/")[:i]) for path in listed for i in range(1, path.count("/") + 1)}
    allowed_folders = {*_RUN_FOLDERS, *parents}
    stray = [path for path in files if path not in own]
    stray += [f"{path}/" for path in folders if path not in allowed_folders]
    return sorted(stray)


def _read_manifest(path: str) -> dict[str, Any] | None:
    try:
        manifest = files.read_json(path)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "format_version" in manifest else None


def _walk_local(root: str) -> tuple[list[str], list[str]]:
    """Every file and folder under `root`, as paths relative to it with `/` separators."""
    files, folders = [], []
    for here, dirnames, filenames in os.walk(root):
        relative = os.path.relpath(here, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        folders += [prefix + d for d in dirnames]
        files += [prefix + f for f in filenames]
    return files, folders


def _delete_quietly(path: str) -> None:
    try:
        files.delete(path)
    except OSError:
        pass


def _write_text(path: str, text: str) -> None:
    files.write_bytes(path, text.encode("utf-8"))


def _normalized(path: str) -> str:
    # A symlinked output folder: staging and swap happen beside the folder it points to, on its disk.
    return os.path.realpath(os.path.expanduser(path)) if is_local(path) else path.rstrip("/")


def _comparable(path: str) -> str:
    return os.path.realpath(os.path.expanduser(path)) if is_local(path) else path.rstrip("/")


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error)
