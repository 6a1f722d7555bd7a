"""Read WARC files (WARC 1.0/1.1, ISO 28500; also WET and WAT) into `WebPage`s and `Rejection`s.

`iter_warc` yields exactly one item per record, so that every record is accounted for:

- `response` records holding an HTTP 200 response with an HTML or text/plain body, `resource` records with
  such a Content-Type, and WET `conversion` records (`is_text=True`) become `WebPage`s;
- every other record is a `Rejection` of stage `read`: SKIPPED for records that are not documents
  (`warc_<type>`, `non_html_content_type`, `http_status_<n>xx`, `crawler_metadata` for resources
  under non-web URIs, such as wget's `metadata://` logs), DROPPED for `payload_too_large`, DEAD_LETTER for broken records
  (`truncated_record`, `malformed_record`, `bad_content_length`, `malformed_http`, `header_too_long`,
  `content_encoding_bomb`, `content_encoding_error`, `corrupt_stream`, `truncated_stream`) and for data that
  is not a record before the first record or in gzip members after the last (`junk_data`).

Records are parsed by FastWARC, which is handed the raw (still compressed) stream: it inflates gzip itself,
several times faster than a Python gzip stream. It runs in `quirks_mode`, in which it skips whatever is not
a record header up to the next `WARC/x.y` line instead of ending the file at the first malformed record, and
with `max_header_len=max_header_bytes`. Where it still gives up (a header over the limit, corrupt gzip
data), this module finds where the damage is, yields one DEAD_LETTER for it and restarts FastWARC at the
next record: the next gzip member for `.warc.gz` (one record per member, WARC 1.1 Annex D.2), or just past
the failed `WARC/` line for an uncompressed file. FastWARC passes over a block cut short by the end of the
file, and a gzip stream that breaks off, in silence: the first is a `truncated_record` (after which the
block is searched for the records a too large Content-Length may have swallowed), the second a
`truncated_stream`. A file that does not start with a record (a junk first gzip member, text before the
first `WARC/` line) is read from its first record on, after one `junk_data` item for what precedes it;
junk between two records is passed over by FastWARC's quirks mode, unreported (it is not a record).

Values read from a record are checked where they are read: a Content-Length that is not a decimal number
of bytes below 2**63 (what every consumer of the count, Beam's int64 counters included, can hold) is a
`bad_content_length`; a truncated record counts the bytes it has, not the length it declares.

Offsets are those FastWARC reports: the byte offset of the record in an uncompressed file, and of its gzip
member in a `.warc.gz` file (as the Common Crawl index gives them). Where one gzip member holds several
records (not the Annex D layout), FastWARC's offsets for them are approximate and may repeat.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator, WarcHeader, WarcRecord

from corpusforge.transforms.document import Rejection, SourceFile, Verdict, WebPage
from corpusforge.transforms.io.http import (
    HttpPayload,
    RecordInfo,
    Refusal,
    document_payload,
    media_type,
    read_response,
)

_SCAN_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"  # ID1 ID2 CM=deflate (RFC 1952, section 2.3.1)
_WARC_LINE = re.compile(rb"(?:^|\n)(WARC/\d\.\d+)\r?\n")
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\n\r?\n")
MAX_RECORD_BYTES = 2**63 - 1  # a larger declared length is out of range (int64, as counters and Arrow hold sizes)

# Record types that are never documents (WARC 1.1, section 6).
_NOT_DOCUMENTS = frozenset({"warcinfo", "request", "metadata", "revisit", "continuation"})
_DOCUMENTS = frozenset({"response", "resource", "conversion"})

Item = WebPage | Rejection


class _Guarded:
    """The input stream, remembering an exception it raised so that an I/O failure is not taken for bad data.

    FastWARC raises `OSError` both for malformed input and, unchanged, for errors of the stream it reads.
    """

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except BaseException as exc:
            self.error = exc
            raise

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def starts_like_warc(data: bytes) -> bool:
    """Whether `data` begins (after blank lines) with a WARC version line, as every WARC record does."""
    return data.lstrip(b"\r\n").startswith(b"WARC/")


def _gunzip_start(data: bytes, size: int = 512) -> bytes | None:
    """The first `size` bytes inflated from a gzip member at the start of `data`; None if it is not one."""
    try:
        return zlib.decompressobj(31).decompress(data, size)
    except zlib.error:
        return None


def sniff(stream: BinaryIO, looks_right: Callable[[bytes], bool]) -> bool | None:
    """Whether the file is gzip-compressed, or None if its (inflated) start is not what `looks_right` wants."""
    stream.seek(0)
    start = stream.read(1 << 16)
    gzipped = start.startswith(_GZIP_MAGIC)
    if gzipped:
        start = _gunzip_start(start) or b""
    return gzipped if looks_right(start) else None


def unrecognised_file(stream: BinaryIO, source: SourceFile, reason: str) -> Rejection:
    """The one dead letter for a file that is not in the format its reader expects, showing how it starts."""
    stream.seek(0)
    return Rejection(
        Verdict.DEAD_LETTER,
        "read",
        reason,
        source.relpath,
        offset=0,
        nbytes=source.size,
        detail=f"file starts with {stream.read(32)!r}",
    )


def junk_data(stream: BinaryIO, source: SourceFile, offset: int, end: int, where: str) -> Rejection:
    """The one dead letter for the bytes from `offset` to `end` that are not a record (`where`: their place)."""
    stream.seek(offset)
    return Rejection(
        Verdict.DEAD_LETTER,
        "read",
        "junk_data",
        source.relpath,
        offset=offset,
        nbytes=end - offset,
        detail=f"{end - offset} bytes {where} are not a record; they start with {stream.read(32)!r}",
    )


def gzip_member_end(stream: BinaryIO, start: int) -> int | None:
    """The offset just past the gzip member at `start` (`start` itself at the end of the file), or None if the
    member is corrupt or breaks off. Inflates it in bounded pieces, keeping no output."""
    stream.seek(start)
    inflater = zlib.decompressobj(31)
    pos = start
    while True:
        data = stream.read(_SCAN_CHUNK)
        if not data:
            return start if pos == start else None
        try:
            while data and not inflater.eof:
                inflater.decompress(data, _SCAN_CHUNK)
                pos += len(data) - len(inflater.unconsumed_tail) - len(inflater.unused_data)
                data = inflater.unconsumed_tail
        except zlib.error:
            return None
        if inflater.eof:
            return pos


def next_gzip_member(stream: BinaryIO, start: int, looks_right: Callable[[bytes], bool]) -> int | None:
    """The offset of the first gzip member at or after `start` whose inflated start `looks_right`, or None.

    Scans for the gzip magic bytes; a candidate (which may be chance bytes inside compressed data) counts only
    if it inflates into what a record starts with.
    """
    pos = start
    while True:
        stream.seek(pos)
        chunk = stream.read(_SCAN_CHUNK)
        i = chunk.find(_GZIP_MAGIC)
        while i >= 0:
            stream.seek(pos + i)
            inflated = _gunzip_start(stream.read(1 << 16))
            if inflated is not None and looks_right(inflated):
                return pos + i
            i = chunk.find(_GZIP_MAGIC, i + 1)
        if len(chunk) < _SCAN_CHUNK:
            return None
        pos += len(chunk) - (len(_GZIP_MAGIC) - 1)


def _next_warc_line(stream: BinaryIO, start: int) -> int | None:
    """The offset of the first `WARC/x.y` line that begins at or after `start`, or None."""
    pos = max(start - 1, 0)  # one byte back, to see whether `start` begins a line
    while True:
        stream.seek(pos)
        chunk = stream.read(_SCAN_CHUNK)
        for match in _WARC_LINE.finditer(chunk):
            line = pos + match.start(1)
            if line >= start and (match.start(1) > 0 or pos == 0):
                return line
        if len(chunk) < _SCAN_CHUNK:
            return None
        pos += len(chunk) - 16


def _plain_record_end(stream: BinaryIO, start: int, max_header_bytes: int) -> int:
    """Where the record at `start` of an uncompressed WARC ends by its header and Content-Length."""
    stream.seek(start)
    data = stream.read(max_header_bytes + 4)
    end = _HEADER_END.search(data)
    length = _CONTENT_LENGTH.search(data, 0, end.start() if end else len(data))
    if end is None or length is None:
        return start + 1
    return start + end.end() + int(length.group(1))


def _failure_site(
    stream: BinaryIO, gzipped: bool, last: int | None, run_start: int, max_header_bytes: int
) -> tuple[int, int | None]:
    """Where FastWARC failed after the record at `last` (None: at the first record from `run_start`), and
    where to restart it past the damage (None: nothing readable follows)."""
    if gzipped:
        bad = run_start if last is None else gzip_member_end(stream, last)
        if bad is None:  # the last good record's own member breaks off after it
            bad = last
        end = gzip_member_end(stream, bad)
        if end is not None and end > bad:  # a sound member holding a record FastWARC rejected
            return bad, end
        return bad, next_gzip_member(stream, bad + 1, starts_like_warc)
    after = run_start if last is None else _plain_record_end(stream, last, max_header_bytes)
    bad = _next_warc_line(stream, after)
    if bad is None:
        return after, None
    return bad, bad + 1  # quirks mode skips the rest up to the next WARC/ line


def _bad_tail(stream: BinaryIO, last: int | None, run_start: int) -> tuple[int, int | None] | None:
    """What follows the last record of a gzipped WARC where that is not records: the offset of the first
    member that is corrupt, cut off (end None) or does not hold a record (then its end, through the end of
    the file); None if nothing does.

    FastWARC ends quietly where a gzip stream breaks off and passes over members that hold no record; a
    member that breaks off inside the last record is that record's `truncated_record` already, so only
    members after it count.
    """
    pos = run_start if last is None else gzip_member_end(stream, last)
    junk = None
    while pos is not None:
        end = gzip_member_end(stream, pos)
        if end is None:
            return (pos if junk is None else junk), None
        if end == pos:
            return None if junk is None else (junk, pos)
        if junk is None:
            stream.seek(pos)
            junk = None if starts_like_warc(_gunzip_start(stream.read(1 << 16)) or b"") else pos
        pos = end
    return None


def _first_record(stream: BinaryIO) -> tuple[int, bool] | None:
    """Where the first record of a file that does not start with one begins, and whether it is gzipped:
    the first gzip member that inflates to a record or the first `WARC/` line, whichever comes first."""
    member = next_gzip_member(stream, 1, starts_like_warc)
    line = _next_warc_line(stream, 1)
    if member is not None and (line is None or member < line):
        return member, True
    return None if line is None else (line, False)


def _content_length(value: str | None) -> int | None:
    """The WARC Content-Length as an int, or None if it is missing, not a decimal number or out of range."""
    if value is None or not (value := value.strip()).isdigit() or not value.isascii():
        return None
    if len(value.lstrip("0")) > 19:  # past int64 for sure (and int() refuses more than 4,300 digits)
        return None
    length = int(value)
    return length if length <= MAX_RECORD_BYTES else None


def _bare(value: str | None) -> str | None:
    """A WARC-Record-ID or WARC-Target-URI without its angle brackets (WARC 1.1 `<uri>`; some writers omit
    them, wget puts them on WARC-Target-URI too)."""
    if value is None:
        return None
    value = value.strip()
    return value[1:-1] if value.startswith("<") and value.endswith(">") else value


def _record_info(record: WarcRecord, source: SourceFile) -> RecordInfo:
    headers = record.headers  # (WarcHeader keys: case-insensitive, and far faster than str keys)
    return RecordInfo(
        source=source.relpath,
        offset=record.stream_pos,
        record_id=_bare(headers.get(WarcHeader.WARC_RECORD_ID)),
        url=_bare(headers.get(WarcHeader.WARC_TARGET_URI)),
        fetch_date=headers.get(WarcHeader.WARC_DATE),
        nbytes=_content_length(headers.get(WarcHeader.CONTENT_LENGTH)) or 0,
    )


class _Block:
    """A record's block, counting the bytes read so that a block cut short by the end of the file shows."""

    def __init__(self, record: WarcRecord, length: int):
        self._record = record
        self._reader = record.reader
        self.length = length
        self.seen = 0

    def read(self, size: int) -> bytes:
        data = self._reader.read(size)
        self.seen += len(data)
        return data

    def finish(self) -> bool:
        """Skip the rest of the block; whether it held all `length` bytes."""
        self.seen += self._record.consume()
        return self.seen >= self.length


_WEB_URL = re.compile(r"(?i)(https?|ftp|file)://")


def _classify(
    rtype: str, record: WarcRecord, info: RecordInfo, block: _Block, max_payload_bytes: int, max_header_bytes: int
) -> HttpPayload | Refusal:
    """The page in a record of WARC-Type `rtype`, or why there is none, reading no more of it than needed."""
    if rtype not in _DOCUMENTS:
        return Refusal(Verdict.SKIPPED, f"warc_{rtype if rtype in _NOT_DOCUMENTS else 'unknown'}")
    content_type = record.headers.get(WarcHeader.CONTENT_TYPE)
    if rtype == "conversion":
        return document_payload(content_type, block.read, block.length, max_payload_bytes, "utf-8")
    if rtype == "resource" and not _WEB_URL.match(info.url or ""):
        # Crawlers store their own logs and settings as resources under non-web URIs (wget's metadata://,
        # wpull's urn:X-wpull:log); captured documents have web (or file) URLs.
        return Refusal(Verdict.SKIPPED, "crawler_metadata")
    if rtype == "response" and media_type(content_type)[0] == "application/http":
        return read_response(
            block.read, block.length, max_payload_bytes=max_payload_bytes, max_header_bytes=max_header_bytes
        )
    return document_payload(content_type, block.read, block.length, max_payload_bytes)  # resource, DNS


def _record_item(record: WarcRecord, info: RecordInfo, max_payload_bytes: int, max_header_bytes: int) -> Item:
    """The one item for a record FastWARC parsed; reads its block to the end to detect truncation."""
    headers = record.headers
    raw_length = headers.get(WarcHeader.CONTENT_LENGTH)
    length = _content_length(raw_length)
    if length is None:
        detail = "no Content-Length" if raw_length is None else f"Content-Length {raw_length[:40]!r}"
        return info.reject(Verdict.DEAD_LETTER, "bad_content_length", f"{detail}: not a byte count below 2**63")
    if record.content_length != length:  # FastWARC matches the field name case-sensitively; WARC does not
        return info.reject(Verdict.DEAD_LETTER, "malformed_record", "Content-Length field name not as spelled")
    rtype = (headers.get(WarcHeader.WARC_TYPE) or "").strip().lower()
    if not rtype:
        return info.reject(Verdict.DEAD_LETTER, "malformed_record", "no WARC-Type")
    block = _Block(record, length)
    outcome = _classify(rtype, record, info, block, max_payload_bytes, max_header_bytes)
    if not block.finish():  # counted by the bytes it has: the declared length may be absurd
        detail = f"block ends after {block.seen} of {length} bytes"
        return dataclasses.replace(info, nbytes=block.seen).reject(Verdict.DEAD_LETTER, "truncated_record", detail)
    return info.resolve(outcome, is_text=rtype == "conversion")


def _read_run(
    stream: _Guarded,
    gzipped: bool,
    start: int,
    source: SourceFile,
    max_payload_bytes: int,
    max_header_bytes: int,
) -> Generator[Item, None, int | None]:
    """Yield the items of the records from `start` on; return where to restart past a failure, or None."""
    stream.seek(start)
    records = ArchiveIterator(stream, parse_http=False, quirks_mode=True, max_header_len=max_header_bytes)
    last = None
    while True:
        try:
            record = next(records)
        except StopIteration:
            tail = _bad_tail(stream, last, start) if gzipped else None
            if tail is not None and tail[1] is not None:
                yield junk_data(stream, source, *tail, "in gzip members after the last record")
            elif tail is not None:
                yield Rejection(
                    Verdict.DEAD_LETTER,
                    "read",
                    "truncated_stream",
                    source.relpath,
                    offset=tail[0],
                    detail="gzip stream is corrupt or cut off",
                )
            return None
        except Exception as exc:  # FastWARC raises OSError on bad data; any other parser error is bad data too
            if stream.error is not None:
                raise
            bad, resume = _failure_site(stream, gzipped, last, start, max_header_bytes)
            if "header length" in str(exc):
                reason = "header_too_long"
            elif gzipped:
                reason = "corrupt_stream" if resume is not None else "truncated_stream"
            else:
                reason = "malformed_record"
            yield Rejection(Verdict.DEAD_LETTER, "read", reason, source.relpath, offset=bad, detail=str(exc))
            return resume
        last = record.stream_pos
        info = _record_info(record, source)
        try:
            item = _record_item(record, info, max_payload_bytes, max_header_bytes)
        except OSError as exc:  # the block breaks off as corrupt gzip data (FastWARC raises on reading it)
            if stream.error is not None:
                raise
            yield info.reject(Verdict.DEAD_LETTER, "corrupt_stream", str(exc))
            return next_gzip_member(stream, last + 1, starts_like_warc) if gzipped else None
        yield item
        if isinstance(item, Rejection) and item.reason in ("truncated_record", "bad_content_length"):
            # The file ended inside the block: it was cut there, or a too large Content-Length swallowed the
            # records after it; or FastWARC skipped a block of a length we refuse. Look for the records
            # inside the block.
            return next_gzip_member(stream, last + 1, starts_like_warc) if gzipped else last + 1


def iter_warc(
    stream: BinaryIO,
    source: SourceFile,
    *,
    max_payload_bytes: int = 50_000_000,
    max_header_bytes: int = 1_000_000,
) -> Iterator[WebPage | Rejection]:
    """Yield one `WebPage` or `Rejection` per record of the WARC file open as `stream`.

    `stream` is the file as stored (a `.warc.gz` still compressed) and must be seekable. Records are streamed,
    never the whole file read; a block is read into memory only for a page no larger than
    `max_payload_bytes`, whose decoded body is capped at the same size. Bad data never raises: it gives
    DEAD_LETTER items and reading goes on after it. Errors of the stream itself propagate.
    """
    guarded = _Guarded(stream)
    gzipped = sniff(guarded, starts_like_warc)
    start: int | None = 0
    if gzipped is None:
        first = _first_record(guarded)
        if first is None:
            yield unrecognised_file(stream, source, "not_a_warc")
            return
        start, gzipped = first
        yield junk_data(guarded, source, 0, start, "before the first record")
    while start is not None:
        start = yield from _read_run(guarded, gzipped, start, source, max_payload_bytes, max_header_bytes)
