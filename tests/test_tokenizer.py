"""The tokenizer's pure parts: sampling, training, round trips on real multilingual text, packing, the audit."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import numpy as np
import pyarrow as pa
import pytest
import sentencepiece as spm

from corpusforge.pipeline.config import TokenizerConfig
from corpusforge.tokenizer.audit import MEASURES, document_measures, language_report, sum_counts, vocabulary_report
from corpusforge.tokenizer.encode import SentencePieceModel, pack, split_of, token_dtype
from corpusforge.tokenizer.shards import documents_table, packed_table, table_bytes
from corpusforge.tokenizer.train import SampledDocument, language_rates, line_runs, train_model, training_sentences

# Small and fast: 2 threads, a vocabulary that a few MB of text fills.
SMALL = TokenizerConfig(enabled=True, vocab_size=8000, num_threads=2)
LINGUA_TRAIN_LINES = 100  # per language; the rest of each file is held out for the round trips


def lingua(shared_data) -> dict[str, list[str]]:
    folder = shared_data / "langid/lingua-sentences"
    return {
        p.stem: p.read_text(encoding="utf-8").splitlines() for p in sorted(folder.glob("*.txt")) if p.stem != "LICENSE"
    }


def novel_lines(shared_data) -> list[str]:
    text = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def udhr_texts(shared_data) -> dict[str, str]:
    """Every UDHR translation's paragraphs, by file name (464 documents, ~450 languages and scripts)."""
    texts = {}
    for path in sorted((shared_data / "text/udhr-unicode/data/udhr").glob("udhr_*.xml")):
        root = ET.parse(path).getroot()
        texts[path.stem] = "\n".join("".join(e.itertext()).strip() for e in root.iter() if e.tag.endswith("para"))
    return texts


@pytest.fixture(scope="module")
def multilingual_model(shared_data) -> spm.SentencePieceProcessor:
    """A unigram model trained on 75 languages of lingua sentences and an eighth of the Japanese novel."""
    novel = novel_lines(shared_data)
    sentences = [line for lines in lingua(shared_data).values() for line in lines[:LINGUA_TRAIN_LINES]]
    sentences += novel[: len(novel) // 8]
    return SentencePieceModel(train_model(sentences, SMALL, seed=0)).processor


def normalized(sp: spm.SentencePieceProcessor, text: str) -> str:
    """`text` as the model normalizes it, spaces shown as spaces and without the dummy prefix."""
    return sp.normalize(text).replace("\u2581", " ").removeprefix(" ")


def round_trips(sp: spm.SentencePieceProcessor, texts: list[str]) -> list[str]:
    """The texts whose decode(encode(x)) is not the normalized x."""
    return [t for t, ids in zip(texts, sp.encode(texts)) if sp.decode(ids) != normalized(sp, t)]


def test_round_trip_on_held_out_multilingual_text(shared_data, multilingual_model):
    sp = multilingual_model
    held_out = [line for lines in lingua(shared_data).values() for line in lines[LINGUA_TRAIN_LINES:]]
    novel = novel_lines(shared_data)
    udhr = list(udhr_texts(shared_data).values())
    assert len(held_out) > 40_000 and len(udhr) > 400
    for texts in (held_out, novel[len(novel) // 8 :], udhr):
        assert round_trips(sp, texts) == []
    # Identity normalization changes only white space: the round trip gives the text back.
    assert sp.decode(sp.encode(novel[-1])) == novel[-1]
    # Scripts the model never saw (UDHR in ~450 languages) come back through byte fallback, never <unk>.
    ids = np.concatenate([np.array(i) for i in sp.encode(udhr)])
    assert not np.any(ids == sp.unk_id())
    assert any(sp.is_byte(int(i)) for i in ids)


def test_round_trip_with_nfkc_and_bpe(shared_data):
    config = dataclasses.replace(
        SMALL,
        model_type="bpe",
        normalization_rule_name="nmt_nfkc",
        vocab_size=2000,
        user_defined_symbols=("<|user|>", "<|assistant|>"),
    )
    text = (shared_data / "text/sentencepiece-novels/botchan.txt").read_text(encoding="utf-8").splitlines()
    sp = SentencePieceModel(train_model(text[:2000], config, seed=0)).processor
    others = lingua(shared_data)
    assert round_trips(sp, text[2000:] + others["de"] + others["ja"] + ["ｆｕｌｌ　ｗｉｄｔｈ ①"]) == []
    assert sp.decode(sp.encode("ｆｕｌｌ")) == "full"  # NFKC folded it
    assert sp.encode("<|user|>hi", out_type=str)[:2] == ["▁", "<|user|>"]  # a user-defined symbol is one piece


def test_same_sample_seed_and_threads_give_the_same_model(shared_data):
    lines = (shared_data / "text/sentencepiece-novels/botchan.txt").read_text(encoding="utf-8").splitlines()
    config = dataclasses.replace(SMALL, vocab_size=1000)
    first = train_model(lines, config, seed=7)
    assert train_model(lines, config, seed=7) == first
    sp = SentencePieceModel(first).processor
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()) == (0, 1, 2, 3)  # a pad piece by default
    assert [sp.encode(f"x{m}y", out_type=str).count(m) for m in ("<|im_start|>", "<|im_end|>")] == [
        1,
        1,
    ]  # chat markers
    assert sp.vocab_size() == 1000
    assert sp.decode(sp.encode("def f():\n    return  1")) == "def f():\n    return  1"  # spaces kept (code)


def test_language_rates_follow_temperature():
    sizes = {"en": 1_000_000, "de": 100_000, "sw": 1_000}
    assert language_rates(sizes, budget=10**9, alpha=0.3) == {"en": 1.0, "de": 1.0, "sw": 1.0}  # all fits
    rates = language_rates(sizes, budget=30_000, alpha=0.3)
    shares = {lang: rates[lang] * sizes[lang] for lang in sizes}
    assert shares["sw"] == pytest.approx(1_000)  # the small language gives all it has ...
    assert sum(shares.values()) == pytest.approx(30_000)
    assert shares["en"] / shares["de"] == pytest.approx(10**0.3)  # ... and the rest share ∝ n^0.3
    proportional = language_rates(sizes, budget=110_100 // 10, alpha=1.0)
    assert len(set(np.round(list(proportional.values()), 9))) == 1  # alpha 1: the same rate everywhere
    uniform = language_rates({"en": 1_000_000, "de": 100_000}, budget=20_000, alpha=0.0)
    assert uniform["en"] * 1_000_000 == pytest.approx(uniform["de"] * 100_000)  # alpha 0: equal shares
    assert language_rates({}, budget=10, alpha=0.3) == {}


def test_training_sentences_order_and_bounds():
    docs = [SampledDocument(0.5, "b", "de", "zwei\n\n drei \n" + "x" * 50), SampledDocument(0.1, "a", "en", "one\ntwo")]
    sample = training_sentences(docs, max_sentences=10, max_bytes=100, max_sentence_bytes=20)
    assert sample.sentences == ["one\ntwo", "zwei\n\n drei"]  # key order; runs of lines, stripped; long line out
    assert sample.by_language == {
        "de": {"documents": 1, "sentences": 1, "bytes": 11, "long_lines": 1},
        "en": {"documents": 1, "sentences": 1, "bytes": 7, "long_lines": 0},
    }
    bounded = {"max_sentence_bytes": 20}
    assert training_sentences(docs, max_sentences=1, max_bytes=100, **bounded).sentences == ["one\ntwo"]
    assert training_sentences(docs, max_sentences=10, max_bytes=10, **bounded).sentences == ["one\ntwo"]
    assert line_runs("a\nbb\nccc\n\n", 5) == (["a\nbb", "ccc"], 0)  # whole lines, at most 5 bytes a run
    assert line_runs("a\n" + "é" * 3 + "\nb", 5) == (["a", "b"], 1)  # 6 bytes: too long a line


def test_split_is_a_stable_hash_fraction():
    ids = [f"{i:032x}" for i in range(20_000)]
    splits = [split_of(i, seed=0, validation_fraction=0.1) for i in ids]
    assert splits == [split_of(i, seed=0, validation_fraction=0.1) for i in ids]
    assert 0.09 < splits.count("validation") / len(ids) < 0.11
    assert {split_of(i, seed=0, validation_fraction=0.0) for i in ids} == {"train"}
    assert splits != [split_of(i, seed=1, validation_fraction=0.1) for i in ids]


def unpack(table: pa.Table, ids: list[str]) -> dict[str, list[int]]:
    """Each document's tokens, rebuilt from the packed rows and their segments."""
    tokens: dict[str, list[int]] = {i: [] for i in ids}
    for row, starts, seg_ids in zip(
        *(table.column(c).to_pylist() for c in ("tokens", "segment_starts", "segment_ids"))
    ):
        assert starts[0] == 0 and starts == sorted(set(starts))
        for start, end, doc_id in zip(starts, [*starts[1:], len(row)], seg_ids):
            tokens[doc_id] += row[start:end]
    return tokens


@pytest.mark.parametrize("seq_len", [2, 7, 64, 10_000])
def test_packing_keeps_every_document_once_in_order(seq_len):
    rng = np.random.default_rng(seq_len)
    docs = [np.append(rng.integers(3, 60_000, size=n), 2).astype(np.uint16) for n in rng.integers(0, 150, size=40)]
    ids = [f"doc{i:02d}" for i in range(len(docs))]
    table = pa.ipc.open_file(
        pa.BufferReader(table_bytes(packed_table(ids, docs, seq_len=seq_len, dtype=np.uint16)))
    ).read_all()
    assert table.schema.field("tokens").type == pa.list_(pa.uint16())
    lengths = [len(r) for r in table.column("tokens").to_pylist()]
    assert all(n == seq_len for n in lengths[:-1]) and 0 < lengths[-1] <= seq_len
    assert sum(lengths) == sum(len(d) for d in docs)
    rebuilt = unpack(table, ids)
    assert all(rebuilt[i] == d.tolist() for i, d in zip(ids, docs))  # every token once, in order
    # Boundaries: a segment starts exactly where a document or a sequence starts.
    starts = np.cumsum([0, *map(len, docs)])[:-1]
    expected = sorted(set(starts.tolist()) | set(range(0, int(starts[-1] + len(docs[-1])), seq_len)))
    got = [r * seq_len + s for r, row in enumerate(table.column("segment_starts").to_pylist()) for s in row]
    assert got == expected


def test_packing_edge_cases():
    empty = pack([], 8)
    assert len(empty.tokens) == 0 and empty.row_offsets.tolist() == [0] and empty.segment_offsets.tolist() == [0]
    table = packed_table([], [], seq_len=8, dtype=np.uint32)
    assert table.num_rows == 0 and table.schema.field("tokens").type == pa.list_(pa.uint32())
    long = pack([np.arange(20, dtype=np.uint16)], 8)  # one document over three sequences
    assert long.row_offsets.tolist() == [0, 8, 16, 20] and long.segment_docs.tolist() == [0, 0, 0]
    docs = documents_table(["a", "b"], ["en", "ja"], [np.array([5, 2]), np.array([2])], dtype=np.uint16)
    assert docs.column("tokens").to_pylist() == [[5, 2], [2]]


def test_token_dtype_by_vocab_size():
    assert token_dtype(32_000) == np.uint16 and token_dtype(65_536) == np.uint16
    assert token_dtype(65_537) == np.uint32 and token_dtype(256_000) == np.uint32


def test_audit_numbers_on_a_small_corpus(multilingual_model):
    sp = multilingual_model
    model = SentencePieceModel(sp.serialized_model_proto())
    byte_mask = model.byte_pieces()
    assert byte_mask.sum() == 256 and all(sp.id_to_piece(int(i)).startswith("<0x") for i in np.flatnonzero(byte_mask))
    texts = {"en": "The cat sat on the mat.", "ja": "吾輩は猫である。", "xx": "𓀀𓀁"}  # Egyptian hieroglyphs: bytes
    totals = {}
    for lang, text in texts.items():
        (tokens,) = model.encode([text])
        assert tokens[-1] == sp.eos_id() and tokens.dtype == np.uint16
        totals[(lang, True)] = document_measures(text, tokens, byte_mask=byte_mask, unk_id=sp.unk_id())
    xx = dict(zip(MEASURES, totals[("xx", True)]))
    assert xx == {"documents": 1, "bytes": 8, "words": 1, "tokens": 9, "byte_tokens": 8, "unk_tokens": 0}  # ▁ + 8 bytes
    report = language_report(totals)
    assert report["xx"]["byte_fallback_rate"] == pytest.approx(8 / 9, abs=1e-6)
    assert report["ja"]["bytes_per_token"] > report["xx"]["bytes_per_token"]
    en = dict(zip(MEASURES, totals[("en", True)]))
    assert en["words"] == 7 and report["en"]["tokens_per_word"] == round(en["tokens"] / 7, 4)  # 6 words and "."
    # Without held-out documents a language is measured on the train split, fertility left out.
    train_only = language_report({("de", False): np.array([1, 10, 0, 5, 0, 0])})
    assert train_only["de"]["held_out"] is False and train_only["de"]["tokens_per_word"] is None


def test_vocabulary_report_lists_rare_ordinary_pieces(multilingual_model):
    sp = multilingual_model
    counts = sum_counts([np.ones(sp.vocab_size(), dtype=np.int64), np.zeros(10, dtype=np.int64)])
    counts[[500, 600]] = 0
    counts[700] = 0
    counts[0:6] = 0  # <unk>, <s>, </s>, <pad>: special; the two chat markers: user-defined; never listed
    markers = SMALL.user_defined_symbols
    report = vocabulary_report(sp, counts, max_count=0, exclude=markers)
    assert [p["id"] for p in report["rare"]] == [500, 600, 700]
    assert report["rare"][0]["piece"] == sp.id_to_piece(500)
    assert report["used"] == sp.vocab_size() - 9
    assert vocabulary_report(sp, counts, max_count=1, exclude=markers)["rare_pieces"] == sp.vocab_size() - 6 - 256
