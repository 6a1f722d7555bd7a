"""HTML → text: charset decoding, the nesting-depth guard, the three extractors, on real article pages."""

import gzip
import json
import random
import time

import pytest

from corpusforge.pipeline.config import ExtractConfig
from corpusforge.transforms.document import SourceFile, Verdict, WebPage
from corpusforge.transforms.extract.extract import (
    decode_body,
    is_deeper_than,
    looks_binary,
    page_text,
    page_to_document,
)


def page(body: bytes, content_type="text/html", charset=None, is_text=False) -> WebPage:
    return WebPage(
        offset=0,
        record_id=None,
        url="https://example.com/a",
        fetch_date=None,
        content_type=content_type,
        charset=charset,
        body=body,
        is_text=is_text,
    )


@pytest.fixture(scope="module")
def aeb(shared_data):
    root = shared_data / "html/scrapinghub-aeb"
    truth = json.loads((root / "ground-truth.json").read_text())
    ids = sorted(truth)[:25]
    return [(gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()), truth[i]["articleBody"]) for i in ids]


def shingles(text, n=4):
    words = text.split()
    return {tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


@pytest.mark.parametrize("extractor", ["fast", "resiliparse", "trafilatura"])
def test_extracts_article_bodies_from_real_pages(aeb, extractor):
    recalls = []
    for html, gold in aeb:
        text, meta = page_text(page(html), ExtractConfig(extractor=extractor, max_dom_depth=1000))
        assert meta["extractor"] == extractor and "<div" not in text
        gold_shingles = shingles(gold)
        if gold_shingles:
            recalls.append(len(gold_shingles & shingles(text)) / len(gold_shingles))
    assert sum(recalls) / len(recalls) > 0.85


def test_depth_check_is_exact(aeb):
    from resiliparse.parse.html import HTMLTree

    def nested(depth):  # html > body > div * depth
        return HTMLTree.parse("<html><body>" + "<div>" * depth + "x" + "</div>" * depth + "</body></html>")

    assert is_deeper_than(nested(998), 1000) is False
    assert is_deeper_than(nested(999), 1000) is True
    assert not any(is_deeper_than(HTMLTree.parse(html.decode("utf-8", "replace")), 100) for html, _ in aeb)


def test_deep_pages_take_the_linear_path():
    deep = (
        b"<html><body>"
        + b"<div>" * 20000
        + b"<p>Deeply nested text survives.</p>"
        + b"</div>" * 20000
        + b"</body></html>"
    )
    started = time.perf_counter()
    text, meta = page_text(page(deep), ExtractConfig(extractor="resiliparse", max_dom_depth=1000))
    assert time.perf_counter() - started < 5  # the main-content pass alone takes minutes at this depth
    assert meta["extract_guard"] == "deep_dom" and "Deeply nested text survives." in text


def test_charset_from_header_then_meta_then_detection():
    text = "Grüße aus Köln, schöne Straße."
    assert decode_body(text.encode("latin-1"), "ISO-8859-1") == text
    assert decode_body(f'<meta charset="iso-8859-1"><p>{text}</p>'.encode("latin-1"), None).endswith(f"{text}</p>")
    assert decode_body(text.encode("utf-8"), "no-such-charset") == text
    sjis = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。".encode("shift_jis")
    assert "吾輩は猫である" in decode_body(b"<html><body><p>" + sjis + b"</p></body></html>", None)


JA = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
PAGE = f"<html><body><p>{JA}</p><p>Grüße aus Köln.</p></body></html>"


@pytest.mark.parametrize(
    "body, charset",
    [
        (PAGE.encode("shift_jis", "replace"), "utf-8"),  # Shift-JIS bytes declared UTF-8: they do not decode
        (PAGE.encode("euc-jp", "replace"), "utf-8"),
        (PAGE.encode("utf-8"), "utf-16"),  # would decode as UTF-16, into CJK garbage: no NUL, so not UTF-16
        (PAGE.encode("utf-8"), "utf-32"),  # not a web charset
        (PAGE.encode("utf-8"), "base64"),  # Python codecs that are not text encodings, or that no browser knows
        (PAGE.encode("utf-8"), "rot13"),
        (PAGE.encode("utf-8"), "unicode_escape"),
        (PAGE.encode("utf-8"), "cp037"),
        (PAGE.encode("utf-8"), "x" * 5000),
    ],
    ids=["sjis-as-utf8", "eucjp-as-utf8", "utf16-lie", "utf32", "base64", "rot13", "unicode_escape", "ebcdic", "5000"],
)
def test_charsets_that_lie_are_ignored(body, charset):
    assert JA in decode_body(body, charset)


def test_declared_utf16_with_its_bytes_is_honoured():
    text = "<html><body><p>Hello, 世界</p></body></html>"
    assert decode_body(text.encode("utf-16-le"), "utf-16le") == text
    assert decode_body(text.encode("utf-16"), None).endswith(text)  # BOM


def test_binary_bodies_labelled_as_text():
    rng = random.Random(0)
    binary = [
        rng.randbytes(20_000),
        gzip.compress(b"<html>" * 1000),
        b"\x89PNG\r\n\x1a\n" + rng.randbytes(100),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 20,
        b"\x7fELF\x02\x01\x01" + bytes(100),
    ]
    assert all(looks_binary(b) for b in binary)
    text = [
        PAGE.encode(),
        b"<html><body>A stray NUL\x00 and an escape \x1b[0m in a page.</body></html>" + b" text" * 100,
        PAGE.encode("utf-16"),  # half NUL, but UTF-16 by its BOM
        PAGE.encode("utf-16-le"),  # and by its label
        b"",
    ]
    assert [looks_binary(b, "utf-16le" if i == 3 else None) for i, b in enumerate(text)] == [False] * 5
    rejection = page_to_document(page(binary[0]), SourceFile("x", "x", 1), ExtractConfig())
    assert (rejection.verdict, rejection.stage, rejection.reason) == (Verdict.DROPPED, "extract", "binary_content")


@pytest.mark.real_data
def test_no_real_page_looks_binary(shared_data):
    files = [
        *(shared_data / "html/trafilatura-dev/pages").glob("*.gz"),
        *(shared_data / "html/scrapinghub-aeb/html").glob("*.gz"),
    ]
    assert len(files) == 663 and not any(looks_binary(gzip.decompress(f.read_bytes())) for f in files)


def test_text_records_are_decoded_not_extracted():
    assert page_text(
        page(b"Already text <b>kept</b>", is_text=True),
        ExtractConfig(extractor="resiliparse", max_dom_depth=10),
    ) == ("Already text <b>kept</b>", {"extractor": "none"})
    text, meta = page_text(
        page(b"plain <p>body", content_type="text/plain"), ExtractConfig(extractor="resiliparse", max_dom_depth=10)
    )
    assert text == "plain <p>body" and meta == {"extractor": "none"}


def test_trafilatura_output_does_not_depend_on_pages_seen_before(aeb):
    """trafilatura's `deduplicate=True` shares a process-wide paragraph cache; ours is per page."""
    pages = [page(html) for html, _ in aeb[:5]]
    first = [page_text(p, ExtractConfig(extractor="trafilatura", max_dom_depth=1000))[0] for p in pages]
    again = [
        page_text(p, ExtractConfig(extractor="trafilatura", max_dom_depth=1000))[0] for p in pages for _ in range(3)
    ]
    assert again == [text for text in first for _ in range(3)] and all(first)


def test_empty_main_content_falls_back_to_plain_text():
    # Everything sits in navigation-like containers that the main-content heuristics discard.
    html = b"<html><body><nav><ul><li>Home</li><li>About</li></ul></nav><footer>Contact us</footer></body></html>"
    text, meta = page_text(page(html), ExtractConfig(extractor="resiliparse", max_dom_depth=1000))
    assert meta == {"extractor": "resiliparse", "extract_guard": "empty_main_content"} and "About" in text
