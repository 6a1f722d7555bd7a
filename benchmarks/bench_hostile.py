"""Benchmark: the whole pipeline on the hostile corpus, with and without its huge inputs, side by side.

    python benchmarks/bench_hostile.py [--workers 2] [--repeat 1] [--keep DIR]

Writes the hostile corpus of tests/hostile/make_hostile.py twice, into a temporary folder: without the
`huge` cases (0.6 MB: every broken record and file, small) and with them (adds the WARC record and the
Content-Encoding body that inflate to 2.25 GiB, the ARC and JSONL members of 320 MiB, the 60 MB page, the
50 MB JSON line, a 2.25 GiB text file). Runs `corpusforge run run_configs/local.yaml` on each (the sample
recipe's stages, tokenizer off, `--workers` DirectRunner processes), and prints per corpus: seconds, input
bytes read (uncompressed), peak RSS of the whole process tree (VmRSS summed over the launcher and every
process below it, sampled every 0.1 s from /proc: an upper bound, shared pages count once per process),
the largest single process's peak RSS in those samples, and whether the run reconciled. The issue's bound is 4 GB for the tree with the huge inputs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))

from make_hostile import write_corpus  # noqa: E402
from process_tree import run_sampled  # noqa: E402


def run(corpus: Path, out: Path, workers: int) -> dict:
    args = [str(Path(sys.executable).with_name("corpusforge")), "run", "run_configs/local.yaml"]
    args += ["--input", str(corpus / "*"), "--output", str(out), "--overwrite", "--quiet"]
    args += ["--set", "tokenizer.enabled=false", "--", f"--direct_num_workers={workers}"]
    done = run_sampled(args, cwd=REPO, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"corpusforge exited {done.returncode}:\n{done.stderr[-3000:]}")
    stats = json.loads((out / "stats.json").read_text())
    return {
        "seconds": done.seconds,
        "bytes_read": stats["bytes_read"],
        "records": stats["records_read"],
        "kept": stats["kept"],
        "tree_peak_gb": done.peak_rss / 1e9,
        "largest_process_gb": done.peak_process_rss / 1e9,
        "reconciled": stats["reconciled"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="DirectRunner worker processes")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each corpus, alternating")
    parser.add_argument("--keep", type=Path, help="write the corpora and outputs here instead of a temporary folder")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = options.keep or Path(scratch)
        corpora = {"small": root / "small", "with huge": root / "huge"}
        write_corpus(corpora["small"], huge=False)
        write_corpus(corpora["with huge"], huge=True)
        rows = []
        for trial in range(options.repeat):
            for name, corpus in corpora.items():
                rows.append((name, trial, run(corpus, root / f"out-{corpus.name}", options.workers)))
    print(f"hostile corpus, {options.workers} DirectRunner workers, sample recipe without the tokenizer")
    print(
        f"{'corpus':10} {'run':>3} {'s':>6} {'MB read':>9} {'records':>7} {'kept':>5} {'tree GB':>8} {'1 proc GB':>9} ok"
    )
    for name, trial, r in rows:
        print(
            f"{name:10} {trial:>3} {r['seconds']:6.1f} {r['bytes_read'] / 1e6:9,.1f} {r['records']:7} {r['kept']:5} "
            f"{r['tree_peak_gb']:8.2f} {r['largest_process_gb']:9.2f} {r['reconciled']}"
        )


if __name__ == "__main__":
    main()
