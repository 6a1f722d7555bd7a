"""Decontamination (issue 15): planted overlaps (verbatim, re-cased, re-punctuated, inside a longer document;
Chinese and Japanese by characters) match and near misses do not; agreement with a brute-force reference on real
web text against evaluation sets made of its own sentences; cutting as NeMo Curator does; launch errors; and the
stage in pretraining and fine-tuning runs, with per-set counts, byte-identical with 1 and 2 workers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from apache_beam.utils.shared import Shared

from corpusforge.pipeline.cli import main
from corpusforge.pipeline.config import DecontaminationConfig, EvalSetConfig
from corpusforge.transforms.conversation import CONVERSATION
from corpusforge.transforms.document import Document
from corpusforge.transforms.filters.decontaminate import Decontaminate, EvalNgrams, decontamination_stage
from corpusforge.transforms.io.sft import parse_example
from corpusforge.transforms.stages import TextView, Thresholds

REPO = Path(__file__).resolve().parents[1]
UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def c4_docs(shared_data) -> list[str]:
    lines = (shared_data / "text/llama-factory-web/c4_demo.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines]


def ud_sentences(shared_data, name: str) -> list[str]:
    path = shared_data / "text/ud-raw-sentences" / name
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def novel_paragraphs(shared_data) -> list[str]:
    text = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    return [p for p in text.splitlines() if len(p) > 300]


@pytest.fixture(scope="module")
def eval_sets(shared_data, tmp_path_factory) -> DecontaminationConfig:
    """Two evaluation sets of real sentences: UD English-EWT (question: a sentence, answer: the next) and UD
    Japanese-GSD (one field)."""
    root = tmp_path_factory.mktemp("evals")
    en, ja = ud_sentences(shared_data, "en_ewt-ud-test.text.txt"), ud_sentences(shared_data, "ja_gsd-ud-test.text.txt")
    ewt = write_jsonl(root / "ewt.jsonl", [{"question": en[i], "answer": en[i + 1]} for i in range(0, len(en) - 1, 2)])
    gsd = write_jsonl(root / "gsd.jsonl", [{"text": s} for s in ja])
    return DecontaminationConfig(
        enabled=True,
        eval_sets=(
            EvalSetConfig(name="ewt", paths=(str(ewt),), fields=("question", "answer")),
            EvalSetConfig(name="gsd", paths=(str(gsd),), fields=("text",)),
        ),
    )


@pytest.fixture(scope="module")
def ngrams(eval_sets) -> EvalNgrams:
    return EvalNgrams(eval_sets)


def long_sentence(shared_data, words: int) -> str:
    return next(s for s in ud_sentences(shared_data, "en_ewt-ud-test.text.txt")[::2] if len(s.split()) >= words)


def every_kth(units: list[str], k: int, replacement: str) -> list[str]:
    return [replacement if i % k == k - 1 else u for i, u in enumerate(units)]


def planted(shared_data) -> list[tuple[str, str, bool]]:
    """(case, document, whether it must match): real text with a real evaluation sentence planted."""
    sentence = long_sentence(shared_data, 20)
    words = sentence.split()
    base = next(d for d in c4_docs(shared_data) if len(d) > 2000)
    middle = base.index(". ", 1000) + 2
    inside = base[:middle] + sentence + " " + base[middle:]
    japanese = next(s for s in ud_sentences(shared_data, "ja_gsd-ud-test.text.txt") if len(s) >= 25)
    paragraph = novel_paragraphs(shared_data)[0]
    return [
        ("verbatim", sentence, True),
        ("inside a longer document", inside, True),
        ("re-cased", base[:middle] + sentence.upper() + " " + base[middle:], True),
        ("re-punctuated", base[:middle] + " -- ".join(w.strip(".,;:!?") for w in words) + "!!! " + base[middle:], True),
        ("line breaks and tabs", "\n".join("\t".join(words[i : i + 3]) for i in range(0, len(words), 3)), True),
        ("a short evaluation text whole", base[:middle] + short_text(shared_data) + base[middle:], True),
        ("japanese inside a novel", paragraph[:100] + japanese + paragraph[100:], True),
        ("every 6th word changed", base[:middle] + " ".join(every_kth(words, 6, "zebra")) + base[middle:], False),
        ("12 consecutive words", base[:middle] + " ".join(words[:12]) + ". " + base[middle:], False),
        ("words reordered", base[:middle] + " ".join(words[::-1]) + base[middle:], False),
        ("japanese, every 6th character changed", "".join(every_kth(list(japanese), 6, "猫")), False),
        ("the document alone", base, False),
    ]


def short_text(shared_data) -> str:
    """An evaluation answer of 8 to 12 words: used whole (min_n 8)."""
    en = ud_sentences(shared_data, "en_ewt-ud-test.text.txt")
    return next(en[i + 1] for i in range(0, len(en) - 1, 2) if 9 <= len(en[i + 1].split()) <= 12)


def test_planted_overlaps_match_and_near_misses_do_not(shared_data, ngrams):
    for case, text, expected in planted(shared_data):
        found = ngrams.overlaps(text)
        assert bool(found) == expected, case
        if expected:
            assert {s for o in found for s in o.sets} == ({"gsd"} if "japanese" in case else {"ewt"}), case


def reference_units(text: str) -> tuple[list[str], bool]:
    """A plain re-implementation of the rule, as an oracle: words of letters and digits, lower case, or the
    characters of text mostly in CJK scripts."""
    words = re.findall(r"[^\W_]+", text.lower())
    letters = sum(map(len, words))
    chars = bool(letters) and len(UNSPACED.findall("".join(words))) * 2 > letters
    return (list("".join(words)) if chars else words), chars


def reference_overlaps(docs: list[str], eval_texts: list[str], n: int = 13, min_n: int = 8) -> list[bool]:
    grams: set[tuple[bool, tuple[str, ...]]] = set()
    lengths: set[tuple[bool, int]] = set()
    for text in eval_texts:
        units, chars = reference_units(text)
        if len(units) >= n:
            grams.update((chars, tuple(units[i : i + n])) for i in range(len(units) - n + 1))
            lengths.add((chars, n))
        elif len(units) >= min_n:
            grams.add((chars, tuple(units)))
            lengths.add((chars, len(units)))
    result = []
    for doc in docs:
        units, chars = reference_units(doc)
        result.append(
            any(
                (chars, tuple(units[i : i + k])) in grams
                for mode, k in lengths
                if mode == chars
                for i in range(len(units) - k + 1)
            )
        )
    return result


def test_agrees_with_a_brute_force_reference_on_real_web_text(shared_data, tmp_path):
    """Evaluation sets made of sentences of some C4 documents (long and short ones, including the boilerplate
    many pages share): every document the reference finds, and no other, is found."""
    docs = c4_docs(shared_data) + novel_paragraphs(shared_data)[:100]
    sentences = [s.strip() for d in docs[::15] for s in re.split(r"(?<=[.!?。])\s*", d) if s.strip()]
    eval_file = write_jsonl(tmp_path / "self.jsonl", [{"text": s} for s in sentences[::3]])
    config = DecontaminationConfig(eval_sets=(EvalSetConfig(name="self", paths=(str(eval_file),)),))
    found = [bool(o) for o in map(EvalNgrams(config).overlaps, docs)]
    expected = reference_overlaps(docs, sentences[::3])
    assert found == expected
    assert 20 < sum(found) < len(docs)  # the sources of the sentences, and the pages sharing their text


def test_no_false_matches_on_real_text(shared_data, ngrams):
    docs = c4_docs(shared_data) + novel_paragraphs(shared_data)
    assert [d[:60] for d in docs if ngrams.overlaps(d)] == []


def judge(config: DecontaminationConfig, doc: Document):
    f = Decontaminate(config)
    f.setup(Shared())
    return f.judge(TextView(doc.text, None, doc), Thresholds({}), False)


def test_drop_names_the_set_and_the_ngram(shared_data, eval_sets):
    sentence = long_sentence(shared_data, 20)
    outcome = judge(eval_sets, Document(id="d", text=f"Quoted: {sentence.upper()}"))
    first = " ".join(re.findall(r"[^\W_]+", sentence.lower())[:13])
    assert outcome.reason == "eval_overlap:ewt" and outcome.detail == f"ewt: {first!r}"
    assert outcome.signals["decontamination"]["first"] == first


def test_a_shared_ngram_is_counted_for_every_set(shared_data, eval_sets, tmp_path):
    sentence = long_sentence(shared_data, 20)
    copy = write_jsonl(tmp_path / "copy.jsonl", [{"prompt": sentence}])
    config = DecontaminationConfig(
        action="cut",
        annotate_only=True,
        eval_sets=(*eval_sets.eval_sets, EvalSetConfig(name="copy", paths=(str(copy),), fields=("prompt",))),
    )
    stage = decontamination_stage(config)
    stage.setup([Shared()])
    (result,) = stage.apply([Document(id="d", text=sentence)])
    ngrams = len(re.findall(r"[^\W_]+", sentence)) - 12  # every 13-gram of the sentence
    assert result.text == sentence and result.meta["decontamination"]["ngrams"] == {"copy": ngrams, "ewt": ngrams}


def test_cut_removes_the_overlap_with_its_margins_to_sentence_ends(shared_data, eval_sets):
    config = DecontaminationConfig(**{**eval_sets.__dict__, "action": "cut"})
    sentence = long_sentence(shared_data, 20)
    base = next(d for d in c4_docs(shared_data) if len(d) > 3000)
    middle = base.index(". ", 1500) + 2
    outcome = judge(config, Document(id="d", text=base[:middle] + sentence + " " + base[middle:]))
    assert outcome.reason is None and outcome.signals["decontamination"]["ngrams"]["ewt"] > 0
    first, *rest = outcome.text.split("\n\n")
    # Before the overlap: up to a sentence end at least cut_margin (200) characters before it.
    assert base[:middle].startswith(first) and len(first) <= middle - 200 and first[-1] in ".!?"
    assert sentence not in outcome.text and all(len(p) >= 200 for p in [first, *rest])
    assert not EvalNgrams(config).overlaps(outcome.text)


def test_cut_drops_what_it_cannot_cut(shared_data, eval_sets):
    config = DecontaminationConfig(**{**eval_sets.__dict__, "action": "cut"})
    sentence = long_sentence(shared_data, 20)
    filler = ""
    for line in ud_sentences(shared_data, "en_ewt-ud-dev.text.txt"):  # real sentences, ~1,000 characters
        filler = f"{filler} {line}" if len(filler) < 1000 else filler
    many = " ".join([filler, sentence] * 11 + [filler])  # 11 overlaps, each its own cut: more than max_cuts (10)
    assert judge(config, Document(id="d", text=" ".join([filler, sentence] * 10 + [filler]))).reason is None
    assert judge(config, Document(id="d", text=many)).reason == "eval_overlap:ewt"
    assert judge(config, Document(id="d", text=f"Short. {sentence} Short.")).reason == "eval_overlap:ewt"
    conversation = parse_example({"instruction": f"{filler} {sentence}", "output": filler})
    doc = Document(id="d", text=f"{filler} {sentence}\n\n{filler}", meta={CONVERSATION: conversation})
    assert judge(config, doc).reason == "eval_overlap:ewt"  # an example is never cut inside a turn


def run_args(config: Path, inputs: str, out: Path, *sets: str) -> list[str]:
    return [
        "run",
        str(config),
        "--input",
        inputs,
        "--output",
        str(out),
        "--quiet",
        *(a for s in sets for a in ("--set", s)),
    ]


@pytest.mark.parametrize(
    "eval_line, eval_set, settings, message",
    [
        ('{"text": "x"}', "{name: e, paths: [/no/such/eval.jsonl]}", "", "/no/such/eval.jsonl: matches no file"),
        ('{"text": "x"}', "{name: e, paths: [EVAL], fields: [question]}", "", "fields: no record of 'e' has a text"),
        ("{broken", "{name: e, paths: [EVAL]}", "", "e.jsonl: invalid_json at byte 0"),
        ('{"text": "x"}', "{name: e, paths: [EVAL]}", "min_n: 20", "decontamination.min_n: 20 is more than"),
        ('{"text": "x"}', "{name: 'e f', paths: [EVAL]}", "", "eval_sets[0].name: 'e f': expected a unique name"),
    ],
)
def test_bad_evaluation_sets_stop_the_run_with_one_line(
    shared_data, tmp_path, capsys, eval_line, eval_set, settings, message
):
    eval_file = tmp_path / "e.jsonl"
    eval_file.write_text(eval_line + "\n")
    config = tmp_path / "run.yaml"
    extra = f"\n  {settings}" if settings else ""
    config.write_text(
        f"decontamination:\n  enabled: true\n  eval_sets: [{eval_set.replace('EVAL', str(eval_file))}]{extra}\n"
    )
    inputs = str(shared_data / "text/llama-factory-web/c4_demo.jsonl")
    assert main(run_args(config, inputs, tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "out").exists()


def test_pretraining_run_counts_per_set_and_is_deterministic(
    shared_data, tmp_path, eval_sets, run_with_one_and_two_workers
):
    docs = c4_docs(shared_data)[:120] + novel_paragraphs(shared_data)[:30]
    en = [s for s in ud_sentences(shared_data, "en_ewt-ud-test.text.txt")[::2] if len(s.split()) >= 16][:4]
    ja = [s for s in ud_sentences(shared_data, "ja_gsd-ud-test.text.txt") if len(s) >= 25][:2]
    pages = [i for i, d in enumerate(docs[:120]) if len(d) > 2000][:4]  # long: a cut leaves pieces of 200+
    for i, sentence in zip(pages, en):  # in the middle of four English pages
        middle = docs[i].find(". ", len(docs[i]) // 2) + 2
        docs[i] = docs[i][:middle] + sentence + " " + docs[i][middle:]
    for i, sentence in enumerate(ja):  # and of two Japanese paragraphs
        docs[120 + i] = docs[120 + i][:50] + sentence + docs[120 + i][50:]
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [{"id": i, "text": t} for i, t in enumerate(docs)])
    sets = ", ".join(
        f"{{name: {s.name}, paths: [{s.paths[0]}], fields: [{', '.join(s.fields)}]}}" for s in eval_sets.eval_sets
    )
    config = tmp_path / "run.yaml"
    config.write_text(f"language:\n  enabled: false\ndecontamination:\n  enabled: true\n  eval_sets: [{sets}]\n")
    manifest = run_with_one_and_two_workers(str(config), "--input", str(corpus))
    stats = manifest["stats"]
    assert stats["reconciled"] and stats["kept"] == len(docs) - 6
    dropped = stats["stages"]["decontaminate"]["dropped"]
    assert {reason: n["records"] for reason, n in dropped.items()} == {"eval_overlap:ewt": 4, "eval_overlap:gsd": 2}
    assert stats["decontamination"] == {"ewt": {"dropped": 4, "cut": 0}, "gsd": {"dropped": 2, "cut": 0}}
    section = manifest["decontamination"]
    assert (
        section["n"] == 13
        and section["eval_sets"]["ewt"]["records"] == len(ud_sentences(shared_data, "en_ewt-ud-test.text.txt")) // 2
    )

    out = tmp_path / "cut"
    assert main([*run_args(config, str(corpus), out, "decontamination.action=cut"), "--", "--runner=DirectRunner"]) == 0
    cut = json.loads((out / "stats.json").read_text())
    assert cut["reconciled"] and cut["decontamination"]["ewt"] == {
        "dropped": 0,
        "cut": 4,
    }  # the rest of the pages stays
    assert sum(cut["decontamination"]["gsd"].values()) == 2  # short paragraphs may leave no piece of 200 characters


def test_fine_tuning_examples_from_an_evaluation_set_are_dropped(shared_data, tmp_path):
    records = json.loads((shared_data / "sft/llama-factory/alpaca_en_demo.json").read_text(encoding="utf-8"))[:120]
    (tmp_path / "alpaca.json").write_text(json.dumps(records))
    leaked = [r["instruction"] for r in records if len(r["instruction"].split()) >= 13][:5]
    eval_file = write_jsonl(tmp_path / "eval.jsonl", [{"question": q} for q in leaked])
    texts = [r["instruction"] + ("\n" + r["input"] if r["input"] else "") + "\n\n" + r["output"] for r in records]
    expected = sum(reference_overlaps(texts, leaked))
    args = run_args(
        REPO / "run_configs/sft.yaml",
        str(tmp_path / "alpaca.json"),
        tmp_path / "out",
        "decontamination.enabled=true",
        f"decontamination.eval_sets=[{{name: leaked, paths: [{eval_file}], fields: [question]}}]",
        "tokenizer.vocab_size=2000",
    )
    assert main([*args, "--", "--runner=DirectRunner"]) == 0
    stats = json.loads((tmp_path / "out/stats.json").read_text())
    assert expected >= 5 and stats["decontamination"]["leaked"] == {"dropped": expected, "cut": 0}
    assert stats["reconciled"] and stats["stages"]["sft"]["in"]["records"] <= len(records) - expected
