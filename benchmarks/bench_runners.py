"""Benchmark: the default recipe end to end on the DirectRunner and on the Dask runner, same input, same cores.

    python benchmarks/bench_runners.py [--repeat 4] [--workers 2] [--trials 2]

Input: the WARC files under ../shared/data/warc/ linked `--repeat` times (as bench_read_extract.py does),
run through run_configs/local.yaml (every stage: extract, clean, language, quality, safety, dedup, the
tokenizer) by the `corpusforge run` command in a fresh process, once on the DirectRunner with `--workers`
worker processes and once on the Dask runner against a local cluster of `--workers` single-threaded worker
processes, alternating, `--trials` times; the fastest of each counts. A Dask cluster outlives its jobs:
each Dask trial gets a fresh cluster (for its workers' peak memory), whose start is timed apart.

Prints per runner: wall time, pages/s per core (pages = web pages reaching extraction), core-hours per
million pages, peak RSS (the launcher and its largest worker process); for Dask, the bytes its workers
sent each other (distributed's transfer counters) and the bytes through its task shuffles (the pickled
size of every piece a shuffle moves, summed over all GroupByKeys and Reshuffles, whichever worker it goes
to), per document (documents = records entering the clean stage, from every input). The copies of
`--repeat` are exact duplicates that dedup drops, so shuffle bytes per document are representative with
`--repeat 1` only. Checks that both runs wrote the same shards and manifest (less `volatile`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dask.distributed
from bench_read_extract import SHARED_WARC, link_inputs
from distributed.diagnostics.plugin import WorkerPlugin

REPO = Path(__file__).resolve().parents[1]


class ShuffleBytes(WorkerPlugin):
    """Sums the pickled sizes of the pieces dask's task shuffles move (`shuffle-split` tasks), on a worker.

    (The sizes dask keeps itself come from `sizeof`, which measures a dataclass such as a Document
    shallowly, without its text.)
    """

    name = "corpusforge-shuffle-bytes"

    def setup(self, worker) -> None:
        self._worker = worker
        self.bytes = 0

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish == "memory" and isinstance(key, tuple) and str(key[0]).startswith("shuffle-split"):
            self.bytes += len(pickle.dumps(self._worker.data[key], protocol=pickle.HIGHEST_PROTOCOL))


def run_cli(args: list[str]) -> tuple[float, int]:
    """`corpusforge run ARGS` in a fresh process: wall seconds and the peak RSS (KiB) of it or any worker
    process it started and waited for."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "corpusforge.pipeline.cli", "run", *args], cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"corpusforge run failed: {args}")
    return elapsed, usage.ru_maxrss


def direct_trial(inputs: str, out: Path, workers: int) -> dict:
    options = ["--runner=DirectRunner", "--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    elapsed, rss = run_cli(
        ["run_configs/local.yaml", "--input", inputs, "--output", str(out), "--quiet", "--", *options]
    )
    return {"secs": elapsed, "launcher_or_worker_rss_kib": rss}


def dask_trial(inputs: str, out: Path, workers: int) -> dict:
    started = time.perf_counter()
    cluster = dask.distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    client = dask.distributed.Client(cluster)
    cluster_secs = time.perf_counter() - started
    try:
        client.register_plugin(ShuffleBytes())
        options = ["--runner=DaskRunner", f"--dask_client_address={cluster.scheduler_address}"]
        elapsed, launcher_rss = run_cli(
            ["run_configs/local.yaml", "--input", inputs, "--output", str(out), "--quiet", "--", *options]
        )
        worker_rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        sent = client.run(lambda dask_worker: dask_worker.transfer_outgoing_bytes_total)
        shuffled = client.run(lambda dask_worker: dask_worker.plugins[ShuffleBytes.name].bytes)
    finally:
        client.close()
        cluster.close()
    return {
        "secs": elapsed,
        "cluster_start_secs": cluster_secs,
        "launcher_rss_kib": launcher_rss,
        "worker_rss_kib": max(worker_rss.values()),
        "sent_between_workers": sum(sent.values()),
        "shuffled": sum(shuffled.values()),
    }


def manifest(out: Path) -> dict:
    data = json.loads((out / "manifest.json").read_text())
    data.pop("volatile")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=4, help="copies of the input tree (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each runner (default 2)")
    parser.add_argument("--trials", type=int, default=2, help="alternating runs of each; the fastest counts")
    args = parser.parse_args()
    if not SHARED_WARC.is_dir():
        sys.exit(f"missing {SHARED_WARC} (see ../shared/README.md)")

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = link_inputs(tmp / "in", args.repeat, with_arc=False)
        inputs = str(tmp / "in" / "**")
        input_mb = sum(os.path.getsize(f) for f in files) / 1e6
        direct, dask = [], []
        for trial in range(args.trials):  # alternate: a shared machine's load drifts
            direct.append(direct_trial(inputs, tmp / f"direct{trial}", args.workers))
            dask.append(dask_trial(inputs, tmp / f"dask{trial}", args.workers))
        if manifest(tmp / "direct0") != manifest(tmp / "dask0"):
            sys.exit("the two runners wrote different outputs")
        stats = json.loads((tmp / "direct0" / "stats.json").read_text())

    pages = stats["stages"]["extract"]["in"]["records"]
    documents = stats["stages"]["clean"]["in"]["records"]
    cores = args.workers
    print(
        f"input: {len(files)} files, {input_mb:.1f} MB, {stats['records_read']:,} records, {pages:,} pages, "
        f"{documents:,} documents, {stats['kept']:,} kept; outputs identical on both runners"
    )
    for name, trials in (("DirectRunner", direct), ("Dask runner", dask)):
        best = min(trials, key=lambda t: t["secs"])
        secs = best["secs"]
        all_secs = ", ".join(f"{t['secs']:.1f}" for t in trials)
        print(
            f"{name} ({cores} worker processes, best of {args.trials}: {all_secs} s): "
            f"{secs:.1f} s, {pages / secs / cores:,.1f} pages/s/core, "
            f"{secs * cores / 3600 / (pages / 1e6):,.0f} core-hours per million pages"
        )
        if "worker_rss_kib" in best:
            print(
                f"  peak RSS: launcher {best['launcher_rss_kib'] / 1024:,.0f} MB, largest worker "
                f"{best['worker_rss_kib'] / 1024:,.0f} MB; cluster start {best['cluster_start_secs']:.1f} s (not in the time)"
            )
            print(
                f"  per document: {best['sent_between_workers'] / documents / 1e3:,.1f} kB sent between workers, "
                f"{best['shuffled'] / documents / 1e3:,.1f} kB through task shuffles "
                f"(text in: {stats['stages']['clean']['in']['bytes'] / documents / 1e3:,.1f} kB a document)"
            )
        else:
            print(f"  peak RSS: launcher or largest worker {best['launcher_or_worker_rss_kib'] / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
