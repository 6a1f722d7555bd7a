"""The tokenizer's Beam transforms: train a model, tokenize the kept documents, write token shards, audit.

    documents ─► TrainTokenizer ─► (model, one element) ─► WriteTokenizerFiles    tokenizer/tokenizer.{model,vocab}
        └──────► TokenizeDocuments (model as side input) ─► WriteTokenShards       tokens/<split>/part-*.arrow
                                 └ audit measures, piece counts ─► SummarizeTokenizer ─► manifest, stats

`TokenizeCorpus` wires them for `build_pipeline`; each is usable on its own. Training is one gathering
step on one worker (SentencePiece's own threads); tokenization runs everywhere, the model loaded once per
worker from the side input's bytes (`Shared`), in batched `encode` calls.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.shared import Shared
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from corpusforge.pipeline.config import ConfigError, TokenizerConfig
from corpusforge.tokenizer.audit import document_measures, language_report, sum_counts, vocabulary_report
from corpusforge.tokenizer.encode import TRAIN, VALIDATION, SentencePieceModel, split_of, token_dtype
from corpusforge.tokenizer.shards import (
    MODEL_FILE,
    VOCAB_FILE,
    documents_table,
    packed_table,
    table_bytes,
    token_shard_name,
)
from corpusforge.tokenizer.train import (
    UNDETERMINED,
    SampledDocument,
    language_rates,
    sample_key,
    train_model,
    training_sentences,
)
from corpusforge.transforms.accounting import TALLY, MeasureShuffle
from corpusforge.transforms.document import Document
from corpusforge.transforms.io.write import atomic_write, file_info, shard_of

SECTION = "tokenizer"  # the manifest and stats key
AUDIT = "audit"  # tagged output of TokenizeDocuments: ((lang, held_out), measures)
PIECE_COUNTS = "piece_counts"  # tagged output of WriteTokenShards: a count per vocabulary id
_MAX_BATCH = 256  # documents per encode call


@dataclasses.dataclass(frozen=True)
class TokenizerModel:
    """A model and how it came about: the one element of TrainTokenizer's output.

    `rates`: each language's sampling rate; `sample`: what each language gave to training. Empty
    `model_bytes`: there was nothing to train on.
    """

    model_bytes: bytes
    trained: bool
    vocab_size: int = 0
    rates: dict[str, float] = dataclasses.field(default_factory=dict)
    sample: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)

    @functools.cached_property  # read for every batch a worker tokenizes: hashed once per loaded model
    def sha256(self) -> str:
        return hashlib.sha256(self.model_bytes).hexdigest()


@dataclasses.dataclass(frozen=True)
class TokenizedDocument:
    id: str
    lang: str
    split: str  # train | validation
    tokens: np.ndarray  # ends with EOS


def lang_of(doc: Document) -> str:
    return doc.meta.get("lang") or UNDETERMINED


def check_config(config: TokenizerConfig) -> None:
    """Settings SentencePiece would only refuse after the pipeline ran; raises ConfigError naming the key."""
    if config.model_path is not None:
        return
    ids = {"unk_id": config.unk_id, "bos_id": config.bos_id, "eos_id": config.eos_id, "pad_id": config.pad_id}
    seen: dict[int, str] = {}
    for key, value in ids.items():
        if value >= config.vocab_size:
            raise ConfigError(f"tokenizer.{key}: {value} is not below tokenizer.vocab_size ({config.vocab_size})")
        if value >= 0 and value in seen:
            raise ConfigError(f"tokenizer.{key}: {value} is already tokenizer.{seen[value]}")
        seen[value] = key


def existing_model(path: str) -> TokenizerModel:
    """The model at `tokenizer.model_path`, read at launch; ConfigError if missing or not a SentencePiece model."""
    if not FileSystems.exists(path):
        raise ConfigError(f"tokenizer.model_path: no such file: {path}")
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        model_bytes = f.read()
    try:
        model = SentencePieceModel(model_bytes)
        vocab_size, eos_id = model.vocab_size, model.eos_id
    except (RuntimeError, OSError) as e:
        raise ConfigError(f"tokenizer.model_path: {path}: not a SentencePiece model ({e})") from None
    if eos_id < 0:
        raise ConfigError(f"tokenizer.model_path: {path}: the model has no EOS piece to end documents with")
    return TokenizerModel(model_bytes=model_bytes, trained=False, vocab_size=vocab_size)


class TrainTokenizer(beam.PTransform):
    """PCollection[Document] → a PCollection of one TokenizerModel, trained on a balanced sample (train.py)."""

    def __init__(self, config: TokenizerConfig, *, seed: int):
        super().__init__()
        self._config = config
        self._seed = seed

    def expand(self, docs):
        config, seed = self._config, self._seed
        docs = docs | "TrainSplit" >> beam.Filter(
            lambda d: split_of(d.id, seed=seed, validation_fraction=config.validation_fraction) == TRAIN
        )
        rates = (
            docs
            | "LanguageBytes" >> beam.Map(lambda d: (lang_of(d), len(d.text.encode("utf-8"))))
            | "SumPerLanguage" >> beam.CombinePerKey(sum)
            | "ToDict" >> beam.combiners.ToDict()
            | "Rates"
            >> beam.Map(
                lambda sizes: language_rates(sizes, budget=config.sample_max_bytes, alpha=config.sampling_alpha)
            )
        )  # {lang: sampling rate}

        def sample(doc: Document, rates: dict[str, float]) -> Iterable[SampledDocument]:
            key = sample_key(doc.id, seed)
            if key < rates.get(lang_of(doc), 0.0):
                yield SampledDocument(key, doc.id, lang_of(doc), doc.text)

        def train(docs: list[SampledDocument], rates: dict[str, float]) -> TokenizerModel:
            sample = training_sentences(
                docs,
                max_sentences=config.sample_max_sentences,
                max_bytes=config.sample_max_bytes,
                max_sentence_bytes=config.max_sentence_length,
            )
            if not sample.sentences:
                return TokenizerModel(model_bytes=b"", trained=True, rates=rates)
            try:
                model_bytes = train_model(sample.sentences, config, seed=seed)
            except RuntimeError as e:
                raise RuntimeError(
                    f"tokenizer: training on {len(sample.sentences)} sentences failed (a vocab_size too large "
                    f"for the corpus?): {e}"
                ) from None
            vocab_size = SentencePieceModel(model_bytes).vocab_size
            return TokenizerModel(
                model_bytes=model_bytes, trained=True, vocab_size=vocab_size, rates=rates, sample=sample.by_language
            )

        sampled = (
            docs
            | "Sample" >> beam.FlatMap(sample, rates=beam.pvalue.AsSingleton(rates))  # SampledDocument
            | "Measure" >> MeasureShuffle(SECTION)
        )
        model = (
            sampled.main
            | "GatherSample" >> beam.combiners.ToList()
            | "Train" >> beam.Map(train, rates=beam.pvalue.AsSingleton(rates))
        )
        return {"main": model, TALLY: sampled[TALLY]}


class WriteTokenizerFiles(beam.PTransform):
    """PCollection[TokenizerModel] → `tokenizer/tokenizer.model` and `.vocab` (piece, tab, score per line);
    output: their file infos."""

    def __init__(self, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, model):
        out_dir = self._out_dir

        def write(model: TokenizerModel) -> Iterable[dict[str, Any]]:
            if not model.model_bytes:
                return
            sp = SentencePieceModel(model.model_bytes).processor
            vocab = "".join(f"{sp.id_to_piece(i)}\t{sp.get_score(i):g}\n" for i in range(sp.vocab_size()))
            for relpath, data in ((MODEL_FILE, model.model_bytes), (VOCAB_FILE, vocab.encode("utf-8"))):
                atomic_write(FileSystems.join(out_dir, relpath), data)
                yield file_info(relpath, data, rows=sp.vocab_size())

        return model | "Write" >> beam.FlatMap(write)


class _TokenizeFn(beam.DoFn):
    """[Document] → TokenizedDocument; the audit measures summed per (lang, held_out) for the bundle, emitted
    on AUDIT at its end (as accounting tallies are: a few elements per bundle, not one per document)."""

    def __init__(self, *, seed: int, validation_fraction: float):
        self._seed = seed
        self._validation_fraction = validation_fraction
        self._shared = Shared()
        self._loaded: tuple[str, SentencePieceModel, np.ndarray] | None = None

    def _model(self, model: TokenizerModel) -> tuple[SentencePieceModel, np.ndarray]:
        sha = model.sha256
        if self._loaded is None or self._loaded[0] != sha:
            loaded = self._shared.acquire(lambda: _Loaded(model.model_bytes), tag=sha)
            self._loaded = (sha, loaded.model, loaded.byte_mask)
        return self._loaded[1], self._loaded[2]

    def start_bundle(self) -> None:
        self._audit: dict[tuple[str, bool], np.ndarray] = {}

    def process(self, batch: list[Document], model: TokenizerModel):
        if not model.model_bytes:
            return
        sp, byte_mask = self._model(model)
        unk_id = sp.processor.unk_id()
        for doc, tokens in zip(batch, sp.encode([d.text for d in batch])):
            lang = lang_of(doc)
            split = split_of(doc.id, seed=self._seed, validation_fraction=self._validation_fraction)
            held_out = split == VALIDATION  # never in the training sample
            yield TokenizedDocument(doc.id, lang, split, tokens)
            measures = document_measures(doc.text, tokens, byte_mask=byte_mask, unk_id=unk_id, count_words=held_out)
            self._audit[(lang, held_out)] = self._audit.get((lang, held_out), 0) + measures

    def finish_bundle(self):
        for item in self._audit.items():
            yield beam.pvalue.TaggedOutput(AUDIT, WindowedValue(item, MIN_TIMESTAMP, [GlobalWindow()]))


class _Loaded:
    """A loaded model and its byte-piece mask, shared by a worker's threads (weak-referenceable)."""

    def __init__(self, model_bytes: bytes):
        self.model = SentencePieceModel(model_bytes)
        self.byte_mask = self.model.byte_pieces()


class TokenizeDocuments(beam.PTransform):
    """PCollection[Document] → tagged: `main` (TokenizedDocument) and AUDIT (((lang, held_out), measures)).

    `model`: the PCollection of one TokenizerModel (TrainTokenizer's output, or `beam.Create([existing_model(p)])`).
    """

    def __init__(self, model, *, seed: int, validation_fraction: float):
        super().__init__()
        self._model = model
        self._fn = _TokenizeFn(seed=seed, validation_fraction=validation_fraction)

    def expand(self, docs):
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=_MAX_BATCH)
            | "Encode"
            >> beam.ParDo(self._fn, model=beam.pvalue.AsSingleton(self._model)).with_outputs(AUDIT, main="main")
        )


def _row_order(doc: TokenizedDocument) -> tuple[str, bytes]:
    return doc.id, doc.tokens.tobytes()  # ids may repeat (an input may repeat a record id): tokens break ties


class _WriteTokenShardFn(beam.DoFn):
    """((split, index), [TokenizedDocument | None]) → the shard's file info; its piece counts on PIECE_COUNTS."""

    def __init__(self, *, out_dir: str, output: str, seq_len: int):
        self._out_dir = out_dir
        self._output = output
        self._seq_len = seq_len

    def process(self, element, shard_counts: dict[str, int], model: TokenizerModel):
        (split, index), docs = element
        docs = sorted((d for d in docs if d is not None), key=_row_order)
        dtype = token_dtype(model.vocab_size)
        ids, arrays = [d.id for d in docs], [d.tokens for d in docs]
        if self._output == "packed":
            table = packed_table(ids, arrays, seq_len=self._seq_len, dtype=dtype)
        else:
            table = documents_table(ids, [d.lang for d in docs], arrays, dtype=dtype)
        data = table_bytes(table)
        relpath = token_shard_name(split, index, shard_counts[split])
        atomic_write(FileSystems.join(self._out_dir, relpath), data)
        tokens = sum(len(a) for a in arrays)
        yield {**file_info(relpath, data, table.num_rows), "split": split, "documents": len(docs), "tokens": tokens}
        if arrays:
            counts = np.bincount(np.concatenate(arrays), minlength=model.vocab_size)
            yield beam.pvalue.TaggedOutput(PIECE_COUNTS, counts)


class WriteTokenShards(beam.PTransform):
    """PCollection[TokenizedDocument] → `tokens/<split>/part-*.arrow` (shards.py documents the format).

    Output: tagged `main` (one file info per shard: path, rows, bytes, sha256, split, documents, tokens)
    and PIECE_COUNTS (a count per vocabulary id, per shard).
    """

    def __init__(self, out_dir: str, model, *, output: str, seq_len: int, shard_bytes: int):
        super().__init__()
        self._model = model
        self._shard_bytes = shard_bytes
        self._fn = _WriteTokenShardFn(out_dir=out_dir, output=output, seq_len=seq_len)

    def expand(self, tokenized):
        shard_bytes = self._shard_bytes
        model = beam.pvalue.AsSingleton(self._model)

        def shard_count(kv, model: TokenizerModel) -> tuple[str, int]:
            split, tokens = kv
            return split, max(1, math.ceil(tokens * token_dtype(model.vocab_size).itemsize / shard_bytes))

        shard_counts = (
            tokenized
            | "Tokens" >> beam.Map(lambda t: (t.split, len(t.tokens)))
            | "TokensPerSplit" >> beam.CombinePerKey(sum)
            | "ShardCount" >> beam.Map(shard_count, model=model)
        )  # (split, shard count)
        counts = beam.pvalue.AsDict(shard_counts)
        keyed = tokenized | "AssignShard" >> beam.Map(lambda t, n: ((t.split, shard_of(t.id, n[t.split])), t), n=counts)
        slots = shard_counts | "ShardSlots" >> beam.FlatMap(lambda kv: [((kv[0], i), None) for i in range(kv[1])])
        grouped = (keyed, slots) | "WithSlots" >> beam.Flatten() | "Measure" >> MeasureShuffle(SECTION)
        written = (
            grouped.main
            | "GroupShards" >> beam.GroupByKey()  # ((split, shard index), [TokenizedDocument | None])
            | "Write" >> beam.ParDo(self._fn, shard_counts=counts, model=model).with_outputs(PIECE_COUNTS, main="main")
        )
        return {"main": written.main, PIECE_COUNTS: written[PIECE_COUNTS], TALLY: grouped[TALLY]}


def _summary(
    _,
    *,
    model: TokenizerModel,
    files: list[dict],
    shards: list[dict],
    audit: list,
    piece_counts: list,
    lang_tokens: list,
    config: TokenizerConfig,
) -> tuple[str, dict[str, Any]]:
    """The tokenizer's manifest and stats sections."""
    shards = sorted(shards, key=lambda s: s["path"])
    tokens_by_language: dict[str, dict[str, int]] = {}
    for (split, lang), n in sorted(lang_tokens):
        tokens_by_language.setdefault(lang, {})[split] = n
    manifest = {
        "trained": model.trained,  # false: tokenizer.model_path's model
        "files": sorted(files, key=lambda f: f["path"]),
        "model_sha256": model.sha256 if model.model_bytes else None,
        "vocab_size": model.vocab_size,
        "dtype": token_dtype(model.vocab_size).name,
        "output": config.output,
        "seq_len": config.seq_len if config.output == "packed" else None,
        "shards": shards,
        "tokens": {
            split: sum(s["tokens"] for s in shards if s["split"] == split)
            for split in sorted({s["split"] for s in shards})
        },
        "tokens_by_language": tokens_by_language,
    }
    stats: dict[str, Any] = {
        "sample": model.sample,
        "sampling_rates": {k: round(v, 6) for k, v in sorted(model.rates.items())},
    }
    if model.model_bytes:
        processor = SentencePieceModel(model.model_bytes).processor
        stats["audit"] = {
            "languages": language_report(dict(audit)),  # ((lang, held_out), measures), one per key
            "vocabulary": vocabulary_report(processor, sum_counts(piece_counts), max_count=config.rare_piece_max_count),
        }
    return SECTION, {"manifest": manifest, "stats": stats}


class TokenizeCorpus(beam.PTransform):
    """PCollection[Document] → the whole tokenizer path (train or load, files, token shards, audit).

    Output: `main`, a PCollection of one `(SECTION, {"manifest": ..., "stats": ...})` for `WriteRunSummary`,
    and `tally`: what entered the tokenizer's shuffles.
    `model`: an `existing_model(...)` to use instead of training one.
    """

    def __init__(self, config: TokenizerConfig, *, out_dir: str, seed: int, model: TokenizerModel | None = None):
        super().__init__()
        self._config = config
        self._out_dir = out_dir
        self._seed = seed
        self._model = model

    def expand(self, docs):
        config, seed = self._config, self._seed
        tallies = []
        if self._model is None:
            trained = docs | "TrainTokenizer" >> TrainTokenizer(config, seed=seed)
            model = trained["main"]
            tallies.append(trained[TALLY])
        else:
            model = docs.pipeline | "ExistingModel" >> beam.Create([self._model])
        files = model | "WriteTokenizerFiles" >> WriteTokenizerFiles(self._out_dir)
        tokenized = docs | "TokenizeDocuments" >> TokenizeDocuments(
            model, seed=seed, validation_fraction=config.validation_fraction
        )
        written = tokenized.main | "WriteTokenShards" >> WriteTokenShards(
            self._out_dir, model, output=config.output, seq_len=config.seq_len, shard_bytes=config.shard_bytes
        )
        tallies.append(written[TALLY])
        audit = tokenized[AUDIT] | "SumMeasures" >> beam.CombinePerKey(sum)
        piece_counts = written[PIECE_COUNTS] | "SumPieceCounts" >> beam.CombineGlobally(sum_counts)
        lang_tokens = (
            tokenized.main
            | "LanguageTokens" >> beam.Map(lambda t: ((t.split, t.lang), len(t.tokens)))
            | "SumLanguageTokens" >> beam.CombinePerKey(sum)
        )
        section = (
            docs.pipeline
            | "Trigger" >> beam.Create([None])
            | "Summarize"
            >> beam.Map(
                _summary,
                model=beam.pvalue.AsSingleton(model),
                files=beam.pvalue.AsList(files),
                shards=beam.pvalue.AsList(written["main"]),
                audit=beam.pvalue.AsList(audit),
                piece_counts=beam.pvalue.AsList(piece_counts),
                lang_tokens=beam.pvalue.AsList(lang_tokens),
                config=config,
            )
        )
        return {"main": section, TALLY: tallies | "Tallies" >> beam.Flatten()}
