"""Same bytes everywhere: three recipes on four runners give byte-identical outputs.

The DirectRunner in process (1 worker) and with 2 worker processes, the PortableRunner with its embedded job server, and
corpusforge's Dask runner on a real 2-worker cluster (`dask_scheduler`, tests/conftest.py) each run the
default recipe, the FineWeb recipe and the dedup recipe on a few sample files; every file of each output
(document and token shards, dead letters, stats, the tokenizer model) and the manifest less `volatile` must
be equal to the first runner's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpusforge.pipeline.cli import main

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


def snapshot(out: Path) -> dict[str, object]:
    """Every file of a run by relative path: its bytes, and the manifest as JSON less `volatile`."""
    files: dict[str, object] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = str(path.relative_to(out))
        if name == "manifest.json":
            manifest = json.loads(path.read_text())
            manifest.pop("volatile")
            files[name] = manifest
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
