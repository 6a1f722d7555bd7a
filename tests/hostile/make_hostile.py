#!/usr/bin/env python3
"""Write corpusforge's hostile corpus: one input file per way a record or file can be broken or malicious.

    python tests/hostile/make_hostile.py OUT_DIR [--huge]

Each entry of `CASES` is one file and what reading it must give: the reason of every record that is not a
kept document (`expect`, "stage/verdict/reason" → records) and how many good records the file holds around
the bad ones (`good`); each good record must come out of the reader as a document and, being ordinary prose
in a kept language, survive the whole sample recipe. Good records are the sample corpus's own kind of
document (samples/make_sample.py composes them from samples/templates/), each with a unique URL under
`https://good.example/`, so that a test finds every one of them in the output.

Small on disk (11 MB with `--huge`, 0.6 MB without): the `huge` cases (gzip members that inflate to
320 MiB or 2.25 GiB, a 60 MB page, a 50 MB JSON line) are gzip members of one block of data repeated,
compressed once and copied (`repeated_gzip_member`), with their CRC-32 computed by algebra rather than over
the bytes. Everything is deterministic: the same bytes on every run.
"""

from __future__ import annotations

import dataclasses
import gzip
import html
import importlib.util
import io
import json
import random
import struct
import sys
import uuid
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

REPO = Path(__file__).resolve().parents[2]
SEED = 20261204
GOOD_HOST = "https://good.example"
DATE = "2026-12-01T08:00:00Z"
# Valid ISO 8601 dates whose UTC time falls outside Python's datetime (years 1 to 9999)
DATES_OUT_OF_RANGE = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")
MIB = 1 << 20
LANGS = ("en", "de", "fr", "es", "ja", "zh")  # languages the sample recipe keeps


def _sample_generator():
    """samples/make_sample.py, which composes the sample corpus's documents from its templates."""
    spec = importlib.util.spec_from_file_location("make_sample", REPO / "samples" / "make_sample.py")
    module = sys.modules.setdefault("make_sample", importlib.util.module_from_spec(spec))
    if not hasattr(module, "Builder"):
        spec.loader.exec_module(module)
    return module


@dataclasses.dataclass(frozen=True)
class Good:
    """A good record: ordinary prose in a kept language, under a URL of its own."""

    url: str
    lang: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join((self.title, *self.paragraphs))

    def html(self, charset: str = "utf-8") -> str:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in self.paragraphs)
        return (
            f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="{charset}">'
            f"<title>{html.escape(self.title)}</title></head>\n<body><article><h1>{html.escape(self.title)}</h1>\n"
            f"{paragraphs}</article></body></html>\n"
        )

    def page(self, charset: str = "utf-8") -> bytes:
        return self.html(charset).encode(charset)

    def json_line(self, date: str = DATE) -> bytes:
        record = {"id": self.url.removeprefix(GOOD_HOST + "/"), "url": self.url, "date": date, "text": self.text}
        return json.dumps(record, ensure_ascii=False).encode()


# Filler for records that are not good ones (bombs, large pages): our own words, so that no good record is
# a near duplicate of a hostile one.
FILLER = "The hostile corpus repeats this sentence to make a record larger than any reader should hold. "


# --- gzip members that inflate to a lot -------------------------------------------------------------------


def _crc32_map(unit: bytes) -> tuple[list[int], int]:
    """`zlib.crc32(unit, c)` as an affine map of `c` over GF(2): 32 matrix columns and the constant."""
    constant = zlib.crc32(unit, 0)
    return [zlib.crc32(unit, 1 << bit) ^ constant for bit in range(32)], constant


def _apply(columns: list[int], constant: int, value: int) -> int:
    out = constant
    for bit in range(32):
        if value >> bit & 1:
            out ^= columns[bit]
    return out


def crc32_repeated(unit: bytes, count: int, crc: int = 0) -> int:
    """`zlib.crc32(unit * count, crc)`, in time independent of `count` (squaring the affine map)."""
    columns, constant = _crc32_map(unit)
    while count:
        if count & 1:
            crc = _apply(columns, constant, crc)
        # f∘f: columns L(L(e_bit)), constant L(c) ^ c
        columns, constant = [_apply(columns, 0, c) for c in columns], _apply(columns, constant, constant)
        count >>= 1
    return crc


def _deflate_segment(data: bytes, final: bool) -> bytes:
    """Raw deflate of `data` that needs no earlier window: byte-aligned, so segments concatenate."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def repeated_gzip_member(prefix: bytes, unit: bytes, count: int, suffix: bytes) -> bytes:
    """One gzip member (RFC 1952) holding `prefix + unit * count + suffix`, written in time and space of
    `prefix + unit + suffix`: the unit is deflated once, as a segment that starts with an empty window, and
    copied `count` times (1 MiB of zeros deflates to about 1 KB, so 2 GiB is a 2 MB member)."""
    crc = zlib.crc32(suffix, crc32_repeated(unit, count, zlib.crc32(prefix)))
    size = len(prefix) + len(unit) * count + len(suffix)
    body = _deflate_segment(prefix, False) + _deflate_segment(unit, False) * count + _deflate_segment(suffix, True)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


# --- web archive records ----------------------------------------------------------------------------------


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8", headers: str = "") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
    return head.encode("latin-1") + body


def warc_head(url: str, length: int | str | None, *, fields: str | None = None, date: str = DATE) -> bytes:
    """A WARC/1.1 response record's header (section 4); `length` None leaves Content-Length out, `fields`
    replaces the other fields."""
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, url)
    if fields is None:
        fields = (
            f"WARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\nWARC-Date: {date}\r\n"
            f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n"
        )
    if length is not None:
        fields += f"Content-Length: {length}\r\n"
    return f"WARC/1.1\r\n{fields}\r\n".encode()


def warc_record(url: str, block: bytes, length: int | str | None = "", **head) -> bytes:
    """A WARC record; `length` "" is the true Content-Length, anything else is written as given."""
    return warc_head(url, len(block) if length == "" else length, **head) + block + b"\r\n\r\n"


def good_warc(good: Good, date: str = DATE) -> bytes:
    return warc_record(good.url, http_response(good.page()), date=date)


def members(*records: bytes) -> bytes:
    """A gzip member per record, as WARC 1.1 Annex D writes a .warc.gz (mtime 0: the same bytes every run)."""
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def arc_record(url: str, block: bytes, content_type: str = "text/html", length: int | str | None = None) -> bytes:
    length = len(block) if length is None else length
    return f"{url} 192.0.2.1 20080509190241 {content_type} {length}\n".encode() + block + b"\n"


ARC_VERSION_BLOCK = b"1 0 hostile\nURL IP-address Archive-date Content-type Archive-length\n\n"
ARC_FILEDESC = arc_record("filedesc://hostile.arc", ARC_VERSION_BLOCK, "text/plain")


def good_arc(good: Good) -> bytes:
    return arc_record(good.url, http_response(good.page()))


# --- cases ------------------------------------------------------------------------------------------------

Build = Callable[[list["Good"]], bytes]


@dataclasses.dataclass(frozen=True)
class Case:
    """One hostile input file: how to write it, and what reading it must give."""

    name: str  # the file name; its extension tells the reader which format it is
    build: Build  # its bytes, from its good records (the builder's docstring says what is hostile)
    expect: Mapping[str, int]  # "stage/verdict/reason" → records, for each record that is not a document
    good: int = 0  # good records in the file, each to be kept
    others: int = 0  # hostile records the reader rightly turns into documents (later stages decide on them)
    huge: bool = False  # takes seconds to read: inflates to 320 MiB or more, or holds a 50-60 MB record
    langs: tuple[str, ...] = ()  # languages of the good records, in order (default: LANGS in turn)

    @property
    def what(self) -> str:
        return (self.build.__doc__ or "").strip().splitlines()[0]


READ, EXTRACT = "read", "extract"


def dead(reason: str, records: int = 1, stage: str = READ) -> dict[str, int]:
    return {f"{stage}/dead_letter/{reason}": records}


def dropped(reason: str, records: int = 1, stage: str = READ) -> dict[str, int]:
    return {f"{stage}/dropped/{reason}": records}


def skipped(reason: str, records: int = 1) -> dict[str, int]:
    return {f"{READ}/skipped/{reason}": records}


def _described(what: str, build: Build) -> Build:
    build.__doc__ = what
    return build


def _between_goods(what: str, *bad: bytes, gz: bool = True) -> Build:
    """A WARC file: a good record, the bad records, a good record."""

    def build(goods: list[Good]) -> bytes:
        records = (good_warc(goods[0]), *bad, good_warc(goods[1]))
        return members(*records) if gz else b"".join(records)

    return _described(what, build)


def _content_length(value: str | None, gz: bool = True) -> Build:
    bad = warc_record(f"{GOOD_HOST}/bad", http_response(b"<p>bad</p>"), length=value)
    what = "no Content-Length" if value is None else f"Content-Length {value}"
    return _between_goods(what, bad, gz=gz)


def _filler_page(name: str) -> bytes:
    return warc_record(f"{GOOD_HOST}/{name}", http_response(f"<html><body><p>{FILLER * 40}</p></body></html>".encode()))


def cut_member_mid_file(goods: list[Good]) -> bytes:
    """The second record's gzip member cut at 60 %, a good member after it."""
    cut = members(_filler_page("cut"))
    return members(good_warc(goods[0])) + cut[: len(cut) * 6 // 10] + members(good_warc(goods[1]))


def junk_first_member(goods: list[Good]) -> bytes:
    """The first gzip member is not a WARC record."""
    return members(b"this is not a WARC record\n" * 40) + members(*map(good_warc, goods))


def junk_last_member(goods: list[Good]) -> bytes:
    """A gzip member after the last record is not a record."""
    return members(*map(good_warc, goods)) + members(b"trailing junk\n" * 40)


def junk_before_first_record(goods: list[Good]) -> bytes:
    """Text before the first WARC/ line of an uncompressed WARC."""
    return b"garbage line\r\n" * 30 + b"".join(map(good_warc, goods))


def not_gzip_warc(goods: list[Good]) -> bytes:
    """An uncompressed WARC named .warc.gz (read by its content, as FastWARC does)."""
    return b"".join(map(good_warc, goods))


def random_bytes(goods: list[Good]) -> bytes:
    """20 KB of random bytes."""
    return random.Random(2).randbytes(20_000)


def empty(goods: list[Good]) -> bytes:
    """An empty file."""
    return b""


def charset_lies(goods: list[Good]) -> bytes:
    """Charsets that lie: Shift-JIS declared UTF-8, UTF-8 declared UTF-16, `base64`, a 5,000-byte label."""
    shift_jis = http_response(goods[0].html().replace('<meta charset="utf-8">', "").encode("shift_jis"))
    return members(
        warc_record(goods[0].url, shift_jis),  # goods[0] is Japanese
        warc_record(goods[1].url, http_response(goods[1].page(), "text/html; charset=utf-16")),
        warc_record(goods[2].url, http_response(goods[2].page(), "text/html; charset=base64")),
        warc_record(goods[3].url, http_response(goods[3].page(), "text/html; charset=" + "x" * 5000)),
    )


def nul_and_control_bytes(goods: list[Good]) -> bytes:
    """NUL, BEL and escape bytes inside pages."""

    def salted(good: Good) -> bytes:
        return good.page().replace(b"<p>", b"<p>\x00\x01\x1b[0m", 1).replace(b". ", b".\x00 \x07", 3)

    return members(*(warc_record(g.url, http_response(salted(g))) for g in goods))


def _binary_bodies() -> list[bytes]:
    rng = random.Random(SEED)
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 50
    return [rng.randbytes(50_000), b"\x89PNG\r\n\x1a\n" + rng.randbytes(5_000), pdf]


def binary_as_html(goods: list[Good]) -> bytes:
    """Random bytes, a PNG and a PDF labelled text/html."""
    bad = [warc_record(f"{GOOD_HOST}/binary/{i}", http_response(b)) for i, b in enumerate(_binary_bodies())]
    return members(good_warc(goods[0]), *bad, good_warc(goods[1]))


def lying_content_encoding(goods: list[Good]) -> bytes:
    """Content-Encoding that lies: plain bodies declared gzip and deflate, noise declared gzip, corrupt gzip."""
    corrupt = bytearray(members(FILLER.encode() * 100))
    corrupt[30:60] = bytes(30)
    noise = random.Random(1).randbytes(8_000)
    return members(
        warc_record(goods[0].url, http_response(goods[0].page(), headers="Content-Encoding: gzip\r\n")),
        warc_record(goods[1].url, http_response(goods[1].page(), headers="Content-Encoding: deflate\r\n")),
        warc_record(f"{GOOD_HOST}/noise", http_response(noise, headers="Content-Encoding: gzip\r\n")),
        warc_record(f"{GOOD_HOST}/corrupt", http_response(bytes(corrupt), headers="Content-Encoding: gzip\r\n")),
        good_warc(goods[2]),
    )


def deep_html(goods: list[Good]) -> bytes:
    """A page nested 100,000 elements deep."""
    depth = 100_000
    page = goods[0].html().replace("<article>", "<div>" * depth + "<article>")
    page = page.replace("</article>", "</article>" + "</div>" * depth)
    return members(warc_record(goods[0].url, http_response(page.encode())), good_warc(goods[1]))


def dates_out_of_range(goods: list[Good]) -> bytes:
    """WARC-Dates valid in ISO 8601 whose UTC time is outside years 1 to 9999."""
    return members(*(good_warc(g, date) for g, date in zip(goods, DATES_OUT_OF_RANGE)))


def _long_url_good(good: Good) -> Good:
    """The good record under its URL with a 100 KB query appended."""
    return dataclasses.replace(good, url=good.url + "?q=" + "a" * 100_000)


def long_url(goods: list[Good]) -> bytes:
    """A 100 KB URL."""
    return members(good_warc(_long_url_good(goods[0])), good_warc(goods[1]))


def page_bomb(goods: list[Good]) -> bytes:
    """A response record whose gzip member inflates to 2.25 GiB: an HTML head, then zeros."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    prefix = warc_head(f"{GOOD_HOST}/bomb", len(head) + 2304 * MIB) + head
    bomb = repeated_gzip_member(prefix, bytes(MIB), 2304, b"\r\n\r\n")
    return members(good_warc(goods[0])) + bomb + members(good_warc(goods[1]))


def content_encoding_bomb(goods: list[Good]) -> bytes:
    """A 2.2 MB body with Content-Encoding: gzip that inflates to 2.25 GiB of zeros."""
    bomb = repeated_gzip_member(b"<html><body><p>", bytes(MIB), 2304, b"</p></body></html>")
    block = http_response(bomb, headers="Content-Encoding: gzip\r\n")
    return members(good_warc(goods[0]), warc_record(f"{GOOD_HOST}/encoding-bomb", block), good_warc(goods[1]))


def _large_page(megabytes: int) -> Build:
    def build(goods: list[Good]) -> bytes:
        paragraph = f"<p>{FILLER * 10}</p>\n".encode()
        unit = paragraph * (MIB // len(paragraph) + 1)
        size = megabytes * len(unit)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {size}\r\n\r\n"
        prefix = warc_head(f"{GOOD_HOST}/page-{megabytes}mb", len(head) + size) + head.encode()
        page = repeated_gzip_member(prefix, unit, megabytes, b"\r\n\r\n")
        return members(good_warc(goods[0])) + page + members(good_warc(goods[1]))

    return _described(f"A {megabytes} MB HTML page.", build)


def _arc_file(*records: bytes, gz: bool = True) -> bytes:
    return members(ARC_FILEDESC, *records) if gz else ARC_FILEDESC + b"".join(records)


def arc_length_over_2_64(goods: list[Good]) -> bytes:
    """Archive-length 2**64 + 5."""
    bad = arc_record(f"{GOOD_HOST}/bad", http_response(b"<p>bad</p>"), length=2**64 + 5)
    return _arc_file(good_arc(goods[0]), bad, good_arc(goods[1]))


def arc_length_4301_digits(goods: list[Good]) -> bytes:
    """Archive-length of 4,301 digits (Python's int() refuses more than 4,300)."""
    bad = arc_record(f"{GOOD_HOST}/bad", b"bad", length="9" * 4301)
    return _arc_file(good_arc(goods[0]), bad, good_arc(goods[1]), gz=False)


def arc_junk_first_member(goods: list[Good]) -> bytes:
    """The first gzip member is not an ARC record."""
    return members(b"junk\n" * 40) + _arc_file(*map(good_arc, goods))


def arc_bomb(goods: list[Good]) -> bytes:
    """An ARC record whose gzip member inflates to 320 MiB (all of it read to reach the next record)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    prefix = f"{GOOD_HOST}/arc-bomb 192.0.2.1 20080509190241 text/html {len(head) + 320 * MIB}\n".encode() + head
    bomb = repeated_gzip_member(prefix, bytes(MIB), 320, b"\n")
    return members(ARC_FILEDESC, good_arc(goods[0])) + bomb + members(good_arc(goods[1]))


def _jsonl(*lines: bytes, end: bytes = b"\n") -> bytes:
    return end.join(lines) + end


def _between_good_lines(what: str, *bad: bytes) -> Build:
    def build(goods: list[Good]) -> bytes:
        return _jsonl(goods[0].json_line(), *bad, goods[1].json_line())

    return _described(what, build)


def _filler_line() -> bytes:
    return json.dumps({"text": FILLER}).encode()


def jsonl_long_url(goods: list[Good]) -> bytes:
    """A 100 KB URL."""
    return _jsonl(_long_url_good(goods[0]).json_line(), goods[1].json_line())


def jsonl_dates_out_of_range(goods: list[Good]) -> bytes:
    """Dates valid in ISO 8601 whose UTC time is outside years 1 to 9999."""
    return _jsonl(*(g.json_line(date) for g, date in zip(goods, DATES_OUT_OF_RANGE)))


def jsonl_bom(goods: list[Good]) -> bytes:
    """A UTF-8 BOM at the start of the file and of a line (two files joined with cat)."""
    return b"\xef\xbb\xbf" + goods[0].json_line() + b"\n\xef\xbb\xbf" + goods[1].json_line() + b"\n"


def jsonl_crlf(goods: list[Good]) -> bytes:
    """CRLF line ends, and blank lines."""
    return _jsonl(goods[0].json_line(), b"", goods[1].json_line(), b"  ", end=b"\r\n")


def jsonl_truncated_last_line(goods: list[Good]) -> bytes:
    """The last line cut off, without its newline."""
    return _jsonl(*(g.json_line() for g in goods)) + _filler_line()[:40]


def jsonl_not_gzip(goods: list[Good]) -> bytes:
    """An uncompressed JSONL file named .gz."""
    return _jsonl(_filler_line())


def _cut_stream(what: str, compress: Callable[[bytes], bytes]) -> Build:
    """The good lines as one gzip member (zstd frame), then a 40 KB line as another, cut 25 bytes before its
    end (a zstd decoder gives nothing of a block it has not got whole, a gzip one what it could inflate)."""

    def build(goods: list[Good]) -> bytes:
        cut = compress(_jsonl(json.dumps({"text": FILLER * 400}).encode()))
        return compress(_jsonl(*(g.json_line() for g in goods))) + cut[: len(cut) - 25]

    return _described(what, build)


def jsonl_bomb(goods: list[Good]) -> bytes:
    """A line of a .jsonl.gz that inflates to 320 MiB (all of it read to reach the next line)."""
    line = repeated_gzip_member(b'{"text": "', b" " * MIB, 320, b'"}\n')
    return members(goods[0].json_line() + b"\n") + line + members(goods[1].json_line() + b"\n")


def jsonl_50mb_line(goods: list[Good]) -> bytes:
    """A 50 MB line, under input.jsonl.max_line_bytes: a document of 50 MB."""
    unit = FILLER.encode() * (MIB // len(FILLER))
    line = repeated_gzip_member(b'{"id": "50mb", "text": "', unit, 50 * MIB // len(unit) + 1, b'"}\n')
    return members(goods[0].json_line() + b"\n") + line + members(goods[1].json_line() + b"\n")


def json_array(goods: list[Good]) -> bytes:
    """One JSON array of records, pretty-printed as json.dump(records, indent=2) writes it."""
    return json.dumps([json.loads(g.json_line()) for g in goods], indent=2, ensure_ascii=False).encode()


def json_array_broken(goods: list[Good]) -> bytes:
    """A JSON array with an invalid element, cut off inside its last element."""
    a, b, c = (g.json_line() for g in goods)
    return b"[\n" + a + b',\n{"text": "no comma" "here"},\n' + b + b",\n" + c + b',\n{"text": "cut off'


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=2)
    return sink.getvalue()


def _filler_parquet() -> bytes:
    return _parquet(pa.table({"id": ["a", "b", "c"], "text": [FILLER] * 3}))


def parquet_no_text_column(goods: list[Good]) -> bytes:
    """Parquet without the text column."""
    return _parquet(pa.table({"id": ["a"], "body": [FILLER]}))


def parquet_corrupt_footer(goods: list[Good]) -> bytes:
    """Parquet whose footer (file metadata) has 32 bytes zeroed."""
    data = bytearray(_filler_parquet())
    middle = len(data) - 8 - int.from_bytes(data[-8:-4], "little") // 2  # the footer, then its length and PAR1
    data[middle - 16 : middle + 16] = bytes(32)
    return bytes(data)


def parquet_truncated(goods: list[Good]) -> bytes:
    """Parquet cut in half: no footer."""
    data = _filler_parquet()
    return data[: len(data) // 2]


def parquet_null_text(goods: list[Good]) -> bytes:
    """A null text among good rows."""
    urls = [g.url for g in goods] + [f"{GOOD_HOST}/null"]
    return _parquet(pa.table({"id": urls, "url": urls, "text": [g.text for g in goods] + [None]}))


def text_bomb(goods: list[Good]) -> bytes:
    """A text file that inflates to 2.25 GiB."""
    return repeated_gzip_member(b"", b"All work and no play makes Jack a dull boy.\n" * 23831, 2304, b"")


CASES: tuple[Case, ...] = (
    # WARC: Content-Length out of range, not a number, missing, too large, too small
    Case("warc-length-over-2-64.warc.gz", _content_length(str(2**64 + 5)), dead("bad_content_length"), 2),
    Case("warc-length-2-63.warc.gz", _content_length(str(2**63)), dead("bad_content_length"), 2),
    Case("warc-length-negative.warc.gz", _content_length("-5"), dead("bad_content_length"), 2),
    Case("warc-length-not-a-number.warc.gz", _content_length("12x"), dead("bad_content_length"), 2),
    Case("warc-length-fullwidth.warc.gz", _content_length("１２３"), dead("bad_content_length"), 2),
    Case("warc-length-missing.warc.gz", _content_length(None), dead("bad_content_length"), 2),
    Case("warc-length-too-large.warc", _content_length("100000", gz=False), dead("truncated_record"), 2),
    Case("warc-length-2-62.warc.gz", _content_length(str(2**62)), dead("truncated_record"), 2),
    Case("warc-length-too-small.warc.gz", _content_length("20"), dead("malformed_http"), 2),
    # WARC: headers, HTTP, gzip members, whole files
    Case(
        "warc-no-header-fields.warc.gz",
        _between_goods("A record with no header fields", warc_record("", b"<p>x</p>", length=None, fields="")),
        dead("bad_content_length"),
        2,
    ),
    Case(
        "warc-no-warc-type.warc.gz",
        _between_goods("No WARC-Type", warc_record(f"{GOOD_HOST}/x", b"x", fields="Content-Type: text/html\r\n")),
        dead("malformed_record"),
        2,
    ),
    Case(
        "warc-http-no-separator.warc.gz",
        _between_goods(
            "HTTP head without its empty line", warc_record(f"{GOOD_HOST}/x", b"HTTP/1.1 200 OK\r\n<p>x</p>")
        ),
        dead("malformed_http"),
        2,
    ),
    Case("warc-member-cut-mid-file.warc.gz", cut_member_mid_file, dead("corrupt_stream"), 2),
    Case("warc-junk-first-member.warc.gz", junk_first_member, dead("junk_data"), 2),
    Case("warc-junk-last-member.warc.gz", junk_last_member, dead("junk_data"), 2),
    Case("warc-junk-before-first-record.warc", junk_before_first_record, dead("junk_data"), 2),
    Case("warc-not-gzip.warc.gz", not_gzip_warc, {}, 2),
    Case("warc-random.warc.gz", random_bytes, dead("not_a_warc")),
    Case("warc-empty.warc.gz", empty, skipped("empty_file")),
    # WARC: payloads
    Case("warc-charset-lies.warc.gz", charset_lies, {}, 4, langs=("ja", "zh", "en", "de")),
    Case("warc-nul-control-bytes.warc.gz", nul_and_control_bytes, {}, 2),
    Case("warc-binary-as-html.warc.gz", binary_as_html, dropped("binary_content", 3, EXTRACT), 2),
    Case(
        "warc-lying-content-encoding.warc.gz",
        lying_content_encoding,
        dropped("binary_content", 1, EXTRACT) | dead("content_encoding_error"),
        3,
    ),
    Case("warc-deep-html.warc.gz", deep_html, {}, 2),
    Case("warc-long-url.warc.gz", long_url, {}, 2),
    Case("warc-dates-out-of-range.warc.gz", dates_out_of_range, {}, 2),
    Case("warc-page-bomb.warc.gz", page_bomb, dropped("payload_too_large"), 2, huge=True),
    Case("warc-content-encoding-bomb.warc.gz", content_encoding_bomb, dead("content_encoding_bomb"), 2, huge=True),
    Case("warc-page-60mb.warc.gz", _large_page(60), dropped("payload_too_large"), 2, huge=True),  # > payload cap
    Case("warc-page-20mb.warc.gz", _large_page(20), dropped("html_too_large", 1, EXTRACT), 2),  # > HTML cap
    # ARC
    Case("arc-length-over-2-64.arc.gz", arc_length_over_2_64, skipped("arc_filedesc") | dead("bad_content_length"), 2),
    Case("arc-length-4301-digits.arc", arc_length_4301_digits, skipped("arc_filedesc") | dead("bad_content_length"), 2),
    Case("arc-junk-first-member.arc.gz", arc_junk_first_member, skipped("arc_filedesc") | dead("junk_data"), 2),
    Case("arc-bomb.arc.gz", arc_bomb, skipped("arc_filedesc") | dropped("payload_too_large"), 2, huge=True),
    # JSON lines and JSON arrays
    Case(
        "jsonl-malformed-lines.jsonl",
        _between_good_lines("Lines that are not JSON", b'{"text": "no end"', b"not json", b'{"text": "a" "b"}'),
        dead("invalid_json", 3),
        2,
    ),
    Case(
        "jsonl-invalid-utf8.jsonl",
        _between_good_lines("Invalid UTF-8 in a line", b'{"text": "caf\xe9 \xff\xfe"}'),
        dead("invalid_utf8"),
        2,
    ),
    Case(
        "jsonl-text-types.jsonl",
        _between_good_lines(
            "Text that is null, a number, an object, an array, a boolean or missing; a line that is an array",
            *(b'{"text": %s}' % v for v in (b"null", b"42", b'{"a": 1}', b'["a"]', b"true")),
            b'{"body": "x"}',
            b"[1, 2]",
        ),
        dead("missing_text", 7),
        2,
    ),
    Case(
        "jsonl-nested-100k.jsonl",
        _between_good_lines("A line nested 100,000 arrays deep", b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        dead("invalid_json"),
        2,
    ),
    Case("jsonl-long-url.jsonl", jsonl_long_url, {}, 2),
    Case("jsonl-dates-out-of-range.jsonl", jsonl_dates_out_of_range, {}, 2),
    Case("jsonl-bom.jsonl", jsonl_bom, {}, 2),
    Case("jsonl-crlf.jsonl", jsonl_crlf, skipped("blank_line", 2), 2),
    Case("jsonl-truncated-last-line.jsonl", jsonl_truncated_last_line, dead("invalid_json"), 2),
    Case(
        "jsonl-zst-truncated.jsonl.zst",
        _cut_stream("A .zst cut off inside its last frame", zstandard.ZstdCompressor().compress),
        dead("truncated_stream"),
        3,
    ),
    Case(
        "jsonl-gz-truncated.jsonl.gz",
        _cut_stream("A .gz cut off inside its last member", members),
        dead("truncated_stream"),
        3,
    ),
    Case("jsonl-not-gzip.jsonl.gz", jsonl_not_gzip, dead("corrupt_stream")),
    Case("jsonl-empty.jsonl", empty, skipped("empty_file")),
    Case("jsonl-bomb.jsonl.gz", jsonl_bomb, dead("line_too_long"), 2, huge=True),
    Case("jsonl-50mb-line.jsonl.gz", jsonl_50mb_line, {}, 2, others=1, huge=True),
    Case("json-array.json", json_array, {}, 4),
    Case("json-array-broken.json", json_array_broken, dead("invalid_json", 2), 3),
    # Parquet, text
    Case("parquet-no-text-column.parquet", parquet_no_text_column, dead("unreadable_file")),
    Case("parquet-corrupt-footer.parquet", parquet_corrupt_footer, dead("unreadable_file")),
    Case("parquet-truncated.parquet", parquet_truncated, dead("unreadable_file")),
    Case("parquet-null-text.parquet", parquet_null_text, dead("missing_text"), 2),
    Case("parquet-empty.parquet", empty, skipped("empty_file")),
    Case("text-bomb.txt.gz", text_bomb, dead("file_too_large"), huge=True),
    Case("text-empty.txt", empty, skipped("empty_file")),
)


def good_langs(case: Case, index: int) -> tuple[str, ...]:
    """The languages of a case's good records: its own, or LANGS in turn from one that moves with the case."""
    return case.langs or tuple(LANGS[(index + i) % len(LANGS)] for i in range(case.good))


def goods_by_case(cases: tuple[Case, ...] = CASES) -> dict[str, list[Good]]:
    """The good records of every case, under `GOOD_HOST/<case>/<i>`: distinct documents composed as the
    sample corpus composes its own (samples/make_sample.py), the same whichever cases are written."""
    builder = _sample_generator().Builder(random.Random(SEED))
    out = {}
    for index, case in enumerate(cases):
        goods = []
        for i, lang in enumerate(good_langs(case, index)):
            doc, _ = builder.content_doc("jsonl", lang, "normal")
            goods.append(Good(f"{GOOD_HOST}/{case.name}/{i}", lang, doc.title, tuple(doc.paragraphs)))
        out[case.name] = goods
    return out


def write_corpus(out_dir: Path, *, huge: bool = False) -> list[Case]:
    """Write every case (the huge ones too with `huge`) into `out_dir`; return the cases written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    goods = goods_by_case()
    written = []
    for case in CASES:
        if case.huge and not huge:
            continue
        (out_dir / case.name).write_bytes(case.build(goods[case.name]))
        written.append(case)
    return written


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cases = write_corpus(Path(argv[1]), huge="--huge" in argv[2:])
    print(f"wrote {len(cases)} hostile files to {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
