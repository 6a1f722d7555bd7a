"""The record types every stage shares: `Document`, `Rejection`, `WebPage`, `SourceFile`.

A reader turns one input file into a stream of `Document | Rejection`, one item per input record, so
that every record is accounted for: it is kept (a `Document` that reaches the writer), dropped by a named
stage for a named reason, skipped as not a document, or dead-lettered with its error (`Rejection`).
Documents are frozen; a stage that changes one returns `dataclasses.replace(doc, ...)`.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa
import xxhash


@dataclasses.dataclass(frozen=True)
class SourceFile:
    """One input file, as matched at launch.

    `relpath` is the path relative to the base directory of the glob that matched it (the part of the
    glob before its first wildcard): it is what document ids are built from, so the same tree stored
    elsewhere gives the same ids.
    """

    path: str
    relpath: str
    size: int


@dataclasses.dataclass(frozen=True)
class Document:
    """A document, as every stage after the reader sees it.

    id: stable hex id, `make_doc_id(relpath, locator)`.
    text: the document text (sanitized once in the reader, see `sanitize_text`).
    url: the page URL, where the input has one.
    source: the input file, relative to its glob's base directory.
    fetch_date: ISO 8601 fetch time (WARC-Date), where the input has one.
    source_id: the input's own id (WARC-Record-ID, a JSONL id field), where it has one.
    meta: annotations; stages add to a copy, never mutate it.
    """

    id: str
    text: str
    url: str | None = None
    source: str = ""
    fetch_date: str | None = None
    source_id: str | None = None
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def with_meta(self, **annotations: Any) -> Document:
        """A copy with `annotations` added to `meta`."""
        return dataclasses.replace(self, meta={**self.meta, **annotations})


class Verdict(str, enum.Enum):
    """What happened to an input record that did not become a kept document."""

    DROPPED = "dropped"  # a stage's rule removed a document
    SKIPPED = "skipped"  # the record is not a document (a WARC request record, a blank line)
    DEAD_LETTER = "dead_letter"  # reading or processing it raised an error


@dataclasses.dataclass(frozen=True)
class Rejection:
    """An input record that is not kept, with where it came from and why.

    stage: the stage that decided (`read`, `extract`, ...).
    reason: a short snake_case name (`warc_request`, `truncated_record`, `empty_text`).
    source: the input file (relative path) and `offset`: the byte offset of the record in the
        (uncompressed) file, or the line / row number for line- and row-based formats, as `locator` says.
    record_id: the input's own record id, or the document id for drops after reading.
    nbytes: the record's size in bytes, for the funnel.
    detail: the error message for dead letters.
    groups: the bias-audit groups the document mentions (`meta["groups"]`), so that drops are counted per
        group (`accounting.bias_audit`).
    """

    verdict: Verdict
    stage: str
    reason: str
    source: str
    offset: int | None = None
    record_id: str | None = None
    nbytes: int = 0
    detail: str = ""
    groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class WebPage:
    """One fetched page from a web archive (WARC, WET, ARC), before text extraction.

    body: the HTTP body with transfer and content encodings removed (or the extracted text of a WET
        `conversion` record, where `is_text` is true).
    content_type: the media type, lower case, without parameters (`text/html`).
    charset: the charset named by the HTTP header, if any.
    consent_headers: (lower-case name, value) of the HTTP headers that may carry an opt-out signal
        (`X-Robots-Tag`, `tdm-reservation`, `tdm-policy`; transforms/safety/opt_out.py reads them).
    """

    offset: int
    record_id: str | None
    url: str | None
    fetch_date: str | None
    content_type: str
    charset: str | None
    body: bytes
    is_text: bool = False
    consent_headers: tuple[tuple[str, str], ...] = ()


def make_doc_id(relpath: str, locator: str | int) -> str:
    """A 128-bit hex id from the input file's relative path and the record's id or offset."""
    return xxhash.xxh3_128_hexdigest(f"{relpath}\x00{locator}".encode("utf-8", "surrogatepass"))


# Lone surrogates (from JSON escapes or `surrogateescape` decoding) cannot be encoded to UTF-8 and break
# fastText, SentencePiece and hashing; NUL truncates C strings.
_INVALID_CODE_POINTS = re.compile("[\ud800-\udfff]")


def sanitize_text(text: str) -> str:
    """Replace lone surrogates with U+FFFD and remove NUL characters; every reader calls it once."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")  # the common case, checked in C: no surrogates to replace
        return text
    except UnicodeEncodeError:
        return _INVALID_CODE_POINTS.sub("\ufffd", text)


def id_order(doc: Document) -> tuple[str, str, str, str]:
    """Documents by id; the other fields only break ties (an input may repeat a WARC-Record-ID). Shard rows
    are in this order, and dedup keeps the first of a group of duplicates by it."""
    return doc.id, doc.source, doc.url or "", doc.text


def parse_fetch_date(value: str | None) -> datetime.datetime | None:
    """An ISO 8601 date (WARC-Date, JSONL dates) as an aware UTC datetime, or None if absent, unparseable or
    out of range in UTC (`9999-12-31T23:59:59-14:00` is a valid date whose UTC time is past year 9999)."""
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.UTC)
        return parsed.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None


# The document shard schema (transforms/io/write.py writes it, the Arrow reader reads it back).
BASE_COLUMNS = (
    pa.field("id", pa.string(), nullable=False),
    pa.field("source_id", pa.string()),
    pa.field("url", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("fetch_date", pa.timestamp("s", tz="UTC")),
)
# Annotations every consumer needs get typed columns once their stage exists; the rest stay in `meta`.
PROMOTED_COLUMNS = {
    "lang": pa.string(),
    "lang_score": pa.float32(),
    "dup_cluster_id": pa.string(),
    "dup_cluster_size": pa.int64(),
}
META_COLUMN = pa.field("meta", pa.string(), nullable=False)  # JSON object, keys sorted


def document_schema(promoted: Iterable[str | pa.Field] = ()) -> pa.Schema:
    """The shard schema: base columns, the promoted annotation columns, then `meta`. A promoted column is
    named (one of PROMOTED_COLUMNS) or given as a field (a column only some configurations have: a
    classifier's score)."""
    fields = [p if isinstance(p, pa.Field) else pa.field(p, PROMOTED_COLUMNS[p]) for p in promoted]
    return pa.schema([*BASE_COLUMNS, *fields, META_COLUMN])


def annotation_columns(names: Iterable[str]) -> list[str]:
    """The promoted annotation columns among a shard's column names: all but the base columns and `meta`."""
    fixed = {f.name for f in BASE_COLUMNS} | {META_COLUMN.name}
    return [name for name in names if name not in fixed]
