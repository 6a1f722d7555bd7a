"""PII detection and redaction: typed spans, checked by validators, replaced by typed placeholders.

Types and their rules (each span is a candidate from a regex, kept only if its validator accepts it):
- `email` → `<EMAIL>`: local@domain with a dotted domain ending in a letter label (RFC 5321 lengths).
- `phone` → `<PHONE>`: a candidate in a written shape of phone numbers (`_PHONE`: `+` and a country code,
  NANP `(212) 555-0142` / `1-800-555-0199` / `212 555 0142`, or a national number with a leading 0 in
  groups: `(0301) 23 45 67 8`, `06.1234.5678`, `030 12345-678`), valid in libphonenumber's numbering plans:
  its own country's for international numbers, the NANP's, or for national numbers one of the regions
  `phone_regions(lang, url)` names (the URL's country, the language's countries, a few defaults). A bare
  run of digits is never a phone number; a date at its start, a ZIP+4 shape, or a place inside a longer
  number rejects a candidate; a following number is cut off (`_phone_span`).
- `ip` → `<IP>`: IPv4 / IPv6 addresses (parsed by `ipaddress`) other than private (RFC 1918, ULA),
  loopback, link-local, multicast, unspecified and CGNAT ones; the documentation ranges count as public (they
  stand for public addresses in text). Dotted runs longer than four parts, `v1.2.3.4`, and a dotted quad
  after a version cue (`version 4.2.1.12`, `Build: 10.0.1.5`) are not addresses.
- `credit_card` → `<CREDIT_CARD>`: 13-19 digits (optionally in groups split by one space or dash), with
  a card-network prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay) and a valid Luhn check.
- `iban` → `<IBAN>`: a country code with its registered IBAN length, and a valid ISO 7064 mod-97 check.
- `ssn` → `<SSN>`: US SSN `AAA-GG-SSSS` with area not 000/666/9xx, group not 00, serial not 0000; written
  with spaces or none only after an SSN cue.
- `secret` → `<SECRET>`: AWS access key ids, GitHub tokens (`ghp_` ... and `github_pat_`), Slack tokens,
  Google API keys, JWTs, PEM private-key blocks, and a high-entropy value assigned to a secret-looking name
  (`aws_secret_access_key = ...`, `"client_secret": "..."`; `_assigned_secret_spans`).

Measured with benchmarks/eval_pii.py (README, PII): recall and look-alikes per type and format.

Linear time on any input: every pattern is a sequence of bounded repetitions of disjoint character classes
(no nested or overlapping unbounded quantifier can backtrack), and every pattern runs only where a cheap
scan finds its anchor (`@`, a token prefix; numbers only inside runs of digits and separators).
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from corpusforge.pipeline.config import SafetyConfig
from corpusforge.transforms.stages import Check, Filter, Outcome, Stage, TextView, Thresholds

PLACEHOLDERS = {
    "email": "<EMAIL>",
    "phone": "<PHONE>",
    "ip": "<IP>",
    "credit_card": "<CREDIT_CARD>",
    "iban": "<IBAN>",
    "ssn": "<SSN>",
    "secret": "<SECRET>",
}
PII_TYPES = tuple(PLACEHOLDERS)


@dataclasses.dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    type: str


# --- email ------------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}"
    r"[A-Za-z]{2,24}(?![\w-])"
)


def _valid_email(s: str) -> bool:
    local = s.split("@", 1)[0]
    return ".." not in local and not local.endswith(".")


# --- ip ---------------------------------------------------------------------------------------------------

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# A version cue right before a dotted quad makes it a version (`version 4.2.1.12`, `Build: 10.0.1.5`,
# `v. 2.0.1.3`, `Versionsnummer 1.2.3.4`), not an address.
_VERSION_BEFORE = re.compile(
    r"(?:\b(?:v|ver|rev|revision|build|release|firmware|update|patch)|\bversion\w*)\.?"
    r"(?:\s?(?:no\.?|nr\.?|number|#))?\s?[:=#-]?\s?$",
    re.IGNORECASE,
)
_NOT_PUBLIC = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
    )
]


def _public_ip(s: str) -> bool:
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return False
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    return not any(ip in net for net in _NOT_PUBLIC if net.version == ip.version)


def _ipv4_ok(text: str, m: re.Match) -> bool:
    return _public_ip(m.group()) and not _VERSION_BEFORE.search(text, max(0, m.start() - 24), m.start())


def _ipv6_ok(text: str, m: re.Match) -> bool:
    s = m.group()  # full (8 groups) or compressed (`::`) forms only: `12:30:45` is a time
    return ("::" in s or s.count(":") == 7) and _public_ip(s)


# --- payment cards, IBAN, SSN -----------------------------------------------------------------------------

_CARD = re.compile(
    r"(?<![\w.,-])(?<!\d )(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}|\d{4}([ -])\d{6}\2\d{4,5}|\d{13,19})"
    r"(?![\w]|[.,-]\d| \d)"
)  # 4-4-4-4 groups, Amex/Diners 4-6-5 / 4-6-4, or 13-19 digits written together
# Issuer prefixes (IIN ranges): Visa, Mastercard (51-55, 2221-2720), Amex, Diners, Discover, JCB, UnionPay.
_CARD_PREFIX = re.compile(r"4|5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720|3[47]|3[068]|6011|65|35|62")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_ok(text: str, m: re.Match) -> bool:
    s = m.group()
    digits = s.replace(" ", "").replace("-", "")
    return 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) is not None and luhn_valid(digits)


# ISO 13616 registry lengths (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SC": 31,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
}
_IBAN = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])")


def iban_valid(compact: str) -> bool:
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban_spans(text: str) -> Iterable[tuple[int, int]]:
    """IBANs, cut to their country's registered length (the regex may run on into a following code)."""
    for m in _IBAN.finditer(text):
        length = IBAN_LENGTHS.get(m.group()[:2])
        if length is None:
            continue
        end, n = m.start(), 0
        while n < length and end < m.end():
            n += text[end] != " "
            end += 1
        compact = text[m.start() : end].replace(" ", "")
        if n == length and (end == m.end() or text[end] == " ") and iban_valid(compact):
            yield m.start(), end


# SSA's rules (since 2011, randomized): area 001-899 but 666, group 01-99, serial 0001-9999. Written with
# hyphens anywhere; with spaces (`123 45 6789`, a common grouping of other numbers too) or none at all only
# after a cue (`SSN`, `Social Security number`, `soc. sec. #`) within `_SSN_CUE_CHARS` characters.
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ]?)(?!00)\d{2}\1(?!0000)\d{4}(?![\w]|\1\d)")
_SSN_CUE = re.compile(r"\b(?:SSN|SS#|social[\s-]+security|soc\.?\s?sec\b)", re.IGNORECASE)
_SSN_CUE_CHARS = 40


def _ssn_ok(text: str, m: re.Match) -> bool:
    return m.group(1) == "-" or _SSN_CUE.search(text, max(0, m.start() - _SSN_CUE_CHARS), m.start()) is not None


# --- phone ------------------------------------------------------------------------------------------------

# Candidates: the written shapes of phone numbers (ITU-T E.123 and national conventions), each a run of digit
# groups joined by single separators (so that a run of digits splits one way only: linear time):
# * international: `+` and a country code (E.164), then groups, an optional `(0)` or `(area)`, or one unbroken
#   run (`+91-9876543210`, `+44 (0)20 7946 0958`, `+12025550143`);
# * North American (NANP): `(NXX) NXX-XXXX`, `NXX-NXX-XXXX`, `NXX.NXX.XXXX` (with an optional leading `1-`),
#   `NXX NXX XXXX`;
# * national with a leading 0 (the trunk prefix of most numbering plans outside North America, or an `00`
#   international call prefix): `(0301) 23 45 67 8`, `030 1234567`, `0171/1234567`, `06.1234.5678`,
#   `01 23 45 67 89`, `03-1234-5678`, `030 - 123 45 67`.
# A bare run of digits is never a candidate, nor is anything inside a longer number.
_GROUPS = r"\d{1,12}(?:(?:[ .-]|\s?/\s?|\s-\s)\d{1,12}){0,6}"
_PHONE = re.compile(
    r"(?<![\w+(/.,:-])(?<!\d[ .-])(?:"
    r"(?P<intl>\+\d{1,3}(?:(?:[ .-]?\(0?\d{1,5}\))?[ .-]?" + _GROUPS + r"))"
    r"|(?P<nanp>(?:1[ .-])?(?:\([2-9]\d\d\) ?|[2-9]\d\d[.-])[2-9]\d\d[ .-]\d{4}|[2-9]\d\d [2-9]\d\d \d{4}(?! \d))"
    r"|(?P<trunk>(?:\(0\d{1,5}\) ?|0\d{1,5}(?:[ .-]|\s?/\s?|\s-\s))" + _GROUPS + r")"
    r")(?![\w]|[.,:-]\d)"
)
# A date written with dots, dashes or slashes (or spaces, with a four-digit year, in either day-month order) at
# the start of a candidate ("01.02.2024 12 Gäste", "01 24 2007"), not followed by another group of the same
# shape (`01.10.35.26.45` is a French number).
_DATE_START = re.compile(
    r"(?:(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19|20)?\d\d|(?:19|20)\d\d[./-](?:0?[1-9]|1[0-2])[./-]"
    r"(?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01]) (?:0?[1-9]|[12]\d|3[01]) (?:19|20)\d\d)(?!\d|[./-]\d)"
)
_ZIP4 = re.compile(r"\d{5}-\d{4}(?![\d.-])")
_TIME_RANGE = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d-(?:[01]\d|2[0-3])[0-5]\d(?!\d)")  # 0800-0830: a timetable

# The regions whose national numbering plans a national-format number is checked against (`phone_regions`):
# the country of the URL's country-code TLD, the countries with the most web pages in the document's
# language, then these defaults, the countries of the largest languages of the web.
DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "JP", "IN")
LANGUAGE_PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "IN", "CA", "AU"),
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH", "CA"),
    "es": ("ES", "MX", "AR", "CO"),
    "pt": ("BR", "PT"),
    "it": ("IT", "CH"),
    "nl": ("NL", "BE"),
    "pl": ("PL",),
    "ru": ("RU", "UA", "BY", "KZ"),
    "uk": ("UA",),
    "ja": ("JP",),
    "zh": ("CN", "TW", "HK", "SG"),
    "ko": ("KR",),
    "tr": ("TR",),
    "sv": ("SE",),
    "da": ("DK",),
    "no": ("NO",),
    "nb": ("NO",),
    "fi": ("FI",),
    "cs": ("CZ",),
    "hu": ("HU",),
    "ro": ("RO",),
    "el": ("GR",),
    "ar": ("SA", "EG", "AE", "MA"),
    "he": ("IL",),
    "hi": ("IN",),
    "id": ("ID",),
    "vi": ("VN",),
    "th": ("TH",),
    "fa": ("IR",),
}
_TLD_REGION = {"uk": "GB"}  # country-code TLDs that are not the ISO 3166 code of their country


@functools.lru_cache(maxsize=4096)
def _phone_regions(lang: str | None, tld: str | None) -> tuple[str, ...]:
    import phonenumbers

    regions = []
    if tld:
        regions.append(_TLD_REGION.get(tld, tld.upper()))
    regions += LANGUAGE_PHONE_REGIONS.get((lang or "").split("-")[0].lower(), ())
    regions += DEFAULT_PHONE_REGIONS
    return tuple(dict.fromkeys(r for r in regions if r in phonenumbers.SUPPORTED_REGIONS))


def phone_regions(lang: str | None = None, url: str | None = None) -> tuple[str, ...]:
    """The regions whose numbering plans decide whether a national-format number (`0301 2345678`) is a phone
    number, in order: the country of the URL's two-letter TLD (`.de`, `.co.uk`), then the countries with the
    most web pages in `lang` (`LANGUAGE_PHONE_REGIONS`), then `DEFAULT_PHONE_REGIONS`.

    Why a policy: a national number is valid or not depending on the region (`(0301) 23 45 67 8` is valid in
    DE, IN and GB; `(212) 555-0142` in the US and, as 0212, in Germany), and checked against every plan in the
    world nearly any grouped digits would pass. International numbers (`+49 ...`) carry their country and
    need no policy.
    """
    host = urlsplit(url).hostname if url and "//" in url else None
    tld = host.rsplit(".", 1)[-1] if host and "." in host else None
    return _phone_regions(lang, tld if tld and len(tld) == 2 and tld.isalpha() else None)


@functools.lru_cache(maxsize=65536)
def _valid_phone(candidate: str, kind: str, regions: tuple[str, ...]) -> bool:
    """Whether libphonenumber finds `candidate` a valid number: an international one in its own country's
    plan, a North American one in the NANP, a national one in one of `regions` (not NANP ones: no trunk 0)."""
    import phonenumbers

    if kind == "intl":
        tries: tuple[str | None, ...] = (None,)
    elif kind == "nanp":
        tries = ("US",)  # any NANP number parses and validates under US
    else:
        tries = tuple(r for r in regions if r not in _NANP)
    for region in tries:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)):
                return True
        except phonenumbers.NumberParseException:  # e.g. `0011...`, an international prefix in some plans
            continue
    return False


_NANP = frozenset({"US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC"})


_DIGIT_GROUP = re.compile(r"\d+")


def _ends_number(s: str, group: re.Match, following: re.Match) -> bool:
    """Whether a group of five or more digits ends the number although a shorter group follows: unless a
    hyphen joins them (DIN 5008's extension, `030 12345-678`)."""
    return len(group.group()) >= 5 > len(following.group()) and s[group.end() : following.start()] != "-"


def _phone_span(m: re.Match, regions: tuple[str, ...]) -> tuple[int, int] | None:
    """The span of the phone number a candidate holds, or None: the whole candidate, or, where it ran on
    into a following number ("call 030 1234567 4 times"), its longest valid prefix of whole digit groups.

    A national number's subscriber groups share one separator (`0301 23 45 67 8`, `06.1234.5678`; the one
    after the area code may differ: `030/123 45 67`), so a change of separator ends the number, and so does
    a group of five or more digits followed by a shorter one (`030 1234567 4 times`; `+91 98765 43210` is
    one number, and so is `030 12345-678` with its extension). Not phone numbers: a date at the start
    (`01.02.2024 12 Gäste`), the shape of a ZIP+4 code (`02134-1234`, USPS; a national number of nine digits
    written 5-4 with a dash is rare), two 24-hour times joined by a dash (`0800-0830 0830-0900`, a timetable).
    """
    s, kind = m.group(), m.lastgroup
    if kind == "trunk" and (_DATE_START.match(s) or _ZIP4.match(s) or _TIME_RANGE.match(s)):
        return None
    groups = list(_DIGIT_GROUP.finditer(s))
    ends = [g.end() for g in groups]
    if kind == "trunk":
        seps = [s[a.end() : b.start()] for a, b in zip(groups[1:], groups[2:])]
        ends = ends[: 2 + next((i for i, sep in enumerate(seps) if sep != seps[0]), len(seps))]
    if kind != "nanp":  # a long group followed by a shorter one: the number ended with the long one
        ends = ends[
            : next((i + 1 for i in range(1, len(groups) - 1) if _ends_number(s, groups[i], groups[i + 1])), len(ends))
        ]
    # an international number may be one unbroken run; a national one is an area code and its groups
    for end in reversed(ends[-1:] if kind == "nanp" else ends if kind == "intl" else ends[1:]):
        candidate = s[:end]
        digits = sum(c.isdigit() for c in candidate)
        if kind == "intl":
            digits -= candidate.count("(0)")
            if not 8 <= digits <= 15:  # E.164: at most 15 digits
                continue
        elif not 9 <= digits <= 13:
            continue
        if _valid_phone(candidate, kind, regions):
            return m.start(), m.start() + end
    return None


# --- secrets ----------------------------------------------------------------------------------------------

_SECRET = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?:AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{36,255}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{22,255}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,250}"  # Slack
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,4096}"  # JWT
    r")(?![A-Za-z0-9_-])"
)
_PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY-----")
_MAX_PEM_CHARS = 16_384


# A high-entropy value assigned to a secret-looking name, as secret scanners find them (detect-secrets'
# keyword and entropy plugins, gitleaks' generic-api-key rule): `aws_secret_access_key = wJalr...`,
# `API_TOKEN="..."`, `"client_secret": "..."`, `password: ...`. The name is found first (its keyword), then
# the assignment after it; the value is the span redacted.
_SECRET_KEYWORD = re.compile(  # on the lower-cased text: a case-insensitive alternation scans 5x slower
    r"secret|passw(?:or)?d|pwd|token|(?:api|access|private|auth)[_-]?key|credential"
)
_SECRET_WORDS = ("secret", "passw", "pwd", "token", "credential") + tuple(
    f"{word}{sep}key" for word in ("api", "access", "private", "auth") for sep in ("", "_", "-")
)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # keeps every offset, slower
_ASSIGNED_VALUE = re.compile(
    r"[A-Za-z0-9_.-]{0,40}[\"']?[ \t]{0,3}(?::=|=>|[=:])[ \t]{0,3}[\"']?([^\s\"'`,;<>(){}\[\]$%]{16,256})(?=[\s\"'`,;]|$)"
)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")  # a reference, no value
SECRET_MIN_ENTROPY = 3.5  # bits per character (gitleaks' generic rule); hex values 3.0 (detect-secrets)
_HEX = frozenset("0123456789abcdefABCDEF")


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s character distribution."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _secret_value_ok(value: str) -> bool:
    """A value that looks random: letters and digits, no identifier or variable reference, high entropy."""
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)) or _ENV_NAME.fullmatch(value):
        return False
    return shannon_entropy(value) >= (3.0 if _HEX.issuperset(value) else SECRET_MIN_ENTROPY)


def _may_assign_secret(text: str) -> bool:
    """A cheap test (substrings of the lower-cased text, ~100 MB/s) before `_SECRET_KEYWORD`'s scan."""
    lower = text.lower()
    return any(word in lower for word in _SECRET_WORDS)


def _assigned_secret_spans(text: str) -> Iterable[tuple[int, int]]:
    end = 0
    lower = text.lower()
    if len(lower) != len(text):  # a character whose lower case is longer (`İ`): keep the offsets
        lower = text.translate(_ASCII_LOWER)
    for keyword in _SECRET_KEYWORD.finditer(lower):
        if keyword.start() < end:
            continue  # inside the value just found
        m = _ASSIGNED_VALUE.match(text, keyword.end())
        if m and _secret_value_ok(m.group(1)):
            end = m.end(1)
            yield m.span(1)


def _pem_spans(text: str) -> Iterable[Span]:
    for begin in _PEM_BEGIN.finditer(text):
        end = _PEM_END.search(text, begin.end(), begin.end() + _MAX_PEM_CHARS)
        if end is not None:
            yield Span(begin.start(), end.end(), "secret")


# --- detection ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Scan:
    """What the finders of one text share: its numeric windows, and its document's phone regions."""

    windows: list[tuple[int, int]]
    regions: tuple[str, ...]


Finder = Callable[[str, _Scan], Iterable[tuple[int, int]]]


def _matches(pattern: re.Pattern, check: Callable[[str, re.Match], bool] | None = None) -> Finder:
    def find(text: str, scan: _Scan) -> Iterable[tuple[int, int]]:
        return (m.span() for m in pattern.finditer(text) if check is None or check(text, m))

    return find


def _numeric(pattern: re.Pattern, check: Callable[[str, re.Match], bool] | None = None) -> Finder:
    """A finder for numbers (cards, SSNs, IPv4), run only inside the text's numeric windows."""

    def find(text: str, scan: _Scan) -> Iterable[tuple[int, int]]:
        return (
            m.span()
            for pos, endpos in scan.windows
            for m in pattern.finditer(text, pos, endpos)
            if check is None or check(text, m)
        )

    return find


def _phones(text: str, scan: _Scan) -> Iterable[tuple[int, int]]:
    for pos, endpos in scan.windows:
        for m in _PHONE.finditer(text, pos, endpos):
            span = _phone_span(m, scan.regions)
            if span is not None:
                yield span


# Runs of digits and separators, at least 7 characters ("1.2.3.4"), that every number-shaped PII lies in.
# Patterns then scan only these windows (one character before for a `+` or `(`, two after for their
# lookaheads; lookbehinds see the whole text): 5-10x faster than scanning whole web pages with each.
_NUMERIC_RUN = re.compile(r"\d[\d .()/+-]{5,}\d")


def numeric_windows(text: str) -> list[tuple[int, int]]:
    return [(max(0, m.start() - 1), min(len(text), m.end() + 2)) for m in _NUMERIC_RUN.finditer(text)]


def _has(pattern: str) -> Callable[[str], bool]:
    return lambda text, search=re.compile(pattern).search: search(text) is not None


def _always(text: str) -> bool:
    return True


# (type, finder, a cheap test that the text may hold one). On overlaps the earliest, then the longest span
# wins, then the rule listed first (an SSN-shaped `012-34-5678` is an SSN, not a phone number).
RULES: tuple[tuple[str, Finder, Callable[[str], bool]], ...] = (
    ("secret", _matches(_SECRET), _has(r"AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|AIza|eyJ")),
    ("secret", lambda t, scan: ((s.start, s.end) for s in _pem_spans(t)), lambda t: "PRIVATE KEY-----" in t),
    ("secret", lambda t, scan: _assigned_secret_spans(t), _may_assign_secret),
    ("email", _matches(_EMAIL, lambda t, m: _valid_email(m.group())), lambda t: "@" in t),
    ("iban", lambda t, scan: _iban_spans(t), _has(r"[A-Z]{2}\d\d")),
    ("credit_card", _numeric(_CARD, _card_ok), _always),
    ("ssn", _numeric(_SSN, _ssn_ok), _always),
    ("ip", _numeric(_IPV4, _ipv4_ok), _always),
    ("ip", _matches(_IPV6, _ipv6_ok), _has(r"[0-9A-Fa-f]?::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:")),
    ("phone", _phones, _always),
)


def find_pii(
    text: str, types: Iterable[str] = PII_TYPES, *, lang: str | None = None, url: str | None = None
) -> list[Span]:
    """The PII spans of `text`, sorted and non-overlapping. `lang` (the document's language code) and `url`
    choose the numbering plans national phone numbers are checked against (`phone_regions`)."""
    wanted = frozenset(types)
    scan = _Scan(numeric_windows(text), phone_regions(lang, url) if "phone" in wanted else ())
    found = [
        Span(start, end, pii_type)
        for pii_type, find, applies in RULES
        if pii_type in wanted and applies(text)
        for start, end in find(text, scan)
    ]
    return _resolve(found)


def _resolve(spans: list[Span]) -> list[Span]:
    """Spans sorted by start (the longer first, then in rule order), dropping any that overlaps one kept."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):  # stable: rule order breaks ties
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def redact(text: str, spans: list[Span]) -> str:
    """`text` with each span replaced by its type's placeholder."""
    parts, pos = [], 0
    for span in spans:
        parts += [text[pos : span.start], PLACEHOLDERS[span.type]]
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)


def count_types(spans: Iterable[Span]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.type] = counts.get(span.type, 0) + 1
    return dict(sorted(counts.items()))


PII_STAGE = "pii"


class PiiRedaction(Filter):
    """Redacts PII with typed placeholders (a rewriting filter); drops pages with more than `max_spans`
    spans (`too_much_pii`; Dolma: 5). `meta["pii"]`: spans per type; annotate-only: `pii_spans` too
    (`[type, start, end]` in the unredacted text)."""

    name = "pii"
    rewrites = True
    thresholds = {"max_spans": 5}
    checks = (Check("too_much_pii", "pii_span_count", ">", "max_spans", zero_disables=False),)

    def __init__(self, types: Sequence[str]):
        self.types = tuple(types)

    def judge(self, view: TextView, thresholds: Thresholds, annotate: bool) -> Outcome:
        spans = find_pii(view.text, self.types, lang=view.lang, url=view.doc.url if view.doc else None)
        if not spans:
            return Outcome()
        signals = {"pii": count_types(spans), "pii_span_count": len(spans), "pii_spans": spans}
        outcome = self.verdict(signals, thresholds.for_lang(view.lang))
        return outcome if outcome.reason else dataclasses.replace(outcome, text=redact(view.text, spans))

    def annotations(self, outcome: Outcome, annotate: bool) -> Mapping[str, Any]:
        if not outcome.signals:
            return {}
        if annotate:
            return {
                "pii": outcome.signals["pii"],
                "pii_spans": [[s.type, s.start, s.end] for s in outcome.signals["pii_spans"]],
            }
        return {"pii": outcome.signals["pii"]}


def pii_stage(config: SafetyConfig) -> Stage:
    c = config.pii
    return Stage(
        PII_STAGE, (PiiRedaction(c.types),), Thresholds({"max_spans": c.max_spans}), annotate=config.annotate_only
    )
