"""Safety stages: URL and word blocklists, opt-out signals, bias tagging and the bias audit, config errors.

PII detection has its own file (tests/test_pii.py). Real lists come from ../shared/data/blocklists/.
"""

from __future__ import annotations

import io
import json
import resource

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.utils.shared import Shared
from conftest import REPO, SHARED_DATA
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpusforge.pipeline.build import document_stages
from corpusforge.pipeline.cli import EXIT_CONFIG_ERROR, main
from corpusforge.pipeline.config import ConfigError, parse_config
from corpusforge.pipeline.progress import bias_flags
from corpusforge.transforms.accounting import TALLY, CombineTallies, Tally, drop, summarize
from corpusforge.transforms.document import Document, SourceFile, Verdict, WebPage
from corpusforge.transforms.extract.extract import page_to_document
from corpusforge.transforms.io.read import iter_records
from corpusforge.transforms.safety.bias import bias_stage, load_lexicon
from corpusforge.transforms.safety.opt_out import html_signals, opt_out_signals, opt_out_stage
from corpusforge.transforms.safety.pii import pii_stage
from corpusforge.transforms.safety.url_blocklist import (
    HashSet,
    UrlBlocklist,
    normalize_urls,
    parent_domains,
    url_blocklist_stage,
    url_host,
)
from corpusforge.transforms.safety.word_blocklist import (
    WordList,
    blocklist_verdict,
    read_word_list,
    word_blocklist_stage,
)
from corpusforge.transforms.stages import RunStage

UT1 = SHARED_DATA / "blocklists/datatrove-ut1"
LDNOOBW = SHARED_DATA / "blocklists/ldnoobw"


def safety(**sections):
    return parse_config({"safety": {"enabled": True, **sections}}).safety


def run(stage, docs):
    stage.setup([Shared() for _ in stage.filters])
    return stage.apply(docs)


# --- URL blocklist --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_blocklist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lists")
    (folder / "domains").write_text("# a comment\nexample.com\nBad-Site.ORG.\n\n")
    (folder / "urls").write_text("https://www.shop.test/offers/adult/\nplain.test/page\n")
    (folder / "banned").write_text("porn\n")
    (folder / "soft").write_text("xxx\ngirls\ncam\n")
    return UrlBlocklist(
        domains=[str(folder / "domains")],
        urls=[str(folder / "urls")],
        banned_words=str(folder / "banned"),
        soft_banned_words=str(folder / "soft"),
    )


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://example.com/", "blocked_domain"),
        ("http://a.b.example.com:8080/x?y=1", "blocked_domain"),  # every parent domain
        ("https://EXAMPLE.com./", "blocked_domain"),  # case and trailing dot
        ("https://bad-site.org/a", "blocked_domain"),
        ("https://notexample.com/", None),  # look-alike host: whole labels only
        ("https://example.com.evil.test/", None),
        ("https://example.co/", None),
        ("https://shop.test/offers/adult", "blocked_url"),  # scheme, www., trailing slash ignored
        ("http://www.shop.test/offers/adult/#top", "blocked_url"),
        ("https://shop.test/offers/adults", None),
        ("https://plain.test/page", "blocked_url"),
        ("https://videos.test/free-porn-here", "banned_url_word"),
        ("https://videos.test/pornography", None),  # words, not substrings
        ("https://videos.test/xxx-girls", "soft_banned_url_words"),  # two soft words
        ("https://videos.test/xxx-movies", None),  # one is not enough
        (None, None),
        ("not a url at all", None),
    ],
)
def test_url_rules(small_blocklist, url, reason):
    assert small_blocklist.reasons([url]) == [reason]


def test_url_helpers():
    assert parent_domains("a.b.example.com") == ["a.b.example.com", "b.example.com", "example.com", "com"]
    assert url_host("https://user@Sub.Example.com:443/p") == "sub.example.com"
    assert normalize_urls(b"HTTPS://www.A.test/x/\n#c\nb.test/y#frag\n") == [b"a.test/x", b"b.test/y"]
    hashes = HashSet(np.array([5, 3, 5, 9], dtype=np.uint64))
    assert hashes.hashes.tolist() == [3, 5, 9]
    assert hashes.contains(np.array([1, 3, 9, 10], dtype=np.uint64)).tolist() == [False, True, True, False]


@pytest.mark.real_data
def test_real_ut1_list_loads_compactly_and_matches():
    """The 4.56 M-domain UT1 archive: 8 bytes an entry, known entries match, their look-alikes do not."""
    blocklist = UrlBlocklist(
        archives=[str(UT1 / "url_filterblacklistsv0_3_0.tar.gz")],
        banned_words=str(UT1 / "banned_words.txt"),
        soft_banned_words=str(UT1 / "soft_banned_words.txt"),
    )
    assert len(blocklist.domains) > 4_500_000 and len(blocklist.urls) > 19_000
    assert blocklist.domains.hashes.nbytes == 8 * len(blocklist.domains)
    assert blocklist.reasons(
        [
            "https://0-1avsex.com/",
            "https://www.0-1sex.com/page",
            "https://not0-1avsex.com/",
            "https://en.wikipedia.org/wiki/Apache_Beam",
            "https://example.com/porn/",
        ]
    ) == ["blocked_domain", "blocked_domain", None, None, "banned_url_word"]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000  # KB: no string set of 4.5 M


def test_url_blocklist_stage_drops_and_annotates(small_blocklist, tmp_path):
    (tmp_path / "d").write_text("example.com\n")
    docs = [Document("1", "text", url="https://www.example.com/a"), Document("2", "text", url="https://ok.test/")]
    config = safety(url_blocklist={"domains": [str(tmp_path / "d")]})
    dropped, kept = run(url_blocklist_stage(config), docs)
    assert dropped.verdict is Verdict.DROPPED and (dropped.stage, dropped.reason) == ("url_blocklist", "blocked_domain")
    assert kept is docs[1]
    config = safety(annotate_only=True, url_blocklist={"domains": [str(tmp_path / "d")]})
    annotated, _ = run(url_blocklist_stage(config), docs)
    assert annotated.meta["url_blocklist"] == "blocked_domain" and annotated.text == "text"


# --- word blocklists ----------------------------------------------------------------------------------


def test_word_boundaries_phrases_and_substrings():
    words = WordList(["ass", "2 girls 1 cup", "#comment"], substrings=False)
    assert words.count("A class in assessment.") == (0, 4)
    assert words.count("What an ASS! Ass.") == (2, 4)
    assert words.count("the 2 girls 1 cup video") == (1, 6)
    assert words.count("#comment") == (0, 1)
    chinese = WordList(["性", "三级片"], substrings=True)
    assert chinese.count("说到底，大家最关心的还是性价比。")[0] == 1  # the known trap of substring matching
    assert chinese.count("没有问题。")[0] == 0


@pytest.mark.parametrize(
    "found, words, mode, expected",
    [
        (0, 100, "c4", None),
        (1, 1000, "c4", "blocklisted_word"),
        (1, 1000, "ratio", None),
        (2, 100, "ratio", "blocklisted_word_ratio"),
        (1, 100, "ratio", None),
    ],
)
def test_blocklist_verdicts(found, words, mode, expected):
    assert blocklist_verdict(found, words, mode=mode, max_ratio=0.01) == expected


@pytest.mark.real_data
def test_real_ldnoobw_lists_on_real_text():
    """Every LDNOOBW list loads; the C4 sample (C4 was filtered with LDNOOBW en) is almost entirely clean."""
    for path in LDNOOBW.iterdir():
        if path.name.isalpha() and path.name.islower():
            assert read_word_list(str(path), substrings=path.name in ("ja", "zh", "th")).count("x")[1] == 1
    en = read_word_list(str(LDNOOBW / "en"), substrings=False)
    lines = (SHARED_DATA / "text/llama-factory-web/c4_demo.jsonl").read_text(encoding="utf-8").splitlines()
    flagged = [json.loads(line)["text"] for line in lines if en.count(json.loads(line)["text"])[0]]
    assert len(flagged) <= len(lines) // 100  # 2 of 300 at this list's commit ("sexual" was added later)
    assert en.count("Aesthetic bass players assemble in Scunthorpe.")[0] == 0


def test_word_blocklist_stage_by_language(tmp_path):
    (tmp_path / "en").write_text("damn\n")
    (tmp_path / "zh").write_text("性\n")
    (tmp_path / "README.md").write_text("not a list\n")
    docs = [
        Document("en", "damn " + "word " * 50, meta={"lang": "en"}),  # 1 in 51: above 1 %
        Document("en-long", "damn " + "word " * 200, meta={"lang": "en"}),  # 1 in 201: kept by the ratio rule
        Document("ja", "無性に食べたくなる。", meta={"lang": "ja"}),  # no ja list: never matched with zh's
        Document("zh", "性价比很高。" + "这款耳机的音质很好。" * 20, meta={"lang": "zh"}),  # 1 in 206 characters
    ]
    ratio = run(word_blocklist_stage(safety(word_blocklist={"directory": str(tmp_path)})), docs)
    assert [getattr(r, "reason", None) for r in ratio] == ["blocklisted_word_ratio", None, None, None]
    assert ratio[1].meta["word_blocklist"] == {"matches": 1, "ratio": round(1 / 201, 6)}
    c4 = run(word_blocklist_stage(safety(word_blocklist={"directory": str(tmp_path), "mode": "c4"})), docs)
    assert [getattr(r, "reason", None) for r in c4] == [
        "blocklisted_word",
        "blocklisted_word",
        None,
        "blocklisted_word",
    ]


# --- opt-out ----------------------------------------------------------------------------------------------


def test_html_and_header_signals():
    html = b'<html><head><META NAME="Robots" CONTENT="noindex, noai"><meta name=tdm-reservation content=1></head>'
    assert html_signals(html) == ["meta-robots:noai", "tdm-reservation"]
    assert html_signals(b"<meta name='robots' content='noimageai'>") == ["meta-robots:noimageai"]
    assert html_signals(b'<meta name="robots" content="noindex">') == []
    assert html_signals(b'<meta name="tdm-reservation" content="0">') == []
    assert html_signals(b"<meta " + b"x" * 100_000) == []  # an unclosed tag is no signal, and no slow scan
    assert opt_out_signals([("x-robots-tag", "otherbot: noai, noimageai"), ("tdm-reservation", "1")], None) == [
        "tdm-reservation",
        "x-robots-tag:noai",
        "x-robots-tag:noimageai",
    ]
    assert opt_out_signals([("x-robots-tag", "noindex")], b"<p>hi</p>") == []


def _warc(tmp_path, records):
    path = tmp_path / "optout.warc.gz"
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, headers, body in records:
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8"), *headers], protocol="HTTP/1.1"
            )
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return path


def test_consent_signals_from_a_warc_record(tmp_path):
    """The reader keeps X-Robots-Tag / tdm-reservation headers and <meta> signals; the stage drops them."""
    text = "<p>" + "A paragraph of ordinary prose that is long enough to be extracted as main text. " * 5 + "</p>"
    path = _warc(
        tmp_path,
        [
            ("https://a.test/1", [("X-Robots-Tag", "noai")], f"<html><body>{text}</body></html>".encode()),
            ("https://a.test/2", [("tdm-reservation", "1")], f"<html><body>{text}</body></html>".encode()),
            (
                "https://a.test/3",
                [],
                f'<html><head><meta name="robots" content="noimageai"></head><body>{text}</body></html>'.encode(),
            ),
            ("https://optout.test/4", [], f"<html><body>{text}</body></html>".encode()),
            ("https://a.test/5", [], f"<html><body>{text}</body></html>".encode()),
        ],
    )
    source = SourceFile(str(path), "optout.warc.gz", path.stat().st_size)
    config = parse_config({})
    with open(path, "rb") as f:
        pages = [item for item in iter_records(f, source, "warc", config.input) if isinstance(item, WebPage)]
    docs = [page_to_document(page, source, config.extract) for page in pages]
    assert [d.meta.get("opt_out") for d in docs] == [
        ["x-robots-tag:noai"],
        ["tdm-reservation"],
        ["meta-robots:noimageai"],
        None,
        None,
    ]
    results = run(opt_out_stage(safety(opt_out={"domains": ["optout.test"]})), docs)
    assert [getattr(r, "reason", None) for r in results] == ["opt_out"] * 4 + [None]
    kept = run(opt_out_stage(safety(opt_out={"drop": False, "domains": ["optout.test"]})), docs)
    assert [d.meta.get("opt_out") for d in kept][3:] == [["domain"], None]


# --- bias tagging and audit -------------------------------------------------------------------------------


def test_lexicon_tags_groups_once_on_words_and_substrings(tmp_path):
    lexicon = load_lexicon(None)
    assert lexicon.groups("Women and men; a Muslim family; trans people.") == [
        "gender:female",
        "gender:male",
        "gender:transgender_nonbinary",
        "religion:muslim",
    ]
    assert lexicon.groups("Mankind's menu: a manly sonnet.") == []  # whole words only
    assert lexicon.groups("車椅子の女性") == ["disability", "gender:female"]
    custom = tmp_path / "lexicon.yaml"
    custom.write_text("en:\n  pets: [cat, dogs]\n")
    assert load_lexicon(str(custom)).groups("Cats and dogs") == ["pets"]
    custom.write_text("en: [cat]\n")
    with pytest.raises(ConfigError, match="safety.bias.lexicon"):
        load_lexicon(str(custom))
    with pytest.raises(ConfigError, match="safety.bias.lexicon: no such file"):
        bias_stage(safety(bias={"lexicon": str(tmp_path / "missing.yaml")})).check()
    assert load_lexicon(str(REPO / "run_configs/demo_lists/lexicon.yaml")).groups("a mother") == ["gender:female"]


def test_drops_carry_groups_and_tallies_count_them():
    doc = Document("1", "some text", meta={"groups": ["gender:female"]})
    rejection = drop(doc, "quality", "too_short")
    assert rejection.groups == ("gender:female",)
    tally = Tally()
    tally.enter("quality", doc)
    tally.reject(rejection)
    assert dict(tally.drain()) == {
        ("quality", "in"): (1, 9),
        ("quality", "group_in:gender:female"): (1, 0),
        ("quality", "dropped:too_short"): (1, 9),
        ("quality", "group_dropped:gender:female"): (1, 0),
    }


def _tallies(stage, reached, dropped, group_reached, group_dropped, kept, group_kept):
    return [
        (("read", "in"), (reached, 0)),
        ((stage, "in"), (reached, 0)),
        ((stage, "out"), (reached - dropped, 0)),
        ((stage, "dropped:rule"), (dropped, 0)),
        ((stage, "group_in:g"), (group_reached, 0)),
        ((stage, "group_dropped:g"), (group_dropped, 0)),
        (("write", "out"), (kept, 0)),
        (("write", "group_kept:g"), (group_kept, 0)),
    ]


def test_bias_audit_numbers_and_flag():
    # 40 of 100 documents mention g; the stage drops 20 of them (50 %) and 6 of the other 60 (10 %).
    stats = summarize(_tallies("quality", 100, 26, 40, 20, 74, 20), ["read", "quality", "write"])
    assert stats["reconciled"] and stats["dropped"] == 26  # group counts stay out of the totals
    row = stats["bias_audit"]["stages"]["quality"]["g"]
    assert row == {"in": 40, "dropped": 20, "drop_rate": 0.5, "base_rate": 0.1, "ratio": 5.0, "flagged": True}
    assert stats["bias_audit"]["kept"] == {"g": {"records": 20, "share": round(20 / 74, 6)}}
    assert bias_flags(stats) == [
        "bias audit: stage quality drops 50.0% of 40 documents mentioning g, against 10.0% of the others (ratio 5.00)"
    ]
    few = summarize(_tallies("quality", 100, 16, 20, 10, 84, 10), ["read", "quality", "write"])
    assert few["bias_audit"]["stages"]["quality"]["g"]["ratio"] == 6.6667 and not few["bias_audit"]["flagged"]  # < 30


def test_pipeline_tags_then_filters_and_audits(tmp_path):
    """TestPipeline: bias tagging, then the word filter; drop reasons and the audit from the tallies."""
    (tmp_path / "en").write_text("damn\n")
    config = safety(word_blocklist={"directory": str(tmp_path), "mode": "c4"})
    docs = [
        Document(f"w{i}", f"The women met. {'damn ' if i < 20 else ''}fine.", meta={"lang": "en"}) for i in range(40)
    ]
    docs += [
        Document(f"o{i}", f"The weather held. {'damn ' if i < 6 else ''}fine.", meta={"lang": "en"}) for i in range(60)
    ]
    with TestPipeline() as p:
        tagged = p | beam.Create(docs) | "Bias" >> RunStage(bias_stage(config))
        filtered = tagged.documents | "Words" >> RunStage(word_blocklist_stage(config))
        kept_groups = filtered.documents | beam.Map(lambda d: (d.id[0], tuple(d.meta["groups"])))
        assert_that(
            kept_groups | "Distinct" >> beam.Distinct(),
            equal_to([("w", ("gender:female",)), ("o", ())]),
            label="TagsTravel",
        )
        tallies = (
            (tagged[TALLY], filtered[TALLY]) | beam.Flatten() | CombineTallies() | beam.FlatMap(lambda items: items)
        )
        read = p | "Read" >> beam.Create([(("read", "in"), (100, 0)), (("write", "out"), (74, 0))])
        stats = (
            (tallies, read)
            | "All" >> beam.Flatten()
            | beam.combiners.ToList()
            | beam.Map(lambda items: summarize(items, ["read", "bias", "word_blocklist", "write"]))
        )
        assert_that(
            stats
            | beam.Map(
                lambda s: (
                    s["stages"]["word_blocklist"]["dropped"],
                    s["bias_audit"]["stages"]["word_blocklist"]["gender:female"],
                )
            ),
            equal_to(
                [
                    (
                        {
                            "blocklisted_word": {
                                "records": 26,
                                "bytes": sum(len(d.text.encode()) for d in docs if "damn" in d.text),
                            }
                        },
                        {"in": 40, "dropped": 20, "drop_rate": 0.5, "base_rate": 0.1, "ratio": 5.0, "flagged": True},
                    )
                ]
            ),
            label="Audit",
        )


# --- config -----------------------------------------------------------------------------------------------


def test_safety_stage_order_and_missing_lists(tmp_path):
    def stage_names(**config):
        stages = document_stages(parse_config(config))
        for stage in stages:  # the launch-time check: settings, lists, models
            stage.check()
        return [s.name for s in stages]

    assert stage_names(safety={"enabled": True}) == [
        "clean",
        "bias",
        "language",
        "opt_out",
        "url_blocklist",
        "word_blocklist",
        "pii",
    ]
    assert stage_names() == ["clean", "language"]
    for section, key in (("url_blocklist", "archives"), ("url_blocklist", "domains")):
        with pytest.raises(ConfigError, match=rf"safety.{section}.{key}\[0\]: no such file"):
            stage_names(safety={"enabled": True, section: {key: [str(tmp_path / "nope")]}})
    with pytest.raises(ConfigError, match="safety.word_blocklist.lists.en: no such file"):
        stage_names(safety={"enabled": True, "word_blocklist": {"lists": {"en": str(tmp_path / "nope")}}})
    with pytest.raises(ConfigError, match="safety.word_blocklist.mode"):
        safety(word_blocklist={"mode": "any"})


def test_cli_exits_2_on_a_missing_list(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    code = main(
        [
            "run",
            "run_configs/local.yaml",
            "--output",
            str(tmp_path / "o"),
            "--quiet",
            "--set",
            "safety.word_blocklist.directory=/nonexistent/lists",
        ]
    )
    assert code == EXIT_CONFIG_ERROR
    assert "safety.word_blocklist.directory: no such file" in capsys.readouterr().err


def test_pii_stage_redacts_drops_and_annotates():
    text = "Mail jane.doe@example.com or call +1 202-555-0143."
    many = " ".join(f"user{i}@example.com" for i in range(6))
    docs = [Document("1", text, meta={"groups": ["g"]}), Document("2", many), Document("3", "nothing here")]
    redacted, dropped, plain = run(pii_stage(safety()), docs)
    assert redacted.text == "Mail <EMAIL> or call <PHONE>." and redacted.meta["pii"] == {"email": 1, "phone": 1}
    assert (dropped.reason, dropped.groups) == ("too_much_pii", ()) and plain is docs[2]
    annotated = run(pii_stage(safety(annotate_only=True)), docs)
    assert annotated[0].text == text and annotated[0].meta["pii_spans"] == [["email", 5, 25], ["phone", 34, 49]]
    assert [text[s:e] for _, s, e in annotated[0].meta["pii_spans"]] == ["jane.doe@example.com", "+1 202-555-0143"]
    assert annotated[1].meta["pii"] == {"email": 6}
    only_email = run(pii_stage(safety(pii={"types": ["email"]})), docs[:1])
    assert only_email[0].text == "Mail <EMAIL> or call +1 202-555-0143."


def test_demo_lists_say_they_are_demo_lists():
    files = [p for p in (REPO / "run_configs/demo_lists").rglob("*") if p.is_file() and p.name != "README.md"]
    assert files and all("DEMO" in p.read_text(encoding="utf-8").splitlines()[0] for p in files)


# --- corpusforge assets -----------------------------------------------------------------------------------


@pytest.mark.real_data
def test_assets_from_a_mirror_verified_and_mismatch_refused(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    assert main(["assets", "ldnoobw", "--cache", str(cache), "--from", str(SHARED_DATA / "blocklists")]) == 0
    assert (cache / "ldnoobw/en").read_bytes() == (LDNOOBW / "en").read_bytes()
    assert "directory: " + str(cache / "ldnoobw") in capsys.readouterr().out
    (cache / "ldnoobw/en").write_text("tampered\n")  # a changed cached file is fetched again
    assert main(["assets", "ldnoobw", "--cache", str(cache), "--from", str(SHARED_DATA / "blocklists")]) == 0
    assert (cache / "ldnoobw/en").read_bytes() == (LDNOOBW / "en").read_bytes()

    from corpusforge.pipeline import assets

    mirror = tmp_path / "mirror/ldnoobw"
    mirror.mkdir(parents=True)
    (mirror / "en").write_text("not the pinned list\n")
    monkeypatch.setitem(assets.ASSETS, "ldnoobw", ("ldnoobw", {"en": ("unused", assets.ASSETS["ldnoobw"][1]["en"][1])}))
    assert main(["assets", "ldnoobw", "--cache", str(tmp_path / "other"), "--from", str(tmp_path / "mirror")]) == 1
    assert "does not match the pinned" in capsys.readouterr().err
    assert not (tmp_path / "other/ldnoobw/en").exists() and not list((tmp_path / "other/ldnoobw").iterdir())
    assert main(["assets", "nope"]) == 2


@pytest.mark.real_data
def test_safety_run_is_deterministic_across_worker_counts(tmp_path, run_with_one_and_two_workers):
    """Real pages through every safety stage, with the real LDNOOBW lists: redacted shards, stats and the
    bias audit are byte-identical with 1 and 2 DirectRunner workers."""
    (tmp_path / "domains").write_text("wikipedia.org\n")
    config = tmp_path / "safety.yaml"
    config.write_text(
        "input:\n  paths:\n"
        f"    - {SHARED_DATA / 'warc/dolma/*.warc.gz'}\n"
        f"    - {SHARED_DATA / 'text/llama-factory-web/c4_demo.jsonl'}\n"
        "safety:\n  enabled: true\n"
        f"  url_blocklist:\n    domains: [{tmp_path / 'domains'}]\n"
        f"  word_blocklist:\n    directory: {LDNOOBW}\n"
        "output:\n  shard_bytes: 200000\n"
    )
    stats = run_with_one_and_two_workers(str(config))["stats"]
    assert set(stats["bias_audit"]["stages"]) == {"language", "opt_out", "url_blocklist", "word_blocklist", "pii"}
    assert stats["bias_audit"]["kept"]["gender:male"]["records"] > 0
    assert stats["stages"]["pii"]["in"]["bytes"] > stats["stages"]["pii"]["out"]["bytes"]  # something redacted
