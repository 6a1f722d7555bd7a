"""Reference quality rule sets (Gopher, C4, FineWeb) as pure functions over a shared `TextView`.

Every rule set is faithful to a named reference implementation, with the reference's defaults:

- `gopher_quality`     datatrove 0.10.0 `GopherQualityFilter` (Rae et al. 2021, "Gopher", section A.1.1)
- `gopher_repetition`  datatrove 0.10.0 `GopherRepetitionFilter` (Gopher table A1)
- `c4_quality`         datatrove 0.10.0 `C4QualityFilter` (`C4_DATATROVE`) or TFDS `c4_utils.clean_page` +
                       `is_valid_length` (`C4_TFDS`)
- `fineweb_quality`    datatrove 0.10.0 `FineWebQualityFilter`

"Tag, then threshold": `*_signals(view)` measures a document (a flat `dict[str, float]`, ready for `meta`);
the verdict functions `gopher_quality`, `gopher_repetition`, `fineweb_quality` take either a `TextView` or
such a signals mapping (re-thresholding stored signals later needs no text) plus keyword thresholds, and
return `None` (keep) or a snake_case drop reason. They test the conditions in the reference's order and
stop at the first failure, computing only the signals they need. A threshold of `None` (or 0, as the
references test truthiness) disables its condition. C4 rewrites text (removes lines) as well as dropping
pages, so `c4_quality` returns a `C4Result(reason, text, signals)`.

`RULES` and `PRESETS` here are the reference rule sets and presets; `presets.py` joins them with the
language-aware ones (`multilingual.py`) and runs a preset (`presets.run_steps`).

Word splitting. datatrove 0.10 splits English words with spaCy's blank English tokenizer (`spacy.blank
("en")`, tokens stripped, whitespace tokens dropped) and sentences with spaCy's `sentencizer`. `words()`
emulates that tokenizer without spaCy: white-space chunks; URLs kept whole; prefixes (opening
punctuation, quotes, currency, `§ % = — – +`, ellipses, symbols) and suffixes (closing punctuation,
quotes, ellipses, `'s`, `—`, `–`, units and currency after digits, `.` after a digit, lower-case letter,
`% ² - +`, punctuation, quote, or two upper-case letters) peeled one at a time; English contractions
(`don't` → `do n't`, `dont` → `do nt`, `I'm`, `you're`, `cannot`, `gonna`, ...) and abbreviations (`Mr.`,
`e.g.`, `Jan.`, ...) as spaCy's exceptions split them; then infixes split (`...`, `-` `+` `*` `^` between
digits, `.` between a lower- and an upper-case letter, `,` between letters, hyphens and `~` between a
letter/digit and a letter, `: < > = /` between a letter/digit and a letter). Known differences: spaCy's
"lower"/"upper" classes cover all scripts (here: `str.islower`/`isupper` for suffixes, Latin-1 for the
`.` infix); spaCy's emoticons (`:)`, `):`, `<3`) are kept whole by merging adjacent tokens of a chunk
(leftmost-longest, where spaCy matches them during affix stripping: `(=D)` differs); a few dozen exotic
exceptions (`'em`, `'bout`, `C++`, US state abbreviations) are not special-cased; spaCy's URL pattern is
stricter than `https?://|www.`. The
sentence counter follows spaCy's `Sentencizer` algorithm over these tokens with datatrove's
`TERMINAL_PUNCTUATION` (a superset of the sentencizer's characters, differing only in rare scripts).
TFDS counts sentences with NLTK punkt instead (abbreviation-aware); `C4_TFDS` uses the same counter.

Speed (benchmarks/bench_quality.py). A white-space chunk's tokens (and its effect on the sentence counter)
depend on nothing around it, so they are memoized per chunk (bounded dictionaries): web text repeats its
chunks, and most are a dictionary hit. The Gopher duplicate n-grams (5..10, joined with "") come from one
polynomial hash of the text's characters for every n (numpy), comparing strings only where hashes repeat;
the top n-grams (2..4) from integer word ids counted by numpy. Results are exactly the plain algorithms'.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cached_property
from itertools import chain, filterfalse
from typing import Any, NamedTuple

import numpy as np

# --- reference constants --------------------------------------------------------------------------------

# datatrove.utils.text.PUNCTUATION (+ TERMINAL_PUNCTUATION gives PUNCTUATION_SET): a word made only of these
# is a "symbol" word for Gopher's word count and mean word length. Control characters except \t and \n.
_DT_PUNCTUATION = "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" + "".join(
    map(chr, (x for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b)))
)
# datatrove.utils.text.TERMINAL_PUNCTUATION (159 characters: Unicode sentence terminals of many scripts).
TERMINAL_PUNCTUATION = frozenset(
    "!.?\u0589\u061d\u061e\u061f\u06d4\u0700\u0701\u0702\u07f9\u0837\u0839\u083d\u083e\u0964\u0965\u104a"
    "\u104b\u1362\u1367\u1368\u166e\u1735\u1736\u17d4\u17d5\u17d6\u17d9\u17da\u1803\u1809\u1944\u1945\u1aa8"
    "\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1b7d\u1b7e\u1c3b\u1c3c\u1c7e\u1c7f\u203c\u203d\u2047\u2048"
    "\u2049\u2e2e\u2e3c\u2e53\u2e54\u3002\ua4ff\ua60e\ua60f\ua6f3\ua6f7\ua876\ua877\ua8ce\ua8cf\ua92f\ua9c8"
    "\ua9c9\uaa5d\uaa5e\uaa5f\uaaf0\uaaf1\uabeb\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61"
    "\U00010a56\U00010a57\U00010f55\U00010f56\U00010f57\U00010f58\U00010f59\U00010f86\U00010f87\U00010f88"
    "\U00010f89\U00011047\U00011048\U000110be\U000110bf\U000110c0\U000110c1\U00011141\U00011142\U00011143"
    "\U000111c5\U000111c6\U000111cd\U000111de\U000111df\U00011238\U00011239\U0001123b\U0001123c\U000112a9"
    "\U0001144b\U0001144c\U000115c2\U000115c3\U000115c9\U000115ca\U000115cb\U000115cc\U000115cd\U000115ce"
    "\U000115cf\U000115d0\U000115d1\U000115d2\U000115d3\U000115d4\U000115d5\U000115d6\U000115d7\U00011641"
    "\U00011642\U0001173c\U0001173d\U0001173e\U00011944\U00011946\U00011a42\U00011a43\U00011a9b\U00011a9c"
    "\U00011c41\U00011c42\U00011ef7\U00011ef8\U00011f43\U00011f44\U00016a6e\U00016a6f\U00016af5\U00016b37"
    "\U00016b38\U00016b44\U00016e98\U0001bc9f\U0001da88"
)
PUNCTUATION_SET = frozenset(_DT_PUNCTUATION) | TERMINAL_PUNCTUATION
_TERMINAL_TUPLE = tuple(TERMINAL_PUNCTUATION)  # str.endswith wants a tuple

GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})

# C4: datatrove c4_filters.py and TFDS c4_utils.py.
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
C4_POLICY_SUBSTRINGS = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
C4_END_PUNCTUATION_DATATROVE = (".", "?", "!", '"', "'")
C4_END_PUNCTUATION_TFDS = (".", "?", "!", '"')  # TFDS _END_MARKS: no single quote

# --- word splitting (spaCy blank-English emulation, see the module docstring) -----------------------------

_QUOTES = "'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉⟦⟧"
_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪"
_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿"
_PREFIX_CHARS = frozenset(_QUOTES + _PUNCT + _CURRENCY + "§%=—–°")
_SUFFIX_CHARS = frozenset(_QUOTES + _PUNCT + "—–°")
_UNITS = sorted(
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz m/s km/h kmh mph "
    "hPa Pa mbar mb MB kb KB gb GB tb TB T G M K %".split(),
    key=len, reverse=True,
)
_DIGIT_SUFFIX = re.compile(rf"(?<=[0-9])(?:{'|'.join(map(re.escape, _UNITS))}|[{re.escape(_CURRENCY)}]|\+)$")
_URL = re.compile(r"(?:https?://|www\.)\S+$", re.IGNORECASE)
_LOWER_L1 = "a-zß-öø-ÿ"
_UPPER_L1 = "A-ZÀ-ÖØ-Þ"
_Q = re.escape("'\"”“’‘`")


def char_ranges(codepoints: list[int]) -> str:
    """A regex character-class body for sorted code points, as \\U ranges (a class of thousands of single
    characters is matched an order of magnitude slower than the same class as ranges)."""
    out: list[str] = []
    i = 0
    while i < len(codepoints):
        j = i
        while j + 1 < len(codepoints) and codepoints[j + 1] == codepoints[j] + 1:
            j += 1
        a, b = codepoints[i], codepoints[j]
        out.append(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}")
        i = j + 1
    return "".join(out)


_SYMBOLS = char_ranges([c for c in range(0x20000) if c != 0xB0 and unicodedata.category(chr(c)) == "So"])
_INFIX = re.compile(
    r"\.\.+|…|°|[" + _SYMBOLS + "]"
    r"|(?<=[0-9])[+\-*^](?=[0-9-])"
    rf"|(?<=[{_LOWER_L1}{_Q}])\.(?=[{_UPPER_L1}{_Q}])"
    r"|(?<=[^\W\d_]),(?=[^\W\d_])"
    r"|(?<=[^\W_])(?:---|--|——|-|–|—|~)(?=[^\W\d_])"
    r"|(?<=[^\W_])[:<>=/](?=[^\W\d_])"
)
# spaCy English tokenizer exceptions ending in "." that the suffix rule would otherwise split.
_ABBREVIATIONS = frozenset(
    "Adm. Ak. Ala. Apr. Ariz. Ark. Aug. Bros. Calif. Co. Colo. Conn. Corp. Dec. Del. Dr. E.g. Feb. Fla. Ga. "
    "Gen. Gov. I.e. Ia. Id. Ill. Inc. Ind. Jan. Jr. Jul. Jun. Kan. Kans. Ky. La. Ltd. Mar. Mass. Md. Messrs. "
    "Mich. Minn. Miss. Mo. Mont. Mr. Mrs. Ms. Mt. Neb. Nebr. Nev. Nov. Oct. Okla. Ore. Pa. Prof. Rep. Rev. "
    "Sen. Sep. Sept. St. Tenn. Va. Wash. Wis. a.m. co. e.g. i.e. p.m. v.s. vs. ä. ö. ü. Ph.D.".split()
) | frozenset(f"{c}." for c in "abcdefghijklmnopqrstuvwxyz")


def _contractions() -> dict[str, tuple[str, ...]]:
    """spaCy's English contraction exceptions, lower and title case, with and without apostrophes."""
    pieces = {"d": ("d",), "dve": ("d", "ve"), "ll": ("ll",), "llve": ("ll", "ve"), "re": ("re",), "s": ("s",),
              "ve": ("ve",), "m": ("m",), "ma": ("m", "a")}
    pronouns = {
        "he": "d dve llve s", "how": "d dve ll llve re s ve", "i": "d dve llve m ma ve", "it": "d dve ll llve",
        "she": "dve llve s", "that": "d dve ll llve s", "there": "d dve ll llve re s ve",
        "these": "d dve ll llve re ve", "they": "d dve ll llve re ve", "this": "d dve ll llve s",
        "those": "d dve ll llve re ve", "we": "d dve llve ve", "what": "d dve ll llve re s ve",
        "when": "d dve ll llve re s ve", "where": "d dve ll llve re s ve", "who": "d dve ll llve s ve",
        "why": "d dve ll llve re s ve", "you": "d dve ll llve re ve",
    }
    table: dict[str, tuple[str, ...]] = {}
    for base, ends in pronouns.items():
        for end in ends.split():
            table[base + end] = (base, *pieces[end])
    negatives = "ai are ca could dare did does do had has have is may might must need ought sha should was were wo would"
    with_ve = "ca could did does do had may might must need ought sha should wo would"
    for base in negatives.split():
        table[base + "nt"] = (base, "nt")
    for base in with_ve.split():
        table[base + "ntve"] = (base, "nt", "ve")
    for base in ("could", "might", "must", "should", "would", "not"):
        table[base + "ve"] = (base, "ve")
    table.update(cannot=("can", "not"), gonna=("gon", "na"), gotta=("got", "ta"), yall=("y", "all"))
    out = dict(table)
    for key, parts in table.items():
        if key != "yall":
            out[key.capitalize()] = (parts[0].capitalize(), *parts[1:])
    out["Ima"] = ("I", "m", "a")
    return out


_ALPHA_SPLITS = _contractions()
_APOSTROPHE_BASES = frozenset(b for b in (
    "he how i it she that there these they this those we what when where who why you could might must should would"
).split())
_APOSTROPHE_END = re.compile(r"(?i)^(.+?)(n['’]t|['’](?:m|re|ve|d|ll))$")


# Tokens spaCy keeps whole (a few of its exceptions: the common emoticons, "and/or").
_KEEP_WHOLE = frozenset(
    "and/or w/o :) :( :-) :-( ;) ;-) :D :-D :P :p :-P :/ :'( :] :[ =) =( <3 8) (: ): (; ;( :o :O :x :X :|".split()
)
# spaCy's emoticon exceptions (spacy.lang.tokenizer_exceptions.emoticons): adjacent tokens of one chunk whose
# joined text is one of these are merged (leftmost-longest, no overlaps), as spaCy keeps them whole.
_EMOTICONS = frozenset(
    r"""(*_*) (-8 (-: (-; (-_-) (._.) (: (; (= (>_<) (^_^) (o: (¬_¬) (ಠ_ಠ) (╯°□°）╯︵┻━┻ )-: ): -_- -__- ._. 0.0 0.o
    0_0 0_o 8) 8-) 8-D 8D :'( :') :'-( :'-) :( :(( :((( :() :) :)) :))) :* :-( :-(( :-((( :-) :-)) :-))) :-* :-/
    :-0 :-3 :-> :-D :-O :-P :-X :-] :-o :-p :-x :-| :-} :/ :0 :1 :3 :> :D :O :P :X :] :o :o) :p :x :| :} ;) ;-)
    ;-D ;D ;_; <.< </3 <3 <33 <333 =( =) =/ =3 =D =[ =] =| >.< >.> >:( >:o ><(((*> @_@ O.O O.o O_O O_o V.V V_V XD
    XDD [-: [: [= ]= ^_^ ^__^ ^___^ o.0 o.O o.o o_0 o_O o_o v.v v_v xD xDD ¯\(ツ)/¯ ಠ_ಠ ಠ︵ಠ""".split()
)
_EMOTICON_MAX = max(map(len, _EMOTICONS))


def _merge_emoticons(tokens: list[str]) -> list[str]:
    """Merge runs of adjacent tokens whose joined text is an emoticon (leftmost-longest, no overlaps)."""
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        best, joined = 0, tokens[i]
        for j in range(i + 1, n):
            joined += tokens[j]
            if len(joined) > _EMOTICON_MAX:
                break
            if joined in _EMOTICONS:
                best = j
        if best:
            out.append("".join(tokens[i : best + 1]))
            i = best + 1
        else:
            out.append(tokens[i])
            i += 1
    return out
_TIME = re.compile(r"^(1[0-2]|[1-9])(a\.m\.|p\.m\.|am|pm)$")


def _split_core(core: str, out: list[str]) -> None:
    """Contractions, then infixes, of a chunk whose prefixes and suffixes are gone."""
    split = _ALPHA_SPLITS.get(core)
    if split is not None:
        out.extend(split)
        return
    if core.isalnum():
        m = _TIME.match(core)
        out.extend(m.groups() if m else (core,))
        return
    m = _APOSTROPHE_END.match(core)
    if m and (m.group(2)[0] in "nN" or m.group(1).lower() in _APOSTROPHE_BASES):
        _split_core(m.group(1), out)
        out.append(m.group(2))
        return
    start = 0
    for m in _INFIX.finditer(core):
        if m.start() > start:
            out.append(core[start:m.start()])
        if m.end() > m.start():
            out.append(m.group())
        start = m.end()
    if start < len(core):
        out.append(core[start:])


def _prefix_len(chunk: str) -> int:
    c = chunk[0]
    if c == "." and chunk.startswith(".."):
        return len(chunk) - len(chunk.lstrip("."))
    if c in _PREFIX_CHARS:
        return 1
    if c == "+" and not chunk[1:2].isdigit():
        return 1
    if c != "°" and unicodedata.category(c) == "So":
        return 1
    return 0


def _suffix_len(chunk: str) -> int:
    if chunk.endswith(("'s", "'S", "’s", "’S")) and len(chunk) > 2:
        return 2
    c = chunk[-1]
    if c == "." and chunk.endswith(".."):
        return len(chunk) - len(chunk.rstrip("."))
    if c in _SUFFIX_CHARS:
        return 1
    if c == ".":
        if len(chunk) < 2 or chunk in _ABBREVIATIONS:
            return 0
        p = chunk[-2]
        if p.isdigit() or p.islower() or p in "%²-+" or p in _SUFFIX_CHARS or unicodedata.category(p).startswith("P"):
            return 1
        if len(chunk) > 2 and p.isupper() and chunk[-3].isupper():
            return 1
        if chunk[-3:-1] in ("°F", "°f", "°C", "°c", "°K", "°k"):
            return 1
        return 0
    if c != "°" and unicodedata.category(c) == "So":
        return 1
    if chunk[0].isdigit() or any(ch.isdigit() for ch in chunk[-6:]):
        m = _DIGIT_SUFFIX.search(chunk)
        if m:
            return len(chunk) - m.start()
    return 0


def _split_chunk(chunk: str, out: list[str]) -> None:
    start = len(out)
    _split_chunk_tokens(chunk, out)
    if len(out) - start > 1:
        out[start:] = _merge_emoticons(out[start:])


def _split_chunk_tokens(chunk: str, out: list[str]) -> None:
    suffixes: list[str] = []
    while chunk:
        if chunk in _ABBREVIATIONS or chunk in _KEEP_WHOLE:
            out.append(chunk)
            chunk = ""
            break
        if chunk in _ALPHA_SPLITS or _TIME.match(chunk):
            break
        n = _prefix_len(chunk)
        if n:
            out.append(chunk[:n])
            chunk = chunk[n:]
            continue
        n = _suffix_len(chunk)
        if n:
            suffixes.append(chunk[-n:])
            chunk = chunk[:-n]
            continue
        break
    if chunk:
        if _URL.match(chunk):
            out.append(chunk)
        else:
            _split_core(chunk, out)
    out.extend(reversed(suffixes))


class ChunkMemo(dict):
    """White-space chunk -> `split(chunk)`, computed on first sight and remembered: a chunk's split
    depends on nothing around it, and web text repeats its chunks (Zipf), so most chunks are a dictionary
    hit. Bounded: cleared when full (~10-30 MB). A pure cache: results never depend on what it holds."""

    max_size = 200_000

    def __init__(self, split: Callable[[str], Any]):
        super().__init__()
        self._split = split

    def __missing__(self, chunk: str) -> Any:
        value = self._split(chunk)
        if len(self) >= self.max_size:
            self.clear()
        self[chunk] = value
        return value


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    if (chunk.isalpha() or chunk.isdigit()) and chunk not in _ALPHA_SPLITS:
        return (chunk,)  # the common case: a plain word or number
    core, last = chunk[:-1], chunk[-1]
    if (last in _SUFFIX_CHARS or last == "." and core[-1:].islower() and chunk not in _ABBREVIATIONS) and (
        core.isalpha() and core not in _ALPHA_SPLITS
    ):
        return (core, last)  # the next most common: a word and one closing mark (`word,` `word.` `word)`)
    out: list[str] = []
    _split_chunk(chunk, out)
    return tuple(out)


_CHUNK_TOKENS = ChunkMemo(_chunk_tokens)
# token → whether it has an alphabetic character (Gopher's "alphabetic word"), remembered like the chunks
HAS_ALPHA = ChunkMemo(lambda token: token.isalpha() or any(c.isalpha() for c in token))


def words(text: str) -> list[str]:
    """The words of `text` as datatrove 0.10 splits English (spaCy blank "en", emulated; module docstring)."""
    return list(chain.from_iterable(map(_CHUNK_TOKENS.__getitem__, text.split())))


_PIECES = re.compile(r"\S+|\s+")


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in token)


def _chunk_sentences(chunk: str) -> tuple[tuple[int, bool], tuple[int, bool]]:
    """What a chunk's tokens do to the sentencizer's state: for `seen_terminal` False and True, the
    (sentences started, `seen_terminal` after)."""
    tokens = _CHUNK_TOKENS[chunk]  # a chunk has no white space: its words are its tokens
    found = []
    for seen_terminal in (False, True):
        started = 0
        for token in tokens:
            if token in TERMINAL_PUNCTUATION:
                seen_terminal = True
            elif seen_terminal and not _is_punct(token):
                started += 1
                seen_terminal = False
        found.append((started, seen_terminal))
    return found[0], found[1]


_CHUNK_SENTENCES = ChunkMemo(_chunk_sentences)


def count_sentences(text: str) -> int:
    """Sentences in `text`, by spaCy's `Sentencizer` algorithm over `words(text)` (0 for blank text).

    A sentence ends at a token that is a terminal punctuation character; the next one starts at the first
    following token that is neither punctuation nor terminal (white space other than a single space is
    such a token in spaCy). datatrove counts the sentences of each (stripped) line this way.
    """
    if not text or text.isspace():
        return 0
    sentences, seen_terminal = 1, False
    stripped = text.strip()
    chunks = stripped.split(" ")
    if chunks == stripped.split():  # the common case: chunks separated by single spaces only
        memo = _CHUNK_SENTENCES
        for chunk in chunks:
            started, seen_terminal = memo[chunk][seen_terminal]
            sentences += started
        return sentences
    for piece in _PIECES.findall(stripped):
        if piece.isspace():
            # spaCy keeps white space other than one space as a token: it is not punctuation.
            if seen_terminal and piece != " ":
                sentences += 1
                seen_terminal = False
            continue
        started, seen_terminal = _CHUNK_SENTENCES[piece][seen_terminal]
        sentences += started
    return sentences


# --- the shared view ------------------------------------------------------------------------------------


class TextView:
    """One document's text, split once: lines, paragraphs, words, n-grams, and memoized signals.

    Every split is lazy and cached, so a rule set pays only for what it reads, and rule sets run on the
    same view share the work. The splits follow the references exactly (they differ between rules: Gopher
    quality uses `str.splitlines`, Gopher repetition `\\n+` and `\\n{2,}`, FineWeb `split("\\n")`).
    """

    def __init__(self, text: str, lang: str | None = None):
        self.text = text
        self.lang = lang  # the document's language (language stage), for language-aware rules
        self._signals: dict[str, float] = {}
        self.extra: dict[str, Any] = {}  # splits cached by rules defined elsewhere (multilingual.py)

    def signal(self, name: str) -> float:
        """The named reference signal (a key of `SIGNALS`), computed once."""
        return self.measure(name, SIGNALS[name])

    def measure(self, name: str, compute: Callable[["TextView"], float]) -> float:
        """The signal `name`, computed by `compute(self)` once (other rule sets name their own signals)."""
        try:
            return self._signals[name]
        except KeyError:
            value = self._signals[name] = compute(self)
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

    def ngrams(self, n: int) -> list[tuple[str, ...]]:
        return list(zip(*(self.words[i:] for i in range(n))))


def _view(view_or_text: TextView | str) -> TextView:
    return view_or_text if isinstance(view_or_text, TextView) else TextView(view_or_text)


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
        self.offsets = np.concatenate(([0], np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)))))

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
        sum(s.lstrip().startswith(("•", "-")) for s in v.splitlines), len(v.splitlines)),
    "gopher_ellipsis_lines_ratio": lambda v: _ratio(
        sum(s.rstrip().endswith(("...", "…")) for s in v.splitlines), len(v.splitlines)),
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
        sum(line.endswith(_TERMINAL_TUPLE) for line in v.nonblank_lines), len(v.nonblank_lines)),
    "fineweb_short_line_ratio": lambda v: _ratio(  # short_line_length 30, the reference default
        sum(len(line) <= 30 for line in v.nonblank_lines), len(v.nonblank_lines)),
    "fineweb_char_dup_ratio": lambda v: _ratio(
        _find_duplicates(v.nonblank_lines)[1], len(v.text) - v.text.count("\n")),
    "fineweb_newline_ratio": lambda v: _ratio(v.text.count("\n"), len(v.words)),
}

GOPHER_QUALITY_SIGNALS = tuple(k for k in SIGNALS if k.startswith("gopher_") and "dup" not in k and "gram" not in k)
GOPHER_REPETITION_SIGNALS = tuple(k for k in SIGNALS if k.startswith("gopher_") and k not in GOPHER_QUALITY_SIGNALS)
FINEWEB_QUALITY_SIGNALS = tuple(k for k in SIGNALS if k.startswith("fineweb_"))


def _signals(view: TextView | str, names: tuple[str, ...]) -> dict[str, float]:
    v = _view(view)
    return {name: v.signal(name) for name in names}


def gopher_quality_signals(view: TextView | str) -> dict[str, float]:
    """Gopher quality measurements (datatrove 0.10 `GopherQualityFilter`), for `gopher_quality`."""
    return _signals(view, GOPHER_QUALITY_SIGNALS)


def gopher_repetition_signals(view: TextView | str) -> dict[str, float]:
    """Gopher repetition measurements (datatrove 0.10 `GopherRepetitionFilter`), for `gopher_repetition`."""
    return _signals(view, GOPHER_REPETITION_SIGNALS)


def fineweb_quality_signals(view: TextView | str) -> dict[str, float]:
    """FineWeb quality measurements (datatrove 0.10 `FineWebQualityFilter`, default `short_line_length`=30)."""
    return _signals(view, FINEWEB_QUALITY_SIGNALS)


def _getter(source: TextView | Mapping[str, float] | str) -> Callable[[str], float]:
    if isinstance(source, Mapping):
        return source.__getitem__
    return _view(source).signal


# --- verdicts -------------------------------------------------------------------------------------------


def gopher_quality(
    source: TextView | Mapping[str, float] | str,
    *,
    min_doc_words: int | None = 50,
    max_doc_words: int | None = 100_000,
    min_avg_word_length: float | None = 3,
    max_avg_word_length: float | None = 10,
    max_symbol_word_ratio: float | None = 0.1,
    max_bullet_lines_ratio: float | None = 0.9,
    max_ellipsis_lines_ratio: float | None = 0.3,
    min_alpha_words_ratio: float | None = 0.8,
    min_stop_words: int | None = 2,
) -> str | None:
    """Gopher quality rules; datatrove 0.10.0 `GopherQualityFilter` (its defaults, order and comparisons).

    Words are the spaCy-split words; "non-symbol" words (not made only of `PUNCTUATION_SET`) are counted
    (50 ≤ n ≤ 100,000) and averaged (3 ≤ mean length ≤ 10). `#` count and `...`+`…` count over ALL words
    (> 0.1 drops; datatrove's `max_symbol_word_ratio`). Lines are `str.splitlines()`: > 0.9 starting (after
    lstrip) with `•` or `-`, or > 0.3 ending (after rstrip) with `...` or `…` drops. Fewer than 0.8 of all
    words containing an alphabetic character drops (datatrove's misnamed `max_non_alpha_words_ratio`).
    Stop words: datatrove 0.10 counts DISTINCT stop words present (`len(stop_words & set(words))`), case
    sensitive, < 2 drops; older datatrove releases counted occurrences.
    """
    get = _getter(source)
    if min_doc_words and get("gopher_n_words") < min_doc_words:
        return "gopher_too_few_words"
    if max_doc_words and get("gopher_n_words") > max_doc_words:
        return "gopher_too_many_words"
    if min_avg_word_length and get("gopher_mean_word_length") < min_avg_word_length:
        return "gopher_mean_word_length"
    if max_avg_word_length and get("gopher_mean_word_length") > max_avg_word_length:
        return "gopher_mean_word_length"
    if max_symbol_word_ratio and (
        get("gopher_hash_ratio") > max_symbol_word_ratio or get("gopher_ellipsis_ratio") > max_symbol_word_ratio
    ):
        return "gopher_symbol_ratio"
    if max_bullet_lines_ratio and get("gopher_bullet_lines_ratio") > max_bullet_lines_ratio:
        return "gopher_bullet_lines"
    if max_ellipsis_lines_ratio and get("gopher_ellipsis_lines_ratio") > max_ellipsis_lines_ratio:
        return "gopher_ellipsis_lines"
    if min_alpha_words_ratio and get("gopher_alpha_words_ratio") < min_alpha_words_ratio:
        return "gopher_alpha_words"
    if min_stop_words and get("gopher_stop_words") < min_stop_words:
        return "gopher_stop_words"
    return None


_TOP_NGRAMS = ((2, 0.20), (3, 0.18), (4, 0.16))
_DUP_NGRAMS = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


def gopher_repetition(
    source: TextView | Mapping[str, float] | str,
    *,
    dup_para_frac: float | None = 0.3,
    dup_para_char_frac: float | None = 0.2,
    dup_line_frac: float | None = 0.3,
    dup_line_char_frac: float | None = 0.2,
    top_n_grams: tuple[tuple[int, float], ...] = _TOP_NGRAMS,
    dup_n_grams: tuple[tuple[int, float], ...] = _DUP_NGRAMS,
) -> str | None:
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
    get = _getter(source)
    if dup_para_frac and get("gopher_dup_para_frac") > dup_para_frac:
        return "gopher_dup_para_fraction"
    if dup_para_char_frac and get("gopher_dup_para_char_frac") > dup_para_char_frac:
        return "gopher_dup_para_chars"
    if dup_line_frac and get("gopher_dup_line_frac") > dup_line_frac:
        return "gopher_dup_line_fraction"
    if dup_line_char_frac and get("gopher_dup_line_char_frac") > dup_line_char_frac:
        return "gopher_dup_line_chars"
    for n, frac in top_n_grams:
        if get(f"gopher_top_{n}_gram_frac") > frac:
            return f"gopher_top_{n}_gram"
    for n, frac in dup_n_grams:
        if get(f"gopher_dup_{n}_gram_frac") > frac:
            return f"gopher_dup_{n}_gram"
    return None


def fineweb_quality(
    source: TextView | Mapping[str, float] | str,
    *,
    line_punct_thr: float | None = 0.12,
    line_punct_exclude_zero: bool = False,
    short_line_thr: float | None = 0.67,
    char_duplicates_ratio: float | None = 0.01,
    new_line_ratio: float | None = 0.3,
) -> str | None:
    """FineWeb quality rules; datatrove 0.10.0 `FineWebQualityFilter` (defaults, order, comparisons).

    Lines: `text.split("\\n")` without blank (whitespace-only) lines; none left drops (`fineweb_empty`).
    Fewer than 0.12 of lines ending (no strip) in a `TERMINAL_PUNCTUATION` character drops (datatrove
    0.10's default `stop_chars`; the original FineWeb release used `. ' " ! ?` with `<=`: quotes no longer
    count); `line_punct_exclude_zero` keeps documents where no line does. More than 0.67 of lines of
    ≤ 30 characters drops. Characters in duplicated lines over `len(text)` minus its newlines > 0.01
    drops. Newlines over words > 0.3 drops. `short_line_length` is fixed at the default 30 in the signal.
    """
    get = _getter(source)
    if not get("fineweb_lines"):
        return "fineweb_empty"
    if line_punct_thr:
        ratio = get("fineweb_line_punct_ratio")
        if ratio < line_punct_thr and not (ratio == 0 and line_punct_exclude_zero):
            return "fineweb_line_punct"
    if short_line_thr and get("fineweb_short_line_ratio") > short_line_thr:
        return "fineweb_short_lines"
    if char_duplicates_ratio and get("fineweb_char_dup_ratio") > char_duplicates_ratio:
        return "fineweb_char_dup"
    if new_line_ratio and get("fineweb_newline_ratio") > new_line_ratio:
        return "fineweb_newline_ratio"
    return None


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


def _c4_signals(n_lines: int, n_kept: int, sentences: int, removed: Mapping[str, int], citation_lines: int,
                chars: int, kept_chars: int) -> dict[str, float]:
    return {
        "c4_lines": n_lines, "c4_kept_lines": n_kept, "c4_sentences": sentences,
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


# datatrove 0.10 C4QualityFilter defaults.
C4_DATATROVE: Mapping[str, Any] = {}
# TFDS c4_utils: clean_page defaults (_MIN_WORDS_PER_LINE 5, _MIN_NUM_SENTENCES 3, _END_MARKS) + is_valid_length.
C4_TFDS: Mapping[str, Any] = {
    "end_punctuation": C4_END_PUNCTUATION_TFDS,
    "min_num_sentences": 3,
    "min_words_per_line": 5,
    "count_words_after_citations": True,
    "max_page_chars": 190_000,
}

# --- presets --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Step:
    """One rule set with its parameters: `rule` names it in `presets.RULES` (this module's `RULES` or
    `multilingual.RULES`)."""

    rule: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def verdict_rule(verdict: Callable[..., str | None], signals: Callable[[TextView], dict[str, float]]):
    """A rule (as `RULES` holds) from a verdict function and the function measuring its signals."""

    def rule(view: TextView, params: Mapping[str, Any], annotate: bool) -> C4Result:
        found = signals(view) if annotate else {}
        return C4Result(verdict(view, **params), view.text, found)

    return rule


def _c4_step(view: TextView, params: Mapping[str, Any], annotate: bool) -> C4Result:
    return c4_quality(view, **params)


RULES: dict[str, Callable[[TextView, Mapping[str, Any], bool], C4Result]] = {
    "gopher_quality": verdict_rule(gopher_quality, gopher_quality_signals),
    "gopher_repetition": verdict_rule(gopher_repetition, gopher_repetition_signals),
    "fineweb_quality": verdict_rule(fineweb_quality, fineweb_quality_signals),
    "c4": _c4_step,
}

PRESETS: dict[str, tuple[Step, ...]] = {
    "gopher_quality": (Step("gopher_quality"),),
    "gopher_repetition": (Step("gopher_repetition"),),
    "c4_datatrove": (Step("c4", C4_DATATROVE),),
    "c4_tfds": (Step("c4", C4_TFDS),),
    "fineweb_quality": (Step("fineweb_quality"),),
    # FineWeb English (datatrove examples/fineweb.py): repetition, quality, C4 without the terminal
    # punctuation line rule, FineWeb quality on the C4-rewritten text.
    "fineweb": (
        Step("gopher_repetition"),
        Step("gopher_quality"),
        Step("c4", {"filter_no_terminal_punct": False}),
        Step("fineweb_quality"),
    ),
}
