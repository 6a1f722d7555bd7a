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
from resiliparse.parse.encoding import bytes_to_str, detect_encoding, map_encoding_to_html5
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

_SNIFF_BYTES = 4096  # how much of a body the charset and binary checks look at
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# WHATWG MIME Sniffing's "binary data bytes" (section 7.2): control bytes no text format uses.
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_MAX_BINARY_SHARE = 1 / 32  # text with a stray NUL or escape stays text; random or compressed bytes are ~1/9
# Signatures of binary formats that servers mislabel as text/html (WHATWG MIME Sniffing, section 6).
_BINARY_SIGNATURES = (
    b"%PDF-",
    b"%!PS-Adobe-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x7fELF",
)


def decode_body(body: bytes, charset: str | None) -> str:
    """Decode an HTTP body: by the header's charset where that is a web charset (a WHATWG Encoding Standard
    label) and decodes the body without error, else by the HTML meta tag, else by uchardet.

    Headers lie: a page declared UTF-8 may be Shift-JIS, a `charset=utf-16` page may be ASCII (decoded as
    UTF-16 it becomes CJK garbage without an error), and a label may name one of Python's codecs that no
    browser knows (`base64`, `rot13`, `utf-7`, EBCDIC `cp037`). Such a header is ignored. Undecodable bytes
    become U+FFFD (`bytes_to_str` falls back to UTF-8 and Windows-1252 first).
    """
    declared = _declared_codec(charset, body)
    if declared is not None:
        try:
            return bytes_to_str(body, declared, errors="strict", fallback_encodings=())
        except UnicodeError:
            pass  # the bytes are not in the declared charset
    return bytes_to_str(body, detect_encoding(body, from_html_meta=True), errors="replace")


def _declared_codec(charset: str | None, body: bytes) -> str | None:
    """The Python codec of a declared charset that is a web charset label and plausible for `body`, or None."""
    if not charset:
        return None
    label = charset.strip().strip("\"'")
    if map_encoding_to_html5(label, fallback_utf8=False) is None:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")) and not _is_utf16_or_32(body, name):
        return None
    return name


def _is_utf16_or_32(body: bytes, declared: str | None) -> bool:
    """Whether `body` can be UTF-16/32 text: it starts with their BOM, or is declared so and has NUL bytes
    (the ASCII of HTML markup in UTF-16 or UTF-32 is half or three quarters NUL)."""
    if body.startswith(_UTF16_32_BOMS):
        return True
    return declared is not None and declared.startswith(("utf-16", "utf-32")) and b"\x00" in body[:_SNIFF_BYTES]


def looks_binary(body: bytes, charset: str | None = None) -> bool:
    """Whether a body labelled as text is binary data: it starts with the signature of a binary format
    (PDF, PostScript, images, archives, executables), or more than 1/32 of its first 4,096 bytes are WHATWG
    binary data bytes (control bytes no text uses), unless it is UTF-16/32 text."""
    if body.startswith(_BINARY_SIGNATURES):
        return True
    sample = body[:_SNIFF_BYTES]
    binary = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if binary <= len(sample) * _MAX_BINARY_SHARE:
        return False
    return not _is_utf16_or_32(body, _declared_codec(charset, body))


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
    if looks_binary(page.body, page.charset):  # a mislabelled image or archive would "extract" as noise
        return drop("binary_content")
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

    def process(self, element: Document | tuple[SourceFile, WebPage]) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        if isinstance(element, Document):  # a text record (ReadDocuments' pages_with_documents): nothing to extract
            yield element
            return
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
