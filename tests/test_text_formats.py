"""Tests for the JSONL, Parquet and plain-text readers: real third-party files, then hostile inputs.

The contract under test: exactly one `Document` or `Rejection` per input record, at the record's exact
offset, never an exception on bad data, and bounded memory however long a line is.
"""

from __future__ import annotations

import collections
import gzip
import io
import json
import re
import tracemalloc
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from conftest import SHARED_DATA as DATA  # noqa: E402

from corpusforge.transforms.document import Document, Rejection, SourceFile, Verdict, make_doc_id
from corpusforge.transforms.io.text_formats import iter_jsonl, iter_parquet, iter_text, open_decompressed

DOC = "doc"
DEAD = Verdict.DEAD_LETTER
SKIP = Verdict.SKIPPED


# --- helpers --------------------------------------------------------------------------------------------


def source_of(path: Path, root: Path) -> SourceFile:
    return SourceFile(str(path), path.relative_to(root).as_posix(), path.stat().st_size)


def read(reader, path: Path, root: Path | None = None, **options) -> list[Document | Rejection]:
    """All items `reader` yields for the file at `path`, as the pipeline would open it."""
    with open(path, "rb") as stream:
        return list(reader(stream, source_of(path, root or path.parent), **options))


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def line_starts(data: bytes) -> list[int]:
    """The byte offset of every line of `data` (a final line without newline included)."""
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    return starts if starts[-1] < len(data) else starts[:-1]


def outcome(item: Document | Rejection) -> tuple:
    """A record's fate in one comparable tuple: (doc, offset, text) or (verdict, reason, offset, nbytes)."""
    if isinstance(item, Document):
        return (DOC, item.meta["offset"], item.text)
    return (item.verdict, item.reason, item.offset, item.nbytes)


def zstd_frames(data: bytes, *cuts: int) -> bytes:
    """`data` as concatenated zstd frames, split at `cuts` (mid-line on purpose)."""
    bounds = [0, *cuts, len(data)]
    compressor = zstandard.ZstdCompressor(write_checksum=True)
    return b"".join(compressor.compress(data[a:b]) for a, b in zip(bounds, bounds[1:]))


COMPRESS = {"": lambda d: d, ".gz": gzip.compress, ".zst": lambda d: zstandard.ZstdCompressor().compress(d)}


# --- real files -----------------------------------------------------------------------------------------


@pytest.mark.real_data
def test_c4_demo_every_line_becomes_its_document():
    path = DATA / "text/llama-factory-web/c4_demo.jsonl"
    raw = path.read_bytes()
    items = read(iter_jsonl, path, DATA)
    assert len(items) == 300
    assert [outcome(d) for d in items] == [
        (DOC, offset, json.loads(line)["text"]) for offset, line in zip(line_starts(raw), raw.splitlines())
    ]
    assert {d.source for d in items} == {"text/llama-factory-web/c4_demo.jsonl"}
    assert [d.id for d in items] == [make_doc_id(d.source, d.meta["offset"]) for d in items]
    assert len({d.id for d in items}) == 300


@pytest.mark.parametrize(
    "name",
    [
        "multiple_files_cc_en_head-0091.jsonl.gz",
        "multiple_files_cc_en_head-0174.jsonl.gz",
        "provided_documents_000.json.gz",
    ],
)
@pytest.mark.real_data
def test_dolma_gzip_jsonl_matches_json_loads(name):
    path = DATA / "text/dolma-cc-en" / name
    raw = gzip.decompress(path.read_bytes())
    records = [json.loads(line) for line in raw.splitlines()]
    items = read(iter_jsonl, path, DATA, date_field="created")
    assert len(items) == len(records) == 10
    assert [(d.meta["offset"], d.text, d.source_id, d.fetch_date, d.url) for d in items] == [
        (offset, r["text"], r["id"], r["created"], None) for offset, r in zip(line_starts(raw), records)
    ]


@pytest.mark.real_data
def test_alpaca_seed_tasks_with_another_text_field():
    path = DATA / "sft/stanford-alpaca/seed_tasks.jsonl"
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    items = read(iter_jsonl, path, DATA, text_field="instruction")
    assert len(items) == len(records) == 175
    assert [(d.text, d.source_id) for d in items] == [(r["instruction"], r["id"]) for r in records]


@pytest.mark.real_data
def test_real_text_files_bom_and_crlf():
    botchan = DATA / "text/sentencepiece-novels/botchan.txt"
    [doc] = read(iter_text, botchan, DATA)
    raw = botchan.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the fixture really has a BOM
    assert doc.text == raw[3:].decode("utf-8") and doc.meta == {"offset": 0}

    neko = DATA / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt"
    [doc] = read(iter_text, neko, DATA)
    assert doc.text == neko.read_bytes().decode("utf-8") and "\r\n" in doc.text

    wiki = DATA / "text/llama-factory-web/wiki_demo.txt"  # 30 articles, one per line, no blank lines
    [block] = read(iter_text, wiki, DATA, split="blank_line")
    assert block.text == wiki.read_bytes().decode("utf-8").removesuffix("\n")


# --- JSONL: every rejection reason ----------------------------------------------------------------------

CAP = 100
EXACTLY_CAP = b'{"text": "' + b"y" * 88 + b'"}'  # 100 bytes before its newline
HOSTILE_LINES = [
    (b'\xef\xbb\xbf{"text": "first", "id": 1, "url": "http://a.example/", "date": "2024-01-01"}\n', "first"),
    (b"\n", "blank_line"),
    (b"  \t \r\n", "blank_line"),
    (b'{"text": "crlf line"}\r\n', "crlf line"),
    (b'{"text": "bad \xff byte"}\n', "invalid_utf8"),
    (b'{"text": "after the bad byte"}\n', "after the bad byte"),
    (b'{"text": "unterminated\n', "invalid_json"),
    (b"[1, 2]\n", "missing_text"),
    (b'"a string"\n', "missing_text"),
    (b'{"id": "no-text"}\n', "missing_text"),
    (b'{"text": null, "id": 5}\n', "missing_text"),
    (b'{"text": 42}\n', "missing_text"),
    (b'{"text": "lone \\ud800 surrogate, NUL \\u0000."}\n', "lone \ufffd surrogate, NUL ."),
    (b'{"text": "' + b"x" * 200 + b'"}\n', "line_too_long"),
    (EXACTLY_CAP + b"\n", "y" * 88),
    (b'{"text": "", "id": 7}\n', ""),  # an empty text is a record; later stages decide about it
    (b'{"text": "no newline at the end"}', "no newline at the end"),
]
REASONS = {
    "blank_line": SKIP,
    "invalid_utf8": DEAD,
    "invalid_json": DEAD,
    "missing_text": DEAD,
    "line_too_long": DEAD,
}


def expected_outcomes(lines: list[tuple[bytes, str]]) -> list[tuple]:
    result, offset = [], 0
    for line, expected in lines:
        if expected in REASONS:
            result.append((REASONS[expected], expected, offset, len(line)))
        else:
            result.append((DOC, offset, expected))
        offset += len(line)
    return result


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_jsonl_one_outcome_per_line_at_its_offset(tmp_path, suffix):
    raw = b"".join(line for line, _ in HOSTILE_LINES)
    path = write(tmp_path / f"hostile.jsonl{suffix}", COMPRESS[suffix](raw))
    items = read(iter_jsonl, path, max_line_bytes=CAP, date_field="date")
    assert [outcome(i) for i in items] == expected_outcomes(HOSTILE_LINES)

    first = items[0]
    assert (first.source_id, first.url, first.fetch_date) == ("1", "http://a.example/", "2024-01-01")
    by_reason = {i.reason: i for i in items if isinstance(i, Rejection)}
    assert "byte 14 of the line" in by_reason["invalid_utf8"].detail
    details = [i.detail for i in items if isinstance(i, Rejection) and i.reason == "missing_text"]
    assert details == [
        "line is a JSON array, not an object",
        "line is a JSON string, not an object",
        "no field 'text'",
        "field 'text' is null, not a string",
        "field 'text' is number, not a string",
    ]
    assert [i.record_id for i in items if isinstance(i, Rejection) and i.reason == "missing_text"] == [
        None,
        None,
        "no-text",
        "5",
        None,
    ]


def test_jsonl_parser_limits_are_invalid_json_not_a_crash(tmp_path):
    deep = b"[" * 200_000 + b"\n"  # RecursionError in the json module
    huge_int = b'{"text": "x", "n": ' + b"1" * 5000 + b"}\n"  # over Python's int digit limit: ValueError
    path = write(tmp_path / "limits.jsonl", deep + huge_int + b'{"text": "fine"}\n' + b"\xef\xbb\xbf")
    items = read(iter_jsonl, path)
    assert [outcome(i)[:3] for i in items] == [
        (DEAD, "invalid_json", 0),
        (DEAD, "invalid_json", len(deep)),
        (DOC, len(deep) + len(huge_int), "fine"),
        (SKIP, "blank_line", len(deep) + len(huge_int) + 17),
    ]
    assert items[0].detail.startswith("RecursionError") and items[1].detail.startswith("ValueError")


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_over_long_lines_are_streamed_past_in_bounded_memory(tmp_path, suffix):
    huge = b"x" * 30_000_000
    raw = b'{"text": "a"}\n' + huge + b"\n" + b'{"text": "b"}\n' + huge  # the last one has no newline
    path = write(tmp_path / f"long.jsonl{suffix}", COMPRESS[suffix](raw))
    tracemalloc.start()
    try:
        items = read(iter_jsonl, path, max_line_bytes=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [outcome(i) for i in items] == [
        (DOC, 0, "a"),
        (DEAD, "line_too_long", 14, 30_000_001),
        (DOC, 30_000_015, "b"),
        (DEAD, "line_too_long", 30_000_029, 30_000_000),
    ]
    assert peak < 8_000_000, f"peak {peak} bytes: an over-long line was held in memory"


def test_ids_are_stable_and_depend_on_the_relative_path(tmp_path):
    raw = b'{"text": "same"}\n{"text": "same"}\n'
    a = write(tmp_path / "a" / "part.jsonl", raw)
    b = write(tmp_path / "b" / "part.jsonl", raw)
    first, again = read(iter_jsonl, a, tmp_path), read(iter_jsonl, a, tmp_path)
    other = read(iter_jsonl, b, tmp_path)
    assert [d.id for d in first] == [d.id for d in again]
    assert len({d.id for d in first}) == 2
    assert not {d.id for d in first} & {d.id for d in other}
    assert (first[1].source, other[1].source) == ("a/part.jsonl", "b/part.jsonl")


# --- compressed streams: truncation, corruption, multiple members and frames ----------------------------

LINES = b"".join(b'{"text": "record %d"}\n' % i for i in range(20_000))  # several zstd blocks


def available_prefix(compressed: bytes, suffix: str) -> bytes:
    """What an independent decompressor recovers from a truncated stream."""
    if suffix == ".gz":
        return zlib.decompressobj(wbits=31).decompress(compressed)
    return zstandard.ZstdDecompressor().decompressobj().decompress(compressed)


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_truncated_stream_keeps_complete_lines_then_one_dead_letter(tmp_path, suffix):
    compressed = COMPRESS[suffix](LINES)
    cut = compressed[: len(compressed) * 2 // 3]
    prefix = available_prefix(cut, suffix)
    partial_start = prefix.rindex(b"\n") + 1
    items = read(iter_jsonl, write(tmp_path / f"cut.jsonl{suffix}", cut))

    *docs, last = items
    complete = prefix[:partial_start].splitlines()
    assert len(complete) > 100
    assert [d.text for d in docs] == [json.loads(line)["text"] for line in complete]
    assert outcome(last) == (DEAD, "truncated_stream", partial_start, len(prefix) - partial_start)
    assert last.detail.startswith("EOFError")


STREAM_REASONS = {"truncated_stream", "corrupt_stream"}


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_every_cut_point_is_detected_except_member_boundaries(tmp_path, suffix):
    raw = b'{"text": "one"}\n{"text": "two"}\n{"text": "three"}\n'
    if suffix == ".gz":
        members = [gzip.compress(raw[:20]), gzip.compress(raw[20:])]
    else:
        members = [
            zstandard.ZstdCompressor(write_checksum=True).compress(raw[:20]),
            zstandard.ZstdCompressor(write_content_size=False).compress(raw[20:]),
        ]
    compressed = b"".join(members)
    boundaries = {0, len(members[0]), len(compressed)}
    path = tmp_path / f"cut.jsonl{suffix}"
    for cut in range(len(compressed) + 1):
        items = read(iter_jsonl, write(path, compressed[:cut]))
        failures = [i.reason for i in items if isinstance(i, Rejection) and i.reason in STREAM_REASONS]
        if cut in boundaries:  # a valid stream; at the first boundary it just ends mid-line (invalid_json)
            assert failures == [], cut
        elif suffix == ".gz" and cut - 1 in boundaries:
            # Python's gzip calls a one-byte member "not a gzipped file": corrupt rather than truncated.
            assert failures == ["corrupt_stream"], cut
        else:
            assert failures == ["truncated_stream"], cut
            assert items[-1].reason == "truncated_stream"


def test_multi_frame_zstd_with_frames_split_mid_line(tmp_path):
    compressed = zstd_frames(LINES, 1000, 1001, 30_000)
    assert len(zstandard.ZstdDecompressor().decompress(compressed)) == 1000  # the one-shot trap
    items = read(iter_jsonl, write(tmp_path / "frames.jsonl.zstd", compressed))
    assert [outcome(d) for d in items] == [
        (DOC, offset, json.loads(line)["text"]) for offset, line in zip(line_starts(LINES), LINES.splitlines())
    ]


def test_skippable_zstd_frame_is_not_a_truncation(tmp_path):
    skippable = (0x184D2A53).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"12345"
    compressed = zstd_frames(LINES[:500], 250) + skippable + zstd_frames(LINES[500:])
    items = read(iter_jsonl, write(tmp_path / "skip.jsonl.zst", compressed))
    assert len(items) == 20_000 and all(isinstance(i, Document) for i in items)


def test_multi_member_gzip_split_mid_line(tmp_path):
    compressed = gzip.compress(LINES[:1234]) + gzip.compress(LINES[1234:])
    items = read(iter_jsonl, write(tmp_path / "members.jsonl.gz", compressed))
    assert [d.text for d in items] == [f"record {i}" for i in range(20_000)]


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_corrupt_stream_is_one_dead_letter_at_the_end(tmp_path, suffix):
    compressed = bytearray(COMPRESS[suffix](LINES))
    for i in range(len(compressed) // 2, len(compressed) // 2 + 64):
        compressed[i] ^= 0x5A
    items = read(iter_jsonl, write(tmp_path / f"bad.jsonl{suffix}", bytes(compressed)))
    *docs, last = items
    assert all(isinstance(d, Document) for d in docs) and len(docs) > 1000
    assert (last.verdict, last.reason) == (DEAD, "corrupt_stream")
    assert last.offset == docs[-1].meta["offset"] + len(docs[-1].text) + len(b'{"text": ""}\n')


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_not_compressed_at_all_is_corrupt(tmp_path, suffix):
    items = read(iter_jsonl, write(tmp_path / f"plain.jsonl{suffix}", LINES))
    assert [outcome(i)[:3] for i in items] == [(DEAD, "corrupt_stream", 0)]


@pytest.mark.parametrize("name", ["x.jsonl.gz", "x.JSONL.GZ", "x.jsonl.zst", "x.jsonl.zstd", "x.jsonl"])
def test_open_decompressed_streams_from_a_non_seekable_source(name):
    compress = COMPRESS[".gz" if name.lower().endswith(".gz") else ".zst" if ".zst" in name else ""]
    stream = open_decompressed(NonSeekable(compress(LINES)), name)
    assert b"".join(iter(lambda: stream.read(4096), b"")) == LINES


class NonSeekable(io.RawIOBase):
    """A byte stream that can only be read forward, like a remote object stream."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._data.readinto(buffer)


# --- JSON arrays ---------------------------------------------------------------------------------------


@pytest.mark.real_data
@pytest.mark.parametrize("name", ["alpaca_en_demo.json", "alpaca_zh_demo.json", "dpo_en_demo.json"])
def test_json_array_files_read_as_their_records(name):
    """LLaMA-Factory's data files are each one pretty-printed JSON array: every element is a record, at the
    byte offset of its `{`. Alpaca records have a string `instruction`; DPO records have no string field
    to read as text, so each is a `missing_text` dead letter whose offset and size are its exact bytes."""
    path = DATA / "sft/llama-factory" / name
    raw = path.read_bytes()
    records = json.loads(raw)
    items = read(iter_jsonl, path, DATA, text_field="instruction")
    assert len(items) == len(records) > 100
    for item, record in zip(items, records):
        if "instruction" in record:
            assert item.text == record["instruction"] and raw[item.meta["offset"]] == ord("{")
        else:
            assert item.reason == "missing_text"
            assert json.loads(raw[item.offset : item.offset + item.nbytes]) == record


ARRAY_RECORDS = [{"text": f"record {i}", "id": i, "url": f"https://example.com/{i}"} for i in range(3)]


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_json_array_and_json_lines_give_the_same_documents(tmp_path, suffix):
    lines = b"".join(json.dumps(r).encode() + b"\n" for r in ARRAY_RECORDS)
    array = json.dumps(ARRAY_RECORDS, indent=1).encode()
    from_lines = read(iter_jsonl, write(tmp_path / f"a.jsonl{suffix}", COMPRESS[suffix](lines)))
    from_array = read(iter_jsonl, write(tmp_path / f"a.json{suffix}", COMPRESS[suffix](array)))
    assert [(d.text, d.source_id, d.url) for d in from_array] == [(d.text, d.source_id, d.url) for d in from_lines]
    assert [d.meta["offset"] for d in from_array] == [array.index(b"{", m.start()) for m in re.finditer(b"\n {", array)]


def test_only_a_json_file_is_read_as_an_array(tmp_path):
    """A .jsonl (.ndjson) file is JSON lines whatever its first line is: an array there is a line without text."""
    raw = b'[{"text": "a"}]\n{"text": "b"}\n'
    items = read(iter_jsonl, write(tmp_path / "a.jsonl", raw))
    assert [outcome(i)[:3] for i in items] == [(DEAD, "missing_text", 0), (DOC, 16, "b")]
    items = read(iter_jsonl, write(tmp_path / "a.json", raw))
    assert [outcome(i)[:3] for i in items] == [(DOC, 1, "a"), (DEAD, "invalid_json", 16)]  # data after the array


HOSTILE_ARRAY = [  # (bytes, what they give: a text, or the dead letter's reason)
    (b"\xef\xbb\xbf \n[", None),
    (b'{"text": "brackets ] } [ { and a comma, in a string"}', "brackets ] } [ { and a comma, in a string"),
    (b",", None),
    (b' {"text": "escaped \\" quote \\\\ and backslash"} ', 'escaped " quote \\ and backslash'),
    (b",", None),
    (b",", "invalid_json"),  # an empty element
    (b'{"text": "bad \xff byte"}', "invalid_utf8"),
    (b",", None),
    (b'{"text": "a" "b"}', "invalid_json"),
    (b",", None),
    (b'{"nested": [[{"text": "]"}]], "text": "nested"}', "nested"),
    (b",", None),
    (b"42", "missing_text"),
    (b",", None),
    (b'{"text": "' + b"x" * 200 + b'"}', "line_too_long"),
    (b",\n", None),
    (b'{"text": "last"}', "last"),
    (b",\n]\n", None),  # a trailing comma
]


def test_json_array_one_outcome_per_element_at_its_offset(tmp_path):
    raw = b"".join(part for part, _ in HOSTILE_ARRAY)
    items = read(iter_jsonl, write(tmp_path / "hostile.json", raw), max_line_bytes=CAP)
    expected, offset = [], 0
    for part, what in HOSTILE_ARRAY:
        if what is not None:
            start = offset + len(part) - len(part.lstrip())
            nbytes = len(part.strip()) if what != "invalid_json" or part != b"," else 1
            expected.append((REASONS[what], what, start, nbytes) if what in REASONS else (DOC, start, what))
        offset += len(part)
    assert [outcome(i) for i in items] == expected


@pytest.mark.parametrize(
    "raw, tail",
    [
        (b'[{"text": "a"}, {"text": "b"', (DEAD, "invalid_json", 16, 12)),  # cut inside an element
        (b'[{"text": "a"}, ', (DEAD, "invalid_json", 16, 0)),  # cut between elements
        (b'[{"text": "a"}] {"text": "b"}\n', (DEAD, "invalid_json", 16, 14)),  # data after the array
        (b'[{"text": "a"}]  \n', None),
        (b"[]", None),
    ],
    ids=["cut-in-element", "cut-between", "data-after", "white-space-after", "empty"],
)
def test_json_array_that_breaks_off_is_one_dead_letter_for_the_rest(tmp_path, raw, tail):
    items = read(iter_jsonl, write(tmp_path / "a.json", raw))
    docs = [(DOC, 1, "a")] if b'"a"' in raw else []
    assert [outcome(i) for i in items] == docs + ([tail] if tail else [])


def test_json_array_compressed_and_cut_off(tmp_path):
    array = json.dumps(ARRAY_RECORDS * 200).encode()
    items = read(iter_jsonl, write(tmp_path / "a.json.gz", gzip.compress(array)[:-30]))
    *docs, last = items
    assert len(docs) > 100 and all(isinstance(d, Document) for d in docs)
    assert (last.reason, last.offset) == (
        "truncated_stream",
        docs[-1].meta["offset"] + len(json.dumps(ARRAY_RECORDS[0])) + 2,
    )


def test_json_array_is_streamed_in_bounded_memory(tmp_path):
    """A 60 MB array of records and an element of 30 MB (past the cap): memory stays near the read buffer."""
    record = json.dumps({"text": "w " * 500}).encode()
    array = b"[" + b",".join([record] * 30_000) + b', {"text": "' + b"x" * 30_000_000 + b'"}, ' + record + b"]"
    path = write(tmp_path / "big.json", array)
    tracemalloc.start()
    try:
        count = collections.Counter(type(i).__name__ if isinstance(i, Document) else i.reason for i in _stream(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == {"Document": 30_001, "line_too_long": 1}
    assert peak < 10_000_000, f"peak {peak} bytes"


def _stream(path: Path):
    with open(path, "rb") as stream:
        yield from iter_jsonl(stream, source_of(path, path.parent), max_line_bytes=1_000_000)


# --- Parquet --------------------------------------------------------------------------------------------


def write_parquet(path: Path, table: pa.Table, **options) -> Path:
    pq.write_table(table, path, **options)
    return path


TABLE = pa.table(
    {
        "id": pa.array(range(100, 110), pa.int64()),
        "text": [f"row {i}" if i != 3 else None for i in range(10)],
        "url": [f"http://x.example/{i}" for i in range(10)],
        "other": list(range(10)),
    }
)


def test_parquet_rows_across_row_groups_and_batches(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", TABLE, row_group_size=4)
    items = read(iter_parquet, path, batch_rows=3)
    assert [outcome(i) for i in items] == [
        (DEAD, "missing_text", 3, 0) if i == 3 else (DOC, i, f"row {i}") for i in range(10)
    ]
    input_ids = [i.source_id if isinstance(i, Document) else i.record_id for i in items]
    assert input_ids == [str(n) for n in range(100, 110)]
    assert items[9].url == "http://x.example/9"
    assert items[3].detail == "column 'text' is null, not a string"
    assert items[0].id == make_doc_id("t.parquet", 0)


def test_parquet_from_a_non_seekable_stream(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", TABLE, row_group_size=4)
    source = source_of(path, tmp_path)
    items = list(iter_parquet(NonSeekable(path.read_bytes()), source))
    assert [outcome(i) for i in items] == [outcome(i) for i in read(iter_parquet, path)]


def test_parquet_binary_text_and_missing_optional_columns(tmp_path):
    table = pa.table({"body": pa.array([b"caf\xc3\xa9", b"bad \xff"], pa.binary())})
    items = read(iter_parquet, write_parquet(tmp_path / "b.parquet", table), text_column="body")
    assert [outcome(i) for i in items] == [(DOC, 0, "café"), (DEAD, "invalid_utf8", 1, 5)]
    assert items[0].source_id is None and items[0].url is None


def test_parquet_without_the_text_column_is_unreadable(tmp_path):
    items = read(iter_parquet, write_parquet(tmp_path / "n.parquet", TABLE.drop_columns(["text"])))
    assert [outcome(i)[:3] for i in items] == [(DEAD, "unreadable_file", None)]
    assert "no column 'text'" in items[0].detail


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_unreadable_parquet_is_one_dead_letter(tmp_path, damage):
    good = write_parquet(tmp_path / "good.parquet", TABLE).read_bytes()
    data = {"garbage": b"not parquet at all" * 100, "truncated": good[: len(good) // 2], "empty": b""}[damage]
    path = write(tmp_path / "bad.parquet", data)
    items = read(iter_parquet, path)
    assert [outcome(i) for i in items] == [(DEAD, "unreadable_file", None, len(data))]


def test_parquet_corrupt_row_group_is_dead_lettered_row_by_row(tmp_path):
    table = pa.table({"text": [f"row {i} " * 50 for i in range(30)]})
    path = write_parquet(tmp_path / "c.parquet", table, row_group_size=10, compression="snappy")
    second = pq.ParquetFile(path).metadata.row_group(1).column(0)
    data = bytearray(path.read_bytes())
    start = second.dictionary_page_offset if second.has_dictionary_page else second.data_page_offset
    data[start : start + second.total_compressed_size] = b"\xff" * second.total_compressed_size
    items = read(iter_parquet, write(path, bytes(data)), batch_rows=4)
    assert [outcome(i)[:3] for i in items] == (
        [(DOC, i, f"row {i} " * 50) for i in range(10)]
        + [(DEAD, "unreadable_row_group", i) for i in range(10, 20)]
        + [(DOC, i, f"row {i} " * 50) for i in range(20, 30)]
    )
    assert items[10].detail.startswith("row group 1 (10 rows) failed after 0 rows: ")


# --- plain text -----------------------------------------------------------------------------------------


def test_text_blank_line_blocks_with_offsets(tmp_path):
    raw = b"\xef\xbb\xbfa\nb\n\n\n  \t\nc\r\n\r\nd1\n  d2"
    path = write(tmp_path / "blocks.txt", raw)
    assert [outcome(i) for i in read(iter_text, path, split="blank_line")] == [
        (DOC, 0, "a\nb"),
        (DOC, 13, "c"),
        (DOC, 18, "d1\n  d2"),
    ]


def test_text_whole_file_and_blank_file(tmp_path):
    assert [outcome(i) for i in read(iter_text, write(tmp_path / "a.txt", b"one\n\ntwo\n"))] == [
        (DOC, 0, "one\n\ntwo\n")
    ]
    assert [outcome(i) for i in read(iter_text, write(tmp_path / "b.txt", b" \n\r\n"))] == [(SKIP, "blank_file", 0, 4)]
    assert read(iter_text, write(tmp_path / "c.txt", b""), split="blank_line") == []


def test_text_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = write(tmp_path / "latin1.txt", "café \ufffd ok".encode() + b" na\xefve \xff\xfe")
    [doc] = read(iter_text, path)
    assert doc.text == "café \ufffd ok na\ufffdve \ufffd\ufffd"
    assert doc.meta == {"offset": 0, "decode_errors": 3}


def test_text_size_caps(tmp_path):
    path = write(tmp_path / "big.txt", b"x" * 50)
    assert [outcome(i) for i in read(iter_text, path, max_doc_bytes=10)] == [(DEAD, "file_too_large", 0, 11)]
    assert [outcome(i)[0] for i in read(iter_text, path, max_doc_bytes=50)] == [DOC]

    raw = b"short\n\n" + b"long line\n" * 5 + b"\n" + b"y" * 40 + b"\n\nend\n"
    blocks = read(iter_text, write(tmp_path / "blocks.txt", raw), split="blank_line", max_doc_bytes=20)
    assert [outcome(i) for i in blocks] == [
        (DOC, 0, "short"),
        (DEAD, "block_too_large", 7, 50),
        (DEAD, "block_too_large", 58, 41),
        (DOC, 100, "end"),
    ]


@pytest.mark.parametrize("split", ["file", "blank_line"])
def test_truncated_text_stream(tmp_path, split):
    raw = b"".join(b"paragraph %d\nsecond line\n\n" % i for i in range(3000))
    compressed = gzip.compress(raw)
    cut = compressed[: len(compressed) // 2]
    prefix = available_prefix(cut, ".gz")
    items = read(iter_text, write(tmp_path / "t.txt.gz", cut), split=split)
    *docs, last = items
    assert (last.verdict, last.reason) == (DEAD, "truncated_stream")
    if split == "file":
        assert docs == [] and (last.offset, last.nbytes) == (0, len(prefix))
    else:
        block_start = prefix.rindex(b"\n\n") + 2
        assert [d.text for d in docs] == [f"paragraph {i}\nsecond line" for i in range(len(docs))]
        assert (last.offset, last.nbytes) == (block_start, len(prefix) - block_start)


def test_text_unknown_split_is_a_configuration_error(tmp_path):
    path = write(tmp_path / "a.txt", b"x")
    with pytest.raises(ValueError, match="split"):
        read(iter_text, path, split="paragraph")


@pytest.mark.parametrize(
    ("reader", "option"),
    [
        (iter_jsonl, {"max_line_bytes": 0}),
        (iter_parquet, {"batch_rows": 0}),
        (iter_text, {"max_doc_bytes": 0}),
    ],
)
def test_limits_below_one_are_configuration_errors(tmp_path, reader, option):
    path = write(tmp_path / "a.jsonl", b'{"text": "x"}\n')
    with pytest.raises(ValueError, match=next(iter(option))):
        read(reader, path, **option)
