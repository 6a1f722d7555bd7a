"""The assembled pipeline on real inputs: accounting, outputs, determinism, and the CLI around it."""

from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from warcio.archiveiterator import ArchiveIterator

from corpusforge.pipeline.build import build_pipeline
from corpusforge.pipeline.cli import main
from corpusforge.pipeline.config import parse_config

REPO = Path(__file__).resolve().parents[1]
IN_MEMORY = ["--runner=DirectRunner"]


def config_for(inputs, out_dir, **sections):
    raw = {
        "input": {"paths": [str(p) for p in inputs]},
        "output": {"dir": str(out_dir)},
        "beam": {"options": IN_MEMORY},
    }
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    return parse_config(raw)


def read_shards(out_dir: Path) -> pa.Table:
    paths = sorted((out_dir / "documents").glob("*.arrow"))
    return pa.concat_tables(pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in paths)


def independent_record_count(path: Path) -> int:
    """Records in a web archive by a second parser, warcio. warcio fails on these ARC files, so an ARC
    file is counted by its WARC conversion beside it (one record each, its warcinfo for the filedesc)."""
    if path.name.endswith(".arc.gz"):
        path = path.with_name(path.name.replace(".arc.gz", ".warc.gz"))
    with open(path, "rb") as f:
        return sum(1 for _ in ArchiveIterator(f))


def test_every_shared_web_archive_is_read_and_reconciles(shared_data, tmp_path):
    files = sorted(p for p in (shared_data / "warc").rglob("*") if p.is_file())
    config = config_for([shared_data / "warc" / "**"], tmp_path)
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(IN_MEMORY)) as p:
        outputs = build_pipeline(p, config)
        assert_that(outputs["stats"] | beam.Map(lambda s: s["reconciled"]), equal_to([True]))
    stats = json.loads((tmp_path / "stats.json").read_text())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {i["path"] for i in manifest["inputs"]} == {str(f.relative_to(shared_data / "warc")) for f in files}
    assert stats["stages"]["read"]["files"]["records"] == len(files)
    # Every record of every file is accounted for: a second parser counts the same records.
    assert stats["records_read"] == sum(independent_record_count(f) for f in files)
    assert stats["records_read"] == stats["kept"] + stats["dropped"] + stats["skipped"] + stats["dead_lettered"]
    for name, stage in stats["stages"].items():  # every stage accounts for what came in
        losses = sum(c["records"] for v in ("dropped", "skipped", "dead_letter") for c in stage.get(v, {}).values())
        if "in" in stage:
            assert stage["in"]["records"] == stage["out"]["records"] + losses, name
    order = list(stats["stages"])
    assert order == ["read", "extract", "clean", "language", "write"]
    for before, after in zip(order[1:], order[2:]):  # only WARC pages here: each stage feeds the next
        assert (
            stats["stages"][before]["out"]["records"]
            == stats["stages"][after].get("in", stats["stages"][after]["out"])["records"]
        )
    assert stats["stages"]["extract"]["out"]["records"] > 450 and stats["kept"] > 400
    table = read_shards(tmp_path)
    assert table.num_rows == stats["kept"] == sum(s["rows"] for s in manifest["shards"])
    assert len(set(table.column("id").to_pylist())) == table.num_rows
    assert (tmp_path / "_SUCCESS").exists()


def test_jsonl_and_warc_together_with_dead_letters(shared_data, tmp_path):
    bad = tmp_path / "in" / "bad.jsonl"
    bad.parent.mkdir()
    bad.write_bytes(b'{"text": "fine document"}\n{"text": \n\n{"id": 3}\n\xff\xfe\n')
    config = config_for([shared_data / "warc/dolma/*.warc.gz", bad], tmp_path / "out")
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(IN_MEMORY)) as p:
        outputs = build_pipeline(p, config)
        assert_that(
            outputs["rejected"] | beam.Map(lambda r: (r.source, r.reason)),
            equal_to([("bad.jsonl", "invalid_json"), ("bad.jsonl", "missing_text"), ("bad.jsonl", "invalid_utf8")]),
        )
    stats = json.loads((tmp_path / "out/stats.json").read_text())
    assert stats["dead_lettered"] == 3 and stats["reconciled"]
    assert stats["stages"]["read"]["skipped"]["blank_line"]["records"] == 1
    lines = (tmp_path / "out/rejects/dead_letters.jsonl").read_text().splitlines()
    assert [json.loads(line)["offset"] for line in lines] == [26, 37, 47]  # byte offsets of the bad lines


def run_cli(*args: str) -> int:
    return main(list(args))


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    return path


def test_cli_run_then_refuse_then_overwrite(shared_data, tmp_path, capsys):
    config = write_config(tmp_path, "input:\n  paths: [" + str(shared_data / "warc/dolma/*.warc.gz") + "]\n")
    out = tmp_path / "out"
    assert run_cli("run", str(config), "--output", str(out), "--quiet", "--", *IN_MEMORY) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stats"]["stages"]["extract"]["out"]["records"] == 37 and manifest["replaceable"] is False

    assert run_cli("run", str(config), "--output", str(out), "--quiet") == 2
    err = capsys.readouterr().err.strip()
    assert err == f"corpusforge: error: output {out}: already holds a finished run; pass --overwrite to replace it"
    assert (out / "_SUCCESS").exists()  # refused before anything was touched

    stray = out / "documents" / "part-99999-of-99999.arrow"  # not the run's own: never deleted
    stray.write_bytes(b"stale")
    assert run_cli("run", str(config), "--output", str(out), "--overwrite", "--quiet", "--", *IN_MEMORY) == 2
    assert stray.read_bytes() == b"stale" and "did not write" in capsys.readouterr().err
    stray.unlink()
    assert run_cli("run", str(config), "--output", str(out), "--overwrite", "--quiet", "--", *IN_MEMORY) == 0

    assert run_cli("inspect", str(out)) == 0
    assert f"{manifest['stats']['kept']} documents in 1 shards" in capsys.readouterr().out


def test_cli_input_may_be_repeated(shared_data, tmp_path):
    config = write_config(tmp_path, "input:\n  paths: [unused]\n")
    out = tmp_path / "out"
    assert (
        run_cli(
            "run",
            str(config),
            "--output",
            str(out),
            "--quiet",
            "--input",
            str(shared_data / "warc/dolma/sample-0000.warc.gz"),
            "--input",
            str(shared_data / "warc/dolma/sample-0001.warc.gz"),
            "--",
            *IN_MEMORY,
        )
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == ["sample-0000.warc.gz", "sample-0001.warc.gz"]


def test_replaceable_run_is_replaced_without_overwrite(shared_data, tmp_path):
    config = write_config(
        tmp_path, f"input:\n  paths: [{shared_data / 'warc/dolma/sample-0000.warc.gz'}]\noutput:\n  replaceable: true\n"
    )
    for _ in range(2):
        assert run_cli("run", str(config), "--output", str(tmp_path / "out"), "--quiet", "--", *IN_MEMORY) == 0


@pytest.mark.parametrize(
    "config_text, extra, message",
    [
        ("input:\n  paths: [x]\nouput: {}\n", [], "run.yaml: ouput: unknown key"),
        (
            "input:\n  paths: [x]\noutput:\n  shard_bytes: -1\n",
            [],
            "run.yaml: output.shard_bytes: expected a value >= 1, got -1",
        ),
        ("input:\n  paths: ['{tmp}/nothing/*.warc.gz']\n", [], "input {tmp}/nothing/*.warc.gz: matches no file"),
        (
            "input:\n  paths: ['{tmp}/run.yaml']\n",
            [],
            "input {tmp}/run.yaml: cannot tell its format from the name; set input.format",
        ),
        ("output:\n  dir: x\n", [], "run.yaml: input.paths: no input given; set it or pass --input GLOB"),
        (
            "input:\n  paths: [x]\n",
            ["--set", "output.compression=brotli"],
            "output.compression: expected one of 'none', 'zstd', 'lz4', got 'brotli'",
        ),
        ("input:\n  paths: [x]\n", ["--set", "nonsense"], "--set 'nonsense': expected KEY=VALUE"),
    ],
)
def test_cli_config_errors_exit_2_with_one_line(tmp_path, capsys, config_text, extra, message):
    config = write_config(tmp_path, config_text.replace("{tmp}", str(tmp_path)))
    assert run_cli("run", str(config), "--output", str(tmp_path / "out"), *extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message.replace("{tmp}", str(tmp_path)) in err
    assert not (tmp_path / "out").exists()


def test_cli_missing_config_and_help(tmp_path, capsys):
    assert run_cli("run", str(tmp_path / "absent.yaml")) == 2
    assert "absent.yaml: no such configuration file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        run_cli("run", "--help")
    assert exit_info.value.code == 0 and "--overwrite" in capsys.readouterr().out


def test_same_input_same_bytes_with_one_or_two_workers(shared_data, tmp_path, run_with_one_and_two_workers):
    """Shards and manifest (less its volatile section) are byte-identical across worker counts."""
    config = write_config(
        tmp_path,
        "input:\n  paths:\n"
        f"    - {shared_data / 'warc/dolma/*.warc.gz'}\n"
        f"    - {shared_data / 'warc/resiliparse/*.warc.gz'}\n"
        f"    - {shared_data / 'text/llama-factory-web/c4_demo.jsonl'}\n"
        "output:\n  shard_bytes: 100000\n",
    )
    manifest = run_with_one_and_two_workers(str(config))
    assert len(manifest["shards"]) > 3
    for shard in manifest["shards"]:
        assert (tmp_path / "out1" / shard["path"]).read_bytes() == (tmp_path / "out2" / shard["path"]).read_bytes()
    volatile = json.loads((tmp_path / "out1/manifest.json").read_text())["volatile"]
    assert volatile["beam.options"] == ["--runner=DirectRunner"]  # command-line options stay out of the config


def test_input_without_documents_finishes_with_no_shards(shared_data, tmp_path):
    """A WAT file holds only metadata records: every record is skipped and the run still completes."""
    config = config_for([shared_data / "warc/whirlwind/whirlwind.warc.wat.gz"], tmp_path, run={"allow_empty": True})
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(IN_MEMORY)) as p:
        build_pipeline(p, config)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["shards"] == [] and manifest["stats"]["kept"] == 0
    assert manifest["stats"]["skipped"] == manifest["stats"]["records_read"] == 2
    assert (tmp_path / "_SUCCESS").exists()
