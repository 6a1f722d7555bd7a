"""Readers for line-, row- and text-based inputs: JSONL (and JSON array files), Parquet, our own Arrow
shards and plain text.

Each reader is a pure generator over one raw (still compressed) input stream that yields exactly one
`Document` or `Rejection` per input record (a line, a row, a text block), so that the pipeline can prove that
every record is accounted for. Bad data never raises: it becomes a `Rejection` with a reason. Configuration
errors (an unknown `split`, a limit below 1) raise ValueError, and the JSONL and text readers let plain
OSError from the filesystem raise, so that the runner retries the work rather than dead-lettering a healthy
file (pyarrow cannot tell I/O errors from corrupt Parquet, so the Parquet reader dead-letters both).

We read from bytes ourselves instead of using Beam's `ReadFromText`, which fails the whole pipeline on one
invalid UTF-8 byte, silently accepts truncated .gz/.zst files and slows quadratically with line length.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import io
import json
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from corpusforge.transforms.document import (
    Document,
    Rejection,
    SourceFile,
    Verdict,
    annotation_columns,
    make_doc_id,
    sanitize_text,
)

STAGE = "read"
MAX_DOC_BYTES = 64_000_000

_BOM = b"\xef\xbb\xbf"
_READ_BUFFER = 1 << 20  # decompressed bytes buffered for readline
_SKIP_CHUNK = 1 << 20  # bytes read at a time while streaming past an over-long line
_ZSTD_READ = 64 << 10  # decompressed bytes per zstd call
_DETAIL_CHARS = 300

# Errors a decompressor raises on bad data. Plain OSError is left out on purpose: it is how filesystems
# report transient failures (gzip.BadGzipFile, an OSError subclass, is bad data and is listed).
_STREAM_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error, zstandard.ZstdError)
# pyarrow reports a corrupt footer or page and a failed read alike (OSError, ArrowInvalid), so Parquet read
# failures are dead-lettered whatever the cause; the dead letters name the file to retry.
_PARQUET_ERRORS = (pa.ArrowException, OSError, ValueError, EOFError) + _STREAM_ERRORS


# --- decompression --------------------------------------------------------------------------------------


def open_decompressed(stream: BinaryIO, path: str) -> BinaryIO:
    """A streaming, decompressed view of `stream`, by the extension of `path` (.gz, .zst, .zstd).

    Other extensions return `stream` itself. Both decompressors read concatenated members/frames and
    raise `EOFError` when the input ends inside one, `gzip.BadGzipFile`, `zlib.error` or
    `zstandard.ZstdError` on corrupt input. `stream` is not closed when the returned object is.
    """
    name = path.lower()
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if name.endswith((".zst", ".zstd")):
        return io.BufferedReader(_ZstdReader(stream), buffer_size=_READ_BUFFER)
    return stream


class _ZstdReader(io.RawIOBase):
    """zstd decompression across concatenated frames that raises EOFError when the input ends in a frame.

    zstandard's `stream_reader` reads across frames with bounded output but ends silently on a truncated
    frame (measured with zstandard 0.25); `decompressobj` reports it (`eof`) but has no output limit, so one
    call expands a few hundred bytes of a repeated byte into its full size. We keep `stream_reader` and
    follow the frame structure of its input with `_ZstdFrames` to tell the two endings apart.
    """

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._frames = _ZstdFrames(source)
        self._reader = zstandard.ZstdDecompressor().stream_reader(self._frames, read_across_frames=True, closefd=False)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # Small reads: on corrupt data, zstandard loses what the failing call had already decompressed.
        n = self._reader.readinto(memoryview(buffer)[:_ZSTD_READ])
        if n == 0 and not self._frames.between_frames:
            raise EOFError("zstd stream ended inside a frame")
        return n


_ZSTD_MAGIC = 0xFD2FB528
_ZSTD_SKIPPABLE_MAGIC = 0x184D2A50  # to 0x184D2A5F


class _ZstdFrames:
    """Passes compressed zstd bytes through (`read`) while following frame and block headers (RFC 8878),
    so that at the end of input `between_frames` says whether the last frame was complete.

    It only measures, it does not validate: the decompressor reports corrupt data. The work is a few
    integer operations per block (up to 128 KiB decompressed), not per byte.
    """

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._field = b""  # the bytes of the header field being collected
        self._need = 4  # its size
        self._on_field = self._magic  # what to do with it
        self._skip = 0  # bytes to pass over before it
        self._checksum_size = 0

    @property
    def between_frames(self) -> bool:
        return self._on_field == self._magic and not self._field and not self._skip

    def read(self, size: int) -> bytes:
        data = self._source.read(size)
        pos = 0
        while pos < len(data):
            if self._skip:
                step = min(self._skip, len(data) - pos)
                self._skip -= step
                pos += step
                continue
            take = self._need - len(self._field)
            self._field += data[pos : pos + take]
            pos += take
            if len(self._field) == self._need:
                value, self._field = int.from_bytes(self._field, "little"), b""
                self._on_field(value)
        return data

    def _expect(self, size: int, on_field: Any, skip: int = 0) -> None:
        self._need, self._on_field, self._skip = size, on_field, skip

    def _magic(self, magic: int) -> None:
        if magic == _ZSTD_MAGIC:
            self._expect(1, self._frame_header)
        elif magic & 0xFFFFFFF0 == _ZSTD_SKIPPABLE_MAGIC:
            self._expect(4, self._skippable_size)
        else:  # not zstd: the decompressor raises ZstdError on it
            self._expect(4, self._magic)

    def _frame_header(self, descriptor: int) -> None:
        single_segment = (descriptor >> 5) & 1
        window_size = 1 - single_segment
        dict_id_size = (0, 1, 2, 4)[descriptor & 3]
        content_size_size = (single_segment, 2, 4, 8)[descriptor >> 6]
        self._checksum_size = 4 * ((descriptor >> 2) & 1)
        self._expect(3, self._block_header, skip=window_size + dict_id_size + content_size_size)

    def _block_header(self, header: int) -> None:
        last, block_type, size = header & 1, (header >> 1) & 3, header >> 3
        content = 1 if block_type == 1 else size  # an RLE block stores its byte once
        if last:
            self._expect(4, self._magic, skip=content + self._checksum_size)
        else:
            self._expect(3, self._block_header, skip=content)

    def _skippable_size(self, size: int) -> None:
        self._expect(4, self._magic, skip=size)


class _ErrorLatch(io.RawIOBase):
    """Reads a decompressed stream and turns a decompression error into end of stream, keeping the error.

    Wrapped in a BufferedReader, this lets `readline` hand back the partial last line of a truncated
    stream (instead of losing it inside the buffer), and the reader then reports it with `error`. It reads
    with `read1`, at most one decompressor call at a time, so no bytes decompressed before the error are lost.
    """

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._read = getattr(inner, "read1", inner.read)
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.error is not None:
            return 0
        try:
            data = self._read(len(buffer))
        except _STREAM_ERRORS as exc:
            self.error = exc
            return 0
        buffer[: len(data)] = data
        return len(data)


def _latched_reader(stream: BinaryIO, path: str) -> tuple[io.BufferedReader, _ErrorLatch]:
    """A buffered, decompressed reader of `stream` and the latch that holds its decompression error."""
    latch = _ErrorLatch(open_decompressed(stream, path))
    return io.BufferedReader(latch, buffer_size=_READ_BUFFER), latch


# --- line splitting -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Line:
    """One line of the decompressed stream: its byte offset, size with terminator, and bytes.

    `data` is None for a line longer than the cap, which was streamed past and not kept.
    """

    offset: int
    nbytes: int
    data: bytes | None


@dataclasses.dataclass(frozen=True)
class _StreamFailure:
    """The stream failed at `offset`; `nbytes` bytes of a partial line were read after it."""

    offset: int
    nbytes: int
    error: BaseException


def _iter_lines(reader: io.BufferedReader, latch: _ErrorLatch, max_line_bytes: int) -> Iterator[_Line | _StreamFailure]:
    """Every line of `reader` with its offset, then a `_StreamFailure` if the stream broke.

    A final line without a newline is a line, unless the stream broke: then it is the partial line of the
    failure. Memory stays within `max_line_bytes` plus the read buffer, whatever the line lengths.
    """
    offset = 0
    while True:
        line = reader.readline(max_line_bytes + 1)
        nbytes, data, tail = len(line), line, line
        if nbytes > max_line_bytes and not line.endswith(b"\n"):
            data = None
            while tail and not tail.endswith(b"\n"):
                tail = reader.readline(_SKIP_CHUNK)
                nbytes += len(tail)
        if latch.error is not None and not tail.endswith(b"\n"):
            yield _StreamFailure(offset, nbytes, latch.error)
            return
        if not nbytes:
            return
        yield _Line(offset, nbytes, data)
        offset += nbytes


# --- JSON arrays ----------------------------------------------------------------------------------------

# Outside strings: a run of bytes that neither nest nor end an element, whole strings included (one C call
# for most of an element); then the byte after it is `[`, `]`, `{`, `}`, `,` or a string's `"` that the data
# ends inside. Possessive quantifiers: no backtracking whatever the input.
_PLAIN_RUN = re.compile(rb'(?:[^"\[\]{},]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+', re.DOTALL)
_STRING_BODY = re.compile(rb'[^"\\]*+(?:\\.[^"\\]*+)*+', re.DOTALL)  # a string's bytes up to its closing quote
_NOT_SPACE = re.compile(rb"[^ \t\r\n]")  # JSON white space (RFC 8259, section 2)


@dataclasses.dataclass(frozen=True)
class _Malformed:
    """Bytes of a JSON array file that are not an element: `nbytes` from `offset`, and why."""

    offset: int
    nbytes: int
    detail: str


def _is_json_array(path: str, reader: io.BufferedReader) -> bool:
    """Whether a file holds one JSON array, not JSON lines: it is named `.json` (a `.jsonl` or `.ndjson` file
    is lines, whatever its first line is) and its first byte after a BOM and white space is `[`."""
    name = re.sub(r"\.(gz|zst|zstd)$", "", path.lower())
    if not name.endswith(".json"):
        return False
    head = reader.peek(_READ_BUFFER).removeprefix(_BOM)
    first = _NOT_SPACE.search(head)
    return first is not None and head[first.start()] == 0x5B


class _ElementEnd:
    """Finds the `,` or `]` that ends an element of a JSON array, in bytes that arrive in pieces: it follows
    strings, escapes and nesting, and does not validate (json.loads does, element by element)."""

    def __init__(self) -> None:
        self._depth = 0
        self._in_string = False
        self._escaped = False  # the last byte scanned was a backslash inside a string

    def find(self, data: bytes, pos: int) -> int | None:
        """The index of the byte that ends the element, scanning `data` from `pos`; None if not there."""
        while pos < len(data):
            if self._escaped:
                self._escaped = False
                pos += 1
            elif self._in_string:
                pos = _STRING_BODY.match(data, pos).end()
                if pos == len(data):
                    return None
                self._escaped = data[pos] == 0x5C  # a backslash that ends `data`; else the closing quote
                self._in_string = self._escaped
                pos += 1
            else:
                pos = _PLAIN_RUN.match(data, pos).end()
                if pos == len(data):
                    return None
                token = data[pos]
                if token == 0x22:  # "
                    self._in_string = True
                elif token in b"[{":
                    self._depth += 1
                elif self._depth == 0 and token in b",]":
                    return pos
                elif self._depth and token in b"]}":
                    self._depth -= 1
                pos += 1
        return None


class _JsonArrayElements:
    """The elements of a JSON array document (`[{...}, {...}]`), streamed: each element's bytes are found by
    `_ElementEnd` and kept only up to `max_bytes`, so memory stays within that plus the read buffer whatever
    the file's size (json.load would hold the whole file, and its objects, at once).

    Yields a `_Line` per element (its stream offset and size; data None past the cap), then, where the
    stream does not end the array properly, one `_StreamFailure` (a broken compressed stream) or
    `_Malformed` (the file ends inside the array, or data follows it) for the rest. An empty element
    (`[1,,2]`) is `_Malformed`; a trailing comma before `]` is tolerated, as hand-edited files have them.
    """

    def __init__(self, reader: io.BufferedReader, latch: _ErrorLatch, max_bytes: int) -> None:
        self._reader = reader
        self._latch = latch
        self._max = max_bytes
        self._buf = b""
        self._base = 0  # stream offset of _buf[0]
        self._pos = 0  # next unread byte of _buf

    def _fill(self) -> bool:
        """Read more, dropping the bytes before `_pos`; False at the end of the stream."""
        data = self._reader.read(_READ_BUFFER)
        if not data:
            return False
        self._base += self._pos
        self._buf, self._pos = self._buf[self._pos :] + data, 0
        return True

    def _skip_bom(self) -> None:
        if self._fill() and self._buf.startswith(_BOM):
            self._pos = len(_BOM)

    def _next_byte(self) -> int | None:
        """Skip white space; the next byte (not consumed), or None at the end of the stream."""
        while True:
            found = _NOT_SPACE.search(self._buf, self._pos)
            if found is not None:
                self._pos = found.start()
                return self._buf[self._pos]
            self._pos = len(self._buf)
            if not self._fill():
                return None

    def _broken(self, offset: int, detail: str) -> _Malformed | _StreamFailure:
        """The rest of the stream from `offset` on, read to its end, where it does not finish the array."""
        self._pos = len(self._buf)
        while self._fill():
            self._pos = len(self._buf)
        nbytes = self._base + self._pos - offset
        if self._latch.error is not None:
            return _StreamFailure(offset, nbytes, self._latch.error)
        return _Malformed(offset, nbytes, detail)

    def __iter__(self) -> Iterator[_Line | _StreamFailure | _Malformed]:
        self._skip_bom()
        self._next_byte()
        self._pos += 1  # the `[` that _is_json_array saw
        while True:
            byte = self._next_byte()
            start = self._base + self._pos
            if byte is None:
                yield self._broken(start, "the file ends inside the JSON array (no closing ])")
                return
            if byte == 0x5D:  # `]`: an empty array, or a trailing comma
                self._pos += 1
                break
            if byte == 0x2C:  # `,` where an element should be
                self._pos += 1
                yield _Malformed(start, 1, "empty element in the JSON array")
                continue
            end, kept = self._element_end()
            if end is None:
                yield self._broken(start, "the file ends inside an element of the JSON array")
                return
            data = self._buf[self._pos : end].rstrip(b" \t\r\n") if kept else None
            yield _Line(start, self._base + end - start, data)
            self._pos = end + 1
            if self._buf[end] == 0x5D:
                break
        if self._next_byte() is not None:
            yield self._broken(self._base + self._pos, "data after the JSON array")

    def _element_end(self) -> tuple[int | None, bool]:
        """The buffer index of the `,` or `]` ending the element at `_pos` (None: the stream ends first), and
        whether the element is still in the buffer from `_pos` (False: past `max_bytes`, streamed past)."""
        finder = _ElementEnd()
        scan, kept = self._pos, True
        while (end := finder.find(self._buf, scan)) is None:
            kept = kept and len(self._buf) - self._pos <= self._max
            scanned = self._base + len(self._buf)
            if not kept:  # count the rest of the element, keep none of it
                self._pos = len(self._buf)
            if not self._fill():
                return None, kept
            scan = scanned - self._base
        return end, kept and end - self._pos <= self._max


def _failure_rejection(exc: BaseException, source: SourceFile, offset: int, nbytes: int) -> Rejection:
    """The dead letter of a truncated (EOFError) or corrupt compressed stream."""
    reason = "truncated_stream" if isinstance(exc, EOFError) else "corrupt_stream"
    return _dead_letter(source, reason, offset, nbytes, f"{type(exc).__name__}: {exc}")


def _dead_letter(
    source: SourceFile,
    reason: str,
    offset: int | None,
    nbytes: int,
    detail: str,
    record_id: str | None = None,
) -> Rejection:
    return Rejection(
        Verdict.DEAD_LETTER, STAGE, reason, source.relpath, offset, record_id, nbytes, detail[:_DETAIL_CHARS]
    )


# --- JSONL ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _JsonlFields:
    text: str
    id: str | None
    url: str | None
    date: str | None


@dataclasses.dataclass(frozen=True)
class JsonRecord:
    """One parsed JSON line (or array element): its byte offset and size in the decompressed stream, its value."""

    offset: int
    nbytes: int
    value: Any


def iter_json_values(stream: BinaryIO, source: SourceFile, *, max_line_bytes: int) -> Iterator[JsonRecord | Rejection]:
    """One `JsonRecord` or `Rejection` per line of a JSONL file (optionally .gz / .zst compressed), or per
    element of a `.json` file that holds one JSON array (its first byte after a BOM and white space is `[`, as
    `json.dump(records)` writes them, pretty-printed or not; `_JsonArrayElements` streams it).

    Offsets are byte offsets of line (element) starts in the decompressed stream; a rejection's `nbytes`
    counts the whole line with its terminator (the element). A line or element may hold `max_line_bytes`
    bytes; a longer one is streamed past in chunks and dead-lettered (`line_too_long`). A UTF-8 BOM at the
    start of a line is ignored (files concatenated with `cat` carry one per part); a blank line is SKIPPED
    (`blank_line`); bytes that are not UTF-8 or not JSON are dead-lettered (`invalid_utf8`, `invalid_json`).
    If a compressed stream is truncated or corrupt, one dead letter at the end covers the rest, starting at
    the first line not yielded; so does an array that breaks off or is followed by data (`invalid_json`).
    The readers of JSON records (`iter_jsonl` here, the SFT reader in `sft.py`) interpret the values.
    """
    if max_line_bytes < 1:
        raise ValueError(f"max_line_bytes must be at least 1, not {max_line_bytes}")
    reader, latch = _latched_reader(stream, source.path)
    array = _is_json_array(source.path, reader)
    records = _JsonArrayElements(reader, latch, max_line_bytes) if array else _iter_lines(reader, latch, max_line_bytes)
    for line in records:
        if isinstance(line, _StreamFailure):
            yield _failure_rejection(line.error, source, line.offset, line.nbytes)
        elif isinstance(line, _Malformed):
            yield _dead_letter(source, "invalid_json", line.offset, line.nbytes, line.detail)
        elif line.data is None:
            detail = f"{'element' if array else 'line'} of {line.nbytes} bytes exceeds max_line_bytes={max_line_bytes}"
            yield _dead_letter(source, "line_too_long", line.offset, line.nbytes, detail)
        else:
            yield _parse_json(line, source)


def _parse_json(line: _Line, source: SourceFile) -> JsonRecord | Rejection:
    """Parse one complete line; blank lines are only detected when parsing fails, off the hot path."""
    data = line.data[3:] if line.data.startswith(_BOM) else line.data
    try:
        return JsonRecord(line.offset, line.nbytes, json.loads(data.decode("utf-8")))
    except UnicodeDecodeError as exc:
        detail = f"invalid UTF-8 at byte {exc.start} of the line: {exc.reason}"
        return _dead_letter(source, "invalid_utf8", line.offset, line.nbytes, detail)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; deep nesting recurses
        if not data or data.isspace():  # whitespace only, or a BOM alone
            return Rejection(Verdict.SKIPPED, STAGE, "blank_line", source.relpath, line.offset, None, line.nbytes)
        return _dead_letter(source, "invalid_json", line.offset, line.nbytes, f"{type(exc).__name__}: {exc}")


def iter_jsonl(
    stream: BinaryIO,
    source: SourceFile,
    *,
    text_field: str = "text",
    id_field: str | None = "id",
    url_field: str | None = "url",
    date_field: str | None = None,
    max_line_bytes: int = 64_000_000,
) -> Iterator[Document | Rejection]:
    """One `Document` or `Rejection` per line of a JSONL file or element of a JSON array file
    (`iter_json_values` reads them, and documents what it rejects).

    The text must be a JSON string; fields other than text/id/url/date are ignored; ids of any scalar type
    become `source_id` strings, and url and date count only when they are strings.
    """
    fields = _JsonlFields(text_field, id_field, url_field, date_field)
    for record in iter_json_values(stream, source, max_line_bytes=max_line_bytes):
        yield record if isinstance(record, Rejection) else _jsonl_record(record, source, fields)


def _jsonl_record(record: JsonRecord, source: SourceFile, fields: _JsonlFields) -> Document | Rejection:
    obj = record.value
    if not isinstance(obj, dict):
        detail = f"line is a JSON {json_type(obj)}, not an object"
        return _dead_letter(source, "missing_text", record.offset, record.nbytes, detail)
    source_id = _scalar_id(obj.get(fields.id)) if fields.id else None
    text = obj.get(fields.text)
    if not isinstance(text, str):
        if fields.text in obj:
            detail = f"field {fields.text!r} is {json_type(text)}, not a string"
        else:
            detail = f"no field {fields.text!r}"
        return _dead_letter(source, "missing_text", record.offset, record.nbytes, detail, source_id)
    return Document(
        id=make_doc_id(source.relpath, record.offset),
        text=sanitize_text(text),
        url=_optional_str(obj.get(fields.url)) if fields.url else None,
        source=source.relpath,
        fetch_date=_optional_str(obj.get(fields.date)) if fields.date else None,
        source_id=source_id,
        meta={"offset": record.offset},
    )


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for dead-letter details (`string`, `array`, `null`, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _scalar_id(value: Any) -> str | None:
    """An input id as a string: strings and numbers (Parquet int64 ids, JSON numbers); None otherwise."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return sanitize_text(str(value))
    return None


def _optional_str(value: Any) -> str | None:
    """A string field (url, date), sanitized like the text; other types count as absent."""
    return sanitize_text(value) if isinstance(value, str) else None


# --- Parquet --------------------------------------------------------------------------------------------


def iter_parquet(
    stream: BinaryIO,
    source: SourceFile,
    *,
    text_column: str = "text",
    id_column: str | None = "id",
    url_column: str | None = "url",
    batch_rows: int = 1024,
) -> Iterator[Document | Rejection]:
    """One `Document` or `Rejection` per row of a Parquet file; offsets are row indices.

    Rows are read one row group at a time, in batches of `batch_rows`, only the needed columns. Parquet
    needs random access: a stream that is not seekable (or is compressed by extension) is first copied to a
    local temporary file, on disk, not in memory. A file that cannot be opened, or lacks the text column,
    gives one `unreadable_file` dead letter (offset None: its rows are unknown). A row group that fails to
    read gives an `unreadable_row_group` dead letter for each of its rows not yet yielded, and reading goes
    on with the next group. A null or non-string text gives `missing_text`; binary text must be UTF-8.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")
    with contextlib.ExitStack() as cleanup:
        try:
            parquet = pq.ParquetFile(_random_access(open_decompressed(stream, source.path), cleanup))
            names = parquet.schema_arrow.names
        except _PARQUET_ERRORS as exc:
            yield _dead_letter(source, "unreadable_file", None, source.size, f"{type(exc).__name__}: {exc}")
            return
        if text_column not in names:
            detail = f"no column {text_column!r}; columns: {', '.join(names)}"
            yield _dead_letter(source, "unreadable_file", None, source.size, detail)
            return
        wanted = [c for c in dict.fromkeys((text_column, id_column, url_column)) if c and c in names]
        row = 0
        for group in range(parquet.num_row_groups):
            group_start, group_rows = row, parquet.metadata.row_group(group).num_rows
            for columns in _row_group_columns(parquet, group, wanted, batch_rows):
                if isinstance(columns, BaseException):
                    detail = (
                        f"row group {group} ({group_rows} rows) failed after {row - group_start} rows: "
                        f"{type(columns).__name__}: {columns}"
                    )
                    for failed_row in range(row, group_start + group_rows):
                        yield _dead_letter(source, "unreadable_row_group", failed_row, 0, detail)
                    row = group_start + group_rows
                    break
                none = [None] * len(columns[text_column])
                ids = columns.get(id_column, none) if id_column else none
                urls = columns.get(url_column, none) if url_column else none
                for text, input_id, url in zip(columns[text_column], ids, urls):
                    yield _parquet_record(row, text, input_id, url, source, text_column)
                    row += 1


def _row_group_columns(
    parquet: pq.ParquetFile, group: int, columns: list[str], batch_rows: int
) -> Iterator[dict[str, list[Any]] | BaseException]:
    """The batches of one row group as column lists, then the error that stopped reading it, if any."""
    batches = parquet.iter_batches(batch_size=batch_rows, row_groups=[group], columns=columns)
    while True:
        try:
            batch = next(batches, None)
        except _PARQUET_ERRORS as exc:
            yield exc
            return
        if batch is None:
            return
        yield batch.to_pydict()


def _random_access(stream: BinaryIO, cleanup: contextlib.ExitStack) -> BinaryIO:
    """`stream` if seekable, else a temporary-file copy of it, removed when `cleanup` closes."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        return stream
    spool = cleanup.enter_context(tempfile.TemporaryFile())
    shutil.copyfileobj(stream, spool, _READ_BUFFER)
    spool.seek(0)
    return spool


def _parquet_record(
    row: int, text: Any, input_id: Any, url: Any, source: SourceFile, text_column: str
) -> Document | Rejection:
    source_id = _scalar_id(input_id)
    if isinstance(text, bytes):  # a binary column: text only if it is UTF-8
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            detail = f"invalid UTF-8 at byte {exc.start} of column {text_column!r}: {exc.reason}"
            return _dead_letter(source, "invalid_utf8", row, len(text), detail, source_id)
    if not isinstance(text, str):
        detail = f"column {text_column!r} is {'null' if text is None else type(text).__name__}, not a string"
        return _dead_letter(source, "missing_text", row, 0, detail, source_id)
    return Document(
        id=make_doc_id(source.relpath, row),
        text=sanitize_text(text),
        url=_optional_str(url),
        source=source.relpath,
        source_id=source_id,
        meta={"offset": row},
    )


# --- Arrow (our own shards) ------------------------------------------------------------------------------


def iter_arrow(stream: BinaryIO, source: SourceFile) -> Iterator[Document | Rejection]:
    """One `Document` per row of one of our own shards (`documents/*.arrow`, Arrow IPC file format), as it
    was before writing: id, url, source, fetch_date, source_id and meta (promoted columns back inside), so
    a written corpus can be processed again (run_configs/dedup.yaml) with its ids and provenance intact.

    Offsets are row indices. A file that is not an Arrow IPC file or lacks `id`/`text` is one
    `unreadable_file` dead letter; a record batch that fails to read is one `unreadable_batch`; a row with
    a null text is `missing_text`, one whose meta is not a JSON object `invalid_json`.
    """
    with contextlib.ExitStack() as cleanup:
        try:
            reader = pa.ipc.open_file(_random_access(open_decompressed(stream, source.path), cleanup))
            names = reader.schema.names
        except (pa.ArrowException, OSError, ValueError) as exc:
            yield _dead_letter(source, "unreadable_file", None, source.size, f"{type(exc).__name__}: {exc}")
            return
        if not {"id", "text"} <= set(names):
            detail = f"not a corpusforge shard; columns: {', '.join(names)}"
            yield _dead_letter(source, "unreadable_file", None, source.size, detail)
            return
        promoted = annotation_columns(names)
        row = 0
        for index in range(reader.num_record_batches):
            try:
                rows = reader.get_batch(index).to_pylist()
            except (pa.ArrowException, OSError, ValueError) as exc:
                detail = f"record batch {index}: {type(exc).__name__}: {exc}"
                yield _dead_letter(source, "unreadable_batch", row, 0, detail)
                continue
            for record in rows:
                yield _arrow_record(record, row, source, promoted)
                row += 1


def _arrow_record(record: dict[str, Any], row: int, source: SourceFile, promoted: list[str]) -> Document | Rejection:
    doc_id = record["id"]
    if not isinstance(record["text"], str) or not isinstance(doc_id, str):
        return _dead_letter(source, "missing_text", row, 0, "null text or id", doc_id)
    try:
        meta = json.loads(record.get("meta") or "{}")
    except ValueError as exc:
        return _dead_letter(source, "invalid_json", row, len(record["text"].encode("utf-8")), f"meta: {exc}", doc_id)
    if not isinstance(meta, dict):
        return _dead_letter(source, "invalid_json", row, 0, "meta is not a JSON object", doc_id)
    # the annotation columns the writer promoted out of `meta` go back into it
    meta.update({k: record[k] for k in promoted if record[k] is not None})
    fetched = record.get("fetch_date")
    fetch_date = meta.pop("fetch_date_unparsed", None) or (fetched.strftime("%Y-%m-%dT%H:%M:%SZ") if fetched else None)
    return Document(
        id=doc_id,
        text=record["text"],
        url=record.get("url"),
        source=record.get("source") or source.relpath,
        fetch_date=fetch_date,
        source_id=record.get("source_id"),
        meta=meta,
    )


# --- plain text -----------------------------------------------------------------------------------------


def iter_text(
    stream: BinaryIO,
    source: SourceFile,
    *,
    split: Literal["file", "blank_line"] = "file",
    max_doc_bytes: int = MAX_DOC_BYTES,
) -> Iterator[Document | Rejection]:
    """Documents from a plain-text file: the whole file (`split="file"`), or each block of lines
    separated by one or more blank (whitespace-only) lines (`split="blank_line"`).

    Plain text has no structure to reject, so invalid UTF-8 is decoded with U+FFFD replacements, counted
    in `meta["decode_errors"]` (present only when non-zero). A BOM at the file start is removed. Offsets
    are decompressed byte offsets of the file (0) or block start. A file's text is its content as is; a
    block's text excludes the newline that ends its last line, and blank lines yield nothing. A document
    over `max_doc_bytes` is dead-lettered: `file_too_large` (the file is not read past the cap) or
    `block_too_large` (streamed past, not kept). A blank file is SKIPPED `blank_file`.
    A truncated or corrupt compressed stream gives one dead letter for the file, or for the block being
    read and the rest. Raises ValueError for an unknown `split` or `max_doc_bytes` < 1, when called.
    """
    if split not in ("file", "blank_line"):
        raise ValueError(f"split must be 'file' or 'blank_line', not {split!r}")
    if max_doc_bytes < 1:
        raise ValueError(f"max_doc_bytes must be at least 1, not {max_doc_bytes}")
    reader, latch = _latched_reader(stream, source.path)
    if split == "file":
        return _iter_text_file(reader, latch, source, max_doc_bytes)
    return _iter_text_blocks(reader, latch, source, max_doc_bytes)


def _iter_text_file(
    reader: io.BufferedReader, latch: _ErrorLatch, source: SourceFile, max_doc_bytes: int
) -> Iterator[Document | Rejection]:
    data = reader.read(max_doc_bytes + 1)
    if latch.error is not None:
        yield _failure_rejection(latch.error, source, 0, len(data))
    elif len(data) > max_doc_bytes:
        detail = f"more than max_doc_bytes={max_doc_bytes} bytes (decompressed); stopped reading there"
        yield _dead_letter(source, "file_too_large", 0, len(data), detail)
    elif not data or data.isspace():
        yield Rejection(Verdict.SKIPPED, STAGE, "blank_file", source.relpath, 0, None, len(data))
    else:
        yield _text_document(data, 0, source)


def _iter_text_blocks(
    reader: io.BufferedReader, latch: _ErrorLatch, source: SourceFile, max_doc_bytes: int
) -> Iterator[Document | Rejection]:
    block = _Block()
    for line in _iter_lines(reader, latch, max_doc_bytes):
        if isinstance(line, _StreamFailure):  # the open block, if any, is part of the broken record
            start = line.offset if block.empty else block.offset
            yield _failure_rejection(line.error, source, start, block.nbytes + line.nbytes)
            return
        if line.data is not None and line.data.isspace():
            if not block.empty:
                yield block.finish(source, max_doc_bytes)
                block = _Block()
        else:
            block.add(line, max_doc_bytes)
    if not block.empty:
        yield block.finish(source, max_doc_bytes)


@dataclasses.dataclass
class _Block:
    """The lines of a text block being collected; lines are dropped once it exceeds the cap."""

    offset: int = 0
    nbytes: int = 0
    lines: list[bytes] = dataclasses.field(default_factory=list)
    too_large: bool = False

    @property
    def empty(self) -> bool:
        return self.nbytes == 0

    def add(self, line: _Line, max_doc_bytes: int) -> None:
        if self.empty:
            self.offset = line.offset
        self.nbytes += line.nbytes
        if line.data is None or self.nbytes > max_doc_bytes:
            self.too_large = True
            self.lines.clear()
        elif not self.too_large:
            self.lines.append(line.data)

    def finish(self, source: SourceFile, max_doc_bytes: int) -> Document | Rejection:
        if self.too_large:
            detail = f"block of {self.nbytes} bytes exceeds max_doc_bytes={max_doc_bytes}"
            return _dead_letter(source, "block_too_large", self.offset, self.nbytes, detail)
        data = b"".join(self.lines)
        data = data[:-2] if data.endswith(b"\r\n") else data.removesuffix(b"\n")
        return _text_document(data, self.offset, source)


def _text_document(data: bytes, offset: int, source: SourceFile) -> Document:
    """A text document from raw bytes: BOM removed at the file start, lenient UTF-8 decoding."""
    if offset == 0 and data.startswith(_BOM):
        data = data[3:]
    text, decode_errors = _decode_lenient(data)
    meta: dict[str, Any] = {"offset": offset}
    if decode_errors:
        meta["decode_errors"] = decode_errors
    return Document(id=make_doc_id(source.relpath, offset), text=sanitize_text(text), source=source.relpath, meta=meta)


def _decode_lenient(data: bytes) -> tuple[str, int]:
    """UTF-8 text and the number of invalid byte sequences replaced with U+FFFD."""
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        return text, text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
