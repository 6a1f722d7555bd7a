"""Writing: kept documents as sharded Arrow IPC files, dead letters as JSON lines, each appearing atomically;
with `output.write_dropped: all`, every dropped document too, as the same shards with its stage and reason.

Shards are Arrow IPC *file* format (Feather v2), `documents/part-XXXXX-of-YYYYY.arrow`. The shard count is
`ceil(total text bytes / shard_bytes)`, each document goes to shard `hash(id) mod count`, and rows are
sorted by id inside a shard: the same documents always give the same bytes, whatever the runner or the
worker count. A shard is written under a `.tmp` name and renamed when complete. The writer shuffles the
compact DocRefs of the staged documents (transforms/io/staging.py) into their shards, and each shard's
writer reads its documents' texts back from the staged files: no text crosses a shuffle.
Inspect one with: `python -c "import pyarrow as pa; print(pa.ipc.open_file(pa.memory_map('PATH')).read_all())"`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import time
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.files import atomic_write
from corpusforge.pipeline.layout import DOCUMENTS_DIR, REJECTS_DIR
from corpusforge.transforms.accounting import (
    GROUP_KEPT,
    KEPT,
    TALLY,
    WRITE_STAGE,
    AccountingDoFn,
    MeasureShuffle,
)
from corpusforge.transforms.document import (
    Document,
    Rejection,
    annotation_columns,
    document_schema,
    id_order,
    parse_fetch_date,
)
from corpusforge.transforms.io.staging import DocRef, read_documents

DEAD_LETTERS_FILE = f"{REJECTS_DIR}/dead_letters.jsonl"
DROPPED_DIR = f"{REJECTS_DIR}/dropped"  # every dropped document, with output.write_dropped: all
# The columns a dropped document's shard row adds before `meta`: what dropped it (`detail`: the signal and
# threshold that decided, or the id of the duplicate's keeper).
DROP_COLUMNS = {"stage": pa.string(), "reason": pa.string(), "detail": pa.string()}

_PARTITION_LABEL = re.compile(r"[A-Za-z0-9_-]{1,32}")  # what a language label may be to name a folder
WRITE_DROPPED_STAGE = "write_dropped"  # charged with the CPU time of writing rejects/dropped/
_BATCH_BYTES = 32 * 2**20  # record batches stay far below the 2 GiB offset limit of `string` columns


def encode_meta(meta: dict[str, Any]) -> str:
    return json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def documents_to_table(docs: list[Document], schema: pa.Schema) -> pa.Table:
    """Documents as an Arrow table of `schema`; promoted annotations leave `meta`."""
    promoted = annotation_columns(schema.names)
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    for doc in docs:
        meta = dict(doc.meta)
        fetch_date = parse_fetch_date(doc.fetch_date)
        if doc.fetch_date and fetch_date is None:
            meta["fetch_date_unparsed"] = doc.fetch_date
        columns["id"].append(doc.id)
        columns["source_id"].append(doc.source_id)
        columns["url"].append(doc.url)
        columns["text"].append(doc.text)
        columns["source"].append(doc.source)
        columns["fetch_date"].append(fetch_date)
        for name in promoted:
            columns[name].append(meta.pop(name, None))
        columns["meta"].append(encode_meta(meta))
    return pa.table(columns, schema=schema)


def file_info(relpath: str, data: bytes | memoryview, rows: int) -> dict[str, Any]:
    """A written file as the manifest lists it."""
    return {"path": relpath, "rows": rows, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def shard_name(index: int, count: int, partition: str = "", folder: str = DOCUMENTS_DIR) -> str:
    folder = f"{folder}/{partition}" if partition else folder
    return f"{folder}/part-{index:05d}-of-{count:05d}.arrow"


def dropped_schema(promoted: Iterable[str] = ()) -> pa.Schema:
    """The shard schema of dropped documents: the document schema with DROP_COLUMNS before `meta`."""
    schema = document_schema(promoted)
    at = schema.get_field_index("meta")
    for offset, (name, kind) in enumerate(DROP_COLUMNS.items()):
        schema = schema.insert(at + offset, pa.field(name, kind))
    return schema


def shard_of(doc_id: str, count: int) -> int:
    """The shard a document goes to: its (hex, uniformly distributed) id modulo the shard count."""
    return int(doc_id[:16], 16) % count


class _WriteShardFn(AccountingDoFn):
    """((partition, shard index), [(location, annotations) | None]) → the shard's file info, its documents
    read back from the staged files; tallies `write/out` (kept documents: their count, groups, lengths and
    languages) and the CPU time of writing, under `stage`."""

    def __init__(self, *, out_dir: str, schema: pa.Schema, compression: str | None, folder: str, stage: str):
        self._out_dir = out_dir
        self._schema = schema
        self._compression = compression
        self._folder = folder
        self._stage = stage

    def process(self, element, shard_counts: dict[str, int]):
        (partition, index), refs = element
        started = time.thread_time_ns()
        docs = sorted(
            (doc for _, doc in read_documents(self._out_dir, (r for r in refs if r is not None))), key=id_order
        )
        sink = pa.BufferOutputStream()
        options = pa.ipc.IpcWriteOptions(compression=self._compression)
        with pa.ipc.new_file(sink, self._schema, options=options) as writer:
            for batch in _batches(docs):
                writer.write_table(documents_to_table(batch, self._schema))
        data = memoryview(sink.getvalue())  # no copy: hashed and written from Arrow's buffer
        relpath = shard_name(index, shard_counts[partition], partition, self._folder)
        atomic_write(FileSystems.join(self._out_dir, relpath), data)
        info = file_info(relpath, data, len(docs))
        self.tally.cpu(self._stage, time.thread_time_ns() - started)
        text_bytes = 0
        for doc in docs:
            nbytes = len(doc.text.encode("utf-8"))
            text_bytes += nbytes
            if self._stage == WRITE_STAGE:
                self.tally.groups(WRITE_STAGE, GROUP_KEPT, doc.meta.get("groups", ()))
                self.tally.describe(WRITE_STAGE, KEPT, doc, nbytes)
        if self._stage == WRITE_STAGE:
            self.tally.add(WRITE_STAGE, "out", text_bytes, records=len(docs))
        yield {**info, "text_bytes": text_bytes}


def _batches(docs: list[Document]) -> Iterable[list[Document]]:
    batch: list[Document] = []
    size = 0
    for doc in docs:
        batch.append(doc)
        size += len(doc.text)
        if size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class WriteArrowShards(beam.PTransform):
    """PCollection[DocRef] → Arrow shards under `out_dir/documents/` (or `documents/lang=xx/` per language), the
    documents read back from the staged files under `out_dir` (`staging.StageDocuments`); with `dropped`,
    documents carrying `stage`, `reason` and `detail` in their annotations (`WriteDroppedDocuments`) under
    `rejects/dropped/`, those three as columns, and not counted as written.

    With `partition_by_language`, each language (`meta["lang"]`; `und` when absent or not a plain label of
    letters, digits, `_` and `-`) gets its own folder and its own shard count. Output: a tagged result with
    `main` (PCollection[dict], one file info per shard: path, rows, bytes, sha256, text_bytes) and `tally`.
    """

    def __init__(
        self,
        out_dir: str,
        *,
        shard_bytes: int,
        compression: str = "none",
        promoted: Iterable[str] = (),
        partition_by_language: bool = False,
        dropped: bool = False,
    ):
        super().__init__()
        self._shard_bytes = shard_bytes
        self._partition_by_language = partition_by_language
        self._stage = WRITE_DROPPED_STAGE if dropped else WRITE_STAGE
        self._fn = _WriteShardFn(
            out_dir=out_dir,
            schema=dropped_schema(promoted) if dropped else document_schema(promoted),
            compression=None if compression == "none" else compression,
            folder=DROPPED_DIR if dropped else DOCUMENTS_DIR,
            stage=self._stage,
        )

    def expand(self, refs: beam.PCollection) -> dict[str, beam.PCollection]:
        shard_bytes = self._shard_bytes
        by_language = self._partition_by_language

        def partition(ref: DocRef) -> str:
            if not by_language:
                return ""
            lang = str(ref.lang or "und")
            # A folder name from record content (`lang` may come from an input's meta): labels only, never a path.
            return f"lang={lang if _PARTITION_LABEL.fullmatch(lang) else 'und'}"

        shard_counts = (
            refs
            | "TextBytes" >> beam.Map(lambda r: (partition(r), r.nbytes))
            | "TotalBytes" >> beam.CombinePerKey(sum)
            | "ShardCount" >> beam.Map(lambda kv: (kv[0], max(1, math.ceil(kv[1] / shard_bytes))))
        )  # (partition, shard count)
        counts = beam.pvalue.AsDict(shard_counts)
        # Only where each document lies and what to add to its meta cross the shuffle.
        keyed = refs | "AssignShard" >> beam.Map(
            lambda r, n: ((partition(r), shard_of(r.id, n[partition(r)])), r.placed), n=counts
        )
        # One empty slot per shard, so that every part-i-of-n exists even when no document hashes to it.
        slots = shard_counts | "ShardSlots" >> beam.FlatMap(lambda kv: [((kv[0], i), None) for i in range(kv[1])])
        grouped = (keyed, slots) | "WithSlots" >> beam.Flatten() | "Measure" >> MeasureShuffle(self._stage)
        written = (
            grouped.main
            | "GroupShards" >> beam.GroupByKey()  # ((partition, shard index), [(location, annotations) | None])
            | "WriteShards" >> beam.ParDo(self._fn, shard_counts=counts).with_outputs(TALLY, main="main")
        )
        return {"main": written.main, TALLY: (grouped[TALLY], written[TALLY]) | "Tallies" >> beam.Flatten()}


class WriteDroppedDocuments(beam.PTransform):
    """PCollection[(Rejection, DocRef)] (the `dropped` outputs of the stages, staged: `staging.StageDropped`) →
    every dropped document as Arrow shards under `rejects/dropped/`, sharded and ordered like the kept ones,
    with `stage`, `reason` and `detail` columns: for audits, and for re-thresholding stored signals without
    recomputing them. Output: the shards' file infos."""

    def __init__(self, out_dir: str, *, shard_bytes: int, compression: str = "none", promoted: Iterable[str] = ()):
        super().__init__()
        self._write = WriteArrowShards(
            out_dir, shard_bytes=shard_bytes, compression=compression, promoted=promoted, dropped=True
        )

    def expand(self, dropped: beam.PCollection) -> beam.PCollection:
        return (
            dropped
            | "WithReason"
            >> beam.MapTuple(lambda r, ref: ref.with_annotations(stage=r.stage, reason=r.reason, detail=r.detail))
            | "Write" >> self._write
        )["main"]


def rejection_record(rejection: Rejection) -> dict[str, Any]:
    # `groups` serves the bias audit of drops; dead letters are not part of it.
    return {k: (v.value if k == "verdict" else v) for k, v in dataclasses.asdict(rejection).items() if k != "groups"}


class WriteDeadLetters(beam.PTransform):
    """PCollection[Rejection] → `rejects/dead_letters.jsonl` (always written, maybe empty), sorted by place.

    Each line: verdict, stage, reason, source (input path relative to its glob), offset, record_id,
    nbytes, detail — enough to find the original bytes. Output: PCollection with the file's info.
    Dead letters are rare, so they are gathered into one file.
    """

    def __init__(self, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, rejections: beam.PCollection) -> beam.PCollection:
        out_dir = self._out_dir

        def write(items: list[Rejection]) -> dict[str, Any]:
            items = sorted(
                items,
                key=lambda r: (
                    r.source,
                    -1 if r.offset is None else r.offset,
                    r.stage,
                    r.reason,
                    r.record_id or "",
                    r.detail,
                ),
            )
            data = "".join(json.dumps(rejection_record(r), ensure_ascii=False, sort_keys=True) + "\n" for r in items)
            encoded = data.encode("utf-8")
            atomic_write(FileSystems.join(out_dir, DEAD_LETTERS_FILE), encoded)
            return file_info(DEAD_LETTERS_FILE, encoded, len(items))

        return rejections | "Gather" >> beam.combiners.ToList() | "Write" >> beam.Map(write)
