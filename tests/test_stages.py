"""Document stages run by the generic DoFn: verdicts, annotations, tallies and dead letters, in TestPipeline."""

from __future__ import annotations

import dataclasses

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.pipeline.config import CleanConfig, LanguageConfig
from corpusforge.transforms.accounting import REJECTED, TALLY, CombineTallies
from corpusforge.transforms.document import Document, make_doc_id
from corpusforge.transforms.filters.clean import clean_stage
from corpusforge.transforms.filters.language import language_stage
from corpusforge.transforms.stages import Filter, RunStage, Stage


def doc(i: int, text: str) -> Document:
    return Document(id=make_doc_id("t.jsonl", i), text=text, source="t.jsonl", meta={"offset": i})


def first_sentences(shared_data, lang: str, n: int) -> list[str]:
    lines = (shared_data / "langid/lingua-sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return sorted(lines, key=len, reverse=True)[:n]  # the longest: unambiguous for lid.176


def counts(tallies):
    return tallies | CombineTallies() | beam.Map(lambda items: {f"{s}/{n}": r for (s, n), (r, _) in items})


def test_clean_stage_rewrites_and_drops_empty_documents():
    docs = [doc(0, "CafÃ©  au\u200b lait\r\n"), doc(1, "\u200b \n\u00ad"), doc(2, "already clean")]
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(clean_stage(CleanConfig()))
        assert_that(
            result.documents | beam.Map(lambda d: (d.meta["offset"], d.text)),
            equal_to([(0, "Café au lait"), (2, "already clean")]),
        )
        assert_that(
            counts(result[TALLY]),
            equal_to([{"clean/in": 3, "clean/out": 2, "clean/dropped:empty_after_cleaning": 1}]),
            label="Tallies",
        )


def test_language_stage_annotates_and_drops(shared_data):
    english = first_sentences(shared_data, "en", 5)
    german = first_sentences(shared_data, "de", 3)
    japanese = first_sentences(shared_data, "ja", 4)
    docs = [doc(i, t) for i, t in enumerate(english + german + japanese)]
    config = LanguageConfig(keep=("en", "ja"), min_score=0.65)
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(language_stage(config))
        assert_that(result.documents | beam.Map(lambda d: d.meta["lang"]), equal_to(["en"] * 5 + ["ja"] * 4))
        assert_that(
            counts(result[TALLY]),
            equal_to([{"language/in": 12, "language/out": 9, "language/dropped:language_not_kept": 3}]),
            label="Tallies",
        )

    annotate = dataclasses.replace(config, annotate_only=True)
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(language_stage(annotate))
        assert_that(
            result.documents | beam.Map(lambda d: (d.meta["lang"], 0.65 <= d.meta["lang_score"] <= 1.001)),
            equal_to([("en", True)] * 5 + [("de", True)] * 3 + [("ja", True)] * 4),
        )


class _Fragile(Filter):
    """A filter that fails on documents containing "boom" (a stand-in for a library crashing on an input)."""

    name = "fragile"

    def signals(self, view):
        if "boom" in view.text:
            raise ValueError("boom")
        return {}


def test_a_document_that_breaks_a_stage_is_dead_lettered_alone():
    docs = [doc(i, "boom" if i == 3 else f"fine {i}") for i in range(8)]
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(Stage("fragile", (_Fragile(),)))
        assert_that(result.documents | beam.Map(lambda d: d.meta["offset"]), equal_to([0, 1, 2, 4, 5, 6, 7]))
        assert_that(
            result[REJECTED] | beam.Map(lambda r: (r.stage, r.reason, r.offset, r.detail)),
            equal_to([("fragile", "stage_error", 3, "ValueError: boom")]),
            label="DeadLetters",
        )


def c4_documents(shared_data, n: int) -> list[Document]:
    import json

    lines = (shared_data / "text/llama-factory-web/c4_demo.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    return [doc(i, json.loads(line)["text"]) for i, line in enumerate(lines)]


def test_quality_stage_drops_with_the_rule_and_rewrites_c4_lines(shared_data):
    from corpusforge.pipeline.config import QualityConfig
    from corpusforge.transforms.filters.quality import quality_stage, run_preset
    from corpusforge.transforms.filters.reference import C4_LINE_RULES

    cookie_line = "We use cookies to improve your experience on our site today."
    docs = c4_documents(shared_data, 60) + [doc(100, "Buy now!!! " * 30)]
    docs.append(doc(101, docs[0].text + "\n" + cookie_line))  # a line the C4 rules remove
    expected = {d.meta["offset"]: run_preset(d.text, "fineweb") for d in docs}
    kept = sorted((i, o.text) for i, o in expected.items() if o.reason is None)
    reasons: dict[str, int] = {}
    for o in expected.values():
        if o.reason:
            reasons[f"quality/dropped:{o.reason}"] = reasons.get(f"quality/dropped:{o.reason}", 0) + 1
    assert kept and reasons and expected[100].reason is not None
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(quality_stage(QualityConfig(enabled=True, preset="fineweb")))
        assert_that(result.documents | beam.Map(lambda d: (d.meta["offset"], d.text)), equal_to(kept))
        assert_that(
            counts(result[TALLY]),
            equal_to([{"quality/in": len(docs), "quality/out": len(kept), **reasons}]),
            label="Tallies",
        )

    annotate = QualityConfig(enabled=True, preset="fineweb", annotate_only=True)
    with TestPipeline() as p:
        result = p | beam.Create(docs) | RunStage(quality_stage(annotate))
        original = {d.meta["offset"]: d.text for d in docs}
        assert_that(  # nothing dropped, no text changed, the verdict each document would have had recorded
            result.documents | beam.Map(lambda d: (d.meta["offset"], d.meta["quality"]["would_drop"], d.text)),
            equal_to([(i, o.reason, original[i]) for i, o in expected.items()]),
        )
        # The C4 line rules record what they would remove, per rule, and every removed line is one rule's.
        signals = result.documents | beam.Map(lambda d: d.meta["quality"]["signals"])

        def removals_add_up(found):
            rules = [sum(s[f"c4_removed_{rule}"] for rule in C4_LINE_RULES) for s in found]
            assert rules == [s["c4_lines"] - s["c4_kept_lines"] for s in found] and sum(rules) > 0

        assert_that(signals, removals_add_up, label="Signals")


def test_per_language_thresholds_from_config(shared_data):
    import pytest

    from corpusforge.pipeline.config import ConfigError, QualityConfig
    from corpusforge.transforms.filters.quality import quality_stage, run_preset

    def stage(preset="multilingual", **settings):
        return quality_stage(QualityConfig(enabled=True, preset=preset, **settings))

    default, strict = stage(), stage(by_lang={"ja": {"min_doc_words": 10_000}})
    novel = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    chunks = (novel[i : i + 2000] for i in range(20_000, len(novel), 2000))
    text = next(c for c in chunks if run_preset(c, lang="ja", stage=default).reason is None)  # good Japanese prose
    assert run_preset(text, lang="ja", stage=strict).reason == "gopher_too_few_words"
    assert run_preset(text, lang="zh", stage=strict).reason == run_preset(text, lang="zh", stage=default).reason
    # Global thresholds apply to every language; the language's own values still win (ja has no word length).
    assert run_preset(text, lang="ja", stage=stage(thresholds={"min_doc_words": 10_000})).reason is not None
    assert run_preset(text, lang="ja", stage=stage(thresholds={"max_avg_word_length": 1})).reason is None
    # Every preset takes per-language thresholds.
    english = "\n".join(c4_documents(shared_data, 1)[0].text.splitlines())
    fineweb_strict = stage("fineweb", by_lang={"en": {"min_doc_words": 100_000}})
    assert run_preset(english, lang="en", stage=fineweb_strict).reason == "gopher_too_few_words"
    assert run_preset(english, lang="de", stage=fineweb_strict).reason == run_preset(english, "fineweb").reason
    with pytest.raises(
        ConfigError, match="quality.by_lang.ja.min_words: unknown threshold .did you mean min_doc_words"
    ):
        stage(by_lang={"ja": {"min_words": 3}})
    with pytest.raises(ConfigError, match="quality.thresholds.min_stop_words: expected a number"):
        stage(thresholds={"min_stop_words": "three"})
    with pytest.raises(ConfigError, match="quality.thresholds.filter_policy: expected true or false"):
        stage(thresholds={"filter_policy": 1})


class _NeedsMissingModule(Filter):
    """A filter whose library is not installed: a fault of the install, not of any record."""

    name = "needs_module"

    def signals(self, view):
        import corpusforge_missing_module  # noqa: F401

        return {}


def test_an_environment_fault_fails_the_run_instead_of_dead_lettering():
    import pytest

    docs = [doc(i, f"text {i}") for i in range(3)]
    with pytest.raises(Exception, match="corpusforge_missing_module"):
        with TestPipeline() as p:
            p | beam.Create(docs) | RunStage(Stage("needs_module", (_NeedsMissingModule(),)))


def test_launch_check_loads_every_component_and_names_what_is_missing(monkeypatch):
    import sys

    import pytest

    from corpusforge.pipeline.config import ConfigError, ExtractConfig, FastExtractConfig
    from corpusforge.transforms.extract.extract import check_extractor

    class Unloadable(Filter):
        name = "unloadable"

        def setup(self, shared):
            raise OSError("model file is unreadable")

    with pytest.raises(ConfigError, match="fragile: filter 'unloadable' cannot load: OSError: model file"):
        Stage("fragile", (Unloadable(),)).check()
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as on an install whose lxml lacks its HTML cleaner
    with pytest.raises(ConfigError, match="extract.fast.fallback: trafilatura cannot be imported"):
        check_extractor(ExtractConfig())
    check_extractor(ExtractConfig(fast=FastExtractConfig(fallback=False)))  # not needed: not checked
    with pytest.raises(ConfigError, match="extract.extractor: trafilatura cannot be imported"):
        check_extractor(ExtractConfig(extractor="trafilatura"))


def test_thresholds_dir_holds_one_file_per_language(tmp_path, shared_data):
    import pytest

    from corpusforge.pipeline.config import ConfigError, QualityConfig
    from corpusforge.transforms.filters.quality import quality_stage, run_preset

    (tmp_path / "ja.yaml").write_text("min_doc_words: 10000\n")
    (tmp_path / "zh.yaml").write_text("min_doc_words: 20000\n")
    config = QualityConfig(enabled=True, thresholds_dir=str(tmp_path), by_lang={"zh": {"min_doc_words": 1}})
    stage = quality_stage(config)
    assert stage.thresholds.for_lang("ja")["min_doc_words"] == 10_000
    assert stage.thresholds.for_lang("zh")["min_doc_words"] == 1  # by_lang wins over the file
    assert stage.thresholds.for_lang("en")["min_doc_words"] == 50
    novel = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    assert run_preset(novel[20_000:22_000], lang="ja", stage=stage).reason == "gopher_too_few_words"
    (tmp_path / "de.yaml").write_text("min_stop_word: 3\n")
    with pytest.raises(ConfigError, match=r"de.yaml.min_stop_word: unknown threshold \(did you mean min_stop_words"):
        quality_stage(config)
    with pytest.raises(ConfigError, match="quality.thresholds_dir: no <lang>.yaml file"):
        quality_stage(QualityConfig(enabled=True, thresholds_dir=str(tmp_path / "empty")))
