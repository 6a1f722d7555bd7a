"""corpusforge's Dask runner (pipeline/dask_runner.py) on a real cluster: each defect of Beam's runner, fixed.

Every test runs on a scheduler with 2 single-threaded worker processes on loopback (`dask_scheduler`,
tests/conftest.py). A test of a defect runs on both runners: on Beam 2.77's own `DaskRunner` it is
expected to fail (strict: if Beam fixes the defect the test says so, and our fix can go), on ours to pass.
Side effects that must be counted across worker processes (a DoFn's setup, a sink's write, a side
input's computation) leave one marker file each in the test's temporary folder.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.dask.dask_runner import DaskRunner as BeamDaskRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to
from apache_beam.transforms.window import FixedWindows, GlobalWindows, TimestampedValue
from conftest import require_module

from corpusforge.pipeline.cli import resolve_runner
from corpusforge.pipeline.dask_runner import DaskRunner


def beams_fails(defect: str, error: type[Exception]):
    """Beam's runner, expected to fail with `error` because of `defect` (strict: a pass is reported)."""
    reason = f"Beam 2.77's DaskRunner: {defect}"
    return pytest.param(BeamDaskRunner, marks=pytest.mark.xfail(strict=True, raises=error, reason=reason))


@pytest.fixture(autouse=True)
def _close_beams_clients():
    """Beam's runner connects a default client to the cluster and never closes it."""
    yield
    import distributed

    while True:
        try:
            distributed.default_client().close()
        except ValueError:  # no default client left
            return


def pipeline(runner_class, scheduler: str, *options: str) -> TestPipeline:
    return TestPipeline(
        runner=runner_class(), options=PipelineOptions([f"--dask_client_address={scheduler}", *options])
    )


def mark(folder: Path, kind: str) -> None:
    """One marker file: counts an event across worker processes."""
    (folder / f"{kind}-{uuid.uuid4().hex}").touch()


def marks(folder: Path, kind: str) -> int:
    return len(list(folder.glob(f"{kind}-*")))


class _SplitOddFn(beam.DoFn):
    """Even numbers on the main output, odd ones on `odd`; each bundle's element count on `counts`,
    emitted in finish_bundle."""

    def start_bundle(self):
        self.seen = 0

    def process(self, x):
        self.seen += 1
        beam.metrics.Metrics.counter("test", "seen").inc()
        yield x if x % 2 == 0 else beam.pvalue.TaggedOutput("odd", x)

    def finish_bundle(self):
        yield beam.pvalue.TaggedOutput("counts", GlobalWindows.windowed_value(self.seen))


class _BundleIdFn(beam.DoFn):
    """x → (bundle id, x): which elements ran in one bundle (one dask partition)."""

    def start_bundle(self):
        self.bundle = uuid.uuid4().hex

    def process(self, x):
        yield self.bundle, x


def bundle_sizes(pcoll):
    """PCollection → a singleton sorted list of how many elements each bundle held."""
    return (
        pcoll
        | "InBundles" >> beam.ParDo(_BundleIdFn())
        | "PerBundle" >> beam.combiners.Count.PerKey()
        | "Sizes" >> beam.Values()
        | "All" >> beam.combiners.ToList()
        | "Sorted" >> beam.Map(sorted)
    )


@pytest.mark.parametrize(
    "runner", [DaskRunner, beams_fails("every consumer of a tag gets all outputs", BeamAssertException)]
)
def test_each_tag_goes_only_to_its_consumers(runner, dask_scheduler):
    with pipeline(runner, dask_scheduler) as p:
        split = p | beam.Create(range(10)) | beam.ParDo(_SplitOddFn()).with_outputs("odd", "counts", main="even")
        assert_that(split.odd, equal_to([1, 3, 5, 7, 9]))


@pytest.mark.parametrize(
    "runner", [DaskRunner, beams_fails("outputs of finish_bundle are dropped", BeamAssertException)]
)
def test_finish_bundle_outputs_are_kept(runner, dask_scheduler):
    with pipeline(runner, dask_scheduler) as p:
        split = p | beam.Create(range(10)) | beam.ParDo(_SplitOddFn()).with_outputs("odd", "counts", main="even")
        assert_that(split.counts | beam.CombineGlobally(sum), equal_to([10]))


def _write_marker(x, folder, kind):
    mark(Path(folder), kind)
    return x


@pytest.mark.parametrize(
    "runner", [DaskRunner, beams_fails("only the last leaf of the graph is computed", AssertionError)]
)
def test_every_sink_runs(runner, dask_scheduler, tmp_path):
    with pipeline(runner, dask_scheduler) as p:
        numbers = p | beam.Create(range(4))
        _ = numbers | "SinkA" >> beam.Map(_write_marker, str(tmp_path), "a")
        _ = numbers | "SinkB" >> beam.Map(_write_marker, str(tmp_path), "b")
    assert (marks(tmp_path, "a"), marks(tmp_path, "b")) == (4, 4)


@pytest.mark.parametrize(
    "runner", [DaskRunner, beams_fails("a side input is recomputed for every partition", AssertionError)]
)
def test_a_side_input_is_computed_once(runner, dask_scheduler, tmp_path):
    with pipeline(runner, dask_scheduler, "--dask_npartitions=8") as p:
        side = p | "Side" >> beam.Create([1, 2, 3]) | "Produce" >> beam.Map(_write_marker, str(tmp_path), "side")
        added = (
            p
            | "Main" >> beam.Create(range(16))
            | "Add"
            >> beam.Map(
                lambda x, s, t: x + sum(s) + t,
                s=beam.pvalue.AsList(side),
                t=beam.pvalue.AsSingleton(side | beam.CombineGlobally(sum)),
            )
        )
        assert_that(added, equal_to([x + 12 for x in range(16)]))
    assert marks(tmp_path, "side") == 3


@pytest.mark.parametrize("runner", [DaskRunner, beams_fails("metrics() raises", NotImplementedError)])
def test_metrics_are_counted_exactly(runner, dask_scheduler):
    p = pipeline(runner, dask_scheduler)
    _ = p | beam.Create(range(25)) | beam.ParDo(_SplitOddFn()).with_outputs("odd", "counts", main="even")
    result = p.run()
    result.wait_until_finish()
    (counter,) = result.metrics().query(MetricsFilter().with_name("seen"))["counters"]
    assert counter.committed == counter.attempted == 25


@pytest.mark.parametrize("runner", [DaskRunner, beams_fails("Read is a no-op", AttributeError)])
def test_a_bounded_source_is_read(runner, dask_scheduler, tmp_path):
    lines = [f"line {i}" for i in range(100)]
    (tmp_path / "a.txt").write_text("\n".join(lines[:60]) + "\n")
    (tmp_path / "b.txt").write_text("\n".join(lines[60:]) + "\n")
    with pipeline(runner, dask_scheduler) as p:
        assert_that(p | beam.io.ReadFromText(str(tmp_path / "*.txt")), equal_to(lines))


@pytest.mark.parametrize("runner", [DaskRunner, beams_fails("Reshuffle is a no-op", AssertionError)])
def test_reshuffle_spreads_a_fan_out(runner, dask_scheduler):
    with pipeline(runner, dask_scheduler) as p:
        spread = p | beam.Create([100]) | beam.FlatMap(lambda n: list(range(n))) | beam.Reshuffle()
        # 2 worker threads: at least 2 bundles, none with more than about half of the elements
        assert_that(bundle_sizes(spread), lambda sizes: _check(len(sizes[0]) >= 2 and max(sizes[0]) <= 60, sizes))


@pytest.mark.parametrize(
    "runner", [DaskRunner, beams_fails("Create puts up to 128 elements in one partition", AssertionError)]
)
def test_create_spreads_its_elements(runner, dask_scheduler):
    with pipeline(runner, dask_scheduler) as p:
        files = p | beam.Create([f"file-{i}" for i in range(40)])
        assert_that(bundle_sizes(files), lambda sizes: _check(max(sizes[0]) <= 10, sizes))


def _check(condition: bool, detail) -> None:
    if not condition:
        raise AssertionError(detail)


class _LifecycleFn(beam.DoFn):
    def __init__(self, folder: str):
        self._folder = folder

    def setup(self):
        mark(Path(self._folder), "setup")

    def process(self, x):
        yield x

    def teardown(self):
        mark(Path(self._folder), "teardown")


@pytest.mark.parametrize(
    "runner", [DaskRunner, beams_fails("setup and teardown run around every partition", AssertionError)]
)
def test_a_dofn_is_set_up_once_per_worker_and_torn_down_at_the_end(runner, dask_scheduler, tmp_path):
    with pipeline(runner, dask_scheduler, "--dask_npartitions=12") as p:
        out = p | beam.Create(range(48)) | beam.ParDo(_LifecycleFn(str(tmp_path)))
        assert_that(out, equal_to(list(range(48))))
    assert 1 <= marks(tmp_path, "setup") <= 2  # two single-threaded workers
    assert marks(tmp_path, "teardown") == marks(tmp_path, "setup")


@pytest.mark.parametrize("runner", [DaskRunner, beams_fails("Flatten of no collections fails", TypeError)])
def test_flatten_of_nothing_is_empty(runner, dask_scheduler):
    with pipeline(runner, dask_scheduler) as p:
        assert_that(() | beam.Flatten(pipeline=p), equal_to([]))


def test_impulse_starts_a_pipeline(dask_scheduler):
    with pipeline(DaskRunner, dask_scheduler) as p:
        assert_that(p | beam.Impulse() | beam.Map(len), equal_to([0]))


def test_group_by_key_groups_string_keys_across_processes(dask_scheduler):
    """Keys are hashed the same in every worker process (Python's str hash is salted per process)."""
    words = [f"w{i % 37}" for i in range(2000)]
    with pipeline(DaskRunner, dask_scheduler) as p:
        counts = (
            p
            | beam.Create(words)
            | beam.Map(lambda w: (w, 1))
            | beam.GroupByKey()
            | beam.MapTuple(lambda w, ones: (w, len(ones)))
        )
        assert_that(counts, equal_to([(f"w{i}", len(range(i, 2000, 37))) for i in range(37)]))


def test_unsupported_windowing_fails_at_launch_naming_the_transform(dask_scheduler):
    p = pipeline(DaskRunner, dask_scheduler)
    _ = (
        p
        | beam.Create([1, 2])
        | beam.Map(lambda x: TimestampedValue((x, x), x))
        | beam.WindowInto(FixedWindows(10))
        | "GroupInWindows" >> beam.GroupByKey()
    )
    with pytest.raises(NotImplementedError, match="GroupInWindows: only the global window"):
        p.run()


def test_a_failing_dofn_fails_the_run_with_its_error(dask_scheduler):
    def fail(x):
        raise ValueError(f"bad element {x}")

    p = pipeline(DaskRunner, dask_scheduler)
    _ = p | beam.Create([7]) | beam.Map(fail)
    with pytest.raises(ValueError, match="bad element 7"):
        p.run().wait_until_finish()


def test_without_an_address_a_local_cluster_is_started_and_closed():
    require_module("distributed")
    p = TestPipeline(runner=DaskRunner(), options=PipelineOptions(["--dask_local_workers=1"]), blocking=False)
    assert_that(p | beam.Create(["a", "b"]) | beam.Map(str.upper), equal_to(["A", "B"]))
    result = p.run()
    assert result.wait_until_finish() == "DONE"
    assert result.client.status == "closed"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--runner=DaskRunner"], ["--runner=corpusforge.pipeline.dask_runner.DaskRunner"]),
        (["--runner", "dask"], ["--runner", "corpusforge.pipeline.dask_runner.DaskRunner"]),
        (["--runner=DirectRunner", "--x=1"], ["--runner=DirectRunner", "--x=1"]),
        (
            ["--runner=apache_beam.runners.dask.dask_runner.DaskRunner"],
            ["--runner=apache_beam.runners.dask.dask_runner.DaskRunner"],
        ),
    ],
)
def test_the_short_name_selects_our_runner(options, expected):
    assert resolve_runner(options) == expected


def test_a_launcher_without_dask_stops_before_anything_runs(tmp_path, monkeypatch, capsys):
    """`corpusforge run ... --runner=DaskRunner` without the `dask` extra: one line naming the module, exit 2."""
    from corpusforge.pipeline.cli import EXIT_CONFIG_ERROR, main

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # `import dask.distributed` raises ImportError
    monkeypatch.delitem(sys.modules, "corpusforge.pipeline.dask_runner")  # imported again, without it
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    out = tmp_path / "out"
    assert main(["run", "run_configs/dask.yaml", "--output", str(out), "--quiet"]) == EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DaskRunner needs dask.distributed" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_module_the_workers_lack_is_named(dask_scheduler, tmp_path, monkeypatch):
    (tmp_path / "only_on_the_launcher.py").write_text("def double(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from only_on_the_launcher import double

    p = pipeline(DaskRunner, dask_scheduler)
    _ = p | beam.Create([1]) | beam.Map(double)
    with pytest.raises(ImportError, match="a worker cannot import only_on_the_launcher"):
        p.run().wait_until_finish()


def _log_progress(x):
    import logging

    logging.getLogger("corpusforge.test_progress").info("worker saw %s", x)
    logging.getLogger("corpusforge.test_quiet").info("not forwarded %s", x)
    return x


def test_worker_log_records_reach_the_launcher_at_the_configured_levels(dask_scheduler, caplog):
    caplog.set_level("INFO")
    overrides = '--sdk_harness_log_level_overrides={"corpusforge.test_progress": "INFO"}'
    with pipeline(DaskRunner, dask_scheduler, overrides) as p:
        _ = p | beam.Create(["a", "b"]) | beam.Map(_log_progress)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("corpusforge.test")]
    assert sorted(messages) == ["worker saw a", "worker saw b"]


def _profiler_running(_):
    from distributed import get_worker

    return get_worker().periodic_callbacks["profile"].is_running()


def test_the_worker_profiler_is_paused_while_a_job_runs(dask_scheduler):
    """The profiler would free a task's locals (a page's resiliparse HTML tree) on the event-loop thread,
    which that thread-bound object refuses; the job pauses it on every worker and resumes it at the end."""
    import distributed

    with pipeline(DaskRunner, dask_scheduler, "--dask_npartitions=4") as p:
        running = p | beam.Create(range(8)) | beam.Map(_profiler_running)
        assert_that(running, equal_to([False] * 8))
    with distributed.Client(dask_scheduler, set_as_default=False) as client:
        after = client.run(lambda dask_worker: dask_worker.periodic_callbacks["profile"].is_running())
    assert list(after.values()) == [True, True]
