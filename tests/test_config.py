from pathlib import Path

import pytest

from corpusforge.pipeline.config import ConfigError, PipelineConfig, load_config, parse_config, parse_override

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "name",
    [
        "local.yaml",
        "extract.yaml",
        "fineweb.yaml",
        "c4.yaml",
        "annotate.yaml",
        "classifier.yaml",
        "dataflow.yaml",
        "flink.yaml",
        "spark.yaml",
    ],
)
def test_shipped_run_configs_parse(name):
    config = load_config(REPO / "run_configs" / name)
    assert config.input.paths, name
    assert config.beam.options[0].startswith("--runner=")


def test_defaults_and_types():
    config = parse_config({"input": {"paths": "a/*.warc.gz"}, "output": {"shard_bytes": 1000}})
    assert config.input.paths == ("a/*.warc.gz",)  # a single string is a one-element list
    assert config.output.shard_bytes == 1000
    assert config.extract.extractor == "fast" and config.extract.fast.fallback is True
    assert config == parse_config(config.to_dict())  # round-trips through plain data


@pytest.mark.parametrize(
    "raw, message",
    [
        (
            {"outptu": {}},
            "outptu: unknown key (expected one of: beam, classifier, clean, decontamination, dedup, extract, input, language, output, quality, report, run, safety, sft, tokenizer)",
        ),
        ({"output": {"shard_bytes": "big"}}, "output.shard_bytes: expected an integer, got str 'big'"),
        ({"output": {"shard_bytes": 0}}, "output.shard_bytes: expected a value >= 1, got 0"),
        ({"output": {"shard_bytes": True}}, "output.shard_bytes: expected an integer, got bool True"),
        (
            {"extract": {"extractor": "lxml"}},
            "extract.extractor: expected one of 'fast', 'resiliparse', 'trafilatura', got 'lxml'",
        ),
        ({"input": {"paths": [1]}}, "input.paths[0]: expected a string, got int 1"),
        ({"input": {"jsonl": {"max_line_bytes": -5}}}, "input.jsonl.max_line_bytes: expected a value >= 1, got -5"),
        ({"output": {"overwrite": "yes"}}, "output.overwrite: expected true or false, got str 'yes'"),
        ({"run": []}, "run: expected a mapping, got list []"),
        (
            {"extract": {"fast": {"skip_rules": ["headline", "nope"]}}},
            "extract.fast.skip_rules[1]: expected one of 'not_body_elements',",
        ),
        (
            {"extract": {"fast": {"max_link_density": 1.5}}},
            "extract.fast.max_link_density: expected a value between 0 and 1, got 1.5",
        ),
        (
            {"tokenizer": {"model_type": "wordpiece"}},
            "tokenizer.model_type: expected one of 'unigram', 'bpe', got 'wordpiece'",
        ),
        ({"tokenizer": {"sampling_alpha": 2}}, "tokenizer.sampling_alpha: expected a value between 0 and 1, got 2"),
    ],
)
def test_bad_values_name_the_key(raw, message):
    with pytest.raises(ConfigError) as err:
        parse_config(raw, origin="x.yaml")
    assert str(err.value).startswith(f"x.yaml: {message}")


def test_overrides_are_typed_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("input:\n  paths: [a.jsonl]\n")
    config = load_config(
        path, overrides=dict([parse_override("output.shard_bytes=5000"), parse_override("output.overwrite=true")])
    )
    assert config.output.shard_bytes == 5000 and config.output.overwrite is True
    with pytest.raises(ConfigError, match="output.nope: unknown key"):
        load_config(path, overrides={"output.nope": 1})
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_override("output.shard_bytes")


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: cannot read YAML"):
        load_config(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42\n")
    with pytest.raises(ConfigError, match="expected a mapping of sections"):
        load_config(scalar)


def test_config_is_frozen():
    config = PipelineConfig()
    with pytest.raises(AttributeError):
        config.output = None  # type: ignore[misc]


def test_mappings_are_checked_key_by_key():
    config = parse_config({"language": {"keep": ["en", "ja"], "min_score_by_lang": {"ja": 0.5}}})
    assert config.language.keep == ("en", "ja") and config.language.min_score_by_lang == {"ja": 0.5}
    with pytest.raises(ConfigError, match="language.min_score_by_lang.ja: expected a value between 0 and 1, got 1.5"):
        parse_config({"language": {"min_score_by_lang": {"ja": 1.5}}})
    with pytest.raises(ConfigError, match="language.min_score_by_lang: expected a mapping"):
        parse_config({"language": {"min_score_by_lang": ["ja"]}})
