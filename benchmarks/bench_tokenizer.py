"""Benchmark: the tokenizer's training, tokenization and token-shard writing against raw SentencePiece.

    python benchmarks/bench_tokenizer.py [--repeat 2] [--train-mb 3] [--vocab-size 8000] [--threads 2]

Text: real multilingual documents from ../shared/data (lingua sentences of 75 languages in documents of
20 lines, the two SentencePiece novels in blocks of 50 lines, the C4 and Wikipedia demo documents).

1. Training: `TrainTokenizer` in a DirectRunner pipeline (sampling, gathering, training from an iterator)
   against `SentencePieceTrainer.train(input=<file>)` on the same sentences and settings (the pip wheel has
   no `spm_train`); also the bare iterator call. Every document is sampled (no validation split, a budget
   above the corpus), so the pipeline and the iterator call see the same sentences in the same order and
   must give the same model. The file holds the same text, but a file has one sentence a line, so our
   multi-line sentences become several there (the same bytes to train on; a slightly different model):
   so the iterator is also timed on the file's own lines, where it must give the file's pieces and scores.
2. Tokenization, one core: `TokenizeDocuments` through a DirectRunner pipeline with one worker (a thread
   of this process, then a worker process) against raw batched `encode` on the same texts; also the same pipeline with a trivial step instead
   (Beam's own cost of reading and moving the documents), a minimal batch-and-encode DoFn (what any Beam
   tokenizer pays) and our DoFn's `process` called directly.
   Both pipelines read the documents from pickled chunks on disk (`FileSource`).
3. Token shards: packing and Arrow IPC writing (`packed_table`, `table_bytes`, atomic write), MB/s of
   token bytes. Then peak RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import resource
import shutil
import tempfile
import time
from pathlib import Path

import apache_beam as beam
import numpy as np
import sentencepiece as spm
from apache_beam.options.pipeline_options import PipelineOptions
from bench_stages import best_of

from corpusforge.pipeline.config import TokenizerConfig
from corpusforge.pipeline.files import atomic_write
from corpusforge.tokenizer.encode import SentencePieceModel
from corpusforge.tokenizer.shards import packed_table, table_bytes
from corpusforge.tokenizer.train import SampledDocument, sample_key, train_model, trainer_options, training_sentences
from corpusforge.tokenizer.transforms import TokenizeDocuments, TokenizerModel, TrainTokenizer, _TokenizeFn
from corpusforge.transforms.document import Document
from corpusforge.transforms.io.staging import StageDocuments, _StageFn, location_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ONE_WORKER = ["--runner=DirectRunner", "--direct_num_workers=1"]  # in-process: the SDK harness is a thread
# One SDK worker process, as a distributed runner runs a DoFn: the harness does not share the launcher's process.
ONE_PROCESS = [*ONE_WORKER, "--direct_running_mode=multi_processing"]


def blocks(lines: list[str], size: int) -> list[str]:
    return ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def load_documents() -> list[Document]:
    texts = []
    for path in sorted((SHARED / "langid/lingua-sentences").glob("*.txt")):
        if path.stem != "LICENSE":
            texts += [(path.stem, t) for t in blocks(path.read_text(encoding="utf-8").splitlines(), 20)]
    for name, lang in (("wagahaiwa_nekodearu.txt", "ja"), ("botchan.txt", "en")):
        lines = (SHARED / "text/sentencepiece-novels" / name).read_text(encoding="utf-8").splitlines()
        texts += [(lang, t) for t in blocks(lines, 50)]
    web = SHARED / "text/llama-factory-web"
    texts += [("en", json.loads(line)["text"]) for line in (web / "c4_demo.jsonl").read_text().splitlines()]
    texts += [("en", t) for t in (web / "wiki_demo.txt").read_text(encoding="utf-8").splitlines() if t.strip()]
    return [Document(id=f"{i:032x}", text=t, meta={"lang": lang}) for i, (lang, t) in enumerate(texts)]


def megabytes(docs: list[Document]) -> float:
    return sum(len(d.text.encode("utf-8")) for d in docs) / 1e6


class FileSource:
    """Documents pickled in chunks on disk, read inside the pipeline: `beam.Create` of megabytes of
    documents would cost far more than the steps measured (it encodes them all into the job)."""

    def __init__(self, docs: list[Document], folder: Path, chunks: int = 16):
        self.paths = []
        for i in range(chunks):
            path = folder / f"docs-{i:02d}.pickle"
            path.write_bytes(pickle.dumps(docs[i::chunks]))
            self.paths.append(str(path))

    def read(self, p: beam.Pipeline):
        return (
            p
            | "Paths" >> beam.Create(self.paths)
            | "Load" >> beam.FlatMap(lambda path: pickle.loads(Path(path).read_bytes()))
        )


def run_pipeline(build, options: list[str] = ONE_WORKER) -> float:
    started = time.perf_counter()
    with beam.Pipeline(options=PipelineOptions(options)) as p:
        build(p)
    return time.perf_counter() - started


def bench_training(docs: list[Document], config: TokenizerConfig, repeat: int) -> None:
    seed = 0
    sample = training_sentences(
        [SampledDocument(sample_key(d.id, seed), d.id, d.meta["lang"], d.text) for d in docs],
        max_sentences=config.sample_max_sentences,
        max_bytes=config.sample_max_bytes,
        max_sentence_bytes=config.max_sentence_length,
    )
    models: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.txt"
        pipeline_model = Path(tmp) / "pipeline.model"

        source = FileSource(docs, Path(tmp))

        def pipeline():
            with beam.Pipeline(options=PipelineOptions(ONE_WORKER)) as p:
                refs = (source.read(p) | StageDocuments(tmp)).main  # the documents as the pipeline hands them on
                model = (refs | TrainTokenizer(config, seed=seed, out_dir=tmp))["main"]
                model | beam.Map(lambda m: pipeline_model.write_bytes(m.model_bytes))
            models["pipeline"] = pipeline_model.read_bytes()

        path.write_text("".join(s + "\n" for s in sample.sentences), encoding="utf-8")

        def from_iterator():
            models["iterator"] = train_model(sample.sentences, config, seed=seed)

        file_lines = path.read_text(encoding="utf-8").splitlines()

        def from_iterator_file_lines():
            models["file lines"] = train_model(file_lines, config, seed=seed)

        def from_file():
            spm.set_random_generator_seed(seed)
            spm.SentencePieceTrainer.train(
                input=str(path), model_prefix=str(Path(tmp) / "m"), **trainer_options(config)
            )
            models["file"] = (Path(tmp) / "m.model").read_bytes()

        timings = {}
        for _ in range(repeat):  # alternated, so that a noisy neighbour hurts all alike
            for name, fn in (
                ("file", from_file),
                ("pipeline", pipeline),
                ("iterator", from_iterator),
                ("file lines", from_iterator_file_lines),
            ):
                timings[name] = min(timings.get(name, float("inf")), best_of(1, fn))
    nbytes = sum(len(s.encode("utf-8")) for s in sample.sentences)
    print(
        f"training: {len(sample.sentences):,} sentences, {nbytes / 1e6:.1f} MB, {config.model_type}, "
        f"vocab {config.vocab_size}, num_threads {config.num_threads}"
    )
    for name, label in (
        ("file", "train(input=<file>)"),
        ("file lines", "iterator, the file's lines"),
        ("iterator", "iterator, our sentences"),
        ("pipeline", "TrainTokenizer (Beam)"),
    ):
        print(f"  {label:26s} {timings[name]:7.2f} s")
    print(
        f"  iterator / file on the same lines: {timings['file lines'] / timings['file']:.3f} (same pieces and scores: "
        f"{vocabulary(models['file lines']) == vocabulary(models['file'])}); pipeline / iterator on the same "
        f"sentences: {timings['pipeline'] / timings['iterator']:.3f} (same model: {models['pipeline'] == models['iterator']}); "
        f"pipeline / file: {timings['pipeline'] / timings['file']:.3f}"
    )


def vocabulary(model_bytes: bytes) -> list[tuple[str, float]]:
    """Pieces and scores: a file-trained model also records its input path and model prefix."""
    sp = SentencePieceModel(model_bytes).processor
    return [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.vocab_size())]


def bench_tokenization(docs: list[Document], model_bytes: bytes, repeat: int) -> list[np.ndarray]:
    model = TokenizerModel(model_bytes=model_bytes, trained=True, vocab_size=SentencePieceModel(model_bytes).vocab_size)
    texts = [d.text for d in docs]
    sp = SentencePieceModel(model_bytes).processor
    staging = tempfile.mkdtemp(prefix="bench-tokenizer-")
    fn = _TokenizeFn(out_dir=staging, seed=0, validation_fraction=0.01)
    fn.setup()
    stage = _StageFn(staging, None)  # the documents staged as the pipeline stages them, outside the timing
    stage.start_bundle()
    refs = [ref for doc in docs for ref in stage.process(doc)]
    list(stage.finish_bundle())
    staged_files: dict[bytes, list] = {}
    for ref in refs:
        staged_files.setdefault(location_file(ref.location), []).append(ref)

    def raw():  # sentencepiece's default API: lists of ints
        return [sp.encode(texts[i : i + 256], num_threads=1) for i in range(0, len(texts), 256)]

    def raw_numpy():  # the same ids as numpy arrays, as `SentencePieceModel.encode` asks for them
        return [sp.encode(texts[i : i + 256], num_threads=1, return_type="numpy") for i in range(0, len(texts), 256)]

    def dofn():
        fn.start_bundle()
        tokenized = [list(fn.process(group, model)) for group in staged_files.items()]
        return tokenized, list(fn.finish_bundle())

    def tokenize(p):
        model_pc = p | "Model" >> beam.Create([model])
        refs = (source.read(p) | StageDocuments(staging)).main
        (
            (refs | TokenizeDocuments(model_pc, out_dir=staging, seed=0, validation_fraction=0.01))["main"]
            | beam.Map(lambda t: t.ntokens)
            | beam.combiners.Count.Globally()
        )

    def trivial(p):
        source.read(p) | beam.Map(lambda d: len(d.text)) | beam.combiners.Count.Globally()

    def minimal(p):  # the least a Beam tokenizer does: batch, encode, emit
        (
            source.read(p)
            | beam.BatchElements(min_batch_size=1, max_batch_size=256)
            | beam.ParDo(_MinimalEncodeFn(model_bytes))
            | beam.combiners.Count.Globally()
        )

    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = FileSource(docs, Path(tmp))
        runs = {"raw": raw, "raw numpy": raw_numpy, "dofn": dofn}
        for mode, options in (("thread", ONE_WORKER), ("process", ONE_PROCESS)):
            runs[f"pipeline {mode}"] = lambda o=options: run_pipeline(tokenize, o)
            runs[f"trivial {mode}"] = lambda o=options: run_pipeline(trivial, o)
            runs[f"minimal {mode}"] = lambda o=options: run_pipeline(minimal, o)
        for _ in range(repeat):
            for name, f in runs.items():
                timings[name] = min(timings.get(name, float("inf")), best_of(1, f))
    shutil.rmtree(staging)
    mb = megabytes(docs)
    print(f"tokenization, one core: {len(docs):,} documents, {mb:.1f} MB")
    labels = {"raw": "raw encode (batched)", "raw numpy": "raw encode, numpy out", "dofn": "_TokenizeFn.process"}
    for mode in ("thread", "process"):
        labels[f"pipeline {mode}"] = f"TokenizeDocuments, {mode}"
        labels[f"trivial {mode}"] = f"trivial step, {mode}"
        labels[f"minimal {mode}"] = f"minimal encode DoFn, {mode}"
    for name, label in labels.items():
        print(f"  {label:28s} {timings[name]:7.2f} s  {mb / timings[name]:6.2f} MB/s")
    print(
        f"  overhead vs raw: our DoFn {timings['dofn'] / timings['raw'] - 1:+.1%}; through Beam, less the "
        "trivial pipeline's time (reading, moving documents, startup): "
        + ", ".join(
            f"{mode} {(timings[f'pipeline {mode}'] - timings[f'trivial {mode}']) / timings['raw'] - 1:+.1%} "
            f"(minimal DoFn {(timings[f'minimal {mode}'] - timings[f'trivial {mode}']) / timings['raw'] - 1:+.1%})"
            for mode in ("thread", "process")
        )
    )
    return [np.array(ids + [sp.eos_id()], dtype=np.uint16) for batch in raw() for ids in batch]


class _MinimalEncodeFn(beam.DoFn):
    def __init__(self, model_bytes: bytes):
        self._model_bytes = model_bytes

    def setup(self):
        self._sp = spm.SentencePieceProcessor(model_proto=self._model_bytes)

    def process(self, batch: list[Document]):
        yield from self._sp.encode([d.text for d in batch], add_eos=True, num_threads=1, return_type="numpy")


def bench_shards(docs: list[Document], arrays: list[np.ndarray], repeat: int) -> None:
    ids = [d.id for d in docs]
    token_mb = sum(a.nbytes for a in arrays) / 1e6
    with tempfile.TemporaryDirectory() as tmp:

        def write():
            atomic_write(
                str(Path(tmp) / "part.arrow"), table_bytes(packed_table(ids, arrays, seq_len=2048, dtype=np.uint16))
            )

        secs = best_of(repeat, write)
        size = (Path(tmp) / "part.arrow").stat().st_size / 1e6
    print(
        f"token shard (packed, seq_len 2048): {token_mb:.1f} MB of tokens → {size:.1f} MB file in {secs:.3f} s: "
        f"{token_mb / secs:.0f} MB/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="alternated passes of each; the best counts (default 2)")
    parser.add_argument("--train-mb", type=float, default=3.0, help="training text, MB (default 3)")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=2, help="SentencePiece trainer threads (default 2)")
    parser.add_argument("--no-training", action="store_true", help="skip the training comparison")
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="tokenize the documents this many times (new ids): amortizes Beam's per-stage costs",
    )
    args = parser.parse_args()

    docs = load_documents()
    budget = int(args.train_mb * 1e6)
    config = TokenizerConfig(
        enabled=True,
        vocab_size=args.vocab_size,
        num_threads=args.threads,
        validation_fraction=0.0,
        sample_max_bytes=budget,
    )
    # Every document up to the budget (by sample key), so the pipeline's sample is all of them.
    order = sorted(docs, key=lambda d: sample_key(d.id, 0))
    train_docs, size = [], 0
    for d in order:
        size += len(d.text.encode("utf-8"))
        if size > budget * 0.9:
            break
        train_docs.append(d)
    if not args.no_training:
        bench_training(train_docs, config, args.repeat)
    model_bytes = train_model(
        training_sentences(
            [SampledDocument(0.0, d.id, d.meta["lang"], d.text) for d in train_docs],
            max_sentences=10**9,
            max_bytes=10**12,
            max_sentence_bytes=config.max_sentence_length,
        ).sentences,
        config,
        seed=0,
    )
    docs = [dataclasses.replace(d, id=f"{c:08x}{d.id[8:]}") for c in range(args.copies) for d in docs]
    arrays = bench_tokenization(docs, model_bytes, args.repeat)
    bench_shards(docs, arrays, args.repeat)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
