"""Benchmark: language identification (lid.176.ftz via `corpusforge.transforms.filters.language`) on lingua sentences.

    python benchmarks/bench_langid.py [--repeat 3] [--doc-sentences 20] [--cpu N] [--min-score 0.65]

Data: ../shared/data/langid/lingua-sentences/<iso639-1>.txt (75 languages, ~1000 sentences each, the file
name is the label), read in place, never copied.

1. Quality. Closed-set evaluation over the 66 files whose name is a lid.176 label: per-language
   precision and recall (precision counts only predictions on those 66 files), overall accuracy, macro
   P/R, and recall after FineWeb's 0.65 minimum score. Reported apart, the 9 files whose name is not a
   lid.176 label: `nb` (Bokmål, labelled `no` in lid.176: correct when predicted `no`) and the 8
   languages lid.176 does not know (lg, mi, sn, st, tn, ts, xh, zu): what they are predicted as, and how
   many would pass the minimum score.
2. Equality. For every sentence and every long document, our top-1 label (and probability) must equal raw
   `fasttext` `model.predict(text.replace("\\n", " "))` on the same text: mismatches must be 0.
3. Speed, pinned to one core, best of `--repeat` interleaved passes: our `LanguageModel.predict(list)` vs the raw
   per-text `model.predict` loop vs fasttext-predict's batch call (`multilinePredict`, labels only:
   the wrapper's `predict(list)` is broken in fasttext-predict 0.9.2.4), in texts/s and MB/s (UTF-8), on
   the sentences and on long documents (`--doc-sentences` sentences of one language joined by "\\n").
   Truncation (`max_chars`) is timed on the long documents and on "mixed" documents (5 English sentences,
   like a boilerplate header, then 15 of another language), with the number of top-1 labels it changes.
   Peak RSS is reported last.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

from corpusforge.transforms.filters.language import DEFAULT_MIN_SCORE, LanguageModel, model_path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "langid" / "lingua-sentences"
# Files whose name is not a lid.176 label. `nb` is in lid.176 as `no`.
UNSUPPORTED = frozenset({"lg", "mi", "sn", "st", "tn", "ts", "xh", "zu"})
RELABEL = {"nb": "no"}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> dict[str, list[str]]:
    out = {}
    for path in sorted(DATA.glob("*.txt")):
        if path.stem == "LICENSE":
            continue
        out[path.stem] = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def evaluate(data, preds, min_score):
    supported = [lang for lang in data if lang not in UNSUPPORTED and lang not in RELABEL]
    sup_set = set(supported)
    tp = collections.Counter()
    npred = collections.Counter()
    kept_ok = collections.Counter()
    total = correct = 0
    for lang in supported:
        for pred, score in preds[lang]:
            npred[pred] += 1
            total += 1
            if pred == lang:
                tp[lang] += 1
                correct += 1
                kept_ok[lang] += score >= min_score
    rows = []
    for lang in supported:
        n = len(data[lang])
        p = tp[lang] / npred[lang] if npred[lang] else 0.0
        r = tp[lang] / n
        rows.append((lang, n, p, r, kept_ok[lang] / n))
    macro_p = statistics.mean(r[2] for r in rows)
    macro_r = statistics.mean(r[3] for r in rows)
    macro_k = statistics.mean(r[4] for r in rows)
    print(f"\n== 1. quality: {len(supported)} lid.176 languages, {total} sentences ==")
    print(
        f"accuracy {correct / total:.4f}   macro P {macro_p:.4f}   macro R {macro_r:.4f}   "
        f"macro R with score >= {min_score} {macro_k:.4f}"
    )
    foreign = collections.Counter(pred for pred in npred.elements() if pred not in sup_set)
    print(
        f"predictions outside the {len(supported)} labels: {sum(foreign.values())} ({', '.join(f'{k} {v}' for k, v in foreign.most_common(8))})"
    )
    print("\nlang     n      P      R  R@min   (worst 10 by F1, then all)")

    def f1(r):
        return 2 * r[2] * r[3] / (r[2] + r[3]) if r[2] + r[3] else 0.0

    worst = sorted(rows, key=f1)[:10]
    for lang, n, p, r, k in worst:
        confused = collections.Counter(pl for pl, _ in preds[lang] if pl != lang).most_common(3)
        print(
            f"{lang:4} {n:5} {p:6.3f} {r:6.3f} {k:6.3f}   confused with: {', '.join(f'{c} {m}' for c, m in confused)}"
        )
    print("all: " + "  ".join(f"{lang} {p:.2f}/{r:.2f}" for lang, _, p, r, _ in rows))

    print("\n-- apart: nb (Bokmål; lid.176 label `no`) and the languages lid.176 does not know --")
    for lang in sorted(RELABEL) + sorted(UNSUPPORTED):
        pl = preds[lang]
        n = len(pl)
        dist = collections.Counter(p for p, _ in pl).most_common(4)
        passing = sum(s >= min_score for _, s in pl)
        hit = ""
        if lang in RELABEL:
            ok = sum(p == RELABEL[lang] for p, _ in pl)
            ok_k = sum(p == RELABEL[lang] and s >= min_score for p, s in pl)
            hit = f"recall as `{RELABEL[lang]}` {ok / n:.3f} (with score >= {min_score}: {ok_k / n:.3f})  "
        print(
            f"{lang:3} n={n:4}  {hit}predicted: {', '.join(f'{p} {c}' for p, c in dist)}  "
            f"score >= {min_score}: {passing / n:.3f}"
        )
    return rows


def check_equality(model: LanguageModel, texts: list[str], preds: list[tuple[str, float]]) -> tuple[int, int]:
    ft = model.fasttext_model
    label_mismatch = prob_mismatch = 0
    for text, (lang, score) in zip(texts, preds):
        labels, probs = ft.predict(text.replace("\n", " "), k=1)
        if labels[0][9:] != lang:
            label_mismatch += 1
        if probs[0] != score:
            prob_mismatch += 1
    return label_mismatch, prob_mismatch


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--doc-sentences", type=int, default=20)
    ap.add_argument("--cpu", type=int, default=None, help="core to pin to (default: the first allowed)")
    ap.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE)
    ap.add_argument("--truncate", default="500,1000,2000,4000", help="max_chars values to time")
    args = ap.parse_args()

    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    rss0 = rss_mb()
    t0 = time.perf_counter()
    model = LanguageModel()
    load_s = time.perf_counter() - t0
    rss1 = rss_mb()
    print(f"model {model_path()}  load {load_s * 1000:.0f} ms  RSS +{rss1 - rss0:.0f} MB  (pinned to cpu {cpu})")

    data = load()
    print(f"{len(data)} languages, {sum(map(len, data.values()))} sentences")
    preds = {lang: model.predict(sents) for lang, sents in data.items()}
    evaluate(data, preds, args.min_score)

    # Long documents: `doc_sentences` sentences of one language, joined by newlines.
    rng = random.Random(0)
    k = args.doc_sentences
    docs: list[str] = []
    doc_langs: list[str] = []
    for lang, sents in data.items():
        shuffled = sents[:]
        rng.shuffle(shuffled)
        chunk = ["\n".join(shuffled[i : i + k]) for i in range(0, len(shuffled) - k + 1, k)]
        docs += chunk
        doc_langs += [lang] * len(chunk)
    gold = [(RELABEL.get(lang, lang), d) for lang, d in zip(doc_langs, docs) if lang not in UNSUPPORTED]
    doc_ok = sum(p == g for (g, _), (p, _) in zip(gold, model.predict([d for _, d in gold])))
    print(
        f"\nlong documents ({k} sentences of one language, nb as `no`): accuracy {doc_ok / len(gold):.4f} "
        f"on {len(gold)} documents"
    )
    english = data["en"]
    mixed: list[str] = []
    for lang, sents in data.items():
        if lang == "en":
            continue
        for _ in range(10):
            mixed.append("\n".join(rng.sample(english, 5) + rng.sample(sents, 15)))
    sentences = [s for sents in data.values() for s in sents]

    print("\n== 2. equality with raw lid.176 top-1 on the same text ==")
    for name, texts in (("sentences", sentences), ("long docs", docs), ("mixed docs", mixed)):
        lm, pm = check_equality(model, texts, model.predict(texts))
        print(f"{name:10} {len(texts):6} texts: label mismatches {lm}, probability mismatches {pm}")

    print(f"\n== 3. speed, one core (cpu {cpu}), best of {args.repeat} ==")
    ft = model.fasttext_model
    binding = ft.f

    def raw_loop(texts):
        return [ft.predict(t.replace("\n", " ")) for t in texts]

    def multiline(texts):
        return binding.multilinePredict([t.replace("\n", " ") + "\n" for t in texts], 1, 0.0, "strict")

    print(f"{'set':10} {'method':34} {'texts/s':>9} {'MB/s':>7} {'vs raw':>7} {'labels changed':>15}")
    for name, texts in (("sentences", sentences), ("long docs", docs), ("mixed docs", mixed)):
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        full = [lang for lang, _ in model.predict(texts)]
        # (label, callable, max_chars); passes interleave the methods so load drift hits them alike.
        runs = [
            ("raw model.predict loop", lambda t: raw_loop(t), None),
            ("LanguageModel.predict (ours)", model.predict, None),
            ("multilinePredict (labels only)", multiline, None),
        ]
        changed: dict[str, int] = {}
        if name != "sentences":
            for mc in (int(x) for x in args.truncate.split(",") if x):
                cut = LanguageModel(max_chars=mc)
                label = f"ours, max_chars={mc}"
                changed[label] = sum(a != b for a, (b, _) in zip(full, cut.predict(texts)))
                runs.append((label, cut.predict, mc))
        best = {label: float("inf") for label, _, _ in runs}
        for _ in range(args.repeat):
            for label, fn, _ in runs:
                best[label] = min(best[label], best_time(lambda fn=fn, texts=texts: fn(texts), 1))
        base = best["raw model.predict loop"]
        methods = [(label, best[label], changed.get(label)) for label, _, _ in runs]
        avg = sum(map(len, texts)) / len(texts)
        print(f"{name} ({len(texts)} texts, {mb:.1f} MB, mean {avg:.0f} chars)")
        for label, secs, changed in methods:
            ch = "" if changed is None else f"{changed} ({changed / len(texts):.2%})"
            print(f"{'':10} {label:34} {len(texts) / secs:9.0f} {mb / secs:7.2f} {base / secs:6.2f}x {ch:>15}")

    print(
        f"\nRSS: before model {rss0:.0f} MB, after load {rss1:.0f} MB, peak {peak_rss_mb():.0f} MB "
        "(peak includes the benchmark's own text lists)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
