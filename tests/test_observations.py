"""The run's observations (transforms/observations.py): histograms, languages, drop samples and CPU time, merged
exactly whatever the bundling, and carried through a real run to stats.json, timings.json and the rejects."""

from __future__ import annotations

import json
import random
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest
import xxhash
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.pipeline.config import LanguageConfig
from corpusforge.transforms.accounting import TALLY, CombineTallies, Tally, drop
from corpusforge.transforms.document import Document, make_doc_id
from corpusforge.transforms.filters.language import language_stage
from corpusforge.transforms.observations import (
    BINS_PER_DECADE,
    SAMPLE_SIZE,
    Categories,
    CombineObservations,
    CpuTime,
    DropSample,
    Histogram,
    MergeObservations,
    WallTime,
    numeric_signals,
    split_observations,
)
from corpusforge.transforms.stages import RunStage

REPO = Path(__file__).resolve().parents[1]


def sentence_lengths(shared_data: Path) -> list[int]:
    lines = (shared_data / "langid/lingua-sentences/en.txt").read_text(encoding="utf-8").splitlines()
    return [len(line) for line in lines]


def histogram_of(values) -> Histogram:
    h = Histogram()
    for v in values:
        h.add(v)
    return h


def test_histogram_bins_hold_their_values():
    rng = random.Random(0)
    values = [0, 0.0, -3.5, 1, 2, 21, 22, 1e-9, 5e7, *(rng.uniform(0, 1) for _ in range(500))]
    h = histogram_of(values)
    assert h.count == len(values) and h.low == -3.5 and h.high == 5e7 and h.zero == 2
    assert sum(n for _, _, n in h.bins()) == len(values)
    for v in values:
        if v == 0:
            continue
        (low, high) = next((lo, hi) for lo, hi, _ in h.bins() if lo <= v < hi)
        assert high / low == pytest.approx(10 ** (1 / BINS_PER_DECADE)) if v > 0 else low < v <= high
    # Every integer up to 21 has a bin of its own (PII counts, stop words, sentences).
    assert len({lo for lo, _, _ in histogram_of(range(1, 22)).bins()}) == 21


def test_histogram_integer_total_and_nonfinite():
    assert histogram_of([1, 2, 3]).int_total == 6
    assert histogram_of([1, 2.5]).int_total is None
    h = histogram_of([1.0, float("nan"), float("inf")])
    assert h.count == 1 and h.nonfinite == 2
    assert Histogram.from_json(json.loads(json.dumps(h.to_json()))) == h


def test_histogram_merge_is_exact_and_associative(shared_data):
    values = sentence_lengths(shared_data) + [v / 1000 for v in sentence_lengths(shared_data)]
    whole = histogram_of(values)
    rng = random.Random(1)
    for _ in range(5):  # random bundlings, merged in random groupings and orders
        shuffled = values[:]
        rng.shuffle(shuffled)
        cuts = sorted(rng.sample(range(1, len(values)), 7))
        parts = [histogram_of(shuffled[a:b]) for a, b in zip([0, *cuts], [*cuts, len(values)])]
        rng.shuffle(parts)
        left = Histogram()
        for part in parts:
            left.merge(part)
        pairs = [parts[i].merge(parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
        right = Histogram()
        for part in reversed(pairs):
            right.merge(part)
        assert left == right == whole


def test_merge_observations_combine_fn_in_any_grouping(shared_data):
    values = sentence_lengths(shared_data)
    parts = [histogram_of(values[i::3]) for i in range(3)]
    fn = MergeObservations()
    one = fn.extract_output(fn.merge_accumulators([fn.add_input(fn.create_accumulator(), p) for p in parts]))
    acc = fn.create_accumulator()
    for part in parts:
        acc = fn.add_input(acc, part)
    assert one == fn.extract_output(acc) == histogram_of(values)
    assert parts[0] == histogram_of(values[0::3])  # inputs are not modified


def test_drop_sample_is_the_smallest_hashes_whatever_the_order():
    ids = [make_doc_id("crawl.warc.gz", i) for i in range(500)]
    expected = sorted(ids, key=lambda i: (xxhash.xxh3_64_intdigest(i.encode()), i))[:SAMPLE_SIZE]
    rng = random.Random(2)
    for _ in range(3):
        order = ids[:]
        rng.shuffle(order)
        bundles = [DropSample() for _ in range(4)]
        for n, doc_id in enumerate(order):
            bundles[n % 4].offer(doc_id, lambda doc_id=doc_id: {"id": doc_id})
        merged = DropSample()
        for bundle in bundles:
            merged.merge(bundle)
        assert [r["id"] for r in merged.records()] == expected


def test_categories_and_numeric_signals():
    a, b = Categories(), Categories()
    a.add("en", 10)
    b.add("en", 5)
    b.add("ja", 7)
    assert a.merge(b).to_json() == {"en": {"records": 2, "bytes": 15}, "ja": {"records": 1, "bytes": 7}}
    signals = {"n": 3, "ratio": 0.5, "flag": True, "lang": "en", "pii": {"email": 2, "ip": 1}, "spans": [1]}
    assert dict(numeric_signals(signals)) == {"n": 3, "ratio": 0.5, "pii.email": 2, "pii.ip": 1}


def test_cpu_and_wall_time_merge_per_stage_and_stay_apart():
    bundles = []
    for ns in (1_500_000_000, 250_000_000):
        tally = Tally()
        tally.cpu("tokenizer_training", ns)
        tally.wall("tokenizer_training", ns // 2)
        tally.cpu("tokenizer", 1_000_000)
        bundles.append(tally.drain())
    merged = {}
    for items in bundles:
        for key, value in items:
            merged[key] = MergeObservations().add_input(merged.get(key), value)
    observed = split_observations(sorted(merged.items()))
    assert observed["cpu_secs"] == {"tokenizer": 0.002, "tokenizer_training": 1.75}
    assert observed["wall_secs"] == {"tokenizer_training": 0.875}
    assert CpuTime(5) != WallTime(5)  # the two kinds of time are told apart by type, not only by name


def test_tally_observes_drops_with_their_document():
    doc = Document("a" * 32, "some text here", url="https://example.org/x", meta={"lang": "en"})
    tally = Tally()
    tally.enter("quality", doc)
    tally.reject(drop(doc, "quality", "too_short"), doc)
    observed = split_observations([(k, v) for k, v in tally.drain() if not isinstance(v, tuple)])
    assert observed["languages"] == {"quality": {"dropped": {"en": {"records": 1, "bytes": 14}}}}
    assert observed["signals"]["quality"]["length_chars"]["dropped"]["count"] == 1
    (record,) = observed["samples"]
    assert record["url"] == "https://example.org/x" and record["excerpt"] == "some text here"


def test_runner_observes_measured_signals_and_cpu(shared_data):
    lines = (shared_data / "langid/lingua-sentences/de.txt").read_text(encoding="utf-8").splitlines()[:40]
    docs = [Document(make_doc_id("t.jsonl", i), line) for i, line in enumerate(lines)]
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(language_stage(LanguageConfig(keep=("en",))))
        observed = result[TALLY] | CombineObservations() | beam.Map(split_observations)
        assert_that(
            observed
            | beam.Map(
                lambda o: (
                    o["signals"]["language"]["lang_score"]["dropped"]["count"],
                    o["languages"]["language"]["dropped"]["de"]["records"],
                    len(o["samples"]),
                    o["cpu_secs"]["language"] > 0,
                )
            ),
            equal_to([(40, 40, SAMPLE_SIZE, True)]),
        )
        # Counts are unchanged by the observations riding along.
        assert_that(
            result[TALLY] | CombineTallies() | beam.Map(lambda items: dict(items)[("language", "in")][0]),
            equal_to([40]),
            label="Counts",
        )


@pytest.mark.real_data
def test_observations_and_dropped_documents_identical_across_worker_counts(
    run_with_one_and_two_workers, shared_data, tmp_path, monkeypatch
):
    """stats.json's histograms and languages, the dropped sample and every dropped-document shard are the same
    with 1 and 2 worker processes (the fixture compares the manifests, which list each file's sha256); the
    CPU seconds differ and are only in timings.json."""
    monkeypatch.chdir(REPO)  # the recipe's demo lists are relative paths
    manifest = run_with_one_and_two_workers(
        str(REPO / "run_configs/local.yaml"),
        "--input",
        str(shared_data / "warc/dolma/*.warc.gz"),
        str(shared_data / "text/llama-factory-web/c4_demo.jsonl"),
        "--set",
        "output.write_dropped=all",
        "--set",
        "tokenizer.enabled=false",
    )
    out = tmp_path / "out2"
    stats = manifest["stats"]
    assert stats["signals"]["quality"] and stats["languages"]["write"]["kept"]
    rejects = {r["path"]: r for r in manifest["rejects"]}
    sample = [json.loads(line) for line in (out / "rejects/dropped_sample.jsonl").read_text().splitlines()]
    assert rejects["rejects/dropped_sample.jsonl"]["rows"] == len(sample) > 0
    per_reason = {}
    for record in sample:
        per_reason[(record["stage"], record["reason"])] = per_reason.get((record["stage"], record["reason"]), 0) + 1
    for (stage, reason), n in per_reason.items():
        assert n == min(SAMPLE_SIZE, stats["stages"][stage]["dropped"][reason]["records"])
    dropped = pa.concat_tables(
        pa.ipc.open_file(pa.memory_map(str(out / path))).read_all() for path in rejects if "/dropped/" in path
    )
    assert dropped.num_rows == stats["dropped"] - sum(
        c["records"]
        for stage in ("read", "extract")
        for c in stats["stages"].get(stage, {}).get("dropped", {}).values()
    )
    assert {"stage", "reason", "detail"} <= set(dropped.column_names)
    timings = json.loads((out / "timings.json").read_text())
    assert set(timings["stage_cpu_secs"]) >= {"read", "extract", "quality", "write"}
    assert "cpu_secs" not in json.dumps(manifest)  # measured time stays out of what determinism compares
