"""Word blocklists in the LDNOOBW format: one entry (a word or a phrase) a line, one list per language.

Matching follows the C4 reference (TFDS `c4_utils.get_badwords_filter_fn`): the text is lower-cased;
entries match on word boundaries (here: as whole tokens or token sequences of `\\w+` runs, so `ass` does
not match `class`), except in languages written without spaces (ja, zh, th by default), where they match as
substrings (so zh `性` matches inside `性价比`, "value for money": the known cost of that rule).

Two verdicts (`blocklist_verdict`):
- `c4`: any listed entry drops the page (reason `blocklisted_word`), as C4 did;
- `ratio` (the default): the page is dropped (`blocklisted_word_ratio`) when listed entries per word exceed
  a threshold. C4's any-word rule is known to remove text in dialects and by and about minority identities
  disproportionately (Dodge et al. 2021, "Documenting Large Webtext Corpora", §5), because the lists
  contain identity terms and reclaimed words; a ratio keeps a page that mentions one and drops pages
  dense with them. Words are `\\w+` tokens; in substring languages, non-space characters stand in for words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import SafetyConfig, WordBlocklistConfig
from corpusforge.transforms.stages import Check, Filter, Outcome, Signals, Stage, TextView, Thresholds, require_file

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class WordList:
    """One language's entries, indexed for matching by tokens or (for unsegmented scripts) substrings."""

    def __init__(self, entries: Iterable[str], *, substrings: bool):
        entries = {e.strip().lower() for e in entries if e.strip() and not e.startswith("#")}
        self.substrings = substrings
        self.singles: frozenset[str] = frozenset()
        self.phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)  # first token → phrases
        self.by_first_char: dict[str, list[str]] = defaultdict(list)
        if substrings:
            for entry in entries:
                self.by_first_char[entry[0]].append(entry)
            chars = "".join(sorted(self.by_first_char))
            self._first_chars = re.compile(f"[{re.escape(chars)}]") if chars else None
        else:
            split = [tuple(tokens(e)) for e in entries]
            self.singles = frozenset(t[0] for t in split if len(t) == 1)
            for t in split:
                if len(t) > 1:
                    self.phrases[t[0]].append(t)

    def count(self, text: str, words: list[str] | None = None) -> tuple[int, int]:
        """(listed entries found, words) in `text`; `words` is `tokens(text)` where the caller has it."""
        if self.substrings:
            lower = text.lower()
            found = 0
            if self._first_chars is not None:  # only positions starting an entry are tried
                for m in self._first_chars.finditer(lower):
                    found += sum(lower.startswith(e, m.start()) for e in self.by_first_char[m.group()])
            return found, len("".join(lower.split()))
        words = tokens(text) if words is None else words
        found = sum(map(self.singles.__contains__, words))
        if self.phrases and not self.phrases.keys().isdisjoint(words):
            for i, word in enumerate(words):
                for phrase in self.phrases.get(word, ()):
                    found += tuple(words[i : i + len(phrase)]) == phrase
        return found, len(words)


def read_word_list(path: str, *, substrings: bool) -> WordList:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return WordList(f.read().decode("utf-8", "replace").splitlines(), substrings=substrings)


def load_word_lists(lists: Mapping[str, str], substring_langs: Iterable[str]) -> dict[str, WordList]:
    """Language → its WordList, from language → path."""
    substring_langs = frozenset(substring_langs)
    return {lang: read_word_list(path, substrings=lang in substring_langs) for lang, path in lists.items()}


def blocklist_verdict(found: int, words: int, *, mode: str, max_ratio: float) -> str | None:
    """The drop reason for `found` listed entries among `words` words, or None (module docstring)."""
    if mode == "c4":
        return "blocklisted_word" if found else None
    return "blocklisted_word_ratio" if found and found / max(words, 1) > max_ratio else None


WORD_BLOCKLIST_STAGE = "word_blocklist"


class WordBlocklisted(Filter):
    """Drops pages by their language's word list, in `c4` mode (any listed word: `blocklisted_word`) or
    `ratio` mode (listed words per word above `max_ratio`: `blocklisted_word_ratio`); the module docstring
    says why ratio is the default. A document without `lang` (language stage off) meets every list.
    `meta["word_blocklist"]` = `{matches, ratio}` when a listed word occurs."""

    name = "word_blocklist"
    thresholds = {"max_ratio": 0.01}

    def __init__(self, config: WordBlocklistConfig):
        self.config = config
        mode_check = {
            "c4": Check("blocklisted_word", "blocklisted_words", ">", 0, zero_disables=False),
            "ratio": Check("blocklisted_word_ratio", "blocklisted_ratio", ">", "max_ratio", zero_disables=False),
        }
        self.checks = (mode_check[config.mode],)

    def lists(self) -> dict[str, str]:
        """Language → list path: the directory's files named by language code, then `lists` over them."""
        c = self.config
        found: dict[str, str] = {}
        if c.directory is not None:
            require_file("safety.word_blocklist.directory", c.directory)
            pattern = FileSystems.join(c.directory, "*")
            for meta in FileSystems.match([pattern])[0].metadata_list:
                name = meta.path.rstrip("/").rsplit("/", 1)[-1]
                if name.isalpha() and name.islower() and len(name) <= 3:  # LDNOOBW: en, de, fil, ...
                    found[name] = meta.path
        return {**found, **c.lists}

    def check_config(self) -> None:
        for lang, path in self.lists().items():
            require_file(f"safety.word_blocklist.lists.{lang}", path)

    def setup(self, shared: Shared) -> None:
        self._lists = load_word_lists(self.lists(), self.config.substring_langs)

    def signals(self, view: TextView) -> Signals:
        lang = view.lang
        lists = [self._lists[lang]] if lang in self._lists else [] if lang else list(self._lists.values())
        found = words = 0
        # split once for all the word-based lists (a document without `lang` meets every list)
        text_tokens = tokens(view.text) if any(not wl.substrings for wl in lists) else None
        for word_list in lists:
            f, w = word_list.count(view.text, text_tokens)
            found, words = found + f, max(words, w)
        return {"blocklisted_words": found, "blocklisted_ratio": found / max(words, 1)}

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        found = outcome.signals["blocklisted_words"]
        if not found:
            return {}
        return {"word_blocklist": {"matches": found, "ratio": round(outcome.signals["blocklisted_ratio"], 6)}}


def word_blocklist_stage(config: SafetyConfig) -> Stage:
    c = config.word_blocklist
    return Stage(
        WORD_BLOCKLIST_STAGE,
        (WordBlocklisted(c),),
        Thresholds({"max_ratio": c.max_ratio}),
        annotate=config.annotate_only,
    )
