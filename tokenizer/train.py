"""Training a SentencePiece model on a deterministic, language-balanced sample of the kept documents.

Sampling, among the documents of the train split (the validation split stays unseen, for the audit and
for the model trained downstream). Every document gets a uniform key `u = xxh64(seed, id) / 2**64`. A language with `b` bytes of
kept text gets a share of the byte budget proportional to `b ** alpha` (temperature sampling, as XLM-R,
Conneau et al. 2020, and mT5, Xue et al. 2021, sample languages with alpha = 0.3: small languages are not
starved), never more than it has, what it cannot use going to the others (`language_rates`). A document
is sampled when `u < rate(lang)`, a Bernoulli draw by hash, so the sample does not depend on bundles,
workers or order. The sampled documents are gathered on one worker, sorted by key, cut into runs of
whole lines (SentencePiece's "sentences") and cut exactly at the sentence and byte bounds
(`training_sentences`).

Training. `train_model` runs `SentencePieceTrainer` from an iterator and returns the model bytes (no
temporary file). The unigram trainer's result depends on its thread count, so `num_threads` is a fixed
setting, not the machine's core count: same sample, seed and `num_threads` give the same model bytes.

Too little text. A small corpus cannot give `vocab_size` pieces (a 17 KB article: a few hundred), and
SentencePiece then refuses, naming the most it can give. `train_to_fit` applies
`tokenizer.too_little_text`: `shrink` retrains with that many pieces (deterministic: the bound depends
only on the sample), `skip` trains nothing, `fail` fails the run; its `Training` says what happened, for
stats.json (`tokenizer.training`) and the CLI's warning.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import sentencepiece as spm
import xxhash

from corpusforge.pipeline.config import TokenizerConfig

UNDETERMINED = "und"  # the language of documents the language stage did not label


def sample_key(doc_id: str, seed: int) -> float:
    """A uniform number in [0, 1) from the document id and the seed."""
    return xxhash.xxh64_intdigest(doc_id.encode("utf-8"), seed=seed) / 2**64


def language_rates(sizes: Mapping[str, int], *, budget: int, alpha: float) -> dict[str, float]:
    """Per-language sampling rates: each language's share of `budget` is ∝ size**alpha, capped at its size.

    Water-filling: languages too small for their share give all they have, and the rest of the budget is
    shared again among the others by the same weights. Rate = share / size, so a Bernoulli draw at that
    rate takes the share in expectation.
    """
    weights = {lang: size**alpha for lang, size in sizes.items() if size > 0}
    remaining = float(budget)
    shares: dict[str, float] = {}
    open_langs = sorted(weights)
    while open_langs:
        total = sum(weights[lang] for lang in open_langs)
        full = [lang for lang in open_langs if sizes[lang] <= remaining * weights[lang] / total]
        if not full:
            shares.update({lang: remaining * weights[lang] / total for lang in open_langs})
            break
        for lang in full:
            shares[lang] = sizes[lang]
            remaining -= sizes[lang]
        open_langs = [lang for lang in open_langs if lang not in full]
    return {lang: min(1.0, share / sizes[lang]) for lang, share in shares.items()}


@dataclasses.dataclass(frozen=True)
class SampledDocument:
    key: float
    id: str
    lang: str
    text: str


@dataclasses.dataclass
class TrainingSample:
    """The sentences to train on and what each language gave (documents, sentences, bytes)."""

    sentences: list[str]
    by_language: dict[str, dict[str, int]]


def line_runs(text: str, max_bytes: int) -> tuple[list[str], int]:
    """`text` cut at line ends into runs of whole lines of at most `max_bytes` UTF-8 bytes, each stripped,
    blank ones left out; and the number of single lines longer than that, which are left out too."""
    runs: list[str] = []
    long_lines = 0
    run: list[str] = []
    size = 0
    for line in text.split("\n"):
        nbytes = len(line.encode("utf-8")) + 1
        too_long = nbytes - 1 > max_bytes
        if too_long or size + nbytes - 1 > max_bytes:  # a left-out line ends the run: no text joined across it
            runs.append("\n".join(run))
            run, size = [], 0
        if too_long:
            long_lines += 1
            continue
        run.append(line)
        size += nbytes
    runs.append("\n".join(run))
    return [r.strip() for r in runs if r.strip()], long_lines


def training_sentences(
    docs: Iterable[SampledDocument], *, max_sentences: int, max_bytes: int, max_sentence_bytes: int
) -> TrainingSample:
    """The documents in key order as SentencePiece "sentences", cut at `max_sentences` or `max_bytes`.

    A sentence is a run of whole lines up to `max_sentence_bytes` (`line_runs`), not a single line: the
    trainer then sees newlines where documents have them, learns pieces for them ("\n", ".\n") and the
    line-initial words without a space before them, as encoding whole documents will meet them (trained
    on single lines, every newline is a byte-fallback piece). Lines longer than `max_sentence_bytes`
    (SentencePiece's `max_sentence_length`, which it would skip itself) are counted as `long_lines`.
    """
    sentences: list[str] = []
    by_language: dict[str, dict[str, int]] = {}
    total_bytes = 0
    for doc in sorted(docs, key=lambda d: (d.key, d.id)):
        if len(sentences) >= max_sentences or total_bytes >= max_bytes:
            break
        counts = by_language.setdefault(doc.lang, {"documents": 0, "sentences": 0, "bytes": 0, "long_lines": 0})
        counts["documents"] += 1
        runs, long_lines = line_runs(doc.text, max_sentence_bytes)
        counts["long_lines"] += long_lines
        for run in runs:
            nbytes = len(run.encode("utf-8"))
            if len(sentences) >= max_sentences or total_bytes + nbytes > max_bytes:
                break
            sentences.append(run)
            total_bytes += nbytes
            counts["sentences"] += 1
            counts["bytes"] += nbytes
    return TrainingSample(sentences, dict(sorted(by_language.items())))


def trainer_options(config: TokenizerConfig) -> dict[str, Any]:
    """SentencePieceTrainer keyword arguments for `config` (the sample is ours: spm neither samples nor shuffles)."""
    return {
        "model_type": config.model_type,
        "vocab_size": config.vocab_size,
        "num_threads": config.num_threads,
        "character_coverage": config.character_coverage,
        "byte_fallback": config.byte_fallback,
        "split_digits": config.split_digits,
        "normalization_rule_name": config.normalization_rule_name,
        # Passed only when off (SentencePiece's default is on): a model trained with it on keeps the bytes it had
        # before the setting existed.
        **({} if config.remove_extra_whitespaces else {"remove_extra_whitespaces": False}),
        "unk_id": config.unk_id,
        "bos_id": config.bos_id,
        "eos_id": config.eos_id,
        "pad_id": config.pad_id,
        "user_defined_symbols": list(config.user_defined_symbols),
        "max_sentence_length": config.max_sentence_length,
        "input_sentence_size": 0,
        "shuffle_input_sentence": False,
        "minloglevel": 2,  # errors only: its progress lines would flood the worker log
    }


def train_model(sentences: Iterable[str], config: TokenizerConfig, *, seed: int) -> bytes:
    """Train on `sentences` with `config`'s settings; the serialized model.

    Raises RuntimeError (from SentencePiece) when the sentences cannot give the vocabulary size asked for.
    """
    # SentencePiece's generator (used by the unigram trainer's sampling) is process-global: set it right
    # before training so the result depends on the seed only.
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(sentences), model_writer=model, **trainer_options(config))
    return model.getvalue()


# SentencePiece's refusal of a vocabulary its sentences cannot fill (trainer_interface.cc, 0.2.x).
_VOCABULARY_TOO_HIGH = re.compile(r"Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)")
_MAX_SHRINKS = 3  # a retrain at the bound given has always succeeded; never loop


@dataclasses.dataclass(frozen=True)
class Training:
    """What `train_to_fit` did: `model_bytes` (empty when skipped) and, for the stats, how and why."""

    model_bytes: bytes
    status: Literal["trained", "shrunk", "skipped"]
    vocab_size_requested: int
    vocab_size: int  # of the model; 0 when skipped
    note: str = ""  # a sentence for the user when status is not "trained"

    def stats(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "vocab_size_requested": self.vocab_size_requested,
            "vocab_size": self.vocab_size,
            **({"note": self.note} if self.note else {}),
        }


def train_to_fit(sentences: list[str], config: TokenizerConfig, *, seed: int) -> Training:
    """Train on `sentences`; when they cannot give `config.vocab_size` pieces, do what
    `config.too_little_text` says (module docstring). Raises RuntimeError, one line, when SentencePiece
    refuses for another reason (a vocabulary smaller than the sample's characters) or with `fail`."""
    requested = config.vocab_size
    size = f"{len(sentences):,} sentences, {sum(len(s.encode('utf-8')) for s in sentences) / 1e3:,.1f} KB"
    for _ in range(_MAX_SHRINKS + 1):
        try:
            model_bytes = train_model(sentences, config, seed=seed)
        except RuntimeError as e:
            message = str(e).rsplit("] ", 1)[-1]  # SentencePiece's sentence, without its source location
            bound = _VOCABULARY_TOO_HIGH.search(message)
            if bound is None:
                raise RuntimeError(
                    f"tokenizer: SentencePiece cannot train vocab_size {config.vocab_size:,} on the sample ({size}): "
                    f"{message}"
                ) from None
            most = int(bound[2])
            gives = f"the training sample ({size}) gives at most {most:,} of the {requested:,} pieces asked"
            if config.too_little_text == "fail":
                raise RuntimeError(f"tokenizer: {gives} (tokenizer.too_little_text: fail)") from None
            if config.too_little_text == "skip":
                note = (
                    f"tokenizer: no tokenizer trained and no tokens written: {gives} (tokenizer.too_little_text: skip)"
                )
                return Training(b"", "skipped", requested, 0, note)
            config = dataclasses.replace(config, vocab_size=most)
            continue
        if config.vocab_size == requested:
            return Training(model_bytes, "trained", requested, requested)
        note = (
            f"tokenizer: vocabulary shrunk from {requested:,} to {config.vocab_size:,} pieces: the training sample "
            f"({size}) gives no more (tokenizer.too_little_text: shrink)"
        )
        return Training(model_bytes, "shrunk", requested, config.vocab_size, note)
    raise RuntimeError(f"tokenizer: SentencePiece kept refusing smaller vocabularies, last {config.vocab_size:,}")
