"""English words and sentences as datatrove 0.10 splits them (spaCy's blank English tokenizer and sentencizer),
emulated without spaCy, for the reference quality rules (`reference.py`).

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

Speed. A white-space chunk's tokens (and its effect on the sentence counter) depend on nothing around it, so
they are memoized per chunk (`ChunkMemo`, bounded dictionaries): web text repeats its chunks, and most are a
dictionary hit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import chain
from typing import Any

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
# datatrove.utils.text.PUNCTUATION (+ TERMINAL_PUNCTUATION gives PUNCTUATION_SET): a word made only of these
# is a "symbol" word for Gopher's word count and mean word length. Control characters except \t and \n.
_DT_PUNCTUATION = "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" + "".join(
    map(chr, (x for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b)))
)
PUNCTUATION_SET = frozenset(_DT_PUNCTUATION) | TERMINAL_PUNCTUATION


_QUOTES = "'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉⟦⟧"
_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪"
_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿"
_PREFIX_CHARS = frozenset(_QUOTES + _PUNCT + _CURRENCY + "§%=—–°")
_SUFFIX_CHARS = frozenset(_QUOTES + _PUNCT + "—–°")
_UNITS = sorted(
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz m/s km/h kmh mph "
    "hPa Pa mbar mb MB kb KB gb GB tb TB T G M K %".split(),
    key=len,
    reverse=True,
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
    pieces = {
        "d": ("d",),
        "dve": ("d", "ve"),
        "ll": ("ll",),
        "llve": ("ll", "ve"),
        "re": ("re",),
        "s": ("s",),
        "ve": ("ve",),
        "m": ("m",),
        "ma": ("m", "a"),
    }
    pronouns = {
        "he": "d dve llve s",
        "how": "d dve ll llve re s ve",
        "i": "d dve llve m ma ve",
        "it": "d dve ll llve",
        "she": "dve llve s",
        "that": "d dve ll llve s",
        "there": "d dve ll llve re s ve",
        "these": "d dve ll llve re ve",
        "they": "d dve ll llve re ve",
        "this": "d dve ll llve s",
        "those": "d dve ll llve re ve",
        "we": "d dve llve ve",
        "what": "d dve ll llve re s ve",
        "when": "d dve ll llve re s ve",
        "where": "d dve ll llve re s ve",
        "who": "d dve ll llve s ve",
        "why": "d dve ll llve re s ve",
        "you": "d dve ll llve re ve",
    }
    table: dict[str, tuple[str, ...]] = {}
    for base, ends in pronouns.items():
        for end in ends.split():
            table[base + end] = (base, *pieces[end])
    negatives = (
        "ai are ca could dare did does do had has have is may might must need ought sha should was were wo would"
    )
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
_APOSTROPHE_BASES = frozenset(
    b
    for b in (
        "he how i it she that there these they this those we what when where who why you could might must should would"
    ).split()
)
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
            out.append(core[start : m.start()])
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
    hit. Bounded: only chunks of at most `max_chunk` characters are remembered (the repeated ones are
    words; a longer chunk, a URL or a line of text written without spaces, is nearly always new and its
    split large: remembering them grew a worker by ~20 KB per Chinese or Japanese page), and the memo is
    cleared when full (~10-30 MB). A pure cache: results never depend on what it holds."""

    max_size = 200_000
    max_chunk = 32

    def __init__(self, split: Callable[[str], Any]):
        super().__init__()
        self._split = split

    def __missing__(self, chunk: str) -> Any:
        value = self._split(chunk)
        if len(chunk) <= self.max_chunk:
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
