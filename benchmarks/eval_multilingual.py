"""Pass rates of good prose per language (issue 4): the `multilingual` preset next to the English `fineweb`.

    python benchmarks/eval_multilingual.py

Corpora (all good text, so a higher pass rate is better; the loaders are tests/test_multilingual.py's):
English Wikipedia (llama-factory wiki_demo), Botchan (English novel), UD English sentences; Wagahai wa neko de
aru (Japanese novel), UD Japanese sentences; the Universal Declaration of Human Rights in 24 languages, cut into
~2,000-character documents; and lingua's sentences (langid/lingua-sentences: news and web sentences) in the
default recipe's six languages, 20 sentences per document, one per line. Each document is scored with its
true language code.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import test_multilingual as corpora  # noqa: E402  (the test suite's loaders of the same real text)

from corpusforge.transforms.filters.quality import run_preset  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
UDHR = [
    ("en", "eng"),
    ("de", "deu_1996"),
    ("fr", "fra"),
    ("es", "spa"),
    ("it", "ita"),
    ("pt", "por_PT"),
    ("nl", "nld"),
    ("ru", "rus"),
    ("uk", "ukr"),
    ("pl", "pol"),
    ("cs", "ces"),
    ("sv", "swe"),
    ("tr", "tur"),
    ("vi", "vie"),
    ("id", "ind"),
    ("ja", "jpn"),
    ("zh", "cmn_hans"),
    ("ko", "kor"),
    ("ar", "arb"),
    ("fa", "pes_1"),
    ("he", "heb"),
    ("hi", "hin"),
    ("el", "ell_monotonic"),
    ("th", "tha"),
]


def main() -> None:
    sets = [
        ("en", "Wikipedia", corpora._wiki(SHARED)),
        ("en", "Botchan", corpora._botchan(SHARED)),
        ("en", "UD English", corpora._ud(SHARED, "en", " ")),
        ("ja", "Wagahai wa neko", corpora._wagahai(SHARED)),
        ("ja", "UD Japanese", corpora._ud(SHARED, "ja", "")),
    ]
    sets += [(lang, "lingua sentences", corpora._lingua(SHARED, lang)) for lang in ("en", "de", "fr", "es", "ja", "zh")]
    for lang, code in UDHR:
        path = SHARED / f"text/udhr-unicode/data/udhr/udhr_{code}.xml"
        if path.exists():
            sets.append((lang, f"UDHR {code}", corpora._udhr(SHARED, code)))
    print(f"{'lang':5s} {'corpus':20s} {'docs':>5s} {'multilingual':>13s} {'fineweb':>8s}")
    for lang, name, docs in sets:
        rates = [
            sum(run_preset(d, p, lang=lang).reason is None for d in docs) / len(docs)
            for p in ("multilingual", "fineweb")
        ]
        print(f"{lang:5s} {name:20s} {len(docs):5d} {rates[0]:13.2f} {rates[1]:8.2f}")


if __name__ == "__main__":
    main()
