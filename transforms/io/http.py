"""HTTP responses as web archives store them, shared by the WARC and ARC readers.

A WARC `response` record (WARC 1.1, section 6.3) and an ARC record both hold an HTTP/1.x response message as
the crawler received it (RFC 9112): status line, header fields, an empty line, then the body with its
transfer coding (`chunked`) and content coding (`gzip`, `deflate`, `br`) still applied. `read_response` reads
such a message from a bounded `read` callable, decides whether it is a page, and returns the decoded body.

Archives are not faithful to the header, so decoding is lenient where that is safe: many crawlers store the
body already de-chunked or decompressed but keep the original `Transfer-Encoding`/`Content-Encoding`
header, so a body that does not start in the declared coding is taken as it is. Decompression is never
unbounded: output is capped at `max_payload_bytes`, and a body that would inflate past it is a bomb.

`RecordInfo` (where a record is, what its header says) turns a payload or a refusal into the item a reader
yields, the same way for both formats.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Callable

from corpusforge.transforms.document import Rejection, Verdict, WebPage

try:  # a dependency of fastwarc, so normally present; without it `br` bodies are dead-lettered
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Media types that become a WebPage: HTML, and plain text (WET conversions, text/plain pages).
PAGE_TYPES = HTML_TYPES | {"text/plain"}

_HEAD_CHUNK = 16_384
_HEAD_END = re.compile(rb"\n\r?\n")  # CRLF CRLF, or the LF-only endings of older crawlers (ClueWeb09)
_STATUS_LINE = re.compile(rb"[ \t]*HTTP/\d+(?:\.\d+)?[ \t]+(\d{3})(?!\d)")
_FIELDS = re.compile(
    rb"^(content-type|content-encoding|transfer-encoding|x-robots-tag|tdm-reservation|tdm-policy)[ \t]*:[ \t]*(.*?)[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_CHUNK_SIZE = re.compile(rb"[ \t]*([0-9a-fA-F]+)[ \t]*(?:;[^\n]*)?\r?\n")


@dataclasses.dataclass(frozen=True)
class HttpPayload:
    """A page's body with transfer and content codings removed, and its media type and charset."""

    content_type: str
    charset: str | None
    body: bytes
    consent_headers: tuple[tuple[str, str], ...] = ()  # see HttpHead


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why a record yields no page: the verdict, reason and detail of its `Rejection`."""

    verdict: Verdict
    reason: str
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class RecordInfo:
    """Where an archive record is and what its header says; each item yielded for the record carries these.

    source: the input file's relative path; offset: the record's offset in it (see the readers);
    nbytes: the record's declared block size (WARC Content-Length, ARC Archive-length).
    """

    source: str
    offset: int
    record_id: str | None = None
    url: str | None = None
    fetch_date: str | None = None
    nbytes: int = 0

    def reject(self, verdict: Verdict, reason: str, detail: str = "") -> Rejection:
        """The `read`-stage Rejection of this record."""
        return Rejection(verdict, "read", reason, self.source, self.offset, self.record_id, self.nbytes, detail)

    def resolve(self, outcome: HttpPayload | Refusal, *, is_text: bool = False) -> WebPage | Rejection:
        """The WebPage for a payload, or the Rejection for a refusal."""
        if isinstance(outcome, Refusal):
            return self.reject(outcome.verdict, outcome.reason, outcome.detail)
        return WebPage(
            self.offset,
            self.record_id,
            self.url,
            self.fetch_date,
            outcome.content_type,
            outcome.charset,
            outcome.body,
            is_text,
            outcome.consent_headers,
        )


CONSENT_HEADERS = (b"x-robots-tag", b"tdm-reservation", b"tdm-policy")  # opt-out signals (transforms/safety/opt_out.py)


@dataclasses.dataclass(frozen=True)
class HttpHead:
    """The parts of an HTTP response head the readers use; `size` counts the head and its empty line."""

    status: int
    content_type: str | None
    content_encoding: str
    transfer_encoding: str
    size: int
    # (lower-case name, value) of the headers that carry opt-out signals (transforms/safety/opt_out.py)
    consent_headers: tuple[tuple[str, str], ...] = ()


class MalformedHttp(ValueError):
    """The message does not start with a parseable HTTP status line and header block."""


class HeaderTooLong(MalformedHttp):
    """The header block is longer than the configured limit."""


class ContentEncodingBomb(ValueError):
    """Removing the content coding would produce more than the allowed number of bytes."""


class ContentEncodingError(ValueError):
    """The content coding is unsupported, or the body breaks off as invalid data in it."""


def media_type(value: str | None) -> tuple[str, str | None]:
    """The media type of a Content-Type value, lower case without parameters, and its charset, if any."""
    if not value:
        return "", None
    mtype, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, arg = param.partition("=")
        if name.strip().lower() == "charset":
            charset = arg.strip().strip("\"'").strip().lower() or None
            break
    return mtype.split(",")[0].strip().lower(), charset


def status_refusal(status: int) -> Refusal | None:
    """None for 200 OK; otherwise the SKIPPED refusal naming the status class (only 200 carries a page)."""
    if status == 200:
        return None
    klass = status // 100
    reason = f"http_status_{klass}xx" if klass in (3, 4, 5) else "http_status_other"
    return Refusal(Verdict.SKIPPED, reason, str(status))


def parse_head(head: bytes) -> HttpHead:
    """Parse an HTTP response head (status line to the empty line included) into an `HttpHead`."""
    status = _STATUS_LINE.match(head)
    if status is None:
        raise MalformedHttp(f"no HTTP status line: {head[:80]!r}")
    fields: dict[bytes, list[bytes]] = {}
    for name, value in _FIELDS.findall(head, status.end()):
        fields.setdefault(name.lower(), []).append(value)
    content_type = fields.get(b"content-type")
    return HttpHead(
        status=int(status.group(1)),
        content_type=content_type[0].decode("latin-1") if content_type else None,
        content_encoding=b",".join(fields.get(b"content-encoding", ())).decode("latin-1"),
        transfer_encoding=b",".join(fields.get(b"transfer-encoding", ())).decode("latin-1"),
        size=len(head),
        consent_headers=tuple(
            (name.decode("ascii"), value.decode("latin-1"))
            for name in CONSENT_HEADERS
            for value in fields.get(name, ())
        ),
    )


def read_head(read: Callable[[int], bytes], length: int, max_header_bytes: int) -> tuple[HttpHead, bytes]:
    """Read the head of an HTTP message of `length` bytes; return it and the body bytes read past it.

    Reads in chunks until the empty line that ends the head (RFC 9112, section 2.1), so a large body is not
    read just to classify the response.
    """
    buf = read(min(length, _HEAD_CHUNK))
    end = _HEAD_END.search(buf)
    while end is None and len(buf) < min(length, max_header_bytes):
        more = read(min(length - len(buf), max(_HEAD_CHUNK, len(buf))))
        if not more:
            break
        searched = max(0, len(buf) - 2)
        buf += more
        end = _HEAD_END.search(buf, searched)
    if end is None or end.end() > max_header_bytes:
        if len(buf) >= max_header_bytes:
            raise HeaderTooLong(f"HTTP header block longer than {max_header_bytes} bytes")
        raise MalformedHttp(f"HTTP header block not ended by an empty line: {buf[:80]!r}")
    return parse_head(buf[: end.end()]), buf[end.end() :]


def dechunk(body: bytes) -> bytes | None:
    """Remove `chunked` transfer coding (RFC 9112, section 7.1); None if `body` does not start as chunked.

    A body that breaks off (truncated capture) keeps the chunks read so far; trailer fields are dropped.
    """
    chunks = []
    pos = 0
    while True:
        size_line = _CHUNK_SIZE.match(body, pos)
        if size_line is None:
            return b"".join(chunks) if chunks else None
        size = int(size_line.group(1), 16)
        if size == 0:
            return b"".join(chunks)
        start = size_line.end()
        chunks.append(body[start : start + size])
        pos = start + size
        if body.startswith(b"\r\n", pos):
            pos += 2
        elif body.startswith(b"\n", pos):
            pos += 1
        if pos >= len(body):
            return b"".join(chunks)


def _inflate(data: bytes, wbits: int, max_bytes: int) -> bytes:
    """Decompress zlib/gzip/raw-deflate `data` (gzip: all members), never producing more than `max_bytes`."""
    out = []
    total = 0
    while data:
        inflater = zlib.decompressobj(wbits)
        try:
            piece = inflater.decompress(data, max_bytes - total + 1)
        except zlib.error as exc:
            if total == 0 and wbits != 31:
                return data  # not deflate from the first byte: stored decoded
            raise ContentEncodingError(str(exc)) from exc
        total += len(piece)
        if total > max_bytes:
            raise ContentEncodingBomb(f"content coding inflates past {max_bytes} bytes")
        out.append(piece)
        data = inflater.unused_data
        if not inflater.eof or not data.startswith(b"\x1f\x8b"):
            break  # truncated capture (keep what inflated), or the last member
    return b"".join(out)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    return _inflate(body, 31, max_bytes) if body.startswith(b"\x1f\x8b") else body


def _inflate_deflate(body: bytes, max_bytes: int) -> bytes:
    # RFC 9110 `deflate` is zlib-wrapped (RFC 1950); many servers send raw deflate (RFC 1951) instead.
    zlib_wrapped = len(body) >= 2 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0
    return _inflate(body, 15 if zlib_wrapped else -15, max_bytes)


def _unbrotli(body: bytes, max_bytes: int) -> bytes:
    if brotli is None:  # pragma: no cover
        raise ContentEncodingError("Content-Encoding br needs the brotli package")
    try:
        out = brotli.Decompressor().process(body, output_buffer_limit=max_bytes + 1)
    except brotli.error:
        return body  # not brotli (which has no magic number): stored decoded
    if len(out) > max_bytes:
        raise ContentEncodingBomb(f"content coding inflates past {max_bytes} bytes")
    return out


_DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate_deflate,
    "br": _unbrotli,
}


def decode_content(body: bytes, content_encoding: str, max_bytes: int) -> bytes:
    """Remove the content codings listed in a Content-Encoding value, last applied first (RFC 9110, 8.4)."""
    for coding in reversed(content_encoding.lower().split(",")):
        coding = coding.strip()
        if coding in ("", "identity"):
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise ContentEncodingError(f"unsupported Content-Encoding {coding!r}")
        body = decoder(body, max_bytes)
    return body


def decode_body(head: HttpHead, body: bytes, max_bytes: int) -> bytes:
    """The body with its transfer coding and content codings removed."""
    if "chunked" in head.transfer_encoding.lower():
        dechunked = dechunk(body)
        if dechunked is not None:
            body = dechunked
    return decode_content(body, head.content_encoding, max_bytes)


def document_payload(
    content_type: str | None,
    read: Callable[[int], bytes],
    length: int,
    max_payload_bytes: int,
    default_charset: str | None = None,
) -> HttpPayload | Refusal:
    """A block that is the document itself, without HTTP (a WARC `resource` or `conversion`, an ARC `dns:`
    record), typed by the archive's own Content-Type."""
    ctype, charset = media_type(content_type)
    if ctype not in PAGE_TYPES:
        return Refusal(Verdict.SKIPPED, "non_html_content_type", ctype or "no Content-Type")
    if length > max_payload_bytes:
        return Refusal(Verdict.DROPPED, "payload_too_large", f"{length} bytes")
    return HttpPayload(ctype, charset or default_charset, read(length))


def read_response(
    read: Callable[[int], bytes], length: int, *, max_payload_bytes: int, max_header_bytes: int
) -> HttpPayload | Refusal:
    """Read an HTTP response message of `length` bytes and return its page, or why it is not one.

    `read(n)` returns the next at most `n` bytes of the message (fewer only where it ends). The status and
    media type are decided from the head alone; the body is read only for a 200 page no larger than
    `max_payload_bytes` (judged by `length`, i.e. the archive's Content-Length, before reading it).
    """
    try:
        head, start = read_head(read, length, max_header_bytes)
    except HeaderTooLong as exc:
        return Refusal(Verdict.DEAD_LETTER, "header_too_long", str(exc))
    except MalformedHttp as exc:
        return Refusal(Verdict.DEAD_LETTER, "malformed_http", str(exc))
    refusal = status_refusal(head.status)
    if refusal is not None:
        return refusal
    ctype, charset = media_type(head.content_type)
    if ctype not in PAGE_TYPES:
        return Refusal(Verdict.SKIPPED, "non_html_content_type", ctype or "no Content-Type")
    if length > max_payload_bytes:
        return Refusal(Verdict.DROPPED, "payload_too_large", f"{length} bytes")
    body = start + read(length - head.size - len(start))
    try:
        return HttpPayload(ctype, charset, decode_body(head, body, max_payload_bytes), head.consent_headers)
    except ContentEncodingBomb as exc:
        return Refusal(Verdict.DEAD_LETTER, "content_encoding_bomb", str(exc))
    except ContentEncodingError as exc:
        return Refusal(Verdict.DEAD_LETTER, "content_encoding_error", str(exc))
