"""Benchmark (issue 17): what the run's observations cost on the default path, next to the runner without them.

    python benchmarks/bench_observations.py [--repeat 5]

Texts: the AEB article pages and C4 documents of benchmarks/bench_stages.py (real extracted web text). On one
core (the process is pinned to one CPU), best of `--repeat` alternating passes over batches of 256 (CPU time
of the process, so that other work on a shared machine does not count), for the
clean, language and quality (multilingual preset, the default) stages with their default configuration:

  runner without observations   what the stage DoFn did before issue 17: tally in, `Stage.apply`, tally out
                                or dropped (the counts only)
  runner with observations      `stages._StageFn.process` as the pipeline runs it: the same, plus the CPU
                                clock around the filters, a histogram entry per signal the verdict measured,
                                length and language per document, the drop sample, and the bundle's drain

Prints documents/s of each, the overhead, and peak RSS. Signals are observed only where the verdict already
measured them (`LazySignals.measured`), so the filters compute nothing more than before: the overhead is the
bookkeeping alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stages import BATCH, load_texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="alternating passes of each; the best counts")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from apache_beam.utils.shared import Shared

    from corpusforge.pipeline.config import CleanConfig, LanguageConfig, QualityConfig
    from corpusforge.transforms.accounting import Tally
    from corpusforge.transforms.document import Document, Rejection
    from corpusforge.transforms.filters.clean import clean_stage
    from corpusforge.transforms.filters.language import language_stage
    from corpusforge.transforms.filters.quality import quality_stage
    from corpusforge.transforms.stages import _StageFn

    texts = load_texts()
    docs = [Document(id=f"{i:032x}", text=t) for i, t in enumerate(texts)]
    stages = [
        clean_stage(CleanConfig()),
        language_stage(LanguageConfig()),
        quality_stage(QualityConfig(enabled=True)),
    ]
    inputs = {}  # each stage's input: what the one before it kept
    current = docs
    for stage in stages:
        stage.setup([Shared() for _ in stage.filters])
        inputs[stage.name] = current
        current = [d for d in stage.apply(current) if not isinstance(d, Rejection)]

    def without(stage, batches):
        tally = Tally()
        for batch in batches:
            for doc in batch:
                tally.enter(stage.name, doc)
            for result in stage.apply(batch):
                if isinstance(result, Rejection):
                    tally.add(result.stage, f"{result.verdict.value}:{result.reason}", result.nbytes)
                else:
                    tally.add(stage.name, "out", len(result.text.encode("utf-8")))
        tally.drain()

    def with_observations(fn, batches):
        fn.start_bundle()
        for batch in batches:
            for _ in fn.process(batch):
                pass
        list(fn.finish_bundle())

    print(f"{len(docs)} documents, {sum(len(t.encode()) for t in texts) / 1e6:.1f} MB; one core, best of {args.repeat}")
    print(f"{'stage':<10} {'documents':>9} {'without (docs/s)':>17} {'with (docs/s)':>14} {'overhead':>9}")
    total = {"without": 0.0, "with": 0.0}
    for stage in stages:
        batch_docs = inputs[stage.name]
        batches = [batch_docs[i : i + BATCH] for i in range(0, len(batch_docs), BATCH)]
        fn = _StageFn(stage)
        fn.setup()
        best = {"without": float("inf"), "with": float("inf")}
        for _ in range(args.repeat):  # alternating, so that machine noise hits both alike
            started = time.process_time()
            without(stage, batches)
            best["without"] = min(best["without"], time.process_time() - started)
            started = time.process_time()
            with_observations(fn, batches)
            best["with"] = min(best["with"], time.process_time() - started)
        for key in total:
            total[key] += best[key]
        n = len(batch_docs)
        print(
            f"{stage.name:<10} {n:>9,} {n / best['without']:>17,.0f} {n / best['with']:>14,.0f} "
            f"{best['with'] / best['without'] - 1:>+9.1%}"
        )
    print(f"{'all three':<10} {'':>9} {'':>17} {'':>14} {total['with'] / total['without'] - 1:>+9.1%}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
