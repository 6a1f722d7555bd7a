"""The safety stages: bias tagging (after clean), then opt-out, URL blocklist, word blocklist and PII
(after quality). Each is a `Stage` for `stages.RunStage`, with its own name in the funnel and the bias audit.

Every stage records its signal in `meta` whether or not it drops (tag first, then decide):
`groups` (bias), `opt_out` (the signals), `url_blocklist` (the rule that matched), `word_blocklist`
(`{matches, ratio}`), `pii` (spans per type). With `safety.annotate_only` nothing is dropped and no text
is redacted: `pii_spans` then lists `[type, start, end]` in the unredacted text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ConfigError, SafetyConfig
from corpusforge.transforms.bias import load_lexicon
from corpusforge.transforms.blocklist import UrlBlocklist, parent_domains, url_host
from corpusforge.transforms.document import Document, Rejection
from corpusforge.transforms.pii import count_types, find_pii, redact
from corpusforge.transforms.stages import Stage, drop
from corpusforge.transforms.wordlist import blocklist_verdict, load_word_lists, tokens

BIAS_STAGE = "bias"
OPT_OUT_STAGE = "opt_out"
URL_BLOCKLIST_STAGE = "url_blocklist"
WORD_BLOCKLIST_STAGE = "word_blocklist"
PII_STAGE = "pii"


def _require(key: str, path: str | None) -> None:
    if path is not None and not FileSystems.exists(path):
        raise ConfigError(f"{key}: no such file: {path}")


@dataclasses.dataclass
class BiasStage:
    """Tags `meta["groups"]` with the identity groups a document mentions (transforms/bias.py); drops nothing."""

    config: SafetyConfig
    name: str = BIAS_STAGE

    def __post_init__(self) -> None:
        load_lexicon(self.config.bias.lexicon)  # a malformed or missing lexicon fails at launch

    def setup(self, shared: Shared) -> None:
        self._lexicon = load_lexicon(self.config.bias.lexicon)

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        return [doc.with_meta(groups=self._lexicon.groups(doc.text)) for doc in docs]


@dataclasses.dataclass
class OptOutStage:
    """Drops (`opt_out`) pages with an opt-out signal (transforms/consent.py) or on an opted-out domain."""

    config: SafetyConfig
    name: str = OPT_OUT_STAGE

    def setup(self, shared: Shared) -> None:
        self._domains = frozenset(d.strip().lower().rstrip(".") for d in self.config.opt_out.domains)

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        drops = self.config.opt_out.drop and not self.config.annotate_only
        results: list[Document | Rejection] = []
        for doc in docs:
            signals = list(doc.meta.get("opt_out", ()))
            if self._domains and doc.url and not self._domains.isdisjoint(parent_domains(url_host(doc.url))):
                signals.append("domain")
            if signals:
                doc = doc.with_meta(opt_out=signals)
            results.append(drop(doc, self.name, "opt_out") if signals and drops else doc)
        return results


@dataclasses.dataclass
class UrlBlocklistStage:
    """Drops pages whose URL is blocklisted (transforms/blocklist.py names the rules and reasons)."""

    config: SafetyConfig
    name: str = URL_BLOCKLIST_STAGE

    def __post_init__(self) -> None:
        c = self.config.url_blocklist
        for field in ("archives", "domains", "urls"):
            for i, path in enumerate(getattr(c, field)):
                _require(f"safety.url_blocklist.{field}[{i}]", path)
        _require("safety.url_blocklist.banned_words", c.banned_words)
        _require("safety.url_blocklist.soft_banned_words", c.soft_banned_words)

    def setup(self, shared: Shared) -> None:
        c = self.config.url_blocklist
        # Once per worker process, shared by its threads: 8 bytes per listed domain (37 MB for UT1).
        self._blocklist = shared.acquire(lambda: UrlBlocklist(
            archives=c.archives, domains=c.domains, urls=c.urls, banned_words=c.banned_words,
            soft_banned_words=c.soft_banned_words, soft_banned_min=c.soft_banned_min,
        ))

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        results: list[Document | Rejection] = []
        for doc, reason in zip(docs, self._blocklist.reasons([d.url for d in docs])):
            if reason is None:
                results.append(doc)
            elif self.config.annotate_only:
                results.append(doc.with_meta(url_blocklist=reason))
            else:
                results.append(drop(doc.with_meta(url_blocklist=reason), self.name, reason))
        return results


@dataclasses.dataclass
class WordBlocklistStage:
    """Drops pages by their language's word list, in `c4` or `ratio` mode (transforms/wordlist.py).

    A document without `lang` (language stage off) is checked against every list.
    """

    config: SafetyConfig
    name: str = WORD_BLOCKLIST_STAGE

    def __post_init__(self) -> None:
        for lang, path in self.lists().items():
            _require(f"safety.word_blocklist.lists.{lang}", path)

    def lists(self) -> dict[str, str]:
        """Language → list path: the directory's files named by language code, then `lists` over them."""
        c = self.config.word_blocklist
        found: dict[str, str] = {}
        if c.directory is not None:
            _require("safety.word_blocklist.directory", c.directory)
            pattern = FileSystems.join(c.directory, "*")
            for meta in FileSystems.match([pattern])[0].metadata_list:
                name = meta.path.rstrip("/").rsplit("/", 1)[-1]
                if name.isalpha() and name.islower() and len(name) <= 3:  # LDNOOBW: en, de, fil, ...
                    found[name] = meta.path
        return {**found, **c.lists}

    def setup(self, shared: Shared) -> None:
        self._lists = load_word_lists(self.lists(), self.config.word_blocklist.substring_langs)

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        c = self.config.word_blocklist
        results: list[Document | Rejection] = []
        for doc in docs:
            lang = doc.meta.get("lang")
            lists = [self._lists[lang]] if lang in self._lists else [] if lang else list(self._lists.values())
            found = words = 0
            # split once for all the word-based lists (a document without `lang` meets every list)
            text_tokens = tokens(doc.text) if any(not wl.substrings for wl in lists) else None
            for word_list in lists:
                f, w = word_list.count(doc.text, text_tokens)
                found, words = found + f, max(words, w)
            if not found:
                results.append(doc)
                continue
            doc = doc.with_meta(word_blocklist={"matches": found, "ratio": round(found / max(words, 1), 6)})
            reason = None if self.config.annotate_only else blocklist_verdict(
                found, words, mode=c.mode, max_ratio=c.max_ratio
            )
            results.append(doc if reason is None else drop(doc, self.name, reason))
        return results


@dataclasses.dataclass(frozen=True)
class PiiStage:
    """Redacts PII with typed placeholders (transforms/pii.py); drops pages with more than `max_spans` spans
    (`too_much_pii`). `meta["pii"]`: spans per type; annotate-only: `pii_spans`, text unredacted."""

    config: SafetyConfig
    name: str = PII_STAGE

    def setup(self, shared: Shared) -> None:
        pass

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        c = self.config.pii
        results: list[Document | Rejection] = []
        for doc in docs:
            spans = find_pii(doc.text, c.types)
            if not spans:
                results.append(doc)
            elif self.config.annotate_only:
                results.append(doc.with_meta(pii=count_types(spans),
                                             pii_spans=[[s.type, s.start, s.end] for s in spans]))
            elif len(spans) > c.max_spans:
                results.append(drop(doc.with_meta(pii=count_types(spans)), self.name, "too_much_pii"))
            else:
                results.append(dataclasses.replace(doc, text=redact(doc.text, spans), meta={
                    **doc.meta, "pii": count_types(spans)}))
        return results


def safety_stages(config: SafetyConfig) -> tuple[list[Stage], list[Stage]]:
    """(the tagging stages that run right after clean, the filter stages that run after quality)."""
    if not config.enabled:
        return [], []
    tagging: list[Stage] = [BiasStage(config)] if config.bias.enabled else []
    filters: list[Stage] = []
    if config.opt_out.enabled:
        filters.append(OptOutStage(config))
    if config.url_blocklist.enabled:
        filters.append(UrlBlocklistStage(config))
    if config.word_blocklist.enabled:
        filters.append(WordBlocklistStage(config))
    if config.pii.enabled:
        filters.append(PiiStage(config))
    return tagging, filters

