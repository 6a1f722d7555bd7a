"""The filter contract, and the one generic runner every document stage goes through.

A **filter** is a small object that measures named *signals* of a document and decides from them and its
named *thresholds*: keep, or drop with a reason. A user's filter is about ten lines:

    class UppercaseRatio(Filter):
        '''Drops shouting: documents whose letters are mostly upper case.'''
        name = "uppercase_ratio"
        thresholds = {"max_uppercase_ratio": 0.3}
        checks = (Check("too_much_uppercase", "uppercase_ratio", ">", "max_uppercase_ratio"),)

        def signals(self, view):
            letters = [c for c in view.text if c.isalpha()]
            return {"uppercase_ratio": sum(c.isupper() for c in letters) / max(len(letters), 1)}

`checks` turn signals and thresholds into the verdict (the first failing check drops), so that the signal and
threshold behind every drop are known and `corpusforge rules` can print every rule; a filter whose decision is
not a list of comparisons writes `verdict` instead, and one that rewrites the text (cleaning, C4's line filter,
PII redaction) sets `rewrites` and writes `judge`. Signals may be computed lazily (`LazySignals`): a verdict
pays only for the signals it reads, and annotate-only mode stores them all. Heavy resources (models, lists)
are loaded in `setup`, once per worker process.

A **stage** (`Stage`) is a named chain of filters — one row of the funnel — with its thresholds (defaults,
overridden globally and per language, validated at launch: `Thresholds`) and its mode. `RunStage` runs any
stage in Beam and does everything else, the same way for every filter: batching (model filters see whole
batches), loading resources once per worker, annotate-only (signals and the would-be verdict stored, nothing
dropped, no text changed), tallies, bias-audit groups, dead letters for documents a filter raises on. A fault
of the machine or the install (`accounting.is_environment_fault`) is never dead-lettered: it fails the run.
Documents are never mutated: stages return new ones.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import importlib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import filterfalse
from typing import Any, ClassVar, Literal

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ConfigError
from corpusforge.transforms.accounting import (
    DROPPED,
    DROPPED_OUTCOME,
    KEPT,
    REJECTED,
    TALLY,
    AccountingDoFn,
    drop,
    is_environment_fault,
    stage_error,
)
from corpusforge.transforms.conversation import CONVERSATION, contents, plain_text, with_contents
from corpusforge.transforms.document import Document, Rejection, Verdict
from corpusforge.transforms.filters.words import PUNCTUATION_SET, words
from corpusforge.transforms.observations import numeric_signals

_MAX_BATCH = 256  # documents per stage call; batches model calls without holding much in memory
Signals = Mapping[str, Any]


# --- what a filter sees ---------------------------------------------------------------------------------


class TextView:
    """One document as its filters see it: the current text, its language, the `Document`, and the text's
    splits (lines, paragraphs, words), each computed on first use and shared by the filters of a stage.

    The splits follow the reference rule sets exactly (they differ between rules: Gopher quality uses
    `str.splitlines`, Gopher repetition `\\n+` and `\\n{2,}`, FineWeb `split("\\n")`; words are split as
    datatrove splits English, `filters/words.py`). A filter that rewrites the text gets a fresh view after it.
    """

    def __init__(self, text: str, lang: str | None = None, doc: Document | None = None):
        self.text = text
        self.lang = lang  # the document's language (the language stage's `lang`), for language-aware rules
        self.doc = doc  # the document (url, meta); None when a filter is applied to bare text
        self._measured: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}  # other splits, cached by the rule sets that define them

    def measure(self, name: str, compute: Callable[[TextView], Any]) -> Any:
        """The signal `name`, computed by `compute(self)` once."""
        try:
            return self._measured[name]
        except KeyError:
            value = self._measured[name] = compute(self)
            return value

    @cached_property
    def words(self) -> list[str]:
        return words(self.text)

    @cached_property
    def splitlines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def nonblank_lines(self) -> list[str]:
        """`text.split("\\n")` without blank lines (FineWeb)."""
        return [line for line in self.text.split("\n") if line.strip()]

    @cached_property
    def repetition_lines(self) -> list[str]:
        return re.split("\n+", self.text)

    @cached_property
    def paragraphs(self) -> list[str]:
        return re.split(r"\n{2,}", self.text.strip())

    @cached_property
    def non_symbol_words(self) -> list[str]:
        return list(filterfalse(PUNCTUATION_SET.issuperset, self.words))


def as_view(view_or_text: TextView | str) -> TextView:
    return view_or_text if isinstance(view_or_text, TextView) else TextView(view_or_text)


class LazySignals(Mapping[str, Any]):
    """Named signals of one view, each measured on first access (and memoized)."""

    def __init__(self, view: TextView, names: Sequence[str], measure: Callable[[TextView, str], Any]):
        self._view, self._names, self._measure = view, names, measure
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = self._measure(self._view, name)
            return value

    def measured(self) -> dict[str, Any]:
        """The signals measured so far (those a verdict read): what the run's histograms see of them."""
        return dict(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


# --- the contract ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Check:
    """Drop with `reason` when signal `signal` is below (`<`) or above (`>`) threshold `threshold` (a
    threshold's name, or a fixed number).

    As in the reference implementations, a threshold of None disables the check, and so does 0 or False
    unless `zero_disables` is off (Gopher's n-gram fractions compare with 0 too). `exempt_zero` names a
    boolean threshold that, when true, keeps documents whose signal is exactly 0 (FineWeb's
    `line_punct_exclude_zero`).
    """

    reason: str
    signal: str
    op: Literal["<", ">"]
    threshold: str | float
    zero_disables: bool = True
    exempt_zero: str | None = None

    def limit(self, thresholds: Mapping[str, Any]) -> Any:
        return thresholds[self.threshold] if isinstance(self.threshold, str) else self.threshold

    def fails(self, signals: Signals, thresholds: Mapping[str, Any]) -> bool:
        limit = self.limit(thresholds)
        if limit is None or (self.zero_disables and not limit):
            return False
        value = signals[self.signal]
        failed = value < limit if self.op == "<" else value > limit
        return failed and not (self.exempt_zero and thresholds[self.exempt_zero] and value == 0)

    def describe(self, signals: Signals, thresholds: Mapping[str, Any]) -> str:
        """What decided a drop, e.g. `gopher_n_words=23 < min_doc_words=50`."""
        value = signals[self.signal]
        shown = f"{value:.4g}" if isinstance(value, float) else value
        named = f"{self.threshold}=" if isinstance(self.threshold, str) else ""
        return f"{self.signal}={shown} {self.op} {named}{self.limit(thresholds)}"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a filter decided for one document.

    reason: the drop reason (None: keep). signals: what it measured (all of it in annotate mode; maybe lazy
    otherwise). text: the rewritten text, for filters that rewrite (None: unchanged). detail: what decided
    a drop (`Check.describe`), kept with the drop for review.
    """

    reason: str | None = None
    signals: Signals = dataclasses.field(default_factory=dict)
    text: str | None = None
    detail: str = ""


class Filter:
    """The base of every filter: a name, named thresholds with their defaults, signals, a verdict.

    Subclasses set `name` (drop reasons and signal names start with it by convention), `thresholds` and
    `signals`, and either `checks` or their own `verdict`. A filter that loads a model overrides `setup`
    (loading through `shared.acquire(factory)`, so the threads of a worker share one copy) and, to batch
    model calls, `judge_batch`; one that changes the text sets `rewrites = True` and overrides `judge`;
    one that records annotations in `meta` whether or not it drops (the language stage's `lang`) overrides
    `annotations`. `language(view)` is the language whose per-language thresholds apply.
    """

    name: ClassVar[str]
    thresholds: ClassVar[Mapping[str, Any]] = {}
    checks: tuple[Check, ...] = ()  # a filter whose checks depend on its settings sets them per instance
    rewrites: ClassVar[bool] = False  # only a filter that declares it may change the text
    # Threshold name → what it does, for thresholds no check names (options of a rewriting filter).
    threshold_docs: ClassVar[Mapping[str, str]] = {}

    def setup(self, shared: Shared) -> None:
        """Load what the filter needs (once per worker process); the default needs nothing."""

    def signals(self, view: TextView) -> Signals:
        raise NotImplementedError(f"{type(self).__name__} must define signals() or judge()")

    def verdict(self, signals: Signals, thresholds: Mapping[str, Any]) -> Outcome:
        """The first failing check's reason (and what decided it), or keep."""
        for check in self.checks:
            if check.fails(signals, thresholds):
                return Outcome(check.reason, signals, detail=check.describe(signals, thresholds))
        return Outcome(None, signals)

    def language(self, view: TextView) -> str | None:
        return view.lang

    def judge(self, view: TextView, thresholds: Thresholds, annotate: bool) -> Outcome:
        """Signals, then the verdict under the thresholds of the document's language."""
        signals = self.signals(view)
        outcome = self.verdict(signals, thresholds.for_lang(self.language(view)))
        return dataclasses.replace(outcome, signals=dict(signals)) if annotate else outcome

    def judge_batch(self, views: Sequence[TextView], thresholds: Thresholds, annotate: bool) -> list[Outcome]:
        return [self.judge(view, thresholds, annotate) for view in views]

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        """`meta` entries this filter adds to the document, kept or dropped; the default adds none."""
        return {}

    def check_config(self) -> None:
        """Check the filter's own settings at launch (raise ConfigError); `setup` is also tried then."""


def load_filter(spec: str, key: str) -> Filter:
    """A user's filter from an importable name, `package.module:Name` (a Filter subclass or a factory).

    Plugins are imported, never evaluated: ConfigError naming `key` if the name cannot be imported or is
    not a filter.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"{key}: {spec!r}: expected an importable name, package.module:FilterClass")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"{key}: cannot import {spec!r}: {e}") from None
    found = factory() if callable(factory) else factory
    if not isinstance(found, Filter):
        raise ConfigError(f"{key}: {spec!r} is not a corpusforge Filter (subclass transforms.stages.Filter)")
    return found


# --- thresholds ---------------------------------------------------------------------------------------------


class Thresholds:
    """A stage's thresholds for any language: defaults, then global settings, then per-language values.

    For a document in language L: `base` (the filters' defaults, a preset's values over them and the
    config's global values over those), then `by_lang[L]`. Resolved once per language.
    """

    def __init__(self, base: Mapping[str, Any], by_lang: Mapping[str, Mapping[str, Any]] | None = None):
        self.base = dict(base)
        self.by_lang = {lang: dict(values) for lang, values in (by_lang or {}).items()}
        self._resolved: dict[str | None, Mapping[str, Any]] = {}

    def for_lang(self, lang: str | None) -> Mapping[str, Any]:
        found = self._resolved.get(lang)
        if found is None:
            found = self._resolved[lang] = {**self.base, **self.by_lang.get(lang, {})} if lang else self.base
        return found


def threshold_defaults(filters: Sequence[Filter]) -> dict[str, Any]:
    """Every threshold of `filters` with its default; a name two filters declare is a programming error."""
    defaults: dict[str, Any] = {}
    for f in filters:
        for name, value in f.thresholds.items():
            if name in defaults:
                raise ConfigError(f"filters {f.name!r} and another both declare threshold {name!r}")
            defaults[name] = value
    return defaults


def check_thresholds(values: Mapping[str, Any], defaults: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Validated threshold settings: known names (else ConfigError naming the closest) and values of the
    default's kind (a number, or null to disable; true/false; a list of strings)."""
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in defaults:
            close = difflib.get_close_matches(name, defaults, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(sorted(defaults))}"
            raise ConfigError(f"{key}.{name}: unknown threshold ({hint})")
        checked[name] = _threshold_value(value, defaults[name], f"{key}.{name}")
    return checked


def _threshold_value(value: Any, default: Any, key: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if isinstance(default, tuple):
        if isinstance(value, str) or not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
        return tuple(value)
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise ConfigError(f"{key}: expected a number (or null to disable), got {value!r}")


# --- the stage ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Stage:
    """A named chain of filters: one stage of the pipeline and one row of the funnel.

    Filters run in order on each document; the first drop stops the chain. In `annotate` mode every filter
    runs, nothing is dropped and the text is not changed (a later filter still measures the text an earlier
    rewriting filter would leave); with `record` set, `meta[record]` then holds `{"version", **record_fields,
    "would_drop", "signals"}` — every filter's signals and the first reason that would have dropped.

    A fine-tuning example (a document with `meta["conversation"]`, `transforms/conversation.py`) is judged on
    its plain text like any document, but where a rewriting filter changes that text, the filter rewrites each
    turn's content on its own (`rewrite_turns`) and the text is rendered again from the turns: cleaning and
    redaction never reach across a turn boundary, and the turns stay apart for the chat template.
    """

    name: str
    filters: tuple[Filter, ...]
    thresholds: Thresholds = dataclasses.field(default_factory=lambda: Thresholds({}))
    annotate: bool = False
    record: str | None = None
    record_fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    record_version: int = 1

    def setup(self, handles: Sequence[Shared]) -> None:
        """Loads every filter's resources, each through its own `Shared` handle (one per filter)."""
        for f, handle in zip(self.filters, handles, strict=True):
            f.setup(handle)

    def check(self) -> None:
        """Launch-time check: every filter's settings, and every resource it loads (a missing module,
        model or list is a ConfigError naming the stage and filter, not a dead letter per record). Loads
        into throwaway copies, so that the filters shipped to the workers carry no loaded state."""
        for f in self.filters:
            f.check_config()
            try:
                copy.copy(f).setup(Shared())
            except ConfigError:
                raise
            except Exception as e:  # a fault of the install or the machine, found before any record is read
                raise ConfigError(f"{self.name}: filter {f.name!r} cannot load: {type(e).__name__}: {e}") from None

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        """One result per document: the (maybe rewritten, annotated) document, or its drop."""
        return [judgement.result for judgement in self.judge_documents(docs)]

    def judge_documents(self, docs: Sequence[Document]) -> list[Judgement]:
        """`apply`, with what the runner observes of each document: the signals measured, the would-be verdict
        in annotate mode, and a dropped document as it reached the stage."""
        views = [TextView(doc.text, doc.meta.get("lang"), doc) for doc in docs]
        reasons: list[str | None] = [None] * len(docs)
        details = [""] * len(docs)
        meta: list[dict[str, Any]] = [{} for _ in docs]
        signals: list[dict[str, Any]] = [{} for _ in docs]
        conversations = [doc.meta.get(CONVERSATION) for doc in docs]
        for f in self.filters:
            live = [i for i in range(len(docs)) if self.annotate or reasons[i] is None]
            if not live:
                break
            outcomes = f.judge_batch([views[i] for i in live], self.thresholds, self.annotate)
            for i, outcome in zip(live, outcomes):
                meta[i].update(f.annotations(outcome, self.annotate))
                found = outcome.signals  # filter mode: only what the verdict read (a lazy mapping measures no more)
                signals[i].update(found.measured() if isinstance(found, LazySignals) and not self.annotate else found)
                if outcome.reason is not None:
                    if reasons[i] is None:
                        reasons[i], details[i] = outcome.reason, outcome.detail
                elif f.rewrites and outcome.text is not None and outcome.text != views[i].text:
                    text = outcome.text
                    if conversations[i] is not None:  # rewritten turn by turn, never across the turns
                        conversations[i] = rewrite_turns(f, conversations[i], views[i], self.thresholds)
                        text = plain_text(conversations[i])
                        if not self.annotate:  # annotate-only: later filters measure it, the document keeps its turns
                            meta[i][CONVERSATION] = conversations[i]
                    views[i] = TextView(text, views[i].lang, docs[i])
        return [self._judgement(*item) for item in zip(docs, views, reasons, details, meta, signals)]

    def _judgement(
        self,
        doc: Document,
        view: TextView,
        reason: str | None,
        detail: str,
        meta: dict[str, Any],
        signals: dict[str, Any],
    ) -> Judgement:
        if self.annotate:
            if self.record:
                meta[self.record] = {
                    "version": self.record_version,
                    **self.record_fields,
                    "would_drop": reason,
                    "signals": signals,
                }
            return Judgement(doc.with_meta(**meta) if meta else doc, signals, reason is not None)
        if reason is not None:
            dropped = doc.with_meta(**meta) if meta else doc
            return Judgement(
                dataclasses.replace(drop(dropped, self.name, reason), detail=detail), signals, True, dropped
            )
        if view.text != doc.text:
            doc = dataclasses.replace(doc, text=view.text)
        return Judgement(doc.with_meta(**meta) if meta else doc, signals, False)

    def signal_checks(self) -> dict[str, list[dict[str, Any]]]:
        """Signal → the checks that threshold it, with the stage's values: `reason`, `op`, `threshold` (its
        name), `value` (for every language) and `by_lang` (where a language's value differs). What the run's
        histograms draw as thresholds."""
        found: dict[str, list[dict[str, Any]]] = {}

        def limit(values: Mapping[str, Any], check: Check) -> Any:
            return values.get(check.threshold) if isinstance(check.threshold, str) else check.threshold

        for f in self.filters:
            for check in f.checks:
                value = limit(self.thresholds.base, check)
                by_lang = {
                    lang: own
                    for lang in sorted(self.thresholds.by_lang)
                    if (own := limit(self.thresholds.for_lang(lang), check)) != value
                }
                entry = {"reason": check.reason, "op": check.op, "threshold": str(check.threshold), "value": value}
                found.setdefault(check.signal, []).append({**entry, "by_lang": by_lang})
        return found


@dataclasses.dataclass(frozen=True)
class Judgement:
    """A stage's result for one document (`result`: the document or its drop), with what the runner observes:
    the `signals` its filters measured (in annotate mode all of them), whether it was (or, in annotate mode,
    would have been) dropped, and for a drop the document as it reached the stage, with the stage's
    annotations (`dropped`)."""

    result: Document | Rejection
    signals: Mapping[str, Any]
    drops: bool
    dropped: Document | None = None


def rewrite_turns(f: Filter, conversation: Mapping[str, Any], view: TextView, thresholds: Thresholds) -> dict[str, Any]:
    """`conversation` with rewriting filter `f` applied to each of its texts alone (in one batch). A text the
    filter would drop on its own (too short for a page rule, say) stays as it was: the verdict is the one on
    the whole conversation, and this pass only rewrites."""
    texts = contents(conversation)
    outcomes = f.judge_batch([TextView(text, view.lang, view.doc) for text in texts], thresholds, False)
    rewritten = [o.text if o.reason is None and o.text is not None else t for t, o in zip(texts, outcomes)]
    return with_contents(conversation, rewritten)


def require_file(key: str, path: str | None) -> None:
    """A configured file must exist at launch (any Beam filesystem): ConfigError naming `key` if not."""
    if path is not None and not FileSystems.exists(path):
        raise ConfigError(f"{key}: no such file: {path}")


# --- the runner -----------------------------------------------------------------------------------------


class _StageFn(AccountingDoFn):
    """list[Document] → Document, tallying the stage; dead letters (documents a filter raised on) on REJECTED,
    dropped documents on DROPPED. Observes the signals the filters measured (histograms, kept vs dropped) and
    the CPU time of the stage's own work (the filters, not the runner around them)."""

    def __init__(self, stage: Stage):
        self._stage = stage
        # Made here, not in setup: the DoFn instances a worker deserializes share them, and so their resources.
        self._handles = [Shared() for _ in stage.filters]

    def setup(self) -> None:
        self._stage.setup(self._handles)

    def process(self, batch: list[Document]) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        name = self._stage.name
        for doc in batch:
            self.tally.enter(name, doc)
        started = time.thread_time_ns()
        try:
            judgements = self._stage.judge_documents(batch)
        except Exception as e:  # find the documents that break the stage, one by one; the rest go on
            if is_environment_fault(e):
                raise
            judgements = [self._judge_one(doc) for doc in batch]
        self.tally.cpu(name, time.thread_time_ns() - started)
        for judgement in judgements:
            outcome = DROPPED_OUTCOME if judgement.drops else KEPT
            for signal, value in numeric_signals(judgement.signals):
                self.tally.observe(name, outcome, signal, value)
            result = judgement.result
            if isinstance(result, Rejection):
                self.tally.reject(result, judgement.dropped)
                if result.verdict is Verdict.DEAD_LETTER:
                    yield beam.pvalue.TaggedOutput(REJECTED, result)
                else:
                    yield beam.pvalue.TaggedOutput(DROPPED, (result, judgement.dropped))
            else:
                self.tally.leave(name, result)
                yield result

    def _judge_one(self, doc: Document) -> Judgement:
        try:
            (judgement,) = self._stage.judge_documents([doc])
            return judgement
        except Exception as e:
            if is_environment_fault(e):
                raise
            return Judgement(stage_error(doc, self._stage.name, e), {}, False)


class RunStage(beam.PTransform):
    """PCollection[Document] → a tagged result: `documents`, `rejected` (dead letters), `dropped` ((Rejection,
    Document) of every document the stage dropped) and `tally` (counts and observations)."""

    def __init__(self, stage: Stage):
        super().__init__()
        self._stage = stage

    def expand(self, docs: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=_MAX_BATCH)  # [Document]
            | "Apply" >> beam.ParDo(_StageFn(self._stage)).with_outputs(REJECTED, DROPPED, TALLY, main="documents")
        )
