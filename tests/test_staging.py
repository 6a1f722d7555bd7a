"""Staging: documents written once to the run's temporary folder and read back by location; the compact refs
the corpus-wide steps shuffle instead of texts; and a whole run that shuffles no text and leaves nothing behind."""

from __future__ import annotations

import json
import os
import random

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.coders import FastPrimitivesCoder
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from conftest import REPO

from corpusforge.pipeline.config import DedupConfig, MinHashConfig
from corpusforge.pipeline.output_dir import abandon, prepare_output
from corpusforge.transforms.accounting import REJECTED, TALLY, CombineTallies
from corpusforge.transforms.dedup import DedupExact, DedupKeys, DeduplicateDocuments, DedupNearDuplicates
from corpusforge.transforms.document import Document, Verdict, make_doc_id
from corpusforge.transforms.io import staging
from corpusforge.transforms.io.staging import (
    TEMPORARY_DIR,
    ReadStagedDocuments,
    StageDocuments,
    StagedWriter,
    _StageFn,
    delete_temporary,
    read_staged,
)


def c4_texts(shared_data, count: int) -> list[str]:
    with open(shared_data / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f][:count]


def test_staged_documents_come_back_exactly(shared_data, tmp_path):
    """Every field and meta value, with its type (tuples stay tuples), as the stages made them."""
    docs = [
        Document(
            id=make_doc_id("c4_demo.jsonl", i),
            text=text,
            url=f"https://example.com/{i}" if i % 3 else None,
            source="c4_demo.jsonl",
            fetch_date="2024-05-01T10:00:00Z" if i % 2 else None,
            source_id=f"c4-{i}",
            meta={"offset": i * 100, "lang": "en", "groups": ("gender",) * (i % 2), "quality": {"x": [1.5, None]}},
        )
        for i, text in enumerate(c4_texts(shared_data, 40))
    ]
    with TestPipeline() as p:
        refs = (p | beam.Create(docs) | StageDocuments(str(tmp_path))).main
        assert_that(refs | ReadStagedDocuments(str(tmp_path)), equal_to(docs))


def test_a_ref_is_compact_whatever_the_text_length(tmp_path):
    """What crosses the shuffles does not grow with the text; its size under Beam's coder does not depend on
    where the record landed either (fixed-width locations), so the shuffle figure is deterministic."""
    size = FastPrimitivesCoder().get_impl().estimate_size
    short = Document(id=make_doc_id("a", 1), text="A short page. " * 10, url="https://example.com/a", source="a")
    long = Document(id=make_doc_id("a", 2), text="A longer page, " * 100_000, url="https://example.com/b", source="a")
    refs = []
    for order in ((short, long), (long, short)):  # the short page at offset 0, then after 1.5 MB
        fn = _StageFn(str(tmp_path), DedupKeys(DedupConfig(enabled=True)))
        fn.start_bundle()
        refs.append({doc.id: ref for doc in order for ref in fn.process(doc)})
        list(fn.finish_bundle())
    first, second = (r[short.id] for r in refs)
    assert first.location != second.location and size(first) == size(second)
    long_ref = refs[0][long.id]
    assert long_ref.nbytes == len(long.text.encode()) and first.nbytes == len(short.text.encode())
    assert abs(size(long_ref) - size(first)) < 8 and size(long_ref) < 1024  # the integers' widths, not 1.5 MB
    assert len(long_ref.signature) == 4 * 112 and len(long_ref.text_hash) == 16


def test_read_staged_reads_any_subset_across_rolled_files(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "ROLL_BYTES", 50_000)  # several files
    monkeypatch.setattr(staging, "_READ_GAP", 2_000)  # both coalesced and separate reads
    rng = random.Random(5)
    records = [rng.randbytes(rng.choice([1, 10, 500, 5_000, 30_000])) for _ in range(300)]
    writer = StagedWriter(str(tmp_path), "test")
    locations = [writer.append(data) for data in records]
    writer.close()
    assert len({loc[:8] for loc in locations}) > 5
    expected = dict(zip(locations, records))
    for subset in (locations, locations[:1], rng.sample(locations, 30), locations[100:160]):
        got = list(read_staged(str(tmp_path), "test", subset))
        assert len(got) == len(set(subset)) and all(expected[loc] == data for loc, data in got)
    (path,) = (tmp_path / TEMPORARY_DIR / "test").glob(f"{locations[-1][:8].hex()}.bin")
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(OSError, match="truncated temporary file"):
        list(read_staged(str(tmp_path), "test", locations[-1:]))


def test_only_the_temporary_folder_is_deleted(tmp_path):
    (tmp_path / TEMPORARY_DIR / "documents").mkdir(parents=True)
    (tmp_path / TEMPORARY_DIR / "documents" / "0011223344556677.bin").write_bytes(b"x")
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "part-00000-of-00001.arrow").write_bytes(b"y")
    (tmp_path / "notes.txt").write_text("the user's")
    delete_temporary(str(tmp_path))
    assert not (tmp_path / TEMPORARY_DIR).exists()
    assert (tmp_path / "notes.txt").exists()
    run = prepare_output(str(tmp_path / "out"), overwrite=False)  # a run that fails keeps no staged documents
    os.makedirs(os.path.join(run.staging, TEMPORARY_DIR, "tokens"))
    with open(os.path.join(run.staging, TEMPORARY_DIR, "tokens", "8899aabbccddeeff.bin"), "wb") as f:
        f.write(b"z")
    abandon(run, "a reason")
    assert not os.path.exists(os.path.join(run.staging, TEMPORARY_DIR))
    delete_temporary(str(tmp_path))  # nothing there: nothing to do
    delete_temporary(str(tmp_path / "never-written"))


def test_a_key_that_fails_dead_letters_the_document_where_the_key_is_needed(shared_data, tmp_path):
    """A language label MinHash cannot look up breaks the signature: the document passes exact and URL
    dedup, and near dedup dead-letters it; the counts still reconcile. The keys' CPU, spent at staging, is
    tallied under the steps that need them."""
    texts = c4_texts(shared_data, 5)
    docs = [Document(id=f"d{i}", text=t, source="c4", meta={"lang": "en"}) for i, t in enumerate(texts)]
    docs.append(Document(id="broken", text=texts[0] + " more", source="c4", meta={"lang": ["en"]}))
    config = DedupConfig(enabled=True)
    with TestPipeline() as p:
        staged = p | beam.Create(docs) | StageDocuments(str(tmp_path), DedupKeys(config))
        timed = staged[TALLY] | beam.Map(lambda item: (item[0], type(item[1]).__name__, item[1].ns > 0))
        assert_that(
            timed | beam.Distinct(),
            equal_to([(("exact_dedup", "cpu"), "CpuTime", True), (("near_dedup", "cpu"), "CpuTime", True)]),
            label="KeysCpu",
        )
        result = staged.main | DeduplicateDocuments(config, out_dir=str(tmp_path))
        assert_that(result["main"] | beam.Map(lambda r: r.id), equal_to([f"d{i}" for i in range(5)]), label="Kept")
        assert_that(
            result[REJECTED] | beam.Map(lambda r: (r.verdict, r.stage, r.reason, r.detail.split(":")[0])),
            equal_to([(Verdict.DEAD_LETTER, "near_dedup", "stage_error", "TypeError")]),
            label="DeadLetter",
        )
        counts = result[TALLY] | CombineTallies() | beam.Map(lambda items: {k: v[0] for k, v in items})
        assert_that(
            counts | beam.Map(lambda c: [c[(s, "in")] for s in ("exact_dedup", "url_dedup", "near_dedup")]),
            equal_to([[6, 6, 6]]),
            label="Reached",
        )


@pytest.mark.parametrize(
    ("keys", "step"),
    [
        (None, DedupExact),  # no text hash: every document would be one group
        (DedupConfig(enabled=True, near=MinHashConfig(enabled=False)), DedupNearDuplicates),  # no signature
        (DedupConfig(enabled=True, near=MinHashConfig(num_perm=64)), DedupNearDuplicates),  # 64 values, not 112
    ],
)
def test_refs_staged_without_the_steps_keys_fail_the_run(tmp_path, keys, step):
    docs = [Document(id=f"d{i}", text=f"Page number {i} of a small test corpus.", source="t") for i in range(3)]
    with pytest.raises(Exception, match="stage documents with DedupKeys"):
        with TestPipeline() as p:
            refs = (p | beam.Create(docs) | StageDocuments(str(tmp_path), keys and DedupKeys(keys))).main
            _ = refs | step(out_dir=str(tmp_path))


def test_dedup_run_with_lines_is_identical_with_one_or_two_workers_and_shuffles_no_text(
    shared_data, tmp_path, run_with_one_and_two_workers
):
    """Every dedup step (line dedup too, which reads texts back and stages rewritten documents again) over
    real pages with planted copies: same bytes with 1 and 2 workers, every shuffled element under a
    kilobyte while documents average several, and no temporary file left."""
    texts = c4_texts(shared_data, 120)
    rows = []
    for i, text in enumerate(texts):
        # A shared footer line in every page: line dedup keeps it in its owner only.
        rows.append(
            {"id": f"p{i}", "text": f"{text}\nShare this article with your friends.", "url": f"https://s{i}.example/a"}
        )
    for i in range(0, 120, 10):  # exact copies under a tracking URL, and URL duplicates with new text
        rows.append({"id": f"copy{i}", "text": rows[i]["text"], "url": rows[i]["url"] + "?utm_source=x"})
        rows.append({"id": f"url{i}", "text": texts[i + 1][::-1], "url": rows[i]["url"], "date": "2030-01-01"})
    source = tmp_path / "corpus.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = tmp_path / "run.yaml"
    config.write_text(
        f"input:\n  paths: [{source}]\nclean:\n  enabled: false\nlanguage:\n  enabled: false\n"
        "dedup:\n  enabled: true\n  lines:\n    enabled: true\n    min_chars: 100\noutput:\n  shard_bytes: 50000\n"
    )
    manifest = run_with_one_and_two_workers(str(config))
    stats = manifest["stats"]
    assert stats["reconciled"]
    for stage, reason in (("exact_dedup", "exact_duplicate"), ("url_dedup", "duplicate_url")):
        assert stats["stages"][stage]["dropped"][reason]["records"] == 12
    assert stats["kept_text_bytes"] / stats["kept"] > 2000
    for stage, shuffled in stats["shuffle"]["stages"].items():
        assert shuffled["bytes"] / shuffled["elements"] < 1024, stage
    assert stats["shuffle"]["stages"]["write"]["bytes_per_kept_document"] < 150  # locations, not texts
    table = pa.concat_tables(
        pa.ipc.open_file(pa.memory_map(str(tmp_path / "out1" / s["path"]))).read_all() for s in manifest["shards"]
    )
    footers = [t.count("Share this article") for t in table.column("text").to_pylist()]
    assert sum(footers) == 1 and table.num_rows == stats["kept"]
    for out in ("out1", "out2"):
        assert not (tmp_path / out / TEMPORARY_DIR).exists()


def test_no_collection_of_documents_or_pages_enters_a_flatten(tmp_path, monkeypatch):
    """The DirectRunner buffers every Flatten of two or more collections whole in memory (the FnApiRunner's
    `sink_flattens`): in the graph of a recipe with every document path switched on (dropped documents, line
    dedup, tokenizer), what the reader, the extractor and the document stages emit enters a Flatten only as
    tallies and dead letters; their documents and drops go on, or are staged, first."""
    from apache_beam.portability import common_urns

    from corpusforge.pipeline.build import build_pipeline, document_stages, step_label
    from corpusforge.pipeline.config import load_config

    monkeypatch.chdir(REPO)  # the recipe's input paths are relative to the repository
    overrides = {"output.dir": str(tmp_path / "out"), "output.write_dropped": "all", "dedup.lines.enabled": True}
    config = load_config("run_configs/local.yaml", overrides=overrides)
    p = beam.Pipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=DirectRunner"]))
    build_pipeline(p, config)
    transforms = p.to_runner_api().components.transforms
    producers = {pcoll: (t.unique_name, tag) for t in transforms.values() for tag, pcoll in t.outputs.items()}
    flattens = [
        t for t in transforms.values() if t.spec.urn == common_urns.primitives.FLATTEN.urn and len(t.inputs) > 1
    ]
    assert any(t.unique_name == "FlattenDropped" for t in flattens)
    document_path = (
        "ReadDocuments/",
        "ExtractText/",
        *(f"Stage{step_label(s.name)}/" for s in document_stages(config)),
    )
    joined = {producers[pcoll] for t in flattens for pcoll in t.inputs.values()}
    assert not {(name, tag) for name, tag in joined if name.startswith(document_path) and tag not in (TALLY, REJECTED)}
