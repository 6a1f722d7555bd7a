"""Every quality preset by name, and `run_steps`, which runs one.

The reference rule sets and presets (`quality.py`: Gopher, C4, FineWeb, exact) and the language-aware ones
(`multilingual.py`) are assembled here, in one place, so neither module changes the other's tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ConfigError, QualityConfig
from corpusforge.transforms.accounting import drop
from corpusforge.transforms.document import Document, Rejection
from corpusforge.transforms.filters import multilingual, reference
from corpusforge.transforms.filters.multilingual import ML_PARAMS, MULTILINGUAL_BY_LANG
from corpusforge.transforms.filters.reference import C4Result, Step, TextView

QUALITY_STAGE = "quality"
QUALITY_SIGNALS_VERSION = 1  # bump when a signal's definition changes, so stored signals are not mixed

Rule = Callable[[TextView, Mapping[str, Any], bool], C4Result]

RULES: Mapping[str, Rule] = {**reference.RULES, **multilingual.RULES}
PRESETS: Mapping[str, tuple[Step, ...]] = {**reference.PRESETS, "multilingual": multilingual.PRESET}


class QualityOutcome(NamedTuple):
    """The result of `run_steps`: drop `reason` (None: kept), the final `text`, the `signals` measured."""

    reason: str | None
    text: str
    signals: dict[str, float]


def run_steps(text: str, steps: tuple[Step, ...], *, annotate: bool = False, lang: str | None = None) -> QualityOutcome:
    """Run `steps` in order on `text`; stop at the first drop (unless `annotate`).

    With `annotate=True` nothing stops the run: every step measures its signals (stored in the outcome for
    `meta`), `reason` is the first step's drop reason, and the text is rewritten only by steps that keep
    the document. Signals of a step after a C4 rewrite are measured on the rewritten text (as datatrove's
    pipeline does). `lang` (the language stage's code) is on the view for language-aware rules (the
    `multilingual` preset); the reference rules ignore it.
    """
    view = TextView(text, lang)
    signals: dict[str, float] = {}
    first: str | None = None
    for step in steps:
        reason, new_text, found = RULES[step.rule](view, step.params, annotate)
        signals.update(found)
        if reason is not None:
            if not annotate:
                return QualityOutcome(reason, view.text, signals)
            first = first or reason
        elif new_text != view.text:
            view = TextView(new_text, lang)
    return QualityOutcome(first, view.text, signals)


@dataclasses.dataclass(frozen=True)
class QualityStage:
    """A quality preset (`transforms/filters/reference.py`, `transforms/filters/multilingual.py`), run in its order, told the
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
                record = {
                    "version": QUALITY_SIGNALS_VERSION,
                    "preset": self.config.preset,
                    "would_drop": outcome.reason,
                    "signals": outcome.signals,
                }
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
        raise ConfigError(
            f"quality.by_lang: only the multilingual preset has per-language thresholds, not {config.preset!r}"
        )
    for lang, thresholds in config.by_lang.items():
        unknown = sorted(set(thresholds) - ML_PARAMS)
        if unknown:
            raise ConfigError(
                f"quality.by_lang.{lang}.{unknown[0]}: unknown threshold (expected one of: {', '.join(sorted(ML_PARAMS))})"
            )
    table = {
        lang: {**MULTILINGUAL_BY_LANG.get(lang, {}), **config.by_lang.get(lang, {})}
        for lang in {*MULTILINGUAL_BY_LANG, *config.by_lang}
    }
    return tuple(dataclasses.replace(step, params={**step.params, "by_lang": table}) for step in steps)
