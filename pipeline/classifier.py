"""`corpusforge classifier train`: a fastText quality classifier from positive and negative documents.

    corpusforge classifier train --positive GLOB... --negative GLOB... --output model.bin [--lang LANG...]

The DCLM recipe (Li et al. 2024): curated text as positives (DCLM: OpenHermes 2.5 and r/ExplainLikeImFive),
random web pages as negatives, a bigram fastText classifier, classes balanced. Examples are read with
corpusforge's own readers (`transforms/io/read.py`: WARC/WET/ARC pages through extraction, JSONL, Parquet,
text, our Arrow shards, annotate runs included) and cleaned as the pipeline cleans (`clean_text`), so the
model learns from the text the classifier stage will score; each is prepared as the stage prepares it
(`transforms/filters/classifier.prepare_text`). Then:

* exact duplicates (same prepared text) count once; a text in both classes is left out of both;
* `--lang`: only examples whose lid.176 language is listed; every example's language is reported;
* classes balanced (the larger cut to the smaller's size) and capped (`--max-per-class`), the examples
  chosen and shuffled by a seeded hash, a held-out split by another (`--test-fraction`);
* fastText's own trainer (the `fasttext` command-line tool) with `-thread 1` and `-seed`: same inputs and
  settings give the same model bytes. `fasttext-predict`, which the pipeline scores with, has no trainer,
  and the `fasttext` PyPI package would overwrite its module; floret trains but writes a header
  fasttext-predict cannot read;
* the held-out split scored through the classifier stage's own model code: precision, recall, F1,
  accuracy, ROC AUC and the confusion matrix, overall and per language, and a check that fasttext-predict
  and the trainer's own `predict-prob` agree on every held-out example.

The model and `model.json` (its labels, text preparation, settings, inputs, counts and held-out metrics;
no timestamps, so reruns give identical files) are written to `--output` (any Beam filesystem).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import xxhash
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.config import ConfigError, PipelineConfig, load_config, parse_config
from corpusforge.transforms.accounting import is_environment_fault
from corpusforge.transforms.document import Document, Rejection, SourceFile, WebPage
from corpusforge.transforms.extract.extract import check_extractor, page_to_document
from corpusforge.transforms.filters.classifier import (
    LABEL_PREFIX,
    SIDECAR_FORMAT,
    FastTextClassifier,
    prepare_text,
    sidecar_path,
)
from corpusforge.transforms.filters.clean import clean_text
from corpusforge.transforms.filters.language import LanguageModel
from corpusforge.transforms.io.read import detect_format, iter_records, match_inputs

POSITIVE, NEGATIVE = "positive", "negative"
INSTALL_HINT = (
    "install fastText's command-line trainer: `apt-get install fasttext` (Debian, Ubuntu), `brew install fasttext` "
    "(macOS), or build fastText 0.9.2 from source; or pass --fasttext PATH"
)
_SALT_ORDER, _SALT_SPLIT = 1, 2  # seeds of the two hashes derived from --seed: order (and sampling), split
_COPY_CHUNK = 1 << 22


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """What `classifier train` does; the defaults are fastText's but `word_ngrams` (2: DCLM's bigrams)."""

    positive: tuple[str, ...]
    negative: tuple[str, ...]
    output: str
    langs: tuple[str, ...] = ()
    positive_label: str = "hq"  # DCLM's labels: a config's `label: hq` works for both models
    negative_label: str = "cc"
    lowercase: bool = False
    max_chars: int | None = None
    test_fraction: float = 0.1
    balance: bool = True
    max_per_class: int | None = None
    seed: int = 0
    epoch: int = 5
    lr: float = 0.1
    word_ngrams: int = 2
    dim: int = 100
    bucket: int = 2_000_000
    min_count: int = 1
    fasttext: str = "fasttext"
    overwrite: bool = False
    reading: PipelineConfig = PipelineConfig()  # its input, extract and clean sections: how inputs are read


@dataclasses.dataclass(frozen=True)
class Example:
    """One training example: its class, language, prepared text and the hash that orders it."""

    order: int
    label: str
    lang: str
    text: str


def find_trainer(binary: str) -> str:
    """The fastText command-line tool's path; ConfigError naming how to install it if it is missing."""
    found = shutil.which(binary)
    if found is None:
        raise ConfigError(f"classifier train: fastText's trainer {binary!r} was not found; {INSTALL_HINT}")
    return found


# --- examples ---------------------------------------------------------------------------------------------


def read_documents(
    files: Sequence[SourceFile], reading: PipelineConfig, counts: Counter, unreadable: list[str]
) -> Iterator[Document]:
    """Every document of `files`, web pages extracted and text cleaned as the pipeline does. `counts`
    tallies records, documents and rejections (`<verdict>:<reason>`, as the pipeline names them); a file
    that cannot be read goes to `unreadable` with its error, and the others are still read."""
    for source in files:
        fmt = detect_format(source.path, reading.input.format)
        try:
            with FileSystems.open(source.path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
                for item in iter_records(stream, source, fmt, reading.input):
                    counts["records"] += 1
                    document = _document(item, source, reading)
                    if isinstance(document, str):
                        counts[document] += 1
                    else:
                        counts["documents"] += 1
                        yield document
        except Exception as e:  # a broken file (OSError included, as in the pipeline's reader), not the machine
            if isinstance(e, ImportError | MemoryError):
                raise
            unreadable.append(f"{source.relpath}: {type(e).__name__}: {e}")


def _document(item: Document | WebPage | Rejection, source: SourceFile, reading: PipelineConfig) -> Document | str:
    """The record's cleaned document, or why there is none (`<verdict>:<reason>`)."""
    try:
        if isinstance(item, WebPage):
            item = page_to_document(item, source, reading.extract)
        if isinstance(item, Rejection):
            return f"{item.verdict.value}:{item.reason}"
        if not reading.clean.enabled:
            return item
        clean = reading.clean
        return dataclasses.replace(
            item, text=clean_text(item.text, fix_unicode=clean.fix_unicode, normalization=clean.normalization)
        )
    except Exception as e:  # a page that breaks extraction is that page's loss, as in the pipeline
        if is_environment_fault(e):
            raise
        return "dead_letter:extraction_error"


def collect_examples(
    settings: TrainSettings, language_model: LanguageModel
) -> tuple[list[Example], dict[str, dict[str, Any]]]:
    """The examples of both classes, deduplicated, conflicts removed, filtered by language, balanced and
    capped, in seeded-hash order; and what happened to every record of each class."""
    seen: dict[int, tuple[str, Example | None]] = {}  # text hash → (class, example; None once in both)
    reports: dict[str, dict[str, Any]] = {}
    for label, globs in ((POSITIVE, settings.positive), (NEGATIVE, settings.negative)):
        counts: Counter = Counter()
        unreadable: list[str] = []
        files = match_inputs(globs, settings.reading.input.format)
        for doc in read_documents(files, settings.reading, counts, unreadable):
            text = prepare_text(doc.text, lowercase=settings.lowercase, max_chars=settings.max_chars)
            if not text.strip():
                counts["empty_text"] += 1
                continue
            lang, _ = language_model.predict_one(doc.text)
            if settings.langs and lang not in settings.langs:
                counts["language_not_kept"] += 1
                continue
            key = xxhash.xxh3_128_intdigest(text.encode("utf-8"))
            earlier = seen.get(key)
            if earlier is None:
                order = xxhash.xxh3_64_intdigest(text.encode("utf-8"), seed=settings.seed * 4 + _SALT_ORDER)
                seen[key] = (label, Example(order, label, lang, text))
            elif earlier[0] == label:
                counts["duplicate"] += 1
            else:  # in both classes: it can teach the model nothing, and is left out of both
                seen[key] = (earlier[0], None)
                counts["in_both_classes"] += 1
        reports[label] = {
            "globs": list(globs),
            "files": [{"path": f.relpath, "bytes": f.size} for f in files],
            **_record_report(counts),
            "unreadable_files": unreadable,
        }
    for label, example in seen.values():
        if example is None:
            reports[label]["in_both_classes"] += 1
    by_class = {POSITIVE: [], NEGATIVE: []}
    for label, example in seen.values():
        if example is not None:
            by_class[label].append(example)
    for label, examples in by_class.items():
        examples.sort(key=lambda e: (e.order, e.text))
        reports[label]["examples"] = len(examples)
        if not examples:
            r = reports[label]
            raise ConfigError(
                f"classifier train: no {label} example in {' '.join(r['globs'])}: {r['records']} records, "
                f"{r['documents']} documents, {r['empty_text']} empty, {r['language_not_kept']} in other languages, "
                f"{r['in_both_classes']} in both classes"
            )
    limits = [len(e) for e in by_class.values()] if settings.balance else []
    limits += [settings.max_per_class] if settings.max_per_class is not None else []
    limit = min(limits, default=None)
    chosen = [e for examples in by_class.values() for e in examples[:limit]]
    for label in by_class:
        reports[label]["used"] = sum(e.label == label for e in chosen)
    chosen.sort(key=lambda e: (e.order, e.text))
    return chosen, reports


def _record_report(counts: Counter) -> dict[str, Any]:
    """What happened to a class's records: read, documents, rejected by reason, left out by reason."""
    rejected = {k: v for k, v in sorted(counts.items()) if ":" in k}
    plain = ("records", "documents", "empty_text", "language_not_kept", "duplicate", "in_both_classes")
    return {**{k: counts[k] for k in plain}, "rejected": rejected}


def is_held_out(example: Example, settings: TrainSettings) -> bool:
    """The held-out split: a seeded hash of the text, independent of the order hash."""
    value = xxhash.xxh3_64_intdigest(example.text.encode("utf-8"), seed=settings.seed * 4 + _SALT_SPLIT)
    return value < settings.test_fraction * 2**64


# --- training and evaluation ------------------------------------------------------------------------------


def fasttext_line(example: Example, settings: TrainSettings) -> str:
    label = settings.positive_label if example.label == POSITIVE else settings.negative_label
    return f"{LABEL_PREFIX}{label} {example.text}\n"


def run_trainer(binary: str, *args: str) -> None:
    """Runs the fastText tool; its own error as a RuntimeError if it fails."""
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode != 0:
        tail = " ".join((done.stderr or done.stdout).split())[-500:]
        raise RuntimeError(f"fasttext {args[0]} failed (exit {done.returncode}): {tail}")


def trainer_arguments(settings: TrainSettings) -> dict[str, Any]:
    """fastText's supervised settings as its own flags name them."""
    return {
        "epoch": settings.epoch,
        "lr": settings.lr,
        "wordNgrams": settings.word_ngrams,
        "dim": settings.dim,
        "bucket": settings.bucket,
        "minCount": settings.min_count,
        "loss": "softmax",
        "thread": 1,  # fastText's threads race on shared weights (Hogwild): one thread is reproducible
        "seed": settings.seed,
    }


def train_model(binary: str, train_file: Path, prefix: Path, settings: TrainSettings, quantize: bool) -> Path:
    """`fasttext supervised` (then `quantize` for a .ftz) on `train_file`; the model file's path."""
    flags = [item for name, value in trainer_arguments(settings).items() for item in (f"-{name}", str(value))]
    run_trainer(binary, "supervised", "-input", str(train_file), "-output", str(prefix), "-verbose", "0", *flags)
    if not quantize:
        return prefix.with_suffix(".bin")
    # fastText's recommended compression: norms apart, the 100,000 most useful rows, retrained once.
    run_trainer(
        binary, "quantize", "-input", str(train_file), "-output", str(prefix), "-qnorm", "-retrain", "-cutoff",
        "100000", "-thread", "1", "-seed", str(settings.seed), "-verbose", "0",
    )  # fmt: skip
    return prefix.with_suffix(".ftz")


def evaluate(scores: Sequence[float], truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, Any]:
    """Precision, recall and F1 of the positive class, accuracy, ROC AUC of the scores, confusion matrix."""
    tp = sum(t and p for t, p in zip(truth, predicted))
    fp = sum(p and not t for t, p in zip(truth, predicted))
    fn = sum(t and not p for t, p in zip(truth, predicted))
    tn = len(truth) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "examples": len(truth),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "accuracy": round((tp + tn) / len(truth), 4) if truth else 0.0,
        "auc": roc_auc(scores, truth),
        "confusion": {
            "positive": {"predicted_positive": tp, "predicted_negative": fn},
            "negative": {"predicted_positive": fp, "predicted_negative": tn},
        },
    }


def roc_auc(scores: Sequence[float], truth: Sequence[bool]) -> float | None:
    """The probability that a positive scores above a negative (ties count half); None without both."""
    positives = sum(truth)
    negatives = len(truth) - positives
    if not positives or not negatives:
        return None
    ranked = sorted(zip(scores, truth))
    rank_sum, i = 0.0, 0
    while i < len(ranked):  # average ranks over ties
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank_sum += sum(t for _, t in ranked[i:j]) * (i + j + 1) / 2
        i = j
    return round((rank_sum - positives * (positives + 1) / 2) / (positives * negatives), 4)


def trainer_predictions(binary: str, model: Path, texts_file: Path) -> list[list[tuple[str, float]]]:
    """The trainer's own `predict-prob` of every line of `texts_file`: [(label, probability)] per line."""
    done = subprocess.run([binary, "predict-prob", str(model), str(texts_file), "-1"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"fasttext predict-prob failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    lines = []
    for line in done.stdout.splitlines():
        tokens = line.split()
        lines.append([(tokens[i].removeprefix(LABEL_PREFIX), float(tokens[i + 1])) for i in range(0, len(tokens), 2)])
    return lines


def agreement(ours: Sequence[dict[str, float]], theirs: Sequence[list[tuple[str, float]]]) -> dict[str, Any]:
    """How far fasttext-predict's probabilities are from the trainer's (printed to 6 significant digits)."""
    if len(ours) != len(theirs):
        raise RuntimeError(f"fasttext predict-prob gave {len(theirs)} predictions for {len(ours)} texts")
    same_top, largest = 0, 0.0
    for mine, other in zip(ours, theirs):
        top = max(mine.items(), key=lambda item: item[1])[0] if mine else None
        same_top += top == (other[0][0] if other else None)
        for label, prob in other:
            largest = max(largest, abs(mine.get(label, 0.0) - prob))
    return {"examples": len(ours), "same_top_label": same_top, "max_probability_difference": round(largest, 8)}


# --- the command -----------------------------------------------------------------------------------------


def train_classifier(settings: TrainSettings, work_dir: Path | None = None) -> dict[str, Any]:
    """Reads, splits, trains, evaluates and writes the model and its `model.json`; returns the report.

    `work_dir` keeps the fastText files (`train.txt`, `test.txt`, `test_texts.txt`, the model); by default
    a temporary folder, removed at the end. ConfigError for bad settings or inputs, RuntimeError when the
    trainer fails or fasttext-predict cannot reproduce its predictions.
    """
    binary = find_trainer(settings.fasttext)
    quantize = settings.output.endswith(".ftz")
    if not settings.output.endswith((".bin", ".ftz")):
        raise ConfigError(f"--output {settings.output}: name the model file .bin (or .ftz, quantized)")
    report_path = sidecar_path(settings.output)
    for path in (settings.output, report_path):
        if FileSystems.exists(path) and not settings.overwrite:
            raise ConfigError(f"--output: {path} exists; pass --overwrite to replace it")
    labels = (settings.positive_label, settings.negative_label)
    if labels[0] == labels[1] or any(label.split() != [label] for label in labels):
        raise ConfigError(f"--positive-label, --negative-label: two different words, got {labels[0]!r}, {labels[1]!r}")
    if not 0 < settings.test_fraction < 1:
        raise ConfigError(f"--test-fraction: expected a value between 0 and 1, got {settings.test_fraction}")
    check_extractor(settings.reading.extract)
    examples, reports = collect_examples(settings, LanguageModel())
    train = [e for e in examples if not is_held_out(e, settings)]
    test = [e for e in examples if is_held_out(e, settings)]
    with tempfile.TemporaryDirectory(prefix="corpusforge-classifier-") as scratch:
        folder = work_dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        train_file, test_file, texts_file = folder / "train.txt", folder / "test.txt", folder / "test_texts.txt"
        train_file.write_text("".join(fasttext_line(e, settings) for e in train), encoding="utf-8")
        test_file.write_text("".join(fasttext_line(e, settings) for e in test), encoding="utf-8")
        texts_file.write_text("".join(f"{e.text}\n" for e in test), encoding="utf-8")
        model_file = train_model(binary, train_file, folder / "model", settings, quantize)
        model = FastTextClassifier(str(model_file))
        ours = [model.probabilities(e.text) for e in test]
        checked = agreement(ours, trainer_predictions(binary, model_file, texts_file))
        if checked["same_top_label"] != checked["examples"] or checked["max_probability_difference"] > 1e-4:
            raise RuntimeError(f"fasttext-predict does not reproduce the trainer's predictions: {checked}")
        held_out = _held_out_metrics(test, ours, settings.positive_label)
        report = _report(settings, reports, train, test, held_out, checked, model_file)
        _copy(model_file, settings.output)
    data = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    with FileSystems.create(report_path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)
    return report


def _held_out_metrics(test: Sequence[Example], ours: Sequence[dict[str, float]], positive: str) -> dict[str, Any]:
    scores = [probs.get(positive, 0.0) for probs in ours]
    truth = [e.label == POSITIVE for e in test]
    # fastText's prediction: the most probable label (what `fasttext test` and `predict` report)
    predicted = [bool(probs) and max(probs, key=probs.__getitem__) == positive for probs in ours]
    metrics = evaluate(scores, truth, predicted)
    by_lang: dict[str, list[int]] = {}
    for i, example in enumerate(test):
        by_lang.setdefault(example.lang, []).append(i)
    metrics["by_language"] = {
        lang: evaluate([scores[i] for i in rows], [truth[i] for i in rows], [predicted[i] for i in rows])
        for lang, rows in sorted(by_lang.items(), key=lambda item: (-len(item[1]), item[0]))
    }
    return metrics


def _report(
    settings: TrainSettings,
    reports: dict[str, dict[str, Any]],
    train: Sequence[Example],
    test: Sequence[Example],
    held_out: dict[str, Any],
    checked: dict[str, Any],
    model_file: Path,
) -> dict[str, Any]:
    languages: dict[str, Counter] = {}
    for example in (*train, *test):
        languages.setdefault(example.lang, Counter())[example.label] += 1
    for label in (POSITIVE, NEGATIVE):
        reports[label]["train"] = sum(e.label == label for e in train)
        reports[label]["test"] = sum(e.label == label for e in test)
    data = model_file.read_bytes()
    return {
        "format": SIDECAR_FORMAT,
        "labels": {POSITIVE: settings.positive_label, NEGATIVE: settings.negative_label},
        # what the classifier stage checks against its settings (transforms/filters/classifier.py)
        "preparation": {"lowercase": settings.lowercase, "max_chars": settings.max_chars},
        "languages": list(settings.langs) or None,
        "balance": settings.balance,
        "max_per_class": settings.max_per_class,
        "test_fraction": settings.test_fraction,
        "fasttext": trainer_arguments(settings),
        "model": {
            "file": os.path.basename(settings.output),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        "inputs": reports,
        "examples_by_language": {
            lang: dict(sorted(c.items())) for lang, c in sorted(languages.items(), key=lambda i: -i[1].total())
        },
        "held_out": held_out,
        "trainer_agreement": checked,
    }


def _copy(local: Path, destination: str) -> None:
    """The model to `destination` (any Beam filesystem), under a temporary name until complete."""
    partial = destination + ".tmp"
    with open(local, "rb") as src, FileSystems.create(partial, compression_type=CompressionTypes.UNCOMPRESSED) as dst:
        while chunk := src.read(_COPY_CHUNK):
            dst.write(chunk)
    if FileSystems.exists(destination):
        FileSystems.delete([destination])
    FileSystems.rename([partial], [destination])


def classifier_command(args: argparse.Namespace) -> int:
    """Runs `classifier train` and prints its report; ConfigError (exit 2) for bad settings or inputs."""
    for flag, value in (("--max-chars", args.max_chars), ("--max-per-class", args.max_per_class)):
        if value is not None and value < 1:
            raise ConfigError(f"{flag}: expected a positive number, got {value}")
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainSettings) if hasattr(args, f.name)}
    settings = TrainSettings(
        **{**given, "positive": tuple(args.positive), "negative": tuple(args.negative)},
        langs=tuple(args.lang),
        reading=load_config(args.config) if args.config else parse_config({}),
    )
    report = train_classifier(settings, Path(args.work_dir) if args.work_dir else None)
    print(format_report(report, settings.output))
    return 0


def format_report(report: dict[str, Any], output: str) -> str:
    """The report as the command prints it."""
    lines = []
    for label in (POSITIVE, NEGATIVE):
        r = report["inputs"][label]
        lines.append(
            f"{label} ({report['labels'][label]}): {r['records']} records in {len(r['files'])} files, "
            f"{r['examples']} distinct examples ({r['duplicate']} duplicates, {r['in_both_classes']} in both classes, "
            f"{r['language_not_kept']} other languages), {r['used']} used: {r['train']} train, {r['test']} held out"
        )
    h = report["held_out"]
    c = h["confusion"]
    auc = "n/a" if h["auc"] is None else f"{h['auc']:.4f}"
    lines += [
        f"held out ({h['examples']}): precision {h['precision']:.4f}, recall {h['recall']:.4f}, F1 {h['f1']:.4f}, "
        f"accuracy {h['accuracy']:.4f}, ROC AUC {auc}",
        "confusion (rows: true class):  predicted positive  predicted negative",
        f"  positive                      {c['positive']['predicted_positive']:>18}  {c['positive']['predicted_negative']:>18}",
        f"  negative                      {c['negative']['predicted_positive']:>18}  {c['negative']['predicted_negative']:>18}",
    ]
    for lang, m in list(h["by_language"].items())[:10]:
        lines.append(f"  {lang}: {m['examples']} held out, F1 {m['f1']:.4f}, accuracy {m['accuracy']:.4f}")
    m, a = report["model"], report["trainer_agreement"]
    lines += [
        f"fasttext-predict agrees with the trainer on {a['same_top_label']}/{a['examples']} held-out predictions "
        f"(largest probability difference {a['max_probability_difference']:.2g})",
        f"model: {output} ({m['bytes'] / 1e6:.1f} MB, sha256 {m['sha256'][:16]}), report: {sidecar_path(output)}",
    ]
    return "\n".join(lines)
