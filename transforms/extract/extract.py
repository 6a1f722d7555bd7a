"""HTML → main text: charset decoding and main-content extraction (`fast`, plain resiliparse, or trafilatura).

`page_text(page, ...)` is the pure function the reader calls on every `WebPage`. It returns the text and
a few annotations (which extractor ran, whether a guard changed the path) for `Document.meta`.
"""

from __future__ import annotations

import codecs
import functools

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import bytes_to_str, detect_encoding
from resiliparse.parse.html import HTMLTree

from corpusforge.pipeline.config import ExtractConfig
from corpusforge.transforms.document import (
    Document,
    Rejection,
    SourceFile,
    Verdict,
    WebPage,
    make_doc_id,
    sanitize_text,
)
from corpusforge.transforms.extract.boilerplate import (
    extract_main_text,
    trafilatura_text,
)
from corpusforge.transforms.safety.opt_out import opt_out_signals

EXTRACT_STAGE = "extract"


def decode_body(body: bytes, charset: str | None) -> str:
    """Decode an HTTP body: the header's charset if Python knows it, else the HTML meta tag, else uchardet.

    Undecodable bytes become U+FFFD (`bytes_to_str` falls back to UTF-8 and Windows-1252 first).
    """
    encoding = _known_codec(charset) or detect_encoding(body, from_html_meta=True)
    return bytes_to_str(body, encoding, errors="replace")


def _known_codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip("\"'")).name
    except LookupError:
        return None


@functools.lru_cache(maxsize=8)
def _deeper_than(depth: int) -> str:
    """A CSS selector that matches only elements nested more than `depth` levels deep."""
    return " > ".join(["*"] * (depth + 1))


def is_deeper_than(tree: HTMLTree, depth: int) -> bool:
    """Whether any element of `tree` is nested more than `depth` levels deep.

    lexbor matches selectors right to left, climbing each element's ancestors only as far as they go,
    so this costs about as much as the tree is deep (~0.3 ms on a real 170 KB article page).
    """
    return tree.document.query_selector(_deeper_than(depth)) is not None


def page_text(page: WebPage, config: ExtractConfig) -> tuple[str, dict[str, str]]:
    """The main text of a page and annotations for `meta` (`extractor`, and `extract_guard` or
    `extract_fallback` when one fired).

    WET text and `text/plain` bodies are decoded, not extracted. `fast` (the default) is resiliparse's
    main-content pass followed by our structural boilerplate pruning, with trafilatura as the fallback for
    pages where its result looks wrong (`transforms/extract/boilerplate.py`); `trafilatura` runs with FineWeb's
    settings; plain `resiliparse` runs with the lean options
    (no comment sections, no alt texts). Its main-content pass slows quadratically with nesting depth
    (measured: 0.09 s at depth 2,000, 1.2 s at 8,000), so pages deeper than `max_dom_depth` get its plain
    (linear) extraction instead, annotated `extract_guard: deep_dom` (for `fast` too). When its main-content pass returns
    nothing, the plain extraction is kept instead (`extract_guard: empty_main_content`): measured on
    third-party pages, it returned "" on real articles whose plain text ran to 1–11 K characters.
    """
    if page.is_text:
        return page.body.decode("utf-8", errors="replace"), {"extractor": "none"}
    html = decode_body(page.body, page.charset)
    if page.content_type == "text/plain":
        return html, {"extractor": "none"}
    if config.extractor == "trafilatura":
        return trafilatura_text(html, page.url), {"extractor": "trafilatura"}
    tree = HTMLTree.parse(html)
    if page.body.count(b"<") > config.max_dom_depth and is_deeper_than(tree, config.max_dom_depth):
        text = extract_plain_text(tree, main_content=False, preserve_formatting=True, alt_texts=False)
        return text, {"extractor": config.extractor, "extract_guard": "deep_dom"}
    if config.extractor == "fast":
        fast = config.fast
        return extract_main_text(
            html,
            url=page.url,
            tree=tree,
            fallback=fast.fallback,
            skip_rules=frozenset(fast.skip_rules),
            length_low=fast.length_low,
            length_high=fast.length_high,
            max_link_density=fast.max_link_density,
            fallback_min_chars=fast.fallback_min_chars,
            fallback_min_kept_share=fast.fallback_min_kept_share,
            fallback_max_link_density=fast.fallback_max_link_density,
        )
    text = extract_plain_text(tree, main_content=True, preserve_formatting=True, alt_texts=False, comments=False)
    if not text.strip():  # main-content heuristics found nothing on a page that may well have text
        text = extract_plain_text(tree, main_content=False, preserve_formatting=True, alt_texts=False)
        return text, {"extractor": "resiliparse", "extract_guard": "empty_main_content"}
    return text, {"extractor": "resiliparse"}


def page_to_document(page: WebPage, source: SourceFile, config: ExtractConfig) -> Document | Rejection:
    """Extract a web page's main text into a Document, or drop it (stage `extract`) with the reason."""
    locator = page.record_id or page.offset

    def drop(reason: str) -> Rejection:
        return Rejection(
            Verdict.DROPPED, EXTRACT_STAGE, reason, source.relpath, page.offset, page.record_id, len(page.body)
        )

    if len(page.body) > config.max_html_bytes:
        return drop("html_too_large")
    text, annotations = page_text(page, config)
    text = sanitize_text(text).strip()
    if not text:
        return drop("no_text")
    signals = opt_out_signals(page.consent_headers, None if page.is_text else page.body)
    if signals:
        annotations = {**annotations, "opt_out": signals}
    return Document(
        id=make_doc_id(source.relpath, locator),
        text=text,
        url=page.url,
        source=source.relpath,
        fetch_date=page.fetch_date,
        source_id=page.record_id,
        meta={"offset": page.offset, "content_type": page.content_type, **annotations},
    )
