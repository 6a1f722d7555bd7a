"""Same bytes everywhere: three recipes on four runners give byte-identical outputs.

The DirectRunner in process (1 worker) and with 2 worker processes, the PortableRunner with its embedded
job server, and corpusforge's Dask runner on a real 2-worker cluster (`dask_scheduler`, tests/conftest.py)
each run the default recipe, the FineWeb recipe and the dedup recipe on a few sample files; every file of
each output (document and token shards, dead letters, stats, the tokenizer model) and the manifest less
`volatile` must be equal to the first runner's (timings.json and report.html, being measured, need only be
there). Then the cloud templates, as far as they can be checked without a cloud.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpusforge.pipeline.cli import main
from corpusforge.pipeline.layout import REPORT, TIMINGS

REPO = Path(__file__).resolve().parents[1]

# recipe: (config, inputs) — a few sample files each, so that the matrix stays fast enough for CI.
RECIPES = {
    "default": ("run_configs/local.yaml", ["samples/web/crawl-00.warc.gz", "samples/jsonl/docs-01.jsonl.gz"]),
    "fineweb": ("run_configs/fineweb.yaml", ["samples/web/crawl-01.warc.gz"]),
    "dedup": ("run_configs/dedup.yaml", ["samples/jsonl/*.jsonl*"]),
}


def runner_options(dask_scheduler: str) -> dict[str, list[str]]:
    return {
        "direct-1": ["--runner=DirectRunner", "--direct_running_mode=in_memory", "--direct_num_workers=1"],
        "direct-2": ["--runner=DirectRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=2"],
        "portable": ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"],
        "dask-2": ["--runner=DaskRunner", f"--dask_client_address={dask_scheduler}"],
    }


def counted(stats: dict) -> dict:
    """stats.json with only the element counts of its `shuffle` section: the bytes are an estimate, which may
    differ by runner (README, stats.json)."""
    stages = stats.get("shuffle", {}).get("stages", {})
    return {**stats, "shuffle": {stage: entry["elements"] for stage, entry in stages.items()}}


def snapshot(out: Path) -> dict[str, object]:
    """Every file of a run by relative path: its bytes, the manifest as JSON less `volatile`, stats.json less its
    shuffle bytes (an estimate); what is measured rather than counted (timings.json, and report.html, which
    shows it) only by name."""
    files: dict[str, object] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = str(path.relative_to(out))
        if name in (TIMINGS, REPORT):
            files[name] = "(measured)"
        elif name == "manifest.json":
            manifest = json.loads(path.read_text())
            manifest.pop("volatile")
            files[name] = {**manifest, "stats": counted(manifest["stats"])}
        elif name == "stats.json":
            files[name] = counted(json.loads(path.read_text()))
        else:
            files[name] = path.read_bytes()
    return files


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_gives_the_same_bytes_on_every_runner(recipe, dask_scheduler, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # the recipes' paths are relative to the repository root
    config, inputs = RECIPES[recipe]
    outputs = {}
    for runner, options in runner_options(dask_scheduler).items():
        out = tmp_path / runner
        assert main(["run", config, "--input", *inputs, "--output", str(out), "--quiet", "--", *options]) == 0
        outputs[runner] = snapshot(out)
    (reference_name, reference), *others = outputs.items()
    stats = reference["manifest.json"]["stats"]
    assert stats["reconciled"] and stats["kept"] > 0
    assert any(name.startswith("documents/") for name in reference)
    for runner, files in others:
        assert sorted(files) == sorted(reference), f"{runner}: other files than {reference_name}"
        differing = [name for name in reference if files[name] != reference[name]]
        assert not differing, f"{runner}: differs from {reference_name} in {differing}"


def test_the_dask_recipe_is_the_default_recipe_on_dask():
    """run_configs/dask.yaml differs from local.yaml only in its runner, run name and output folder."""
    from corpusforge.pipeline.config import load_config

    dask, local = (load_config(REPO / f"run_configs/{name}.yaml").to_dict() for name in ("dask", "local"))
    for config in (dask, local):
        config.pop("beam")
        config["run"].pop("name")
        config["output"].pop("dir")
    assert dask == local


# --- the cloud templates: what can be checked without a cloud --------------------------------------------

# A plausible value for every <placeholder> of the templates.
PLACEHOLDERS = {
    "<run-name>": "cc-main-2024-22",
    "<bucket>": "corpusforge-runs",
    "<gcp-project>": "corpusforge-project",
    "<region>": "us-central1",
    "<registry>": "us-docker.pkg.dev/corpusforge-project/images",
    "<max-workers>": "100",
    "<jobmanager-host>": "flink-jobmanager",
    "<flink-version>": "1.20",
    "<parallelism>": "64",
    "<spark-master-host>": "spark-master",
    "<aws-region>": "us-east-1",
}


def render(template: str, tmp_path: Path) -> Path:
    text = (REPO / "run_configs" / template).read_text()
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    rendered = tmp_path / template
    rendered.write_text(text)
    return rendered


def project_version() -> str:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def beam_options(flags: list[str]):
    """Flags as Beam parses them, and the names of those no Beam option class knows."""
    from apache_beam.options.pipeline_options import PipelineOptions

    options = PipelineOptions(flags)
    unknown = set(options.get_all_options(retain_unknown_options=True)) - set(options.get_all_options())
    return options, unknown


@pytest.mark.parametrize(
    ("template", "runner", "schemes"),
    [
        ("dataflow.yaml", "DataflowRunner", ("gs://",)),
        ("flink.yaml", "FlinkRunner", ("s3://", "gs://")),
        ("spark.yaml", "SparkRunner", ("s3://", "gs://")),
    ],
)
def test_a_cloud_template_renders_to_options_beam_accepts(template, runner, schemes, tmp_path):
    """Every placeholder filled, the config loads, paths are on cloud storage, every Beam option is one Beam's
    option classes know (without the gcp/aws extras installed), Beam's own validator finds nothing, and the
    workers' image is the one Dockerfile builds for this version."""
    from apache_beam.options.pipeline_options import (
        FlinkRunnerOptions,
        PortableOptions,
        SparkRunnerOptions,
        StandardOptions,
        WorkerOptions,
    )
    from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator

    from corpusforge.pipeline.config import load_config

    config = load_config(render(template, tmp_path))
    leftover = [
        value
        for value in (*config.input.paths, config.output.dir, config.run.name, *config.beam.options)
        if "<" in value
    ]
    assert not leftover, f"placeholders the test does not know: {leftover}"
    assert all(path.startswith(schemes) for path in config.input.paths) and config.output.dir.startswith(schemes)
    options, unknown = beam_options(list(config.beam.options))
    assert not unknown
    assert options.view_as(StandardOptions).runner == runner
    image = f"{PLACEHOLDERS['<registry>']}/corpusforge-beam:{project_version()}"
    if runner == "DataflowRunner":
        from apache_beam.runners.dataflow.dataflow_runner import DataflowRunner

        assert options.view_as(WorkerOptions).sdk_container_image == image
        assert PipelineOptionsValidator(options, DataflowRunner()).validate() == []
    else:
        assert options.view_as(PortableOptions).environment_type == "DOCKER"
        assert options.view_as(PortableOptions).environment_config == image
        assert PipelineOptionsValidator(options, None).validate() == []
    if runner == "FlinkRunner":
        flink = options.view_as(FlinkRunnerOptions)
        assert flink.flink_version in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS and flink.parallelism > 0
    if runner == "SparkRunner":
        assert options.view_as(SparkRunnerOptions).spark_master_url.startswith("spark://")


def test_the_worker_image_installs_the_locked_beam():
    """Dockerfile's base image is Beam's SDK harness of the locked apache-beam, for a supported Python."""
    dockerfile = (REPO / "Dockerfile").read_text()
    locked = next(
        line.split("==")[1]
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if line.startswith("apache-beam==")
    )
    assert f"ARG BEAM_VERSION={locked}\n" in dockerfile
    python = dockerfile.split("ARG PYTHON_VERSION=")[1].split()[0]
    assert python in ("3.11", "3.12", "3.13")
    assert "ARG BASE=apache/beam_python${PYTHON_VERSION}_sdk:${BEAM_VERSION}\nFROM ${BASE}\n" in dockerfile
    assert "-c constraints.txt" in dockerfile
