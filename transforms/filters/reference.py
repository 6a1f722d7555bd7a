"""Reference quality rule sets (Gopher, C4, FineWeb), exact, as filters over a shared `TextView`.

Every rule set is faithful to a named reference implementation, with the reference's defaults:

- `GopherQuality`     datatrove 0.10.0 `GopherQualityFilter` (Rae et al. 2021, "Gopher", section A.1.1)
- `GopherRepetition`  datatrove 0.10.0 `GopherRepetitionFilter` (Gopher table A1)
- `C4Lines`           datatrove 0.10.0 `C4QualityFilter` (its defaults) or TFDS `c4_utils.clean_page` +
                      `is_valid_length` (the `C4_TFDS` thresholds)
- `FineWebQuality`    datatrove 0.10.0 `FineWebQualityFilter`

Each rule set is a `Filter` (`transforms/stages.py`): named signals measured lazily on the document's
`TextView` (`SIGNALS`; a verdict pays only for the signals it reads), named thresholds with the reference's
defaults, and the reference's conditions as `Check`s, tested in the reference's order, the first failure
dropping. A threshold of None (or 0, as the references test truthiness) disables its condition. `decide`
applies a filter to a text, a view or stored signals ("tag, then threshold": re-thresholding stored signals
needs no text). C4 rewrites text (removes lines) as well as dropping pages: `c4_quality` is its pure line loop,
returning a `C4Result(reason, text, signals)`, and the `C4Lines` filter runs it. Words and sentences are split
as datatrove splits English (spaCy's blank English, emulated in `words.py`). `quality.py` assembles these and
the language-aware rule sets (`multilingual.py`) into presets.

Speed (benchmarks/bench_quality.py). Words are split per white-space chunk and memoized (`words.py`). The
Gopher duplicate n-grams (5..10, joined with "") come from one polynomial hash of the text's characters for every n (numpy), comparing strings only where hashes repeat;
the top n-grams (2..4) from integer word ids counted by numpy. Results are exactly the plain algorithms'.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from corpusforge.transforms.filters.words import HAS_ALPHA, TERMINAL_PUNCTUATION, count_sentences
from corpusforge.transforms.stages import Check, Filter, LazySignals, Outcome, Signals, TextView, Thresholds, as_view

# --- reference constants --------------------------------------------------------------------------------

_TERMINAL_TUPLE = tuple(TERMINAL_PUNCTUATION)  # str.endswith wants a tuple

GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})

# C4: datatrove c4_filters.py and TFDS c4_utils.py.
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
C4_POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
C4_END_PUNCTUATION_DATATROVE = (".", "?", "!", '"', "'")
C4_END_PUNCTUATION_TFDS = (".", "?", "!", '"')  # TFDS _END_MARKS: no single quote


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _find_duplicates(items: list[str]) -> tuple[int, int]:
    """(duplicate elements, characters in them): every repeat after the first occurrence (datatrove)."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


# --- signals --------------------------------------------------------------------------------------------


def _mean_word_length(v: TextView) -> float:
    ws = v.non_symbol_words
    return sum(map(len, ws)) / len(ws) if ws else 0.0


def top_ngram(view: TextView, key: str, tokens: list[str], n: int) -> tuple[int, int]:
    """(start, count) of the most frequent n-gram (tuple) of `tokens`, the first seen among ties, as
    `Counter(ngrams).most_common(1)`; count 0 when there is none. The tokens become integer ids once (cached
    on the view under `key`, shared by every n) and each n-gram one int64 key, counted by numpy."""
    if len(tokens) < n:
        return 0, 0
    ids = view.extra.get(key)
    if ids is None:
        first: dict[str, int] = {}
        # each token's id: the position of its first occurrence (< len(tokens), the base of the keys)
        firsts = np.fromiter(map(first.setdefault, tokens, range(len(tokens))), dtype=np.int64, count=len(tokens))
        if len(tokens) ** 4 >= 2**63:  # long text: compact ids 0..vocabulary-1
            firsts = np.unique(firsts, return_inverse=True)[1].astype(np.int64).reshape(-1)
            ids = view.extra[key] = (firsts, len(first))
        else:
            ids = view.extra[key] = (firsts, len(tokens))
    arr, vocab = ids
    if vocab**n >= 2**63:  # the keys would overflow: count the tuples
        gram, count = Counter(zip(*(tokens[i:] for i in range(n)))).most_common(1)[0]
        return next(i for i in range(len(tokens)) if tuple(tokens[i : i + n]) == gram), count
    m = len(tokens) - n + 1
    keys = arr[:m].copy()
    for i in range(1, n):
        keys *= vocab
        keys += arr[i : i + m]
    ordered = np.sort(keys)
    run_starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[run_starts, m])
    best = int(counts.max())
    if best == 1:  # every n-gram once: the first is the first seen
        return 0, 1
    winners = ordered[run_starts[counts == best]]
    if len(winners) <= 8:  # the usual case: a few tied n-grams, each found by one vectorized scan
        return min(int(np.argmax(keys == w)) for w in winners), best
    return int(np.flatnonzero(np.isin(keys, winners))[0]), best


def _top_ngram_frac(n: int) -> Callable[[TextView], float]:
    def signal(v: TextView) -> float:
        if not v.text:
            return 0.0
        start, count = top_ngram(v, "word_ids", v.words, n)
        if not count:
            return 0.0
        # len(" ".join(gram)) * count, the gram Counter.most_common(1) gives (first seen among ties)
        return (sum(map(len, v.words[start : start + n])) + n - 1) * count / len(v.text)

    return signal


_HASH_BASE = np.uint64(0x9E3779B97F4A7C15 | 1)  # odd: invertible modulo 2**64
_HASH_BASE_INV = np.uint64(pow(int(_HASH_BASE), -1, 2**64))


class _JoinedGrams:
    """Candidate repeats of "".join(n-gram) over a token list, for every n from one pass over the characters.

    The n-gram at position i joined with "" is the slice W[o[i]:o[i+n]] of W = "".join(tokens) (o: token
    offsets), so its polynomial hash (mod 2**64, from prefix sums of c_t * B**t) is a vector expression for
    all i and n. Equal strings have equal hashes, so a hash seen once is an n-gram seen once; only the
    (rare) positions sharing a hash are then compared as strings, so hash collisions cannot change a result.
    """

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        joined = "".join(tokens)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        with np.errstate(over="ignore"):
            powers = np.full(len(codes) + 1, _HASH_BASE, dtype=np.uint64)
            powers[0] = 1
            powers = np.cumprod(powers, dtype=np.uint64)[:-1]  # B**t
            inv = np.full(len(codes) + 1, _HASH_BASE_INV, dtype=np.uint64)
            inv[0] = 1
            self.inv = np.cumprod(inv, dtype=np.uint64)  # B**-t
            self.prefix = np.concatenate(([np.uint64(0)], np.cumsum(codes * powers, dtype=np.uint64)))
        self.offsets = np.concatenate(
            ([0], np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))))
        )

    def dup_chars(self, n: int) -> int:
        """datatrove's `find_all_duplicate` (see `dup_ngram_chars`)."""
        tokens, o = self.tokens, self.offsets
        if len(tokens) < n:
            return 0
        a, b = o[:-n], o[n:]
        with np.errstate(over="ignore"):
            h = (self.prefix[b] - self.prefix[a]) * self.inv[a]
        ordered = np.sort(h)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        if not len(repeated):
            return 0  # every joined n-gram occurs once
        candidates = np.flatnonzero(np.isin(h, repeated)).tolist()
        # Exactly datatrove's left-to-right scan, visiting only positions whose n-gram may occur twice: an
        # n-gram occurring once is never a repeat and remembering it changes nothing; between candidates
        # the scan moves one position at a time, so a candidate is visited iff not inside an earlier skip.
        seen: set[str] = set()
        chars = nxt = 0
        for p in candidates:
            if p < nxt:
                continue
            gram = "".join(tokens[p : p + n])
            if gram in seen:
                chars += len(gram)
                nxt = p + n
            else:
                seen.add(gram)
                nxt = p + 1
        return chars


def joined_grams(view: TextView, key: str, tokens: list[str]) -> _JoinedGrams:
    """The `_JoinedGrams` of `tokens`, cached on the view under `key` (shared by n = 5..10)."""
    found = view.extra.get(key)
    if found is None:
        found = view.extra[key] = _JoinedGrams(tokens)
    return found


def dup_ngram_chars(tokens: list[str], n: int) -> int:
    """datatrove's `find_all_duplicate` over `tokens`: the characters of repeated n-grams, each n-gram joined
    with "" (no separator); scanning left to right, a repeat of an n-gram seen before adds its length and
    skips n positions (the skipped n-grams are not remembered)."""
    return _JoinedGrams(tokens).dup_chars(n)


def _dup_ngram_frac(n: int) -> Callable[[TextView], float]:
    def signal(v: TextView) -> float:
        if not v.text or len(v.words) < n:
            return 0.0
        return joined_grams(v, "words_grams", v.words).dup_chars(n) / len(v.text)

    return signal


SIGNALS: dict[str, Callable[[TextView], float]] = {
    # Gopher quality
    "gopher_n_words": lambda v: len(v.non_symbol_words),
    "gopher_mean_word_length": _mean_word_length,
    "gopher_hash_ratio": lambda v: _ratio(v.text.count("#"), len(v.words)),
    "gopher_ellipsis_ratio": lambda v: _ratio(v.text.count("...") + v.text.count("…"), len(v.words)),
    "gopher_bullet_lines_ratio": lambda v: _ratio(
        sum(s.lstrip().startswith(("•", "-")) for s in v.splitlines), len(v.splitlines)
    ),
    "gopher_ellipsis_lines_ratio": lambda v: _ratio(
        sum(s.rstrip().endswith(("...", "…")) for s in v.splitlines), len(v.splitlines)
    ),
    "gopher_alpha_words_ratio": lambda v: _ratio(sum(map(HAS_ALPHA.__getitem__, v.words)), len(v.words)),
    "gopher_stop_words": lambda v: len(GOPHER_STOP_WORDS.intersection(v.words)),
    # Gopher repetition
    "gopher_dup_para_frac": lambda v: _ratio(_find_duplicates(v.paragraphs)[0], len(v.paragraphs)),
    "gopher_dup_para_char_frac": lambda v: _ratio(_find_duplicates(v.paragraphs)[1], len(v.text)),
    "gopher_dup_line_frac": lambda v: _ratio(_find_duplicates(v.repetition_lines)[0], len(v.repetition_lines)),
    "gopher_dup_line_char_frac": lambda v: _ratio(_find_duplicates(v.repetition_lines)[1], len(v.text)),
    **{f"gopher_top_{n}_gram_frac": _top_ngram_frac(n) for n in (2, 3, 4)},
    **{f"gopher_dup_{n}_gram_frac": _dup_ngram_frac(n) for n in range(5, 11)},
    # FineWeb quality
    "fineweb_lines": lambda v: len(v.nonblank_lines),
    "fineweb_line_punct_ratio": lambda v: _ratio(
        sum(line.endswith(_TERMINAL_TUPLE) for line in v.nonblank_lines), len(v.nonblank_lines)
    ),
    "fineweb_short_line_ratio": lambda v: _ratio(  # short_line_length 30, the reference default
        sum(len(line) <= 30 for line in v.nonblank_lines), len(v.nonblank_lines)
    ),
    "fineweb_char_dup_ratio": lambda v: _ratio(_find_duplicates(v.nonblank_lines)[1], len(v.text) - v.text.count("\n")),
    "fineweb_newline_ratio": lambda v: _ratio(v.text.count("\n"), len(v.words)),
}

GOPHER_QUALITY_SIGNALS = tuple(k for k in SIGNALS if k.startswith("gopher_") and "dup" not in k and "gram" not in k)
GOPHER_REPETITION_SIGNALS = tuple(k for k in SIGNALS if k.startswith("gopher_") and k not in GOPHER_QUALITY_SIGNALS)
FINEWEB_QUALITY_SIGNALS = tuple(k for k in SIGNALS if k.startswith("fineweb_"))


def reference_signal(view: TextView, name: str) -> float:
    """The named signal of `SIGNALS`, measured once per view."""
    return view.measure(name, SIGNALS[name])


# --- the rule sets ------------------------------------------------------------------------------------


class _ReferenceFilter(Filter):
    """A reference rule set: its signals are `SIGNALS` entries, measured lazily on the view."""

    signal_names: tuple[str, ...] = ()

    def signals(self, view: TextView) -> Signals:
        return LazySignals(view, self.signal_names, reference_signal)

    def decide(self, source: TextView | Signals | str, **thresholds: Any) -> str | None:
        """The verdict on a text, a view or stored signals (a mapping as annotate mode keeps it in `meta`),
        with any of the defaults overridden by keyword: None keeps, else the drop reason."""
        signals = source if isinstance(source, Mapping) else self.signals(as_view(source))
        return self.verdict(signals, {**self.thresholds, **thresholds}).reason


class GopherQuality(_ReferenceFilter):
    """Gopher quality rules; datatrove 0.10.0 `GopherQualityFilter` (its defaults, order and comparisons).

    Words are the spaCy-split words; "non-symbol" words (not made only of `PUNCTUATION_SET`) are counted
    (50 ≤ n ≤ 100,000) and averaged (3 ≤ mean length ≤ 10). `#` count and `...`+`…` count over ALL words
    (> 0.1 drops; datatrove's `max_symbol_word_ratio`). Lines are `str.splitlines()`: > 0.9 starting (after
    lstrip) with `•` or `-`, or > 0.3 ending (after rstrip) with `...` or `…` drops. Fewer than 0.8 of all
    words containing an alphabetic character drops (datatrove's misnamed `max_non_alpha_words_ratio`).
    Stop words: datatrove 0.10 counts DISTINCT stop words present (`len(stop_words & set(words))`), case
    sensitive, < 2 drops; older datatrove releases counted occurrences.
    """

    name = "gopher_quality"
    signal_names = GOPHER_QUALITY_SIGNALS
    thresholds = {
        "min_doc_words": 50,
        "max_doc_words": 100_000,
        "min_avg_word_length": 3,
        "max_avg_word_length": 10,
        "max_symbol_word_ratio": 0.1,
        "max_bullet_lines_ratio": 0.9,
        "max_ellipsis_lines_ratio": 0.3,
        "min_alpha_words_ratio": 0.8,  # datatrove's `max_non_alpha_words_ratio`
        "min_stop_words": 2,
    }
    checks = (
        Check("gopher_too_few_words", "gopher_n_words", "<", "min_doc_words"),
        Check("gopher_too_many_words", "gopher_n_words", ">", "max_doc_words"),
        Check("gopher_mean_word_length", "gopher_mean_word_length", "<", "min_avg_word_length"),
        Check("gopher_mean_word_length", "gopher_mean_word_length", ">", "max_avg_word_length"),
        Check("gopher_symbol_ratio", "gopher_hash_ratio", ">", "max_symbol_word_ratio"),
        Check("gopher_symbol_ratio", "gopher_ellipsis_ratio", ">", "max_symbol_word_ratio"),
        Check("gopher_bullet_lines", "gopher_bullet_lines_ratio", ">", "max_bullet_lines_ratio"),
        Check("gopher_ellipsis_lines", "gopher_ellipsis_lines_ratio", ">", "max_ellipsis_lines_ratio"),
        Check("gopher_alpha_words", "gopher_alpha_words_ratio", "<", "min_alpha_words_ratio"),
        Check("gopher_stop_words", "gopher_stop_words", "<", "min_stop_words"),
    )


class GopherRepetition(_ReferenceFilter):
    """Gopher repetition rules; datatrove 0.10.0 `GopherRepetitionFilter` (defaults = Gopher table A1).

    Exactly datatrove's accounting, including its quirks: paragraphs are `re.split(r"\\n{2,}",
    text.strip())`, lines `re.split("\\n+", text)` (not stripped: a trailing newline adds an empty line);
    duplicates are every repeat after the first occurrence; all character fractions divide by
    `len(text)` (the whole text, newlines included). Top n-gram (2, 3, 4): the most frequent n-gram
    (first seen wins ties) joined with spaces, length × count. Duplicate n-grams (5..10): datatrove's
    `find_all_duplicate` joins the n words with NO separator and, on a repeat, adds its length and skips
    n words. Each fraction drops when strictly greater than its threshold; checked in the reference order
    (paragraphs, lines, top n-grams, duplicate n-grams). n-gram thresholds apply only to the n's present
    in the signals (2, 3, 4 and 5..10).
    """

    name = "gopher_repetition"
    signal_names = GOPHER_REPETITION_SIGNALS
    thresholds = {
        "dup_para_frac": 0.3,
        "dup_para_char_frac": 0.2,
        "dup_line_frac": 0.3,
        "dup_line_char_frac": 0.2,
        **{f"top_{n}_gram_frac": frac for n, frac in ((2, 0.20), (3, 0.18), (4, 0.16))},
        **{f"dup_{n}_gram_frac": frac for n, frac in zip(range(5, 11), (0.15, 0.14, 0.13, 0.12, 0.11, 0.10))},
    }
    checks = (
        Check("gopher_dup_para_fraction", "gopher_dup_para_frac", ">", "dup_para_frac"),
        Check("gopher_dup_para_chars", "gopher_dup_para_char_frac", ">", "dup_para_char_frac"),
        Check("gopher_dup_line_fraction", "gopher_dup_line_frac", ">", "dup_line_frac"),
        Check("gopher_dup_line_chars", "gopher_dup_line_char_frac", ">", "dup_line_char_frac"),
        # datatrove compares the n-gram fractions without a truthiness test: 0 is a threshold there.
        *(
            Check(f"gopher_top_{n}_gram", f"gopher_top_{n}_gram_frac", ">", f"top_{n}_gram_frac", zero_disables=False)
            for n in (2, 3, 4)
        ),
        *(
            Check(f"gopher_dup_{n}_gram", f"gopher_dup_{n}_gram_frac", ">", f"dup_{n}_gram_frac", zero_disables=False)
            for n in range(5, 11)
        ),
    )


class FineWebQuality(_ReferenceFilter):
    """FineWeb quality rules; datatrove 0.10.0 `FineWebQualityFilter` (defaults, order, comparisons).

    Lines: `text.split("\\n")` without blank (whitespace-only) lines; none left drops (`fineweb_empty`).
    Fewer than 0.12 of lines ending (no strip) in a `TERMINAL_PUNCTUATION` character drops (datatrove
    0.10's default `stop_chars`; the original FineWeb release used `. ' " ! ?` with `<=`: quotes no longer
    count); `line_punct_exclude_zero` keeps documents where no line does. More than 0.67 of lines of
    ≤ 30 characters drops. Characters in duplicated lines over `len(text)` minus its newlines > 0.01
    drops. Newlines over words > 0.3 drops. `short_line_length` is fixed at the default 30 in the signal.
    """

    name = "fineweb_quality"
    signal_names = FINEWEB_QUALITY_SIGNALS
    thresholds = {
        "line_punct_thr": 0.12,
        "line_punct_exclude_zero": False,
        "short_line_thr": 0.67,
        "char_duplicates_ratio": 0.01,
        "new_line_ratio": 0.3,
    }
    threshold_docs = {"line_punct_exclude_zero": "keep documents where no line ends in a terminal mark"}
    checks = (
        Check("fineweb_empty", "fineweb_lines", "<", 1),
        Check(
            "fineweb_line_punct",
            "fineweb_line_punct_ratio",
            "<",
            "line_punct_thr",
            exempt_zero="line_punct_exclude_zero",
        ),
        Check("fineweb_short_lines", "fineweb_short_line_ratio", ">", "short_line_thr"),
        Check("fineweb_char_dup", "fineweb_char_dup_ratio", ">", "char_duplicates_ratio"),
        Check("fineweb_newline_ratio", "fineweb_newline_ratio", ">", "new_line_ratio"),
    )


# --- C4 -------------------------------------------------------------------------------------------------


class C4Result(NamedTuple):
    """A C4 verdict: `reason` (None: kept), the rewritten `text` (lines removed), and its `signals`."""

    reason: str | None
    text: str
    signals: dict[str, float]


def c4_quality(
    source: TextView | str,
    *,
    remove_citations: bool = True,
    filter_no_terminal_punct: bool = True,
    end_punctuation: tuple[str, ...] = C4_END_PUNCTUATION_DATATROVE,
    min_num_sentences: int = 5,
    min_words_per_line: int = 3,
    count_words_after_citations: bool = False,
    max_word_length: int = 1000,
    filter_lorem_ipsum: bool = True,
    filter_javascript: bool = True,
    filter_curly_bracket: bool = True,
    filter_policy: bool = True,
    max_page_chars: int | None = None,
) -> C4Result:
    """C4's line and page rules. Defaults: datatrove 0.10.0 `C4QualityFilter` (split_paragraph=True).

    For each `str.splitlines()` line, stripped: a line with a white-space word longer than
    `max_word_length` goes; citations (`[1]`, `[]`, `[edit]`, `[citation needed]`) are removed; a line not
    ending in `end_punctuation`, or ending in `...`, goes; a line with fewer than `min_words_per_line`
    white-space words goes (datatrove counts the words BEFORE removing citations, TFDS after:
    `count_words_after_citations`); a line containing "lorem ipsum" (any case) drops the page; a line
    containing "javascript" goes; a line containing `{` drops the page; a policy line (`C4_POLICY_SUBSTRINGS`)
    goes. Note the page-level checks see only lines that passed the earlier line rules, as in both
    references. The kept lines' sentences (`count_sentences`, a spaCy sentencizer emulation; TFDS uses
    NLTK punkt) must reach `min_num_sentences` (-1 disables) else `c4_too_few_sentences`. The text becomes
    the kept lines joined by "\\n", stripped. `max_page_chars` (TFDS `is_valid_length`, 1.9e5, a separate
    step before `clean_page` in the TFDS C4 pipeline) drops longer pages first (`c4_too_long`). Not
    included: the bad-words page filter (a separate rule with its own word list in both references) and
    TFDS's cross-document line de-duplication (a corpus-level step). datatrove's sentence mode
    (split_paragraph=False) is not supported.
    """
    text = source.text if isinstance(source, TextView) else source
    if max_page_chars is not None and len(text) > max_page_chars:
        return C4Result("c4_too_long", text, _c4_signals(0, 0, 0, {}, 0, len(text), len(text)))
    return c4_lines(
        text,
        ends_sentence=lambda line: line.endswith(end_punctuation) and not line.endswith("..."),
        count_words=lambda line: len(line.split()),
        count_sentences=count_sentences,
        policy_substrings=C4_POLICY_SUBSTRINGS,
        count_words_after_citations=count_words_after_citations,
        remove_citations=remove_citations,
        filter_no_terminal_punct=filter_no_terminal_punct,
        min_num_sentences=min_num_sentences,
        min_words_per_line=min_words_per_line,
        max_word_length=max_word_length,
        filter_lorem_ipsum=filter_lorem_ipsum,
        filter_javascript=filter_javascript,
        filter_curly_bracket=filter_curly_bracket,
        filter_policy=filter_policy,
    )


C4_LINE_RULES = ("long_word", "no_terminal_punct", "few_words", "javascript", "policy")  # rules that remove lines


def _c4_signals(
    n_lines: int,
    n_kept: int,
    sentences: int,
    removed: Mapping[str, int],
    citation_lines: int,
    chars: int,
    kept_chars: int,
) -> dict[str, float]:
    return {
        "c4_lines": n_lines,
        "c4_kept_lines": n_kept,
        "c4_sentences": sentences,
        **{f"c4_removed_{rule}": removed.get(rule, 0) for rule in C4_LINE_RULES},
        "c4_citation_lines": citation_lines,
        "c4_removed_line_frac": _ratio(n_lines - n_kept, n_lines),
        "c4_removed_char_frac": _ratio(chars - kept_chars, chars),
    }


def c4_lines(
    text: str,
    *,
    ends_sentence: Callable[[str], bool],
    count_words: Callable[[str], float],
    count_sentences: Callable[[str], int],
    policy_substrings: tuple[str, ...],
    count_words_after_citations: bool,
    remove_citations: bool,
    filter_no_terminal_punct: bool,
    min_num_sentences: int,
    min_words_per_line: float,
    max_word_length: int,
    filter_lorem_ipsum: bool,
    filter_javascript: bool,
    filter_curly_bracket: bool,
    filter_policy: bool,
) -> C4Result:
    """The C4 line loop of `c4_quality` (its docstring has the rules and their order), with the measures a
    language decides passed in: whether a line ends a sentence, its word count, its sentence count and the
    policy phrases. The reference rules and the multilingual ones differ only in those.

    The signals say what the line rules removed (or would remove, for a document that is only annotated):
    `c4_removed_<rule>` lines per rule (`long_word`, `no_terminal_punct`, `few_words`, `javascript`,
    `policy`), `c4_citation_lines` (lines that lost a citation marker), and the removed fractions of the
    lines and characters (`c4_removed_line_frac`, `c4_removed_char_frac`). A page-level drop stops the
    count where it happened, as it stops the rules.
    """
    n_lines = sentences = citation_lines = 0
    kept: list[str] = []
    removed = dict.fromkeys(C4_LINE_RULES, 0)

    def result(reason: str | None) -> C4Result:
        kept_text = "\n".join(kept).strip()
        signals = _c4_signals(n_lines, len(kept), sentences, removed, citation_lines, len(text), len(kept_text))
        return C4Result(reason, kept_text if reason is None else text, signals)

    for line in text.splitlines():
        n_lines += 1
        line = line.strip()
        original = line
        if max_word_length != -1 and max(map(len, line.split()), default=0) > max_word_length:
            removed["long_word"] += 1
            continue
        if remove_citations:
            line = C4_CITATION.sub("", line)
            citation_lines += line != original
        if filter_no_terminal_punct and not ends_sentence(line):
            removed["no_terminal_punct"] += 1
            continue
        if count_words(line if count_words_after_citations else original) < min_words_per_line:
            removed["few_words"] += 1
            continue
        lower = line.lower()
        if filter_lorem_ipsum and "lorem ipsum" in lower:
            return result("c4_lorem_ipsum")
        if filter_javascript and "javascript" in lower:
            removed["javascript"] += 1
            continue
        if filter_curly_bracket and "{" in line:
            return result("c4_curly_bracket")
        if filter_policy and any(phrase in lower for phrase in policy_substrings):
            removed["policy"] += 1
            continue
        if min_num_sentences != -1:
            sentences += count_sentences(line)
        kept.append(line)
    if sentences < min_num_sentences:
        return result("c4_too_few_sentences")
    return result(None)


# TFDS c4_utils: clean_page defaults (_MIN_WORDS_PER_LINE 5, _MIN_NUM_SENTENCES 3, _END_MARKS) + is_valid_length.
C4_TFDS: Mapping[str, Any] = {
    "end_punctuation": C4_END_PUNCTUATION_TFDS,
    "min_num_sentences": 3,
    "min_words_per_line": 5,
    "count_words_after_citations": True,
    "max_page_chars": 190_000,
}


class C4Lines(Filter):
    """C4's line and page rules (`c4_quality`) as a filter that rewrites: the kept lines become the text."""

    name = "c4"
    rewrites = True
    thresholds = {
        "remove_citations": True,
        "filter_no_terminal_punct": True,
        "end_punctuation": C4_END_PUNCTUATION_DATATROVE,
        "min_num_sentences": 5,
        "min_words_per_line": 3,
        "count_words_after_citations": False,
        "max_word_length": 1000,
        "filter_lorem_ipsum": True,
        "filter_javascript": True,
        "filter_curly_bracket": True,
        "filter_policy": True,
        "max_page_chars": None,
    }
    threshold_docs = {
        "remove_citations": "remove `[1]`, `[edit]`, `[citation needed]` markers from lines",
        "filter_no_terminal_punct": "remove lines not ending in `end_punctuation` (or ending in ...)",
        "end_punctuation": "the marks that end a sentence line",
        "min_num_sentences": "fewer sentences in the kept lines drop the page (c4_too_few_sentences; -1: off)",
        "min_words_per_line": "remove lines with fewer white-space words",
        "count_words_after_citations": "count a line's words after removing citations (TFDS) or before (datatrove)",
        "max_word_length": "remove lines with a longer white-space word (-1: off)",
        "filter_lorem_ipsum": "a line with `lorem ipsum` drops the page (c4_lorem_ipsum)",
        "filter_javascript": "remove lines mentioning javascript",
        "filter_curly_bracket": "a line with `{` drops the page (c4_curly_bracket)",
        "filter_policy": "remove terms-of-use, privacy and cookie policy lines",
        "max_page_chars": "longer pages are dropped first (c4_too_long; TFDS: 190,000; null: off)",
    }

    def judge(self, view: TextView, thresholds: Thresholds, annotate: bool) -> Outcome:
        t = thresholds.for_lang(self.language(view))
        return c4_outcome(c4_quality(view, **{name: t[name] for name in self.thresholds}))


def c4_outcome(result: C4Result) -> Outcome:
    return Outcome(result.reason, result.signals, text=None if result.reason else result.text)


GOPHER_QUALITY = GopherQuality()
GOPHER_REPETITION = GopherRepetition()
FINEWEB_QUALITY = FineWebQuality()
C4_LINES = C4Lines()
