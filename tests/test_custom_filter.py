"""A user's own filter, written here as a user writes it in their package, through the whole pipeline: the
same runner, accounting, annotate-only mode, reasons and thresholds from config as the shipped rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from corpusforge.pipeline.cli import EXIT_CONFIG_ERROR, main
from corpusforge.transforms.stages import Check, Filter


class UppercaseRatio(Filter):
    """Drops shouting: documents whose letters are mostly upper case."""

    name = "uppercase_ratio"
    thresholds = {"max_uppercase_ratio": 0.3}
    checks = (Check("too_much_uppercase", "uppercase_ratio", ">", "max_uppercase_ratio"),)

    def signals(self, view):
        letters = [c for c in view.text if c.isalpha()]
        return {"uppercase_ratio": sum(c.isupper() for c in letters) / max(len(letters), 1)}


@pytest.fixture
def corpus(tmp_path, shared_data):
    """30 real C4 documents, and the first 10 of them again in capitals (new ids: other lines)."""
    lines = (shared_data / "text/llama-factory-web/c4_demo.jsonl").read_text(encoding="utf-8").splitlines()[:30]
    texts = [json.loads(line)["text"] for line in lines]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts + [t.upper() for t in texts[:10]]))
    return path


@pytest.fixture(autouse=True)
def importable(monkeypatch):
    """The run (a child process of the CLI) imports this module by name, as it would a user's package."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    )


def run(tmp_path, corpus, name: str, quality: str) -> tuple[int, dict, pa.Table | None]:
    config = tmp_path / f"{name}.yaml"
    config.write_text(
        f"input: {{paths: ['{corpus}']}}\n"
        "language: {enabled: false}\n"
        f"quality: {{enabled: true, preset: fineweb_quality, custom: ['test_custom_filter:UppercaseRatio'], {quality}}}\n"
    )
    out = tmp_path / name
    code = main(["run", str(config), "--output", str(out), "--quiet", "--", "--direct_running_mode=in_memory"])
    if code:
        return code, {}, None
    table = pa.concat_tables(pa.ipc.open_file(str(p)).read_all() for p in sorted((out / "documents").glob("*.arrow")))
    return code, json.loads((out / "stats.json").read_text()), table


@pytest.mark.real_data
def test_a_custom_filter_runs_through_the_pipeline_with_thresholds_from_config(tmp_path, corpus):
    code, stats, kept = run(tmp_path, corpus, "default", "thresholds: {}")
    assert code == 0 and stats["reconciled"]
    dropped = stats["stages"]["quality"]["dropped"]
    assert dropped["too_much_uppercase"]["records"] == 10  # every capitalized copy, at the quality stage
    assert not any(t.isupper() for t in kept.column("text").to_pylist())

    # The threshold is a config value like any shipped rule's; past 1.0 nothing shouts.
    code, stats, kept = run(tmp_path, corpus, "loose", "thresholds: {max_uppercase_ratio: 1.0}")
    assert "too_much_uppercase" not in stats["stages"]["quality"].get("dropped", {})
    assert sum(t.isupper() for t in kept.column("text").to_pylist()) >= 9  # the copies fineweb_quality keeps

    # Annotate-only: nothing dropped, the signal and the would-be verdict stored with the preset's.
    code, stats, kept = run(tmp_path, corpus, "annotate", "annotate_only: true")
    assert stats["kept"] == 40
    records = [json.loads(m)["quality"] for m in kept.column("meta").to_pylist()]
    assert all("uppercase_ratio" in r["signals"] and "fineweb_line_punct_ratio" in r["signals"] for r in records)
    assert sum(r["would_drop"] == "too_much_uppercase" for r in records) == 10


@pytest.mark.real_data
def test_custom_filter_config_errors_are_one_line(tmp_path, corpus, capsys):
    code, _, _ = run(tmp_path, corpus, "typo", "thresholds: {max_upper_ratio: 0.5}")
    assert code == EXIT_CONFIG_ERROR
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "quality.thresholds.max_upper_ratio: unknown threshold" in err
    assert "did you mean max_uppercase_ratio" in err
    config = tmp_path / "missing.yaml"
    config.write_text(f"input: {{paths: ['{corpus}']}}\nquality: {{enabled: true, custom: ['nope.filters:Shout']}}\n")
    assert main(["run", str(config), "--output", str(tmp_path / "o"), "--quiet"]) == EXIT_CONFIG_ERROR
    assert "quality.custom[0]: cannot import 'nope.filters:Shout'" in capsys.readouterr().err
