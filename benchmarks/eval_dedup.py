"""Evaluation: precision and recall of the near-duplicate stage against exact, brute-force Jaccard.

    python benchmarks/eval_dedup.py [--seed 0] [--thresholds 0.7 0.8 0.9]

Corpus (real text from ../shared/data, seeded variants added):
- base documents: AEB gold article bodies (en news), C4 documents (`c4_demo.jsonl`), 2,000-character
  slices of a Japanese novel (`lang: ja`, character shingles), and the licensee LICENSE files with the
  choosealicense canonical texts (labelled with their license);
- about half of them get 1-3 variants, each by 1-2 edits drawn from: boilerplate lines added, a paragraph
  dropped, two paragraphs swapped, 1-8 % of the words (characters for Japanese) substituted, the end
  truncated by 5-30 %, white space changed. The edit sizes spread the true similarities over 0.4-1.0.

Truth: the Jaccard similarity of every pair of documents on exactly the shingles the stage uses (the
normalized word 5-grams, or character 5-grams), from a sparse shingle × document matrix (all pairs, no
sampling). At threshold t, the true clusters are the connected components of pairs with J ≥ t;
recall = of their surplus documents (all members but one), the share the stage drops;
precision = of the documents the stage drops, the share with at least one partner of J ≥ t - 0.1.
License labels are reported beside the result (they are not the truth: different licenses can be closer
than variants of one).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from pathlib import Path

import apache_beam as beam
import numpy as np
import xxhash
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from corpusforge.pipeline.config import DedupConfig, MinHashConfig
from corpusforge.transforms.dedup import DedupKeys, DedupNearDuplicates
from corpusforge.transforms.dedup.minhash import shingles
from corpusforge.transforms.dedup.normalize import normalize_text
from corpusforge.transforms.document import Document, make_doc_id
from corpusforge.transforms.io.staging import StageDocuments

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BOILERPLATE = (
    "Share this article on Facebook, Twitter and LinkedIn.",
    "We use cookies to improve your experience. By continuing you agree to our cookie policy.",
    "Subscribe to our newsletter for the latest updates.",
    "All rights reserved. Reproduction without permission is prohibited.",
    "Related articles: more stories from this section",
    "Posted by the editorial team | Comments (0)",
)


def base_documents(shared: Path = SHARED, *, per_source: int | None = None) -> list[dict]:
    """Real documents: {name, text, lang, license}."""
    docs: list[dict] = []
    truth = json.loads((shared / "html/scrapinghub-aeb/ground-truth.json").read_text())
    aeb = [v["articleBody"] for _, v in sorted(truth.items()) if len(v["articleBody"]) > 800]
    docs += [{"name": f"aeb-{i}", "text": t, "lang": "en"} for i, t in enumerate(aeb[:per_source])]
    with open(shared / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        c4 = [t for t in (json.loads(line)["text"] for line in f) if len(t) > 800]
    docs += [{"name": f"c4-{i}", "text": t, "lang": "en"} for i, t in enumerate(c4[:per_source])]
    novel = (shared / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    slices = [novel[i : i + 2000] for i in range(0, min(len(novel), 80_000), 2000)]
    docs += [{"name": f"ja-{i}", "text": t, "lang": "ja"} for i, t in enumerate(slices[:per_source])]
    licensee = shared / "dedup/licensee"
    labels = _license_labels(licensee / "spec/fixtures/fixtures.yml")
    fixtures = sorted(
        p
        for p in (licensee / "spec/fixtures").glob("*/*")
        if p.is_file() and p.name.lower().startswith(("license", "copying", "unlicense"))
    )
    for path in fixtures[:per_source]:
        docs.append(
            {
                "name": f"fixture-{path.parent.name}/{path.name}",
                "text": path.read_text(errors="replace"),
                "lang": "en",
                "license": labels.get(path.parent.name),
            }
        )
    for path in sorted((licensee / "vendor/choosealicense.com/_licenses").glob("*.txt"))[:per_source]:
        body = path.read_text().split("---", 2)[-1].strip()  # without the YAML front matter
        docs.append({"name": f"license-{path.stem}", "text": body, "lang": "en", "license": path.stem})
    return docs


def _license_labels(path: Path) -> dict[str, str]:
    labels, fixture = {}, None
    for line in path.read_text().splitlines():
        if re.match(r"^[\w.-]+:$", line):
            fixture = line[:-1]
        elif fixture and line.strip().startswith("key:"):
            labels[fixture] = line.split(":", 1)[1].strip()
    return labels


def _edit(text: str, lang: str, rng: random.Random) -> str:
    """One realistic edit, of a random size."""
    chars = lang == "ja"
    kind = rng.choice(("boilerplate", "drop", "swap", "substitute", "truncate", "whitespace"))
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if kind == "boilerplate":
        lines = rng.sample(BOILERPLATE, rng.randint(1, 3))
        return "\n".join(lines[:1] + paragraphs + lines[1:])
    if kind == "drop" and len(paragraphs) > 2:
        del paragraphs[rng.randrange(len(paragraphs))]
        return "\n".join(paragraphs)
    if kind == "swap" and len(paragraphs) > 2:
        i, j = rng.sample(range(len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
        return "\n".join(paragraphs)
    if kind == "truncate":
        return text[: int(len(text) * (1 - rng.uniform(0.05, 0.3)))]
    if kind == "whitespace":
        return re.sub(r" ", lambda _: rng.choice((" ", "  ", "\n")) if rng.random() < 0.1 else " ", text)
    units = list(text) if chars else text.split(" ")  # substitute (also the fallback for short texts)
    share = rng.uniform(0.01, 0.08)
    for i in rng.sample(range(len(units)), max(1, int(len(units) * share))):
        units[i] = rng.choice(units)
    return ("" if chars else " ").join(units)


def build_corpus(base: list[dict], seed: int) -> list[dict]:
    """The base documents and their variants, each with a stable id."""
    rng = random.Random(seed)
    corpus = []
    for doc in base:
        corpus.append(doc)
        if rng.random() < 0.5:
            for k in range(rng.randint(1, 3)):
                text = doc["text"]
                for _ in range(rng.randint(1, 2)):
                    text = _edit(text, doc["lang"], rng)
                corpus.append({**doc, "name": f"{doc['name']}~{k}", "text": text})
    for doc in corpus:
        doc["id"] = make_doc_id("eval", doc["name"])
    return corpus


def true_jaccard(corpus: list[dict], config: MinHashConfig) -> sparse.coo_matrix:
    """Jaccard of every pair (i < j) sharing a shingle, as a sparse upper-triangular matrix."""
    rows, cols = [], []
    sizes = np.zeros(len(corpus))
    for i, doc in enumerate(corpus):
        chars = doc["lang"] in config.char_languages
        n = config.char_ngram if chars else config.ngram
        ids = {
            xxhash.xxh3_64_intdigest(s)
            for s in shingles(normalize_text(doc["text"], config.normalize), n=n, chars=chars)
        }
        rows += [i] * len(ids)
        cols += list(ids)
        sizes[i] = len(ids)
    _, col_index = np.unique(np.array(cols, dtype=np.uint64), return_inverse=True)
    incidence = sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, col_index)))
    shared = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    jaccard = shared.data / (sizes[shared.row] + sizes[shared.col] - shared.data)
    return sparse.coo_matrix((jaccard, (shared.row, shared.col)), shape=(len(corpus), len(corpus)))


def run_stage(corpus: list[dict], config: MinHashConfig) -> set[str]:
    """The ids the near-duplicate stage drops (DirectRunner, in memory)."""
    docs = [Document(id=d["id"], text=d["text"], source="eval", meta={"lang": d["lang"]}) for d in corpus]
    with tempfile.TemporaryDirectory() as tmp:
        with beam.Pipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=DirectRunner"])) as p:
            staged = p | beam.Create(docs) | StageDocuments(tmp, DedupKeys(DedupConfig(enabled=True, near=config)))
            refs = staged.main
            result = refs | DedupNearDuplicates(config, out_dir=tmp)
            _ = result["main"] | beam.Map(lambda ref: ref.id) | beam.io.WriteToText(f"{tmp}/kept")
        kept = {line.strip() for path in Path(tmp).glob("kept*") for line in path.read_text().splitlines()}
    return {d["id"] for d in corpus} - kept


def score(corpus: list[dict], jaccard: sparse.coo_matrix, dropped: set[str], t: float) -> dict:
    index = {d["id"]: i for i, d in enumerate(corpus)}
    dropped_rows = np.array(sorted(index[i] for i in dropped), dtype=np.int64)
    strong = jaccard.data >= t
    graph = sparse.coo_matrix((np.ones(strong.sum()), (jaccard.row[strong], jaccard.col[strong])), shape=jaccard.shape)
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    is_dropped = np.zeros(len(corpus), dtype=bool)
    is_dropped[dropped_rows] = True
    dropped_per_cluster = np.bincount(labels, weights=is_dropped, minlength=len(sizes))
    surplus = int((sizes - 1).sum())
    found = int(np.minimum(dropped_per_cluster, sizes - 1).sum())
    near = jaccard.data >= t - 0.1
    has_partner = np.zeros(len(corpus), dtype=bool)
    has_partner[jaccard.row[near]] = has_partner[jaccard.col[near]] = True
    true_drops = int(has_partner[dropped_rows].sum())
    licenses = [d.get("license") for d in corpus]
    mixed = sum(len({licenses[i] for i in np.flatnonzero(labels == c)} - {None}) > 1 for c in np.flatnonzero(sizes > 1))
    return {
        "threshold": t,
        "docs": len(corpus),
        "true_clusters": int((sizes > 1).sum()),
        "surplus": surplus,
        "dropped": len(dropped),
        "recall": found / surplus if surplus else 1.0,
        "precision": true_drops / len(dropped) if dropped else 1.0,
        "clusters_mixing_licenses": int(mixed),
    }


def evaluate(*, seed: int = 0, thresholds=(0.7, 0.8, 0.9), per_source: int | None = None) -> list[dict]:
    corpus = build_corpus(base_documents(per_source=per_source), seed)
    results = []
    for t in thresholds:
        config = MinHashConfig(threshold=t)
        jaccard = true_jaccard(corpus, config)
        started = time.perf_counter()
        dropped = run_stage(corpus, config)
        results.append({**score(corpus, jaccard, dropped, t), "stage_secs": round(time.perf_counter() - started, 1)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.7, 0.8, 0.9])
    args = parser.parse_args()
    print("| t | docs | true clusters | surplus | dropped | recall | precision | clusters mixing licenses |")
    print("|---|---|---|---|---|---|---|---|")
    for r in evaluate(seed=args.seed, thresholds=args.thresholds):
        print(
            f"| {r['threshold']} | {r['docs']} | {r['true_clusters']} | {r['surplus']} | {r['dropped']} | "
            f"{r['recall']:.3f} | {r['precision']:.3f} | {r['clusters_mixing_licenses']} |"
        )


if __name__ == "__main__":
    main()
