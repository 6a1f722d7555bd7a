"""Real documents for the safety benchmarks and measurements: every web page of ../shared/data/warc/ read and
extracted by the pipeline's own reader (`fast` extractor, URLs and opt-out signals kept), plus the
documents of ../shared/data/text/dolma-cc-en/ (Common Crawl, with URLs) and the C4 sample.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from corpusforge.pipeline.config import ExtractConfig, InputConfig
from corpusforge.transforms.document import Document, SourceFile, WebPage
from corpusforge.transforms.extract.extract import page_to_document
from corpusforge.transforms.io.read import detect_format, iter_records

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def web_documents() -> list[Document]:
    docs = []
    for path in sorted((SHARED / "warc").glob("*/*")):
        fmt = detect_format(str(path), "auto")
        if fmt not in ("warc", "arc") or path.name.endswith((".wat.gz", ".arc.gz")):
            continue  # ARC files are the same pages as their converted WARC beside them
        source = SourceFile(str(path), f"{path.parent.name}/{path.name}", path.stat().st_size)
        with open(path, "rb") as f:
            for item in iter_records(f, source, fmt, InputConfig()):
                if isinstance(item, WebPage):
                    item = page_to_document(item, source, ExtractConfig())
                if isinstance(item, Document):
                    docs.append(item)
    return docs


def text_documents() -> list[Document]:
    docs = []
    for path in sorted((SHARED / "text/dolma-cc-en").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for i, line in enumerate(f):
                record = json.loads(line)
                docs.append(
                    Document(id=f"{path.name}:{i}", text=record["text"], url=record.get("id"), meta={"lang": "en"})
                )
    with open(SHARED / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        docs += [Document(id=f"c4:{i}", text=json.loads(line)["text"], meta={"lang": "en"}) for i, line in enumerate(f)]
    return docs
