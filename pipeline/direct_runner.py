"""Beam as corpusforge runs it: job options whose views are made once, and the DirectRunner as Beam's
FnApiRunner, without Prism, without worker processes for a small input, and with a worker stop that cannot
hang."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TypeVar

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
from apache_beam.portability import python_urns
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners import runner as beam_runner
from apache_beam.runners.direct.direct_runner import SwitchingDirectRunner
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.fn_api_runner.worker_handlers import (
    BeamFnControlServicer,
    SubprocessSdkWorkerHandler,
    WorkerHandler,
)
from apache_beam.runners.portability.portable_runner import JobServiceHandle
from apache_beam.runners.runner import create_runner

from corpusforge.transforms.document import SourceFile

_View = TypeVar("_View", bound=PipelineOptions)


class JobOptions(PipelineOptions):
    """Beam's PipelineOptions, with each view (`view_as(cls)`) made once and kept.

    Beam's `Pipeline.apply` asks for two or three views per transform, and each new view parses the flags
    again with a fresh argparse parser: 0.4 of the 0.85 CPU s that building `local.yaml`'s graph took
    (issue 18). A view holds no values of its own (it reads and writes the options' shared `_all_options`),
    so a kept one behaves as a new one would. The kept views are not pickled with the options.
    """

    def view_as(self, cls: type[_View]) -> _View:
        views = self.__dict__.setdefault("_views", {})  # not setattr: Beam stores attributes as options
        view = views.get(cls)
        if view is None:
            view = views[cls] = super().view_as(cls)
        return view

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in super().__getstate__().items() if name != "_views"}


def pipeline_runner(options: PipelineOptions) -> beam_runner.PipelineRunner | None:
    """The runner for `options`: Beam's, but the DirectRunner's job goes to the FnApiRunner directly.

    Since Beam 2.6x the DirectRunner first tries the Prism runner, downloading its binary from GitHub at
    the first run: a network access no config asked for, an unpinned binary, and an engine that ignores
    `direct_running_mode` and `direct_num_workers`. Without network it falls back to the FnApiRunner,
    which every recipe and test here is written for; this goes there directly, as the DirectRunner's
    own FnApiRunner branch does. None: Beam creates the runner the options name.
    """
    name = options.view_as(StandardOptions).runner or StandardOptions.DEFAULT_RUNNER
    if not isinstance(create_runner(name), SwitchingDirectRunner):
        return None
    _one_worker_in_process(options)
    return FnApiDirectRunner()


# Below this much input, worker processes cost more than they save (README, Running): each starts a Python
# that imports Beam and corpusforge and loads the models again, and spreads every stage over more processes.
SMALL_INPUT_BYTES = 2**20


def fit_workers(options: PipelineOptions, inputs: Sequence[SourceFile]) -> None:
    """Resolves `direct_num_workers: 0` ("one per core"): a single worker, run in the job's process
    (`_one_worker_in_process`), for an input under `SMALL_INPUT_BYTES`; otherwise one per core this process may
    run on (Beam's own count is every core of the machine, `taskset` or not). A count given is left as it is;
    only the DirectRunner reads it, and the bytes written never depend on it.
    """
    direct = options.view_as(DirectOptions)
    if direct.direct_num_workers != 0:
        return
    if sum(f.size for f in inputs) < SMALL_INPUT_BYTES:
        direct.direct_num_workers = 1
    else:
        direct.direct_num_workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    _one_worker_in_process(options)


def _one_worker_in_process(options: PipelineOptions) -> None:
    """A multi-processing DirectRunner of one worker runs its worker in this process (`in_memory`).

    One worker process parallelizes nothing, and starting it costs a second interpreter that imports Beam
    and corpusforge again and loads the models again: 2.4 s of CPU and ~200 MB measured (issue 18), most of
    a small run. The bundles, and so the bytes written, are the same in both modes (tests run in_memory).
    """
    direct = options.view_as(DirectOptions)
    if direct.direct_running_mode == "multi_processing" and direct.direct_num_workers == 1:
        direct.direct_running_mode = "in_memory"


class FnApiDirectRunner(beam_runner.PipelineRunner):
    """The FnApiRunner with the pipeline options made available to its workers, as the DirectRunner makes it."""

    def run_pipeline(self, pipeline: beam.Pipeline, options: PipelineOptions) -> beam_runner.PipelineResult:
        WorkerHandler.register_environment(python_urns.SUBPROCESS_SDK, bytes)(_StoppableWorkerHandler)
        encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
        provision = fn_runner.ExtendedProvisionInfo(beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
        return fn_runner.FnApiRunner(provision_info=provision).run_pipeline(pipeline, options)


class _StoppableWorkerHandler(SubprocessSdkWorkerHandler):
    """Beam 2.77's handler of a DirectRunner worker process, with a stop that cannot hang.

    When a stage fault ends the job while a worker process is still starting (importing Beam takes a
    second), Beam closes that worker's control connection before the worker has opened it, so the worker
    never gets the connection's done marker, never exits, and `stop_worker` waits for it forever (about one
    faulty two-worker run in six here). Pushing the marker again ends such a worker; a worker that already
    got one never reads it.
    """

    def stop_worker(self) -> None:
        self.control_conn.push(BeamFnControlServicer._DONE_MARKER)
        super().stop_worker()
