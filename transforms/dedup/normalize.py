"""What two documents, lines or URLs must share to count as duplicates: text and URL normalization.

Text: lower case, punctuation removed, digit runs → `0`, white space collapsed, each switchable
(`dedup.*.normalize`), as datatrove's `simplify_text` and CCNet's `normalize_for_dedup` do before hashing.
URLs: scheme, `www.`, default port, fragment, tracking parameters and trailing slashes do not make a
page different; the remaining query parameters are sorted.
"""

from __future__ import annotations

import re
import urllib.parse

import xxhash

from corpusforge.pipeline.config import NormalizeConfig

_PUNCTUATION = re.compile(r"[^\w\s]|_")  # \w is letters and digits of every script (and _, treated as punctuation)
_DIGITS = re.compile(r"\d+")
_DEFAULT_PORTS = {"80", "443"}
# Query parameters that say how a visitor arrived, not what the page is (Google Analytics, ad click ids,
# newsletter and social referrers); `utm_*` covers the whole family.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "ref",
        "ref_src",
        "referrer",
        "source",
        "spm",
        "share",
        "cmpid",
        "icid",
    }
)


def normalize_text(text: str, config: NormalizeConfig) -> str:
    """`text` as duplicates are compared: each enabled normalization applied, in a fixed order."""
    if config.lowercase:
        text = text.lower()
    if config.punctuation:
        text = _PUNCTUATION.sub(" " if config.whitespace else "", text)
    if config.digits:
        text = _DIGITS.sub("0", text)
    if config.whitespace:
        text = " ".join(text.split())
    return text


def text_hash(text: str, config: NormalizeConfig) -> bytes:
    """The 128-bit xxh3 digest of the normalized text: the exact-duplicate key."""
    return xxhash.xxh3_128_digest(normalize_text(text, config).encode("utf-8"))


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def normalize_url(url: str) -> str:
    """The URL as the same page is addressed however it was linked: `example.com/a?b=1`.

    Scheme, `www.`, user info, default ports, the fragment, tracking parameters and trailing slashes are
    dropped; the host is lower-cased; the remaining query parameters are sorted. A URL that does not parse
    is returned stripped, so only identical strings match it.
    """
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url if "//" in url else f"//{url}")  # a bare `host/path` too
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url
    host = host.removeprefix("www.")
    if port is not None and str(port) not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = sorted(
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return f"{host}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
