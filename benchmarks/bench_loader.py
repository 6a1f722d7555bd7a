"""Loader throughput: tokens/s per worker and memory, memory-mapped shards against shards read into memory.

Builds packed token shards (our own writer, tokenizer/shards.py) from real text in ../shared/data (C4 and
Wikipedia demos, Dolma CC, lingua sentences; tokenized with a SentencePiece model trained on them, documents
repeated in shuffled rounds up to `--tokens`), then reads one epoch of batches in each mode, each in its own
process (so peak memory is its own), alternating the modes `--trials` times:

    mmap      ShardLoader over memory-mapped shards (the default)
    memory    ShardLoader with ShardSet(memory_map=False): every shard read into memory first
    pylists   the reference a user writes today: each shard read with `read_all().to_pylist()`, rows shuffled,
              the same Collator (so the two differ only in how the tokens are held)
    torch-N   ResumableDataLoader over memory-mapped shards with N worker processes (with torch installed)
    ipc-1     the ceiling of a DataLoader worker: one ready batch of the same tensors, cloned and sent as many
              times as the epoch has batches (the cost of moving batches between processes, without reading)

Reported: tokens/s (input tokens in batches) and per worker, peak anonymous memory (RssAnon: the process's
own allocations) and file-backed resident memory (RssFile: page cache it maps, shared and reclaimable).

    python benchmarks/bench_loader.py [--tokens 20000000] [--seq-len 2048] [--batch-size 8] [--trials 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import sentencepiece as spm

from corpusforge.loader import Collator, ShardLoader, ShardSet
from corpusforge.tokenizer.shards import packed_table, table_bytes

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MODES = ("mmap", "memory", "pylists", "torch-1", "torch-2", "ipc-1")


def real_texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in (DATA / "text/llama-factory-web/c4_demo.jsonl").open()]
    texts += (DATA / "text/llama-factory-web/wiki_demo.txt").read_text().split("\n\n")
    for path in sorted((DATA / "text/dolma-cc-en").glob("*.jsonl.gz")):
        texts += [json.loads(line)["text"] for line in gzip.open(path, "rt", encoding="utf-8")]
    for path in sorted((DATA / "langid/lingua-sentences").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += ["\n".join(lines[i : i + 20]) for i in range(0, len(lines), 20)]
    return [t for t in texts if t.strip()]


def build_shards(directory: Path, *, tokens: int, seq_len: int, shards: int) -> list[Path]:
    texts = real_texts()
    model = directory / "bench.model"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts[::4]),  # a sample: the model only has to be real
        model_prefix=str(model.with_suffix("")),
        vocab_size=8000,
        byte_fallback=True,
        num_threads=2,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(model))
    docs = [np.asarray(ids, dtype=np.uint16) for ids in sp.encode(texts, add_eos=True)]
    rng, rounds, total = random.Random(0), [], 0
    while total < tokens:  # shuffled rounds of the real documents
        order = list(range(len(docs)))
        rng.shuffle(order)
        for i in order:
            rounds.append(docs[i])
            total += len(docs[i])
            if total >= tokens:
                break
    paths = []
    for k, part in enumerate(np.array_split(np.arange(len(rounds)), shards)):
        path = directory / f"part-{k:05d}-of-{shards:05d}.arrow"
        table = packed_table([f"{i:032x}" for i in part], [rounds[i] for i in part], seq_len=seq_len, dtype=np.uint16)
        path.write_bytes(table_bytes(table))
        paths.append(path)
    return paths


def memory_mb() -> tuple[float, float]:
    """(RssAnon, RssFile) of this process, MiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("RssAnon", "RssFile"))


def measure(mode: str, paths: list[Path], batch_size: int) -> dict:
    """One epoch in `mode`; runs in its own process."""
    if mode.startswith(("torch", "ipc")):
        from torch.utils.data import DataLoader, IterableDataset  # imported before the clock starts

        from corpusforge.loader.pytorch import ResumableDataLoader, ShardDataset
    base_anon, _ = memory_mb()
    started = time.perf_counter()
    if mode in ("mmap", "memory"):
        shards = ShardSet.from_files(paths, pad_id=0, memory_map=mode == "mmap")
        batches = iter(ShardLoader(shards, batch_size=batch_size, seed=0))
    elif mode == "pylists":
        rows = []
        for path in paths:
            table = pa.ipc.open_file(str(path)).read_all()
            rows += zip(table.column("tokens").to_pylist(), table.column("segment_starts").to_pylist())
        random.Random(0).shuffle(rows)
        collate = Collator(pad_id=0, length=max(len(r[0]) for r in rows))

        def lists():
            for i in range(0, len(rows), batch_size):
                chunk = rows[i : i + batch_size]
                yield collate(
                    [
                        {"input_ids": np.asarray(t, np.uint16), "segment_starts": np.asarray(s, np.int32)}
                        for t, s in chunk
                    ]
                )

        batches = lists()
    elif mode.startswith("torch"):
        dataset = ShardDataset(ShardSet.from_files(paths, pad_id=0), batch_size=batch_size, seed=0)
        batches = iter(ResumableDataLoader(dataset, num_workers=int(mode.split("-")[1])))
    else:
        dataset = ShardDataset(ShardSet.from_files(paths, pad_id=0), batch_size=batch_size, seed=0)
        ready, count = next(iter(ResumableDataLoader(dataset))), -(-len(dataset) // batch_size)

        class Ready(IterableDataset):
            def __iter__(self):
                for _ in range(count):
                    yield {k: v.clone() if hasattr(v, "clone") else v for k, v in ready.items()}

        batches = iter(DataLoader(Ready(), batch_size=None, num_workers=1))
    tokens, peak_anon, peak_file = 0, 0.0, 0.0
    for n, batch in enumerate(batches):
        tokens += int(batch["attention_mask"].sum())
        if n % 50 == 0:
            anon, file = memory_mb()
            peak_anon, peak_file = max(peak_anon, anon), max(peak_file, file)
    seconds = time.perf_counter() - started
    anon, file = memory_mb()
    workers = int(mode.split("-")[1]) if "-" in mode else 1
    return {
        "mode": mode,
        "tokens": tokens,
        "seconds": seconds,
        "tokens_per_s": tokens / seconds,
        "tokens_per_s_per_worker": tokens / seconds / workers,
        "anon_mb": max(peak_anon, anon) - base_anon,
        "file_mb": max(peak_file, file),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=20_000_000)
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--modes", nargs="*", default=list(MODES))
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one mode, in a child process
    parser.add_argument("--paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, [Path(p) for p in args.paths], args.batch_size)))
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        args.modes = [m for m in args.modes if not m.startswith(("torch", "ipc"))]
    with tempfile.TemporaryDirectory() as tmp:
        paths = build_shards(Path(tmp), tokens=args.tokens, seq_len=args.seq_len, shards=args.shards)
        size = sum(p.stat().st_size for p in paths) / 2**20
        print(f"{len(paths)} shards, {size:.0f} MiB, seq_len {args.seq_len}, batch {args.batch_size}")
        results: dict[str, list[dict]] = {m: [] for m in args.modes}
        for _ in range(args.trials):
            for mode in args.modes:
                command = [sys.executable, __file__, "--measure", mode, "--batch-size", str(args.batch_size)]
                out = subprocess.run(
                    [*command, "--paths", *map(str, paths)], capture_output=True, text=True, check=True
                )
                results[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"{'mode':9s} {'tokens/s':>12s} {'per worker':>12s} {'anon MiB':>9s} {'file MiB':>9s}   (median of {args.trials})"
    )
    for mode, runs in results.items():
        med = {
            k: statistics.median(r[k] for r in runs)
            for k in ("tokens_per_s", "tokens_per_s_per_worker", "anon_mb", "file_mb")
        }
        print(
            f"{mode:9s} {med['tokens_per_s']:12,.0f} {med['tokens_per_s_per_worker']:12,.0f} "
            f"{med['anon_mb']:9.0f} {med['file_mb']:9.0f}"
        )


if __name__ == "__main__":
    main()
