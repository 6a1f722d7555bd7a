"""Shared test fixtures.

Real third-party data lives in ../shared/data beside the checkout (never copied here). Tests that read it are
marked `real_data` (automatically when they use the `shared_data` fixture); without the data they are skipped,
so the pure unit tests run anywhere, except under CI (`CI` set, as `.ci/run` does), where a missing data
folder or optional tool fails the run instead: real-data tests are never skipped silently there.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
IN_CI = bool(os.environ.get("CI"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_data)
    if SHARED_DATA.is_dir():
        return
    if IN_CI:
        raise pytest.UsageError(f"real test data missing: {SHARED_DATA} (see ../shared/README.md); CI needs it")
    skip = pytest.mark.skip(reason=f"real test data missing: {SHARED_DATA}")
    for item in items:
        if item.get_closest_marker("real_data"):
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _no_prism_runner():
    """TestPipeline's DirectRunner on the FnApiRunner, as the CLI runs it (`direct_runner.pipeline_runner`):
    Beam's DirectRunner would first download the Prism runner from GitHub where the network allows it."""
    from apache_beam.runners.direct.direct_runner import SwitchingDirectRunner

    from corpusforge.pipeline.direct_runner import FnApiDirectRunner

    original = SwitchingDirectRunner.run_pipeline
    SwitchingDirectRunner.run_pipeline = lambda self, pipeline, options: FnApiDirectRunner().run_pipeline(
        pipeline, options
    )
    yield
    SwitchingDirectRunner.run_pipeline = original


def require_module(name: str) -> None:
    """Skip the calling test when an optional module (an extra: torch, dask) is not installed; under CI fail."""
    if importlib.util.find_spec(name) is None:
        message = f"optional module {name!r} is not installed (pip install -e '.[test,train,dask]')"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture
def run_with_one_and_two_workers(tmp_path):
    """Runs `corpusforge run ARGS --output tmp_path/out<N>` on the DirectRunner with 1, then 2 worker
    processes, checks that the two manifests (less `volatile`; they hold every shard's sha256) are equal,
    and returns that manifest."""
    from corpusforge.pipeline.cli import main

    def run(*args: str) -> dict:
        manifests = []
        for workers in (1, 2):
            out = tmp_path / f"out{workers}"
            options = [
                "--runner=DirectRunner",
                "--direct_running_mode=multi_processing",
                f"--direct_num_workers={workers}",
            ]
            assert main(["run", *args, "--output", str(out), "--quiet", "--", *options]) == 0
            manifest = json.loads((out / "manifest.json").read_text())
            manifest.pop("volatile")
            manifests.append(manifest)
        assert manifests[0] == manifests[1]
        return manifests[0]

    return run


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """The quickstart recipe on the shipped sample (raw WARC and JSONL → token shards, with the Megatron
    export), run once per session on the in-memory DirectRunner for the training-side tests; the run
    directory, which those tests only read."""
    from corpusforge.pipeline.cli import main

    out = tmp_path_factory.mktemp("sample_run") / "sample"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)  # the recipe's paths are relative to the repository root
        options = ["--set", "tokenizer.export=[megatron]", "--", "--runner=DirectRunner"]
        assert main(["run", "run_configs/local.yaml", "--output", str(out), "--quiet", *options]) == 0
    return out


@pytest.fixture(scope="session")
def sft_runs(sample_run, shared_data, tmp_path_factory) -> dict[str, Path]:
    """`run_configs/sft.yaml` on the first 60 records of LLaMA-Factory's Alpaca demo and the first 12 of its DPO
    demo, tokenized with the sample run's model (the pretraining recipe's tokenizer serves fine-tuning too),
    examples up to 512 tokens: `sft` (one row per example; the pairs under `sft/preference_*`) and `packed`
    (`sft.packing`). Run once per session on the in-memory DirectRunner; the tests only read them."""
    from corpusforge.pipeline.cli import main

    root = tmp_path_factory.mktemp("sft_runs")
    for name, count in (("alpaca_en_demo.json", 60), ("dpo_en_demo.json", 12)):
        records = json.loads((shared_data / "sft/llama-factory" / name).read_text(encoding="utf-8"))[:count]
        (root / name).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        for run, packing in (("sft", "false"), ("packed", "true")):
            runs[run] = root / run
            options = [
                *("--input", str(root / "*.json"), "--output", str(runs[run]), "--quiet"),
                *("--set", f"tokenizer.model_path={sample_run / 'tokenizer/tokenizer.model'}"),
                *("--set", "sft.max_length=512", "--set", f"sft.packing={packing}"),
            ]
            assert main(["run", "run_configs/sft.yaml", *options, "--", "--runner=DirectRunner"]) == 0
    return runs


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A real Dask cluster for one test module: a scheduler and 2 single-threaded worker processes on
    loopback, started here and shut down after the module; yields the scheduler address."""
    require_module("distributed")
    import logging

    import dask.distributed

    cluster = dask.distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.WARNING,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
