"""PII detection: precision and recall per type on a labelled set built from real text.

    python benchmarks/eval_pii.py [--seed 0] [--per-type 200]

The set: real English sentences (../shared/data/text/ud-raw-sentences/en_ewt-ud-*.text.txt) and real web
documents (C4 sample, Dolma CC), each with one inserted item: PII in many formats (the labelled positives),
or a look-alike that must not be redacted (version numbers, dates, times, prices, ISBNs, ordinary and
grouped numbers, Luhn-invalid cards, IBANs with a wrong check digit, private and loopback IPs, MAC
addresses, decimal coordinates). The values are generated, valid or invalid by construction (Luhn,
mod-97), from one seeded RNG. Scoring is on the inserted region: a detection is a true positive when its
type and span match the inserted value exactly; any other detection overlapping it is a false positive.
The real text holds real, unlabelled PII (UD English-EWT includes Enron e-mail signatures), so detections
outside the inserted region are counted apart (`in real text`) and listed by `--show-errors` for review.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import string
from collections import Counter
from pathlib import Path

from corpusforge.transforms.safety.pii import IBAN_LENGTHS, PII_TYPES, find_pii, iban_valid, luhn_valid

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def real_texts() -> list[str]:
    texts = []
    for name in ("en_ewt-ud-dev.text.txt", "en_ewt-ud-test.text.txt"):
        text = (SHARED / "text/ud-raw-sentences" / name).read_text(encoding="utf-8")
        texts += [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) >= 8]
    with open(SHARED / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"][:2000] for line in f]
    return texts


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _luhn_complete(rng: random.Random, prefix: str, length: int, valid: bool = True) -> str:
    body = prefix + _digits(rng, length - len(prefix) - 1)
    for check in string.digits:
        if luhn_valid(body + check) == valid:
            return body + check
    raise AssertionError


def _group(s: str, sizes: list[int], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(s[pos : pos + size])
        pos += size
    return sep.join(out)


def _iban(rng: random.Random, country: str, valid: bool = True) -> str:
    bban = _digits(rng, IBAN_LENGTHS[country] - 4)
    for check in range(100):
        candidate = f"{country}{check:02d}{bban}"
        if iban_valid(candidate) == valid:
            return candidate
    raise AssertionError


def _public_ipv4(rng: random.Random) -> str:
    while True:
        ip = ipaddress.IPv4Address(rng.getrandbits(32))
        if ip.is_global and not ip.is_multicast:
            return str(ip)


def positive(kind: str, rng: random.Random) -> str:
    """A valid PII value of `kind`, in one of its common formats."""
    r = rng.random
    if kind == "email":
        user = rng.choice(["jane.doe", "j_smith42", "m.r+news", "info", "o'brien".replace("'", ""), "anna-lena"])
        host = rng.choice(["example.com", "mail.example.org", "uni-example.ac.uk", "example.co.jp", "ex4mple.net"])
        return f"{user}@{host}" if r() < 0.8 else f"{user.upper()}@{host.upper()}"
    if kind == "phone":
        n = _digits(rng, 4)
        return rng.choice(
            [
                f"+1 202-555-{n}",
                f"(312) 555-{n}",
                f"312-555-{n}",
                f"312.555.{n}",
                f"+44 20 7946 {n[:3]}0",
                f"020 7946 {n}",
                f"+49 30 1234{n}",
                f"+33 1 23 45 {n[:2]} {n[2:]}",
                f"01 23 45 {n[:2]} {n[2:]}",
                f"03-1234-{n}",
                f"090-1234-{n}",
                f"+81 3-1234-{n}",
                f"+12025550{n[:3]}",
                f"030 123{n}",
            ]
        )
    if kind == "ip":
        if r() < 0.6:
            return _public_ipv4(rng)
        return rng.choice(["2001:db8::", "2a00:1450:4001:81b::", "2606:4700::"]) + format(rng.getrandbits(16), "x")
    if kind == "credit_card":
        prefix, length, groups = rng.choice(
            [
                ("4", 16, [4, 4, 4, 4]),
                ("51", 16, [4, 4, 4, 4]),
                ("2221", 16, [4, 4, 4, 4]),
                ("37", 15, [4, 6, 5]),
                ("6011", 16, [4, 4, 4, 4]),
                ("35", 16, [4, 4, 4, 4]),
            ]
        )
        number = _luhn_complete(rng, prefix, length)
        return _group(number, groups, rng.choice([" ", "-", ""]))
    if kind == "iban":
        compact = _iban(rng, rng.choice(["DE", "GB", "FR", "ES", "NL", "IT", "CH", "BE"]))
        if compact[:2] == "GB":
            compact = compact[:4] + "WEST" + compact[8:]
            compact = _iban_fix(compact)
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)) if r() < 0.6 else compact
    if kind == "ssn":
        return f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    if kind == "secret":
        alnum = string.ascii_letters + string.digits
        return rng.choice(
            [
                "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
                "ghp_" + "".join(rng.choice(alnum) for _ in range(36)),
                "xoxb-" + _digits(rng, 12) + "-" + "".join(rng.choice(alnum) for _ in range(24)),
                "AIza" + "".join(rng.choice(alnum + "_-") for _ in range(35)),
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI"
                + _digits(rng, 10)
                + "In0."
                + "".join(rng.choice(alnum) for _ in range(43)),
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
            ]
        )
    raise ValueError(kind)


def _iban_fix(compact: str) -> str:
    """Recompute the check digits of an IBAN whose BBAN was edited."""
    for check in range(100):
        candidate = f"{compact[:2]}{check:02d}{compact[4:]}"
        if iban_valid(candidate):
            return candidate
    raise AssertionError


def look_alike(rng: random.Random) -> str:
    """A string that resembles PII but is not: it must not be redacted."""
    return rng.choice(
        [
            f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
            f"v{rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
            f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1990, 2030)}",
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            f"${rng.randint(1, 99)},{rng.randint(100, 999)}.{rng.randint(0, 99):02d}",
            f"ISBN 978-{rng.randint(0, 9)}-{_digits(rng, 2)}-{_digits(rng, 6)}-{rng.randint(0, 9)}",
            f"ISBN {_digits(rng, 13)}",
            f"{rng.randint(1, 999)},{_digits(rng, 3)},{_digits(rng, 3)} people",
            f"{rng.randint(1, 999)} {_digits(rng, 3)} {_digits(rng, 3)} inhabitants",
            _group(_luhn_complete(rng, "4", 16, valid=False), [4, 4, 4, 4], " "),
            " ".join(_iban(rng, "DE", valid=False)[i : i + 4] for i in range(0, 22, 4)),
            f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "127.0.0.1",
            "::1",
            "fe80::1",
            ":".join(f"{rng.getrandbits(8):02X}" for _ in range(6)),
            f"{rng.uniform(-90, 90):.6f}, {rng.uniform(-180, 180):.6f}",
            f"order #{_digits(rng, 8)}",
            f"1.3.6.1.4.1.{rng.randint(1, 99999)}",
            f"std::{rng.choice(['vector', 'map', 'string'])}",
            f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} pm",
            f"page {rng.randint(1, 999)}-{rng.randint(1000, 1999)}",
        ]
    )


Item = tuple[str, tuple[int, int], list[tuple[str, int, int]]]  # text, inserted region, labels


def build_eval_set(seed: int = 0, per_type: int = 200, look_alikes: int = 1000) -> list[Item]:
    """Real texts with one inserted value each: PII (labelled with its type and span) or a look-alike."""
    rng = random.Random(seed)
    texts = real_texts()
    items: list[Item] = []

    def insert(value: str, kind: str | None) -> Item:
        words = rng.choice(texts).split(" ")
        cut = rng.randint(0, len(words))
        prefix = " ".join(words[:cut]) + (" " if cut else "")
        text = prefix + value + (" " if cut < len(words) else "") + " ".join(words[cut:])
        start, end = len(prefix), len(prefix) + len(value)
        return text, (start, end), [(kind, start, end)] if kind else []

    for kind in PII_TYPES:
        items += [insert(positive(kind, rng), kind) for _ in range(per_type)]
    items += [insert(look_alike(rng), None) for _ in range(look_alikes)]
    return items


def evaluate(items: list[Item]) -> tuple[dict[str, dict[str, float]], Counter]:
    """Per type: true and false positives and negatives, precision, recall; scored on the inserted region
    (a detection overlapping it that is not its label is a false positive). Detections elsewhere are in
    the real text, whose PII is not labelled: they are counted apart, per type, for review."""
    tp, fp, fn, elsewhere = Counter(), Counter(), Counter(), Counter()
    for text, (start, end), labels in items:
        found = {(s.type, s.start, s.end) for s in find_pii(text)}
        near = {f for f in found if f[1] < end and f[2] > start}
        for label in labels:
            (tp if label in near else fn)[label[0]] += 1
        for extra in near - set(labels):
            fp[extra[0]] += 1
        for other in found - near:
            elsewhere[other[0]] += 1
    table = {}
    for kind in PII_TYPES:
        p = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        r = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0
        table[kind] = {"tp": tp[kind], "fp": fp[kind], "fn": fn[kind], "precision": round(p, 4), "recall": round(r, 4)}
    return table, elsewhere


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-type", type=int, default=200)
    parser.add_argument("--look-alikes", type=int, default=1000)
    parser.add_argument("--show-errors", action="store_true", help="print every false positive and negative")
    args = parser.parse_args()
    items = build_eval_set(args.seed, args.per_type, args.look_alikes)
    table, elsewhere = evaluate(items)
    print(f"{len(items)} texts ({args.per_type} per type, {args.look_alikes} look-alikes)")
    print(f"{'type':12} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8} {'in real text':>13}")
    for kind, row in table.items():
        print(
            f"{kind:12} {row['tp']:5} {row['fp']:5} {row['fn']:5} {row['precision']:10.3f} {row['recall']:8.3f}"
            f" {elsewhere[kind]:13}"
        )
    if args.show_errors:
        for text, (start, end), labels in items:
            for s in find_pii(text):
                span = (s.type, s.start, s.end)
                tag = "OK" if span in labels else "FP" if s.start < end and s.end > start else "REAL"
                if tag != "OK":
                    print(tag, s.type, repr(text[max(0, s.start - 30) : s.end + 30]))
            missed = [label for label in labels if label not in {(s.type, s.start, s.end) for s in find_pii(text)}]
            for kind, a, b in missed:
                print("FN", kind, repr(text[max(0, a - 30) : b + 30]))


if __name__ == "__main__":
    main()
