"""The classifier stage: fastText quality classifiers (DCLM's, or one `corpusforge classifier train` made).

Every serious corpus of the last years filters with a model as well as with rules: GPT-3 and PaLM trained
a classifier of reference-like text, DCLM's fastText classifier (OpenHermes 2.5 + ELI5 positives against
random web pages) beat every rule set in its ablations (Li et al. 2024, "DataComp-LM"), FineWeb-Edu scores
educational value. datatrove (`FastTextClassifierFilter`), NeMo Curator (`FastTextQualityFilter`) and Dolma
ship such a stage; this is ours, on the filter contract (`transforms/stages.py`).

Two steps, because a threshold is a per-document decision and a top fraction is a corpus-wide one:

* `classifier_stage` → `RunStage`: each configured model (`ClassifierScore`, one filter per model, side by
  side) scores every document on its prepared text and stores `meta["<name>_score"]` (the probability of
  its `label`) and `meta["<name>_labels"]` (every label's probability, as fastText returns them); a model
  with a `threshold` (per language: `threshold_by_lang`) drops documents scoring below it
  (`<name>_score_too_low`).
* `TopFractionCut`: a model with a `top_fraction` keeps the ⌈fraction × n⌉ best of the n documents of each
  language that reach it, ordered by (score descending, id), exactly and whatever the runner or worker
  count. Only compact records (classifier, language, score, id) are shuffled: an exact radix selection
  over combiner histograms of the score's bits (`_DIGIT_BITS` at a time) narrows the boundary down until
  at most `_GATHER_MAX` candidates share it, which are then sorted on one worker; the documents are
  filtered against the per-language boundary as a side input (`<name>_below_top_fraction`).

Text preparation follows DCLM (`" ".join(text.splitlines())`) and datatrove (`text.replace("\\n", " ")`):
fastText reads one line, so newlines become spaces; `max_chars` and `lowercase` reproduce how a model was
trained. Scores are fastText's own probabilities (`exp(log(p + 1e-5))`, as `fasttext.predict` returns
them), unrounded, so a stored score equals a direct `predict` on the same prepared text.

Models are read with `fasttext-predict` (fastText's prediction code, already installed for lid.176): its
batched `predict(list)` is broken in 0.9.2.4 (see `filters/language.py`), so the binding's single-text
call is looped; `model_labels` reads the labels from the model file's dictionary, since a hierarchical-
softmax model does not return labels scoring under 1e-5.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import struct
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import apache_beam as beam
import pyarrow as pa
import xxhash
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ClassifierConfig, ClassifierModelConfig, ConfigError
from corpusforge.transforms.accounting import DROPPED, REJECTED, TALLY, AccountingDoFn, drop, stage_error
from corpusforge.transforms.document import BASE_COLUMNS, PROMOTED_COLUMNS, Document
from corpusforge.transforms.filters import language
from corpusforge.transforms.stages import Check, Filter, Outcome, Stage, TextView, Thresholds, require_file

CLASSIFIER_STAGE = "classifier"
TOP_FRACTION_STAGE = "classifier_top_fraction"
SECTION = "classifier"  # the stats.json and manifest.json key of the cuts and models
UNDETERMINED = "und"  # the language of documents without one (no language stage)
LABEL_PREFIX = "__label__"
SIDECAR_FORMAT = "corpusforge.classifier/1"  # `model.json` beside a model `corpusforge classifier train` made

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_FASTTEXT_MAGIC, _FASTTEXT_VERSION, _SUPERVISED = 793712314, 12, 3
_LABEL_ENTRY = 1  # fastText's entry_type of a label in the model's dictionary
_READ_CHUNK = 1 << 20


# --- the model ------------------------------------------------------------------------------------------


def prepare_text(text: str, *, lowercase: bool = False, max_chars: int | None = None) -> str:
    """The text exactly as a classifier sees it, without the final "\\n": cut to `max_chars` characters if
    set, newlines replaced by spaces (`language.prepare_text`, the language model's preparation), then
    lower-cased if asked. Training (`pipeline/classifier.py`) prepares its examples with the same function."""
    text = language.prepare_text(text, max_chars)
    return text.lower() if lowercase else text


def strip_label(label: str) -> str:
    return label.removeprefix(LABEL_PREFIX)


def model_labels(path: str) -> tuple[str, ...]:
    """The labels of a fastText supervised model (`.bin` or `.ftz`, any Beam filesystem), read from its
    dictionary, in the model's order (most frequent in training first), without the `__label__` prefix.

    The file starts with a magic number, a version, the training arguments (12 int32 and a double; the 8th
    is the model type, 3 for supervised) and the dictionary: size, word and label counts, token count,
    prune-index size, then each entry as a NUL-terminated string, an int64 count and an int8 type; labels
    come last. Raises ValueError for a file that is not a fastText supervised model.
    """
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        buffer = f.read(8 + 56 + 28)
        if len(buffer) < 92 or struct.unpack_from("<ii", buffer) != (_FASTTEXT_MAGIC, _FASTTEXT_VERSION):
            raise ValueError(f"{path}: not a fastText model file (fastText 0.9 format)")
        if struct.unpack_from("<12i", buffer, 8)[7] != _SUPERVISED:
            raise ValueError(f"{path}: a fastText word-vector model, not a supervised classifier")
        size, _, nlabels = struct.unpack_from("<iii", buffer, 64)
        labels: list[str] = []
        buffer, offset = b"", 0
        for _ in range(size):
            end = buffer.find(b"\0", offset)
            while end < 0 or end + 9 >= len(buffer):  # read on until the string, count and type are all in
                chunk = f.read(_READ_CHUNK)
                if not chunk:
                    raise ValueError(f"{path}: truncated fastText model (its dictionary ends early)")
                buffer, offset = buffer[offset:] + chunk, 0
                end = buffer.find(b"\0")
            if buffer[end + 9] == _LABEL_ENTRY:
                labels.append(strip_label(buffer[offset:end].decode("utf-8", "replace")))
            offset = end + 10
    if len(labels) != nlabels:
        raise ValueError(f"{path}: the dictionary lists {len(labels)} labels, its header {nlabels}")
    return tuple(labels)


def local_model_path(path: str) -> str:
    """`path` itself if local, else a copy in the temporary folder (fastText loads local files only),
    written once per machine under a name from the path and size, atomically, for every worker process."""
    if FileSystems.get_scheme(path) in (None, "file"):
        return path
    (meta,) = FileSystems.match([path])[0].metadata_list
    folder = os.path.join(tempfile.gettempdir(), "corpusforge-models")
    local = os.path.join(folder, f"{xxhash.xxh3_64_hexdigest(path)}-{meta.size_in_bytes}-{os.path.basename(path)}")
    if not os.path.exists(local):
        os.makedirs(folder, exist_ok=True)
        partial = f"{local}.{os.getpid()}.tmp"
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as src, open(partial, "wb") as dst:
            while chunk := src.read(_READ_CHUNK):
                dst.write(chunk)
        os.replace(partial, local)
    return local


class FastTextClassifier:
    """A fastText supervised model loaded once through fasttext-predict; `probabilities` scores a prepared
    text. A plain class, so that `apache_beam.utils.shared.Shared` can hold it (weak references)."""

    def __init__(self, path: str):
        import fasttext  # fasttext-predict's module; imported here so importing this file stays cheap

        self.path = path
        self.labels = model_labels(path)
        self._predict = fasttext.load_model(local_model_path(path)).f.predict

    def probabilities(self, prepared: str) -> dict[str, float]:
        """{label: probability} as fastText returns them for one prepared text (k = -1: every label, but a
        hierarchical-softmax model leaves out those under 1e-5)."""
        # fastText ends a line at "\n": the appended one terminates the text, as in the Python wrapper.
        return {strip_label(label): prob for prob, label in self._predict(prepared + "\n", -1, 0.0, "strict")}


class ClassifierScore(Filter):
    """One configured classifier: scores the document's prepared text, stores the score of `label` and of
    every label in meta, and drops a score below the threshold of the document's language (a score equal
    to it is kept). The model is loaded once per worker process and shared by its threads."""

    def __init__(self, config: ClassifierModelConfig, key: str):
        self.config = config
        self.key = key  # where the model's settings are in the config, for error messages
        self.name = config.name
        self.label = strip_label(config.label)
        self.score_key, self.labels_key = f"{config.name}_score", f"{config.name}_labels"
        self.threshold_key = f"{config.name}_min_score"
        self.thresholds = {self.threshold_key: None}
        reason = f"{config.name}_score_too_low"
        self.checks = () if config.annotate_only else (Check(reason, self.score_key, "<", self.threshold_key),)

    def check_config(self) -> None:
        require_file(f"{self.key}.path", self.config.path)
        check_preparation(self.config, self.key)

    def setup(self, shared: Shared) -> None:
        path = self.config.path
        self._model = shared.acquire(lambda: FastTextClassifier(path))
        if self.label not in self._model.labels:
            known = ", ".join(self._model.labels[:20])
            raise ConfigError(f"{self.key}.label: {self.label!r} is not a label of {path} (its labels: {known})")

    def judge_batch(self, views: Sequence[TextView], thresholds: Thresholds, annotate: bool) -> list[Outcome]:
        probabilities, config = self._model.probabilities, self.config
        outcomes = []
        for view in views:
            scores = probabilities(prepare_text(view.text, lowercase=config.lowercase, max_chars=config.max_chars))
            signals = {self.score_key: scores.get(self.label, 0.0), self.labels_key: scores}
            outcomes.append(self.verdict(signals, thresholds.for_lang(view.lang)))
        return outcomes

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        return {self.score_key: outcome.signals[self.score_key], self.labels_key: outcome.signals[self.labels_key]}


def sidecar_path(model_path: str) -> str:
    """`model.json` beside `model.bin`: what `corpusforge classifier train` writes about a model."""
    return re.sub(r"(\.[A-Za-z0-9]+)?$", ".json", model_path, count=1)


def check_preparation(config: ClassifierModelConfig, key: str) -> None:
    """A model `corpusforge classifier train` made records how it prepared its text (`model.json`); a
    configuration that prepares it otherwise is a ConfigError naming the setting."""
    path = sidecar_path(config.path)
    if not FileSystems.exists(path):
        return
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        try:
            sidecar = json.loads(f.read().decode("utf-8"))
        except ValueError:
            return  # not ours
    if not isinstance(sidecar, dict) or sidecar.get("format") != SIDECAR_FORMAT:
        return
    preparation = sidecar.get("preparation") or {}
    for setting in ("lowercase", "max_chars"):
        trained = preparation.get(setting, getattr(config, setting))
        if getattr(config, setting) != trained:
            raise ConfigError(
                f"{key}.{setting}: the model was trained with {setting}: {json.dumps(trained)} ({path}); "
                f"set the same to score text as it was trained on"
            )


# --- configuration --------------------------------------------------------------------------------------


def _check_model(config: ClassifierModelConfig, key: str, annotate_all: bool) -> None:
    if not config.name:
        raise ConfigError(f"{key}.name: required (it names the model's meta keys and drop reasons)")
    if not _NAME.match(config.name):
        raise ConfigError(f"{key}.name: {config.name!r}: lower-case letters, digits and _, starting with a letter")
    taken = {f.name for f in BASE_COLUMNS} | set(PROMOTED_COLUMNS) | {"meta"}
    if f"{config.name}_score" in taken:
        raise ConfigError(f"{key}.name: {config.name!r} would name the column {config.name}_score, which exists")
    if not config.path:
        raise ConfigError(f"{key}.path: required (a fastText model, .bin or .ftz)")
    fractions = [(f"{key}.top_fraction", config.top_fraction)]
    fractions += [(f"{key}.top_fraction_by_lang.{lang}", f) for lang, f in config.top_fraction_by_lang.items()]
    for where, fraction in fractions:
        if fraction is not None and fraction <= 0:
            raise ConfigError(f"{where}: must be above 0 (a fraction of 0 keeps nothing; disable the classifier)")
    decides = config.threshold is not None or config.threshold_by_lang or has_top_fraction(config)
    if not (decides or config.annotate_only or annotate_all):
        raise ConfigError(f"{key}: set threshold, threshold_by_lang, top_fraction or annotate_only: true")


def has_top_fraction(config: ClassifierModelConfig) -> bool:
    return config.top_fraction is not None or bool(config.top_fraction_by_lang)


def classifier_stage(config: ClassifierConfig) -> Stage:
    """The scoring stage: one `ClassifierScore` per configured model, with its thresholds; ConfigError for
    a missing or bad setting (the models themselves are checked by `Stage.check` at launch)."""
    if not config.models:
        raise ConfigError("classifier.models: no classifier configured (name, path, and a threshold or top_fraction)")
    names: set[str] = set()
    filters, base, by_lang = [], {}, {}
    for i, model in enumerate(config.models):
        key = f"classifier.models[{i}]"
        _check_model(model, key, config.annotate_only)
        if model.name in names:
            raise ConfigError(f"{key}.name: {model.name!r} is used twice")
        names.add(model.name)
        score = ClassifierScore(model, key)
        filters.append(score)
        base[score.threshold_key] = model.threshold
        for lang, threshold in model.threshold_by_lang.items():
            by_lang.setdefault(lang, {})[score.threshold_key] = threshold
    return Stage(CLASSIFIER_STAGE, tuple(filters), Thresholds(base, by_lang), annotate=config.annotate_only)


def promoted_fields(config: ClassifierConfig) -> list[pa.Field]:
    """The typed score columns the config asks for (`promote`): `<name>_score`, float32."""
    return [pa.field(f"{m.name}_score", pa.float32()) for m in config.models if m.promote] if config.enabled else []


def summary_section(
    pipeline: beam.Pipeline, config: ClassifierConfig, cuts: beam.PCollection | None
) -> beam.PCollection:
    """The run's `classifier` section, `(SECTION, {"manifest", "stats"})`: every model's size, sha256 and
    labels, and each top-fraction cut (`cut_report`) when there are cuts."""
    models = model_summary(config)
    if cuts is None:
        section = {"models": models}
        return pipeline | "ClassifierSection" >> beam.Create([(SECTION, {"manifest": section, "stats": section})])

    def with_cuts(found: Mapping[Group, Cut]) -> tuple[str, dict[str, Any]]:
        section = {"models": models, "top_fraction": cut_report(found)}
        return SECTION, {"manifest": section, "stats": section}

    return cuts | "ClassifierSection" >> beam.Map(with_cuts)


def model_summary(config: ClassifierConfig) -> dict[str, Any]:
    """Each model's size, sha256 and labels, for the manifest: which model bytes scored the corpus."""
    summary = {}
    for model in config.models:
        digest, size = hashlib.sha256(), 0
        with FileSystems.open(model.path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            while chunk := f.read(_READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        summary[model.name] = {"bytes": size, "sha256": digest.hexdigest(), "labels": list(model_labels(model.path))}
    return summary


# --- the top-fraction cut -------------------------------------------------------------------------------

_KEY_BITS = 64  # the rank key: the score's float64 bits, order-preserving, reversed (best first)
_DIGIT_BITS = 16  # bits of the rank key resolved per histogram round (at most 65,536 counts per key)
_ROUNDS = _KEY_BITS // _DIGIT_BITS
_GATHER_MAX = 100_000  # boundary candidates sorted on one worker (about 10 MB of (key, id) pairs)
_ALL_ONES = (1 << _KEY_BITS) - 1

Group = tuple[str, str]  # (classifier, language)


def rank_key(score: float) -> int:
    """An integer that sorts scores best first: the float64's bits made order-preserving (sign bit set for
    positives, every bit flipped for negatives), then reversed."""
    (bits,) = struct.unpack(">Q", struct.pack(">d", score))
    ordered = bits ^ _ALL_ONES if bits >> 63 else bits | 1 << 63
    return _ALL_ONES - ordered


def score_of(key: int) -> float:
    """The score a `rank_key` was made from."""
    ordered = _ALL_ONES - key
    bits = ordered & ~(1 << 63) if ordered >> 63 else ordered ^ _ALL_ONES
    return struct.unpack(">d", struct.pack(">Q", bits))[0]


def kept_count(fraction: float, documents: int) -> int:
    """⌈fraction × documents⌉, computed exactly on the fraction as written (0.3 × 10 is 3, not 4)."""
    return math.ceil(Fraction(repr(fraction)) * documents)


@dataclasses.dataclass(frozen=True)
class Cut:
    """The cut of one (classifier, language), as the selection narrows it down.

    documents: the documents with a score that reach the cut; keep: how many it keeps. The kept ones are
    the first `keep` by (rank key, id); the last of them is the `boundary`, found by fixing the rank key's
    leading `bits` (their value: `prefix`): the boundary is the `rank`-th (1-based) of the `candidates`
    records sharing them. `boundary` None with keep == documents keeps everything.
    """

    documents: int
    keep: int
    bits: int = 0
    prefix: int = 0
    rank: int = 0
    candidates: int = 0
    boundary: tuple[int, str] | None = None

    @property
    def keeps_all(self) -> bool:
        return self.keep >= self.documents

    @property
    def searching(self) -> bool:
        """More histogram rounds are needed: too many candidates to sort, and key bits left to fix."""
        return not self.keeps_all and self.candidates > _GATHER_MAX and self.bits < _KEY_BITS

    @property
    def gathering(self) -> bool:
        return not self.keeps_all and self.boundary is None and not self.searching

    def shares_prefix(self, key: int) -> bool:
        return key >> (_KEY_BITS - self.bits) == self.prefix if self.bits else True

    def narrowed(self, histogram: Iterable[tuple[int, int]]) -> Cut:
        """The cut after one more digit of the key: the digit whose records hold the boundary's rank."""
        before = 0
        for digit, count in sorted(histogram):
            if before + count >= self.rank:
                return dataclasses.replace(
                    self,
                    bits=self.bits + _DIGIT_BITS,
                    prefix=self.prefix << _DIGIT_BITS | digit,
                    rank=self.rank - before,
                    candidates=count,
                )
            before += count
        raise AssertionError(f"rank {self.rank} past the {before} records of the histogram")  # a bug, not data

    def kept(self, key: int, doc_id: str) -> bool:
        return self.keeps_all or (key, doc_id) <= self.boundary

    def report(self) -> dict[str, Any]:
        """documents, kept, and the lowest kept score (null when every document is kept)."""
        lowest = None if self.boundary is None else score_of(self.boundary[0])
        return {"documents": self.documents, "kept": self.keep, "min_kept_score": lowest}


@dataclasses.dataclass(frozen=True)
class _CutRule:
    """A classifier's top fraction per language (None: that language is not cut) and its mode."""

    name: str
    fraction: float | None
    by_lang: Mapping[str, float]
    annotate: bool

    def fraction_for(self, lang: str) -> float | None:
        return self.by_lang.get(lang, self.fraction)


def _language(doc: Document) -> str:
    return doc.meta.get("lang") or UNDETERMINED


def _score(doc: Document, name: str) -> float | None:
    score = doc.meta.get(f"{name}_score")
    return score if isinstance(score, float) else None


def _compact(doc: Document, rules: Sequence[_CutRule]) -> Iterator[tuple[Group, tuple[int, str]]]:
    """Document → ((classifier, language), (rank key, id)) for every cut that applies to it."""
    lang = _language(doc)
    for rule in rules:
        score = _score(doc, rule.name)
        if rule.fraction_for(lang) is not None and score is not None:
            yield (rule.name, lang), (rank_key(score), doc.id)


def _first_digit(record: tuple[Group, tuple[int, str]]) -> tuple[Group, int]:
    group, (key, _) = record
    return group, key >> (_KEY_BITS - _DIGIT_BITS)


def _next_digits(record: tuple[Group, tuple[int, str]], cuts: Mapping[Group, Cut]) -> Iterator[tuple[Group, int]]:
    """A record still in the search of its cut (its key shares the digits fixed so far) → (group, next digit)."""
    group, (key, _) = record
    cut = cuts[group]
    if cut.searching and cut.shares_prefix(key):
        yield group, key >> (_KEY_BITS - cut.bits - _DIGIT_BITS) & ((1 << _DIGIT_BITS) - 1)


def _first_cut(element: tuple[Group, Iterable[tuple[int, int]]], rules: Mapping[str, _CutRule]) -> tuple[Group, Cut]:
    """(group, first-digit histogram) → its cut: the documents counted, the number kept, the first digit."""
    group, histogram = element
    histogram = list(histogram)
    documents = sum(count for _, count in histogram)
    keep = kept_count(rules[group[0]].fraction_for(group[1]), documents)
    cut = Cut(documents, keep, rank=keep, candidates=documents)
    return group, cut.narrowed(histogram) if cut.searching else cut


def _narrow(element: tuple[Group, Iterable[tuple[int, int]]], cuts: Mapping[Group, Cut]) -> tuple[Group, Cut]:
    group, histogram = element
    return group, cuts[group].narrowed(histogram)


def _candidates(
    record: tuple[Group, tuple[int, str]], cuts: Mapping[Group, Cut]
) -> Iterator[tuple[Group, tuple[int, str]]]:
    group, (key, _) = record
    cut = cuts[group]
    if cut.gathering and cut.shares_prefix(key):
        yield record


def _select(element: tuple[Group, Iterable[tuple[int, str]]], cuts: Mapping[Group, Cut]) -> tuple[Group, Cut]:
    """(group, candidates) → the cut with its boundary: the rank-th candidate by (rank key, id)."""
    group, candidates = element
    cut = cuts[group]
    return group, dataclasses.replace(cut, boundary=sorted(candidates)[cut.rank - 1])


def _updated(new: Mapping[Group, Cut], cuts: Mapping[Group, Cut]) -> dict[Group, Cut]:
    return {**cuts, **new}


def _histograms(pairs: beam.PCollection, label: str) -> beam.PCollection:
    """(group, digit) → (group, [(digit, count)]): a combiner counts, so only counts cross the shuffle."""
    return (
        pairs
        | f"Count{label}" >> beam.combiners.Count.PerElement()  # ((group, digit), count)
        | f"ByGroup{label}" >> beam.Map(lambda item: (item[0][0], (item[0][1], item[1])))
        | f"Histogram{label}" >> beam.GroupByKey()  # (group, [(digit, count)]), at most 2^16 entries
    )


class _ApplyCutFn(AccountingDoFn):
    """Document → the document if it is in the top fraction of every cut that applies to it (annotate
    mode: `meta["<name>_in_top_fraction"]` instead of a drop); tallies the cut stage."""

    def __init__(self, rules: Sequence[_CutRule]):
        self._rules = rules

    def process(self, doc: Document, cuts: Mapping[Group, Cut]) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        self.tally.enter(TOP_FRACTION_STAGE, doc)
        lang, marks, reason, detail = _language(doc), {}, None, ""
        for rule in self._rules:
            if rule.fraction_for(lang) is None:
                continue
            score = _score(doc, rule.name)
            if score is None:  # the scoring stage did not run on it: nothing to rank it by
                error = ValueError(f"no {rule.name}_score in meta: the classifier stage must run before the cut")
                rejection = stage_error(doc, TOP_FRACTION_STAGE, error)
                self.tally.reject(rejection)
                yield beam.pvalue.TaggedOutput(REJECTED, rejection)
                return
            cut = cuts[(rule.name, lang)]
            kept = cut.kept(rank_key(score), doc.id)
            if rule.annotate:
                marks[f"{rule.name}_in_top_fraction"] = kept
            elif not kept and reason is None:
                reason = f"{rule.name}_below_top_fraction"
                detail = f"{rule.name}_score={score:.6g} < {score_of(cut.boundary[0]):.6g}, the {cut.keep}th of {cut.documents} ({lang})"
        if reason is not None:
            rejection = dataclasses.replace(drop(doc, TOP_FRACTION_STAGE, reason), detail=detail)
            self.tally.reject(rejection)
            yield beam.pvalue.TaggedOutput(DROPPED, (rejection, doc))
            return
        doc = doc.with_meta(**marks) if marks else doc
        self.tally.leave(TOP_FRACTION_STAGE, doc)
        yield doc


class TopFractionCut(beam.PTransform):
    """PCollection[Document] (scored by the classifier stage) → {documents, rejected, dropped, tally, cuts}: the
    documents in the top fraction of each language for every classifier with a `top_fraction` (stage
    `classifier_top_fraction`, reason `<name>_below_top_fraction`); `cuts` is a singleton dict
    {(classifier, language): Cut}.

    Exact and runner-independent: documents are ordered by (score descending, id) and the ⌈fraction × n⌉
    first kept (documents sharing an id and a score are kept or dropped together). The boundary is found by
    radix selection over compact (group, rank key, id) records: each round counts the next `_DIGIT_BITS`
    of the rank key among the records still in play (a combiner: only counts cross the shuffle) and keeps
    the digit holding the boundary's rank; once at most `_GATHER_MAX` records share the fixed digits (or all
    64 bits are fixed: ties), they are gathered and sorted. The documents themselves never cross a shuffle:
    they are filtered against the cuts as a side input. Cuts are independent: each classifier's cut ranks
    every document reaching the stage, and a document must be in each one's top fraction.
    """

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self._rules = [
            _CutRule(m.name, m.top_fraction, dict(m.top_fraction_by_lang), config.annotate_only or m.annotate_only)
            for m in config.models
            if has_top_fraction(m)
        ]

    def expand(self, docs: beam.PCollection) -> dict[str, beam.PCollection]:
        rules = self._rules
        compact = docs | "Compact" >> beam.FlatMap(_compact, rules)  # (group, (rank key, id))
        first = _histograms(compact | "Digits0" >> beam.Map(_first_digit), "0")
        cuts = (
            first
            | "FirstCuts" >> beam.Map(_first_cut, {rule.name: rule for rule in rules})
            | "CutsAfter0" >> beam.combiners.ToDict()
        )
        for i in range(1, _ROUNDS):
            side = beam.pvalue.AsSingleton(cuts)
            digits = compact | f"Digits{i}" >> beam.FlatMap(_next_digits, side)  # only records still in play
            cuts = (
                _histograms(digits, str(i))
                | f"Narrow{i}" >> beam.Map(_narrow, side)
                | f"Narrowed{i}" >> beam.combiners.ToDict()
                | f"CutsAfter{i}" >> beam.Map(_updated, side)
            )
        side = beam.pvalue.AsSingleton(cuts)
        cuts = (
            compact
            | "Candidates" >> beam.FlatMap(_candidates, side)
            | "GatherCandidates" >> beam.GroupByKey()  # (group, [(rank key, id)]), at most _GATHER_MAX but ties
            | "Select" >> beam.Map(_select, side)
            | "Boundaries" >> beam.combiners.ToDict()
            | "Cuts" >> beam.Map(_updated, side)
        )
        result = docs | "Apply" >> beam.ParDo(_ApplyCutFn(rules), beam.pvalue.AsSingleton(cuts)).with_outputs(
            REJECTED, DROPPED, TALLY, main="documents"
        )
        return {
            "documents": result.documents,
            REJECTED: result[REJECTED],
            DROPPED: result[DROPPED],
            TALLY: result[TALLY],
            "cuts": cuts,
        }


def cut_report(cuts: Mapping[Group, Cut]) -> dict[str, dict[str, Any]]:
    """{classifier: {language: {documents, kept, min_kept_score}}}, sorted: the stats of the cuts."""
    report: dict[str, dict[str, Any]] = {}
    for (name, lang), cut in sorted(cuts.items()):
        report.setdefault(name, {})[lang] = cut.report()
    return report
