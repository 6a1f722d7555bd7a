"""Cleaning: Unicode repair, normalization, invisible characters, white space."""

import pytest

from corpusforge.transforms.filters.clean import clean_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("The Mona Lisa doesnâ€™t have eyebrows.", "The Mona Lisa doesn’t have eyebrows."),  # mojibake repaired
        ("CafÃ© au lait", "Café au lait"),
        (
            "“Curly” quotes, ﬁ ligature, ＡＢＣ full width",
            "“Curly” quotes, ﬁ ligature, ＡＢＣ full width",
        ),  # not restyled
        ("Grüße aus Köln", "Grüße aus Köln"),  # correct Latin-1 range text untouched
        ("e\u0301te\u0301", "été"),  # NFC composes
        ("zero\u200bwidth soft\u00adhyphen bom\ufeff bell\x07", "zerowidth softhyphen bom bell"),
        ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ is meaningful in Persian: kept
        ("a\t\tb  c\u00a0\u00a0d", "a b c d"),
        ("line one   \r\n   line two\r\rline three", "line one\nline two\n\nline three"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
        ("  \n  surrounded  \n  ", "surrounded"),
        ("全角\u3000スペース", "全角\u3000スペース"),  # the ideographic space belongs to CJK typography
        ("\u200b\u00ad\n\n", ""),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_options():
    assert clean_text("ﬁ ＡＢ", normalization="NFKC") == "fi AB"
    assert clean_text("e\u0301", normalization="none") == "e\u0301"
    assert clean_text("doesnâ€™t", fix_unicode=False) == "doesnâ€™t"


def test_idempotent_on_real_text(shared_data):
    text = (shared_data / "text/sentencepiece-novels/botchan.txt").read_text(encoding="utf-8")[:200_000]
    once = clean_text(text)
    assert clean_text(once) == once and len(once) > 0.9 * len(text.strip())
