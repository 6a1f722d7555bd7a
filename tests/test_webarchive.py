"""Tests of the web-archive readers: `iter_warc`, `iter_arc` and the HTTP handling they share.

Real files (`../shared/data/warc/`) are cross-checked against warcio, an independent parser; hostile files
are written by hand into `tmp_path`.
"""

from __future__ import annotations

import collections
import gzip
import io
import time
import tracemalloc
import uuid
import zlib
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator as WarcioIterator

from corpusforge.transforms.document import Rejection, SourceFile, Verdict, WebPage
from corpusforge.transforms.io import http
from corpusforge.transforms.io.arc import iso_date, iter_arc
from corpusforge.transforms.io.warc import iter_warc

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WARC_DIR = DATA / "warc"
ALL_FILES = sorted(p for p in WARC_DIR.rglob("*") if p.is_file())
ARC_FILES = [p for p in ALL_FILES if p.name.endswith(".arc.gz") and not p.name.endswith(".warc.gz")]
WARC_FILES = [p for p in ALL_FILES if p not in ARC_FILES]


def _id(path: Path) -> str:
    return str(path.relative_to(WARC_DIR))


def read(path: Path, **limits) -> list[WebPage | Rejection]:
    """All items of a file, read the way the pipeline opens it (raw, still compressed)."""
    reader = iter_arc if path in ARC_FILES or path.name.endswith((".arc", ".arc.gz")) else iter_warc
    with open(path, "rb") as stream:
        return list(reader(stream, SourceFile(str(path), path.name, path.stat().st_size), **limits))


def outcome(item: WebPage | Rejection) -> str:
    """`page` for a WebPage, else the rejection's reason."""
    return "page" if isinstance(item, WebPage) else item.reason


def outcomes(items) -> list[str]:
    return [outcome(item) for item in items]


def warcio_records(path: Path) -> list[tuple[int, str, str]]:
    """(offset, WARC-Record-ID, WARC-Type) of every record, as warcio reads them."""
    with open(path, "rb") as stream:
        records = WarcioIterator(stream)
        return [
            (records.get_record_offset(), r.rec_headers.get_header("WARC-Record-ID").strip("<>"), r.rec_type)
            for r in records
        ]


# --- hand-written WARC files ---------------------------------------------------------------------------


def http_response(
    body: bytes = b"<html><body><p>Hello</p></body></html>",
    status: bytes = b"200 OK",
    content_type: bytes = b"text/html; charset=UTF-8",
    headers: bytes = b"",
) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type + b"\r\n" + headers + b"\r\n" + body


def warc_record(
    rtype: str = "response",
    url: str = "http://example.com/",
    block: bytes | None = None,
    *,
    content_type: str = "application/http; msgtype=response",
    length: int | str | None = None,
) -> bytes:
    """One WARC/1.1 record (section 4); `length` overrides the true Content-Length ("" leaves it out)."""
    block = http_response() if block is None else block
    length = len(block) if length is None else length
    header = (
        f"WARC/1.1\r\nWARC-Type: {rtype}\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: 2024-05-18T01:58:10Z\r\nWARC-Target-URI: {url}\r\nContent-Type: {content_type}\r\n"
        + (f"Content-Length: {length}\r\n" if length != "" else "")
        + "\r\n"
    )
    return header.encode() + block + b"\r\n\r\n"


def pages(n: int) -> list[bytes]:
    return [warc_record(url=f"http://example.com/{i}") for i in range(n)]


def write(tmp_path: Path, records: list[bytes], gz: bool, name: str = "test") -> Path:
    """A .warc (records concatenated) or .warc.gz (one gzip member per record, WARC 1.1 Annex D)."""
    path = tmp_path / (name + (".warc.gz" if gz else ".warc"))
    path.write_bytes(b"".join(gzip.compress(r) for r in records) if gz else b"".join(records))
    return path


def offsets(records: list[bytes], gz: bool) -> list[int]:
    """Where `write` puts each record: its offset, or its gzip member's."""
    sizes = [len(gzip.compress(r)) if gz else len(r) for r in records]
    return [sum(sizes[:i]) for i in range(len(records))]


def urls(items) -> list[str | None]:
    return [item.url for item in items if isinstance(item, WebPage)]


# --- real files ----------------------------------------------------------------------------------------


@pytest.mark.real_data
@pytest.mark.real_data
def test_shared_data_is_there():
    assert WARC_DIR.is_dir(), f"{WARC_DIR} is missing: real-data tests must not be skipped"
    assert len(WARC_FILES) >= 19 and len(ARC_FILES) == 2


@pytest.mark.parametrize("path", ALL_FILES, ids=_id)
@pytest.mark.real_data
@pytest.mark.real_data
def test_every_shared_file_reads_cleanly(path):
    items = read(path)
    assert items
    assert all(isinstance(i, WebPage) or (i.stage == "read" and i.verdict != Verdict.DEAD_LETTER) for i in items)
    assert all(i.source == path.name for i in items if isinstance(i, Rejection))


@pytest.mark.parametrize("path", WARC_FILES, ids=_id)
@pytest.mark.real_data
@pytest.mark.real_data
def test_one_item_per_record_as_warcio_counts(path):
    """Same records as warcio: one item each, in order, with its offset and id; same response records."""
    expected = warcio_records(path)
    items = read(path)
    assert [(i.offset, i.record_id) for i in items] == [(offset, rid) for offset, rid, _ in expected]
    responses = {rid for _, rid, rtype in expected if rtype == "response"}
    from_responses = [i for i in items if i.record_id in responses]
    assert len(from_responses) == len(responses)
    assert all(outcome(i) not in ("warc_request", "warc_metadata", "warc_warcinfo") for i in from_responses)


@pytest.mark.parametrize("path", WARC_FILES, ids=_id)
def test_page_bodies_are_decoded_as_warcio_decodes_them(path):
    """Bodies with chunking and gzip removed, byte for byte as warcio's `content_stream()` gives them."""
    found = {p.record_id: p for p in read(path) if isinstance(p, WebPage)}
    with open(path, "rb") as stream:
        for record in WarcioIterator(stream):
            page = found.pop(record.rec_headers.get_header("WARC-Record-ID").strip("<>"), None)
            if page is not None:
                assert page.body == record.content_stream().read(), page.url
    assert not found


@pytest.mark.parametrize(
    "name, html, text, skipped",
    [
        ("dolma/sample-0000.warc.gz", 22, 0, {"crawler_metadata": 2, "warc_request": 22, "warc_metadata": 1}),
        ("dolma/sample-0001.warc.gz", 15, 0, {"crawler_metadata": 2, "warc_request": 15, "warc_metadata": 1}),
        ("resiliparse/warcfile.warc.gz", 16, 0, {"warc_request": 17, "warc_metadata": 16}),
        ("resiliparse/clueweb-quirk.warc.gz", 29, 0, {}),
        ("aut/example.warc.gz", 94, 36, {"http_status_4xx": 40, "http_status_3xx": 7, "non_html_content_type": 122}),
    ],
)
@pytest.mark.real_data
@pytest.mark.real_data
def test_expected_pages(name, html, text, skipped):
    items = read(WARC_DIR / name)
    kinds = collections.Counter(i.content_type for i in items if isinstance(i, WebPage))
    assert kinds == {k: v for k, v in {"text/html": html, "text/plain": text}.items() if v}
    reasons = collections.Counter(outcome(i) for i in items)
    assert {r: reasons[r] for r in skipped} == skipped
    page = next(i for i in items if isinstance(i, WebPage))
    assert page.url.startswith("http") and page.fetch_date and page.record_id.startswith("urn:")


@pytest.mark.real_data
@pytest.mark.real_data
def test_clueweb_quirks():
    """ClueWeb09: WARC/0.18, LF-only HTTP heads, `Content-Encoding: gzip` on bodies stored decoded."""
    page = next(i for i in read(WARC_DIR / "resiliparse/clueweb-quirk.warc.gz") if isinstance(i, WebPage))
    assert page.charset == "euc-jp" and page.body.startswith(b"<html>")
    assert page.fetch_date == "2008-10-294T05:21:46-0700"  # as given, however odd


@pytest.mark.real_data
@pytest.mark.real_data
def test_wet_conversion_is_a_text_page():
    items = read(WARC_DIR / "whirlwind/whirlwind.warc.wet.gz")
    assert outcomes(items) == ["warc_warcinfo", "page"]
    page = items[1]
    assert page.is_text and page.content_type == "text/plain" and page.charset == "utf-8"
    assert page.url == "https://an.wikipedia.org/wiki/Escopete"
    assert "Escopete - Biquipedia" in page.body.decode("utf-8")
    html = [i for i in read(WARC_DIR / "whirlwind/whirlwind.warc.gz") if isinstance(i, WebPage)]
    assert [(p.url, p.is_text, p.content_type) for p in html] == [(page.url, False, "text/html")]
    assert outcomes(read(WARC_DIR / "whirlwind/whirlwind.warc.wat.gz")) == ["warc_warcinfo", "warc_metadata"]


@pytest.mark.parametrize("name, count", [("warcio/example.warc", 1), ("aut/issue-493.warc", 5)])
@pytest.mark.real_data
@pytest.mark.real_data
def test_revisits_are_skipped(name, count):
    revisits = [i for i in read(WARC_DIR / name) if outcome(i) == "warc_revisit"]
    assert len(revisits) == count and all(r.verdict == Verdict.SKIPPED for r in revisits)


@pytest.mark.real_data
@pytest.mark.real_data
def test_chunked_transfer_encoding_is_removed():
    (page,) = [i for i in read(WARC_DIR / "warcio/example-iana.org-chunked.warc") if isinstance(i, WebPage)]
    assert page.body.startswith(b"<!doctype html>") and page.body.endswith(b"</html>\n")
    assert b"\r\n0\r\n" not in page.body
    dolma = [i for i in read(WARC_DIR / "dolma/sample-0000.warc.gz") if isinstance(i, WebPage)]
    assert all(p.body.lstrip()[:1] == b"<" for p in dolma)


@pytest.mark.real_data
@pytest.mark.real_data
def test_resource_record_is_a_page():
    items = read(WARC_DIR / "warcio/example-resource.warc.gz")
    assert outcomes(items) == ["warc_warcinfo", "warc_warcinfo", "page"]
    assert (items[2].content_type, items[2].charset, items[2].url) == ("text/html", "utf-8", "http://example.com/")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("metadata://gnu.org/software/wget/warc/wget.log", "crawler_metadata"),  # wget
        ("urn:X-wpull:log", "crawler_metadata"),  # wpull
        ("https://example.com/notes.txt", "page"),
        ("file:///home/me/notes.txt", "page"),
    ],
)
def test_resources_under_non_web_uris_are_crawler_metadata(tmp_path, url, expected):
    record = warc_record(
        "resource", url, b"2024-05-18 01:58:10 fetching http://example.com/", content_type="text/plain"
    )
    assert outcomes(read(write(tmp_path, [record], gz=False))) == [expected]


@pytest.mark.real_data
@pytest.mark.real_data
def test_compressed_and_plain_file_agree():
    plain, compressed = read(WARC_DIR / "warcio/example.warc"), read(WARC_DIR / "warcio/example.warc.gz")
    assert outcomes(plain) == outcomes(compressed)
    assert [p.body for p in plain if isinstance(p, WebPage)] == [p.body for p in compressed if isinstance(p, WebPage)]


@pytest.mark.real_data
@pytest.mark.real_data
def test_beam_filesystem_stream():
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    path = WARC_DIR / "resiliparse/warcfile.warc.gz"
    stream = FileSystems.open(str(path), compression_type=CompressionTypes.UNCOMPRESSED)
    items = list(iter_warc(stream, SourceFile(str(path), path.name, path.stat().st_size)))
    assert [(i.offset, outcome(i)) for i in items] == [(i.offset, outcome(i)) for i in read(path)]


# --- ARC -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ARC_FILES, ids=_id)
def test_arc_matches_its_warc_conversion(path):
    """The ARC file and its WARC conversion: same records, URLs, dates, outcomes and byte-identical pages."""
    arc = read(path)
    warc = read(path.with_name(path.name.replace(".arc.gz", ".warc.gz")))
    assert len(arc) == len(warc) > 1
    assert (outcome(arc[0]), outcome(warc[0])) == ("arc_filedesc", "warc_warcinfo")
    assert outcomes(arc[1:]) == outcomes(warc[1:])
    for a, w in zip(arc[1:], warc[1:]):
        if isinstance(a, WebPage):
            assert (a.url, a.fetch_date, a.content_type, a.charset, a.body) == (
                w.url,
                w.fetch_date,
                w.content_type,
                w.charset,
                w.body,
            )
            assert a.record_id is None
    offsets = [i.offset for i in arc]  # one gzip member: offsets in the uncompressed data, all distinct
    assert offsets[:2] == [0, 144] and len(set(offsets)) == len(offsets)


def arc_record(url: bytes = b"http://example.com/", block: bytes | None = None, ctype: bytes = b"text/html") -> bytes:
    block = http_response() if block is None else block
    return b"%s 192.0.2.1 20080509190241 %s %d\n%s\n" % (url, ctype, len(block), block)


def arc_file(records: list[bytes], version: int = 1) -> list[bytes]:
    fields = b"URL IP-address Archive-date Content-type Archive-length"
    if version == 2:
        fields = fields.replace(b"type", b"type Result-code Checksum Location Offset Filename")
    body = b"%d 0 test\n%s\n\n" % (version, fields)
    return [b"filedesc://test.arc 0.0.0.0 20080101000000 text/plain %d\n%s" % (len(body), body), *records]


def write_arc(tmp_path: Path, records: list[bytes], gz: bool) -> Path:
    path = tmp_path / ("test.arc.gz" if gz else "test.arc")
    path.write_bytes(b"".join(gzip.compress(r, mtime=0) for r in records) if gz else b"".join(records))
    return path


def test_arc_record_per_member_gets_member_offsets(tmp_path):
    records = arc_file([arc_record(b"http://example.com/%d" % i) for i in range(3)])
    items = read(write_arc(tmp_path, records, gz=True))
    assert outcomes(items) == ["arc_filedesc", "page", "page", "page"]
    assert [i.offset for i in items] == offsets(records, gz=True)
    assert items[1].fetch_date == "2008-05-09T19:02:41Z" and items[3].url == "http://example.com/2"
    plain = read(write_arc(tmp_path, records, gz=False))
    assert [i.offset for i in plain] == [sum(map(len, records[:i])) for i in range(4)]


def test_arc_hostile(tmp_path):
    good = [arc_record(b"http://example.com/%d" % i) for i in range(3)]
    records = arc_file(good)
    data = b"".join(gzip.compress(r, mtime=0) for r in records)
    cut = tmp_path / "cut.arc.gz"
    cut.write_bytes(data[:-15])
    assert outcomes(read(cut)) == ["arc_filedesc", "page", "page", "truncated_record"]
    corrupt = bytearray(data)
    second = offsets(records, gz=True)[2]
    corrupt[second + 12 : second + 40] = bytes(28)
    (tmp_path / "corrupt.arc.gz").write_bytes(corrupt)
    items = read(tmp_path / "corrupt.arc.gz")
    assert outcomes(items) == ["arc_filedesc", "page", "corrupt_stream", "page"]
    assert items[2].offset == second and items[3].url == "http://example.com/2"
    junk = b"".join(records[:2]) + b"no header here\nCopyright 2008 All rights reserved 2008\n" + b"".join(records[2:])
    (tmp_path / "junk.arc").write_bytes(junk)
    assert outcomes(read(tmp_path / "junk.arc")) == ["arc_filedesc", "page", "malformed_record", "page", "page"]
    (tmp_path / "cut-between.arc.gz").write_bytes(data[: offsets(records, gz=True)[3] + 20])
    assert outcomes(read(tmp_path / "cut-between.arc.gz")) == ["arc_filedesc", "page", "page", "truncated_stream"]
    (tmp_path / "not.arc").write_bytes(b"WARC/1.0\r\n\r\n")
    assert outcomes(read(tmp_path / "not.arc")) == ["not_an_arc"]
    assert outcomes(read(write_arc(tmp_path, records, gz=True), max_payload_bytes=10))[1:] == ["payload_too_large"] * 3


@pytest.mark.parametrize(
    "length", [b"%d" % 2**63, b"%d" % (2**64 + 5), b"9" * 4301], ids=["2**63", "2**64+5", "4301-digits"]
)
@pytest.mark.parametrize("gz", [False, True], ids=["arc", "arc.gz"])
def test_arc_length_out_of_range(tmp_path, gz, length):
    """An Archive-length no count of bytes can be (int() refuses 4,301 digits): the record is dead-lettered and
    reading resumes at the next header line, past the lines of its block."""
    bad = b"http://example.com/bad 192.0.2.1 20080509190241 text/html %s\n%s\n" % (length, http_response())
    records = arc_file([arc_record(b"http://example.com/0"), bad, arc_record(b"http://example.com/2")])
    items = read(write_arc(tmp_path, records, gz))
    assert outcomes(items) == ["arc_filedesc", "page", "bad_content_length", "page"]
    assert items[2].offset == offsets(records, gz)[2] and items[2].nbytes == 0
    assert urls(items) == ["http://example.com/0", "http://example.com/2"]


def test_arc_junk_first_member(tmp_path):
    records = arc_file([arc_record(b"http://example.com/%d" % i) for i in range(2)])
    junk = gzip.compress(b"junk\n" * 40)
    (tmp_path / "junk.arc.gz").write_bytes(junk + write_arc(tmp_path, records, gz=True).read_bytes())
    items = read(tmp_path / "junk.arc.gz")
    assert outcomes(items) == ["junk_data", "arc_filedesc", "page", "page"]
    assert (items[0].offset, items[0].nbytes, items[1].offset) == (0, len(junk), len(junk))


def test_arc_odd_records_and_version_2(tmp_path):
    records = arc_file(
        [
            arc_record(b"dns:example.com", b"example.com. 3600 IN A 192.0.2.1", b"text/dns"),
            arc_record(b"http://example.com/a b"),  # unescaped space in the URL
        ]
    )
    items = read(write_arc(tmp_path, records, gz=False))
    assert outcomes(items) == ["arc_filedesc", "non_html_content_type", "page"]
    assert items[1].offset == len(records[0]) and items[2].url == "http://example.com/a b"
    v2 = b"http://example.com/v2 192.0.2.1 20080509190241 text/html 200 - - 0 test.arc %d\n%s\n"
    records = arc_file([v2 % (len(http_response()), http_response()), arc_record()], version=2)
    items = read(write_arc(tmp_path, records, gz=False))
    assert outcomes(items) == ["arc_filedesc", "page", "malformed_record"]  # a version 1 header in a v2 file
    assert items[1].url == "http://example.com/v2"
    assert iso_date("20080509190241") == "2008-05-09T19:02:41Z" and iso_date("-") == "-"


# --- hostile WARC files --------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_truncated_final_record(tmp_path, gz):
    records = pages(4)
    data = write(tmp_path, records, gz).read_bytes()
    path = tmp_path / "cut"
    path.write_bytes(data[:-40])
    items = read(path)
    assert outcomes(items) == ["page", "page", "page", "truncated_record"]
    assert items[3].verdict == Verdict.DEAD_LETTER and items[3].offset == offsets(records, gz)[3]


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
@pytest.mark.parametrize(
    "length, reason",
    [
        ("12x", "bad_content_length"),
        ("", "bad_content_length"),
        (-5, "bad_content_length"),
        ("１２", "bad_content_length"),  # fullwidth digits: str.isdigit, not ASCII
        (2**63, "bad_content_length"),  # past int64: Beam counters could not hold it
        (2**64 + 5, "bad_content_length"),  # FastWARC cannot parse it either
        (20, "malformed_http"),
        (100_000, "truncated_record"),
        (2**63 - 1, "truncated_record"),
    ],
    ids=[
        "not-a-number",
        "missing",
        "negative",
        "fullwidth",
        "2**63",
        "over-2**64",
        "too-small",
        "too-large",
        "int64-max",
    ],
)
def test_bad_content_length_in_the_middle(tmp_path, gz, length, reason):
    records = pages(4)
    records[1] = warc_record(url="http://example.com/bad", length=length)
    items = read(write(tmp_path, records, gz))
    assert outcomes(items) == ["page", reason, "page", "page"]
    assert urls(items) == ["http://example.com/0", "http://example.com/2", "http://example.com/3"]
    assert items[1].offset == offsets(records, gz)[1] and items[1].verdict == Verdict.DEAD_LETTER


def test_content_length_field_name_in_lower_case(tmp_path):
    """WARC field names are case-insensitive, but FastWARC only sees `Content-Length` as spelled."""
    records = pages(3)
    records[1] = records[1].replace(b"Content-Length:", b"content-length:")
    items = read(write(tmp_path, records, gz=True))
    assert outcomes(items) == ["page", "malformed_record", "page"]
    assert "field name" in items[1].detail


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_long_url(tmp_path, gz):
    long_url = "http://example.com/" + "a" * 100_000
    records = pages(3)
    records[1] = warc_record(url=long_url)
    path = write(tmp_path, records, gz)
    assert urls(read(path))[1] == long_url
    items = read(path, max_header_bytes=32_768)
    assert outcomes(items) == ["page", "header_too_long", "page"]
    assert items[1].offset == offsets(records, gz)[1]


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_garbage_between_records_is_passed_over(tmp_path, gz):
    records = pages(3)
    records.insert(1, b"this line is not a WARC record\r\n\r\n")
    assert outcomes(read(write(tmp_path, records, gz))) == ["page", "page", "page"]


@pytest.mark.parametrize(
    "coding, compress",
    [
        ("gzip", lambda chunks: _zlib_stream(chunks, 31)),
        ("deflate", lambda chunks: _zlib_stream(chunks, 15)),
        ("br", lambda chunks: b"".join(map(brotli.Compressor(quality=1).process, chunks))),
    ],
)
def test_content_encoding_bomb(tmp_path, coding, compress):
    """200 MB of zeros compressed to a small body: refused after inflating 1 MB, fast and in little memory."""
    bomb = compress(bytes(1 << 20) for _ in range(200))
    block = http_response(bomb, headers=f"Content-Encoding: {coding}\r\n".encode())
    path = write(tmp_path, [warc_record(block=block), *pages(1)], gz=False)
    tracemalloc.start()
    started = time.perf_counter()
    items = read(path, max_payload_bytes=1_000_000)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcomes(items) == ["content_encoding_bomb", "page"]
    assert elapsed < 1.0 and peak < 20_000_000


def _zlib_stream(chunks, wbits: int) -> bytes:
    compressor = zlib.compressobj(1, zlib.DEFLATED, wbits)
    return b"".join(map(compressor.compress, chunks)) + compressor.flush()


def test_payload_too_large_is_decided_before_reading(tmp_path):
    big = http_response(b"<html>" + b"x" * 30_000_000 + b"</html>")
    path = write(tmp_path, [warc_record(block=big), *pages(1)], gz=False)
    tracemalloc.start()
    items = read(path, max_payload_bytes=1_000_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcomes(items) == ["payload_too_large", "page"]
    assert items[0].verdict == Verdict.DROPPED and items[0].nbytes == len(big)
    assert peak < 5_000_000


@pytest.mark.parametrize(
    "content, detail",
    [
        (b"<html><body>not an archive</body></html>\n", b"<html>"),
        (gzip.compress(b"plain text, gzipped\n"), b"\x1f\x8b"),
        (bytes(range(256)) * 4, b"\x00\x01"),
        (b"", b""),
    ],
    ids=["html", "gzip-text", "binary", "empty"],
)
def test_not_a_warc(tmp_path, content, detail):
    path = tmp_path / "file.warc.gz"
    path.write_bytes(content)
    (item,) = read(path)
    assert (item.verdict, item.reason, item.offset) == (Verdict.DEAD_LETTER, "not_a_warc", 0)
    assert repr(detail)[2:-1] in item.detail


def test_truncated_and_corrupt_gzip(tmp_path):
    records = pages(4)
    data = write(tmp_path, records, gz=True).read_bytes()
    members = offsets(records, gz=True)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: members[2] + 30])  # in the first deflate bytes of record 2: no header inflates
    items = read(cut)
    assert outcomes(items) == ["page", "page", "truncated_stream"]
    assert items[2].offset == members[2]
    corrupt = bytearray(data)
    corrupt[members[1] + 20 : members[1] + 60] = bytes(40)
    (tmp_path / "corrupt.warc.gz").write_bytes(corrupt)
    items = read(tmp_path / "corrupt.warc.gz")
    assert outcomes(items) == ["page", "corrupt_stream", "page", "page"]
    assert items[1].offset == members[1] and urls(items)[1:] == ["http://example.com/2", "http://example.com/3"]
    (tmp_path / "padded.warc.gz").write_bytes(data + bytes(64))
    assert outcomes(read(tmp_path / "padded.warc.gz")) == ["page"] * 4 + ["truncated_stream"]


def test_junk_before_the_first_record_is_passed_over(tmp_path):
    """A junk first gzip member, or text before the first WARC/ line: one junk_data item, then every record."""
    records = pages(2)
    junk = gzip.compress(b"not a WARC record\n" * 50)
    for name, data, start in [
        ("member.warc.gz", junk + write(tmp_path, records, gz=True).read_bytes(), len(junk)),
        ("text.warc", b"garbage\r\n" * 9 + b"".join(records), 9 * len(b"garbage\r\n")),
        ("text-then-gzip.warc.gz", b"garbage\r\n" * 9 + write(tmp_path, records, gz=True).read_bytes(), 81),
    ]:
        (tmp_path / name).write_bytes(data)
        items = read(tmp_path / name)
        assert outcomes(items) == ["junk_data", "page", "page"], name
        assert (items[0].verdict, items[0].offset, items[0].nbytes) == (Verdict.DEAD_LETTER, 0, start)
        assert items[1].offset == start


def test_junk_members_after_the_last_record(tmp_path):
    records = pages(2)
    data = write(tmp_path, records, gz=True).read_bytes()
    junk = gzip.compress(b"trailing junk\n" * 50)
    (tmp_path / "junk.warc.gz").write_bytes(data + junk + junk)
    items = read(tmp_path / "junk.warc.gz")
    assert outcomes(items) == ["page", "page", "junk_data"]
    assert (items[2].offset, items[2].nbytes) == (len(data), 2 * len(junk))
    (tmp_path / "junk-cut.warc.gz").write_bytes(data + junk + junk[:20])  # junk, then a member cut off
    items = read(tmp_path / "junk-cut.warc.gz")
    assert outcomes(items) == ["page", "page", "truncated_stream"] and items[2].offset == len(data)


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_truncated_record_counts_the_bytes_it_has(tmp_path, gz):
    """A Content-Length far past the end of the file is the record's claim, not its size: the dead letter
    (and the byte tally) count what the file holds."""
    records = pages(2)
    records[1] = warc_record(url="http://example.com/huge", length=2**62)
    (item,) = [i for i in read(write(tmp_path, records, gz)) if isinstance(i, Rejection)]
    assert item.reason == "truncated_record" and f"of {2**62} bytes" in item.detail
    assert item.nbytes == len(http_response()) + len(b"\r\n\r\n")  # the block and the record's end


def test_record_types(tmp_path):
    records = [
        warc_record("warcinfo", block=b"software: test\r\n", content_type="application/warc-fields"),
        warc_record("request", block=b"GET / HTTP/1.1\r\n\r\n", content_type="application/http; msgtype=request"),
        warc_record("metadata", block=b"fetchTimeMs: 1\r\n", content_type="application/warc-fields"),
        warc_record("revisit", block=b"HTTP/1.1 200 OK\r\n\r\n"),
        warc_record("continuation", block=b"rest"),
        warc_record("frobnicate", block=b"?"),
        warc_record("resource", block=b"<html>resource</html>", content_type="text/html"),
        warc_record("resource", block=b"GIF89a", content_type="image/gif"),
        warc_record("conversion", block="texte, écrit".encode(), content_type="text/plain"),
        warc_record("response", url="dns:example.com", block=b"example.com. A 192.0.2.1", content_type="text/dns"),
    ]
    items = read(write(tmp_path, records, gz=False))
    assert outcomes(items) == [
        "warc_warcinfo",
        "warc_request",
        "warc_metadata",
        "warc_revisit",
        "warc_continuation",
        "warc_unknown",
        "page",
        "non_html_content_type",
        "page",
        "non_html_content_type",
    ]
    assert all(i.verdict == Verdict.SKIPPED for i in items if isinstance(i, Rejection))
    assert (items[6].body, items[6].is_text) == (b"<html>resource</html>", False)
    assert (items[8].body.decode(), items[8].is_text) == ("texte, écrit", True)


@pytest.mark.parametrize(
    "status, content_type, reason",
    [
        (b"301 Moved Permanently", b"text/html", "http_status_3xx"),
        (b"404 Not Found", b"text/html", "http_status_4xx"),
        (b"503 Service Unavailable", b"text/html", "http_status_5xx"),
        (b"206 Partial Content", b"text/html", "http_status_other"),
        (b"200 OK", b"image/png", "non_html_content_type"),
        (b"200 OK", b'Application/XHTML+XML; charset="ISO-8859-1"', "page"),
        (b"200 OK", b"text/plain", "page"),
    ],
)
def test_http_status_and_media_type(tmp_path, status, content_type, reason):
    (item,) = read(write(tmp_path, [warc_record(block=http_response(status=status, content_type=content_type))], False))
    assert outcome(item) == reason
    if reason == "page" and b"xhtml" in content_type.lower():
        assert (item.content_type, item.charset) == ("application/xhtml+xml", "iso-8859-1")


def test_malformed_http(tmp_path):
    records = [
        warc_record(block=b"<html>no status line</html>"),
        warc_record(block=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"),  # head never ends
        *pages(1),
    ]
    items = read(write(tmp_path, records, gz=False))
    assert outcomes(items) == ["malformed_http", "malformed_http", "page"]
    assert "status line" in items[0].detail and items[0].verdict == Verdict.DEAD_LETTER


def test_content_encodings(tmp_path):
    html = b"<html><body>" + b" ".join(b"%d" % (i * 7919 % 10007) for i in range(500)) + b"</body></html>"
    deflater = zlib.compressobj(wbits=-15)
    raw_deflate = deflater.compress(html) + deflater.flush()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (html[:100], html[100:])) + b"0\r\n\r\n"
    bodies = [
        (b"gzip", gzip.compress(html)),
        (b"x-gzip", gzip.compress(html[:500]) + gzip.compress(html[500:])),  # two members
        (b"deflate", zlib.compress(html)),
        (b"deflate", raw_deflate),
        (b"br", brotli.compress(html)),
        (b"gzip, br", brotli.compress(gzip.compress(html))),
        (b"gzip", html),  # stored decoded under the original header
        (b"deflate", html),
        (b"br", html),
        (b"identity", html),
    ]
    records = [warc_record(block=http_response(body, headers=b"Content-Encoding: %s\r\n" % c)) for c, body in bodies]
    records.append(warc_record(block=http_response(chunked, headers=b"Transfer-Encoding: chunked\r\n")))
    records.append(warc_record(block=http_response(gzip.compress(html)[:-30], headers=b"Content-Encoding: gzip\r\n")))
    records.append(warc_record(block=http_response(b"x", headers=b"Content-Encoding: compress\r\n")))
    bad_gzip = bytearray(gzip.compress(html))
    bad_gzip[15:25] = bytes(10)
    records.append(warc_record(block=http_response(bytes(bad_gzip), headers=b"Content-Encoding: gzip\r\n")))
    items = read(write(tmp_path, records, gz=True))
    assert outcomes(items) == ["page"] * 12 + ["content_encoding_error"] * 2
    assert all(p.body == html for p in items[:11])
    assert html.startswith(items[11].body) and len(items[11].body) > 100  # truncated capture: what inflated
    assert "compress" in items[12].detail


def test_stream_errors_propagate(tmp_path):
    """An I/O error of the stream is not bad data: it propagates, so that the runner retries the file."""

    class FailsOnce(io.BytesIO):
        failed = False

        def read(self, size=-1):
            if self.tell() > 100_000 and not self.failed:
                self.failed = True
                raise ConnectionResetError("network gone")
            return super().read(size)

    data = write(tmp_path, pages(400), gz=False).read_bytes()
    assert len(data) > 130_000  # FastWARC reads 64 KiB at a time: the third read fails, inside its iterator
    with pytest.raises(ConnectionResetError):
        list(iter_warc(FailsOnce(data), SourceFile("x", "x", len(data))))


def test_http_helpers():
    assert http.media_type(' Text/HTML ; Charset = "UTF-8" ; q=1') == ("text/html", "utf-8")
    assert http.media_type(None) == ("", None)
    assert http.dechunk(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n") == b"hello world"
    assert http.dechunk(b"5\r\nhello\r\n6\r\n wor") == b"hello wor"  # cut off
    assert http.dechunk(b"<html>") is None
    head, rest = http.read_head(io.BytesIO(b"HTTP/1.0 404 Nope\nContent-Type: text/html\n\nbody").read, 50, 1000)
    assert (head.status, head.content_type, rest) == (404, "text/html", b"body")
    assert http.status_refusal(200) is None and http.status_refusal(302).reason == "http_status_3xx"
