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

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from corpusforge.pipeline.config import SafetyConfig
from corpusforge.transforms.safety.url_blocklist import parent_domains, url_host
from corpusforge.transforms.stages import Filter, Outcome, Signals, Stage, TextView

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
    signals = []
    for tag in _META.finditer(html[:_HTML_HEAD_BYTES]):
        lowered = tag.group().lower()
        if b"robots" not in lowered and b"tdm-reservation" not in lowered:  # most meta tags: neither name
            continue
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


class OptOut(Filter):
    """Drops (`opt_out`) pages with an opt-out signal (found by the extractor with `opt_out_signals`) or
    on an opted-out domain (`safety.opt_out.domains`: a host matches itself and its parents); with
    `drop: false` they are only tagged. `meta["opt_out"]` lists the signals."""

    name = "opt_out"

    def __init__(self, domains: Sequence[str], drop: bool):
        self.domains = frozenset(d.strip().lower().rstrip(".") for d in domains)
        self.drop = drop

    def signals(self, view: TextView) -> Signals:
        doc = view.doc
        signals = list(doc.meta.get("opt_out", ())) if doc else []
        if self.domains and doc and doc.url and not self.domains.isdisjoint(parent_domains(url_host(doc.url))):
            signals.append("domain")
        return {"opt_out": signals}

    def verdict(self, signals: Signals, thresholds: Mapping[str, Any]) -> Outcome:
        found = signals["opt_out"]
        return Outcome("opt_out" if found and self.drop else None, signals, detail=",".join(found))

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        return outcome.signals if outcome.signals["opt_out"] else {}


def opt_out_stage(config: SafetyConfig) -> Stage:
    return Stage(OPT_OUT_STAGE, (OptOut(config.opt_out.domains, config.opt_out.drop),), annotate=config.annotate_only)
