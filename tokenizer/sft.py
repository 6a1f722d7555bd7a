"""Fine-tuning data in Beam: the `sft` stage (render and tokenize each conversation) and its shards.

    documents ─► TrainTokenizer (or tokenizer.model_path) ─► model ─► WriteTokenizerFiles
        └──────► TokenizeConversations (stage `sft`: drops too_long, marker_in_content) ─► kept documents
                                 └ examples ─► WriteSftShards ─► sft/<split>/part-*.arrow ─► SummarizeSft

Shards (Arrow IPC files, uncompressed, so they memory-map; `corpusforge.loader` reads them):
    sft/<train|validation>/part-XXXXX-of-YYYYY.arrow, one row per example:
        id string, input_ids list<uint16|uint32>, loss_mask list<uint8>
      with `sft.packing`, rows of whole examples of at most `max_length` tokens, in id order:
        input_ids, loss_mask, segment_starts list<int32> (where each example starts in the row),
        segment_ids list<int32> (each example's index in the shard), ids list<string> (their ids)
    sft/preference_<train|validation>/part-*.arrow, one row per preference pair:
        id, chosen_input_ids, chosen_loss_mask, rejected_input_ids, rejected_loss_mask
A preference pair's split is `preference_` + its id's split, so that both layouts stay apart for the loader
(`ShardSet.from_run(run, kind="sft", split="preference_train")`). Ids are uint16 when the vocabulary has at
most 65,536 pieces. Splits by id hash (`tokenizer.validation_fraction`, the tokenizer's own split, so its
training sample never saw a validation example); an example goes to shard `id mod count` of its split and rows
follow ids, so shards are byte-identical whatever the runner or worker count.

CPU time (timings.json): encoding the conversations and writing the SFT shards under the `sft` stage,
training under `tokenizer_training` (tokenizer/transforms.py says how it is measured).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ConfigError, SftConfig, TokenizerConfig
from corpusforge.pipeline.files import atomic_write
from corpusforge.pipeline.layout import SFT_DIR
from corpusforge.tokenizer.chat import ChatTemplate, Encoded, SegmentEncoder, encode_examples, missing_markers
from corpusforge.tokenizer.encode import SentencePieceModel, split_of, token_dtype
from corpusforge.tokenizer.shards import table_bytes
from corpusforge.tokenizer.transforms import SECTION as TOKENIZER_SECTION
from corpusforge.tokenizer.transforms import KeyByShard, TokenizerModel, TrainTokenizer, WriteTokenizerFiles
from corpusforge.transforms.accounting import (
    DROPPED,
    REJECTED,
    TALLY,
    AccountingDoFn,
    drop,
    is_environment_fault,
    stage_error,
    timed,
)
from corpusforge.transforms.conversation import CONVERSATION, is_preference
from corpusforge.transforms.document import Document
from corpusforge.transforms.io.staging import StageDocuments
from corpusforge.transforms.io.write import file_info

SFT_STAGE = "sft"  # the funnel's stage, and the manifest and stats section
EXAMPLES = "examples"  # tagged output of TokenizeConversations
PREFERENCE = "preference_"  # split prefix of preference pairs
_MAX_BATCH = 256


@dataclasses.dataclass(frozen=True)
class TokenizedExample:
    """One example's tokens: `parts` {"": Encoded}, or {"chosen_", "rejected_"} for a preference pair."""

    id: str
    split: str
    format: str
    parts: dict[str, Encoded]
    exchanges_cut: int = 0

    @property
    def ntokens(self) -> int:
        return sum(len(p.input_ids) for p in self.parts.values())


def tokenizer_config(tokenizer: TokenizerConfig, sft: SftConfig) -> TokenizerConfig:
    """The tokenizer settings to train with: the template's markers added to the user-defined symbols."""
    symbols = tuple(dict.fromkeys((*tokenizer.user_defined_symbols, *sft.template.markers)))
    return dataclasses.replace(tokenizer, user_defined_symbols=symbols)


def check_config(
    sft: SftConfig, *, input_format: str, tokenizer: TokenizerConfig, model: TokenizerModel | None
) -> None:
    """Launch-time checks (ConfigError naming the key): the template, the input format, and that an existing
    model has every marker of the template as a single piece."""
    template = ChatTemplate(sft.template)
    if input_format != "sft":
        raise ConfigError(f"sft.enabled: needs input.format: sft (fine-tuning records), not {input_format!r}")
    if not tokenizer.enabled:
        raise ConfigError("sft.enabled: needs tokenizer.enabled (the model to tokenize with: trained, or model_path)")
    if model is not None:
        missing = missing_markers(SentencePieceModel(model.model_bytes), template)
        if missing:
            raise ConfigError(
                f"tokenizer.model_path: {tokenizer.model_path}: the chat template's markers "
                f"{', '.join(missing)} are not single pieces of the model (train it with them as "
                "user_defined_symbols, as corpusforge's default tokenizer does, or change sft.template)"
            )


def split_name(doc_id: str, *, preference: bool, seed: int, validation_fraction: float) -> str:
    split = split_of(doc_id, seed=seed, validation_fraction=validation_fraction)
    return PREFERENCE + split if preference else split


class _Loaded:
    """A worker's model, template and encoder (weak-referenceable, for `Shared`)."""

    def __init__(self, model_bytes: bytes, config: SftConfig):
        self.template = ChatTemplate(config.template)
        self.encoder = SegmentEncoder(SentencePieceModel(model_bytes), self.template)


class _TokenizeConversationsFn(AccountingDoFn):
    """[Document] → kept Document (main) and its TokenizedExample (EXAMPLES); drops, and the CPU time of
    encoding, tallied at stage `sft`."""

    def __init__(self, config: SftConfig, *, seed: int, validation_fraction: float):
        self._config = config
        self._seed = seed
        self._validation_fraction = validation_fraction
        self._shared = Shared()

    def process(self, batch: list[Document], model: TokenizerModel) -> Iterator[Any]:
        if not model.model_bytes:
            raise RuntimeError("sft: the tokenizer had nothing to train on (tokenizer.validation_fraction: 1?)")
        loaded = self._shared.acquire(lambda: _Loaded(model.model_bytes, self._config), tag=model.sha256)
        for doc in batch:
            self.tally.enter(SFT_STAGE, doc)
        started = time.thread_time_ns()
        try:
            results = self._encode(batch, loaded)
        except Exception as e:  # find the documents that break the stage, one by one
            if is_environment_fault(e):
                raise
            results = [self._encode_one(doc, loaded) for doc in batch]
        self.tally.cpu(SFT_STAGE, time.thread_time_ns() - started)
        for doc, result in zip(batch, results):
            if isinstance(result, Exception):
                rejection = stage_error(doc, SFT_STAGE, result)
                self.tally.reject(rejection)
                yield beam.pvalue.TaggedOutput(REJECTED, rejection)
            elif isinstance(result, tuple):
                reason, detail = result
                rejection = dataclasses.replace(drop(doc, SFT_STAGE, reason), detail=detail)
                self.tally.reject(rejection)
                yield beam.pvalue.TaggedOutput(DROPPED, (rejection, doc))
            else:
                self.tally.leave(SFT_STAGE, doc)
                yield doc
                yield beam.pvalue.TaggedOutput(EXAMPLES, self._example(doc, result))

    def _encode(self, batch: Sequence[Document], loaded: _Loaded) -> list:
        c = self._config
        conversations = [doc.meta[CONVERSATION] for doc in batch]
        return encode_examples(
            conversations,
            loaded.template,
            loaded.encoder,
            train_on=c.train_on,
            max_length=c.max_length,
            truncation=c.truncation,
        )

    def _encode_one(self, doc: Document, loaded: _Loaded) -> Any:
        try:
            return self._encode([doc], loaded)[0]
        except Exception as e:
            if is_environment_fault(e):
                raise
            return e

    def _example(self, doc: Document, encoded) -> TokenizedExample:
        conversation = doc.meta[CONVERSATION]
        split = split_name(
            doc.id,
            preference=is_preference(conversation),
            seed=self._seed,
            validation_fraction=self._validation_fraction,
        )
        return TokenizedExample(doc.id, split, conversation["format"], encoded.parts, encoded.exchanges_cut)


class TokenizeConversations(beam.PTransform):
    """PCollection[Document] (with conversations) → tagged: `documents` (kept), EXAMPLES (TokenizedExample),
    REJECTED (dead letters), DROPPED ((Rejection, Document), for output.write_dropped) and TALLY: the funnel's
    `sft` stage.

    `model`: a PCollection of one TokenizerModel.
    """

    def __init__(self, config: SftConfig, model, *, seed: int, validation_fraction: float):
        super().__init__()
        self._model = model
        self._fn = _TokenizeConversationsFn(config, seed=seed, validation_fraction=validation_fraction)

    def expand(self, docs: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=_MAX_BATCH)
            | "Encode"
            >> beam.ParDo(self._fn, model=beam.pvalue.AsSingleton(self._model)).with_outputs(
                EXAMPLES, REJECTED, DROPPED, TALLY, main="documents"
            )
        )


# --- shards ---------------------------------------------------------------------------------------------------


def sft_shard_name(split: str, index: int, count: int) -> str:
    return f"{SFT_DIR}/{split}/part-{index:05d}-of-{count:05d}.arrow"


def _lists(arrays: Sequence[np.ndarray], value_type: pa.DataType) -> pa.ListArray:
    """A list column from arrays, built from one concatenated buffer (no Python lists)."""
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    values = np.concatenate(arrays) if arrays else np.zeros(0, value_type.to_pandas_dtype())
    offsets = np.append(0, np.cumsum(lengths)).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=value_type))


def examples_table(examples: Sequence[TokenizedExample], dtype: np.dtype, *, preference: bool) -> pa.Table:
    """One row per example (SFT) or pair (preference), in the given order."""
    ids_type = pa.from_numpy_dtype(dtype)
    columns: dict[str, Any] = {"id": pa.array([e.id for e in examples], pa.string())}
    for part in ("chosen_", "rejected_") if preference else ("",):
        columns[f"{part}input_ids"] = _lists([e.parts[part].input_ids for e in examples], ids_type)
        columns[f"{part}loss_mask"] = _lists([e.parts[part].loss_mask for e in examples], pa.uint8())
    return pa.table(columns)


def pack_rows(lengths: Sequence[int], max_length: int) -> list[list[int]]:
    """Examples (by length, in order) packed greedily into rows of at most `max_length` tokens: a row takes the
    next examples while they fit. Order is kept, so rows are a pure function of the shard's examples."""
    rows: list[list[int]] = []
    size = max_length + 1
    for index, length in enumerate(lengths):
        if size + length > max_length:
            rows.append([])
            size = 0
        rows[-1].append(index)
        size += length
    return rows


def packed_table(examples: Sequence[TokenizedExample], max_length: int, dtype: np.dtype) -> pa.Table:
    """Rows of packed examples with their boundaries (`segment_starts`), shard-level indices and ids."""
    rows = pack_rows([len(e.parts[""].input_ids) for e in examples], max_length)
    ids_type = pa.from_numpy_dtype(dtype)
    starts = [
        np.cumsum([0] + [len(examples[i].parts[""].input_ids) for i in row[:-1]]).astype(np.int32) for row in rows
    ]
    return pa.table(
        {
            "input_ids": _lists(
                [np.concatenate([examples[i].parts[""].input_ids for i in row]) for row in rows], ids_type
            ),
            "loss_mask": _lists(
                [np.concatenate([examples[i].parts[""].loss_mask for i in row]) for row in rows], pa.uint8()
            ),
            "segment_starts": _lists(starts, pa.int32()),
            "segment_ids": _lists([np.array(row, dtype=np.int32) for row in rows], pa.int32()),
            "ids": pa.array([[examples[i].id for i in row] for row in rows], pa.list_(pa.string())),
        }
    )


def _row_order(example: TokenizedExample) -> tuple:
    return example.id, tuple(p.input_ids.tobytes() for p in example.parts.values())  # ids may repeat


class _WriteSftShardFn(AccountingDoFn):
    """((split, index), [TokenizedExample | None]) → the shard's file info; the CPU time of writing it on
    TALLY, under stage `sft`."""

    def __init__(self, *, out_dir: str, max_length: int, packing: bool):
        self._out_dir = out_dir
        self._max_length = max_length
        self._packing = packing

    def process(self, element, shard_counts: dict[str, int], model: TokenizerModel) -> Iterator[dict[str, Any]]:
        yield from timed(self._write(element, shard_counts, model), self.tally, SFT_STAGE)

    def _write(self, element, shard_counts: dict[str, int], model: TokenizerModel) -> Iterator[dict[str, Any]]:
        (split, index), examples = element
        examples = sorted((e for e in examples if e is not None), key=_row_order)
        dtype = token_dtype(model.vocab_size)
        preference = split.startswith(PREFERENCE)
        if self._packing and not preference:
            table = packed_table(examples, self._max_length, dtype)
        else:
            table = examples_table(examples, dtype, preference=preference)
        data = table_bytes(table)
        relpath = sft_shard_name(split, index, shard_counts[split])
        atomic_write(FileSystems.join(self._out_dir, relpath), data)
        trained = sum(int(p.loss_mask.sum()) for e in examples for p in e.parts.values())
        totals = {"split": split, "examples": len(examples), "tokens": sum(e.ntokens for e in examples)}
        yield {**file_info(relpath, data, table.num_rows), **totals, "trained_tokens": trained}


class WriteSftShards(beam.PTransform):
    """PCollection[TokenizedExample] → `sft/<split>/part-*.arrow` (module docstring); output: tagged `main`, one
    file info per shard (path, rows, bytes, sha256, split, examples, tokens, trained_tokens), and `tally`."""

    def __init__(self, out_dir: str, model, *, shard_bytes: int, max_length: int, packing: bool):
        super().__init__()
        self._model = model
        self._shard_bytes = shard_bytes
        self._fn = _WriteSftShardFn(out_dir=out_dir, max_length=max_length, packing=packing)

    def expand(self, examples: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        model = beam.pvalue.AsSingleton(self._model)
        sharded = examples | "KeyByShard" >> KeyByShard(self._model, shard_bytes=self._shard_bytes)
        counts = beam.pvalue.AsDict(sharded["counts"])
        return (
            sharded["keyed"]
            | "GroupShards" >> beam.GroupByKey()  # ((split, shard index), [TokenizedExample | None])
            | "Write" >> beam.ParDo(self._fn, shard_counts=counts, model=model).with_outputs(TALLY, main="main")
        )


# --- the whole path -------------------------------------------------------------------------------------------


def _summary(
    _,
    *,
    model: TokenizerModel,
    files: list[dict],
    shards: list[dict],
    formats: list,
    cut: list,
    config: SftConfig,
) -> Iterable[tuple[str, dict[str, Any]]]:
    """The `tokenizer` and `sft` sections of the manifest and stats."""
    shards = sorted(shards, key=lambda s: s["path"])
    dtype = token_dtype(model.vocab_size).name
    model_info = {"model_sha256": model.sha256 if model.model_bytes else None, "vocab_size": model.vocab_size}
    tokenizer = {
        "trained": model.trained,
        "files": sorted(files, key=lambda f: f["path"]),
        **model_info,
        "dtype": dtype,
    }
    yield (
        TOKENIZER_SECTION,
        {
            "manifest": tokenizer,
            "stats": {
                "sample": model.sample,
                "sampling_rates": {k: round(v, 6) for k, v in sorted(model.rates.items())},
            },
        },
    )
    splits = sorted({s["split"] for s in shards})
    per_split = {split: [s for s in shards if s["split"] == split] for split in splits}
    manifest = {
        **model_info,
        "dtype": dtype,
        "template": dataclasses.asdict(config.template),
        "train_on": config.train_on,
        "max_length": config.max_length,
        "truncation": config.truncation,
        "packing": config.packing,
        "shards": shards,
        "examples": {split: sum(s["examples"] for s in group) for split, group in per_split.items()},
        "tokens": {split: sum(s["tokens"] for s in group) for split, group in per_split.items()},
    }
    tokens = sum(s["tokens"] for s in shards)
    trained = sum(s["trained_tokens"] for s in shards)
    packed_rows = sum(s["rows"] for s in shards if not s["split"].startswith(PREFERENCE)) if config.packing else 0
    stats = {
        "formats": dict(sorted(formats)),
        "examples_cut": sum(n for k, n in cut if k),  # examples whose oldest exchanges were cut to fit
        "exchanges_cut": sum(k * n for k, n in cut),
        "tokens": tokens,
        "trained_tokens": trained,
        "trained_share": round(trained / tokens, 6) if tokens else 0.0,
    }
    if packed_rows:
        packed_tokens = sum(s["tokens"] for s in shards if not s["split"].startswith(PREFERENCE))
        stats["packing_fill"] = round(packed_tokens / (packed_rows * config.max_length), 6)
    yield SFT_STAGE, {"manifest": manifest, "stats": stats}


class SftCorpus(beam.PTransform):
    """PCollection[Document] (fine-tuning examples) → the tokenizer (trained, or `model`) and SFT shards.

    Output: a tagged result with `documents` (the examples the `sft` stage kept, for the document shards),
    `rejected`, `dropped`, `tally`, and `sections` (the `tokenizer` and `sft` sections for `WriteRunSummary`).
    """

    def __init__(
        self,
        config: SftConfig,
        tokenizer: TokenizerConfig,
        *,
        out_dir: str,
        seed: int,
        model: TokenizerModel | None = None,
    ):
        super().__init__()
        self._config = config
        self._tokenizer = tokenizer
        self._out_dir = out_dir
        self._seed = seed
        self._model = model

    def expand(self, docs) -> dict[str, beam.PCollection]:
        config, tokenizer = self._config, self._tokenizer
        tallies = []
        if self._model is None:
            # The trainer reads its sample's texts from staged documents (transforms/io/staging.py).
            staged = (docs | "StageForTraining" >> StageDocuments(self._out_dir)).main
            trained = staged | "TrainTokenizer" >> TrainTokenizer(
                tokenizer_config(tokenizer, config), seed=self._seed, out_dir=self._out_dir
            )
            model = trained["main"]
            tallies.append(trained[TALLY])
        else:
            model = docs.pipeline | "ExistingModel" >> beam.Create([self._model])
        files = model | "WriteTokenizerFiles" >> WriteTokenizerFiles(self._out_dir)
        tokenized = docs | "TokenizeConversations" >> TokenizeConversations(
            config, model, seed=self._seed, validation_fraction=tokenizer.validation_fraction
        )
        examples = tokenized[EXAMPLES]
        shards = examples | "WriteSftShards" >> WriteSftShards(
            self._out_dir,
            model,
            shard_bytes=tokenizer.shard_bytes,
            max_length=config.max_length,
            packing=config.packing,
        )
        formats = (
            examples
            | "Formats" >> beam.Map(lambda e: (e.format + (" preference" if e.split.startswith(PREFERENCE) else ""), 1))
            | "CountFormats" >> beam.CombinePerKey(sum)
        )
        cut = examples | "Cut" >> beam.Map(lambda e: (e.exchanges_cut, 1)) | "CountCut" >> beam.CombinePerKey(sum)
        sections = (
            docs.pipeline
            | "Trigger" >> beam.Create([None])
            | "Summarize"
            >> beam.FlatMap(
                _summary,
                model=beam.pvalue.AsSingleton(model),
                files=beam.pvalue.AsList(files),
                shards=beam.pvalue.AsList(shards.main),
                formats=beam.pvalue.AsList(formats),
                cut=beam.pvalue.AsList(cut),
                config=config,
            )
        )
        return {
            "documents": tokenized.documents,
            REJECTED: tokenized[REJECTED],
            DROPPED: tokenized[DROPPED],
            TALLY: [*tallies, tokenized[TALLY], shards[TALLY]] | "Tallies" >> beam.Flatten(),
            "sections": sections,
        }
