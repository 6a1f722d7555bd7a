"""Dedup: normalization, shingles, datasketch-identical signatures, LSH, connected components, and each
dedup PTransform on crafted and real documents."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from datasketch import MinHash, MinHashLSH

from corpusforge.pipeline.config import (
    ConfigError,
    DedupConfig,
    LineDedupConfig,
    MinHashConfig,
    NormalizeConfig,
    parse_config,
)
from corpusforge.transforms.accounting import REJECTED, TALLY, CombineTallies
from corpusforge.transforms.dedup import (
    DedupExact,
    DedupKeys,
    DeduplicateDocuments,
    DedupLines,
    DedupNearDuplicates,
    DedupUrls,
    dedup_stages,
)
from corpusforge.transforms.dedup.components import ConnectedComponents, NotConverged
from corpusforge.transforms.dedup.minhash import (
    MinHasher,
    band_keys,
    lsh_bands,
    optimal_bands,
    shingle_hash,
    shingles,
    verify_threshold,
)
from corpusforge.transforms.dedup.normalize import normalize_text, normalize_url
from corpusforge.transforms.document import Document
from corpusforge.transforms.io.staging import ReadStagedDocuments, StageDocuments


def real_texts(shared_data, count=40) -> list[str]:
    """Real English news article bodies (AEB gold texts), long enough to shingle."""
    truth = json.loads((shared_data / "html/scrapinghub-aeb/ground-truth.json").read_text())
    texts = [v["articleBody"] for _, v in sorted(truth.items()) if len(v["articleBody"]) > 1500]
    return texts[:count]


# --- normalization ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "config", "expected"),
    [
        ("Hello,  World!\n2024", NormalizeConfig(), "hello world 0"),
        ("Hello,  World!", NormalizeConfig(lowercase=False), "Hello World"),
        ("Hello,  World!", NormalizeConfig(punctuation=False), "hello, world!"),
        ("Pay 1,299 now", NormalizeConfig(digits=False), "pay 1 299 now"),
        ("a\t b", NormalizeConfig(whitespace=False), "a\t b"),
        ("東京、大阪。", NormalizeConfig(), "東京 大阪"),
        ("snake_case", NormalizeConfig(), "snake case"),
    ],
)
def test_normalize_text(text, config, expected):
    assert normalize_text(text, config) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.Example.com/a/b/?utm_source=x&id=2&fbclid=abc#top", "example.com/a/b?id=2"),
        ("http://example.com/a/b?id=2", "example.com/a/b?id=2"),
        ("https://example.com:443/", "example.com"),
        ("https://example.com:8080/x", "example.com:8080/x"),
        ("https://example.com/p?b=2&a=1", "example.com/p?a=1&b=2"),
        ("https://example.com/p?ref=rss", "example.com/p"),
        ("www.example.com/x", "example.com/x"),
        ("https://user@example.com/x", "example.com/x"),
        ("http://[::1/x", "http://[::1/x"),  # unparseable: only identical strings match
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


# --- shingles and signatures ------------------------------------------------------------------------------


def test_shingles_words_chars_and_short_texts():
    assert shingles("a b c d e f", n=5, chars=False) == [b"a b c d e", b"b c d e f"]
    assert shingles("a b", n=5, chars=False) == [b"a b"]  # shorter than n: one shingle
    assert shingles("", n=5, chars=False) == []
    assert shingles("東京 は晴れ", n=3, chars=True) == [s.encode() for s in ("東京は", "京は晴", "は晴れ")]


def datasketch_signature(text: str, config: MinHashConfig, chars: bool) -> np.ndarray:
    n = config.char_ngram if chars else config.ngram
    minhash = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=shingle_hash)
    minhash.update_batch(shingles(normalize_text(text, config.normalize), n=n, chars=chars))
    return minhash.hashvalues


def test_signatures_are_datasketch_minhash_bit_for_bit(shared_data):
    config = MinHashConfig()
    hasher = MinHasher(config)
    japanese = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    cases = [(t, None) for t in real_texts(shared_data, 5)] + [(japanese[:3000], "ja"), (japanese[5000:5004], "ja")]
    rng = random.Random(7)
    alphabet = "aé中😀 ,.\n0"
    cases += [("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))), None) for _ in range(50)]
    compared = 0
    for text, lang in cases:
        signature = hasher.signature(text, lang)
        expected = datasketch_signature(text, config, hasher.uses_chars(lang))
        if signature is None:  # no shingle: datasketch's signature stays empty (all max)
            assert (expected == (1 << 32) - 1).all()
            continue
        assert signature.dtype == np.uint32 and signature.shape == (config.num_perm,)
        assert np.array_equal(signature.astype(np.uint64), expected)
        compared += 1
    assert compared > 40


def test_other_seed_and_permutation_count_match_datasketch_too(shared_data):
    config = MinHashConfig(num_perm=64, seed=42, ngram=3)
    text = real_texts(shared_data, 1)[0]
    assert np.array_equal(
        MinHasher(config).signature(text).astype(np.uint64), datasketch_signature(text, config, False)
    )


def test_long_texts_and_unnormalized_white_space_match_datasketch(shared_data):
    """More shingles than one block (hashed and permuted 2,048 at a time); words split on any white space."""
    long_text = "\n\n".join(real_texts(shared_data, 12))
    for config in (MinHashConfig(), MinHashConfig(normalize=NormalizeConfig(whitespace=False, punctuation=False))):
        assert len(shingles(normalize_text(long_text, config.normalize), n=5, chars=False)) > 4096
        signature = MinHasher(config).signature(long_text)
        assert np.array_equal(
            signature.astype(np.uint64), datasketch_signature(" ".join(long_text.split()), config, False)
        )


def test_similar_texts_share_lsh_buckets_and_unrelated_do_not(shared_data):
    config = MinHashConfig()
    bands, rows = lsh_bands(config)
    hasher = MinHasher(config)
    texts = real_texts(shared_data, 20)
    words = texts[0].split()
    edited = " ".join(w if i % 40 else "changed" for i, w in enumerate(words))  # ~2.5% of words changed
    keys = [set(band_keys(hasher.signature(t), bands, rows)) for t in [*texts, edited]]
    assert keys[0] & keys[-1]
    assert all(not (keys[i] & keys[j]) for i in range(20) for j in range(i + 1, 20))


def test_lsh_bands_from_datasketch_or_config():
    assert lsh_bands(MinHashConfig()) == (14, 8)  # FineWeb's, by datasketch's optimum at 0.8 weighting misses
    refused = 0
    for num_perm, threshold, fp in itertools.product(
        (16, 112, 256), (0.1, 0.3, 0.5, 0.7, 0.8, 0.9), (0.01, 0.05, 0.3, 0.7)
    ):
        try:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(fp, 1 - fp))
        except ValueError:  # datasketch refuses an optimum of one band: so do we
            with pytest.raises(ConfigError, match="one band"):
                optimal_bands(threshold, num_perm, fp)
            refused += 1
            continue
        assert optimal_bands(threshold, num_perm, fp) == (lsh.b, lsh.r), (num_perm, threshold, fp)
    assert 0 < refused < 10
    assert lsh_bands(MinHashConfig(bands=20, rows=5)) == (20, 5)
    assert 0.72 < verify_threshold(MinHashConfig()) < 0.73
    with pytest.raises(ConfigError, match="dedup.near.bands"):
        lsh_bands(MinHashConfig(bands=20, rows=10))
    with pytest.raises(ConfigError, match="set both"):
        lsh_bands(MinHashConfig(bands=20))


def test_dedup_config_is_validated():
    config = parse_config({"dedup": {"enabled": True, "near": {"threshold": 0.7, "normalize": {"digits": False}}}})
    assert config.dedup.near.threshold == 0.7 and not config.dedup.near.normalize.digits
    assert [name for name, _ in dedup_stages(config.dedup, "out")] == ["exact_dedup", "url_dedup", "near_dedup"]
    with pytest.raises(ConfigError, match="dedup.near.threshold"):
        parse_config({"dedup": {"near": {"threshold": 1.5}}})
    with pytest.raises(ConfigError, match="dedup.lines.max_docs"):
        parse_config({"dedup": {"lines": {"max_docs": 0}}})


# --- connected components ---------------------------------------------------------------------------------


def run_components(edges, expected, rounds=20):
    with TestPipeline() as p:
        labels = p | beam.Create(edges) | ConnectedComponents(rounds=rounds, setting="dedup.near.max_rounds")
        assert_that(labels["main"], equal_to(expected))


def test_components_of_a_long_chain_in_random_order():
    order = random.Random(3).sample(range(1000), 1000)
    edges = [(order[i], order[i + 1]) for i in range(999)]
    run_components(edges, [(n, (0, 1000)) for n in range(1000)])


def test_components_of_a_large_star_and_disjoint_cliques():
    star = [(999_999, i) for i in range(1000, 3000)]  # the centre is the largest node
    cliques = [(c * 10 + i, c * 10 + j) for c in range(20) for i in range(5) for j in range(i + 1, 5)]
    expected = [(n, (1000, 2001)) for n in [999_999, *range(1000, 3000)]]
    expected += [(c * 10 + i, (c * 10, 5)) for c in range(20) for i in range(5)]
    run_components(star + cliques, expected)


def test_too_few_rounds_fail_loudly_naming_the_setting():
    edges = [(i, i + 1) for i in range(200)]
    with pytest.raises(Exception, match="dedup.near.max_rounds"):
        run_components(edges, [], rounds=1)
    assert issubclass(NotConverged, RuntimeError)
    with pytest.raises(ValueError, match="dedup.near.max_rounds must be at least 1, not 0"):
        ConnectedComponents(rounds=0, setting="dedup.near.max_rounds")


# --- the PTransforms --------------------------------------------------------------------------------------


def doc(doc_id: str, text: str, **fields) -> Document:
    return Document(id=doc_id, text=text, source="test.jsonl", **fields)


def run_dedup(transform, docs, expected_kept, expected_tallies=None, expect_meta=None, *, config=None, out_dir):
    """Stages `docs` with the dedup keys of `config` (default: every step on), runs `transform` on their refs,
    reads the kept documents back and checks their (id, text) pairs, and that the tallies reconcile per stage."""
    config = config or DedupConfig(enabled=True, lines=LineDedupConfig(enabled=True))
    with TestPipeline() as p:
        refs = (p | beam.Create(docs) | StageDocuments(str(out_dir), DedupKeys(config))).main
        result = refs | transform
        kept_docs = result["main"] | ReadStagedDocuments(str(out_dir))
        kept = kept_docs | "Kept" >> beam.Map(lambda d: (d.id, d.text))
        assert_that(kept, equal_to(expected_kept), label="KeptDocs")
        tallies = result[TALLY] | CombineTallies()

        def reconciles(lists):
            (items,) = lists
            counts = {f"{stage}/{name}": records for (stage, name), (records, _) in items}
            for key, value in (expected_tallies or {}).items():
                assert counts.get(key) == value, (key, counts)
            stages = {key.split("/")[0] for key in counts if not key.endswith("/shuffle")}
            for stage in stages:
                out = counts.get(f"{stage}/out", 0)
                gone = sum(v for k, v in counts.items() if k.startswith(f"{stage}/") and ":" in k)
                assert counts[f"{stage}/in"] == out + gone, counts

        assert_that(tallies, reconciles, label="Tallies")
        assert_that(result[REJECTED], equal_to([]), label="NoDeadLetters")
        if expect_meta is not None:
            meta = kept_docs | "Meta" >> beam.Map(
                lambda d: (d.id, d.meta.get("dup_cluster_id"), d.meta.get("dup_cluster_size"))
            )
            assert_that(meta, equal_to(expect_meta), label="ClusterMeta")


def test_exact_dedup_keeps_the_smallest_id_of_each_normalized_text(tmp_path):
    docs = [doc("b", "Hello, World!"), doc("a", "hello world"), doc("c", "HELLO   WORLD."), doc("d", "Goodbye")]
    run_dedup(
        DedupExact(out_dir=str(tmp_path)),
        docs,
        [("a", "hello world"), ("d", "Goodbye")],
        {"exact_dedup/in": 4, "exact_dedup/out": 2, "exact_dedup/dropped:exact_duplicate": 2},
        out_dir=tmp_path,
    )


def test_url_dedup_keeps_the_newest_fetch_then_the_smallest_id(tmp_path):
    docs = [
        doc("a", "old", url="http://www.example.com/p/?utm_source=x", fetch_date="2024-01-01T00:00:00Z"),
        doc("b", "new", url="https://example.com/p", fetch_date="2024-06-01T00:00:00Z"),
        doc("c", "undated", url="https://example.com/p"),
        doc("e", "tie 1", url="https://example.com/q", fetch_date="2024-01-01T00:00:00Z"),
        doc("d", "tie 2", url="https://example.com/q", fetch_date="2024-01-01T00:00:00Z"),
        doc("f", "no url"),
        doc("g", "no url either"),
    ]
    run_dedup(
        DedupUrls(out_dir=str(tmp_path)),
        docs,
        [("b", "new"), ("d", "tie 2"), ("f", "no url"), ("g", "no url either")],
        {"url_dedup/in": 7, "url_dedup/dropped:duplicate_url": 3},
        out_dir=tmp_path,
    )


def test_near_dedup_clusters_variants_and_keeps_the_smallest_id(shared_data, tmp_path):
    texts = real_texts(shared_data, 6)
    base = texts[0].split()
    variants = [" ".join(w if (i + k) % 200 else f"x{k}" for i, w in enumerate(base)) for k in range(3)]
    docs = [doc(f"n{k}", t) for k, t in enumerate(variants)]
    docs += [doc(f"u{k}", t) for k, t in enumerate(texts[1:])] + [doc("empty", "... !!!")]
    kept = [("n0", variants[0])] + [(f"u{k}", t) for k, t in enumerate(texts[1:])] + [("empty", "... !!!")]
    meta = [("n0", "n0", 3)] + [(f"u{k}", f"u{k}", 1) for k in range(5)] + [("empty", "empty", 1)]
    tallies = {"near_dedup/in": 9, "near_dedup/dropped:near_duplicate": 2}
    run_dedup(DedupNearDuplicates(out_dir=str(tmp_path)), docs, kept, tallies, meta, out_dir=tmp_path)


def test_near_dedup_verification_unlinks_candidates_below_the_threshold(shared_data, tmp_path):
    """With 16 one-row bands, a pair sharing a third of its shingles is nearly always an LSH candidate;
    only verification by the estimated Jaccard keeps it apart."""
    a, b = real_texts(shared_data, 2)
    words_a, words_b = a.split(), b.split()
    mixed = " ".join(words_a[: len(words_a) // 2] + words_b[len(words_b) // 2 :])
    docs = [doc("a", a), doc("m", mixed)]
    unverified = MinHashConfig(num_perm=16, bands=16, rows=1, verify=False)
    config = DedupConfig(enabled=True, near=unverified)
    out = tmp_path / "unverified"
    run_dedup(DedupNearDuplicates(unverified, out_dir=str(out)), docs, [("a", a)], config=config, out_dir=out)
    verified, out = dataclasses.replace(unverified, verify=True), tmp_path / "verified"
    run_dedup(
        DedupNearDuplicates(verified, out_dir=str(out)), docs, [("a", a), ("m", mixed)], config=config, out_dir=out
    )


def test_near_dedup_uses_character_shingles_for_japanese(shared_data, tmp_path):
    novel = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    a, b = novel[10000:12000], novel[20000:22000]
    a_edit = a[:1000] + "猫" + a[1001:]
    docs = [
        doc("j1", a, meta={"lang": "ja"}),
        doc("j2", a_edit, meta={"lang": "ja"}),
        doc("j3", b, meta={"lang": "ja"}),
    ]
    run_dedup(DedupNearDuplicates(out_dir=str(tmp_path)), docs, [("j1", a), ("j3", b)], out_dir=tmp_path)


def test_line_dedup_matches_cs336_fixture_but_keeps_one_owner(shared_data, tmp_path):
    """cs336's fixture removes every repeated line from every document; C4/CCNet keep one copy, in the
    owner (the smallest id): so each line we keep beyond theirs is a repeated line, kept exactly once."""
    fixtures = shared_data / "dedup/cs336-fixtures/tests/fixtures"
    names = sorted(p.name for p in (fixtures / "documents_with_line_duplicates").iterdir())
    inputs = {n: (fixtures / "documents_with_line_duplicates" / n).read_text() for n in names}
    theirs = {n: (fixtures / "documents_line_deduplicated" / n).read_text() for n in names}
    config = LineDedupConfig(enabled=True, min_chars=0, normalize=NormalizeConfig(digits=False))
    seen: dict[str, str] = {}  # normalized line → its owner, computed here independently of the transform
    for name in names:
        for line in inputs[name].split("\n"):
            key = normalize_text(line, config.normalize)
            if key:
                seen.setdefault(key, name)  # names in id order: the first is the owner
    expected = []
    for name in names:
        lines = [
            ln
            for ln in inputs[name].split("\n")
            if not normalize_text(ln, config.normalize) or seen[normalize_text(ln, config.normalize)] == name
        ]
        text = inputs[name] if len(lines) == len(inputs[name].split("\n")) else "\n".join(lines).strip()
        if text:
            expected.append((name, text))
        assert set(theirs[name].split("\n")) - {""} <= set(lines)  # theirs removed at least what we did
    docs = [doc(name, inputs[name]) for name in names]
    tallies = {"line_dedup/dropped:too_short_after_line_dedup": 1}
    run_dedup(DedupLines(config, out_dir=str(tmp_path)), docs, expected, tallies, out_dir=tmp_path)


def test_line_dedup_respects_max_docs_and_min_chars(tmp_path):
    shared = "Subscribe to our newsletter for weekly updates."
    docs = [doc(f"d{i}", f"{shared}\nUnique body text number {'abcd'[i]} that is long enough.") for i in range(3)]
    keep_all = LineDedupConfig(enabled=True, max_docs=3, min_chars=10)
    out = tmp_path / "keep_all"
    run_dedup(DedupLines(keep_all, out_dir=str(out)), docs, [(d.id, d.text) for d in docs], out_dir=out)
    strict = LineDedupConfig(enabled=True, max_docs=1, min_chars=50)
    tallies = {"line_dedup/dropped:too_short_after_line_dedup": 2}
    out = tmp_path / "strict"
    run_dedup(DedupLines(strict, out_dir=str(out)), docs, [("d0", docs[0].text)], tallies, out_dir=out)


def test_deduplicate_documents_runs_the_configured_steps_in_order(tmp_path):
    """A copy under a tracking URL is an exact duplicate (exact runs before URL dedup)."""
    text = "The council approved the plan for a new swimming pool after a long debate on Tuesday evening."
    docs = [
        doc("a", text, url="https://news.example/pool"),
        doc("b", text, url="https://news.example/pool?utm_source=rss"),
        doc(
            "c",
            "A different story about the library opening hours changing next month.",
            url="https://news.example/pool/",
        ),
    ]
    config = DedupConfig(enabled=True)
    run_dedup(
        DeduplicateDocuments(config, out_dir=str(tmp_path)),
        docs,
        [("a", text)],
        {"exact_dedup/dropped:exact_duplicate": 1, "url_dedup/dropped:duplicate_url": 1, "near_dedup/in": 1},
        config=config,
        out_dir=tmp_path,
    )
