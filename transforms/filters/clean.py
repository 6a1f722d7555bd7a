"""Cleaning and standardization of document text: a pure `str -> str` function, the same in every mode.

`clean_text` repairs mojibake with ftfy (optional), applies a Unicode normalization form (NFC by default,
NFKC optional), removes control and invisible characters except newlines and tabs, and normalizes white
space and blank lines. Line-level removals (cookie lines, citation markers, ...) are quality rules, not
cleaning: they live with the C4 rule set.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import ftfy

from corpusforge.pipeline.config import CleanConfig
from corpusforge.transforms.stages import Filter, Outcome, Stage, TextView, Thresholds

Normalization = Literal["NFC", "NFKC", "none"]
Whitespace = Literal["normalize", "keep"]

# Conservative ftfy: repair encoding errors (mojibake, C1 controls, lossy sequences, surrogates) but do not
# restyle correct text: curly quotes, full-width forms and ligatures stay as written (datatrove's FTFY
# formatter makes the same choice). Normalization is applied separately, below.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=True,
    normalization=None,
    explain=False,
)

# ftfy's own detection costs ~1 ms per 5 KB of non-ASCII text. The mojibake it repairs (UTF-8 read as
# Latin-1 or Windows-1252) always leaves a trace this regex finds in microseconds: a UTF-8 lead byte read
# as one of Â..ô followed by a continuation byte read as U+0080..U+00BF or a Windows-1252 letter, a C1
# control, or U+FFFD. Text without one is left to the cheap steps below.
_MOJIBAKE_TRACE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|[\u0080-\u009f\ufffd]"
)

# C0/C1 controls other than tab and newline, and invisible format characters that carry no meaning in
# running text: soft hyphen, zero-width space, word joiner, invisible operators, BOM, Mongolian vowel
# separator, and the bidi embedding controls. ZWJ and ZWNJ (U+200C/D) stay: Persian, Indic scripts and
# emoji sequences need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Horizontal white space other than the ideographic space (U+3000), which is part of CJK typography.
_SPACE = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f]"
_SPACES = re.compile(f"{_SPACE}{_SPACE}+|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f]")  # never a lone space
_BLANK_LINES = re.compile("\n{3,}")


def clean_text(
    text: str, *, fix_unicode: bool = True, normalization: Normalization = "NFC", whitespace: Whitespace = "normalize"
) -> str:
    """`text` with encoding errors repaired, normalized, invisible characters removed and white space tidied.

    White space: CR and CRLF become LF; runs of spaces, tabs and Unicode spaces become one space; lines are
    stripped at both ends; at most one blank line separates paragraphs; the text is stripped. With
    `whitespace="keep"` (fine-tuning data, where answers hold code) only the CRs go and the text is stripped:
    indentation and alignment stay.
    """
    if fix_unicode and not text.isascii() and _MOJIBAKE_TRACE.search(text):
        text = ftfy.fix_text(text, _FTFY)
    elif "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if normalization != "none" and not text.isascii():
        text = unicodedata.normalize(normalization, text)
    text = _INVISIBLE.sub("", text)
    if whitespace == "keep":
        return text.strip()
    # Each regex pass scans the whole text; the substring tests skip the passes that would change nothing.
    if not text.isascii() or "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    if " " in text and "\n" in text:  # after _SPACES, a line starts and ends with at most one space
        text = "\n".join(line.strip(" ") for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


CLEAN_STAGE = "clean"


class CleanText(Filter):
    """Unicode repair, normalization, invisible characters and white space (`clean_text`), a rewriting
    filter; a document left empty is dropped (`empty_after_cleaning`)."""

    name = "clean"
    rewrites = True

    def __init__(self, config: CleanConfig):
        self.config = config

    def judge(self, view: TextView, thresholds: Thresholds, annotate: bool) -> Outcome:
        c = self.config
        text = clean_text(view.text, fix_unicode=c.fix_unicode, normalization=c.normalization, whitespace=c.whitespace)
        return Outcome(text=text) if text else Outcome("empty_after_cleaning")


def clean_stage(config: CleanConfig) -> Stage:
    return Stage(CLEAN_STAGE, (CleanText(config),))
