"""The quickstart recipe on the shipped sample: every planted record ends where samples/cases.json says."""

import json
from pathlib import Path

import pyarrow as pa

from corpusforge.pipeline.cli import main

REPO = Path(__file__).resolve().parents[1]
# A planted duplicate and its original are one group: which member dedup keeps is its own deterministic
# choice (the smallest id), not the sample's "original", so the test asks for exactly one per group.
DEDUP_DROPS = {"drop:exact_dedup", "drop:near_dedup"}


def test_sample_recipe_accounts_for_every_planted_record(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)  # the recipe's paths are relative to the repository root
    out = tmp_path / "sample"
    assert main(["run", "run_configs/local.yaml", "--output", str(out), "--quiet", "--", "--runner=DirectRunner"]) == 0

    entries = json.loads((REPO / "samples/cases.json").read_text())["entries"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["reconciled"]

    def kept(entry):
        return entry["expect"] in ("keep", "keep_redacted")

    table = pa.concat_tables(
        pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in sorted((out / "documents").glob("*.arrow"))
    )
    kept_urls = set(table.column("url").to_pylist())
    assert table.num_rows == stats["kept"] == len(kept_urls)
    by_key = {e["key"]: e for e in entries if "key" in e}
    groups: dict[str, set[str]] = {}
    for e in entries:
        if e["expect"] in DEDUP_DROPS:
            groups.setdefault(e["duplicate_of"], {by_key[e["duplicate_of"]]["url"]}).add(e["url"])
    assert groups and all(len(urls & kept_urls) == 1 for urls in groups.values())  # one survivor per group
    grouped = set().union(*groups.values())
    good = {e.get("url") for e in entries if e["expect"] in ("keep", "keep_redacted")} - grouped
    assert good <= kept_urls  # every good document survives every implemented stage
    assert kept_urls - grouped <= {e.get("url") for e in entries if kept(e)}  # nothing kept that a stage should drop
    for stage, reason in (("exact_dedup", "exact_duplicate"), ("near_dedup", "near_duplicate")):
        planted = sum(e["expect"] == f"drop:{stage}" for e in entries)
        assert stats["stages"][stage]["dropped"][reason]["records"] == planted
    sizes = dict(zip(table.column("url").to_pylist(), table.column("dup_cluster_size").to_pylist()))
    near_groups = [
        urls
        for key, urls in groups.items()
        if any(e["expect"] == "drop:near_dedup" and e["duplicate_of"] == key for e in entries)
    ]
    assert all(sizes[url] == len(urls) for urls in near_groups for url in urls & kept_urls)
    texts = dict(zip(table.column("url").to_pylist(), table.column("text").to_pylist()))
    redacted = [e for e in entries if e["expect"] == "keep_redacted" and e["url"] in kept_urls]
    assert redacted and all(p["value"] not in texts[e["url"]] for e in redacted for p in e["pii"])  # PII gone
    assert all(f"<{p['type'].upper()}>" in texts[e["url"]] for e in redacted for p in e["pii"])
    for stage in ("url_blocklist", "word_blocklist"):  # the planted pages that reach the stage are all dropped
        planted = [e for e in entries if e["expect"] == f"drop:{stage}"]
        well_formed = [e for e in planted if e["genre"] != "spam"]  # the adult-spam page fails quality first
        dropped = sum(c["records"] for c in stats["stages"][stage]["dropped"].values())
        assert len(well_formed) <= dropped <= len(planted)
    assert stats["bias_audit"]["kept"]["gender:female"]["records"] > 0  # tags travel to the kept corpus
    other_languages = [e for e in entries if e["expect"] == "drop:language"]
    assert other_languages and not {e["url"] for e in other_languages} & kept_urls
    assert stats["stages"]["language"]["dropped"]["language_not_kept"]["records"] >= len(other_languages)
    langs = dict(zip(table.column("url").to_pylist(), table.column("lang").to_pylist()))
    assert all(langs[e["url"]] == e["lang"] for e in entries if e.get("url") in good and "lang" in e)
    assert len(list((out / "documents").glob("*.arrow"))) > 1  # the recipe's small shard size shows sharding

    dead = [json.loads(line) for line in (out / "rejects/dead_letters.jsonl").read_text().splitlines()]
    planted = [e for e in entries if e["expect"] == "dead_letter"]
    assert len(dead) == len(planted) == stats["dead_lettered"]
    assert {d["source"] for d in dead} == {Path(e["file"]).name for e in planted}

    languages = {e.get("lang") for e in entries if kept(e)}
    assert {"en", "ja", "zh", "de", "fr", "es"} <= languages
    japanese = [
        t
        for t, u in zip(table.column("text").to_pylist(), table.column("url").to_pylist())
        if any(e.get("url") == u and e.get("lang") == "ja" for e in entries)
    ]
    assert japanese and all("\ufffd" not in t for t in japanese)  # Shift_JIS / EUC-JP pages decoded cleanly

    # The tokenizer: trained on the kept documents of every language; each kept document in the token shards.
    tokenizer = json.loads((out / "manifest.json").read_text())["tokenizer"]
    assert tokenizer["trained"] and tokenizer["dtype"] == "uint16" and (out / "tokenizer/tokenizer.model").exists()
    tokens = pa.concat_tables(
        pa.ipc.open_file(pa.memory_map(str(out / s["path"]))).read_all() for s in tokenizer["shards"]
    )
    assert {i for row in tokens.column("segment_ids").to_pylist() for i in row} == set(table.column("id").to_pylist())
    assert sum(tokenizer["tokens"].values()) == sum(len(r) for r in tokens.column("tokens").to_pylist())
    assert set(stats["tokenizer"]["sample"]) == set(table.column("lang").to_pylist())
    capsys.readouterr()
    assert main(["inspect", str(out)]) == 0
    assert f"tokens: train {tokenizer['tokens']['train']:,}" in capsys.readouterr().out
