"""Fine-tuning data (issue 15): the reader on every file of ../shared/data/sft, malformed records, the chat
template's segments and loss mask (the masked-in tokens decode to exactly the assistant turns), truncation,
per-turn rewriting by the clean and PII stages, launch-time errors, the pretraining recipe's model serving
fine-tuning, and the whole recipe: every kept example in exactly one shard row, byte-identical with 1 and 2
workers."""

from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pytest
import sentencepiece as spm
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from corpusforge.loader import SFT, ShardLoader, ShardSet
from corpusforge.pipeline.cli import main
from corpusforge.pipeline.config import ChatTemplateConfig, CleanConfig, ConfigError, SafetyConfig, TokenizerConfig
from corpusforge.tokenizer.chat import (
    MARKER_IN_CONTENT,
    TOO_LONG,
    ChatTemplate,
    EncodedExample,
    SegmentEncoder,
    encode_examples,
    missing_markers,
)
from corpusforge.tokenizer.encode import SentencePieceModel
from corpusforge.tokenizer.sft import pack_rows
from corpusforge.tokenizer.train import train_model
from corpusforge.transforms.conversation import CONVERSATION, RESPONSE_ROLES, TOOL_CALL, contents, plain_text
from corpusforge.transforms.document import Document, Rejection, SourceFile
from corpusforge.transforms.filters.clean import clean_stage
from corpusforge.transforms.io.sft import MALFORMED, UNKNOWN_FORMAT, SftRecordError, iter_sft, parse_example
from corpusforge.transforms.safety.pii import pii_stage
from corpusforge.transforms.stages import RunStage, Stage

REPO = Path(__file__).resolve().parents[1]
DEMO_FILES = [
    "llama-factory/alpaca_en_demo.json",
    "llama-factory/alpaca_zh_demo.json",
    "llama-factory/dpo_en_demo.json",
    "llama-factory/glaive_toolcall_en_demo.json",
    "llama-factory/identity.json",
    "llama-factory/v1_sft_demo.jsonl",
    "stanford-alpaca/seed_tasks.jsonl",
]
TEMPLATE = ChatTemplateConfig()
ROLE_OF = {"human": "user", "gpt": "assistant", "function_call": "tool_call", "observation": "tool"}


def raw_records(path: Path) -> list:
    """The file's records, read independently of the reader: a JSON array, or JSON lines."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else [json.loads(line) for line in text.splitlines()]


def read_examples(path: Path) -> list[Document | Rejection]:
    with path.open("rb") as f:
        return list(iter_sft(f, SourceFile(str(path), path.name, path.stat().st_size), max_line_bytes=10**8))


@pytest.mark.parametrize("name", DEMO_FILES)
def test_every_record_of_every_demo_file_becomes_its_conversation(shared_data, name):
    path = shared_data / "sft" / name
    records, items = raw_records(path), read_examples(path)
    assert len(items) == len(records) and all(isinstance(d, Document) for d in items)
    assert len({d.id for d in items}) == len(items)
    for record, doc in zip(records, items):
        conversation = doc.meta[CONVERSATION]
        assert doc.text == plain_text(conversation)
        turns = conversation["turns"]
        if "instruction" in record:  # Alpaca; the seed tasks keep input and output under `instances`
            instance = record["instances"][0] if "instances" in record else record
            query = instance["input"]
            assert [t["role"] for t in turns] == ["user", "assistant"]
            assert turns[0]["content"] == record["instruction"] + (f"\n{query}" if query else "")
            assert turns[1]["content"] == instance["output"]
        elif "messages" in record:  # LLaMA-Factory v1: content parts, loss weights
            assert [t["role"] for t in turns] == [m["role"] for m in record["messages"]]
            assert [t["content"] for t in turns] == [m["content"][0]["value"] for m in record["messages"]]
            assert all(t.get("train", True) for t in turns)
        else:  # ShareGPT, with a system turn, tools and function calls, or a preference pair
            messages = record["conversations"]
            if messages[0]["from"] == "system":
                assert conversation["system"] == messages[0]["value"]
                messages = messages[1:]
            assert [(t["role"], t["content"]) for t in turns] == [(ROLE_OF[m["from"]], m["value"]) for m in messages]
            assert conversation.get("tools") == (record.get("tools") or None)
            if "chosen" in record:
                assert conversation["chosen"] == [{"role": "assistant", "content": record["chosen"]["value"]}]
                assert conversation["rejected"] == [{"role": "assistant", "content": record["rejected"]["value"]}]


@pytest.mark.parametrize(
    "record, reason, detail",
    [
        ({"text": "a pretraining document"}, UNKNOWN_FORMAT, "no `messages`, `conversations`, `instruction`"),
        (["a", "list"], UNKNOWN_FORMAT, "not an object"),
        ({"instruction": "Say hi."}, MALFORMED, "output is missing"),
        ({"instruction": 5, "output": "hi"}, MALFORMED, "instruction is a JSON number, not a string"),
        ({"instruction": "a", "output": "b", "history": [["only a prompt"]]}, MALFORMED, "history[0] is not a"),
        ({"messages": "hi"}, MALFORMED, "messages is a JSON string, not a non-empty list"),
        ({"conversations": [{"from": "bot", "value": "x"}]}, MALFORMED, "conversations[0].role: 'bot' is not"),
        ({"conversations": [{"from": "gpt", "value": "hi"}]}, MALFORMED, "must start with a user turn"),
        ({"conversations": [{"from": "human", "value": "hi"}]}, MALFORMED, "must end with an assistant turn"),
        (
            {"messages": [{"role": "user", "content": " \n"}, {"role": "assistant", "content": "x"}]},
            MALFORMED,
            "turns[0]: an empty user turn",
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url"}]}, {"role": "assistant", "content": "x"}]},
            MALFORMED,
            "messages[0].content[0]: a part of type 'image_url'; only text parts",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": "b"},
                    {"role": "system", "content": "c"},
                ]
            },
            MALFORMED,
            "messages[2]: a system message after the first",
        ),
        (
            {"conversations": [{"from": "human", "value": "a"}], "chosen": {"from": "gpt", "value": "b"}},
            MALFORMED,
            "rejected is missing",
        ),
        (
            {"instruction": "a", "chosen": "b", "rejected": {"from": "human", "value": "c"}},
            MALFORMED,
            "rejected: a response must start and end with an assistant turn",
        ),
    ],
)
def test_a_record_that_fits_no_format_names_the_field(record, reason, detail):
    with pytest.raises(SftRecordError) as error:
        parse_example(record)
    assert error.value.reason == reason
    assert detail in str(error.value)


def test_bad_records_are_dead_letters_and_the_rest_of_the_file_is_read(tmp_path):
    lines = [
        json.dumps({"instruction": "Add 2 and 2.", "output": "4"}),
        "{not json",
        "",
        json.dumps({"text": "pretraining"}),
        json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = read_examples(path)
    assert [type(i).__name__ for i in items] == ["Document", "Rejection", "Rejection", "Rejection", "Document"]
    assert [i.reason for i in items if isinstance(i, Rejection)] == ["invalid_json", "blank_line", UNKNOWN_FORMAT]
    assert [i.meta[CONVERSATION]["format"] for i in items if isinstance(i, Document)] == ["alpaca", "messages"]


def test_openai_messages_tools_and_preference_conversations():
    tool = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    record = {
        "tools": [tool],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Time in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"type": "function", "function": {"name": "get_time", "arguments": '{"city": "Paris"}'}}
                ],
            },
            {"role": "tool", "content": "14:05"},
            {"role": "assistant", "content": "It is 14:05.", "loss_weight": 0},
            {"role": "user", "content": "Thanks"},
            {"role": "assistant", "content": "You are welcome."},
        ],
    }
    conversation = parse_example(record)
    assert conversation["system"] == "Be brief." and json.loads(conversation["tools"]) == [tool]
    assert [(t["role"], t.get("train", True)) for t in conversation["turns"]] == [
        ("user", True),
        ("tool_call", True),
        ("tool", True),
        ("assistant", False),
        ("user", True),
        ("assistant", True),
    ]
    assert json.loads(conversation["turns"][1]["content"]) == {"name": "get_time", "arguments": {"city": "Paris"}}

    hh = {  # two whole conversations (HH-RLHF, UltraFeedback): the shared turns are the prompt
        "chosen": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ],
        "rejected": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Lyon."},
        ],
    }
    pair = parse_example(hh)
    assert [t["content"] for t in pair["turns"]] == ["Hi", "Hello!", "Capital of France?"]
    assert pair["chosen"] == [{"role": "assistant", "content": "Paris."}]
    assert pair["rejected"] == [{"role": "assistant", "content": "Lyon."}]
    alpaca_pair = parse_example({"instruction": "2+2?", "input": "", "chosen": "4", "rejected": "5"})
    assert (
        alpaca_pair["turns"] == [{"role": "user", "content": "2+2?"}] and alpaca_pair["rejected"][0]["content"] == "5"
    )
    completion = parse_example({"prompt": "Once upon", "completion": " a time"})
    assert [t["content"] for t in completion["turns"]] == ["Once upon", " a time"]


# --- the template and the loss mask ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model(shared_data) -> SentencePieceModel:
    """A small model trained on the demo texts, with the template's markers (as the recipe trains it)."""
    texts = [d.text for name in DEMO_FILES for d in read_examples(shared_data / "sft" / name)]
    config = TokenizerConfig(vocab_size=4000, num_threads=2)  # the default markers and pad piece
    return SentencePieceModel(train_model(texts, config, seed=0))


def encode(conversations, model, *, train_on="all", max_length=100_000, truncation="drop", template=TEMPLATE):
    chat = ChatTemplate(template)
    return encode_examples(
        conversations,
        chat,
        SegmentEncoder(model, chat),
        train_on=train_on,
        max_length=max_length,
        truncation=truncation,
    )


def masked_runs(sp: spm.SentencePieceProcessor, ids: np.ndarray, mask: np.ndarray) -> list[str]:
    """The text of each run of loss-mask-1 tokens."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [sp.decode(ids[start:end].tolist()) for start, end in zip(edges[::2], edges[1::2])]


def rendered(conversation, turns) -> str:
    """The conversation rendered by string replacement of the template, independently of the encoder."""

    def role(name, content):
        return getattr(TEMPLATE, name).replace("{content}", content)

    system = conversation.get("system", "")
    if conversation.get("tools"):
        lines = "\n".join(json.dumps(t, ensure_ascii=False) for t in json.loads(conversation["tools"]))
        block = TEMPLATE.tools.replace("{content}", lines)
        system = f"{system}\n\n{block}" if system else block
    text = role("system", system) if system else ""
    for turn in turns:
        content = turn["content"]
        if turn["role"] == TOOL_CALL:
            content = TEMPLATE.tool_call.replace("{content}", content)
        text += role("assistant" if turn["role"] in RESPONSE_ROLES else turn["role"], content)
    return text


def answers(turns) -> list[str]:
    """What the mask must cover: each trained response and the end-of-turn marker after it."""
    found = []
    for turn in turns:
        if turn["role"] in RESPONSE_ROLES and turn.get("train", True):
            content = turn["content"]
            if turn["role"] == TOOL_CALL:
                content = TEMPLATE.tool_call.replace("{content}", content)
            found.append(content + TEMPLATE.end_of_turn)
    return found


@pytest.mark.parametrize("name", DEMO_FILES)
def test_masked_in_tokens_decode_to_exactly_the_assistant_turns(shared_data, model, name):
    sp = model.processor
    conversations = [d.meta[CONVERSATION] for d in read_examples(shared_data / "sft" / name)]
    results = encode(conversations, model)
    assert all(isinstance(r, EncodedExample) for r in results)
    for conversation, result in zip(conversations, results):
        for part, encoded in result.parts.items():
            ids, mask = encoded.input_ids, encoded.loss_mask
            assert ids.dtype == np.uint16 and mask.dtype == np.uint8 and len(ids) == len(mask)
            turns = [*conversation["turns"], *conversation.get(part.rstrip("_"), ())]
            assert sp.decode(ids.tolist()) == rendered(conversation, turns)
            trained = conversation[part.rstrip("_")] if part else turns  # a pair trains its continuation only
            assert masked_runs(sp, ids, mask) == answers(trained)


def test_train_on_last_turn_and_loss_weight(shared_data, model):
    sp = model.processor
    records = raw_records(shared_data / "sft/llama-factory/glaive_toolcall_en_demo.json")
    conversation = next(c for c in map(parse_example, records) if len(c["turns"]) >= 6)
    (last,) = encode([conversation], model, train_on="last")
    (last_answer,) = masked_runs(sp, last.parts[""].input_ids, last.parts[""].loss_mask)
    assert last_answer == conversation["turns"][-1]["content"] + "<|im_end|>"
    turns = list(conversation["turns"])
    first = next(i for i, t in enumerate(turns) if t["role"] in RESPONSE_ROLES)
    turns[first] = {**turns[first], "train": False}  # a message's loss_weight: 0
    weighted = {**conversation, "turns": turns}
    (result,) = encode([weighted], model)
    assert masked_runs(sp, result.parts[""].input_ids, result.parts[""].loss_mask) == answers(weighted["turns"])
    assert len(answers(weighted["turns"])) == len(answers(conversation["turns"])) - 1


def test_truncation_cuts_the_oldest_exchanges_or_drops(shared_data, model):
    sp = model.processor
    records = raw_records(shared_data / "sft/llama-factory/glaive_toolcall_en_demo.json")
    conversation = next(c for c in map(parse_example, records) if sum(t["role"] == "user" for t in c["turns"]) >= 3)
    (whole,) = encode([conversation], model)
    full = len(whole.parts[""].input_ids)
    (cut,) = encode([conversation], model, max_length=full - 1, truncation="cut_history")
    assert cut.exchanges_cut >= 1 and len(cut.parts[""].input_ids) <= full - 1
    text = sp.decode(cut.parts[""].input_ids.tolist())
    assert text.startswith("<|im_start|>system\n# Tools")  # the system turn (the tools) stays
    assert conversation["turns"][0]["content"] not in text and conversation["turns"][-1]["content"] in text
    assert encode([conversation], model, max_length=full - 1, truncation="drop")[0][0] == TOO_LONG
    reason, detail = encode([conversation], model, max_length=10, truncation="cut_history")[0]
    assert reason == TOO_LONG and "with only its last exchange" in detail


def test_a_marker_inside_a_turn_drops_the_example(model):
    conversation = parse_example({"instruction": "Print <|im_end|> please", "output": "ok"})
    assert encode([conversation], model)[0][0] == MARKER_IN_CONTENT


def test_template_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"sft\.template\.user: expected \{content\} exactly once"):
        ChatTemplate(ChatTemplateConfig(user="<|im_start|>user\n<|im_end|>\n"))
    with pytest.raises(ConfigError, match=r"sft\.template\.assistant: the end-of-turn marker"):
        ChatTemplate(ChatTemplateConfig(assistant="<|im_start|>assistant\n{content}\n<|im_end|>\n"))
    with pytest.raises(ConfigError, match=r"sft\.template\.end_of_turn: '</s>' is not one of"):
        ChatTemplate(ChatTemplateConfig(end_of_turn="</s>"))


def test_pack_rows_keeps_order_and_fills_rows():
    assert pack_rows([3, 4, 2, 5, 1], 7) == [[0, 1], [2, 3], [4]]
    assert pack_rows([7, 7], 7) == [[0], [1]]
    assert pack_rows([], 7) == []


def test_the_pretraining_recipes_model_has_every_marker_as_one_piece_and_a_pad(sample_run):
    model = SentencePieceModel((sample_run / "tokenizer/tokenizer.model").read_bytes())
    sp = model.processor
    assert missing_markers(model, ChatTemplate(TEMPLATE)) == []
    for marker in TEMPLATE.markers:
        assert sp.encode(f"a{marker}b", out_type=str).count(marker) == 1
    assert sp.pad_id() == 3 and sp.id_to_piece(3) == "<pad>"


# --- per-turn rewriting in the stage runner ------------------------------------------------------------------------


def conversation_doc(record, i=0) -> Document:
    conversation = parse_example(record)
    return Document(id=f"{i:032x}", text=plain_text(conversation), source="t", meta={CONVERSATION: conversation})


def test_clean_and_pii_rewrite_inside_every_turn():
    record = {
        "system": "You  answer\u200b briefly.  ",
        "instruction": "Mail  jane.doe@example.com   now",
        "output": "Done:\u00a0I wrote to jane.doe@example.com.\n\n\n\nBye",
    }
    stages = [clean_stage(CleanConfig()), pii_stage(SafetyConfig())]
    with TestPipeline() as p:
        docs = p | beam.Create([conversation_doc(record)])
        for stage in stages:
            docs = (docs | f"Run{stage.name}" >> RunStage(stage)).documents
        assert_that(
            docs | beam.Map(lambda d: (contents(d.meta[CONVERSATION]), d.text == plain_text(d.meta[CONVERSATION]))),
            equal_to([(["You answer briefly.", "Mail <EMAIL> now", "Done: I wrote to <EMAIL>.\n\nBye"], True)]),
        )


def test_the_verdict_is_on_the_whole_conversation():
    # Three addresses in each of two turns: six spans over the whole, more than max_spans (5), though neither
    # turn alone has more than three.
    addresses = " ".join(f"user{i}@example.com" for i in range(3))
    doc = conversation_doc({"instruction": f"Write to {addresses}", "output": f"Sent to {addresses}"})
    (result,) = pii_stage(SafetyConfig()).apply([doc])
    assert isinstance(result, Rejection) and result.reason == "too_much_pii"
    plain = Document(id="p", text=f"Write to {addresses}")  # a pretraining document is rewritten as before
    (kept,) = pii_stage(SafetyConfig()).apply([plain])
    assert kept.text == "Write to <EMAIL> <EMAIL> <EMAIL>" and CONVERSATION not in kept.meta


def test_annotate_only_changes_no_turn():
    doc = conversation_doc({"instruction": "Mail jane.doe@example.com", "output": "ok"})
    stage = Stage("pii", pii_stage(SafetyConfig()).filters, pii_stage(SafetyConfig()).thresholds, annotate=True)
    (result,) = stage.apply([doc])
    assert result.meta[CONVERSATION] == doc.meta[CONVERSATION] and result.text == doc.text


# --- launch-time errors ------------------------------------------------------------------------------------------


def test_a_model_without_the_markers_is_refused_at_launch(shared_data, tmp_path, capsys):
    lines = (shared_data / "text/sentencepiece-novels/botchan.txt").read_text(encoding="utf-8").splitlines()
    model = tmp_path / "plain.model"
    model.write_bytes(train_model(lines, TokenizerConfig(vocab_size=1000, user_defined_symbols=()), seed=0))
    args = ["run", str(REPO / "run_configs/sft.yaml"), "--input", str(shared_data / "sft/llama-factory/identity.json")]
    args += ["--output", str(tmp_path / "out"), "--quiet", "--set", f"tokenizer.model_path={model}"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the chat template's markers <|im_start|>, <|im_end|> are not single pieces" in err[0]
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize(
    "override, message",
    [
        ("input.format=jsonl", "sft.enabled: needs input.format: sft"),
        ("tokenizer.enabled=false", "sft.enabled: needs tokenizer.enabled"),
        ("sft.template.tool=no placeholder", r"sft.template.tool: expected {content} exactly once"),
        ("sft.train_on=first", "sft.train_on: expected one of 'all', 'last'"),
    ],
)
def test_bad_sft_settings_exit_2_with_one_line(shared_data, tmp_path, capsys, override, message):
    args = ["run", str(REPO / "run_configs/sft.yaml"), "--input", str(shared_data / "sft/llama-factory/identity.json")]
    assert main([*args, "--output", str(tmp_path / "out"), "--quiet", "--set", override]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


# --- the recipe ------------------------------------------------------------------------------------------------


def read_table(paths) -> pa.Table:
    return pa.concat_tables(pa.ipc.open_file(pa.memory_map(str(p))).read_all() for p in sorted(paths))


def test_the_recipe_on_every_demo_file_is_deterministic_and_keeps_each_example_once(
    shared_data, tmp_path, run_with_one_and_two_workers
):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in DEMO_FILES:  # the first 60 records of each file, same format
        records = raw_records(shared_data / "sft" / name)[:60]
        target = inputs / Path(name).name
        if target.suffix == ".json":
            target.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        else:
            target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    settings = ("tokenizer.vocab_size=3000", "sft.packing=true", "sft.max_length=8192")
    manifest = run_with_one_and_two_workers(
        str(REPO / "run_configs/sft.yaml"), "--input", str(inputs / "*"), *(a for s in settings for a in ("--set", s))
    )
    out = tmp_path / "out1"
    stats = json.loads((out / "stats.json").read_text())
    assert stats["reconciled"] and stats["records_read"] == 7 * 60 and stats["dead_lettered"] == 0
    assert stats["kept"] == sum(manifest["sft"]["examples"].values()) > 300
    assert set(stats["sft"]["formats"]) == {"alpaca", "messages", "sharegpt", "sharegpt preference"}
    assert stats["sft"]["examples_cut"] == 0 and "too_long" not in stats["stages"]["sft"].get("dropped", {})
    cpu = json.loads((out / "timings.json").read_text())["stage_cpu_secs"]
    assert cpu["tokenizer_training"] > 0 and cpu["sft"] > 0  # training, and encoding with the SFT shards

    documents = read_table((out / "documents").glob("*.arrow"))
    kept = dict(zip(documents.column("id").to_pylist(), documents.column("meta").to_pylist()))
    sp = spm.SentencePieceProcessor(model_file=str(out / "tokenizer/tokenizer.model"))
    seen = []
    for split in ("train", "validation"):
        table = read_table((out / "sft" / split).glob("*.arrow"))
        for row in table.to_pylist():
            assert len(row["input_ids"]) <= 8192 and row["segment_starts"][0] == 0
            bounds = [*row["segment_starts"], len(row["input_ids"])]
            for k, example_id in enumerate(row["ids"]):
                ids = np.array(row["input_ids"][bounds[k] : bounds[k + 1]])
                mask = np.array(row["loss_mask"][bounds[k] : bounds[k + 1]])
                conversation = json.loads(kept[example_id])[CONVERSATION]
                assert masked_runs(sp, ids, mask) == answers(conversation["turns"])
                seen.append(example_id)
    for split in ("preference_train", "preference_validation"):
        if (out / "sft" / split).exists():
            seen += read_table((out / "sft" / split).glob("*.arrow")).column("id").to_pylist()
    assert sorted(seen) == sorted(kept)  # every kept example in exactly one row
    shards = ShardSet.from_run(out, kind=SFT, split="train")
    assert shards.layout == "sft_packed" and len(list(ShardLoader(shards, batch_size=4, seed=0))) > 0


def test_the_sample_runs_model_tokenizes_fine_tuning_data(sft_runs, sample_run):
    run = sft_runs["sft"]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["tokenizer"]["trained"] is False  # tokenizer.model_path: the pretraining recipe's model
    assert (run / "tokenizer/tokenizer.model").read_bytes() == (sample_run / "tokenizer/tokenizer.model").read_bytes()
    layouts = {"train": "sft", "preference_train": "preference"}
    for split, layout in layouts.items():
        shards = ShardSet.from_run(run, kind=SFT, split=split, verify=True)
        assert shards.layout == layout and shards.dtype == np.uint16 and shards.pad_id == 3
