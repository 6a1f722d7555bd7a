"""Benchmark (issue 4): clean + LID + the quality rule sets on real extracted text, next to datatrove.

    python benchmarks/bench_quality.py [--repeat 3] [--datatrove-venv PATH] [--no-datatrove] [--profile N]

Texts: the English documents of benchmarks/faithfulness_quality.py (its `load_documents`: AEB article
pages, c4_demo, every web-archive page; lid.176 `en` >= 0.65), the same texts its faithfulness table scores.
On one core (the process is pinned to one CPU), best of `--repeat` passes, prints documents/s and MB/s of:
  ours fineweb        run_preset(text, "fineweb")  (Gopher repetition, Gopher quality, C4, FineWeb)
  ours multilingual   run_preset(text, "multilingual", lang="en")
  datatrove chain     GopherRepetitionFilter -> FineWebQualityFilter -> GopherQualityFilter -> C4QualityFilter
                      (datatrove 0.10.1 in its own virtualenv, benchmarks/bench_quality_runner.py)
  clean stage, language stage (the clean and language stages' `apply` in batches, as bench_stages.py), raw lid.176
and the ratio ours / datatrove, and peak RSS of each process. Our splitters remember the tokens of each
white-space chunk (bounded memos), so later passes find most chunks known: the "cold" rows are one pass
with the memos emptied first (a fresh worker), the others warm passes (best of `--repeat` each). spaCy's
tokenizer, under datatrove, keeps the same kind of cache: its "cold" row is its first pass. `--profile N`
prints the N hottest functions (cProfile, cumulative) of one pass of our fineweb chain.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faithfulness_quality as fq  # the same document loading and English selection
from bench_stages import best_of

RUNNER = Path(__file__).resolve().with_name("bench_quality_runner.py")
BATCH = 256


def english_texts() -> list[str]:
    from corpusforge.transforms.filters.language import LanguageModel

    docs = fq.load_documents()
    preds = LanguageModel().predict([t for _, t in docs])
    return [t for (_, t), (lang, p) in zip(docs, preds) if lang == "en" and p >= fq.MIN_EN_SCORE]


def datatrove_seconds(texts: list[str], venv: Path, repeat: int) -> dict:
    python = fq.ensure_venv(venv.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docs.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["LOGURU_LEVEL"] = "WARNING"
        proc = subprocess.run(
            [str(python), str(RUNNER), str(path), str(repeat)], capture_output=True, text=True, env=env, check=False
        )
        if proc.returncode != 0:
            sys.exit(f"datatrove runner failed:\n{proc.stderr[-5000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="passes of each; the best counts (default 3)")
    parser.add_argument("--datatrove-venv", type=Path, default=fq.REPO / ".venv-datatrove")
    parser.add_argument("--no-datatrove", action="store_true", help="skip the datatrove chain")
    parser.add_argument("--profile", type=int, default=0, help="print the N hottest functions of our chain")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from apache_beam.utils.shared import Shared

    from corpusforge.pipeline.config import CleanConfig, LanguageConfig
    from corpusforge.transforms.document import Document
    from corpusforge.transforms.filters.clean import clean_stage
    from corpusforge.transforms.filters.language import LanguageModel, language_stage
    from corpusforge.transforms.filters.quality import run_preset

    texts = english_texts()
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    fineweb, multilingual = "fineweb", "multilingual"
    docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
    batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
    clean = clean_stage(CleanConfig())
    language = language_stage(LanguageConfig())
    language.setup([Shared()])
    raw = LanguageModel().fasttext_model

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for t in texts:
            run_preset(t, fineweb)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)

    from corpusforge.transforms.filters import multilingual as ml
    from corpusforge.transforms.filters import reference as q
    from corpusforge.transforms.filters import words as w

    memos = [m for module in (q, w, ml) for m in vars(module).values() if isinstance(m, w.ChunkMemo)]

    def cold(preset, **kw) -> float:  # the best of passes that each start with every memo empty (a fresh worker)
        best = float("inf")
        for _ in range(args.repeat):
            for memo in memos:
                memo.clear()
            ml._sentence_ends.cache_clear()  # its memos, one per profile's terminal marks
            started = time.perf_counter()
            for t in texts:
                run_preset(t, preset, **kw)
            best = min(best, time.perf_counter() - started)
        return best

    timings = {
        "ours fineweb, cold": cold(fineweb),
        "ours multilingual, cold": cold(multilingual, lang="en"),
    }
    kept = sum(run_preset(t, fineweb).reason is None for t in texts)
    timings |= {
        "ours fineweb": best_of(args.repeat, lambda: [run_preset(t, fineweb) for t in texts]),
        "ours multilingual": best_of(args.repeat, lambda: [run_preset(t, multilingual, lang="en") for t in texts]),
        "clean stage": best_of(args.repeat, lambda: [clean.apply(b) for b in batches]),
        "language stage": best_of(args.repeat, lambda: [language.apply(b) for b in batches]),
        "raw lid.176": best_of(args.repeat, lambda: [raw.predict(t.replace("\n", " ")) for t in texts]),
    }
    ours_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dt = None if args.no_datatrove else datatrove_seconds(texts, args.datatrove_venv, args.repeat)
    if dt:
        timings["datatrove chain, cold"] = dt["cold_seconds"]
        timings["datatrove chain"] = dt["seconds"]

    print(
        f"{len(texts)} English documents, {megabytes:.1f} MB of text "
        f"(mean {megabytes * 1e6 / len(texts):,.0f} bytes), one core, best of {args.repeat}"
    )
    for name, secs in timings.items():
        print(
            f"  {name:24s} {len(texts) / secs:9,.0f} docs/s  {megabytes / secs:7.2f} MB/s  {1e3 * secs / len(texts):7.3f} ms/doc"
        )
    print(f"fineweb chain kept: ours {kept}" + (f", datatrove {dt['kept']}" if dt else ""))
    if dt:
        for name in ("ours fineweb", "ours multilingual"):
            print(
                f"{name} / datatrove chain: {dt['seconds'] / timings[name]:.1f}x with warm memos (and spaCy's "
                f"warm cache), {dt['cold_seconds'] / timings[name + ', cold']:.1f}x cold"
            )
    print(
        f"peak RSS: ours (incl. lid.176) {ours_rss:,.0f} MB"
        + (f", datatrove process {dt['peak_rss_mb']:,.0f} MB" if dt else "")
    )


if __name__ == "__main__":
    main()
