#!/usr/bin/env python3
"""Generate corpusforge's own sample corpus: a few hundred small web pages and plain-text documents.

Everything this script writes was composed for this project: the texts come from the hand-written
templates in samples/templates/ (YAML), combined deterministically by one seeded `random.Random(20261127)`.
No third-party text is copied or paraphrased.

    python samples/make_sample.py            # writes next to this script (samples/)
    python samples/make_sample.py OUT_DIR    # writes into OUT_DIR instead

Output (byte-identical on every run, on the same Python and zlib):

    web/crawl-00.warc.gz      WARC/1.1, one gzip member per record: warcinfo, request/response pairs,
    web/crawl-01.warc.gz      metadata and revisit records; crawl-02 ends with one truncated record
    web/crawl-02.warc.gz
    jsonl/docs-00.jsonl       {"id", "text", "url", "date"} per line, with three hostile lines
    jsonl/docs-01.jsonl.gz    the same format, gzip-compressed, clean
    cases.json                what every page / line is (its planted case, language, expected fate);
                              the pipeline never reads it

Planted cases, their counts and the expected outcome of each are listed in samples/README.md.
Dependencies: the standard library and PyYAML, to read the templates (gzip members and WARC records are
written by hand, so that the bytes are fixed: gzip mtime=0, fixed WARC-Date values, WARC-Record-IDs from uuid5).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import email.utils
import hashlib
import html
import json
import random
import re
import struct
import sys
import unicodedata
import uuid
import zlib
from pathlib import Path
from typing import Any

import yaml

SEED = 20261127
BASE_DATE = _dt.datetime(2026, 11, 20, 8, 0, 0, tzinfo=_dt.UTC)
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://corpusforge.example/samples")
# Languages the sample recipe keeps; pages in any other language are planted `other_language` cases.
KEPT_LANGS = ("en", "ja", "zh", "de", "fr", "es")
OTHER_LANGS = ("it", "pt", "nl", "ru")
CJK = ("ja", "zh")  # no spaces between words: shingles are characters, sentences are joined without a space
BLOCKED_DOMAIN = "blocked-demo.example"
# Near duplicates are made to land in this band of `similarity()` to their original.
NEAR_DUP_RANGE = (0.80, 0.95)


# ---------------------------------------------------------------------------------------------------
# Text templates: samples/templates/<lang>.yaml, one genre per top-level key
#
# A genre is a list of sections. A document picks `pick` sentences from each section's pool (kept in
# pool order, so the text reads in order) and fills the {slots} with one value per slot per document.
# One section becomes one paragraph. samples/README.md ("Templates") describes the file format.
# ---------------------------------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parent / "templates"


def load_templates(name: str) -> Any:
    with (TEMPLATES / f"{name}.yaml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@dataclasses.dataclass(frozen=True)
class Section:
    pick: int
    sentences: list[str] = dataclasses.field(default_factory=list)
    # Take the pool from the document's topic instead; sections naming the same pool never repeat a sentence.
    from_topic: str | None = None
    lead: bool = False  # always start with the pool's first sentence (a forum thread opens with its question)
    prefix: str = ""  # put before the paragraph, e.g. "{user1} asked: "


@dataclasses.dataclass(frozen=True)
class Genre:
    name: str
    host: str
    site: str
    titles: list[str]
    sections: list[Section]
    slots: dict[str, list[str]]
    # Each "topic" is a dict of slot values (and optional section pools) used together.
    topics: list[dict[str, Any]]
    joiner: str  # between the sentences of a paragraph


def load_genres(lang: str) -> dict[str, Genre]:
    return {
        name: Genre(
            name=name,
            host=spec["site"]["host"],
            site=spec["site"]["name"],
            titles=spec["titles"],
            sections=[Section(**section) for section in spec["sections"]],
            slots=spec.get("slots", {}),
            topics=spec.get("topics", []),
            joiner="" if lang in CJK else " ",
        )
        for name, spec in load_templates(lang).items()
    }


GENRES = {lang: load_genres(lang) for lang in KEPT_LANGS + OTHER_LANGS}


# Site chrome per language; planted sentences (PII, blocklisted words); near-duplicate edits; the
# material of the low-quality pages.
CHROME = load_templates("chrome")
PLANTS = load_templates("plants")
NEAR_DUP = load_templates("near_duplicates")
LOW_QUALITY = load_templates("low_quality")


# ---------------------------------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------------------------------


class _Slots(dict):
    """Slot values; `{Dish}` is `{dish}` with a capital first letter."""

    def __missing__(self, key: str) -> str:
        low = key[:1].lower() + key[1:]
        if low != key and low in self:
            value = self[low]
            return value[:1].upper() + value[1:]
        raise KeyError(key)


def fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Slots(values))


def compose(genre: Genre, rng: random.Random, topic: dict[str, Any] | None) -> tuple[str, list[str], dict[str, str]]:
    """One document of `genre`: (title, paragraphs, slot values)."""
    topic = topic or {}
    values = {key: rng.choice(options) for key, options in genre.slots.items()}
    values.update({key: value for key, value in topic.items() if isinstance(value, str)})
    title = fill(rng.choice(genre.titles), values)
    taken_by_pool: dict[str | int, set[int]] = {}  # a topic pool by name, a section's own pool by its number
    paragraphs = []
    for number, section in enumerate(genre.sections):
        pool_key: str | int = number
        pool = section.sentences
        if section.from_topic is not None:
            pool_key, pool = section.from_topic, topic[section.from_topic]
            if isinstance(pool, str):
                pool = [pool]
        taken = taken_by_pool.setdefault(pool_key, set())
        # A sentence written "!..." is always used (a recipe never skips adding its main ingredient).
        fixed = [i for i, sentence in enumerate(pool) if sentence.startswith("!") or (section.lead and i == 0)]
        available = [i for i in range(len(pool)) if i not in taken and i not in fixed]
        picks = sorted(fixed + rng.sample(available, min(section.pick - len(fixed), len(available))))
        taken.update(picks)
        paragraphs.append(
            fill(section.prefix, values) + genre.joiner.join(fill(pool[i].removeprefix("!"), values) for i in picks)
        )
    return title, paragraphs, values


def shingles(text: str, lang: str, n: int = 5) -> set[str]:
    """Word 5-grams of the lower-cased text (character 5-grams without whitespace for ja/zh)."""
    if lang in CJK:
        chars = re.sub(r"\s+", "", text)
        return {chars[i : i + n] for i in range(max(1, len(chars) - n + 1))}
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def repetitive(text: str, lang: str) -> bool:
    """Whether repeated word 5-grams cover more than 12% of the characters (Gopher drops above 15%)."""
    if lang in CJK:
        return False
    words = re.findall(r"\w+", text.lower())
    grams = [tuple(words[i : i + 5]) for i in range(len(words) - 4)]
    seen: dict[tuple[str, ...], int] = {}
    for gram in grams:
        seen[gram] = seen.get(gram, 0) + 1
    covered = {j for i, gram in enumerate(grams) if seen[gram] > 1 for j in range(i, i + 5)}
    return sum(len(words[j]) for j in covered) > 0.12 * sum(len(w) for w in words)


def similarity(a: str, b: str, lang: str) -> float:
    """Jaccard similarity of `shingles`: what near-duplicate detection (MinHash) estimates."""
    sa, sb = shingles(a, lang), shingles(b, lang)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


@dataclasses.dataclass
class Doc:
    key: str
    source: str  # "warc" or "jsonl"
    lang: str
    genre: str
    title: str
    paragraphs: list[str]
    case: str = "normal"
    subcase: str | None = None
    host: str = ""
    site: str = ""
    path: str = ""
    url: str = ""
    heavy: bool = False
    duplicate_of: str | None = None
    similarity: float | None = None
    pii: list[dict[str, str]] = dataclasses.field(default_factory=list)
    words: list[str] = dataclasses.field(default_factory=list)
    variant: str | None = None
    links: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    date: str = ""

    @property
    def text(self) -> str:
        """The main text: title and paragraphs, one per line (what the page's <article> holds)."""
        return "\n".join([self.title, *self.paragraphs])

    @property
    def jsonl_text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "page"


# How often each genre comes up among a language's documents: a shuffled cycle (this order matters to the RNG).
GENRE_WEIGHTS = {
    "en": {"travel": 4, "recipe": 4, "news": 4, "product": 3, "howto": 3, "forum": 2},
    "ja": {"travel": 3, "recipe": 3, "product": 2, "diary": 3},
    "zh": {"travel": 2, "recipe": 2, "tech": 1},
    "de": {"travel": 3, "recipe": 3, "howto": 1},
    "fr": {"travel": 3, "recipe": 3, "news": 1},
    "es": {"travel": 3, "recipe": 3, "product": 1},
}


class Builder:
    """Composes every document in a fixed order from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.docs: list[Doc] = []
        self.by_key: dict[str, Doc] = {}
        self._genre_cycles: dict[str, list[Genre]] = {}
        self._topic_cycles: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._shingles: dict[str, list[set[str]]] = {}
        self._paths: set[str] = set()
        self._counter = 0

    # -- choosing what to write ------------------------------------------------------------------
    def next_genre(self, lang: str) -> Genre:
        cycle = self._genre_cycles.get(lang)
        if not cycle:
            cycle = [GENRES[lang][name] for name, weight in GENRE_WEIGHTS[lang].items() for _ in range(weight)]
            self.rng.shuffle(cycle)
            self._genre_cycles[lang] = cycle
        return cycle.pop()

    def next_topic(self, lang: str, genre: Genre, select: dict[str, str] | None = None) -> dict[str, Any] | None:
        if not genre.topics:
            return None
        if select is not None:
            return next(t for t in genre.topics if all(t.get(key) == value for key, value in select.items()))
        cycle = self._topic_cycles.get((lang, genre.name))
        if not cycle:
            cycle = list(genre.topics)
            self.rng.shuffle(cycle)
            self._topic_cycles[(lang, genre.name)] = cycle
        return cycle.pop()

    # -- documents -------------------------------------------------------------------------------
    def new_key(self, source: str, lang: str, case: str) -> str:
        self._counter += 1
        return f"{source}-{lang}-{case}-{self._counter:03d}"

    def add(self, doc: Doc) -> Doc:
        self.docs.append(doc)
        self.by_key[doc.key] = doc
        return doc

    def place(self, doc: Doc, host: str | None = None, site: str | None = None) -> None:
        """Give the document a host and a unique URL."""
        if host is None or site is None:  # a content page: on its genre's site
            genre = GENRES[doc.lang][doc.genre]
            host, site = host or genre.host, site or genre.site
        doc.host, doc.site = host, site
        self._counter += 1
        if doc.lang in ("en", "de", "fr", "es", "it", "pt", "nl") and doc.case != "low_quality":
            path = f"/{doc.genre}/{slugify(doc.title)}"
        else:
            path = f"/{doc.genre}/2026/{self._counter:04d}.html"
        while doc.host + path in self._paths:
            path += "-2"
        self._paths.add(doc.host + path)
        doc.path = path
        doc.url = f"https://{doc.host}{path}"
        month = self.rng.choice(["08", "09", "10", "11"])
        doc.date = f"2026-{month}-{self.rng.randint(1, 28):02d}"

    def content_doc(
        self,
        source: str,
        lang: str,
        case: str,
        genre_name: str | None = None,
        topic_select: dict[str, str] | None = None,
        distinct_below: float = 0.5,
    ) -> tuple[Doc, dict[str, str]]:
        """A well-formed document, kept clearly distinct from every earlier one of its language."""
        if genre_name is not None:
            genre = GENRES[lang][genre_name]
        elif lang in OTHER_LANGS:  # one genre each
            genre = next(iter(GENRES[lang].values()))
        else:
            genre = self.next_genre(lang)
        seen = self._shingles.setdefault(lang, [])
        for _attempt in range(50):
            topic = self.next_topic(lang, genre, topic_select)
            title, paragraphs, values = compose(genre, self.rng, topic)
            text = "\n".join([title, *paragraphs])
            sh = shingles(text, lang)
            if repetitive(text, lang):
                continue
            if all(len(sh & other) / len(sh | other) < distinct_below for other in seen):
                break
        else:  # pragma: no cover - the pools are large enough
            raise RuntimeError(f"could not compose a distinct {lang} {genre.name} document")
        seen.append(sh)
        doc = self.add(
            Doc(
                key=self.new_key(source, lang, case),
                source=source,
                lang=lang,
                genre=genre.name,
                title=title,
                paragraphs=paragraphs,
                case=case,
            )
        )
        return doc, values

    # -- planted cases ---------------------------------------------------------------------------
    def near_duplicate(self, original: Doc, source: str) -> Doc:
        """A copy with a few words changed and/or a sentence added, within NEAR_DUP_RANGE of the original."""
        lang = original.lang
        synonyms = NEAR_DUP["synonyms"].get(lang, [])
        extras = NEAR_DUP["extra_sentences"].get(lang, NEAR_DUP["extra_sentences"]["en"])
        low, high = NEAR_DUP_RANGE
        for _attempt in range(200):
            paragraphs = list(original.paragraphs)
            for step in range(12):
                if self.rng.random() < 0.7 and synonyms:
                    word, replacement = self.rng.choice(synonyms)
                    pattern = re.escape(word) if lang in CJK else r"\b" + re.escape(word) + r"\b"
                    hits = [(i, m) for i, p in enumerate(paragraphs) for m in re.finditer(pattern, p)]
                    if not hits:
                        continue
                    i, m = self.rng.choice(hits)
                    paragraphs[i] = paragraphs[i][: m.start()] + replacement + paragraphs[i][m.end() :]
                else:
                    i = self.rng.randrange(len(paragraphs))
                    joiner = "" if lang in CJK else " "
                    paragraphs[i] = paragraphs[i] + joiner + self.rng.choice(extras)
                sim = similarity(original.text, "\n".join([original.title, *paragraphs]), lang)
                if sim < low:
                    break
                if step >= 1 and sim <= high:
                    doc = self.add(
                        Doc(
                            key=self.new_key(source, lang, "near_duplicate"),
                            source=source,
                            lang=lang,
                            genre=original.genre,
                            title=original.title,
                            paragraphs=paragraphs,
                            case="near_duplicate",
                            duplicate_of=original.key,
                            similarity=round(sim, 4),
                        )
                    )
                    return doc
        raise RuntimeError(f"no near duplicate for {original.key}")  # pragma: no cover

    def exact_duplicate(self, original: Doc, source: str) -> Doc:
        return self.add(
            Doc(
                key=self.new_key(source, original.lang, "exact_duplicate"),
                source=source,
                lang=original.lang,
                genre=original.genre,
                title=original.title,
                paragraphs=list(original.paragraphs),
                case="exact_duplicate",
                duplicate_of=original.key,
                similarity=1.0,
            )
        )

    def low_quality(self, source: str, subcase: str, index: int) -> Doc:
        """Spam or junk of one `subcase`; `index` picks among the fixed variants (keyword sets, short pages)."""
        rng = self.rng
        lang, links = "en", []
        material = LOW_QUALITY[subcase]
        if subcase == "keyword_stuffing":
            variant = material[index % len(material)]
            lang, title, keywords = variant["lang"], variant["title"], variant["keywords"]
            sep = "　" if lang == "ja" else ", "
            end = "。" if lang == "ja" else "."
            phrases = []
            for _ in range(3 if lang == "ja" else 6):
                phrase = sep.join(rng.choice(keywords) for _ in range(rng.randint(8, 12)))
                phrases.append(phrase[:1].upper() + phrase[1:] + end)
            # Japanese has no spaces for word-level rules to count, so its stuffing also repeats whole lines.
            paragraphs = [rng.choice(phrases) for _ in range(12)] if lang == "ja" else phrases
        elif subcase == "repeated_lines":
            variant = material[index % len(material)]
            lang, title = variant["lang"], variant["title"]
            paragraphs = [variant["line"]] * rng.randint(20, 30)
        elif subcase == "link_farm":
            title = rng.choice(material["titles"])
            paragraphs = []
            for n in range(rng.randint(40, 55)):
                anchor = f"{rng.choice(material['adjectives'])} {rng.choice(material['nouns'])}"
                if rng.random() < 0.4:
                    anchor += f" {rng.choice(material['suffixes'])}"
                paragraphs.append(anchor)
                links.append((anchor, f"https://{slugify(anchor)}-{n}.linkfarm.example/"))
        elif subcase == "lorem_ipsum":
            title = rng.choice(material["titles"])
            paragraphs = []
            for p in range(rng.randint(3, 5)):
                sentences = []
                for _ in range(rng.randint(3, 5)):
                    words = [rng.choice(material["words"]) for _ in range(rng.randint(7, 14))]
                    if p == 0 and not sentences:
                        words = ["lorem", "ipsum", "dolor", "sit", "amet", *words]
                    sentence = " ".join(words)
                    sentences.append(sentence[:1].upper() + sentence[1:] + ".")
                paragraphs.append(" ".join(sentences))
        elif subcase == "too_short":
            variant = material[index % len(material)]
            lang, title, paragraphs = variant["lang"], variant["title"], list(variant["lines"])
        elif subcase == "symbols":
            title = rng.choice(material["titles"])
            paragraphs = [rng.choice(material["lines"]) for _ in range(rng.randint(14, 20))]
            paragraphs[rng.randrange(len(paragraphs))] = material["shout"]
        elif subcase == "bullet_list":
            title = rng.choice(material["titles"])
            paragraphs = ["• " + item for item in rng.sample(material["items"], rng.randint(16, 20))]
        elif subcase == "no_punctuation":
            lang = "es" if index % 3 == 2 else "en"
            parts = material[lang]
            title = parts["title"]
            paragraphs = []
            while len(paragraphs) < rng.randint(16, 22):
                line = " ".join(rng.choice(parts[part]) for part in ("numbers", "things", "places", "times"))
                if line not in paragraphs:
                    paragraphs.append(line)
        else:  # pragma: no cover
            raise ValueError(subcase)
        doc = self.add(
            Doc(
                key=self.new_key(source, lang, "low_quality"),
                source=source,
                lang=lang,
                genre="spam",
                title=title,
                paragraphs=paragraphs,
                case="low_quality",
                subcase=subcase,
                links=links,
            )
        )
        hosts = LOW_QUALITY["hosts"]
        self.place(doc, host=hosts[index % len(hosts)], site=LOW_QUALITY["site"])
        return doc


LOW_QUALITY_WARC = {
    "keyword_stuffing": 3,
    "repeated_lines": 3,
    "link_farm": 3,
    "lorem_ipsum": 2,
    "too_short": 4,
    "symbols": 2,
    "bullet_list": 2,
    "no_punctuation": 3,
}
LOW_QUALITY_JSONL = {
    "keyword_stuffing": 1,
    "repeated_lines": 1,
    "link_farm": 1,
    "lorem_ipsum": 1,
    "too_short": 2,
    "symbols": 1,
    "bullet_list": 1,
    "no_punctuation": 1,
}
NORMAL_WARC = {"en": 63, "ja": 30, "zh": 12, "de": 11, "fr": 11, "es": 11}
BOILERPLATE_WARC = {"en": 14, "ja": 6, "zh": 2, "de": 2, "fr": 2, "es": 2}
NORMAL_JSONL = {"en": 22, "ja": 12, "zh": 5, "de": 4, "fr": 4, "es": 3}
OTHER_WARC = {"it": 3, "pt": 3, "nl": 3, "ru": 3}
OTHER_JSONL = {"it": 1, "pt": 1}
EXACT_DUP_WARC = ["en", "en", "en", "en", "en", "ja", "ja", "de"]
EXACT_DUP_JSONL = ["en", "en", "ja", "zh"]
NEAR_DUP_WARC = ["en", "en", "en", "en", "en", "ja", "ja", "fr"]
# (language, source of the original): two JSONL near duplicates of JSONL documents, two of WARC pages.
NEAR_DUP_JSONL = [("en", "jsonl"), ("ja", "jsonl"), ("en", "warc"), ("de", "warc")]
BLOCKED_WARC = [
    ("en", "travel", "blocked-demo.example"),
    ("en", "recipe", "www.blocked-demo.example"),
    ("en", "product", "shop.blocked-demo.example"),
    ("ja", "diary", "blocked-demo.example"),
]
BLOCKED_JSONL = [("en", "news", "news.blocked-demo.example")]
DUP_URL_VARIANTS = [
    "?utm_source=newsletter&utm_medium=email",
    "http",
    "www",
    "?utm_source=social",
    "newsdigest",
    "?ref=homepage",
    "archive-mirror",
    "?utm_campaign=autumn",
]


def build_documents(rng: random.Random) -> Builder:
    b = Builder(rng)

    for lang, n in NORMAL_WARC.items():
        for _ in range(n):
            doc, _ = b.content_doc("warc", lang, "normal")
            b.place(doc)
    for lang, n in BOILERPLATE_WARC.items():
        for _ in range(n):
            doc, _ = b.content_doc("warc", lang, "boilerplate")
            doc.heavy = True
            b.place(doc)
    for lang, n in NORMAL_JSONL.items():
        for _ in range(n):
            doc, _ = b.content_doc("jsonl", lang, "normal")
            b.place(doc)

    # Planted sentences go before the last paragraph, filled with the document's own slot values.
    for plant in PLANTS["pii"]:
        doc, slots = b.content_doc(
            plant["source"], plant["lang"], "pii", genre_name=plant["genre"], topic_select=plant.get("topic")
        )
        doc.paragraphs.insert(len(doc.paragraphs) - 1, fill(plant["sentence"], slots))
        doc.pii = [dict(found) for found in plant["pii"]]
        b.place(doc)
    for plant in PLANTS["profanity"]:
        doc, slots = b.content_doc(plant["source"], plant["lang"], "profanity", genre_name=plant["genre"])
        doc.paragraphs.insert(len(doc.paragraphs) - 1, fill(plant["sentence"], slots))
        doc.words, doc.subcase = list(plant["words"]), plant["subcase"]
        b.place(doc)
    spam = PLANTS["adult_spam"]
    adult = b.add(
        Doc(
            key=b.new_key("warc", "en", "profanity"),
            source="warc",
            lang="en",
            genre="spam",
            title=spam["title"],
            paragraphs=list(spam["lines"]),
            case="profanity",
            subcase="adult_spam",
            words=list(spam["words"]),
        )
    )
    b.place(adult, host=spam["host"], site=spam["site"])

    for source, items in (("warc", BLOCKED_WARC), ("jsonl", BLOCKED_JSONL)):
        for lang, genre, host in items:
            doc, _ = b.content_doc(source, lang, "blocked_domain", genre_name=genre)
            b.place(doc, host=host, site="Blocked Demo")

    for source, counts in (("warc", OTHER_WARC), ("jsonl", OTHER_JSONL)):
        for lang, n in counts.items():
            for _ in range(n):
                doc, _ = b.content_doc(source, lang, "other_language", distinct_below=0.6)
                b.place(doc)

    # Encoding variants of otherwise normal WARC pages (chosen before duplicates, which copy bytes).
    normal_warc = [d for d in b.docs if d.source == "warc" and d.case == "normal"]
    wanted = [
        ("ja", "charset=shift_jis"),
        ("ja", "meta-charset=euc-jp"),
        ("zh", "charset=gbk"),
        ("fr", "charset=windows-1252"),
        ("de", "charset=iso-8859-1"),
        ("en", "content-encoding=gzip"),
        ("es", "content-encoding=gzip"),
        ("en", "transfer-encoding=chunked"),
    ]
    for lang, variant in wanted:
        codec = variant.split("=")[1] if "charset" in variant else "utf-8"
        for doc in normal_warc:
            if doc.lang == lang and doc.variant is None:
                try:
                    doc.text.encode(codec)
                except UnicodeEncodeError:
                    continue
                doc.variant = variant
                break
        else:  # pragma: no cover
            raise RuntimeError(f"no document for {variant}")

    originals = [d for d in normal_warc if d.variant is None]
    used: set[str] = set()

    def pick(lang: str, pool: list[Doc]) -> Doc:
        choice = rng.choice([d for d in pool if d.lang == lang and d.key not in used])
        used.add(choice.key)
        return choice

    for i, lang in enumerate(EXACT_DUP_WARC):
        original = pick(lang, originals)
        dup = b.exact_duplicate(original, "warc")
        variant = DUP_URL_VARIANTS[i % len(DUP_URL_VARIANTS)]
        dup.host, dup.site, dup.path, dup.date = original.host, original.site, original.path, original.date
        if variant.startswith("?"):
            dup.url = original.url + variant
        elif variant == "http":
            dup.url = "http://" + original.url[len("https://") :]
        elif variant == "www":
            dup.host = "www." + original.host
            dup.url = f"https://{dup.host}{original.path}"
        else:
            dup.host = f"{variant}.example"
            dup.url = f"https://{dup.host}/{original.host}{original.path}"
        dup.variant = f"url:{variant.lstrip('?').split('=')[0]}"
    jsonl_normal = [d for d in b.docs if d.source == "jsonl" and d.case == "normal"]
    for i, lang in enumerate(EXACT_DUP_JSONL):
        original = pick(lang, jsonl_normal)
        dup = b.exact_duplicate(original, "jsonl")
        b.place(dup, host=original.host, site=original.site)
        dup.url = original.url + ("?ref=rss" if i % 2 == 0 else "?page=1")
        dup.variant = "url:query"

    for lang in NEAR_DUP_WARC:
        original = pick(lang, originals)
        near = b.near_duplicate(original, "warc")
        b.place(near, host=rng.choice([original.host, "newsdigest.example"]), site=original.site)
    for lang, origin in NEAR_DUP_JSONL:
        original = pick(lang, originals if origin == "warc" else jsonl_normal)
        near = b.near_duplicate(original, "jsonl")
        b.place(near, host=original.host, site=original.site)
        near.variant = f"original_in:{origin}"

    malformed, _ = b.content_doc("warc", "en", "malformed")  # written last, cut off mid-record
    b.place(malformed)

    for source, counts in (("warc", LOW_QUALITY_WARC), ("jsonl", LOW_QUALITY_JSONL)):
        for subcase, n in counts.items():
            offset = LOW_QUALITY_WARC[subcase] if source == "jsonl" else 0  # no accidental cross-source twins
            for i in range(n):
                b.low_quality(source, subcase, offset + i)
    return b


# ---------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------

STYLE = (
    "body{font-family:Georgia,serif;margin:0 auto;max-width:52rem;line-height:1.5}"
    ".cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:1rem}"
    "nav ul{display:flex;gap:1rem;list-style:none}.sidebar{font-size:.9rem}"
)
CONSENT_SCRIPT = (
    'document.addEventListener("DOMContentLoaded",function(){var b=document.getElementById("cookie-banner");'
    'if(window.localStorage&&localStorage.getItem("consent")==="yes"){b.hidden=true;}'
    'b.querySelector("button").onclick=function(){localStorage.setItem("consent","yes");b.hidden=true;};});'
)
ANALYTICS_SCRIPT = 'window.siteStats=window.siteStats||[];siteStats.push(["pageview",location.pathname]);'


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def render_article(doc: Doc) -> list[str]:
    lines = ["<article>", f"<h1>{esc(doc.title)}</h1>"]
    if doc.subcase == "link_farm":
        lines.append('<ul class="links">')
        lines += [f'<li><a href="{attr(href)}">{esc(text)}</a></li>' for text, href in doc.links]
        lines.append("</ul>")
    elif doc.subcase == "bullet_list":
        lines.append("<ul>")
        lines += [f"<li>{esc(p)}</li>" for p in doc.paragraphs]
        lines.append("</ul>")
    else:
        lines += [f"<p>{esc(p)}</p>" for p in doc.paragraphs]
    lines.append("</article>")
    return lines


def render_page(doc: Doc, rng: random.Random, related: list[Doc], charset: str) -> str:
    """The page's HTML: the article, inside light (normal) or heavy (boilerplate case) site chrome."""
    chrome = CHROME.get(doc.lang)
    head = ["<!DOCTYPE html>", f'<html lang="{doc.lang}">', "<head>"]
    if charset == "euc-jp":
        head.append('<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">')
    else:
        head.append(f'<meta charset="{charset}">')
    head += [
        f"<title>{esc(doc.title)} | {esc(doc.site)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="canonical" href="{attr(doc.url)}">',
    ]
    body: list[str] = []
    if doc.genre == "spam":  # low-quality pages: hardly any chrome
        head.append("</head>")
        body = [
            "<body>",
            f'<div class="top">{esc(doc.site)}</div>',
            *render_article(doc),
            f"<script>{ANALYTICS_SCRIPT}</script>",
            "</body>",
            "</html>",
        ]
        return "\n".join(head + body) + "\n"
    if not doc.heavy or chrome is None:
        head += ['<link rel="stylesheet" href="/static/site.css">', "</head>"]
        body = ["<body>", '<header class="site-header">', f'<a class="logo" href="/">{esc(doc.site)}</a>']
        if chrome is not None:
            body.append(
                "<nav>"
                + " ".join(f'<a href="/{slugify(item)}/">{esc(item)}</a>' for item in chrome["nav"][:4])
                + "</nav>"
            )
        body += [
            "</header>",
            "<main>",
            f'<div class="post-meta"><time datetime="{doc.date}">{doc.date}</time></div>',
            *render_article(doc),
            "</main>",
            f"<footer><p>© 2026 {esc(doc.site)}</p></footer>",
            "</body>",
            "</html>",
        ]
        return "\n".join(head + body) + "\n"

    head += [f"<style>{STYLE}</style>", f"<script>{ANALYTICS_SCRIPT}</script>", "</head>"]
    c = chrome
    comments = []
    for commenter, text in zip(rng.sample(c["commenters"], 3), rng.sample(c["comment_texts"], 3)):
        comments += [
            '<div class="comment">',
            f'<span class="author">{esc(commenter)}</span> <time>{doc.date}</time>',
            f"<p>{esc(text)}</p>",
            f'<a class="reply" href="#">{esc(c["reply"])}</a>',
            "</div>",
        ]
    body = [
        "<body>",
        '<div class="cookie-banner" id="cookie-banner">',
        f"<p>{esc(c['cookie'])}</p>",
        f'<button type="button">{esc(c["accept"])}</button> <button type="button">{esc(c["settings"])}</button>',
        "</div>",
        '<header class="site-header">',
        f'<a class="logo" href="/">{esc(doc.site)}</a>',
        "<nav><ul>"
        + "".join(f'<li><a href="/{slugify(item) or "section"}/">{esc(item)}</a></li>' for item in c["nav"])
        + "</ul></nav>",
        f'<form class="search" action="/search"><input type="search" name="q" placeholder="{attr(c["search"])}"></form>',
        f'<a class="login" href="/login">{esc(c["login"])}</a>',
        "</header>",
        f'<div class="breadcrumbs"><a href="/">{esc(c["home"])}</a> › <a href="/{doc.genre}/">{esc(c["nav"][1])}</a></div>',
        "<main>",
        f'<div class="post-meta">{esc(c["posted"])} <time datetime="{doc.date}">{doc.date}</time> · {rng.randint(3, 9)} {esc(c["read"])}</div>',
        *render_article(doc),
        f'<div class="share">{esc(c["share"])} <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>',
        '<aside class="related">',
        f"<h2>{esc(c['related'])}</h2>",
        "<ul>",
        *[f'<li><a href="{attr(other.path)}">{esc(other.title)}</a></li>' for other in related[:4]],
        "</ul>",
        "</aside>",
        '<section class="comments">',
        f"<h2>{esc(c['comments'])} (3)</h2>",
        *comments,
        "</section>",
        "</main>",
        '<aside class="sidebar">',
        (
            f'<div class="newsletter"><h3>{esc(c["newsletter"])}</h3><p>{esc(c["newsletter_text"])}</p>'
            f'<input type="email" placeholder="you@example.com"><button type="button">{esc(c["subscribe"])}</button></div>'
        ),
        f'<div class="ad">{esc(c["ad"])}</div>',
        f'<div class="popular"><h3>{esc(c["popular"])}</h3><ol>'
        + "".join(f'<li><a href="{attr(other.path)}">{esc(other.title)}</a></li>' for other in related[4:7])
        + "</ol></div>",
        "</aside>",
        "<footer>",
        "<ul>"
        + "".join(f'<li><a href="/{slugify(item) or "info"}/">{esc(item)}</a></li>' for item in c["footer"])
        + "</ul>",
        f"<p>© 2026 {esc(doc.site)}. {esc(c['rights'])}</p>",
        "</footer>",
        f"<script>{CONSENT_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(head + body) + "\n"


def tiny_png() -> bytes:
    """An 8x8 two-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(b"\x1f\x6f\xa8" if (x + y) % 2 else b"\xf2\xe8\xd5" for x in range(8)) for y in range(8)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def tiny_pdf() -> bytes:
    """A one-page PDF with one line of text, with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 72 720 Td (Harbor Kitchen weekly menu) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def error_page(title: str, message: str, lang: str = "en") -> bytes:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{esc(title)}</title></head>\n'
        f"<body><h1>{esc(title)}</h1><p>{esc(message)}</p></body>\n</html>\n"
    ).encode()


# (url, status, reason, content type, body, extra headers, case)
def extra_responses() -> list[tuple[str, int, str, str, bytes, list[tuple[str, str]], str]]:
    products = json.dumps(
        {
            "products": [
                {"id": 101, "name": "Kestrel One electric kettle", "price": 49.9},
                {"id": 102, "name": "Tidewell Trail backpack", "price": 89.0},
            ]
        },
        indent=2,
    ).encode()
    css = b"body{margin:0;font-family:Georgia,serif}\n.site-header{display:flex;gap:1rem}\n.comment{border-top:1px solid #ddd}\n"
    js = b'(function(){"use strict";var y=document.querySelectorAll(".reply");for(var i=0;i<y.length;i++){y[i].hidden=false;}})();\n'
    return [
        (
            "https://harborkitchen.example/files/weekly-menu.pdf",
            200,
            "OK",
            "application/pdf",
            tiny_pdf(),
            [],
            "non_html",
        ),
        ("https://slowroads.example/images/logo.png", 200, "OK", "image/png", tiny_png(), [], "non_html"),
        ("https://gearnest.example/api/products.json", 200, "OK", "application/json", products, [], "non_html"),
        ("https://valleygazette.example/static/site.css", 200, "OK", "text/css; charset=utf-8", css, [], "non_html"),
        ("https://fixitforum.example/static/app.js", 200, "OK", "application/javascript", js, [], "non_html"),
        (
            "http://slowroads.example/travel/lisbon",
            301,
            "Moved Permanently",
            "text/html; charset=utf-8",
            error_page("Moved", "This page has moved."),
            [("Location", "https://slowroads.example/travel/")],
            "non_200",
        ),
        (
            "https://harborkitchen.example/recipe/old-christmas-menu",
            404,
            "Not Found",
            "text/html; charset=utf-8",
            error_page(
                "Page not found",
                "Sorry, we could not find the page you were looking for. Try the search box or browse our latest recipes instead.",
            ),
            [],
            "non_200",
        ),
        (
            "https://tabi-techo.example/travel/2025/0001.html",
            404,
            "Not Found",
            "text/html; charset=utf-8",
            error_page(
                "ページが見つかりません",
                "お探しのページは移動または削除された可能性があります。お手数ですが、トップページから目的の記事をお探しください。",
                "ja",
            ),
            [],
            "non_200",
        ),
        (
            "https://gearnest.example/cart/checkout",
            500,
            "Internal Server Error",
            "text/html; charset=utf-8",
            error_page("Something went wrong", "An unexpected error occurred. Please try again in a few minutes."),
            [],
            "non_200",
        ),
        (
            "https://valleygazette.example/search?q=bridge",
            503,
            "Service Unavailable",
            "text/html; charset=utf-8",
            error_page("Down for maintenance", "We are carrying out scheduled maintenance and will be back shortly."),
            [("Retry-After", "3600")],
            "non_200",
        ),
    ]


# ---------------------------------------------------------------------------------------------------
# WARC and JSONL writers
# ---------------------------------------------------------------------------------------------------


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def iso(moment: _dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(moment: _dt.datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def warc_record(fields: list[tuple[str, str]], block: bytes) -> bytes:
    head = "WARC/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields)
    head += f"WARC-Block-Digest: {sha1_b32(block)}\r\nContent-Length: {len(block)}\r\n\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def gzip_member(data: bytes) -> bytes:
    """One gzip member with a fixed header: mtime 0, no file name, XFL 2 (best compression), OS 255 (unknown).

    Written by hand because `gzip.compress(mtime=0)` sets the OS byte differently across Python versions.
    """
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; zlib.compress(wbits=) needs Python 3.11
    return header + deflate.compress(data) + deflate.flush() + trailer


def chunked(body: bytes, size: int = 1500) -> bytes:
    parts = [b"%x\r\n" % len(body[i : i + size]) + body[i : i + size] + b"\r\n" for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def host_ip(host: str) -> str:
    return f"192.0.2.{int(hashlib.sha1(host.encode()).hexdigest(), 16) % 250 + 2}"


class WarcOut:
    """One .warc.gz file: one gzip member per record, deterministic ids and dates."""

    def __init__(self, relname: str, day: int, rng: random.Random) -> None:
        self.relname = relname
        self.rng = rng
        self.members: list[bytes] = []
        self.size = 0
        self.clock = BASE_DATE + _dt.timedelta(days=day)
        self.type_counts: dict[str, int] = {}
        self.info_id = self.record_id("warcinfo", relname)
        info = (
            "software: corpusforge samples/make_sample.py\r\nformat: WARC File Format 1.1\r\n"
            "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
            "isPartOf: corpusforge-sample\r\nhostname: crawler.corpusforge.example\r\nrobots: classic\r\n"
            "description: Sample crawl for the corpusforge quickstart; every page was written for the project.\r\n"
        )
        self.write(
            "warcinfo",
            warc_record(
                [
                    ("WARC-Type", "warcinfo"),
                    ("WARC-Record-ID", self.info_id),
                    ("WARC-Date", iso(self.clock)),
                    ("WARC-Filename", relname.split("/")[-1]),
                    ("Content-Type", "application/warc-fields"),
                ],
                info.encode("utf-8"),
            ),
        )

    def record_id(self, kind: str, uri: str) -> str:
        return f"<urn:uuid:{uuid.uuid5(UUID_NAMESPACE, f'{self.relname}#{len(self.members)}#{kind}#{uri}')}>"

    def write(self, kind: str, record: bytes, truncate_to: float | None = None) -> tuple[int, int]:
        member = gzip_member(record)
        if truncate_to is not None:
            member = member[: int(len(member) * truncate_to)]
        index, offset = len(self.members), self.size
        self.members.append(member)
        self.size += len(member)
        self.type_counts[kind] = self.type_counts.get(kind, 0) + 1
        return index, offset

    def tick(self) -> str:
        self.clock += _dt.timedelta(seconds=self.rng.randint(2, 45))
        return iso(self.clock)

    def request(self, url: str, lang: str, date: str, concurrent_to: str) -> None:
        scheme_host, _, path = url.partition("://")[2].partition("/")
        block = (
            f"GET /{path} HTTP/1.1\r\nHost: {scheme_host}\r\n"
            f"User-Agent: corpusforge-sample/1.0 (+https://corpusforge.example/crawler)\r\n"
            f"Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\nAccept-Language: {lang},en;q=0.5\r\n"
            f"Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        ).encode()
        self.write(
            "request",
            warc_record(
                [
                    ("WARC-Type", "request"),
                    ("WARC-Record-ID", self.record_id("request", url)),
                    ("WARC-Date", date),
                    ("WARC-Target-URI", url),
                    ("WARC-Concurrent-To", concurrent_to),
                    ("WARC-Warcinfo-ID", self.info_id),
                    ("Content-Type", "application/http; msgtype=request"),
                ],
                block,
            ),
        )

    def response(
        self,
        url: str,
        lang: str,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        body: bytes,
        payload: bytes | None = None,
        truncate_to: float | None = None,
    ) -> dict[str, Any]:
        """A request record followed by its response record; returns where the response is."""
        date = self.tick()
        response_id = self.record_id("response", url)
        self.request(url, lang, date, response_id)
        headers = [(k, http_date(self.clock) if k == "Date" else v) for k, v in headers]
        http_head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        block = http_head.encode("latin-1") + body
        fields = [
            ("WARC-Type", "response"),
            ("WARC-Record-ID", response_id),
            ("WARC-Date", date),
            ("WARC-Target-URI", url),
            ("WARC-IP-Address", host_ip(url.split("/")[2])),
            ("WARC-Warcinfo-ID", self.info_id),
            ("Content-Type", "application/http; msgtype=response"),
            ("WARC-Payload-Digest", sha1_b32(body if payload is None else payload)),
        ]
        index, offset = self.write("response", warc_record(fields, block), truncate_to)
        return {
            "record": index,
            "offset": offset,
            "record_id": response_id,
            "date": date,
            "http_head": http_head,
            "payload_digest": sha1_b32(body if payload is None else payload),
        }

    def metadata(self, url: str, concurrent_to: str, date: str) -> None:
        block = (
            f"via: https://{url.split('/')[2]}/\r\nhopsFromSeed: L\r\n"
            f"fetchTimeMs: {self.rng.randint(80, 900)}\r\noutlinks: {self.rng.randint(5, 60)}\r\n"
        ).encode()
        self.write(
            "metadata",
            warc_record(
                [
                    ("WARC-Type", "metadata"),
                    ("WARC-Record-ID", self.record_id("metadata", url)),
                    ("WARC-Date", date),
                    ("WARC-Target-URI", url),
                    ("WARC-Concurrent-To", concurrent_to),
                    ("WARC-Warcinfo-ID", self.info_id),
                    ("Content-Type", "application/warc-fields"),
                ],
                block,
            ),
        )

    def revisit(self, url: str, lang: str, original: dict[str, Any]) -> dict[str, Any]:
        date = self.tick()
        revisit_id = self.record_id("revisit", url)
        self.request(url, lang, date, revisit_id)
        block = original["http_head"].encode("latin-1")
        fields = [
            ("WARC-Type", "revisit"),
            ("WARC-Record-ID", revisit_id),
            ("WARC-Date", date),
            ("WARC-Target-URI", url),
            ("WARC-Warcinfo-ID", self.info_id),
            ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
            ("WARC-Refers-To", original["record_id"]),
            ("WARC-Refers-To-Target-URI", url),
            ("WARC-Refers-To-Date", original["date"]),
            ("Content-Type", "application/http; msgtype=response"),
            ("WARC-Payload-Digest", original["payload_digest"]),
        ]
        index, offset = self.write("revisit", warc_record(fields, block))
        return {"record": index, "offset": offset}

    def data(self) -> bytes:
        return b"".join(self.members)


# ---------------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------------

# case -> (what it is, what the pipeline should do with it)
CASES = {
    "normal": (
        "A well-formed page or document in a kept language; web pages sit in light site chrome (logo, short nav, footer).",
        "keep",
    ),
    "boilerplate": (
        (
            "A well-formed article inside heavy site chrome: cookie banner, navigation, search, breadcrumbs, "
            "share links, related articles, a comment section, a newsletter box, an ad slot, a footer and "
            "scripts."
        ),
        "keep",
    ),
    "exact_duplicate": (
        (
            "The same text as `duplicate_of` under another URL (tracking parameters, http, www, mirror "
            "hosts); WARC copies have byte-identical HTML."
        ),
        "drop:exact_dedup",
    ),
    "near_duplicate": (
        (
            "A copy of `duplicate_of` with a few words changed and/or a sentence added; `similarity` is "
            "the shingle Jaccard to it."
        ),
        "drop:near_dedup",
    ),
    "low_quality": (
        (
            "Spam or junk, by `subcase`: keyword_stuffing, repeated_lines, link_farm, lorem_ipsum, "
            "too_short, symbols, bullet_list, no_punctuation."
        ),
        "drop:quality",
    ),
    "pii": (
        "A well-formed document with planted PII, listed in `pii` (reserved or test values only).",
        "keep_redacted",
    ),
    "profanity": (
        (
            "A document with a blocklisted word, listed in `words`: plain profanity, an innocent use "
            "(`innocent_context`), or adult spam."
        ),
        "drop:word_blocklist",
    ),
    "blocked_domain": (f"A well-formed document on a host under {BLOCKED_DOMAIN}.", "drop:url_blocklist"),
    "other_language": (
        "A well-formed document in a language the sample recipe does not keep (it, pt, nl, ru).",
        "drop:language",
    ),
    "non_html": ("A 200 response that is not HTML: PDF, PNG, JSON, CSS, JavaScript.", "skip"),
    "non_200": ("A 301, 404, 500 or 503 response.", "skip"),
    "revisit": ("A revisit record (identical-payload-digest profile) of an earlier response in the same file.", "skip"),
    "malformed": (
        "The last record of web/crawl-02.warc.gz: a response whose gzip member is cut off mid-stream.",
        "dead_letter",
    ),
    "invalid_json": ("A JSONL line that is not valid JSON (cut off mid-string).", "dead_letter"),
    "blank_line": ("An empty JSONL line.", "skip"),
    "missing_text": ("A JSONL object with no `text` field.", "dead_letter"),
}
CHARSET_HEADER = {
    "utf-8": "utf-8",
    "shift_jis": "Shift_JIS",
    "gbk": "GBK",
    "windows-1252": "windows-1252",
    "iso-8859-1": "ISO-8859-1",
    "euc-jp": None,
}
WARC_FILES = ["web/crawl-00.warc.gz", "web/crawl-01.warc.gz", "web/crawl-02.warc.gz"]
JSONL_FILES = ["jsonl/docs-00.jsonl", "jsonl/docs-01.jsonl.gz"]


def doc_entry(doc: Doc) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": doc.key, "case": doc.case}
    for name in ("subcase", "lang", "genre", "variant", "duplicate_of", "similarity"):
        value = getattr(doc, name)
        if value is not None:
            entry[name] = value
    if doc.pii:
        entry["pii"] = doc.pii
    if doc.words:
        entry["words"] = doc.words
    entry["expect"] = CASES[doc.case][1]
    return entry


def render_response(
    doc: Doc, rng: random.Random, related: list[Doc]
) -> tuple[list[tuple[str, str]], bytes, bytes, str]:
    """(HTTP headers, body as sent, payload for the digest, charset) for one page."""
    variant = doc.variant or ""
    charset = variant.split("=")[1] if "charset=" in variant else "utf-8"
    page = render_page(doc, rng, related, charset).encode(charset, errors="xmlcharrefreplace")  # © in sjis &c.
    content_type = "text/html" if CHARSET_HEADER[charset] is None else f"text/html; charset={CHARSET_HEADER[charset]}"
    date = _dt.datetime.strptime(doc.date, "%Y-%m-%d").replace(hour=9, tzinfo=_dt.UTC)
    headers = [("Date", http_date(BASE_DATE)), ("Server", "nginx"), ("Content-Type", content_type)]
    body, payload = page, page
    if variant == "content-encoding=gzip":
        body = payload = gzip_member(page)
        headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
    if variant == "transfer-encoding=chunked":
        body = chunked(page)
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    headers += [("Last-Modified", http_date(date)), ("Cache-Control", "max-age=600"), ("Connection", "close")]
    return headers, body, payload, charset


def generate(out_dir: Path) -> dict[str, Any]:
    rng = random.Random(SEED)
    builder = build_documents(rng)
    docs = builder.docs

    # Render every original page once; exact duplicates reuse the original's bytes.
    rendered: dict[str, tuple[list[tuple[str, str]], bytes, bytes, str]] = {}
    for doc in docs:
        if doc.source != "warc" or doc.case == "exact_duplicate":
            continue
        related = [
            d
            for d in docs
            if d.source == "warc"
            and d.case == "normal"
            and d.key != doc.key
            and (d.lang, d.genre) == (doc.lang, doc.genre)
        ]  # the same site's other articles
        related = rng.sample(related, min(7, len(related))) if doc.heavy else []
        rendered[doc.key] = render_response(doc, rng, related)
    for doc in docs:
        if doc.source == "warc" and doc.case == "exact_duplicate":
            rendered[doc.key] = rendered[doc.duplicate_of]

    malformed = next(d for d in docs if d.case == "malformed")
    items: list[Any] = [d for d in docs if d.source == "warc" and d is not malformed] + extra_responses()
    rng.shuffle(items)
    third = (len(items) + 2) // 3
    chunks = [items[:third], items[third : 2 * third], items[2 * third :]]

    originals_of_copies = {d.duplicate_of for d in docs if d.duplicate_of}
    entries: list[dict[str, Any]] = []
    warc_bytes: dict[str, bytes] = {}
    warc_types: dict[str, dict[str, int]] = {}
    for file_no, (relname, chunk) in enumerate(zip(WARC_FILES, chunks)):
        out = WarcOut(relname, file_no, rng)
        revisit_of = None
        for position, item in enumerate(chunk):
            if isinstance(item, Doc):
                headers, body, payload, charset = rendered[item.key]
                where = out.response(item.url, item.lang, 200, "OK", headers, body, payload)
                entry = {
                    "source": "warc",
                    "file": relname,
                    "record": where["record"],
                    "offset": where["offset"],
                    "warc_type": "response",
                    "url": item.url,
                    "status": 200,
                    "content_type": dict(headers)["Content-Type"],
                    "charset": charset,
                    **doc_entry(item),
                }
                if (
                    file_no == 1
                    and revisit_of is None
                    and item.case == "normal"
                    and item.lang == "en"
                    and item.variant is None
                    and item.key not in originals_of_copies
                ):
                    revisit_of = (item, where)
            else:
                url, status, reason, content_type, body, extra, case = item
                headers = [
                    ("Date", http_date(BASE_DATE)),
                    ("Server", "nginx"),
                    ("Content-Type", content_type),
                    ("Content-Length", str(len(body))),
                    *extra,
                    ("Connection", "close"),
                ]
                where = out.response(url, "en", status, reason, headers, body)
                entry = {
                    "source": "warc",
                    "file": relname,
                    "record": where["record"],
                    "offset": where["offset"],
                    "warc_type": "response",
                    "url": url,
                    "status": status,
                    "content_type": content_type,
                    "case": case,
                    "expect": CASES[case][1],
                }
            entries.append(entry)
            if (file_no, position) in {(0, 2), (0, 9), (1, 4), (1, 19)}:
                out.metadata(entry["url"], where["record_id"], where["date"])
        if revisit_of is not None:
            doc, original = revisit_of
            where = out.revisit(doc.url, doc.lang, original)
            entries.append(
                {
                    "source": "warc",
                    "file": relname,
                    "record": where["record"],
                    "offset": where["offset"],
                    "warc_type": "revisit",
                    "url": doc.url,
                    "status": 200,
                    "case": "revisit",
                    "refers_to_record": original["record"],
                    "expect": CASES["revisit"][1],
                }
            )
        if file_no == 2:
            headers, body, payload, charset = rendered[malformed.key]
            where = out.response(malformed.url, malformed.lang, 200, "OK", headers, body, payload, truncate_to=0.6)
            entries.append(
                {
                    "source": "warc",
                    "file": relname,
                    "record": where["record"],
                    "offset": where["offset"],
                    "warc_type": "response",
                    "url": malformed.url,
                    "status": 200,
                    "content_type": dict(headers)["Content-Type"],
                    "charset": charset,
                    **doc_entry(malformed),
                }
            )
        warc_bytes[relname] = out.data()
        warc_types[relname] = dict(sorted(out.type_counts.items()))

    # JSONL: documents in shuffled order, three hostile lines in the plain file.
    jsonl_docs = [d for d in docs if d.source == "jsonl"]
    rng.shuffle(jsonl_docs)
    split = 44
    jsonl_lines: dict[str, list[str]] = {name: [] for name in JSONL_FILES}
    next_id = 1
    hostile_at = {9: "invalid_json", 21: "blank_line", 33: "missing_text"}
    for relname, group in ((JSONL_FILES[0], jsonl_docs[:split]), (JSONL_FILES[1], jsonl_docs[split:])):
        lines = jsonl_lines[relname]
        for doc in group:
            if relname == JSONL_FILES[0] and len(lines) + 1 in hostile_at:
                case = hostile_at[len(lines) + 1]
                record_id = f"sample-{next_id:04d}"
                next_id += 1
                if case == "invalid_json":
                    lines.append(
                        f'{{"id": "{record_id}", "text": "Opening hours change in December, so please check the'
                    )
                elif case == "blank_line":
                    lines.append("")
                else:
                    lines.append(
                        json.dumps(
                            {
                                "id": record_id,
                                "url": "https://harborkitchen.example/recipe/draft",
                                "date": "2026-10-02",
                            },
                            ensure_ascii=False,
                        )
                    )
                entry = {"source": "jsonl", "file": relname, "line": len(lines), "case": case, "expect": CASES[case][1]}
                if case != "blank_line":
                    entry["id"] = record_id
                entries.append(entry)
            record_id = f"sample-{next_id:04d}"
            next_id += 1
            lines.append(
                json.dumps(
                    {"id": record_id, "text": doc.jsonl_text, "url": doc.url, "date": doc.date}, ensure_ascii=False
                )
            )
            entries.append(
                {
                    "source": "jsonl",
                    "file": relname,
                    "line": len(lines),
                    "id": record_id,
                    "url": doc.url,
                    **doc_entry(doc),
                }
            )

    # Write everything.
    outputs: dict[str, bytes] = dict(warc_bytes)
    outputs[JSONL_FILES[0]] = ("\n".join(jsonl_lines[JSONL_FILES[0]]) + "\n").encode("utf-8")
    outputs[JSONL_FILES[1]] = gzip_member(("\n".join(jsonl_lines[JSONL_FILES[1]]) + "\n").encode("utf-8"))

    text_entries = [e for e in entries if "lang" in e]
    by_case: dict[str, dict[str, int]] = {}
    for e in entries:
        counts = by_case.setdefault(e["case"], {"total": 0, "warc": 0, "jsonl": 0})
        counts["total"] += 1
        counts[e["source"]] += 1
    by_lang: dict[str, int] = {}
    for e in text_entries:
        by_lang[e["lang"]] = by_lang.get(e["lang"], 0) + 1
    subcases: dict[str, int] = {}
    for e in entries:
        if e["case"] == "low_quality":
            subcases[e["subcase"]] = subcases.get(e["subcase"], 0) + 1
    manifest = {
        "about": "What every WARC response/revisit record and every JSONL line of the sample is. Written by "
        "samples/make_sample.py; the pipeline never reads this file.",
        "seed": SEED,
        "kept_languages": list(KEPT_LANGS),
        "blocked_domain": BLOCKED_DOMAIN,
        "similarity": "Jaccard similarity of word 5-gram shingles of the lower-cased text (character 5-grams, "
        "whitespace removed, for ja and zh), on the title and paragraphs",
        "near_duplicate_range": list(NEAR_DUP_RANGE),
        "cases": {
            name: {"description": description, "expect": expect} for name, (description, expect) in CASES.items()
        },
        "counts": {
            "documents": len(text_entries),
            "by_case": dict(sorted(by_case.items(), key=lambda kv: list(CASES).index(kv[0]))),
            "low_quality_subcases": dict(sorted(subcases.items())),
            "by_language": dict(sorted(by_lang.items(), key=lambda kv: (-kv[1], kv[0]))),
            "warc_records": warc_types,
            "jsonl_lines": {name: len(lines) for name, lines in jsonl_lines.items()},
        },
        "entries": entries,
    }
    outputs["cases.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    for relname, data in outputs.items():
        path = out_dir / relname
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return manifest


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    manifest = generate(out_dir)
    counts = manifest["counts"]
    print(f"wrote the sample corpus to {out_dir}: {counts['documents']} documents")
    for case, n in counts["by_case"].items():
        print(f"  {case:16} {n['total']:4}  (warc {n['warc']}, jsonl {n['jsonl']})")
    print("  languages: " + ", ".join(f"{lang} {n}" for lang, n in counts["by_language"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
