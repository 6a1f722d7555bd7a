"""`corpusforge rules`: every threshold of every preset is listed, and the README's table is its output."""

from __future__ import annotations

from conftest import REPO

from corpusforge.pipeline.cli import EXIT_CONFIG_ERROR, main
from corpusforge.transforms.filters.quality import PRESETS, rules_table


def test_every_threshold_of_every_preset_is_listed():
    rows = rules_table()
    for name, preset in PRESETS.items():
        listed = {r["threshold"] for r in rows if r["preset"] == name}
        assert set(preset.defaults()) <= listed, name
        reasons = {r["drops"] for r in rows if r["preset"] == name} - {""}
        assert reasons == {c.reason for f in preset.filters for c in f.checks}, name


def test_readme_table_is_the_generated_one(capsys):
    assert main(["rules", "--markdown"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n") > 40 and table in (REPO / "README.md").read_text(encoding="utf-8")


def test_rules_command(capsys):
    assert main(["rules", "c4_tfds"]) == 0
    out = capsys.readouterr().out
    assert "max_page_chars" in out and "190,000" in out and "min_doc_words" not in out
    assert main(["rules", "c4"]) == EXIT_CONFIG_ERROR
    assert "rules: unknown preset 'c4'" in capsys.readouterr().err
