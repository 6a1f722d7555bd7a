"""Read ARC files (Internet Archive ARC format 1.0, as in 2008-era Common Crawl) into `WebPage`s and `Rejection`s.

Neither FastWARC nor warcio reads the ARC files of the early Common Crawl, so this is a small streaming reader.
An ARC file (`.arc`, or `.arc.gz`: one or many gzip members) is a version block then records, each

    <URL> <IP-address> <Archive-date> <Content-type> <Archive-length>\\n
    <Archive-length bytes: the HTTP response as received>\\n

The version block is a record too: URL `filedesc://<name>`, and a body whose third line names the header
fields (version 1: `URL IP-address Archive-date Content-type Archive-length`; version 2 has ten fields, which
this reader follows by name). Blank lines between records are skipped, since writers disagree on whether
Archive-length counts the trailing newline.

Items follow `warc.iter_warc`: one per record, classified by `http.read_response`, with `fetch_date` as ISO
8601 and no `record_id` (ARC has none). `offset` is the offset of the record's gzip member where the record
starts one (Internet Archive and CDX practice), else its offset in the uncompressed data, so that offsets
stay unique in files that compress many records into one member.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from corpusforge.transforms.document import Rejection, SourceFile, Verdict, WebPage
from corpusforge.transforms.io.http import (
    HttpPayload,
    RecordInfo,
    Refusal,
    document_payload,
    read_response,
)
from corpusforge.transforms.io.warc import MAX_RECORD_BYTES, junk_data, next_gzip_member, sniff, unrecognised_file

_CHUNK = 1 << 20
_MAX_LINE = 1 << 20  # longest header line, and HTTP head, accepted
_V1_FIELDS = ("url", "ip-address", "archive-date", "content-type", "archive-length")


@dataclasses.dataclass(frozen=True)
class _ArcHeader:
    url: str
    date: str
    content_type: str
    length: int


def parse_header(line: bytes, fields: tuple[str, ...] = _V1_FIELDS) -> _ArcHeader | None:
    """Parse a record header line whose fields are named `fields` (lower case); None if it is not one.

    The URL is the first field and may contain spaces (badly escaped URLs); the others never do. A line
    counts as a header only with a URL scheme, a numeric date and a length, so that text is not taken for one.
    """
    parts = line.decode("utf-8", "replace").split()
    others = len(fields) - 1
    if len(parts) < len(fields) or not (parts[-1].isdigit() and parts[-1].isascii()):
        return None
    url = " ".join(parts[: len(parts) - others])
    named = dict(zip(fields[1:], parts[len(parts) - others :]))
    date = named.get("archive-date", "")
    if ":" not in url or not (date.isdigit() and len(date) >= 12):
        return None
    digits = parts[-1].lstrip("0") or "0"
    length = int(digits) if len(digits) <= 19 else MAX_RECORD_BYTES + 1  # int() refuses 4,301 digits
    return _ArcHeader(url, date, named.get("content-type", ""), length)


def _field_names(version_block: bytes) -> tuple[str, ...]:
    """The header field names that the third line of a version block lists (ARC 1.0; v1 if absent)."""
    lines = version_block.split(b"\n")
    names = tuple(lines[1].decode("latin-1").lower().split()) if len(lines) > 1 else ()
    return names if names[:1] == ("url",) and names[-1:] == ("archive-length",) else _V1_FIELDS


def iso_date(stamp: str) -> str | None:
    """An ARC date (`YYYYMMDDhhmmss`, UTC) as WARC-Date writes it (`2008-05-09T19:02:41Z`); other values as is."""
    if len(stamp) < 14 or not stamp[:14].isdigit():
        return stamp or None
    return f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}Z"


def _starts_like_arc(data: bytes) -> bool:
    return data.startswith(b"filedesc://")


def _starts_like_record(data: bytes) -> bool:
    line = data.lstrip(b"\r\n").split(b"\n", 1)[0]
    return parse_header(line) is not None


class _Inflated:
    """The uncompressed bytes of an ARC file, read front to back, with the gzip member starts seen.

    Inflates in bounded steps (never more than about `_CHUNK` bytes buffered besides what a caller asks for).
    Where the gzip data is corrupt or cut off, reading ends there and `error` says why; `resync` then moves on
    to the next gzip member that starts a record.
    """

    def __init__(self, stream: BinaryIO, gzipped: bool, start: int = 0):
        stream.seek(start)
        self._stream = stream
        self._gzipped = gzipped
        self._buf = b""
        self._i = 0  # next unread byte in _buf
        self._base = 0  # uncompressed offset of _buf[0]
        self._input = b""  # compressed bytes not yet inflated
        self._in_offset = start  # file offset of _input[0]
        self._inflater = None  # the zlib decompressobj of the member being inflated
        self._member = 0  # file offset of the current (or last) member
        self._member_starts: list[tuple[int, int]] = []  # (uncompressed offset, file offset) of members begun
        self.error: tuple[str, str, int] | None = None  # (reason, detail, file offset of the member)

    @property
    def pos(self) -> int:
        """The uncompressed offset of the next byte."""
        return self._base + self._i

    def _fill(self) -> bool:
        """Append more uncompressed data to the buffer; False at the end of the file or where it breaks."""
        if self.error is not None:
            return False
        if not self._gzipped:
            data = self._stream.read(_CHUNK)
            self._append(data)
            return bool(data)
        while True:
            if not self._input:
                self._input = self._stream.read(_CHUNK)
                if not self._input:
                    if self._inflater is not None:
                        self.error = ("truncated_stream", "gzip member cut off", self._member)
                    return False
            if self._inflater is None:
                self._inflater = zlib.decompressobj(31)
                self._member = self._in_offset
                self._member_starts.append((self._base + len(self._buf), self._in_offset))
            try:
                out = self._inflater.decompress(self._input, _CHUNK)
            except zlib.error as exc:
                self.error = ("corrupt_stream", f"gzip: {exc}", self._member)
                return False
            rest = self._inflater.unconsumed_tail or self._inflater.unused_data
            self._in_offset += len(self._input) - len(rest)
            self._input = rest
            if self._inflater.eof:
                self._inflater = None
            if out:
                self._append(out)
                return True

    def _append(self, data: bytes) -> None:
        self._base += self._i
        self._buf = self._buf[self._i :] + data
        self._i = 0

    def record_offset(self, since: int) -> int:
        """The offset to report for a record starting here: that of the last gzip member that began since
        `since` (the end of the previous record), else the uncompressed offset."""
        members = [offset for start, offset in self._member_starts if start >= since]
        self._member_starts.clear()  # all began before here: members are inflated only as they are reached
        return members[-1] if members else self.pos

    def skip_blank_lines(self) -> None:
        while True:
            while self._i < len(self._buf) and self._buf[self._i] in b"\r\n":
                self._i += 1
            if self._i < len(self._buf) or not self._fill():
                return

    def readline(self, limit: int) -> bytes:
        """The next line with its newline; at most `limit` bytes, less at the end of the data."""
        while True:
            end = self._buf.find(b"\n", self._i, self._i + limit)
            if end >= 0 or len(self._buf) - self._i >= limit or not self._fill():
                stop = end + 1 if end >= 0 else min(len(self._buf), self._i + limit)
                line = self._buf[self._i : stop]
                self._i = stop
                return line

    def read(self, size: int, keep: bool = True) -> tuple[bytes, int]:
        """Up to `size` bytes (fewer at the end of the data) and their number; `keep=False` discards them."""
        parts = []
        got = 0
        while got < size:
            if self._i == len(self._buf) and not self._fill():
                break
            take = min(size - got, len(self._buf) - self._i)
            if keep:
                parts.append(self._buf[self._i : self._i + take])
            self._i += take
            got += take
        return b"".join(parts), got

    def resync(self) -> bool:
        """After corrupt gzip data, go on at the next member that starts a record; False if there is none."""
        if self.error is None or self.error[0] != "corrupt_stream":
            return False
        start = next_gzip_member(self._stream, self.error[2] + 1, _starts_like_record)
        if start is None:
            return False
        self._stream.seek(start)
        self._base, self._buf, self._i = self.pos, b"", 0
        self._input, self._in_offset, self._inflater, self._member_starts = b"", start, None, []
        self.error = None
        return True


class _Block:
    """The Archive-length bytes of one record, counting what was read so that a cut-off block shows."""

    def __init__(self, data: _Inflated, length: int):
        self._data = data
        self.length = length
        self.seen = 0

    def read(self, size: int) -> bytes:
        data, got = self._data.read(min(size, self.length - self.seen))
        self.seen += got
        return data

    def finish(self) -> bool:
        """Skip the rest of the block; whether it held all `length` bytes."""
        self.seen += self._data.read(self.length - self.seen, keep=False)[1]
        return self.seen >= self.length


def _classify(header: _ArcHeader, block: _Block, max_payload_bytes: int) -> HttpPayload | Refusal:
    """The page in a record, or why there is none: HTTP(S) records hold a response, others (`dns:`) the
    document itself, typed by the header's Content-type."""
    if header.url.lower().startswith(("http:", "https:")):
        return read_response(block.read, block.length, max_payload_bytes=max_payload_bytes, max_header_bytes=_MAX_LINE)
    return document_payload(header.content_type, block.read, block.length, max_payload_bytes)


def iter_arc(
    stream: BinaryIO, source: SourceFile, *, max_payload_bytes: int = 50_000_000
) -> Iterator[WebPage | Rejection]:
    """Yield one `WebPage` or `Rejection` per record of the ARC file open as `stream` (as stored, seekable).

    Streams the file; bad data gives DEAD_LETTER items and never raises: an unparseable header line
    (`malformed_record`, reading resumes at the next line that is a record header), an Archive-length of
    2**63 or more (`bad_content_length`, likewise), a block cut off by the end of the file (`truncated_record`,
    counted by the bytes it has), corrupt gzip data (`corrupt_stream`, reading resumes at the next gzip
    member), a gzip stream cut off between records (`truncated_stream`), gzip members before the first that
    holds a record (`junk_data`).
    """
    gzipped = sniff(stream, _starts_like_arc)
    start = 0
    if gzipped is None:
        start = next_gzip_member(stream, 1, _starts_like_record)
        if start is None:
            yield unrecognised_file(stream, source, "not_an_arc")
            return
        gzipped = True
        yield junk_data(stream, source, 0, start, "before the first record")
    data = _Inflated(stream, gzipped, start)
    fields = _V1_FIELDS
    resyncing = False
    while True:
        since = data.pos
        data.skip_blank_lines()
        offset = data.record_offset(since)
        line = data.readline(_MAX_LINE)
        header = parse_header(line, fields)
        if header is None:
            if data.error is not None:
                _, detail, member = data.error
                resumed = data.resync()
                reason = "corrupt_stream" if resumed else "truncated_stream"
                yield Rejection(Verdict.DEAD_LETTER, "read", reason, source.relpath, offset=member, detail=detail)
                if resumed:
                    continue
                return
            if not line:
                return
            if not resyncing:  # one dead letter for a run of unparseable lines
                yield Rejection(
                    Verdict.DEAD_LETTER,
                    "read",
                    "malformed_record",
                    source.relpath,
                    offset=offset,
                    detail=f"not an ARC header line: {line[:100]!r}",
                )
            resyncing = True
            continue
        resyncing = False
        info = RecordInfo(source.relpath, offset, None, header.url, iso_date(header.date), nbytes=header.length)
        if header.length > MAX_RECORD_BYTES:  # its block cannot be skipped: resume at the next header line
            detail = "Archive-length is not a byte count below 2**63"
            yield dataclasses.replace(info, nbytes=0).reject(Verdict.DEAD_LETTER, "bad_content_length", detail)
            resyncing = True
            continue
        block = _Block(data, header.length)
        if header.url.startswith("filedesc:"):
            fields = _field_names(block.read(_MAX_LINE))
            outcome: HttpPayload | Refusal = Refusal(Verdict.SKIPPED, "arc_filedesc")
        else:
            outcome = _classify(header, block, max_payload_bytes)
        if block.finish():
            yield info.resolve(outcome)
            continue
        detail = f"block ends after {block.seen} of {header.length} bytes"
        if data.error is not None and data.error[0] == "corrupt_stream":
            yield info.reject(Verdict.DEAD_LETTER, "corrupt_stream", f"{data.error[1]}; {detail}")
            if data.resync():
                continue
        else:
            yield dataclasses.replace(info, nbytes=block.seen).reject(Verdict.DEAD_LETTER, "truncated_record", detail)
        return
