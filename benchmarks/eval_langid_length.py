"""Language ID on short text: lid.176's accuracy by text length, and what `language.min_score` does there.

    python benchmarks/eval_langid_length.py [--min-score 0.65] [--lengths 10,20,30,50,75,100,150,200]

Data: ../shared/data/langid/lingua-sentences/<iso639-1>.txt, the 67 languages lid.176 knows (~1000 real web
sentences each; the file name is the label, `nb` counted as lid.176's `no`), read in place. Runs of five
sentences of a language (of at least the longest length) are cut to their first N characters (at the last
space at or before N, so no word is cut in half) for each length N, and classified by the pipeline's model (`LanguageModel`, the same top-1 and
probability as raw lid.176). Printed per length: accuracy of the top-1 label; the share of texts whose
probability reaches `--min-score` (the language stage keeps only those; the rest are dropped as
`language_score_too_low`); the accuracy among those kept; and the share of the wrong labels the minimum
score removes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_langid import RELABEL, UNSUPPORTED, load

from corpusforge.transforms.filters.language import DEFAULT_MIN_SCORE, LanguageModel


def cut(text: str, n: int) -> str:
    """The first `n` characters of `text`, ending at a word boundary where there is one."""
    if len(text) <= n:
        return text
    head = text[:n]
    return head[: head.rfind(" ")] if " " in head[1:] else head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE)
    parser.add_argument("--lengths", default="10,20,30,50,75,100,200,400")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    model = LanguageModel()
    sentences = [  # runs of 5 sentences: long enough for every cut
        (RELABEL.get(lang, lang), " ".join(lines[i : i + 5]))
        for lang, lines in load().items()
        if lang not in UNSUPPORTED
        for i in range(0, len(lines) - 4, 5)
    ]
    sentences = [(lang, text) for lang, text in sentences if len(text) >= max(lengths)]
    print(f"{len(sentences):,} texts of {len({lang for lang, _ in sentences})} languages, >= {max(lengths)} chars")
    print(
        f"{'chars':>6} {'accuracy':>9} {'kept (p >= ' + str(args.min_score) + ')':>18} {'acc. kept':>10} {'wrong removed':>14}"
    )
    for n in lengths:
        predictions = model.predict([cut(text, n) for _, text in sentences])
        right = [lang == pred for (lang, _), (pred, _) in zip(sentences, predictions)]
        kept = [p >= args.min_score for _, p in predictions]
        wrong = sum(not r for r in right)
        print(
            f"{n:>6} {sum(right) / len(right):>9.3f} {sum(kept) / len(kept):>18.3f}"
            f" {sum(r and k for r, k in zip(right, kept)) / max(1, sum(kept)):>10.3f}"
            f" {sum(not r and not k for r, k in zip(right, kept)) / max(1, wrong):>14.3f}"
        )


if __name__ == "__main__":
    main()
