"""The extract stage: HTML → main text, by charset decoding and main-content extraction (`fast`, plain
resiliparse, or trafilatura), for every web page the reader found.

`page_text(page, ...)` is the pure function: the text and a few annotations (which extractor ran, whether a
guard changed the path) for `Document.meta`; `page_to_document` makes the Document (or the drop), with the
page's opt-out signals (`safety/opt_out.py` detects them here, where the HTTP headers and HTML still are;
the opt-out stage decides). `ExtractText` is the PTransform, accounting for every page (stage `extract`).
A fault of the install (trafilatura that cannot be imported) fails the run; it is checked at launch
(`check_extractor`).
"""

from __future__ import annotations

import codecs
import functools
import time
from collections.abc import Iterator

import apache_beam as beam
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.encoding import bytes_to_str, detect_encoding
from resiliparse.parse.html import HTMLTree

from corpusforge.pipeline.config import ConfigError, ExtractConfig
from corpusforge.transforms.accounting import REJECTED, TALLY, AccountingDoFn, is_environment_fault
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


def check_extractor(config: ExtractConfig) -> None:
    """Launch-time check: the configured extractor can be loaded (trafilatura, also the `fast` fallback)."""
    if config.extractor == "trafilatura" or (config.extractor == "fast" and config.fast.fallback):
        try:
            import trafilatura  # noqa: F401  (imported by the extraction functions where they need it)
        except ImportError as e:
            key = "extract.extractor" if config.extractor == "trafilatura" else "extract.fast.fallback"
            raise ConfigError(f"{key}: trafilatura cannot be imported ({e}); reinstall corpusforge") from None


class _ExtractFn(AccountingDoFn):
    """(SourceFile, WebPage) → Document, tallying stage `extract`; a page the extractor raises on is a dead
    letter (`extraction_error`), a fault of the environment fails the run."""

    def __init__(self, config: ExtractConfig):
        self._config = config

    def setup(self) -> None:
        check_extractor(self._config)

    def process(self, element: tuple[SourceFile, WebPage]) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        source, page = element
        nbytes = len(page.body)
        self.tally.add(EXTRACT_STAGE, "in", nbytes)
        started = time.thread_time_ns()
        try:
            item = page_to_document(page, source, self._config)
        except Exception as e:  # a page that breaks the extractor is dead-lettered, not fatal
            if is_environment_fault(e):
                raise
            item = Rejection(
                Verdict.DEAD_LETTER,
                EXTRACT_STAGE,
                "extraction_error",
                source.relpath,
                page.offset,
                page.record_id,
                nbytes,
                f"{type(e).__name__}: {e}",
            )
        self.tally.cpu(EXTRACT_STAGE, time.thread_time_ns() - started)
        if isinstance(item, Document):
            self.tally.add(EXTRACT_STAGE, "out", len(item.text.encode("utf-8")))
            yield item
        else:
            self.tally.reject(item)
            if item.verdict is Verdict.DROPPED:
                self.tally.sample(item)
            if item.verdict is Verdict.DEAD_LETTER:
                yield beam.pvalue.TaggedOutput(REJECTED, item)


class ExtractText(beam.PTransform):
    """PCollection[(SourceFile, WebPage)] → a tagged result: `documents`, `rejected` (dead letters), `tally`."""

    def __init__(self, config: ExtractConfig):
        super().__init__()
        self._config = config

    def expand(self, pages: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return pages | "Extract" >> beam.ParDo(_ExtractFn(self._config)).with_outputs(REJECTED, TALLY, main="documents")
