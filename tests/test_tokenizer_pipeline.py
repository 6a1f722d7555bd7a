"""The tokenizer in Beam: the whole path through the pipeline, determinism across worker counts, an existing
model, the one-row-per-document output, an empty corpus, and configuration errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest
import sentencepiece as spm
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.pipeline.cli import main
from corpusforge.pipeline.config import ConfigError, TokenizerConfig
from corpusforge.tokenizer.train import train_model
from corpusforge.tokenizer.transforms import SECTION, TokenizeCorpus, check_config, existing_model
from corpusforge.transforms.document import Document
from corpusforge.transforms.io.staging import StageDocuments

IN_MEMORY = ["--runner=DirectRunner"]
LANGUAGES = ("en", "de", "fr", "es", "ru", "ja", "zh")


def read_arrow(paths) -> pa.Table:
    return pa.concat_tables(pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in sorted(paths))


def multilingual_jsonl(shared_data: Path, path: Path, lines_per_doc: int = 20) -> None:
    """Lingua sentences of a few languages as documents of `lines_per_doc` lines each."""
    with path.open("w", encoding="utf-8") as f:
        for lang in LANGUAGES:
            lines = (shared_data / f"langid/lingua-sentences/{lang}.txt").read_text(encoding="utf-8").splitlines()
            for i in range(0, 400, lines_per_doc):
                f.write(json.dumps({"id": f"{lang}-{i}", "text": "\n".join(lines[i : i + lines_per_doc])}) + "\n")


def test_pipeline_tokens_same_with_one_or_two_workers_and_match_the_documents(
    shared_data, tmp_path, run_with_one_and_two_workers
):
    corpus = tmp_path / "lingua.jsonl"
    multilingual_jsonl(shared_data, corpus)
    config = tmp_path / "run.yaml"
    config.write_text(
        f"input:\n  paths: [{corpus}, {shared_data / 'text/llama-factory-web/c4_demo.jsonl'}]\n"
        "tokenizer:\n  enabled: true\n  vocab_size: 3000\n  num_threads: 2\n  character_coverage: 0.995\n"
        "  seq_len: 256\n  validation_fraction: 0.2\n  shard_bytes: 40000\n  sample_max_bytes: 400000\n"
    )
    manifest = run_with_one_and_two_workers(str(config))
    section = manifest[SECTION]
    files = [f["path"] for f in section["files"] + section["shards"]]
    assert len(section["shards"]) > 4 and {"tokenizer/tokenizer.model", "tokenizer/tokenizer.vocab"} <= set(files)
    for path in files:
        data = (tmp_path / "out1" / path).read_bytes()
        assert data == (tmp_path / "out2" / path).read_bytes(), path
        assert hashlib.sha256(data).hexdigest() == next(
            f["sha256"] for f in section["files"] + section["shards"] if f["path"] == path
        )

    # Where the time went, in timings.json only (stats.json is byte-identical): training, on the worker process's
    # clock for SentencePiece's threads, and tokenization, each under its own name.
    assert (tmp_path / "out1/stats.json").read_bytes() == (tmp_path / "out2/stats.json").read_bytes()
    for out in (tmp_path / "out1", tmp_path / "out2"):
        timings = json.loads((out / "timings.json").read_text())
        cpu, wall = timings["stage_cpu_secs"], timings["stage_wall_secs"]
        assert cpu["tokenizer_training"] > 0 and wall["tokenizer_training"] > 0 and cpu["tokenizer"] > 0
        assert timings["total_stage_cpu_secs"] == pytest.approx(sum(cpu.values()), abs=0.01)

    out = tmp_path / "out1"
    sp = spm.SentencePieceProcessor(model_file=str(out / "tokenizer/tokenizer.model"))
    assert section["model_sha256"] == hashlib.sha256((out / "tokenizer/tokenizer.model").read_bytes()).hexdigest()
    assert section["dtype"] == "uint16" and section["vocab_size"] == sp.vocab_size() == 3000
    documents = read_arrow((out / "documents").glob("*.arrow"))
    texts = dict(zip(documents.column("id").to_pylist(), documents.column("text").to_pylist()))
    langs = dict(zip(documents.column("id").to_pylist(), documents.column("lang").to_pylist()))
    assert set(langs.values()) >= set(LANGUAGES)

    rebuilt: dict[str, list[int]] = {}
    for split in ("train", "validation"):
        table = read_arrow((out / "tokens" / split).glob("*.arrow"))
        assert table.schema.field("tokens").type == pa.list_(pa.uint16())
        rows = table.column("tokens").to_pylist()
        assert all(len(r) <= 256 for r in rows)
        assert sum(map(len, rows)) == section["tokens"][split]
        for row, starts, ids in zip(
            rows, table.column("segment_starts").to_pylist(), table.column("segment_ids").to_pylist()
        ):
            for start, end, doc_id in zip(starts, [*starts[1:], len(row)], ids):
                rebuilt.setdefault(doc_id, []).extend(row[start:end])
    assert rebuilt.keys() == texts.keys()  # every kept document, in exactly one split (ids are unique here)
    for doc_id, tokens in rebuilt.items():
        assert tokens.count(sp.eos_id()) == 1 and tokens[-1] == sp.eos_id()
        assert sp.decode(tokens[:-1]) == sp.normalize(texts[doc_id]).replace("\u2581", " ").removeprefix(" ")
    per_language = {lang: sum(n.values()) for lang, n in section["tokens_by_language"].items()}
    assert per_language == {lang: sum(len(rebuilt[i]) for i in rebuilt if langs[i] == lang) for lang in per_language}

    stats = json.loads((out / "stats.json").read_text())[SECTION]
    sample = stats["sample"]
    assert set(sample) == set(langs.values())
    # Temperature sampling under a 400 kB budget: English (the c4 documents) is sampled down, the others less.
    assert stats["sampling_rates"]["en"] < min(stats["sampling_rates"][lang] for lang in LANGUAGES if lang != "en")
    assert sum(s["bytes"] for s in sample.values()) <= 400_000
    audit = stats["audit"]
    assert all(audit["languages"][lang]["held_out"] for lang in LANGUAGES)
    assert all(audit["languages"][lang]["unk_rate"] == 0 for lang in LANGUAGES)  # byte fallback
    assert audit["languages"]["ja"]["bytes_per_token"] > audit["languages"]["en"]["bytes_per_token"] / 2
    assert audit["vocabulary"]["size"] == 3000 and audit["vocabulary"]["rare_pieces"] == len(
        audit["vocabulary"]["rare"]
    )


def docs_of(texts: list[str]) -> list[Document]:
    return [Document(id=hashlib.md5(t.encode()).hexdigest(), text=t, meta={"lang": "en"}) for t in texts]


@pytest.fixture(scope="module")
def botchan_model(shared_data, tmp_path_factory) -> Path:
    lines = (shared_data / "text/sentencepiece-novels/botchan.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path_factory.mktemp("model") / "botchan.model"
    path.write_bytes(train_model(lines, TokenizerConfig(vocab_size=1000, num_threads=2), seed=0))
    return path


def test_existing_model_one_row_per_document(shared_data, botchan_model, tmp_path):
    texts = (shared_data / "text/llama-factory-web/c4_demo.jsonl").read_text().splitlines()[:40]
    texts = [json.loads(t)["text"] for t in texts]
    config = TokenizerConfig(enabled=True, model_path=str(botchan_model), output="documents", validation_fraction=0.0)
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(IN_MEMORY)) as p:
        section = (
            (p | beam.Create(docs_of(texts)) | StageDocuments(str(tmp_path))).main
            | TokenizeCorpus(config, out_dir=str(tmp_path), seed=0, model=existing_model(str(botchan_model)))
        )["main"]
        assert_that(section | beam.Map(lambda s: (s[0], s[1]["manifest"]["trained"])), equal_to([(SECTION, False)]))
    sp = spm.SentencePieceProcessor(model_file=str(botchan_model))
    assert (tmp_path / "tokenizer/tokenizer.model").read_bytes() == botchan_model.read_bytes()
    table = read_arrow((tmp_path / "tokens/train").glob("*.arrow"))
    assert sorted(table.column("id").to_pylist()) == sorted(d.id for d in docs_of(texts))
    by_id = {d.id: d.text for d in docs_of(texts)}
    for doc_id, tokens in zip(table.column("id").to_pylist(), table.column("tokens").to_pylist()):
        assert tokens == sp.encode(by_id[doc_id]) + [sp.eos_id()]
    assert not (tmp_path / "tokens/validation").exists()


def test_empty_corpus_gives_no_model_and_no_shards(tmp_path):
    config = TokenizerConfig(enabled=True, vocab_size=100)
    note = "tokenizer: no tokenizer trained and no tokens written: no kept text in the train split"
    skipped = {"status": "skipped", "vocab_size_requested": 100, "vocab_size": 0, "note": note}
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(IN_MEMORY)) as p:
        refs = (p | beam.Create([]) | StageDocuments(str(tmp_path))).main
        section = (refs | TokenizeCorpus(config, out_dir=str(tmp_path), seed=0))["main"]
        assert_that(
            section | beam.Map(lambda s: (s[1]["manifest"]["model_sha256"], s[1]["manifest"]["shards"], s[1]["stats"])),
            equal_to([(None, [], {"training": skipped, "sample": {}, "sampling_rates": {}})]),
        )
    assert not (tmp_path / "tokenizer").exists()


def test_config_errors_name_the_key(tmp_path, botchan_model):
    with pytest.raises(ConfigError, match=r"^tokenizer.model_path: no such file: .*missing.model$"):
        existing_model(str(tmp_path / "missing.model"))
    (tmp_path / "junk.model").write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="^tokenizer.model_path: .*junk.model: not a SentencePiece model"):
        existing_model(str(tmp_path / "junk.model"))
    assert existing_model(str(botchan_model)).vocab_size == 1000
    with pytest.raises(ConfigError, match=r"^tokenizer.pad_id: 2 is already tokenizer.eos_id$"):
        check_config(TokenizerConfig(pad_id=2))
    with pytest.raises(ConfigError, match=r"^tokenizer.eos_id: 500 is not below tokenizer.vocab_size \(100\)$"):
        check_config(TokenizerConfig(vocab_size=100, eos_id=500))
    check_config(TokenizerConfig(bos_id=-1, pad_id=-1))


def test_cli_refuses_a_missing_model(shared_data, tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(
        f"input:\n  paths: [{shared_data / 'text/llama-factory-web/c4_demo.jsonl'}]\n"
        f"tokenizer:\n  enabled: true\n  model_path: {tmp_path / 'nope.model'}\n"
    )
    assert main(["run", str(config), "--output", str(tmp_path / "out"), "--quiet", "--", *IN_MEMORY]) == 2
    assert "tokenizer.model_path: no such file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
