"""Document stages: small pure steps over batches of documents, run by one generic, accounting Beam DoFn.

A `Stage` turns a batch of `Document`s into one result per document: the (possibly new) document, or a
`Rejection` saying why it was dropped. `RunStage(stage)` wraps any stage: it batches documents (so model
calls can be batched), loads the stage's resources once per worker (`Stage.setup`, with a
`apache_beam.utils.shared.Shared` handle to share them between threads), tallies `in`, `out` and
`dropped:<reason>` under the stage's name, and routes dead letters (a document the stage raised on) to
the `rejected` output. Stages never mutate documents: they return new ones.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator, Protocol, Sequence

import apache_beam as beam
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import CleanConfig, ConfigError, LanguageConfig, QualityConfig
from corpusforge.transforms.accounting import TALLY, AccountingDoFn
from corpusforge.transforms.clean import clean_text
from corpusforge.transforms.document import Document, Rejection, Verdict
from corpusforge.transforms.langid import LanguageModel, language_verdict
from corpusforge.transforms.multilingual import ML_PARAMS, MULTILINGUAL_BY_LANG
from corpusforge.transforms.presets import PRESETS, run_steps
from corpusforge.transforms.quality import Step
from corpusforge.transforms.read import REJECTED

CLEAN_STAGE = "clean"
LANGUAGE_STAGE = "language"
QUALITY_STAGE = "quality"
QUALITY_SIGNALS_VERSION = 1  # bump when a signal's definition changes, so stored signals are not mixed
_MAX_BATCH = 256  # documents per stage call; batches model calls without holding much in memory


class Stage(Protocol):
    """A named step over documents; `apply` is pure given what `setup` loaded."""

    name: str

    def setup(self, shared: Shared) -> None: ...

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]: ...


def drop(doc: Document, stage: str, reason: str) -> Rejection:
    """The rejection of a document dropped by `stage` for `reason`, pointing at where it came from."""
    return Rejection(
        Verdict.DROPPED, stage, reason, doc.source, doc.meta.get("offset"), doc.source_id or doc.id,
        len(doc.text.encode("utf-8")), groups=tuple(doc.meta.get("groups", ())),
    )


def stage_error(doc: Document, stage: str, error: Exception) -> Rejection:
    """The dead letter of a document `stage` raised `error` on."""
    return Rejection(
        Verdict.DEAD_LETTER, stage, "stage_error", doc.source, doc.meta.get("offset"), doc.source_id or doc.id,
        len(doc.text.encode("utf-8")), f"{type(error).__name__}: {error}",
    )


@dataclasses.dataclass(frozen=True)
class CleanStage:
    """Unicode repair, normalization, invisible characters and white space (`clean.clean_text`).

    A document left empty is dropped (`empty_after_cleaning`).
    """

    config: CleanConfig
    name: str = CLEAN_STAGE

    def setup(self, shared: Shared) -> None:
        pass

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        results: list[Document | Rejection] = []
        for doc in docs:
            text = clean_text(doc.text, fix_unicode=self.config.fix_unicode, normalization=self.config.normalization)
            if not text:
                results.append(drop(doc, self.name, "empty_after_cleaning"))
            else:
                results.append(doc if text == doc.text else dataclasses.replace(doc, text=text))
        return results


@dataclasses.dataclass
class LanguageStage:
    """fastText lid.176 on every document: `lang` and `lang_score` in meta, then the keep/score verdict.

    The model is loaded once per worker process and shared by its threads; predictions are batched. In
    `annotate_only` mode nothing is dropped.
    """

    config: LanguageConfig
    name: str = LANGUAGE_STAGE

    def setup(self, shared: Shared) -> None:
        self._model = shared.acquire(LanguageModel)

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        config = self.config
        keep = frozenset(config.keep) or None
        results: list[Document | Rejection] = []
        for doc, (lang, score) in zip(docs, self._model.predict([d.text for d in docs])):
            doc = doc.with_meta(lang=lang, lang_score=round(score, 4))
            reason = None if config.annotate_only else language_verdict(
                lang, score, keep=keep, min_score=config.min_score, min_score_by_lang=config.min_score_by_lang
            )
            results.append(doc if reason is None else drop(doc, self.name, reason))
        return results


@dataclasses.dataclass(frozen=True)
class QualityStage:
    """A quality preset (`transforms/quality.py`, `transforms/multilingual.py`), run in its order, told the
    document's `lang` (from the language stage) for the language-aware rules.

    C4 steps remove lines, so a kept document may come out with less text. In `annotate_only` mode every
    step runs, nothing is dropped and the text is unchanged: `meta["quality"]` holds the preset, the
    signals measured and the first rule that would have dropped the document, for re-thresholding later.
    """

    config: QualityConfig
    name: str = QUALITY_STAGE
    steps: tuple[Step, ...] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", preset_steps(self.config))

    def setup(self, shared: Shared) -> None:
        pass

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        steps = self.steps
        results: list[Document | Rejection] = []
        for doc in docs:
            outcome = run_steps(doc.text, steps, annotate=self.config.annotate_only, lang=doc.meta.get("lang"))
            if self.config.annotate_only:
                record = {"version": QUALITY_SIGNALS_VERSION, "preset": self.config.preset,
                          "would_drop": outcome.reason, "signals": outcome.signals}
                results.append(doc.with_meta(quality=record))
            elif outcome.reason is not None:
                results.append(drop(doc, self.name, outcome.reason))
            else:
                results.append(doc if outcome.text == doc.text else dataclasses.replace(doc, text=outcome.text))
        return results


def preset_steps(config: QualityConfig) -> tuple[Step, ...]:
    """The preset's steps, with the config's per-language thresholds merged over the preset's own.

    Raises ConfigError for an unknown threshold name, or for `by_lang` with a preset that has none.
    """
    steps = PRESETS[config.preset]
    if not config.by_lang:
        return steps
    if config.preset != "multilingual":
        raise ConfigError(f"quality.by_lang: only the multilingual preset has per-language thresholds, not {config.preset!r}")
    for lang, thresholds in config.by_lang.items():
        unknown = sorted(set(thresholds) - ML_PARAMS)
        if unknown:
            raise ConfigError(f"quality.by_lang.{lang}.{unknown[0]}: unknown threshold (expected one of: {', '.join(sorted(ML_PARAMS))})")
    table = {
        lang: {**MULTILINGUAL_BY_LANG.get(lang, {}), **config.by_lang.get(lang, {})}
        for lang in {*MULTILINGUAL_BY_LANG, *config.by_lang}
    }
    return tuple(dataclasses.replace(step, params={**step.params, "by_lang": table}) for step in steps)


class _StageFn(AccountingDoFn):
    """list[Document] → Document, tallying the stage; dead letters (a batch the stage raised on) on REJECTED."""

    def __init__(self, stage: Stage):
        self._stage = stage
        self._shared = Shared()

    def setup(self) -> None:
        self._stage.setup(self._shared)

    def process(self, batch: list[Document]) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        name = self._stage.name
        for doc in batch:
            self.tally.enter(name, doc)
        try:
            results = self._stage.apply(batch)
        except Exception:  # find the documents that break the stage, one by one; the rest go on
            results = [self._apply_one(doc) for doc in batch]
        for result in results:
            if isinstance(result, Rejection):
                self.tally.reject(result)
                if result.verdict is Verdict.DEAD_LETTER:
                    yield beam.pvalue.TaggedOutput(REJECTED, result)
            else:
                self.tally.leave(name, result)
                yield result

    def _apply_one(self, doc: Document) -> Document | Rejection:
        try:
            (result,) = self._stage.apply([doc])
            return result
        except Exception as e:
            return stage_error(doc, self._stage.name, e)


class RunStage(beam.PTransform):
    """PCollection[Document] → a tagged result: `documents`, `rejected` (dead letters) and `tally`."""

    def __init__(self, stage: Stage):
        super().__init__()
        self._stage = stage

    def expand(self, docs):
        return (
            docs
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=_MAX_BATCH)  # [Document]
            | "Apply" >> beam.ParDo(_StageFn(self._stage)).with_outputs(REJECTED, TALLY, main="documents")
        )
