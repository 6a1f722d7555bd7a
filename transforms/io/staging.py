"""Staging: documents written once to temporary files, and the compact records the corpus-wide steps shuffle.

After the per-document stages, `StageDocuments` appends every surviving document to a temporary file under
`<output>/_temporary/` and emits a `DocRef`: its id, size, language, bias groups, the keys dedup compares
(a text hash, a MinHash signature) and where its record lies (file, offset, length). Dedup, shard assignment
and the tokenizer's sample work on DocRefs (a few hundred bytes); a document's text crosses no shuffle: the
steps that need it read it back by location (`read_documents`), as datatrove passes files between its dedup
stages. Only `apache_beam.io.filesystems` is used, so the temporary folder may be local, on a shared disk or
on gs://: workers write, later stages read by path.

Records are pickled Documents (the same objects, exactly: meta keeps its types), one after another, in files
of up to `ROLL_BYTES` named by a random token (`_temporary/documents/<token>.bin`; token ids of the
tokenizer likewise under `tokens/`); a retried bundle writes new files and its refs are discarded with
it, so an orphaned file is never read. A file is only read downstream of a shuffle, after the bundle
that wrote it has finished (and closed it). `WriteRunSummary` deletes the folder once every shard is written;
a run that fails or dies leaves it in its staging location, which `pipeline/output_dir.py` deletes.

Inspect a record: `pickle.loads(open(PATH, 'rb').read()[offset:offset + length])`, with
`struct.unpack('<8sQQ', location)` giving (file token, offset, length).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
import xxhash
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.layout import TEMPORARY_DIR
from corpusforge.transforms.accounting import TALLY, AccountingDoFn, MeasureShuffle, Tally
from corpusforge.transforms.document import Document, Rejection, parse_fetch_date

ROLL_BYTES = 64 * 2**20  # a staged file is closed past this size and the next record starts a new one
_READ_GAP = 256 * 2**10  # records closer than this in a file are read in one request, the gap skipped in memory
_READ_SPAN = 16 * 2**20  # but no request reads more than this

DOCUMENTS = "documents"  # the kinds of staged records, each a folder: pickled Documents
TOKENS = "tokens"  # and token ids (raw arrays)
# Where a record lies: its file's random 8-byte token, offset and length, packed to a fixed width so that a
# ref's encoded size (the shuffle figure in stats.json) does not depend on where its record landed.
_LOCATION = struct.Struct("<8sQQ")
Location = bytes
Placed = tuple[Location, Mapping[str, Any]]  # a staged document and the annotations to add to its meta


def location_file(location: Location) -> bytes:
    """The token of the file a record lies in (what `GroupByStagedFile` groups by)."""
    return location[:8]


def temporary_dir(out_dir: str) -> str:
    """The run's temporary folder: always under its own output directory."""
    return FileSystems.join(out_dir, TEMPORARY_DIR)


def delete_temporary(out_dir: str) -> None:
    """Remove the run's temporary folder and everything in it (files first: object stores have no folders)."""
    folder = temporary_dir(out_dir)
    files = [m.path for m in FileSystems.match([FileSystems.join(folder, "**")])[0].metadata_list]
    if files:
        FileSystems.delete(files)
    if FileSystems.exists(folder):
        FileSystems.delete([folder])


def _file_path(out_dir: str, kind: str, token: bytes) -> str:
    return FileSystems.join(temporary_dir(out_dir), kind, f"{token.hex()}.bin")


class StagedWriter:
    """Appends records to files `<temporary>/<kind>/<token>.bin`, a new file past ROLL_BYTES. One per bundle."""

    def __init__(self, out_dir: str, kind: str):
        self._out_dir = out_dir
        self._kind = kind
        self._file: Any = None
        self._token = b""
        self._size = 0

    def append(self, data: bytes) -> Location:
        if self._file is None:
            self._token = os.urandom(8)
            path = _file_path(self._out_dir, self._kind, self._token)
            self._file = FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED)
            self._size = 0
        location = _LOCATION.pack(self._token, self._size, len(data))
        self._file.write(data)
        self._size += len(data)
        if self._size >= ROLL_BYTES:
            self.close()
        return location

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_staged(out_dir: str, kind: str, locations: Iterable[Location]) -> Iterator[tuple[Location, bytes]]:
    """The `kind` records at `locations`, file by file in offset order; nearby records are read in one request."""
    by_file: dict[bytes, list[tuple[int, int, Location]]] = {}
    for location in set(locations):
        token, offset, length = _LOCATION.unpack(location)
        by_file.setdefault(token, []).append((offset, length, location))
    for token in sorted(by_file):
        wanted = sorted(by_file[token])
        path = _file_path(out_dir, kind, token)
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            i = 0
            while i < len(wanted):  # one request from wanted[i] through wanted[j - 1]
                start, end, j = wanted[i][0], wanted[i][0] + wanted[i][1], i + 1
                while j < len(wanted):
                    next_offset, next_length, _ = wanted[j]
                    if next_offset - end > _READ_GAP or next_offset + next_length - start > _READ_SPAN:
                        break
                    end = max(end, next_offset + next_length)
                    j += 1
                f.seek(start)
                span = f.read(end - start)
                if len(span) != end - start:
                    raise OSError(f"{path}: truncated temporary file (wanted {end} bytes, found {start + len(span)})")
                for offset, length, location in wanted[i:j]:
                    yield location, span[offset - start : offset - start + length]
                i = j


@dataclasses.dataclass(frozen=True, slots=True)
class DocRef:
    """What the corpus-wide steps see of a staged document (a few hundred bytes; no text).

    id, source, url: as the Document's. `fetched`: its fetch time (seconds since the epoch) or None.
    nbytes, nchars: UTF-8 bytes (tallies, shard counts) and characters (the length histograms) of its text.
    lang, groups: `meta["lang"]`, `meta["groups"]`.
    digest: xxh3-64 of the text, to order documents that share id, source and URL (an input may repeat a
        record id) without the text.
    location: where the pickled Document lies.
    text_hash: the exact-dedup key (normalized text); signature: the MinHash signature (uint32 bytes, empty
        without shingles); each None where the config does not ask for it.
    failed: the dead letter of a key that could not be computed; its `stage` is the step that needs the
        key, which dead-letters the document.
    annotations: meta added by the corpus-wide steps (`dup_cluster_id`, ...), applied when the document is
        read back.
    """

    id: str
    source: str
    url: str | None
    fetched: float | None
    nbytes: int
    nchars: int
    lang: str | None
    groups: tuple[str, ...]
    digest: int
    location: Location
    text_hash: bytes | None = None
    signature: bytes | None = None
    failed: Rejection | None = None
    annotations: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def with_annotations(self, **annotations: Any) -> DocRef:
        return dataclasses.replace(self, annotations={**self.annotations, **annotations})

    @property
    def placed(self) -> Placed:
        return self.location, self.annotations


def encode_document(doc: Document) -> bytes:
    """A Document as a staged record (pickle: every field and meta value comes back as it was)."""
    return pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)


def decode_document(data: bytes) -> Document:
    """A staged record back as its Document; only ever records this run wrote under its own output."""
    return pickle.loads(data)


def ref_order(ref: DocRef) -> tuple[str, str, str, int]:
    """`document.id_order` for refs: the id; source, URL and a text digest only break ties."""
    return ref.id, ref.source, ref.url or "", ref.digest


def read_documents(out_dir: str, placed: Iterable[Placed]) -> Iterator[tuple[Location, Document]]:
    """The staged documents at `placed` read back, each with its annotations added to meta; file by file, in
    offset order. Documents are decoded one at a time: a caller that keeps them holds only what it keeps."""
    annotations = dict(placed)
    for location, data in read_staged(out_dir, DOCUMENTS, annotations):
        doc = decode_document(data)
        yield location, (doc.with_meta(**annotations[location]) if annotations[location] else doc)


def read_refs(out_dir: str, refs: Iterable[DocRef]) -> Iterator[tuple[DocRef, Document]]:
    """`read_documents` for refs: each ref with its document."""
    by_location = {ref.location: ref for ref in refs}
    for location, doc in read_documents(out_dir, (ref.placed for ref in by_location.values())):
        yield by_location[location], doc


# The dedup keys of a document: (text_hash, signature, dead letter if a key failed), computed at staging,
# their CPU tallied under the dedup steps that need them.
DocumentKeys = Callable[[Document, Tally], tuple[bytes | None, bytes | None, Rejection | None]]


class _StageFn(AccountingDoFn):
    """Document → DocRef, the document appended to this bundle's temporary file (with `paired`: (x, Document)
    → (x, DocRef)); the dedup keys' CPU on `TALLY`."""

    def __init__(self, out_dir: str, keys: DocumentKeys | None, *, paired: bool = False):
        self._out_dir = out_dir
        self._keys = keys
        self._paired = paired

    def start_bundle(self) -> None:
        super().start_bundle()
        self._writer = StagedWriter(self._out_dir, DOCUMENTS)

    def process(self, element: Document | tuple[Any, Document]) -> Iterator[DocRef | tuple[Any, DocRef]]:
        if self._paired:
            other, doc = element
            yield other, self._stage(doc)
        else:
            yield self._stage(element)

    def _stage(self, doc: Document) -> DocRef:
        text_hash = signature = failed = None
        if self._keys is not None:
            text_hash, signature, failed = self._keys(doc, self.tally)
        fetched = parse_fetch_date(doc.fetch_date)
        text = doc.text.encode("utf-8")
        return DocRef(
            id=doc.id,
            source=doc.source,
            url=doc.url,
            fetched=fetched.timestamp() if fetched else None,
            nbytes=len(text),
            nchars=len(doc.text),
            lang=doc.meta.get("lang"),
            groups=tuple(doc.meta.get("groups", ())),
            digest=xxhash.xxh3_64_intdigest(text),
            location=self._writer.append(encode_document(doc)),
            text_hash=text_hash,
            signature=signature,
            failed=failed,
        )

    def finish_bundle(self) -> Iterator[beam.pvalue.TaggedOutput]:
        self._writer.close()
        yield from super().finish_bundle()


class StageDocuments(beam.PTransform):
    """PCollection[Document] → `main`: PCollection[DocRef], each document written once under
    `<out_dir>/_temporary/`; and `tally`: the CPU of the dedup keys.

    `keys`: computes the dedup keys where the text is at hand (`dedup.keys.DedupKeys`); None: no dedup.
    Fused with the stages before it: no shuffle, nothing held beyond one record.
    """

    def __init__(self, out_dir: str, keys: DocumentKeys | None = None):
        super().__init__()
        self._fn = _StageFn(out_dir, keys)

    def expand(self, docs: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return docs | "Stage" >> beam.ParDo(self._fn).with_outputs(TALLY, main="main")


class StageDropped(beam.PTransform):
    """PCollection[(Rejection, Document)] (a document stage's `dropped` output) → PCollection[(Rejection,
    DocRef)], each document staged as `StageDocuments` does, for `write.WriteDroppedDocuments`: what crosses
    the writer's shuffle is a ref, never a text."""

    def __init__(self, out_dir: str):
        super().__init__()
        self._fn = _StageFn(out_dir, None, paired=True)

    def expand(self, dropped: beam.PCollection) -> beam.PCollection:
        return (dropped | "Stage" >> beam.ParDo(self._fn).with_outputs(TALLY, main="main")).main


class GroupByStagedFile(beam.PTransform):
    """PCollection of refs (or items holding one: `ref_of`) → (file, [item]) per temporary file, so that a
    step that needs the texts reads each file once, in order. Output: `main`, and `tally` (shuffle bytes of
    `stage`)."""

    def __init__(self, stage: str, ref_of: Callable[[Any], DocRef] = lambda ref: ref):
        super().__init__()
        self._stage = stage
        self._ref_of = ref_of

    def expand(self, items: beam.PCollection) -> dict[str, beam.PCollection]:
        ref_of = self._ref_of
        by_file = items | "ByFile" >> beam.Map(lambda item: (location_file(ref_of(item).location), item))
        keyed = by_file | "Measure" >> MeasureShuffle(self._stage)
        return {"main": keyed.main | "GroupByFile" >> beam.GroupByKey(), TALLY: keyed[TALLY]}


class ReadStagedDocuments(beam.PTransform):
    """PCollection[DocRef] → PCollection[Document]: the staged documents read back (annotations in meta), a
    staged file per element, for pipelines that go on with documents after the corpus-wide steps (the
    refs `build_pipeline` returns as `kept`, until the run deletes its temporary folder)."""

    def __init__(self, out_dir: str):
        super().__init__()
        self._out_dir = out_dir

    def expand(self, refs: beam.PCollection) -> beam.PCollection:
        out_dir = self._out_dir
        by_file = refs | "ByFile" >> GroupByStagedFile("read_staged")
        return by_file["main"] | "Read" >> beam.FlatMap(lambda group: (doc for _, doc in read_refs(out_dir, group[1])))
