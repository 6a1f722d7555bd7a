"""HTML → text: charset decoding, the nesting-depth guard, the three extractors, on real article pages."""

import gzip
import json
import time

import pytest

from corpusforge.pipeline.config import ExtractConfig
from corpusforge.transforms.document import WebPage
from corpusforge.transforms.extract.extract import decode_body, is_deeper_than, page_text


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
