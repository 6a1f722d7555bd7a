"""Identity-term tagging for the bias audit: which demographic groups a document mentions.

Each document is tagged once, right after cleaning and before the first filter, with the sorted groups
whose terms it contains (`meta["groups"]`, e.g. `["gender:female", "religion:muslim"]`). The tags travel
with kept and dropped documents (`Rejection.groups`), and the accounting counts, per filtering stage and
group, the documents reaching it and those it drops, so `accounting.bias_audit` can say whether a filter
removes text mentioning a group more often than other text (as Dodge et al. 2021 found C4's word list did).

The shipped lexicon (`DEFAULT_LEXICON`) is small and deliberately plain: English and Japanese identity nouns
and adjectives for gender, sexuality, religion, ethnicity and nationality, and disability; no pronouns, no
words that are mostly used in other senses (`black`, `white`), and, since tagging runs before language ID,
no words that are common words of other languages (`man` in German, `son` in French and Spanish). It is a
measuring instrument, not a classifier: a mention is not a topic. Users pass their own lexicon
(`safety.bias.lexicon`: a YAML file of the same shape, `{lang: {group: [terms]}}`). Tagging runs before
language ID, so every language's terms are matched: on word tokens for languages written with spaces, as
substrings for ja, zh and th.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import ConfigError, SafetyConfig
from corpusforge.transforms.safety.word_blocklist import tokens
from corpusforge.transforms.stages import Filter, Outcome, Signals, Stage, TextView

SUBSTRING_LANGS = frozenset({"ja", "zh", "th"})

DEFAULT_LEXICON: dict[str, dict[str, list[str]]] = {
    "en": {
        "gender:female": [
            "woman",
            "women",
            "girl",
            "girls",
            "female",
            "females",
            "mother",
            "mothers",
            "daughter",
            "daughters",
            "wife",
            "wives",
            "sister",
            "sisters",
            "lady",
            "ladies",
        ],
        "gender:male": [
            "men",
            "boy",
            "boys",
            "male",
            "males",
            "father",
            "fathers",
            "sons",
            "husband",
            "husbands",
            "brother",
            "brothers",
            "gentleman",
            "gentlemen",
        ],
        "gender:transgender_nonbinary": [
            "transgender",
            "nonbinary",
            "non-binary",
            "genderqueer",
            "trans woman",
            "trans man",
            "trans people",
        ],
        "sexuality:lgbtq": ["gay", "gays", "lesbian", "lesbians", "bisexual", "queer", "homosexual", "lgbt", "lgbtq"],
        "religion:christian": ["christian", "christians", "christianity", "catholic", "catholics", "protestant"],
        "religion:muslim": ["muslim", "muslims", "islam", "islamic", "mosque"],
        "religion:jewish": ["jewish", "jew", "jews", "judaism", "synagogue"],
        "religion:hindu": ["hindu", "hindus", "hinduism"],
        "religion:buddhist": ["buddhist", "buddhists", "buddhism"],
        "ethnicity:african_american": ["african american", "african americans", "african-american"],
        "ethnicity:asian": ["asian", "asians", "asian american", "asian americans"],
        "ethnicity:hispanic_latino": ["hispanic", "hispanics", "latino", "latinos", "latina", "latinas", "latinx"],
        "nationality:immigrant": ["immigrant", "immigrants", "refugee", "refugees", "migrant", "migrants"],
        "disability": ["disabled", "disability", "disabilities", "wheelchair", "deaf", "autistic", "autism"],
    },
    "ja": {
        "gender:female": ["女性", "女の子", "母親", "妻", "娘"],
        "gender:male": ["男性", "男の子", "父親", "息子"],
        "gender:transgender_nonbinary": ["トランスジェンダー", "ノンバイナリー"],
        "sexuality:lgbtq": ["同性愛", "ゲイ", "レズビアン", "LGBT"],
        "religion:christian": ["キリスト教"],
        "religion:muslim": ["イスラム教", "ムスリム"],
        "religion:buddhist": ["仏教"],
        "nationality:immigrant": ["外国人", "移民", "難民", "在日"],
        "disability": ["障害者", "障がい者", "車椅子", "車いす"],
    },
}


class Lexicon:
    """Groups by term: word tokens and token phrases for spaced languages, substrings for ja/zh/th."""

    def __init__(self, lexicon: Mapping[str, Mapping[str, list[str]]]):
        self.words: dict[str, set[str]] = {}
        self.phrases: dict[tuple[str, ...], set[str]] = {}
        self.substrings: dict[str, set[str]] = {}
        for lang, groups in lexicon.items():
            for group, terms in groups.items():
                for term in terms:
                    if lang in SUBSTRING_LANGS:
                        self.substrings.setdefault(term.lower(), set()).add(group)
                        continue
                    words = tuple(tokens(term))
                    index = self.words if len(words) == 1 else self.phrases
                    index.setdefault(words[0] if len(words) == 1 else words, set()).add(group)
        self._phrase_firsts = {p[0] for p in self.phrases}

    def groups(self, text: str) -> list[str]:
        """The sorted groups whose terms occur in `text`."""
        found: set[str] = set()
        words = tokens(text)
        for word in self.words.keys() & set(words):
            found |= self.words[word]
        if self.phrases and not self._phrase_firsts.isdisjoint(words):
            for n in {len(p) for p in self.phrases}:
                for gram in zip(*(words[i:] for i in range(n))):
                    found |= self.phrases.get(gram, set())
        lower = text.lower()
        for term, groups in self.substrings.items():
            if term in lower:
                found |= groups
        return sorted(found)


def load_lexicon(path: str | None) -> Lexicon:
    """The lexicon in `path` (YAML `{lang: {group: [terms]}}`), or the shipped one; ConfigError if malformed."""
    if path is None:
        return Lexicon(DEFAULT_LEXICON)
    key = "safety.bias.lexicon"
    if not FileSystems.exists(path):
        raise ConfigError(f"{key}: no such file: {path}")
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        try:
            raw = yaml.safe_load(f.read().decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise ConfigError(f"{key}: {path}: cannot read YAML: {' '.join(str(e).split())}") from None
    well_formed = isinstance(raw, dict) and all(
        isinstance(groups, dict)
        and all(
            isinstance(terms, list) and all(isinstance(t, str) and t.strip() for t in terms)
            for terms in groups.values()
        )
        for groups in raw.values()
    )
    if not well_formed:
        raise ConfigError(f"{key}: {path}: expected {{lang: {{group: [terms]}}}} with non-empty string terms")
    return Lexicon(raw)


BIAS_STAGE = "bias"


class BiasTags(Filter):
    """Tags `meta["groups"]` with the identity groups a document mentions; drops nothing."""

    name = "bias"

    def __init__(self, lexicon: str | None):
        self.lexicon = lexicon  # a YAML file, or None for the shipped lexicon

    def check_config(self) -> None:
        load_lexicon(self.lexicon)  # a malformed or missing lexicon fails at launch

    def setup(self, shared: Shared) -> None:
        self._lexicon = load_lexicon(self.lexicon)

    def signals(self, view: TextView) -> Signals:
        return {"groups": self._lexicon.groups(view.text)}

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        return outcome.signals


def bias_stage(config: SafetyConfig) -> Stage:
    """Right after clean, before the first filter: every later stage's drops are then counted per group."""
    return Stage(BIAS_STAGE, (BiasTags(config.bias.lexicon),))
