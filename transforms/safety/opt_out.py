"""Machine-readable opt-out signals of a crawled page: the reader records them, the opt-out stage decides.

Signals (each recorded as a short string in `meta["opt_out"]`):
- `x-robots-tag:noai`, `x-robots-tag:noimageai`: the HTTP `X-Robots-Tag` header with the `noai` or
  `noimageai` directive (DeviantArt's proposal, adopted by many hosts), for every user agent or one named;
- `meta-robots:noai`, `meta-robots:noimageai`: the same directives in `<meta name="robots" content=...>`;
- `tdm-reservation`: the W3C TDM Reservation Protocol (TDMRep) says rights are reserved: the HTTP header
  `tdm-reservation: 1` or `<meta name="tdm-reservation" content="1">`;
- `domain`: the page's host or a parent domain is in the configured opted-out list (the stage adds it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from apache_beam.utils.shared import Shared

from corpusforge.pipeline.config import SafetyConfig
from corpusforge.transforms.accounting import drop
from corpusforge.transforms.document import Document, Rejection
from corpusforge.transforms.safety.url_blocklist import parent_domains, url_host

_DIRECTIVES = ("noai", "noimageai")
_HTML_HEAD_BYTES = 256 * 1024  # <meta> tags belong in <head>; a page's tail is not searched
_META = re.compile(rb"<meta\s[^>]{0,2048}>", re.IGNORECASE)
_ATTR = re.compile(rb"""([a-zA-Z-]{1,32})\s{0,8}=\s{0,8}(?:"([^"]{0,1024})"|'([^']{0,1024})'|([^\s>"']{1,1024}))""")
_TOKEN = re.compile(r"[a-z]+")


def _directives(value: str) -> list[str]:
    """The opt-out directives in a robots value (`noai, noimageai`, `otherbot: noai`)."""
    return [token for token in _TOKEN.findall(value.lower()) if token in _DIRECTIVES]


def header_signals(headers: Iterable[tuple[str, str]]) -> list[str]:
    signals = []
    for name, value in headers:
        if name == "x-robots-tag":
            signals += [f"x-robots-tag:{d}" for d in _directives(value)]
        elif name == "tdm-reservation" and value.strip() == "1":
            signals.append("tdm-reservation")
    return signals


def html_signals(html: bytes) -> list[str]:
    """Signals in the page's `<meta name="robots">` and `<meta name="tdm-reservation">` tags."""
    head = html[:_HTML_HEAD_BYTES]
    if b"<meta" not in head.lower():
        return []
    signals = []
    for tag in _META.finditer(head):
        attrs = {
            m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or b"") for m in _ATTR.finditer(tag.group())
        }
        name = attrs.get(b"name", b"").decode("latin-1").strip().lower()
        content = attrs.get(b"content", b"").decode("latin-1")
        if name == "robots":
            signals += [f"meta-robots:{d}" for d in _directives(content)]
        elif name == "tdm-reservation" and content.strip() == "1":
            signals.append("tdm-reservation")
    return signals


def opt_out_signals(headers: Iterable[tuple[str, str]], html: bytes | None) -> list[str]:
    """The page's opt-out signals (module docstring), sorted and unique; [] when it has none."""
    return sorted({*header_signals(headers), *(html_signals(html) if html else ())})


OPT_OUT_STAGE = "opt_out"


@dataclasses.dataclass
class OptOutStage:
    """Drops (`opt_out`) pages with an opt-out signal (transforms/safety/opt_out.py) or on an opted-out domain."""

    config: SafetyConfig
    name: str = OPT_OUT_STAGE

    def setup(self, shared: Shared) -> None:
        self._domains = frozenset(d.strip().lower().rstrip(".") for d in self.config.opt_out.domains)

    def apply(self, docs: Sequence[Document]) -> list[Document | Rejection]:
        drops = self.config.opt_out.drop and not self.config.annotate_only
        results: list[Document | Rejection] = []
        for doc in docs:
            signals = list(doc.meta.get("opt_out", ()))
            if self._domains and doc.url and not self._domains.isdisjoint(parent_domains(url_host(doc.url))):
                signals.append("domain")
            if signals:
                doc = doc.with_meta(opt_out=signals)
            results.append(drop(doc, self.name, "opt_out") if signals and drops else doc)
        return results
