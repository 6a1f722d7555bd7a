"""Faithfulness check (issue 4): transforms/filters/reference.py against datatrove 0.10.1's own filters.

    python benchmarks/faithfulness_quality.py [--datatrove-venv PATH] [--all-languages] [--show-tokens N]

datatrove never enters the project's environment (`datatrove[processing]` pins trafilatura < 1.12 and brings
another fastText build). It runs in a virtualenv of its own, `--datatrove-venv` (default `.venv-datatrove`
under the repo, git-ignored), created if missing with `python3 -m venv` + `pip install datatrove==0.10.1
spacy regex` (spaCy: datatrove's English word/sentence splitting, a blank model, nothing downloaded; regex:
imported by datatrove without being declared). The datatrove side is benchmarks/faithfulness_quality_runner.py,
executed by that venv's python on a JSONL file of the documents.

Documents (read in place from ../shared/data):
* aeb/<id>    the AEB article pages (html/scrapinghub-aeb), main text by the `fast` extractor (fallback off);
* c4demo/<n>  the texts of text/llama-factory-web/c4_demo.jsonl;
* warc/<id>   every page of the web archives under warc/ (WARC and ARC), through `iter_records` +
              `page_to_document` with the default extract settings (as the pipeline extracts them).
Only English documents count (lid.176 top label `en` with probability >= 0.65; `--all-languages` keeps all).

Configurations, each with datatrove's defaults on both sides:
  gopher_quality        GopherQualityFilter()              vs PRESETS["gopher_quality"]
  gopher_repetition     GopherRepetitionFilter()           vs PRESETS["gopher_repetition"]
  c4                    C4QualityFilter()                  vs PRESETS["c4_datatrove"]
  c4_no_terminal_punct  C4QualityFilter(filter_no_terminal_punct=False) vs c4_datatrove with filter_no_terminal_punct: false
  fineweb_quality       FineWebQualityFilter()             vs PRESETS["fineweb_quality"]
  fineweb_chain         datatrove examples/fineweb.py order (repetition, quality, C4 no-punct, FineWeb on the
                        rewritten text) vs PRESETS["fineweb"] (informative: it compounds the rows above)
Reported per configuration: keep/drop agreement, reason agreement where both drop (datatrove's reason names
mapped to ours), and for C4 the rewritten text where both keep. Every disagreement is listed with a
diagnosis: our signals recomputed on datatrove's own spaCy words (if that flips our verdict to datatrove's,
the word split is the cause, and the differing tokens are shown) or, for C4, the per-line sentence counts.
Exit status 1 when a configuration is under the 99% target.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RUNNER = Path(__file__).resolve().with_name("faithfulness_quality_runner.py")
DATATROVE_REQUIREMENTS = ("datatrove==0.10.1", "spacy", "regex")
TARGET = 0.99
MIN_EN_SCORE = 0.65

CONFIGS = ("gopher_quality", "gopher_repetition", "c4", "c4_no_terminal_punct", "fineweb_quality", "fineweb_chain")

# datatrove reason -> ours
REASONS = {
    "gopher_short_doc": "gopher_too_few_words",
    "gopher_long_doc": "gopher_too_many_words",
    "gopher_below_avg_threshold": "gopher_mean_word_length",
    "gopher_above_avg_threshold": "gopher_mean_word_length",
    "gopher_too_many_hashes": "gopher_symbol_ratio",
    "gopher_too_many_ellipsis": "gopher_symbol_ratio",
    "gopher_too_many_bullets": "gopher_bullet_lines",
    "gopher_too_many_end_ellipsis": "gopher_ellipsis_lines",
    "gopher_below_alpha_threshold": "gopher_alpha_words",
    "gopher_enough_stop_words": "gopher_stop_words",
    "dup_para_frac": "gopher_dup_para_fraction",
    "dup_para_char_frac": "gopher_dup_para_chars",
    "dup_line_frac": "gopher_dup_line_fraction",
    "dup_line_char_frac": "gopher_dup_line_chars",
    **{f"top_{n}_gram": f"gopher_top_{n}_gram" for n in (2, 3, 4)},
    **{f"duplicated_{n}_n_grams": f"gopher_dup_{n}_gram" for n in range(5, 11)},
    "lorem_ipsum": "c4_lorem_ipsum",
    "curly_bracket": "c4_curly_bracket",
    "too_few_sentences": "c4_too_few_sentences",
    "line_punct_ratio": "fineweb_line_punct",
    "short_line_ratio": "fineweb_short_lines",
    "char_dup_ratio": "fineweb_char_dup",
    "list_ratio": "fineweb_newline_ratio",
}
CHAIN_STEPS = {  # datatrove chain step name -> our rule name in PRESETS["fineweb"]
    "gopher_repetition": "gopher_repetition",
    "gopher_quality": "gopher_quality",
    "c4_no_terminal_punct": "c4",
    "fineweb_quality": "fineweb_quality",
}


def map_reason(config: str, reason: str | None) -> str | None:
    if reason is None:
        return None
    if config == "fineweb_chain" and ":" in reason:
        step, _, inner = reason.partition(":")
        if inner == "empty" and step == "fineweb_quality":
            return "fineweb_empty"
        return REASONS.get(inner, inner)
    if config == "fineweb_quality" and reason == "empty":
        return "fineweb_empty"
    return REASONS.get(reason, reason)


# --------------------------------------------------------------------------------------- the datatrove venv


def ensure_venv(
    venv: Path,
    requirements: tuple[str, ...] = DATATROVE_REQUIREMENTS,
    modules: tuple[str, ...] = ("datatrove.pipeline.filters", "spacy", "regex"),
) -> Path:
    """The python of `venv`, created (or completed) with `requirements` unless `modules` import there."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", f"import {', '.join(modules)}"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"preparing the datatrove virtualenv at {venv} (pip install {' '.join(requirements)}) ...", flush=True)
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"pip install into {venv} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if subprocess.run(probe, capture_output=True).returncode != 0:
        sys.exit(f"{venv}: {', '.join(modules)} still not importable")
    return python


def datatrove_version(python: Path) -> str:
    out = subprocess.run([str(python), "-m", "pip", "show", "datatrove"], capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Version:")), "?")


# --------------------------------------------------------------------------------------------- documents


def load_documents() -> list[tuple[str, str]]:
    from corpusforge.pipeline.config import ExtractConfig, InputConfig
    from corpusforge.transforms.document import Document, SourceFile, WebPage
    from corpusforge.transforms.extract.boilerplate import extract_main_text
    from corpusforge.transforms.extract.extract import decode_body, page_to_document
    from corpusforge.transforms.io.read import detect_format, iter_records

    docs: list[tuple[str, str]] = []
    for path in sorted((SHARED / "html/scrapinghub-aeb/html").glob("*.html.gz")):
        text, _ = extract_main_text(decode_body(gzip.decompress(path.read_bytes()), None), fallback=False)
        if text.strip():
            docs.append((f"aeb/{path.name.split('.')[0][:12]}", text))
    with open(SHARED / "text/llama-factory-web/c4_demo.jsonl", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if line.strip():
                docs.append((f"c4demo/{n}", json.loads(line)["text"]))
    base = SHARED / "warc"
    extract, inputs = ExtractConfig(), InputConfig()
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        fmt = detect_format(str(path), "auto")
        if fmt not in ("warc", "arc"):
            continue
        source = SourceFile(path=str(path), relpath=str(path.relative_to(base)), size=path.stat().st_size)
        with open(path, "rb") as stream:
            for rec in iter_records(stream, source, fmt, inputs):
                if isinstance(rec, WebPage):
                    rec = page_to_document(rec, source, extract)
                if isinstance(rec, Document) and rec.text.strip():
                    docs.append((f"warc/{rec.id}", rec.text))
    return docs


# ------------------------------------------------------------------------------------------------- ours


def our_results(text: str) -> dict[str, dict]:
    from corpusforge.pipeline.config import QualityConfig
    from corpusforge.transforms.filters.quality import quality_stage, run_preset

    def preset(name: str, **thresholds):
        return quality_stage(QualityConfig(enabled=True, preset=name, thresholds=thresholds))

    stages = {
        "gopher_quality": preset("gopher_quality"),
        "gopher_repetition": preset("gopher_repetition"),
        "c4": preset("c4_datatrove"),
        "c4_no_terminal_punct": preset("c4_datatrove", filter_no_terminal_punct=False),
        "fineweb_quality": preset("fineweb_quality"),
        "fineweb_chain": preset("fineweb"),
    }
    out = {}
    for name, stage in stages.items():
        res = run_preset(text, stage=stage)
        out[name] = {"keep": res.reason is None, "reason": res.reason, "text": res.text if res.reason is None else None}
    return out


# -------------------------------------------------------------------------------------------- diagnosis


def _view_with_words(text: str, words: list[str]):
    from corpusforge.transforms.stages import TextView

    view = TextView(text)
    view.__dict__["words"] = list(words)  # replace the cached_property: our formulas on datatrove's tokens
    return view


def _token_diff(ours: list[str], theirs: list[str], limit: int) -> str:
    sm = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
    parts = []
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op != "equal":
            parts.append(f"ours {ours[a0:a1][:6]!r} vs spaCy {theirs[b0:b1][:6]!r}")
    more = f" (+{len(parts) - limit} more)" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more if parts else "identical words"


def _signal_deltas(text: str, dt_words: list[str], names: tuple[str, ...]) -> str:
    from corpusforge.transforms.filters.reference import reference_signal
    from corpusforge.transforms.stages import TextView

    a, b = TextView(text), _view_with_words(text, dt_words)
    diffs = []
    for name in names:
        x, y = reference_signal(a, name), reference_signal(b, name)
        if abs(x - y) > 1e-12:
            diffs.append(f"{name} ours {x:.4g} vs on spaCy words {y:.4g}")
    return "; ".join(diffs) or "no signal differs"


def diagnose(config: str, text: str, rec: dict, ours: dict, show_tokens: int) -> str:
    from corpusforge.transforms.filters import reference as q
    from corpusforge.transforms.filters import words as w

    dt_words = rec["words"]
    our_words = w.words(text)
    if config in ("gopher_quality", "gopher_repetition", "fineweb_quality"):
        verdict = {
            "gopher_quality": q.GOPHER_QUALITY.decide,
            "gopher_repetition": q.GOPHER_REPETITION.decide,
            "fineweb_quality": q.FINEWEB_QUALITY.decide,
        }[config]
        names = {
            "gopher_quality": q.GOPHER_QUALITY_SIGNALS,
            "gopher_repetition": q.GOPHER_REPETITION_SIGNALS,
            "fineweb_quality": q.FINEWEB_QUALITY_SIGNALS,
        }[config]
        on_dt = verdict(_view_with_words(text, dt_words))
        dt_reason = map_reason(config, rec["results"][config]["reason"])
        cause = (
            "word split (our rules on spaCy's words give datatrove's verdict)"
            if on_dt == dt_reason
            else f"NOT the word split (our rules on spaCy's words: {on_dt}) -> rule logic"
        )
        return (
            f"{cause}. words: ours {len(our_words)} vs spaCy {len(dt_words)}. "
            f"signals: {_signal_deltas(text, dt_words, names)}. tokens: {_token_diff(our_words, dt_words, show_tokens)}"
        )
    if config in ("c4", "c4_no_terminal_punct"):
        dt = rec["results"][config]
        lines = dt.get("sentence_lines", [])
        ours_total = sum(w.count_sentences(line) for line, _ in lines)
        dt_total = sum(n for _, n in lines)
        bad = [(line, n, w.count_sentences(line)) for line, n in lines if w.count_sentences(line) != n]
        where = "; ".join(f"{line[:70]!r}: spaCy {n} vs ours {m}" for line, n, m in bad[:show_tokens])
        if bad:
            return (
                f"sentence count on the kept lines: spaCy {dt_total} vs ours {ours_total} (min 5); "
                f"{len(bad)} line(s) differ: {where}"
            )
        if dt["keep"] and ours["keep"]:
            return "text differs: " + _text_diff(dt.get("text", ""), ours.get("text") or "")
        return f"same kept lines and sentence counts ({dt_total}); line rules differ"
    # fineweb_chain: name the first step where the two chains part
    return "chain: see the per-rule rows (the first differing step decides)"


def _text_diff(a: str, b: str) -> str:
    al, bl = a.splitlines(), b.splitlines()
    d = [line for line in difflib.unified_diff(al, bl, "datatrove", "ours", n=0, lineterm="") if line[:1] in "+-"][2:6]
    return " | ".join(x[:100] for x in d) or "whitespace only"


# --------------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--datatrove-venv",
        type=Path,
        default=REPO / ".venv-datatrove",
        help="virtualenv holding datatrove (created if missing; default .venv-datatrove)",
    )
    parser.add_argument("--all-languages", action="store_true", help="score every document, not only English")
    parser.add_argument("--show-tokens", type=int, default=4, help="token/line differences shown per disagreement")
    parser.add_argument("--keep-files", type=Path, help="write docs.jsonl and verdicts.jsonl here")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"missing {SHARED} (see ../shared/README.md)")

    python = ensure_venv(args.datatrove_venv.resolve())
    started = time.perf_counter()
    docs = load_documents()
    from corpusforge.transforms.filters.language import LanguageModel

    model = LanguageModel()
    preds = model.predict([t for _, t in docs])
    english = [
        (i, t) for (i, t), (lang, p) in zip(docs, preds) if args.all_languages or (lang == "en" and p >= MIN_EN_SCORE)
    ]
    by_source = {}
    for i, _ in english:
        by_source[i.split("/")[0]] = by_source.get(i.split("/")[0], 0) + 1
    print(
        f"documents: {len(docs)} read, {len(english)} scored "
        f"({'all languages' if args.all_languages else f'English, lid.176 en >= {MIN_EN_SCORE}'}): "
        + ", ".join(f"{k} {v}" for k, v in by_source.items())
    )

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = args.keep_files or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        docs_path, verdicts_path = tmp / "docs.jsonl", tmp / "verdicts.jsonl"
        with open(docs_path, "w", encoding="utf-8") as f:
            for i, t in english:
                f.write(json.dumps({"id": i, "text": t}) + "\n")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["LOGURU_LEVEL"] = "WARNING"
        proc = subprocess.run(
            [str(python), str(RUNNER), str(docs_path), str(verdicts_path)], capture_output=True, text=True, env=env
        )
        if proc.returncode != 0:
            sys.exit(f"datatrove runner failed:\n{proc.stderr[-5000:]}")
        with open(verdicts_path, encoding="utf-8") as f:
            theirs = {r["id"]: r for r in map(json.loads, f)}

    texts = dict(english)
    mine = {doc_id: our_results(text) for doc_id, text in english}
    rows, disagreements = [], []
    for config in CONFIGS:
        n = agree = both_drop = reason_agree = both_keep = text_agree = 0
        for doc_id, _text in english:
            dt = theirs[doc_id]["results"][config]
            ours = mine[doc_id][config]
            n += 1
            dt_reason = map_reason(config, dt["reason"])
            if dt["keep"] == ours["keep"]:
                agree += 1
                if not dt["keep"]:
                    both_drop += 1
                    if dt_reason == ours["reason"]:
                        reason_agree += 1
                    else:
                        disagreements.append((doc_id, config, "reason", dt_reason, ours["reason"]))
                elif "text" in dt:
                    both_keep += 1
                    if config == "fineweb_chain" or config.startswith("c4"):
                        if dt["text"] == ours["text"]:
                            text_agree += 1
                        else:
                            disagreements.append((doc_id, config, "text", "kept", "kept"))
            else:
                disagreements.append((doc_id, config, "keep/drop", dt_reason or "keep", ours["reason"] or "keep"))
        text_col = f"{text_agree}/{both_keep}" if config.startswith("c4") or config == "fineweb_chain" else "-"
        rows.append((config, n, agree, both_drop, reason_agree, text_col))

    print(
        f"datatrove {datatrove_version(python)} vs corpusforge transforms/filters/reference.py "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    header = f"{'configuration':22s} {'docs':>5s} {'keep/drop agree':>17s} {'reason agree (both drop)':>25s} {'text agree (both keep)':>23s}"
    print(header)
    print("-" * len(header))
    failed = False
    for config, n, agree, both_drop, reason_agree, text_col in rows:
        pct = agree / n if n else 1.0
        failed |= pct < TARGET and config != "fineweb_chain"
        print(
            f"{config:22s} {n:5d} {agree:7d} {100 * pct:7.2f}% {reason_agree:9d}/{both_drop:<5d}"
            f"{(100 * reason_agree / both_drop if both_drop else 100):7.2f}% {text_col:>23s}"
        )
    print(f"\ntarget: >= {100 * TARGET:.0f}% keep/drop agreement per rule (fineweb_chain is informative)")

    from corpusforge.transforms.filters.words import count_sentences, words

    same_words = sum(words(t) == theirs[i]["words"] for i, t in english)
    line_counts = [
        (n, count_sentences(line))
        for i, _ in english
        for c in ("c4", "c4_no_terminal_punct")
        for line, n in theirs[i]["results"][c].get("sentence_lines", [])
    ]
    print(
        f"signals: our word split equals spaCy's on {same_words}/{len(english)} documents; "
        f"C4 sentence counts equal on {sum(a == b for a, b in line_counts)}/{len(line_counts)} kept lines"
    )
    patterns: dict[tuple, int] = {}
    for i, t in english:
        a, b = words(t), theirs[i]["words"]
        if a != b:
            for op, a0, a1, b0, b1 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
                if op != "equal":
                    key = (tuple(a[a0:a1]), tuple(b[b0:b1]))
                    patterns[key] = patterns.get(key, 0) + 1
    if patterns:
        top = sorted(patterns.items(), key=lambda kv: -kv[1])[: args.show_tokens * 3]
        print(
            "most frequent word-split differences (ours -> spaCy, count): "
            + "; ".join(f"{' '.join(a)!r} -> {' '.join(b)!r} {n}" for (a, b), n in top)
        )

    if disagreements:
        print(f"\n{len(disagreements)} disagreement(s):")
        for doc_id, config, kind, dt_r, our_r in disagreements:
            print(f"- {doc_id} [{config}] {kind}: datatrove {dt_r} vs ours {our_r}")
            if config != "fineweb_chain":
                dt_rec = theirs[doc_id]
                print(f"    {diagnose(config, texts[doc_id], dt_rec, mine[doc_id][config], args.show_tokens)}")
    else:
        print("\nno disagreements")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
