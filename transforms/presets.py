"""Every quality preset by name, and `run_steps`, which runs one.

The reference rule sets and presets (`quality.py`: Gopher, C4, FineWeb, exact) and the language-aware ones
(`multilingual.py`) are assembled here, in one place, so neither module changes the other's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from corpusforge.transforms import multilingual, quality
from corpusforge.transforms.quality import C4Result, Step, TextView

Rule = Callable[[TextView, Mapping[str, Any], bool], C4Result]

RULES: Mapping[str, Rule] = {**quality.RULES, **multilingual.RULES}
PRESETS: Mapping[str, tuple[Step, ...]] = {**quality.PRESETS, "multilingual": multilingual.PRESET}


class QualityOutcome(NamedTuple):
    """The result of `run_steps`: drop `reason` (None: kept), the final `text`, the `signals` measured."""

    reason: str | None
    text: str
    signals: dict[str, float]


def run_steps(
    text: str, steps: tuple[Step, ...], *, annotate: bool = False, lang: str | None = None
) -> QualityOutcome:
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
