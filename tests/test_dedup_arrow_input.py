"""The `arrow` input format: our own shards read back as the documents that were written (for dedup-only
runs over an existing corpus, run_configs/dedup.yaml)."""

from __future__ import annotations

import pyarrow as pa

from corpusforge.transforms.document import Document, Rejection, SourceFile, document_schema
from corpusforge.transforms.io.read import detect_format
from corpusforge.transforms.io.text_formats import iter_arrow
from corpusforge.transforms.io.write import documents_to_table

DOCS = [
    Document(
        id="a1",
        text="Hello world.",
        url="https://example.com/a",
        source="web/crawl-00.warc.gz",
        fetch_date="2026-11-20T08:00:00Z",
        source_id="<urn:uuid:1>",
        meta={"offset": 12, "lang": "en", "lang_score": 0.5, "dup_cluster_id": "a1", "dup_cluster_size": 2},
    ),
    Document(id="b2", text="日本語の文章。", source="jsonl/docs.jsonl", fetch_date="not a date", meta={"offset": 3}),
]


def write(path, table):
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table)
    return SourceFile(str(path), path.name, path.stat().st_size)


def read(source):
    with open(source.path, "rb") as f:
        return list(iter_arrow(f, source))


def test_shards_read_back_as_the_documents_written(tmp_path):
    schema = document_schema(("lang", "lang_score", "dup_cluster_id", "dup_cluster_size"))
    source = write(tmp_path / "part-00000-of-00001.arrow", documents_to_table(DOCS, schema))
    assert detect_format(source.path, "auto") == "arrow"
    back = read(source)
    assert back == DOCS  # ids, provenance, dates (and an unparseable one) and meta, promoted columns inside


def test_broken_and_foreign_files_are_dead_letters(tmp_path):
    broken = tmp_path / "broken.arrow"
    broken.write_bytes(b"ARROW1 but not really")
    (rejection,) = read(SourceFile(str(broken), broken.name, broken.stat().st_size))
    assert isinstance(rejection, Rejection) and rejection.reason == "unreadable_file"
    foreign = write(tmp_path / "foreign.arrow", pa.table({"x": [1, 2]}))
    (rejection,) = read(foreign)
    assert rejection.reason == "unreadable_file" and "columns: x" in rejection.detail
    nulls = write(tmp_path / "nulls.arrow", pa.table({"id": ["a", "b"], "text": ["ok", None], "meta": ["{}", "{}"]}))
    first, second = read(nulls)
    assert first == Document(id="a", text="ok", source="nulls.arrow") and second.reason == "missing_text"
