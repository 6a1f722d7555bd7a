"""The Arrow shard writer: schema, determinism, atomic names, and loading in the tools trainers use."""

import hashlib
import json

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.transforms.document import Document, Rejection, Verdict, make_doc_id
from corpusforge.transforms.io.staging import StageDocuments
from corpusforge.transforms.io.write import (
    WriteArrowShards,
    WriteDeadLetters,
    document_schema,
    parse_fetch_date,
    shard_of,
)

TEXTS = [
    "Hello world. " * 40,
    "日本語の文章です。" * 30,
    "Ein kurzer Satz.",
    "x" * 5000,
    "Último párrafo, con acentos.",
]


def make_docs(n=40):
    return [
        Document(
            id=make_doc_id("crawl/a.warc.gz", i),
            text=f"{TEXTS[i % len(TEXTS)]} #{i}",
            url=f"https://example.com/{i}",
            source="crawl/a.warc.gz",
            fetch_date="2024-05-01T10:00:00Z" if i % 3 else ("not a date" if i % 2 else None),
            source_id=f"<urn:uuid:{i}>" if i % 2 else None,
            meta={"offset": i * 100, "lang": "en" if i % 2 else "ja", "nested": {"k": [1, 2]}},
        )
        for i in range(n)
    ]


def write(docs, out_dir, **kwargs):
    with TestPipeline() as p:
        refs = (p | beam.Create(docs, reshuffle=False) | StageDocuments(str(out_dir))).main
        infos = refs | WriteArrowShards(str(out_dir), **kwargs)
        assert_that(infos["main"] | beam.Map(lambda s: s["rows"]) | beam.CombineGlobally(sum), equal_to([len(docs)]))
    return sorted((out_dir / "documents").glob("*.arrow"))


def test_shards_are_complete_sorted_and_hash_assigned(tmp_path):
    docs = make_docs()
    total = sum(len(d.text.encode()) for d in docs)
    paths = write(docs, tmp_path, shard_bytes=total // 3)
    assert [p.name for p in paths] == [f"part-0000{i}-of-00004.arrow" for i in range(4)]  # ceil(total / (total//3))
    assert not list((tmp_path / "documents").glob("*.tmp"))
    by_id = {d.id: d for d in docs}
    seen = []
    for index, path in enumerate(paths):
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
        assert table.schema == document_schema()
        ids = table.column("id").to_pylist()
        assert ids == sorted(ids)
        assert all(shard_of(i, 4) == index for i in ids)
        for row in table.to_pylist():
            doc = by_id[row["id"]]
            assert row["text"] == doc.text and row["url"] == doc.url and row["source_id"] == doc.source_id
            meta = json.loads(row["meta"])
            assert meta["nested"] == {"k": [1, 2]} and meta["lang"] == doc.meta["lang"]
            if doc.fetch_date == "not a date":
                assert row["fetch_date"] is None and meta["fetch_date_unparsed"] == "not a date"
        seen += ids
    assert sorted(seen) == sorted(by_id)


def test_output_is_byte_identical_whatever_the_input_order(tmp_path):
    docs = make_docs()
    first = write(docs, tmp_path / "a", shard_bytes=3000)
    second = write(list(reversed(docs)), tmp_path / "b", shard_bytes=3000)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_promoted_columns_are_typed(tmp_path):
    (path,) = write(make_docs(6), tmp_path, shard_bytes=10**9, promoted=("lang",))
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    assert table.schema.field("lang").type == pa.string()
    assert set(table.column("lang").to_pylist()) == {"en", "ja"}
    assert all("lang" not in json.loads(m) for m in table.column("meta").to_pylist())


def test_shards_load_in_datasets_polars_duckdb(tmp_path):
    docs = make_docs()
    paths = write(docs, tmp_path, shard_bytes=4000, compression="none")
    expected = sorted(d.id for d in docs)

    import datasets

    ds = datasets.load_dataset(
        "arrow", data_files=[str(p) for p in paths], split="train", cache_dir=str(tmp_path / "hf")
    )
    assert sorted(ds["id"]) == expected and ds.features["text"].dtype == "string"

    import polars as pl

    assert sorted(pl.read_ipc(paths[0])["id"].to_list()) == sorted(
        pa.ipc.open_file(pa.memory_map(str(paths[0]))).read_all().column("id").to_pylist()
    )
    lazy = pl.scan_ipc([str(p) for p in paths]).select(pl.len()).collect()
    assert lazy.item() == len(docs)

    import duckdb

    tables = pa.concat_tables(pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in paths)  # noqa: F841
    rows = duckdb.sql("SELECT count(*), count(DISTINCT id), max(length(text)) FROM tables").fetchall()[0]
    assert rows == (len(docs), len(docs), max(len(d.text) for d in docs))


def test_zstd_compressed_shards_still_load(tmp_path):
    (path,) = write(make_docs(8), tmp_path, shard_bytes=10**9, compression="zstd")
    assert pa.ipc.open_file(pa.memory_map(str(path))).read_all().num_rows == 8


def test_dead_letters_file_sorted_and_always_written(tmp_path):
    rejects = [
        Rejection(Verdict.DEAD_LETTER, "read", "truncated_record", "b.warc.gz", 900, "<urn:x>", 10, "cut"),
        Rejection(Verdict.DEAD_LETTER, "read", "invalid_json", "a.jsonl", 12, None, 5, "Expecting value"),
    ]
    with TestPipeline() as p:
        info = p | beam.Create(rejects) | WriteDeadLetters(str(tmp_path))
        assert_that(info | beam.Map(lambda i: (i["path"], i["rows"])), equal_to([("rejects/dead_letters.jsonl", 2)]))
    lines = [json.loads(line) for line in (tmp_path / "rejects/dead_letters.jsonl").read_text().splitlines()]
    assert [(r["source"], r["reason"], r["verdict"]) for r in lines] == [
        ("a.jsonl", "invalid_json", "dead_letter"),
        ("b.warc.gz", "truncated_record", "dead_letter"),
    ]
    with TestPipeline() as p:
        p | beam.Create([], reshuffle=False) | WriteDeadLetters(str(tmp_path / "none"))
    assert (tmp_path / "none/rejects/dead_letters.jsonl").read_text() == ""


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2020-08-04T08:17:39Z", "2020-08-04T08:17:39+00:00"),
        ("2020-08-04T10:17:39+02:00", "2020-08-04T08:17:39+00:00"),
        ("2020-08-04", "2020-08-04T00:00:00+00:00"),
        ("yesterday", None),
        (None, None),
        ("9999-12-31T23:59:59-14:00", None),  # valid, but past year 9999 in UTC (OverflowError)
        ("0001-01-01T00:00:00+14:00", None),
    ],
)
def test_parse_fetch_date(raw, expected):
    parsed = parse_fetch_date(raw)
    assert (parsed.isoformat() if parsed else None) == expected


def test_partition_by_language(tmp_path):
    docs = make_docs(30)  # meta lang: en for odd, ja for even
    with TestPipeline() as p:
        refs = (p | beam.Create(docs) | StageDocuments(str(tmp_path))).main
        refs | WriteArrowShards(str(tmp_path), shard_bytes=2000, partition_by_language=True)
    for lang in ("en", "ja"):
        paths = sorted((tmp_path / "documents" / f"lang={lang}").glob("*.arrow"))
        expected = sorted(d.id for d in docs if d.meta["lang"] == lang)
        total = sum(len(d.text.encode()) for d in docs if d.meta["lang"] == lang)
        assert len(paths) == -(-total // 2000) and paths[0].name.endswith(f"-of-{len(paths):05d}.arrow")
        ids = [i for p in paths for i in pa.ipc.open_file(pa.memory_map(str(p))).read_all().column("id").to_pylist()]
        assert sorted(ids) == expected
