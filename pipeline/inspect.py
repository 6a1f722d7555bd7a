"""`corpusforge inspect DIR`: a summary of a finished run, from its manifest and shards, or of a failed run
(its staging folder: the reason and the funnel of its stats)."""

from __future__ import annotations

import collections

import pyarrow as pa
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from rich.console import Console
from rich.table import Table

from corpusforge.pipeline.config import ConfigError
from corpusforge.pipeline.files import read_json
from corpusforge.pipeline.layout import MANIFEST, STATS, SUCCESS, TIMINGS
from corpusforge.pipeline.output_dir import FAILED_MARKER, current_run
from corpusforge.pipeline.progress import funnel_table


def language_counts(out_dir: str, shard_paths: list[str]) -> collections.Counter:
    """Rows per `lang` over all shards (empty when the run had no language stage)."""
    counts: collections.Counter = collections.Counter()
    for path in shard_paths:
        with FileSystems.open(FileSystems.join(out_dir, path), compression_type=CompressionTypes.UNCOMPRESSED) as f:
            reader = pa.ipc.open_file(pa.BufferReader(f.read()))
            if "lang" not in reader.schema.names:
                return counts
            for i in range(reader.num_record_batches):
                counts.update(reader.get_batch(i).column("lang").to_pylist())
    return counts


def inspect_run(out_dir: str, console: Console) -> int:
    out_dir = current_run(out_dir)  # on an object store, the run that _LATEST names
    manifest_path = FileSystems.join(out_dir, MANIFEST)
    failed_path = FileSystems.join(out_dir, FAILED_MARKER)
    if not FileSystems.exists(manifest_path) and FileSystems.exists(failed_path):
        return _inspect_failed(out_dir, failed_path, console)
    if not FileSystems.exists(manifest_path):
        raise ConfigError(f"{out_dir}: no {MANIFEST}; not a finished corpusforge run")
    manifest = read_json(manifest_path)
    shards = manifest["shards"]
    complete = FileSystems.exists(FileSystems.join(out_dir, SUCCESS))
    volatile = manifest.get("volatile", {})
    console.print(
        f"[bold]{out_dir}[/bold]: run {manifest['config']['run']['name']!r}, "
        f"{'complete' if complete else 'INCOMPLETE (no _SUCCESS)'}, finished {volatile.get('finished_at')}, "
        f"{volatile.get('duration_secs')} s, {len(manifest['inputs'])} input files",
        highlight=False,
    )
    table = Table(title="shards", title_justify="left")
    for column in ("path", "rows", "MB", "sha256"):
        table.add_column(column, justify="right" if column in ("rows", "MB") else "left")
    for shard in shards + manifest.get("rejects", []):
        table.add_row(shard["path"], f"{shard['rows']:,}", f"{shard['bytes'] / 1e6:,.2f}", shard["sha256"][:16])
    table.caption = f"{sum(s['rows'] for s in shards):,} documents in {len(shards)} shards, {sum(s['bytes'] for s in shards) / 1e6:,.2f} MB"
    console.print(table)
    languages = language_counts(out_dir, [s["path"] for s in shards])
    if languages:
        console.print(
            "languages: " + ", ".join(f"{lang} {n:,}" for lang, n in languages.most_common()), highlight=False
        )
    tokenizer = manifest.get("tokenizer")
    if tokenizer and tokenizer.get("shards"):
        splits = ", ".join(f"{split} {n:,}" for split, n in tokenizer["tokens"].items())
        console.print(
            f"tokens: {splits} ({tokenizer['dtype']}, {tokenizer['output']}, seq_len {tokenizer['seq_len']}) in "
            f"{len(tokenizer['shards'])} shards; tokenizer {tokenizer['vocab_size']:,} pieces, "
            f"sha256 {tokenizer['model_sha256'][:16]}",
            highlight=False,
        )
    timings_path = FileSystems.join(out_dir, TIMINGS)
    timings = read_json(timings_path) if FileSystems.exists(timings_path) else {}
    console.print(funnel_table(manifest["stats"], timings.get("stage_cpu_secs")))
    report = FileSystems.join(out_dir, "report.html")
    if FileSystems.exists(report):
        console.print(f"report: {report}", highlight=False)
    return 0


def _inspect_failed(out_dir: str, failed_path: str, console: Console) -> int:
    with FileSystems.open(failed_path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        reason = f.read().decode("utf-8", "replace").strip()
    console.print(f"[bold]{out_dir}[/bold]: FAILED run: {reason}", highlight=False, soft_wrap=True)
    stats_path = FileSystems.join(out_dir, STATS)
    if FileSystems.exists(stats_path):
        console.print(funnel_table(read_json(stats_path)))
    return 0
