"""Output directories: never delete what corpusforge did not write; replace a run only with a finished one.

Each case of issue #11 §3 through the CLI (local disk: staging beside the target, two-rename swap, recovery
of a swap cut short) and through the API pieces on an object store (a `fakestore://` filesystem with no
folders, like gs:// and s3://: runs under runs/<id>/, published by `_LATEST`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pytest
from apache_beam.io.filesystem import BeamIOError, CompressionTypes, FileMetadata, FileSystem
from apache_beam.io.localfilesystem import LocalFileSystem
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from rich.console import Console

from corpusforge.pipeline.build import build_pipeline
from corpusforge.pipeline.cli import EXIT_CONFIG_ERROR, EXIT_OK, EXIT_RUN_FAILED, main
from corpusforge.pipeline.config import ConfigError, parse_config
from corpusforge.pipeline.inspect import inspect_run
from corpusforge.pipeline.output_dir import (
    FAILED_MARKER,
    LATEST,
    abandon,
    current_run,
    prepare_output,
    publish,
    recover_swap,
)

IN_MEMORY = ["--runner=DirectRunner"]


def small_config(tmp_path: Path, shared_data: Path, name: str = "small.yaml", **sections) -> Path:
    """A quick recipe on 20 real Common Crawl documents (Dolma's cc_en sample): read, clean, language."""
    raw = {
        "input": {"paths": [str(shared_data / "text/dolma-cc-en/*.jsonl.gz")]},
        "beam": {"options": IN_MEMORY},
    }
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    path = tmp_path / name
    path.write_text(json.dumps(raw))  # JSON is YAML
    return path


def run(config: Path, out: Path | str, *args: str) -> int:
    return main(["run", str(config), "--output", str(out), "--quiet", *args])


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` with its sha256: a byte-for-byte picture of a folder."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


# What differs between two runs of the same job: when it ran, how long each step took.
RUN_RECORDS = ("manifest.json", "timings.json", "report.html")


def same_data(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two runs' `tree_digest`s: a new run (its manifest differs) with the same data files."""
    data = [{k: v for k, v in d.items() if k not in RUN_RECORDS} for d in (a, b)]
    return a["manifest.json"] != b["manifest.json"] and data[0] == data[1]


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(out.name + "."))


@pytest.fixture(scope="module")
def finished(tmp_path_factory, shared_data) -> Path:
    """A finished run of the small recipe, to copy: staging folders filled without running Beam again."""
    root = tmp_path_factory.mktemp("finished")
    assert run(small_config(root, shared_data), root / "out") == EXIT_OK
    return root / "out"


def fill(staging: str, finished: Path, *, replaceable: bool | None = None) -> None:
    """Stand in for a run that finished in `staging`: the finished run's files (its manifest's
    `replaceable` set, if given)."""
    shutil.copytree(finished, staging, dirs_exist_ok=True)
    if replaceable is not None:
        manifest = json.loads((finished / "manifest.json").read_text())
        Path(staging, "manifest.json").write_text(json.dumps({**manifest, "replaceable": replaceable}))


def test_a_fresh_and_an_empty_folder_receive_a_run_without_leftovers(tmp_path, finished):
    assert sorted(p.name for p in finished.iterdir()) == [
        "_SUCCESS",
        "documents",
        "manifest.json",
        "rejects",
        "report.html",
        "stats.json",
        "timings.json",
    ]
    assert siblings(finished) == []  # the staging folder became the output
    empty = tmp_path / "empty"
    empty.mkdir()
    staged = prepare_output(str(empty), overwrite=False)
    assert staged.staging == f"{empty}.staging-{staged.run_id}" and Path(staged.staging, "_RUN").exists()
    fill(staged.staging, finished)
    publish(staged)
    assert tree_digest(empty) == tree_digest(finished) and siblings(empty) == []


def test_a_folder_with_anything_else_is_refused_and_left_alone(tmp_path, shared_data, finished, capsys):
    config = small_config(tmp_path, shared_data)
    mine = tmp_path / "mine"
    (mine / "documents").mkdir(parents=True)
    (mine / "documents" / "thesis.txt").write_text("four years of work")
    assert run(config, mine) == EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a finished corpusforge run" in err
    assert (mine / "documents" / "thesis.txt").read_text() == "four years of work" and siblings(mine) == []

    out = tmp_path / "out"  # a finished run with a user's file added into it: not replaced, even with --overwrite
    shutil.copytree(finished, out)
    (out / "documents" / "thesis.txt").write_text("four years of work")
    before = tree_digest(out)
    assert run(config, out, "--overwrite") == EXIT_CONFIG_ERROR
    assert "holds documents/thesis.txt, which the corpusforge run there did not write" in capsys.readouterr().err
    assert tree_digest(out) == before and siblings(out) == []
    (out / "documents" / "thesis.txt").unlink()
    (out / "notes").mkdir()  # an empty folder of the user's counts too
    assert run(config, out, "--overwrite") == EXIT_CONFIG_ERROR
    assert "holds notes/" in capsys.readouterr().err

    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert run(config, a_file) == EXIT_CONFIG_ERROR and a_file.read_text() == "x"


def test_a_finished_run_is_replaced_only_when_replaceable_or_with_overwrite(tmp_path, shared_data, finished, capsys):
    config = small_config(tmp_path, shared_data)
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    first = tree_digest(out)
    assert run(config, out) == EXIT_CONFIG_ERROR
    assert "already holds a finished run; pass --overwrite" in capsys.readouterr().err
    assert tree_digest(out) == first
    manifest = json.loads((out / "manifest.json").read_text())
    assert run(config, out, "--overwrite") == EXIT_OK
    replaced = tree_digest(out)
    assert same_data(replaced, first)  # a new run, same bytes
    assert {**json.loads((out / "manifest.json").read_text()), "volatile": None} == {**manifest, "volatile": None}
    assert siblings(out) == []

    scratch = tmp_path / "scratch"  # written with output.replaceable: replaced without --overwrite
    fill(str(scratch), finished, replaceable=True)
    staged = prepare_output(str(scratch), overwrite=False)
    fill(staged.staging, finished)
    publish(staged)
    assert json.loads((scratch / "manifest.json").read_text())["replaceable"] is False


def test_every_shipped_recipe_behaves_alike_on_a_second_run():
    """The sample recipe and the others: each marks its output replaceable, so rerunning one replaces it."""
    import yaml

    recipes = sorted((Path(__file__).resolve().parents[1] / "run_configs").glob("*.yaml"))
    assert len(recipes) >= 9
    for recipe in recipes:
        assert yaml.safe_load(recipe.read_text())["output"]["replaceable"] is True, recipe.name


def test_an_input_inside_the_output_is_refused_before_anything_is_written(tmp_path, shared_data, finished, capsys):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    before = tree_digest(out)
    dedup = small_config(tmp_path, shared_data, "dedup.yaml", clean={"enabled": False}, language={"enabled": False})
    # run_configs/dedup.yaml's use, pointed back at its own input: it once deleted the input before reading it
    code = run(dedup, out, "--overwrite", "--input", str(out / "documents" / "*.arrow"))
    assert code == EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "inside the output directory" in err
    assert tree_digest(out) == before and siblings(out) == []
    assert run(dedup, tmp_path / "deduped", "--input", str(out / "documents" / "*.arrow")) == EXIT_OK


def test_a_failed_run_leaves_the_previous_output_intact_and_its_own_diagnosis(tmp_path, shared_data, finished, capsys):
    config = small_config(tmp_path, shared_data)
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    before = tree_digest(out)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join('{"text": "unterminated\n' for _ in range(20)))
    assert run(config, out, "--overwrite", "--input", str(bad)) == EXIT_RUN_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "20 of 20 records dead-lettered" in err and "invalid_json" in err
    assert tree_digest(out) == before  # byte for byte
    (failed,) = siblings(out)
    staging = tmp_path / failed
    assert str(staging) in err
    assert {p.name for p in staging.iterdir()} >= {"_FAILED", "stats.json", "rejects", "_run.log"}
    assert not (staging / "_SUCCESS").exists() and not (staging / "documents").exists()
    assert len((staging / "rejects" / "dead_letters.jsonl").read_text().splitlines()) == 20
    assert main(["inspect", str(staging)]) == EXIT_OK
    assert "FAILED run: 20 of 20 records dead-lettered" in capsys.readouterr().out
    staged = prepare_output(str(out), overwrite=True)  # the next finished run cleans the failed one up
    fill(staged.staging, finished)
    publish(staged)
    assert siblings(out) == []


def test_a_swap_cut_short_is_finished_or_undone_at_the_next_launch(tmp_path, finished):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    published = tree_digest(out)
    run_id = "20250101T000000Z-abcdef"

    # Died after the first rename, the new run finished: the swap is completed.
    os.rename(out, tmp_path / f"out.old-{run_id}")
    shutil.copytree(tmp_path / f"out.old-{run_id}", tmp_path / f"out.staging-{run_id}")
    (tmp_path / f"out.staging-{run_id}" / "_RUN").write_text("{}")
    recover_swap(str(out))
    assert tree_digest(out) == published and siblings(out) == []

    # Died after the first rename, no finished run to publish: the old output comes back.
    os.rename(out, tmp_path / f"out.old-{run_id}")
    (tmp_path / f"out.staging-{run_id}").mkdir()
    (tmp_path / f"out.staging-{run_id}" / "_RUN").write_text("{}")
    recover_swap(str(out))
    assert tree_digest(out) == published and siblings(out) == [f"out.staging-{run_id}"]
    shutil.rmtree(tmp_path / f"out.staging-{run_id}")

    # Died after both renames: only the old copy remains to delete, which the next launch does.
    shutil.copytree(out, tmp_path / f"out.old-{run_id}")
    staged = prepare_output(str(out), overwrite=True)
    assert tree_digest(out) == published and siblings(out) == [Path(staged.staging).name]


def test_an_unfinished_run_whose_launcher_died_is_removed_by_the_next_publication(tmp_path, finished):
    out = tmp_path / "out"
    dead = tmp_path / "out.staging-20250101T000000Z-000001"
    (dead / "documents").mkdir(parents=True)
    (dead / "documents" / "part-00000-of-00001.arrow.tmp").write_bytes(b"partial")
    (dead / "_RUN").write_text(json.dumps({"run_id": "x", "host": socket.gethostname(), "pid": 2**22 + 1}))
    alive = tmp_path / "out.staging-20250101T000000Z-000002"  # a run launched now, from here: kept
    alive.mkdir()
    (alive / "_RUN").write_text(json.dumps({"run_id": "y", "host": socket.gethostname(), "pid": os.getpid()}))
    elsewhere = tmp_path / "out.staging-20250101T000000Z-000003"  # launched from another machine: kept
    elsewhere.mkdir()
    (elsewhere / "_RUN").write_text(json.dumps({"run_id": "z", "host": "another-host", "pid": 2**22 + 1}))
    staged = prepare_output(str(out), overwrite=False)
    fill(staged.staging, finished)
    publish(staged)
    assert siblings(out) == [alive.name, elsewhere.name]


class FakeObjectStore(FileSystem):
    """`fakestore://KEY` objects stored as files under ROOT, with what object stores lack: no folders
    (listing by prefix, mkdirs does nothing, `exists` is true of objects only, folders cannot be renamed)."""

    ROOT: ClassVar[Path | None] = None

    @classmethod
    def scheme(cls):
        return "fakestore"

    def _local(self, path: str) -> str:
        assert self.ROOT is not None
        return str(self.ROOT / path.removeprefix("fakestore://"))

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/"), *(p.strip("/") for p in paths)])

    def split(self, path):
        head, _, tail = path.rstrip("/").rpartition("/")
        return head, tail

    def mkdirs(self, path):
        pass

    def has_dirs(self):
        return False

    def _list(self, dir_or_prefix):
        for file in sorted(self.ROOT.rglob("*")):
            path = "fakestore://" + str(file.relative_to(self.ROOT))
            if file.is_file() and path.startswith(dir_or_prefix):
                yield FileMetadata(path, file.stat().st_size, file.stat().st_mtime)

    def create(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        os.makedirs(os.path.dirname(self._local(path)), exist_ok=True)
        return LocalFileSystem(None).create(self._local(path), mime_type, compression_type)

    def open(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        return LocalFileSystem(None).open(self._local(path), mime_type, compression_type)

    def copy(self, source_file_names, destination_file_names):
        for source, destination in zip(source_file_names, destination_file_names):
            os.makedirs(os.path.dirname(self._local(destination)), exist_ok=True)
            shutil.copyfile(self._local(source), self._local(destination))

    def rename(self, source_file_names, destination_file_names):
        for source, destination in zip(source_file_names, destination_file_names):
            if not os.path.isfile(self._local(source)):
                raise BeamIOError("rename: no such object (an object store renames no folders)", {source: None})
            os.makedirs(os.path.dirname(self._local(destination)), exist_ok=True)
            os.replace(self._local(source), self._local(destination))

    def exists(self, path):
        return os.path.isfile(self._local(path))

    def size(self, path):
        return os.path.getsize(self._local(path))

    def last_updated(self, path):
        return os.path.getmtime(self._local(path))

    def checksum(self, path):
        return str(self.size(path))

    def metadata(self, path):
        return FileMetadata(path, self.size(path), self.last_updated(path))

    def delete(self, paths):
        for path in paths:
            if not os.path.isfile(self._local(path)):
                raise BeamIOError("delete: no such object", {path: None})
            os.remove(self._local(path))


@pytest.fixture
def object_store(tmp_path, monkeypatch):
    monkeypatch.setattr(FakeObjectStore, "ROOT", tmp_path / "store")
    (tmp_path / "store").mkdir()
    return tmp_path / "store"


def run_in_memory(shared_data: Path, out_dir: str, staging: str) -> None:
    config = parse_config(
        {"input": {"paths": [str(shared_data / "text/dolma-cc-en/*.jsonl.gz")]}, "output": {"dir": out_dir}}
    )
    with TestPipeline(options=PipelineOptions(IN_MEMORY)) as p:
        build_pipeline(p, config, out_dir=staging)


def test_object_store_runs_are_published_by_a_pointer_written_last(object_store, shared_data, capsys):
    out = "fakestore://bucket/corpus"
    first = prepare_output(out, overwrite=False)
    assert first.staging == f"{out}/runs/{first.run_id}"
    run_in_memory(shared_data, out, first.staging)
    assert current_run(out) == out  # nothing published yet: readers find no run
    publish(first)
    assert (object_store / "bucket/corpus" / LATEST).read_text() == f"runs/{first.run_id}\n"
    assert current_run(out) == first.staging
    published = tree_digest(object_store / "bucket/corpus" / "runs" / first.run_id)
    assert "documents/part-00000-of-00001.arrow" in published and "_RUN" not in published
    shard = object_store / "bucket/corpus/runs" / first.run_id / "documents/part-00000-of-00001.arrow"
    assert pa.ipc.open_file(pa.memory_map(str(shard))).read_all().num_rows > 0
    assert inspect_run(out, Console(width=200)) == 0 and "complete" in capsys.readouterr().out

    with pytest.raises(ConfigError, match="already holds a finished run"):
        prepare_output(out, overwrite=False)
    failed = prepare_output(out, overwrite=True)
    abandon(failed, "a reason")  # a failed run keeps its marker until a later run is published
    assert (object_store / "bucket/corpus/runs" / failed.run_id / FAILED_MARKER).read_text() == "a reason\n"
    second = prepare_output(out, overwrite=True)
    run_in_memory(shared_data, out, second.staging)
    assert current_run(out) == first.staging  # readers keep the old run until the pointer moves
    publish(second)
    assert current_run(out) == second.staging
    runs = object_store / "bucket/corpus/runs"
    assert sorted({p.relative_to(runs).parts[0] for p in runs.rglob("*") if p.is_file()}) == [second.run_id]
    republished = tree_digest(object_store / "bucket/corpus/runs" / second.run_id)
    assert same_data(republished, published)

    (object_store / "bucket/corpus/mine.txt").write_text("a user's object")
    with pytest.raises(ConfigError, match="holds mine.txt, which no corpusforge run wrote"):
        prepare_output(out, overwrite=True)
    interrupted = "fakestore://bucket/other"
    staging = prepare_output(interrupted, overwrite=False)
    abandon(staging, None)  # an interrupted run leaves nothing
    assert not (object_store / "bucket/other").exists() or not any((object_store / "bucket/other").rglob("*.*"))


def test_an_arrow_input_cannot_name_a_folder_outside_the_output(tmp_path, shared_data):
    """`lang` read back from an input's meta names the partition folder only when it is a plain label."""
    from corpusforge.transforms.document import document_schema

    schema = document_schema(("lang", "lang_score"))
    rows = {name: [] for name in schema.names}
    for i, lang in enumerate(["../../escaped", "en"]):
        for name, value in (("id", f"{i:032x}"), ("source_id", None), ("url", None), ("text", f"text {i}")):
            rows[name].append(value)
        rows["source"].append("x.jsonl")
        rows["fetch_date"].append(None)
        rows["lang"].append(lang)
        rows["lang_score"].append(1.0)
        rows["meta"].append("{}")
    inputs = tmp_path / "in"
    inputs.mkdir()
    with pa.ipc.new_file(str(inputs / "crafted.arrow"), schema) as writer:
        writer.write_table(pa.table(rows, schema=schema))
    config = small_config(
        tmp_path,
        shared_data,
        clean={"enabled": False},
        language={"enabled": False},
        output={"partition_by_language": True},
    )
    out = tmp_path / "out"
    assert run(config, out, "--input", str(inputs / "*.arrow")) == EXIT_OK
    assert sorted(p.name for p in (out / "documents").iterdir()) == ["lang=en", "lang=und"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out", "small.yaml"]
