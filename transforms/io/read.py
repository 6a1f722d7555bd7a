"""Reading: match input globs at launch, then read files in parallel into `Document`s, accounting for every record.

`match_inputs` runs before the pipeline (a glob that matches nothing is a `ConfigError`); `ReadDocuments`
is the PTransform: one element per input file, fanned out with a Reshuffle, each file streamed by the
reader for its format (`warc`, `arc`, `jsonl`, `parquet`, `arrow`, `text`, and `sft`: fine-tuning records,
`sft.py`). Web pages go to extraction
(`transforms/extract/extract.py` `ExtractText`), which the runner fuses with reading: raw HTML never
crosses a shuffle.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.config import ConfigError, InputConfig
from corpusforge.transforms.accounting import MACHINE_FAULTS, READ_STAGE, REJECTED, TALLY, AccountingDoFn, timed
from corpusforge.transforms.document import (
    Document,
    Rejection,
    SourceFile,
    Verdict,
    WebPage,
)
from corpusforge.transforms.io import arc, sft, text_formats, warc

PAGES = "pages"  # tag of the web pages the reader hands to extraction
PROGRESS_LOGGER = "corpusforge.progress"

_WILDCARD = re.compile(r"[*?\[]")
_FORMAT_BY_SUFFIX = (  # checked in order, on the lower-cased file name
    (re.compile(r"\.(warc|wet|wat)(\.gz)?$"), "warc"),
    (re.compile(r"\.arc(\.gz)?$"), "arc"),
    (re.compile(r"\.(jsonl|ndjson|json)(\.gz|\.zst|\.zstd)?$"), "jsonl"),
    (re.compile(r"\.parquet$"), "parquet"),
    (re.compile(r"\.arrow$"), "arrow"),
    (re.compile(r"\.(txt|text)(\.gz|\.zst|\.zstd)?$"), "text"),
)


def detect_format(path: str, configured: str) -> str | None:
    """The reader for `path`: the configured format, or (for `auto`) the one its name says; None if unknown."""
    if configured != "auto":
        return configured
    name = path.lower()
    return next((fmt for pattern, fmt in _FORMAT_BY_SUFFIX if pattern.search(name)), None)


def glob_base(pattern: str) -> str:
    """The directory part of `pattern` before its first wildcard: what relative paths are taken from."""
    match = _WILDCARD.search(pattern)
    head = pattern[: match.start()] if match else pattern
    return head.rsplit("/", 1)[0] if "/" in head else ""


def match_inputs(patterns: Iterable[str], configured_format: str) -> list[SourceFile]:
    """The files the input globs match, sorted, with paths relative to each glob's base.

    Raises ConfigError if a glob matches nothing, a file's format cannot be told from its name, or two
    files share a relative path (their document ids would collide).
    """
    files: dict[str, SourceFile] = {}
    for pattern in patterns:
        if "://" not in pattern:
            pattern = os.path.abspath(os.path.expanduser(pattern))
        try:
            matched = FileSystems.match([pattern])[0].metadata_list
        except Exception as e:  # Beam raises BeamIOError for unreadable or missing roots
            raise ConfigError(f"input {pattern}: cannot list it: {e}") from None
        matched = [m for m in matched if not m.path.endswith("/")]
        if not matched:
            raise ConfigError(f"input {pattern}: matches no file")
        base = glob_base(pattern)
        for meta in matched:
            if detect_format(meta.path, configured_format) is None:
                raise ConfigError(f"input {meta.path}: cannot tell its format from the name; set input.format")
            relpath = meta.path[len(base) :].lstrip("/") if base else meta.path
            other = files.get(relpath)
            if other is not None and other.path != meta.path:
                raise ConfigError(
                    f"inputs {other.path} and {meta.path}: same path {relpath!r} relative to their globs; "
                    "document ids would collide (use one glob over their common folder)"
                )
            files[relpath] = SourceFile(path=meta.path, relpath=relpath, size=meta.size_in_bytes)
    return sorted(files.values(), key=lambda f: f.relpath)


def iter_records(
    stream: BinaryIO, source: SourceFile, fmt: str, config: InputConfig
) -> Iterator[Document | WebPage | Rejection]:
    """One item per input record of `source`, by the reader for `fmt`."""
    if fmt == "warc":
        return warc.iter_warc(stream, source, max_payload_bytes=config.max_payload_bytes)
    if fmt == "arc":
        return arc.iter_arc(stream, source, max_payload_bytes=config.max_payload_bytes)
    if fmt == "parquet":
        p = config.parquet
        return text_formats.iter_parquet(
            stream, source, text_column=p.text_column, id_column=p.id_column, url_column=p.url_column
        )
    if fmt == "arrow":
        return text_formats.iter_arrow(stream, source)
    if fmt == "sft":  # fine-tuning records, from JSON lines or JSON array files (transforms/io/sft.py)
        return sft.iter_sft(stream, source, max_line_bytes=config.jsonl.max_line_bytes, id_field=config.jsonl.id_field)
    if fmt == "jsonl":  # the line and text readers decompress by the file name themselves
        j = config.jsonl
        return text_formats.iter_jsonl(
            stream,
            source,
            text_field=j.text_field,
            id_field=j.id_field,
            url_field=j.url_field,
            date_field=j.date_field,
            max_line_bytes=j.max_line_bytes,
        )
    return text_formats.iter_text(stream, source, split=config.text.split)


class _ReadFileFn(AccountingDoFn):
    """SourceFile → Document, or (SourceFile, WebPage) on PAGES for extraction (on the main output too with
    `pages_with_documents`), tallying every record (stage `read`); dead letters on REJECTED."""

    def __init__(self, *, input_config: InputConfig, progress_interval_secs: float, pages_with_documents: bool = False):
        self._input = input_config
        self._interval = progress_interval_secs
        self._pages_tag = None if pages_with_documents else PAGES

    def setup(self) -> None:
        self._worker = uuid.uuid4().hex[:8]
        self._records = self._bytes = self._files = 0
        self._input_done = 0  # bytes of the input files read to their end
        self._stream: BinaryIO | None = None  # the file being read: its position is the progress within it
        self._started = self._last_report = time.monotonic()

    def process(self, source: SourceFile) -> Iterator[Document | beam.pvalue.TaggedOutput]:
        fmt = detect_format(source.path, self._input.format)
        self.tally.add(READ_STAGE, "files", source.size)
        try:
            if source.size == 0:  # one record, so that the funnel shows it, whatever the format
                yield from self._account(
                    Rejection(Verdict.SKIPPED, READ_STAGE, "empty_file", source.relpath, 0), source
                )
            else:
                with FileSystems.open(source.path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
                    self._stream = stream
                    for item in timed(iter_records(stream, source, fmt, self._input), self.tally, READ_STAGE):
                        yield from self._account(item, source)
        except MACHINE_FAULTS:
            raise
        except Exception as e:  # an unreadable file is one dead letter; the run goes on
            yield from self._account(
                Rejection(
                    Verdict.DEAD_LETTER, READ_STAGE, "file_error", source.relpath, detail=f"{type(e).__name__}: {e}"
                ),
                source,
            )
        self._stream = None
        self._files += 1
        self._input_done += source.size
        self._report(final=False)

    def _account(self, item: Document | WebPage | Rejection, source: SourceFile) -> Iterator:
        nbytes = (
            item.nbytes
            if isinstance(item, Rejection)
            else len(item.body)
            if isinstance(item, WebPage)
            else len(item.text.encode("utf-8"))
        )
        self.tally.add(READ_STAGE, "in", nbytes)
        self._records += 1
        self._bytes += nbytes
        if isinstance(item, Rejection):
            self.tally.reject(item)
            if item.verdict is Verdict.DROPPED:
                self.tally.sample(item)
            if item.verdict is Verdict.DEAD_LETTER:
                yield beam.pvalue.TaggedOutput(REJECTED, item)
        else:
            self.tally.add(READ_STAGE, "out", nbytes)
            if isinstance(item, WebPage):
                page = (source, item)
                yield beam.pvalue.TaggedOutput(self._pages_tag, page) if self._pages_tag else page
            else:
                yield item
        if self._records % 256 == 0:
            self._report(final=False)

    def _report(self, *, final: bool) -> None:
        """A rate-limited progress line (pipeline/progress.py reads it): files and records read, their bytes,
        and the input bytes consumed (whole files plus the position in the current one, against the total
        known at launch); worker logs reach the launcher's console on the DirectRunner."""
        now = time.monotonic()
        if not final and now - self._last_report < self._interval:
            return
        self._last_report = now
        try:
            position = self._stream.tell() if self._stream is not None else 0
        except (OSError, ValueError):  # a stream that cannot tell: whole files only
            position = 0
        logging.getLogger(PROGRESS_LOGGER).info(
            "progress worker=%s files=%d records=%d bytes=%d input_bytes=%d elapsed=%.1f",
            self._worker,
            self._files,
            self._records,
            self._bytes,
            self._input_done + position,
            now - self._started,
        )

    def teardown(self) -> None:
        if getattr(self, "_records", 0):
            self._report(final=True)


class ReadDocuments(beam.PTransform):
    """Read input files, one element per file spread over the workers, streamed record by record.

    Output: a tagged result with `documents` (PCollection[Document]: records of text formats), `pages`
    (PCollection[(SourceFile, WebPage)]: web-archive records for `extract.ExtractText`), `rejected`
    (PCollection[Rejection], dead letters) and `tally` (PCollection[TallyItem]).

    With `pages_with_documents` the pages come on `documents` too, beside the text records, for an
    `ExtractText` that passes documents through: one collection where a Flatten would join two, which the
    DirectRunner materializes whole in memory (every Flatten of two or more collections is a buffer there).
    """

    def __init__(
        self,
        files: list[SourceFile],
        *,
        input_config: InputConfig,
        progress_interval_secs: float = 5.0,
        pages_with_documents: bool = False,
    ):
        super().__init__()
        self._files = files
        self._fn = _ReadFileFn(
            input_config=input_config,
            progress_interval_secs=progress_interval_secs,
            pages_with_documents=pages_with_documents,
        )

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        return (
            pbegin
            | "ListFiles" >> beam.Create(self._files)  # SourceFile
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFiles" >> beam.ParDo(self._fn).with_outputs(PAGES, REJECTED, TALLY, main="documents")
        )
