"""The Megatron-LM export (`tokenizer.export: [megatron]`): our writer's bytes against megatron-core's own
IndexedDatasetBuilder, the sample run's export read back with megatron-core's IndexedDataset and turned into
training samples by its GPTDataset, and the one-row-per-document output's export, identical with 1 and 2
workers. megatron-core needs torch (the `train` extra): without it these tests skip, except under CI."""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pyarrow as pa
import pytest
from conftest import require_module

from corpusforge.tokenizer.megatron import DATA_ARGS_FILE, indexed_dataset, megatron_dtype


@pytest.fixture(scope="module")
def megatron_core():
    require_module("torch")
    require_module("megatron.core")
    with warnings.catch_warnings():  # megatron-core warns on import that Transformer Engine and Apex are absent
        warnings.simplefilter("ignore")
        from megatron.core.datasets import indexed_dataset as megatron_indexed

    return megatron_indexed


def arrow_table(path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()


def documents_of_packed_rows(table: pa.Table, eos_id: int) -> list[np.ndarray]:
    """A packed shard's documents in row order: its token stream cut after every EOS (every document ends
    with one, and SentencePiece never produces EOS from text)."""
    stream = np.concatenate([np.asarray(r, dtype=np.int64) for r in table.column("tokens").to_pylist()])
    ends = np.flatnonzero(stream == eos_id) + 1
    assert ends[-1] == len(stream)
    return np.split(stream, ends[:-1])


@pytest.mark.parametrize("vocab_size", [2000, 100_000])
def test_our_bytes_equal_megatron_cores_builder(megatron_core, sample_run, tmp_path, vocab_size):
    table = arrow_table(sample_run / "tokens/train/part-00000-of-00004.arrow")
    docs = documents_of_packed_rows(table, eos_id=2)
    if vocab_size > 2**16:  # ids beyond uint16: the int32 file
        docs = [d + 65_000 for d in docs]
    dtype = megatron_dtype(vocab_size)
    for name, subset in (("docs", docs), ("empty", [])):
        builder = megatron_core.IndexedDatasetBuilder(str(tmp_path / f"{name}.bin"), dtype=dtype.type)
        for doc in subset:
            builder.add_document(doc, [len(doc)])  # what preprocess_data.py adds per document
        builder.finalize(str(tmp_path / f"{name}.idx"))
        data, index = indexed_dataset(subset, dtype)
        assert bytes(data) == (tmp_path / f"{name}.bin").read_bytes()
        assert index == (tmp_path / f"{name}.idx").read_bytes()


def test_the_runs_export_reads_back_and_trains_in_megatron(megatron_core, sample_run):
    manifest = json.loads((sample_run / "manifest.json").read_text())["tokenizer"]
    section = manifest["megatron"]
    assert section["dtype"] == "uint16" and section["data_args"] == DATA_ARGS_FILE
    for info in section["files"]:
        assert hashlib.sha256((sample_run / info["path"]).read_bytes()).hexdigest() == info["sha256"]
    for shard in manifest["shards"]:
        prefix = sample_run / shard["path"].removesuffix(".arrow")
        dataset = megatron_core.IndexedDataset(str(prefix))
        expected = documents_of_packed_rows(arrow_table(sample_run / shard["path"]), eos_id=2)
        assert len(dataset) == shard["documents"] == len(expected)
        assert dataset.document_indices.tolist() == list(range(len(expected) + 1))
        assert all(np.array_equal(dataset[i], doc) for i, doc in enumerate(expected))

    from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
    from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
    from megatron.core.datasets.utils import get_blend_from_list

    args = json.loads((sample_run / DATA_ARGS_FILE).read_text())
    assert args["test"] is None
    blends = [get_blend_from_list([str(sample_run / p) for p in args[s]]) if args[s] else None for s in args]
    train_prefixes = [
        str(sample_run / s["path"].removesuffix(".arrow")) for s in manifest["shards"] if s["split"] == "train"
    ]
    assert blends[0] == (train_prefixes, None)  # every shard, each used whole (no weights)

    class Tokenizer:  # what GPTDataset asks of Megatron's tokenizer (GPTSentencePieceTokenizer: eod = EOS)
        eod, pad, vocab_size = 2, -1, manifest["vocab_size"]
        unique_identifiers = {"class": "corpusforge-sample"}

    config = GPTDatasetConfig(
        random_seed=1,
        sequence_length=128,
        blend_per_split=blends,
        tokenizer=Tokenizer(),
        reset_position_ids=True,
        reset_attention_mask=True,
        eod_mask_loss=False,
        path_to_cache=None,
        mmap_bin_files=True,
    )
    train, valid, _ = BlendedMegatronDatasetBuilder(GPTDataset, [32, 8, None], lambda: True, config).build()
    assert len(train) == 32 and len(valid) >= 8
    for i in range(len(train)):
        sample = train[i]
        tokens, positions = sample["tokens"].numpy(), sample["position_ids"].numpy()
        assert len(tokens) == 128 and tokens.max() < manifest["vocab_size"]
        assert (positions[1:][tokens[:-1] == 2] == 0).all()  # Megatron restarts positions after our EOS


def test_document_output_export_is_the_rows_and_the_same_with_one_or_two_workers(
    megatron_core, shared_data, tmp_path, run_with_one_and_two_workers
):
    config = tmp_path / "run.yaml"
    config.write_text(
        f"input:\n  paths: [{shared_data / 'text/llama-factory-web/c4_demo.jsonl'}]\n"
        "quality:\n  enabled: false\n"
        "tokenizer:\n  enabled: true\n  vocab_size: 1000\n  num_threads: 2\n  output: documents\n"
        "  validation_fraction: 0.2\n  shard_bytes: 60000\n  export: [megatron]\n"
    )
    manifest = run_with_one_and_two_workers(str(config))["tokenizer"]  # every sha256 equal across the two runs
    out = tmp_path / "out1"
    shards = manifest["shards"]
    assert len(shards) > 3 and {s["split"] for s in shards} == {"train", "validation"}
    for shard in shards:
        rows = arrow_table(out / shard["path"]).column("tokens").to_pylist()
        dataset = megatron_core.IndexedDataset(str(out / shard["path"].removesuffix(".arrow")))
        assert [dataset[i].tolist() for i in range(len(dataset))] == rows
    args = json.loads((out / DATA_ARGS_FILE).read_text())
    nonempty = {s["path"].removesuffix(".arrow") for s in shards if s["documents"]}
    assert set(args["train"]) | set(args["valid"]) == nonempty


def test_an_unknown_export_format_is_a_config_error():
    from corpusforge.pipeline.config import ConfigError, parse_config

    assert parse_config({"tokenizer": {"export": "megatron"}}).tokenizer.export == ("megatron",)
    with pytest.raises(ConfigError, match=r"tokenizer\.export\[0\]: expected one of 'megatron', got 'bin'"):
        parse_config({"tokenizer": {"export": ["bin"]}})
