"""The tokenizer's Beam transforms: train a model, tokenize the kept documents, write token shards, audit.

    refs ─► TrainTokenizer ─► (model, one element) ─► WriteTokenizerFiles         tokenizer/tokenizer.{model,vocab}
      └───► TokenizeDocuments (model as side input) ─► WriteTokenShards            tokens/<split>/part-*.arrow
                             │                             └ (export) ─► .bin/.idx, WriteMegatronDataArgs
                             └ audit measures, piece counts ─► SummarizeTokenizer ─► manifest, stats

`TokenizeCorpus` wires them for `build_pipeline`; each is usable on its own. They take the kept documents
as DocRefs (transforms/io/staging.py) and read texts back from the staged files; tokens are staged too
(`_temporary/tokens/`), so what the shuffles carry is compact: the training sample's (key, id, language,
location), refs grouped by staged file for tokenizing, and TokenRefs (id, split, language, token count,
location) grouped by token shard. Training is one gathering step on one worker (SentencePiece's own
threads), which reads the sampled texts; tokenization runs everywhere, a staged file per element, the
model loaded once per worker from the side input's bytes (`Shared`), in batched `encode` calls.

CPU time (timings.json `stage_cpu_secs`, never stats.json): training under `tokenizer_training` (with its wall
time in `stage_wall_secs`), and the rest of the tokenizer's own work (reading the kept texts back, encoding, the
audit's measures, the token shards and their Megatron export) under `tokenizer`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import time
from collections.abc import Iterable, Iterator
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
from corpusforge.pipeline.files import atomic_write
from corpusforge.tokenizer.audit import document_measures, language_report, sum_counts, vocabulary_report
from corpusforge.tokenizer.encode import TRAIN, VALIDATION, SentencePieceModel, split_of, token_dtype
from corpusforge.tokenizer.megatron import DATA_ARGS_FILE, MEGATRON, data_args, indexed_dataset, megatron_dtype
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
    Training,
    language_rates,
    sample_key,
    train_to_fit,
    training_sentences,
)
from corpusforge.transforms.accounting import TALLY, AccountingDoFn, MeasureShuffle, Tally, timed
from corpusforge.transforms.io.staging import (
    TOKENS,
    DocRef,
    GroupByStagedFile,
    Location,
    StagedWriter,
    read_documents,
    read_refs,
    read_staged,
)
from corpusforge.transforms.io.write import file_info, shard_of

SECTION = "tokenizer"  # the manifest and stats key; the stage its shuffles and CPU time are counted under
TRAINING_STAGE = "tokenizer_training"  # the stage training's CPU and wall time are counted under
AUDIT = "audit"  # tagged output of TokenizeDocuments: ((lang, held_out), measures)
PIECE_COUNTS = "piece_counts"  # tagged output of WriteTokenShards: a count per vocabulary id
MEGATRON_FILES = "megatron_files"  # tagged output of WriteTokenShards: file infos of the .bin/.idx exports
_MAX_BATCH = 256  # documents per encode call


@dataclasses.dataclass(frozen=True)
class TokenizerModel:
    """A model and how it came about: the one element of TrainTokenizer's output.

    `rates`: each language's sampling rate; `sample`: what each language gave to training; `training`:
    `Training.stats()` (trained, shrunk or skipped). Empty `model_bytes`: no model (nothing to train on,
    or training skipped).
    """

    model_bytes: bytes
    trained: bool
    vocab_size: int = 0
    rates: dict[str, float] = dataclasses.field(default_factory=dict)
    sample: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    training: dict[str, Any] = dataclasses.field(default_factory=dict)

    @functools.cached_property  # read for every batch a worker tokenizes: hashed once per loaded model
    def sha256(self) -> str:
        return hashlib.sha256(self.model_bytes).hexdigest()


@dataclasses.dataclass(frozen=True)
class TokenizedDocument:
    id: str
    lang: str
    split: str  # train | validation
    tokens: np.ndarray  # ends with EOS


@dataclasses.dataclass(frozen=True, slots=True)
class TokenRef:
    """A tokenized document's staged token ids (`location`: the array's raw bytes, the model's dtype)."""

    id: str
    lang: str
    split: str  # train | validation
    ntokens: int
    location: Location


def lang_of(ref: DocRef) -> str:
    return ref.lang or UNDETERMINED


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
    """PCollection[DocRef] → `main`: a PCollection of one TokenizerModel, trained on a balanced sample
    (train.py), and `tally`: the sample's shuffle, and training's CPU and wall time under TRAINING_STAGE.
    The sample is drawn over refs and gathered as (key, id, language, location); the worker that trains
    reads its texts from the staged files under `out_dir`.

    Training's CPU time is the process's clock (`time.process_time_ns`), not the thread's as elsewhere:
    SentencePiece trains on `tokenizer.num_threads` native threads of its own, which the calling thread's
    clock would miss (on the sample recipe they are most of the job's CPU). The process's clock also counts
    whatever else runs in the worker process meanwhile: on the DirectRunner training runs alone (its fused
    stage has one element, and the FnApiRunner runs one stage at a time), but a runner that runs other
    bundles in the same process at the same time (Dask's threaded workers, a Dataflow harness's threads)
    charges their CPU to training too, so there it is an upper bound.
    """

    def __init__(self, config: TokenizerConfig, *, seed: int, out_dir: str):
        super().__init__()
        self._config = config
        self._seed = seed
        self._out_dir = out_dir

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        config, seed, out_dir = self._config, self._seed, self._out_dir
        refs = refs | "TrainSplit" >> beam.Filter(
            lambda r: split_of(r.id, seed=seed, validation_fraction=config.validation_fraction) == TRAIN
        )
        rates = (
            refs
            | "LanguageBytes" >> beam.Map(lambda r: (lang_of(r), r.nbytes))
            | "SumPerLanguage" >> beam.CombinePerKey(sum)
            | "ToDict" >> beam.combiners.ToDict()
            | "Rates"
            >> beam.Map(
                lambda sizes: language_rates(sizes, budget=config.sample_max_bytes, alpha=config.sampling_alpha)
            )
        )  # {lang: sampling rate}

        def sample(ref: DocRef, rates: dict[str, float]) -> Iterable[tuple[float, str, str, Location]]:
            key = sample_key(ref.id, seed)
            if key < rates.get(lang_of(ref), 0.0):
                yield key, ref.id, lang_of(ref), ref.location

        def train(
            sampled: list[tuple[float, str, str, Location]], rates: dict[str, float]
        ) -> Iterator[TokenizerModel | beam.pvalue.TaggedOutput]:
            tally = Tally()
            started_cpu, started_wall = time.process_time_ns(), time.monotonic_ns()
            model = trained_model(sampled, rates)
            tally.cpu(TRAINING_STAGE, time.process_time_ns() - started_cpu)  # SentencePiece's threads included
            tally.wall(TRAINING_STAGE, time.monotonic_ns() - started_wall)
            yield model
            for item in tally.drain():
                yield beam.pvalue.TaggedOutput(TALLY, item)

        def trained_model(sampled: list[tuple[float, str, str, Location]], rates: dict[str, float]) -> TokenizerModel:
            placed = ((location, {}) for _, _, _, location in sampled)
            texts = {location: doc.text for location, doc in read_documents(out_dir, placed)}
            docs = [SampledDocument(key, doc_id, lang, texts[location]) for key, doc_id, lang, location in sampled]
            sample = training_sentences(
                docs,
                max_sentences=config.sample_max_sentences,
                max_bytes=config.sample_max_bytes,
                max_sentence_bytes=config.max_sentence_length,
            )
            if not sample.sentences:
                note = "tokenizer: no tokenizer trained and no tokens written: no kept text in the train split"
                training = Training(b"", "skipped", config.vocab_size, 0, note)
            else:
                training = train_to_fit(sample.sentences, config, seed=seed)
            vocab_size = SentencePieceModel(training.model_bytes).vocab_size if training.model_bytes else 0
            return TokenizerModel(
                model_bytes=training.model_bytes,
                trained=True,
                vocab_size=vocab_size,
                rates=rates,
                sample=sample.by_language,
                training=training.stats(),
            )

        sampled = (
            refs
            | "Sample" >> beam.FlatMap(sample, rates=beam.pvalue.AsSingleton(rates))  # (key, id, lang, location)
            | "Measure" >> MeasureShuffle(SECTION)
        )
        model = (
            sampled.main
            | "GatherSample" >> beam.combiners.ToList()
            | "Train" >> beam.FlatMap(train, rates=beam.pvalue.AsSingleton(rates)).with_outputs(TALLY, main="main")
        )
        return {"main": model.main, TALLY: (sampled[TALLY], model[TALLY]) | "Tallies" >> beam.Flatten()}


class WriteTokenizerFiles(beam.PTransform):
    """PCollection[TokenizerModel] → `tokenizer/tokenizer.model` and `.vocab` (piece, tab, score per line);
    output: their file infos."""

    def __init__(self, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, model: beam.PCollection) -> beam.PCollection:
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


class _TokenizeFn(AccountingDoFn):
    """(file, [DocRef]) → a TokenRef per document, its tokens staged under `_temporary/tokens/`; the audit
    measures summed per (lang, held_out) for the bundle, emitted on AUDIT at its end (as accounting tallies
    are: a few elements per bundle, not one per document), and the CPU time of it all on TALLY."""

    def __init__(self, *, out_dir: str, seed: int, validation_fraction: float):
        self._out_dir = out_dir
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
        super().start_bundle()
        self._audit: dict[tuple[str, bool], np.ndarray] = {}
        self._writer = StagedWriter(self._out_dir, TOKENS)

    def process(self, element: tuple[str, Iterable[DocRef]], model: TokenizerModel) -> Iterator[TokenRef]:
        if model.model_bytes:  # batches of TokenRefs pulled on the thread's clock (accounting.timed)
            yield from timed(self._tokenize(element, model), self.tally, SECTION, chunk=_MAX_BATCH)

    def _tokenize(self, element: tuple[str, Iterable[DocRef]], model: TokenizerModel) -> Iterator[TokenRef]:
        _, refs = element
        batch: list[tuple[DocRef, Any]] = []
        for item in read_refs(self._out_dir, refs):
            batch.append(item)
            if len(batch) == _MAX_BATCH:
                yield from self._encode(batch, model)
                batch = []
        yield from self._encode(batch, model)

    def _encode(self, batch: list[tuple[DocRef, Any]], model: TokenizerModel):
        sp, byte_mask = self._model(model)
        unk_id = sp.processor.unk_id()
        for (ref, doc), tokens in zip(batch, sp.encode([doc.text for _, doc in batch]) if batch else []):
            lang = lang_of(ref)
            split = split_of(ref.id, seed=self._seed, validation_fraction=self._validation_fraction)
            held_out = split == VALIDATION  # never in the training sample
            yield TokenRef(ref.id, lang, split, len(tokens), self._writer.append(tokens.tobytes()))
            measures = document_measures(doc.text, tokens, byte_mask=byte_mask, unk_id=unk_id, count_words=held_out)
            self._audit[(lang, held_out)] = self._audit.get((lang, held_out), 0) + measures

    def finish_bundle(self) -> Iterator[beam.pvalue.TaggedOutput]:
        started = time.thread_time_ns()
        self._writer.close()
        self.tally.cpu(SECTION, time.thread_time_ns() - started)
        for item in self._audit.items():
            yield beam.pvalue.TaggedOutput(AUDIT, WindowedValue(item, MIN_TIMESTAMP, [GlobalWindow()]))
        yield from super().finish_bundle()


class _Loaded:
    """A loaded model and its byte-piece mask, shared by a worker's threads (weak-referenceable)."""

    def __init__(self, model_bytes: bytes):
        self.model = SentencePieceModel(model_bytes)
        self.byte_mask = self.model.byte_pieces()


class TokenizeDocuments(beam.PTransform):
    """PCollection[DocRef] → `main` (TokenRef: each document's tokens staged), AUDIT (((lang, held_out),
    measures)) and `tally`. The texts are read back from the staged files under `out_dir`, one file per
    element.

    `model`: the PCollection of one TokenizerModel (TrainTokenizer's output, or `beam.Create([existing_model(p)])`).
    """

    def __init__(self, model, *, out_dir: str, seed: int, validation_fraction: float):
        super().__init__()
        self._model = model
        self._fn = _TokenizeFn(out_dir=out_dir, seed=seed, validation_fraction=validation_fraction)

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        by_file = refs | "ByFile" >> GroupByStagedFile(SECTION)  # (file, [DocRef])
        encoded = by_file["main"] | "Encode" >> beam.ParDo(
            self._fn, model=beam.pvalue.AsSingleton(self._model)
        ).with_outputs(AUDIT, TALLY, main="main")
        tallies = (by_file[TALLY], encoded[TALLY]) | "Tallies" >> beam.Flatten()
        return {"main": encoded.main, AUDIT: encoded[AUDIT], TALLY: tallies}


def _row_order(doc: TokenizedDocument) -> tuple[str, bytes]:
    return doc.id, doc.tokens.tobytes()  # ids may repeat (an input may repeat a record id): tokens break ties


class _WriteTokenShardFn(AccountingDoFn):
    """((split, index), [TokenRef | None]) → the shard's file info, its tokens read back from the staged
    files; its piece counts on PIECE_COUNTS, with the Megatron export its .bin/.idx file infos on
    MEGATRON_FILES, and the CPU time of it all on TALLY (under SECTION)."""

    def __init__(self, *, out_dir: str, output: str, seq_len: int, export: tuple[str, ...]):
        self._out_dir = out_dir
        self._output = output
        self._seq_len = seq_len
        self._export = export

    def process(self, element, shard_counts: dict[str, int], model: TokenizerModel) -> Iterator[Any]:
        yield from timed(self._write(element, shard_counts, model), self.tally, SECTION)

    def _write(self, element, shard_counts: dict[str, int], model: TokenizerModel) -> Iterator[Any]:
        (split, index), refs = element
        dtype = token_dtype(model.vocab_size)
        by_location = {ref.location: ref for ref in refs if ref is not None}
        docs = []
        for location, data in read_staged(self._out_dir, TOKENS, by_location):
            ref = by_location[location]
            docs.append(TokenizedDocument(ref.id, ref.lang, ref.split, np.frombuffer(data, dtype=dtype)))
        docs.sort(key=_row_order)
        ids, arrays = [d.id for d in docs], [d.tokens for d in docs]
        if self._output == "packed":
            table = packed_table(ids, arrays, seq_len=self._seq_len, dtype=dtype)
        else:
            table = documents_table(ids, [d.lang for d in docs], arrays, dtype=dtype)
        data = table_bytes(table)
        relpath = token_shard_name(split, index, shard_counts[split])
        atomic_write(FileSystems.join(self._out_dir, relpath), data)
        tokens = sum(len(a) for a in arrays)
        totals = {"split": split, "documents": len(docs), "tokens": tokens}
        yield {**file_info(relpath, data, table.num_rows), **totals}
        if MEGATRON in self._export:
            prefix = relpath.removesuffix(".arrow")
            bin_data, index = indexed_dataset(arrays, megatron_dtype(model.vocab_size))
            for name, content in ((f"{prefix}.bin", bin_data), (f"{prefix}.idx", index)):
                atomic_write(FileSystems.join(self._out_dir, name), content)
                yield beam.pvalue.TaggedOutput(MEGATRON_FILES, {**file_info(name, content, len(docs)), **totals})
        if arrays:
            counts = np.bincount(np.concatenate(arrays), minlength=model.vocab_size)
            yield beam.pvalue.TaggedOutput(PIECE_COUNTS, counts)


class KeyByShard(beam.PTransform):
    """PCollection of tokenized items (`id`, `split`, `ntokens`) → `keyed`: ((split, shard index), item), with one
    ((split, i), None) per shard so that an empty shard is written too, and `counts`: (split, shard count).
    A split gets ⌈its tokens × the model's token width / `shard_bytes`⌉ shards; an item goes to
    `shard_of(id, count)`, whatever the runner. Token shards and SFT shards are assigned alike."""

    def __init__(self, model: beam.PCollection, *, shard_bytes: int):
        super().__init__()
        self._model = model
        self._shard_bytes = shard_bytes

    def expand(self, items: beam.PCollection) -> dict[str, beam.PCollection]:
        shard_bytes = self._shard_bytes

        def shard_count(kv: tuple[str, int], model: TokenizerModel) -> tuple[str, int]:
            split, tokens = kv
            return split, max(1, math.ceil(tokens * token_dtype(model.vocab_size).itemsize / shard_bytes))

        counts = (
            items
            | "Tokens" >> beam.Map(lambda t: (t.split, t.ntokens))
            | "TokensPerSplit" >> beam.CombinePerKey(sum)
            | "ShardCount" >> beam.Map(shard_count, model=beam.pvalue.AsSingleton(self._model))
        )
        keyed = items | "AssignShard" >> beam.Map(
            lambda t, n: ((t.split, shard_of(t.id, n[t.split])), t), n=beam.pvalue.AsDict(counts)
        )
        slots = counts | "ShardSlots" >> beam.FlatMap(lambda kv: [((kv[0], i), None) for i in range(kv[1])])
        return {"keyed": (keyed, slots) | "WithSlots" >> beam.Flatten(), "counts": counts}


class WriteTokenShards(beam.PTransform):
    """PCollection[TokenRef] → `tokens/<split>/part-*.arrow` (shards.py documents the format), the tokens
    read back from the staged files under `out_dir`.

    Output: tagged `main` (one file info per shard: path, rows, bytes, sha256, split, documents, tokens),
    PIECE_COUNTS (a count per vocabulary id, per shard), MEGATRON_FILES (with `export: [megatron]`: the
    file info of each shard's .bin and .idx, megatron.py) and `tally` (the shuffle, the CPU time).
    """

    def __init__(
        self, out_dir: str, model, *, output: str, seq_len: int, shard_bytes: int, export: tuple[str, ...] = ()
    ):
        super().__init__()
        self._model = model
        self._shard_bytes = shard_bytes
        self._fn = _WriteTokenShardFn(out_dir=out_dir, output=output, seq_len=seq_len, export=export)

    def expand(self, tokenized: beam.PCollection) -> dict[str, beam.PCollection]:
        model = beam.pvalue.AsSingleton(self._model)
        sharded = tokenized | "KeyByShard" >> KeyByShard(self._model, shard_bytes=self._shard_bytes)
        counts = beam.pvalue.AsDict(sharded["counts"])
        grouped = sharded["keyed"] | "Measure" >> MeasureShuffle(SECTION)
        written = (
            grouped.main
            | "GroupShards" >> beam.GroupByKey()  # ((split, shard index), [TokenRef | None])
            | "Write"
            >> beam.ParDo(self._fn, shard_counts=counts, model=model).with_outputs(
                PIECE_COUNTS, MEGATRON_FILES, TALLY, main="main"
            )
        )
        return {
            "main": written.main,
            PIECE_COUNTS: written[PIECE_COUNTS],
            MEGATRON_FILES: written[MEGATRON_FILES],
            TALLY: (grouped[TALLY], written[TALLY]) | "Tallies" >> beam.Flatten(),
        }


class WriteMegatronDataArgs(beam.PTransform):
    """PCollection of the Megatron .bin/.idx file infos → `tokens/megatron_data_args.json` (megatron.py);
    output: its file info."""

    def __init__(self, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, exported: beam.PCollection) -> beam.PCollection:
        out_dir = self._out_dir

        def write(_, exported: list[dict]) -> dict[str, Any]:
            prefixes = [
                (f["split"], f["path"].removesuffix(".idx"))
                for f in exported
                if f["path"].endswith(".idx") and f["documents"]
            ]
            data = data_args(prefixes)
            atomic_write(FileSystems.join(out_dir, DATA_ARGS_FILE), data)
            return file_info(DATA_ARGS_FILE, data, rows=len(prefixes))

        return (
            exported.pipeline
            | "Trigger" >> beam.Create([None])
            | "Write" >> beam.Map(write, exported=beam.pvalue.AsList(exported))
        )


def _summary(
    _,
    *,
    model: TokenizerModel,
    files: list[dict],
    shards: list[dict],
    megatron: list[dict],
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
    if megatron:  # tokenizer.export: [megatron]
        manifest["megatron"] = {
            "dtype": megatron_dtype(model.vocab_size).name,
            "data_args": DATA_ARGS_FILE,
            "files": sorted(megatron, key=lambda f: f["path"]),
        }
    stats: dict[str, Any] = {
        "training": model.training,
        "sample": model.sample,
        "sampling_rates": {k: round(v, 6) for k, v in sorted(model.rates.items())},
    }
    if model.model_bytes:
        processor = SentencePieceModel(model.model_bytes).processor
        stats["audit"] = {
            "languages": language_report(dict(audit)),  # ((lang, held_out), measures), one per key
            "vocabulary": vocabulary_report(
                processor,
                sum_counts(piece_counts),
                max_count=config.rare_piece_max_count,
                exclude=config.user_defined_symbols,
            ),
        }
    return SECTION, {"manifest": manifest, "stats": stats}


class TokenizeCorpus(beam.PTransform):
    """PCollection[DocRef] → the whole tokenizer path (train or load, files, token shards, audit), the texts
    read back from the staged files under `out_dir`.

    Output: `main`, a PCollection of one `(SECTION, {"manifest": ..., "stats": ...})` for `WriteRunSummary`,
    and `tally`: what entered the tokenizer's shuffles, and the CPU time of training and of the rest.
    `model`: an `existing_model(...)` to use instead of training one.
    """

    def __init__(self, config: TokenizerConfig, *, out_dir: str, seed: int, model: TokenizerModel | None = None):
        super().__init__()
        self._config = config
        self._out_dir = out_dir
        self._seed = seed
        self._model = model

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        config, seed, out_dir = self._config, self._seed, self._out_dir
        tallies = []
        if self._model is None:
            trained = refs | "TrainTokenizer" >> TrainTokenizer(config, seed=seed, out_dir=out_dir)
            model = trained["main"]
            tallies.append(trained[TALLY])
        else:
            model = refs.pipeline | "ExistingModel" >> beam.Create([self._model])
        files = model | "WriteTokenizerFiles" >> WriteTokenizerFiles(out_dir)
        tokenized = refs | "TokenizeDocuments" >> TokenizeDocuments(
            model, out_dir=out_dir, seed=seed, validation_fraction=config.validation_fraction
        )
        written = tokenized["main"] | "WriteTokenShards" >> WriteTokenShards(
            out_dir,
            model,
            output=config.output,
            seq_len=config.seq_len,
            shard_bytes=config.shard_bytes,
            export=config.export,
        )
        tallies += [tokenized[TALLY], written[TALLY]]
        megatron = written[MEGATRON_FILES]  # empty without the export
        if MEGATRON in config.export:
            data_args_file = megatron | "WriteMegatronDataArgs" >> WriteMegatronDataArgs(out_dir)
            megatron = (megatron, data_args_file) | "MegatronFiles" >> beam.Flatten()
        audit = tokenized[AUDIT] | "SumMeasures" >> beam.CombinePerKey(sum)
        piece_counts = written[PIECE_COUNTS] | "SumPieceCounts" >> beam.CombineGlobally(sum_counts)
        lang_tokens = (
            tokenized["main"]
            | "LanguageTokens" >> beam.Map(lambda t: ((t.split, t.lang), t.ntokens))
            | "SumLanguageTokens" >> beam.CombinePerKey(sum)
        )
        section = (
            refs.pipeline
            | "Trigger" >> beam.Create([None])
            | "Summarize"
            >> beam.Map(
                _summary,
                model=beam.pvalue.AsSingleton(model),
                files=beam.pvalue.AsList(files),
                shards=beam.pvalue.AsList(written["main"]),
                megatron=beam.pvalue.AsList(megatron),
                audit=beam.pvalue.AsList(audit),
                piece_counts=beam.pvalue.AsList(piece_counts),
                lang_tokens=beam.pvalue.AsList(lang_tokens),
                config=config,
            )
        )
        return {"main": section, TALLY: tallies | "Tallies" >> beam.Flatten()}
