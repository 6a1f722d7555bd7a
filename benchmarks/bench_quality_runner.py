"""datatrove side of benchmarks/bench_quality.py; runs ONLY in the datatrove virtualenv.

    <datatrove-venv>/bin/python benchmarks/bench_quality_runner.py DOCS.jsonl REPEAT

Times datatrove 0.10's FineWeb English chain (GopherRepetitionFilter -> FineWebQualityFilter ->
GopherQualityFilter -> C4QualityFilter, the order of issue 4; every filter with its defaults, each called
as `filter(Document)`, a dropped document leaving the chain) over the texts of DOCS.jsonl, one core: the
first pass (`cold_seconds`: spaCy loaded on one unrelated sentence, its tokenizer's per-chunk cache still
empty, like our memos in a fresh worker) and the best of REPEAT passes (`seconds`: the cache warm). Prints
one JSON line: seconds, cold_seconds, kept, peak_rss_mb (VmHWM: getrusage's ru_maxrss would carry the
parent's peak across exec). Imports nothing from corpusforge.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)

CHAIN = (GopherRepetitionFilter(), FineWebQualityFilter(), GopherQualityFilter(), C4QualityFilter())


def run(texts: list[str]) -> int:
    kept = 0
    for i, text in enumerate(texts):
        doc = Document(text=text, id=str(i))
        for f in CHAIN:
            res = f.filter(doc)
            if not (res[0] if isinstance(res, tuple) else res):
                break
        else:
            kept += 1
    return kept


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with open(sys.argv[1], encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    run(["The model loads on first use."])  # spaCy's blank English model loads lazily
    started = time.perf_counter()
    kept = run(texts)
    cold = time.perf_counter() - started
    best = cold
    for _ in range(repeat):
        started = time.perf_counter()
        kept = run(texts)
        best = min(best, time.perf_counter() - started)
    print(json.dumps({"seconds": best, "cold_seconds": cold, "kept": kept, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
