"""PII detection (transforms/safety/pii.py): each type and format with a hit, a look-alike and a near miss; the
phone region policy; linear time on adversarial input; recall and look-alike redaction on the labelled set of
benchmarks/eval_pii.py (real English and German text, both halves)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from corpusforge.transforms.safety.pii import (
    count_types,
    find_pii,
    iban_valid,
    luhn_valid,
    phone_regions,
    redact,
    shannon_entropy,
)

REPO = Path(__file__).resolve().parents[1]


def detected(text: str, **context) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in find_pii(text, **context)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # email
        ("write to jane.doe@example.com.", [("email", "jane.doe@example.com")]),
        ("<mailto:Orders@Gearnest.EXAMPLE>", [("email", "Orders@Gearnest.EXAMPLE")]),
        ("user@localhost and a@b.c and @handle", []),
        ("x..y@example.com", []),
        # phone
        ("call +1 202-555-0143 today", [("phone", "+1 202-555-0143")]),
        ("(312) 555-0178 or 312.555.0178", [("phone", "(312) 555-0178"), ("phone", "312.555.0178")]),
        ("020 7946 0958", [("phone", "020 7946 0958")]),
        ("+44 (0)20 7946 0958", [("phone", "+44 (0)20 7946 0958")]),
        ("tel. 03-1234-5678", [("phone", "03-1234-5678")]),
        ("2024-01-15 and 15.01.2024 and 1 234 567 and 12:30:45", []),
        ("ISBN 978-3-16-148410-0 and 0-306-40615-2", []),
        ("from 1990-2000, page 123-4567", []),
        # ip
        ("server 203.0.113.42 and 2001:db8::42", [("ip", "203.0.113.42"), ("ip", "2001:db8::42")]),
        ("private 192.168.1.1, 10.0.0.5, 172.16.3.4, 127.0.0.1, ::1, fe80::1", []),
        ("version 1.2.3.4, v2.10.3.1, oid 1.3.6.1.4.1, 3.11.4, 300.1.1.1", []),
        ("MAC 00:1A:2B:3C:4D:5E, std::vector, 10:30", []),
        # cards
        ("card 4111 1111 1111 1111.", [("credit_card", "4111 1111 1111 1111")]),
        (
            "5555-5555-5555-4444 or 4012888888881881",
            [("credit_card", "5555-5555-5555-4444"), ("credit_card", "4012888888881881")],
        ),
        ("amex 3782 822463 10005", [("credit_card", "3782 822463 10005")]),
        ("4111 1111 1111 1112 (bad Luhn), 1234 5678 9012 3452 (no issuer)", []),
        # IBAN
        ("IBAN GB82 WEST 1234 5698 7654 32 please", [("iban", "GB82 WEST 1234 5698 7654 32")]),
        ("DE89 3704 0044 0532 0130 00 BANK", [("iban", "DE89 3704 0044 0532 0130 00")]),
        ("ES9121000418450200051332", [("iban", "ES9121000418450200051332")]),
        ("GB82 WEST 1234 5698 7654 33 and XX82 1234 5678", []),
        # SSN
        ("SSN 123-45-6789", [("ssn", "123-45-6789")]),
        ("000-12-3456, 666-12-3456, 912-12-3456, 123-00-6789, 123-45-0000", []),
        # secrets
        ("key AKIAIOSFODNN7EXAMPLE", [("secret", "AKIAIOSFODNN7EXAMPLE")]),
        ("token ghp_" + "a1" * 18, [("secret", "ghp_" + "a1" * 18)]),
        ("xoxb-123456789012-abcdefghijklmnop", [("secret", "xoxb-123456789012-abcdefghijklmnop")]),
        ("AIza" + "B" * 35, [("secret", "AIza" + "B" * 35)]),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
            [("secret", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ")],
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            [("secret", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----")],
        ),
        ("AKIA too short, ghp_short, -----BEGIN PUBLIC KEY----- x -----END PUBLIC KEY-----", []),
    ],
)
def test_detection(text, expected):
    assert detected(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # German area code in parentheses, subscriber in groups (DIN 5008's pairs); near miss: a date, a count
        ("Tel. (0301) 23 45 67 8 oder", [("phone", "(0301) 23 45 67 8")]),
        ("Telefon (0221) 1234567", [("phone", "(0221) 1234567")]),
        ("am 01.02.2024 12 Gäste, 1 234 567 Einwohner", []),
        # dot-separated groups; near miss: a date with dots, and one followed by a number
        ("Tel. 06.1234.5678 und 01.23.45.67.89", [("phone", "06.1234.5678"), ("phone", "01.23.45.67.89")]),
        ("Stand 01.10.2035, Version 01.10.35", []),
        # +CC- and an unbroken run (Indian mobiles); near miss: too long for E.164
        ("call +91-9876543210 now", [("phone", "+91-9876543210")]),
        ("+91 98765 43210", [("phone", "+91 98765 43210")]),
        ("ref +91-98765432101234567", []),
        # NANP with a leading 1 and with spaces; near miss: an area code cannot start with 1, a local number
        ("toll free 1-800-555-0199.", [("phone", "1-800-555-0199")]),
        ("phone 212 555 0142", [("phone", "212 555 0142")]),
        ("(123) 456-7890 or 555-0142", []),
        # a number running on into the next one; an extension (DIN 5008)
        ("call 030 1234567 4 times", [("phone", "030 1234567")]),
        ("Durchwahl 030 12345-678", [("phone", "030 12345-678")]),
        # a ZIP+4 code (USPS) is not a number of the German plan; near miss: the same digits as a number
        ("Boston, MA 02134-1234", []),
        ("Tel. 02134 1234", [("phone", "02134 1234")]),
        # real pages' look-alikes: a timetable, a list of values (a NANP-shaped run inside it)
        ("Time 0800-0830 0830-0900 0900-0930", []),
        ("Pressure (decibar) 600 800 1000 1200 1400", []),
        ("Tel. 0800 1234567", [("phone", "0800 1234567")]),
    ],
)
def test_phone_formats(text, expected):
    assert detected(text, lang="de") == expected


def test_phone_region_policy():
    assert phone_regions("de", "https://www.example.at/impressum")[:4] == ("AT", "DE", "CH", "US")
    assert phone_regions("en", "https://example.co.uk/")[:2] == ("GB", "US")
    assert phone_regions(None, None) == ("US", "GB", "DE", "FR", "JP", "IN")
    assert phone_regions("xx", "https://example.com/") == phone_regions()  # no country TLD, unknown language
    # an Italian number valid in Italy's plan and in none of the English policy's: found where the policy
    # holds Italy (by language or by TLD), not in English text from nowhere in particular
    assert detected("Tel. 0501 852 83", lang="it") == [("phone", "0501 852 83")]
    assert detected("Tel. 0501 852 83", lang="en") == []
    assert detected("Tel. 0501 852 83", url="https://www.example.it/contatti") == [("phone", "0501 852 83")]
    # international numbers carry their country and need no policy
    assert detected("Tel. +39 0501 852 83", lang="en") == [("phone", "+39 0501 852 83")]


@pytest.mark.parametrize(
    "text, expected",
    [
        # SSNs with spaces or none, after a cue; near misses: the same digits without a cue, or the cue too far
        ("SSN 123 45 6789", [("ssn", "123 45 6789")]),
        ("Social Security number: 123456789", [("ssn", "123456789")]),
        ("lot 123 45 6789, item 123456789", []),
        ("SSN" + " filler" * 8 + " 123 45 6789", []),
        # four-part versions after a cue; near miss: the same quad without one is an address
        ("version 4.2.1.12, v. 2.0.1.3, Build: 10.0.1.5, Firmware-Version 1.0.3.7", []),
        ("at 4.2.1.12 and 10.0.1.5.", [("ip", "4.2.1.12")]),
        # high-entropy values assigned to secret-looking names (AWS secret access keys and the like)
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            [("secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")],
        ),
        (
            '{"SecretAccessKey": "Zp3k9QmT7xW2vB8nR5yL1cF6hJ4dS0gA+eU/oI2q"}',
            [("secret", "Zp3k9QmT7xW2vB8nR5yL1cF6hJ4dS0gA+eU/oI2q")],
        ),
        ("export API_TOKEN=9f8e7d6c5b4a39281706f5e4d3c2b1a0", [("secret", "9f8e7d6c5b4a39281706f5e4d3c2b1a0")]),
        # near misses: references, placeholders, identifiers and words where the value should be
        ('password = os.environ["DB_PASSWORD"]; secret_key = settings.SECRET_KEY_V2', []),
        ("api_key = '<YOUR_API_KEY>'; AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}", []),
        ("SECRET_KEY=change-me-in-production token_count: 1234567890123", []),
        ("the secret: aaaaaaaaaaaaaaaa1111111111111111", []),  # letters and digits, but low entropy
    ],
)
def test_cued_formats_and_look_alikes(text, expected):
    assert detected(text) == expected


def test_entropy():
    assert shannon_entropy("aaaa") == 0.0 and shannon_entropy("abcd") == 2.0


def test_validators():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("GB82WEST12345698765432") and not iban_valid("GB82WEST12345698765433")
    assert not iban_valid("GB82WEST1234569876543")  # wrong length for GB


def test_redaction_with_typed_placeholders():
    text = "Mail jane.doe@example.com, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00."
    spans = find_pii(text)
    assert redact(text, spans) == "Mail <EMAIL>, card <CREDIT_CARD>, IBAN <IBAN>."
    assert count_types(spans) == {"credit_card": 1, "email": 1, "iban": 1}
    assert find_pii(text, ["email"])[0].type == "email" and len(find_pii(text, ["email"])) == 1


@pytest.mark.parametrize(
    "name, text",
    [
        ("at signs", "@" * 100_000),
        ("digits", "1" * 1_000_000),
        ("letters then at", "a" * 100_000 + "@"),
        ("local parts", "a@" * 50_000),
        ("dotted digits", "1." * 300_000),
        ("colons", ":" * 100_000),
        ("hex and colons", "a:" * 200_000),
        ("plus digits", "+1234567890123456789012345678 " * 30_000),
        ("iban-like", "DE89 " * 100_000),
        ("jwt-like", "eyJ" * 100_000),
        ("pem begins", "-----BEGIN PRIVATE KEY-----" * 20_000),
        ("digit groups", "1234 " * 200_000),
        ("mixed", ("a" * 50 + "@" + "1" * 50 + "." * 20 + ":" * 20 + " ") * 7_000),
    ],
)
def test_linear_time_on_adversarial_input(name, text):
    """1 MB-scale hostile inputs finish quickly (a backtracking pattern would take minutes or hours)."""
    started = time.perf_counter()
    find_pii(text)
    assert time.perf_counter() - started < 5.0, name


@pytest.fixture(scope="module")
def eval_pii():
    spec = importlib.util.spec_from_file_location("eval_pii", REPO / "benchmarks" / "eval_pii.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.real_data
@pytest.mark.parametrize("split", ["dev", "test"])
def test_recall_and_look_alikes_on_real_text(eval_pii, split):
    """The labelled set: real English and German prose and web text with PII inserted in the formats of the
    standards, and look-alikes. Measured: every type 1.000 recall, no look-alike redacted, on both halves (see
    the README); the bounds are the issue's goals (recall >= 0.95, look-alikes redacted <= 2%)."""
    result = eval_pii.evaluate(eval_pii.build_eval_set(split, seed=1, scale=0.5))
    for kind, row in result["types"].items():
        assert row["recall"] >= 0.95 and row["precision"] >= 0.95, (kind, row)
    for (kind, fmt), (found, n) in result["formats"].items():
        assert found >= 0.9 * n, (kind, fmt, found, n)
    redacted = sum(r for r, _ in result["look_alikes"].values())
    assert redacted <= 0.02 * sum(n for _, n in result["look_alikes"].values()), result["look_alikes"]
