"""Benchmark: decontamination's cost, per core and through the pipeline, with and without it.

    python benchmarks/bench_decontaminate.py [--repeat 3] [--copies 4] [--pipeline-copies 2]

Documents: benchmarks/safety_data.py (every page of ../shared/data/warc/ extracted by the pipeline's reader,
Dolma CC and the C4 sample), `--copies` times. Evaluation sets of real text, two sizes: `ewt` (UD English-EWT
test, question + next sentence as answer: 2,077 sentences) and `lingua` (every lingua sentence file, 75
languages, CJK included, about 75,000 texts). Prints:

- for each set: the time to build its n-grams (what each worker does once in `setup`), n-grams, the bytes of
  the hash and owner arrays, and the RSS the build adds;
- per core (one process, batches of 256 as the runner calls `Stage.apply`): documents/s and MB/s of the stage
  with each set, `min_n` 8 (the default: evaluation texts of 8 to 12 words count whole, so documents are also
  checked at those lengths) and 13 (13-grams only), and the `cut` action;
- through the pipeline (in-memory DirectRunner, one process, the corpus written as JSONL `--pipeline-copies`
  times; clean, language, quality, dedup as in the sample recipe, no tokenizer): wall time and documents/s
  without decontamination and with it (the `lingua` set), alternated `--repeat` times, best of each.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from apache_beam.utils.shared import Shared

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_safety import rss_mb, run_batches
from bench_stages import best_of
from safety_data import SHARED, text_documents, web_documents

from corpusforge.pipeline.cli import main as corpusforge
from corpusforge.pipeline.config import DecontaminationConfig, EvalSetConfig
from corpusforge.transforms.filters.decontaminate import EvalNgrams, decontamination_stage

REPO = Path(__file__).resolve().parents[1]


def eval_sets(root: Path) -> dict[str, EvalSetConfig]:
    """The two evaluation sets, written as JSON lines under `root`."""
    en = [line.strip() for line in (SHARED / "text/ud-raw-sentences/en_ewt-ud-test.text.txt").open() if line.strip()]
    with (root / "ewt.jsonl").open("w") as f:
        for i in range(0, len(en) - 1, 2):
            f.write(json.dumps({"question": en[i], "answer": en[i + 1]}) + "\n")
    with (root / "lingua.jsonl").open("w", encoding="utf-8") as f:
        for path in sorted((SHARED / "langid/lingua-sentences").glob("*.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                f.write(json.dumps({"text": line}, ensure_ascii=False) + "\n")
    return {
        "ewt": EvalSetConfig(name="ewt", paths=(str(root / "ewt.jsonl"),), fields=("question", "answer")),
        "lingua": EvalSetConfig(name="lingua", paths=(str(root / "lingua.jsonl"),)),
    }


def pipeline_secs(corpus: Path, out: Path, extra: list[str]) -> float:
    args = ["run", str(REPO / "run_configs/local.yaml"), "--input", str(corpus), "--output", str(out)]
    args += ["--overwrite", "--quiet", "--set", "tokenizer.enabled=false", *extra, "--", "--runner=DirectRunner"]
    started = time.perf_counter()
    assert corpusforge(args) == 0
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each; the best counts (default 3)")
    parser.add_argument("--copies", type=int, default=4, help="the real documents, this many times (default 4)")
    parser.add_argument("--pipeline-copies", type=int, default=2, help="the corpus through the pipeline (default 2)")
    args = parser.parse_args()

    originals = web_documents() + text_documents()
    docs = originals * args.copies
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    print(f"{len(docs):,} documents ({mb:.1f} MB of text)")
    root = Path(tempfile.mkdtemp(prefix="bench-decontaminate-"))
    sets = eval_sets(root)

    stages = {}
    print(f"{'evaluation set':14} {'build s':>8} {'texts':>8} {'n-grams':>10} {'arrays MiB':>11} {'RSS +MiB':>9}")
    for name, eval_set in sets.items():
        before = rss_mb()
        started = time.perf_counter()
        ngrams = EvalNgrams(DecontaminationConfig(eval_sets=(eval_set,)))
        secs = time.perf_counter() - started
        info = ngrams.summary[name]
        arrays = (ngrams.set.hashes.nbytes + ngrams.owners.nbytes) / 2**20
        print(f"{name:14} {secs:8.2f} {info['texts']:8,} {info['ngrams']:10,} {arrays:11.1f} {rss_mb() - before:9.0f}")
        for min_n, action in ((8, "drop"), (13, "drop"), (8, "cut")):
            config = DecontaminationConfig(eval_sets=(eval_set,), min_n=min_n, action=action)
            stage = stages[(name, min_n, action)] = decontamination_stage(config)
            stage.setup([Shared()])

    print(f"\n{'stage (one core)':34} {'docs/s':>9} {'MB/s':>6} {'matched':>8}")
    for (name, min_n, action), stage in stages.items():
        secs = best_of(args.repeat, lambda stage=stage: run_batches([stage], docs))
        matched = sum(bool(stage.filters[0]._ngrams.overlaps(d.text)) for d in originals)
        label = f"{name}, min_n {min_n}, {action}"
        print(f"{label:34} {len(docs) / secs:9,.0f} {mb / secs:6.1f} {matched:8}")

    corpus = root / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as f:
        for d in originals * args.pipeline_copies:
            f.write(json.dumps({"text": d.text, "url": d.url}, ensure_ascii=False) + "\n")
    n = len(originals) * args.pipeline_copies
    with_decontamination = [
        "--set",
        "decontamination.enabled=true",
        "--set",
        f"decontamination.eval_sets=[{{name: lingua, paths: [{root / 'lingua.jsonl'}]}}]",
    ]
    timings: dict[str, list[float]] = {"without": [], "with (lingua)": []}
    for _ in range(args.repeat):
        timings["without"].append(pipeline_secs(corpus, root / "out", []))
        timings["with (lingua)"].append(pipeline_secs(corpus, root / "out", with_decontamination))
    print(f"\npipeline on {n:,} documents (in-memory DirectRunner, one process; best of {args.repeat})")
    for label, secs in timings.items():
        print(f"  {label:16} {min(secs):7.1f} s  {n / min(secs):7,.0f} docs/s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
