"""Benchmark: MinHash signatures per second per core, the dedup chain on the DirectRunner, and a million documents.

    python benchmarks/bench_dedup.py signatures [--docs 400] [--datatrove-venv .venv-datatrove]
    python benchmarks/bench_dedup.py stage --sizes 25000 50000
    python benchmarks/bench_dedup.py million [--docs 1000000] [--workdir /tmp/corpusforge-dedup-1m]

`signatures`: the same ~5 KB real pages (AEB gold article bodies, cut into consecutive 5,000-character
slices), one core, 112 permutations, word 5-grams: ours (`MinHasher.signature`: normalization,
shingles, hashing, permutations), datasketch's per-shingle `MinHash.update` loop and `MinHash.bulk`
on the same shingles (our normalization and shingling timed with them, and `bulk` once more with the
shingles built beforehand; their default SHA-1 hash), and datatrove 0.10.1's
`MinhashDedupSignature` stage (its own tokenizer and shingles; run in its own virtualenv, see
faithfulness_quality.py, which also needs `tokenizers` there for this import; SHA-1 shingle hashes, as
its xxhash path fails on str with current xxhash; skipped if absent).

`stage`: `StageDocuments` + `DeduplicateDocuments` (exact → URL → near duplicates) on the in-memory
DirectRunner (one process, so one core) over a generated corpus, one child process per size so each peak
RSS is its own.
Recipe (seeded): real sentences from the AEB bodies, the C4 and Wikipedia documents in ../shared/data
are pooled; a document is 3-8 paragraphs of 3-6 random sentences (about 2.5 KB) with a URL on one of 500
hosts; 5 % are exact copies of an earlier document under another URL, and 10 % are near copies (a
paragraph replaced, or 2 % of the words substituted). For each size it prints documents/s, peak RSS,
RSS per document, the largest shuffle group (LSH bucket; exact-duplicate group), and, as the baseline
for what the DirectRunner itself holds, the peak RSS of the same corpus through one GroupByKey by id. The corpus is generated inside the
pipeline (1,000 documents per element), so no step holds it outside the runner.

`million`: the same generator writes `--docs` documents to JSONL.zst files on disk (10,000 a file, 3 % of
them also reusing an earlier document's URL with a later date and new text, so URL dedup has work too),
then `run_configs/dedup.yaml` runs on them as a user would (`corpusforge run`, streamed from disk; the
recipe's DirectRunner with one worker process per core, or the Beam options given with `--beam-option`). Prints wall time, documents/s, peak RSS of the whole process
tree (launcher and workers), the drops per step and the shuffle bytes per kept document from stats.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import zstandard
from bench_scale import run_sampled

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]

_DATATROVE_SCRIPT = """
import json, sys, tempfile, time
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.hashing import HashConfig
texts = json.load(open(sys.argv[1]))
docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
with tempfile.TemporaryDirectory() as tmp:
    # 14 x 8 = 112, 5-grams, 64-bit; SHA-1 as its xxhash path fails on str with xxhash 3.5+
    stage = MinhashDedupSignature(output_folder=tmp, config=MinhashConfig(hash_config=HashConfig(hash_fc="sha1")))
    stage.get_shingles(docs[0].text)  # loads the tokenizer outside the timing
    start = time.perf_counter()
    stage.run(iter(docs), rank=0, world_size=1)
    print(json.dumps({"secs": time.perf_counter() - start}))
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pages(count: int, size: int = 5000) -> list[str]:
    """`count` consecutive `size`-character slices (cut at a space) of the AEB bodies, cycled."""
    truth = json.loads((SHARED / "html/scrapinghub-aeb/ground-truth.json").read_text())
    stream = "\n".join(v["articleBody"] for _, v in sorted(truth.items()))
    out, start = [], 0
    while len(out) < count:
        end = stream.find(" ", start + size)
        if end < 0:
            start, end = 0, stream.find(" ", size)
        out.append(stream[start:end])
        start = end + 1
    return out


def bench_signatures(args) -> None:
    from datasketch import MinHash

    from corpusforge.pipeline.config import MinHashConfig
    from corpusforge.transforms.dedup.minhash import MinHasher, shingles
    from corpusforge.transforms.dedup.normalize import normalize_text

    texts = pages(args.docs)
    config = MinHashConfig()
    hasher = MinHasher(config)
    results = {}

    def timed(name, fn, docs):
        start = time.perf_counter()
        fn(docs)
        results[name] = len(docs) / (time.perf_counter() - start)

    def shingled(docs):
        return [shingles(normalize_text(t, config.normalize), n=config.ngram, chars=False) for t in docs]

    def update_loop(docs):
        for sh in shingled(docs):
            m = MinHash(num_perm=config.num_perm, seed=config.seed)
            for s in sh:
                m.update(s)

    timed("ours (MinHasher.signature)", lambda docs: [hasher.signature(t) for t in docs], texts)
    timed(
        "datasketch MinHash.bulk (+ our shingles)",
        lambda docs: MinHash.bulk(shingled(docs), num_perm=config.num_perm, seed=config.seed),
        texts,
    )
    timed("datasketch MinHash.update loop (+ our shingles)", update_loop, texts[: max(20, len(texts) // 4)])
    ready = shingled(texts)  # datasketch's share alone: hashing and permuting given shingles
    timed(
        "datasketch MinHash.bulk (shingles given, untimed)",
        lambda docs: MinHash.bulk(docs, num_perm=config.num_perm, seed=config.seed),
        ready,
    )
    python = args.datatrove_venv / "bin" / "python"
    if python.exists():
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "texts.json"
            data.write_text(json.dumps(texts))
            proc = subprocess.run(
                [str(python), "-c", _DATATROVE_SCRIPT, str(data)], capture_output=True, text=True, check=False
            )
        if proc.returncode == 0:
            results["datatrove MinhashDedupSignature"] = (
                len(texts) / json.loads(proc.stdout.strip().splitlines()[-1])["secs"]
            )
        else:
            print("datatrove failed:", proc.stderr[-2000:], file=sys.stderr)
    else:
        print(f"(datatrove skipped: no {python})")
    ours = results["ours (MinHasher.signature)"]
    print(
        f"{len(texts)} pages, mean {sum(map(len, texts)) / len(texts):.0f} chars, {config.num_perm} permutations, one core"
    )
    for name, rate in results.items():
        print(f"  {name:50s} {rate:8.0f} docs/s   ours ÷ this = {ours / rate:5.1f}×")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


@functools.lru_cache(maxsize=1)
def sentence_pool() -> tuple[str, ...]:
    texts = [
        v["articleBody"] for v in json.loads((SHARED / "html/scrapinghub-aeb/ground-truth.json").read_text()).values()
    ]
    with open(SHARED / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f]
    texts.append((SHARED / "text/llama-factory-web/wiki_demo.txt").read_text(encoding="utf-8"))
    sentences = {s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 5}
    return tuple(sorted(sentences))


def generate_shard(shard: int, *, seed: int, per_shard: int):
    """One shard of the benchmark corpus (module docstring): Documents with ids, URLs and dates; copies
    are of earlier documents of the same shard."""
    from corpusforge.transforms.document import Document, make_doc_id

    rng = random.Random(f"{seed}:{shard}")
    pool = sentence_pool()
    texts: list[str] = []
    for _ in range(per_shard):
        roll = rng.random()
        if texts and roll < 0.05:
            text = texts[rng.randrange(len(texts))]
        elif texts and roll < 0.15:
            paragraphs = texts[rng.randrange(len(texts))].split("\n")
            if rng.random() < 0.5:
                paragraphs[rng.randrange(len(paragraphs))] = " ".join(rng.sample(pool, 4))
                text = "\n".join(paragraphs)
            else:
                words = "\n".join(paragraphs).split(" ")
                for j in rng.sample(range(len(words)), len(words) // 50):
                    words[j] = rng.choice(words)
                text = " ".join(words)
        else:
            text = "\n".join(" ".join(rng.sample(pool, rng.randint(3, 6))) for _ in range(rng.randint(3, 8)))
        texts.append(text)
    for k, text in enumerate(texts):
        i = shard * per_shard + k
        yield Document(
            id=make_doc_id("bench", i),
            text=text,
            source="bench",
            url=f"https://site{i % 500}.example/page/{i}",
            fetch_date=f"2024-01-{1 + i % 28:02d}T00:00:00Z",
        )


def run_stage(size: int, seed: int, baseline: bool) -> dict:
    import apache_beam as beam

    from corpusforge.pipeline.config import DedupConfig
    from corpusforge.transforms.dedup import DedupKeys, DeduplicateDocuments
    from corpusforge.transforms.io.staging import StageDocuments

    per_shard = 1000
    config = DedupConfig(enabled=True)
    out_dir = tempfile.mkdtemp(prefix="bench-dedup-")
    start_rss = peak_rss_mb()
    start = time.perf_counter()
    p = beam.Pipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=DirectRunner"]))
    docs = p | beam.Create(range(size // per_shard)) | beam.FlatMap(generate_shard, seed=seed, per_shard=per_shard)
    text_bytes = docs | "TextBytes" >> beam.Map(lambda d: len(d.text.encode("utf-8"))) | beam.CombineGlobally(sum)
    if baseline:
        _ = docs | beam.Map(lambda d: (d.id, d)) | beam.GroupByKey() | beam.combiners.Count.Globally()
    else:
        refs = (docs | StageDocuments(out_dir, DedupKeys(config))).main
        _ = refs | DeduplicateDocuments(config, out_dir=out_dir)
    _ = text_bytes | beam.Map(lambda n: print(json.dumps({"text_bytes": n}), flush=True))
    result = p.run()
    result.wait_until_finish()
    secs = time.perf_counter() - start
    shutil.rmtree(out_dir)
    largest = {}
    for metric in result.metrics().query()["distributions"]:
        name = f"{metric.key.metric.namespace}/{metric.key.metric.name}"
        largest[name] = max(largest.get(name, 0), metric.committed.max if metric.committed else 0)
    return {
        "docs": size,
        "secs": round(secs, 1),
        "docs_per_sec": round(size / secs),
        "start_rss_mb": round(start_rss),
        "peak_rss_mb": round(peak_rss_mb()),
        "largest_groups": largest,
    }


def bench_stage(args) -> None:
    rows = []
    for size in args.sizes:
        for baseline in (False, True):
            cmd = [sys.executable, __file__, "_stage", str(size), str(args.seed)] + (["--baseline"] if baseline else [])
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
            rows.append((baseline, {**lines[-1], "text_mb": lines[0]["text_bytes"] / 2**20}))
    print("DirectRunner in memory, one process (one core); peak RSS per child process")
    print("| pipeline | docs | text MB | secs | docs/s | peak RSS MB | KB/doc over start | largest groups |")
    print("|---|---|---|---|---|---|---|---|")
    for baseline, r in rows:
        per_doc = (r["peak_rss_mb"] - r["start_rss_mb"]) * 1024 / r["docs"]
        name = "generate + GroupByKey by id (runner baseline)" if baseline else "generate + DeduplicateDocuments"
        groups = ", ".join(
            f"{k.split('/')[0].removeprefix('corpus.')} {v}" for k, v in sorted(r["largest_groups"].items())
        )
        print(
            f"| {name} | {r['docs']} | {r['text_mb']:.1f} | {r['secs']} | {r['docs_per_sec']} | "
            f"{r['peak_rss_mb']} | {per_doc:.1f} | {groups} |"
        )


def write_corpus(folder: Path, docs: int, seed: int, per_file: int = 10_000) -> list[Path]:
    """`docs` generated documents as JSONL.zst files (skipping files already there); 3 % of the records of a
    file take an earlier record's URL, fetched a year later, with the text of the next one."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    per_shard = 1000
    for index in range(-(-docs // per_file)):
        path = folder / f"part-{index:05d}.jsonl.zst"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(f"{seed}:urls:{index}")
        records: list[dict] = []
        first = index * per_file // per_shard
        for shard in range(first, first + min(per_file, docs - index * per_file) // per_shard):
            for doc in generate_shard(shard, seed=seed, per_shard=per_shard):
                record = {"id": doc.id, "text": doc.text, "url": doc.url, "date": doc.fetch_date}
                if records and rng.random() < 0.03:
                    record["url"] = records[rng.randrange(len(records))]["url"]
                    record["date"] = record["date"].replace("2024", "2025")
                records.append(record)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f, zstandard.ZstdCompressor(level=3).stream_writer(f) as out:
            for record in records:
                out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        tmp.rename(path)
    return paths


def bench_million(args) -> None:
    paths = write_corpus(args.workdir / "corpus", args.docs, args.seed)
    out = args.workdir / "out"
    command = [str(Path(sys.executable).parent / "corpusforge"), "run", "run_configs/dedup.yaml"]
    command += ["--input", str(args.workdir / "corpus" / "*.jsonl.zst"), "--output", str(out), "--overwrite", "--quiet"]
    command += ["--", *args.beam_option]
    measured = run_sampled(command)
    stats = json.loads((out / "stats.json").read_text())
    drops = {
        stage: sum(r["records"] for r in stats["stages"][stage].get("dropped", {}).values())
        for stage in ("exact_dedup", "url_dedup", "near_dedup")
    }
    shuffle = stats["shuffle"]
    print(
        f"run_configs/dedup.yaml on {stats['records_read']:,} documents ({stats['bytes_read'] / 2**30:.2f} GiB of text, "
        f"{sum(p.stat().st_size for p in paths) / 2**30:.2f} GiB of JSONL.zst on disk), "
        + (" ".join(args.beam_option) or "the recipe's DirectRunner, one worker process per core")
    )
    print(
        f"  wall {measured['secs']:.0f} s, {stats['records_read'] / measured['secs']:.0f} documents/s; "
        f"peak RSS {measured['peak_mb']:.0f} MB (launcher {measured['launcher_mb']:.0f}, workers {measured['workers_mb']:.0f})"
    )
    print(f"  kept {stats['kept']:,}; dropped: " + ", ".join(f"{k} {v:,}" for k, v in drops.items()))
    print(
        f"  shuffled {shuffle['bytes'] / 2**30:.2f} GiB, {shuffle['bytes_per_kept_document']:.0f} B per kept document: "
        + ", ".join(f"{k} {v['bytes_per_kept_document']:.0f}" for k, v in shuffle["stages"].items())
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_stage":  # a child process of `stage`
        print(json.dumps(run_stage(int(sys.argv[2]), int(sys.argv[3]), baseline="--baseline" in sys.argv)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    signatures = commands.add_parser("signatures")
    signatures.add_argument("--docs", type=int, default=400)
    signatures.add_argument("--datatrove-venv", type=Path, default=REPO / ".venv-datatrove")
    stage = commands.add_parser("stage")
    stage.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000])
    stage.add_argument("--seed", type=int, default=0)
    million = commands.add_parser("million")
    million.add_argument("--docs", type=int, default=1_000_000)
    million.add_argument("--workdir", type=Path, default=Path("/tmp/corpusforge-dedup-1m"))
    million.add_argument("--seed", type=int, default=0)
    million.add_argument(
        "--beam-option",
        action="append",
        default=[],
        help="a Beam option after the recipe's (repeatable), e.g. --beam-option=--direct_running_mode=in_memory",
    )
    args = parser.parse_args()
    {"signatures": bench_signatures, "stage": bench_stage, "million": bench_million}[args.command](args)


if __name__ == "__main__":
    main()
