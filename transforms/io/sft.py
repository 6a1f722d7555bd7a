"""Reading fine-tuning data: Alpaca, ShareGPT, chat `messages` and preference pairs, from JSON lines or JSON
array files, as `Document`s that carry the conversation (`transforms/conversation.py`).

Chosen with `input.format: sft` (a file name cannot tell an Alpaca JSON file from any other JSON), then decided
record by record from its fields, as LLaMA-Factory's `alpaca` and `sharegpt` formats and OpenAI's chat format
define them (LLaMA-Factory `data/README.md`):

- **messages**: `messages: [{role, content}]`, roles `system` (first only), `user`, `assistant`, `tool`
  (`function`, `ipython`); `content` a string or a list of text parts (`[{"type": "text", "text"|"value": ...}]`,
  as LLaMA-Factory's v1 format writes it); an assistant message's `tool_calls` become `tool_call` turns; a
  message's `loss_weight: 0` leaves an assistant turn out of the loss; optional `tools` (a list, or JSON text).
- **ShareGPT**: `conversations: [{from, value}]`, `from` one of `human`, `gpt`, `function_call`,
  `observation`, `system` (first only); optional `system` and `tools` (JSON text, as in the tool-call demo).
- **Alpaca**: `instruction`, optional `input` (the user turn is `instruction` + newline + `input`), `output`,
  optional `system` and `history` (`[[prompt, response], ...]`, earlier turns, trained too). Stanford Alpaca's
  seed tasks keep input and output under `instances`: the first instance is used, as Stanford's own
  `generate_instruction.py` does. `prompt`/`completion` records (OpenAI's legacy fine-tuning format) too.
- **preference pairs**: any of the above as the prompt plus `chosen` and `rejected`: strings (Alpaca), one
  message each (ShareGPT: `{"from": "gpt", "value": ...}`), or lists of messages; two full conversations
  (`chosen`/`rejected` that start with the user, as in HH-RLHF and UltraFeedback) share their common first
  turns as the prompt.

A conversation starts with a user turn (after the system prompt) and ends with a response (an assistant or
tool-call turn); a preference prompt ends with a user or tool turn and both continuations are responses.
LLaMA-Factory also requires strict alternation; we do not, as multi-call tool turns break it legitimately.

Every record gives one `Document` (its `text` is the plain rendering, `conversation.plain_text`) or one
dead letter naming the field: `unknown_sft_format` (no field of any format) or `malformed_sft_record`
(a field of the wrong type, an unknown role, an empty turn, a conversation that starts or ends wrong), besides
what the JSON reader rejects (`invalid_json`, `line_too_long`, ...; `text_formats.iter_json_values`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from corpusforge.transforms.conversation import (
    ASSISTANT,
    CONVERSATION,
    RESPONSE_ROLES,
    TOOL,
    TOOL_CALL,
    USER,
    plain_text,
)
from corpusforge.transforms.document import Document, Rejection, SourceFile, Verdict, make_doc_id, sanitize_text
from corpusforge.transforms.io.text_formats import STAGE, JsonRecord, iter_json_values, json_type

UNKNOWN_FORMAT = "unknown_sft_format"
MALFORMED = "malformed_sft_record"
_DETAIL_CHARS = 300

_SYSTEM = "system"
# Role names of the formats → our roles.
_ROLES = {
    "user": USER,
    "human": USER,
    "assistant": ASSISTANT,
    "gpt": ASSISTANT,
    "model": ASSISTANT,
    "function_call": TOOL_CALL,
    "tool": TOOL,
    "observation": TOOL,
    "function": TOOL,
    "ipython": TOOL,
    "system": _SYSTEM,
}


class SftRecordError(ValueError):
    """A record that is not a fine-tuning example: `reason` (UNKNOWN_FORMAT or MALFORMED), and the message
    names the field."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def _malformed(detail: str) -> SftRecordError:
    return SftRecordError(MALFORMED, detail)


def parse_example(record: Any) -> dict[str, Any]:
    """The conversation of one record (module docstring), or SftRecordError naming the missing or bad field."""
    if not isinstance(record, Mapping):
        raise SftRecordError(UNKNOWN_FORMAT, f"the record is a JSON {json_type(record)}, not an object")
    if "chosen" in record or "rejected" in record:
        return _preference(record)
    conversation = _prompt_and_turns(record, require_response=True)
    _check_sequence(conversation["turns"], "turns", ends_with_response=True)
    return conversation


def _prompt_and_turns(record: Mapping[str, Any], *, require_response: bool) -> dict[str, Any]:
    """format, system, tools and turns from whichever format's fields the record has."""
    if "messages" in record:
        return _messages(record, "messages", "messages")
    if "conversations" in record:
        return _messages(record, "conversations", "sharegpt")
    if "instruction" in record or "prompt" in record:
        return _alpaca(record, require_response=require_response)
    keys = ", ".join(sorted(map(str, record))[:12]) or "none"
    raise SftRecordError(
        UNKNOWN_FORMAT, f"no `messages`, `conversations`, `instruction` or `prompt` field (fields: {keys})"
    )


def _text(value: Any, field: str, *, optional: bool = False) -> str:
    if value is None:
        if optional:
            return ""
        raise _malformed(f"{field} is missing (or null)")
    if not isinstance(value, str):
        raise _malformed(f"{field} is a JSON {json_type(value)}, not a string")
    return sanitize_text(value)


def _messages(record: Mapping[str, Any], field: str, fmt: str) -> dict[str, Any]:
    messages = record[field]
    if not isinstance(messages, list) or not messages:
        raise _malformed(f"{field} is a JSON {json_type(messages)}, not a non-empty list of messages")
    conversation: dict[str, Any] = {"format": fmt}
    if record.get("system") is not None:
        conversation["system"] = _text(record["system"], "system")
    tools = _tools(record.get("tools"))
    if tools:
        conversation["tools"] = tools
    turns = []
    for i, message in enumerate(messages):
        role, parsed = _message(message, f"{field}[{i}]")
        if role == _SYSTEM:
            if i:
                raise _malformed(f"{field}[{i}]: a system message after the first")
            conversation["system"] = parsed[0]["content"]
        else:
            turns += parsed
    conversation["turns"] = turns
    return conversation


def _message(message: Any, where: str) -> tuple[str, list[dict[str, Any]]]:
    """(role, turns) of one message: usually one turn; an assistant message with `tool_calls` gives its text
    (if any) and one `tool_call` turn per call."""
    if not isinstance(message, Mapping):
        raise _malformed(f"{where} is a JSON {json_type(message)}, not a message object")
    name = message.get("role", message.get("from"))
    if not isinstance(name, str):
        raise _malformed(f"{where}: no `role` (or `from`) string")
    role = _ROLES.get(name.lower())
    if role is None:
        raise _malformed(f"{where}.role: {name!r} is not a known role ({', '.join(sorted(_ROLES))})")
    raw = message.get("content", message.get("value"))
    calls = message.get("tool_calls") if role == ASSISTANT else None
    content = _content(raw, f"{where}.content", optional=bool(calls))
    trained = not (role in RESPONSE_ROLES and message.get("loss_weight") == 0)
    turns = [{"role": role, "content": content}] if content or not calls else []
    if calls:
        if not isinstance(calls, list):
            raise _malformed(f"{where}.tool_calls is a JSON {json_type(calls)}, not a list")
        turns += [
            {"role": TOOL_CALL, "content": _tool_call(call, f"{where}.tool_calls[{j}]")} for j, call in enumerate(calls)
        ]
    if not trained:
        turns = [{**turn, "train": False} for turn in turns]
    return role, turns


def _content(value: Any, where: str, *, optional: bool = False) -> str:
    """A message's text: a string, or the text parts of a list of content parts joined."""
    if isinstance(value, list):
        texts = []
        for j, part in enumerate(value):
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind != "text":
                raise _malformed(f"{where}[{j}]: a part of type {kind!r}; only text parts are supported")
            texts.append(_text(part.get("text", part.get("value")), f"{where}[{j}].text"))
        return "".join(texts)
    return _text(value, where, optional=optional)


def _tool_call(call: Any, where: str) -> str:
    """An OpenAI tool call as the JSON object ShareGPT's `function_call` turns hold: {"name", "arguments"}."""
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise _malformed(f"{where}: no `function` with a `name`")
    arguments = function.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            pass  # kept as the string it is
    return sanitize_text(json.dumps({"name": function["name"], "arguments": arguments}, ensure_ascii=False))


def _tools(value: Any) -> str:
    """Tool definitions as JSON text: a string as given (ShareGPT), a list serialized (OpenAI)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, str):
        return sanitize_text(value)
    if isinstance(value, list):
        return sanitize_text(json.dumps(value, ensure_ascii=False))
    raise _malformed(f"tools is a JSON {json_type(value)}, not a string or a list")


def _alpaca(record: Mapping[str, Any], *, require_response: bool) -> dict[str, Any]:
    if "instruction" not in record:  # prompt / completion
        turns = [{"role": USER, "content": _text(record["prompt"], "prompt")}]
        if require_response:
            turns.append({"role": ASSISTANT, "content": _text(record.get("completion"), "completion")})
        return {"format": "alpaca", "turns": turns}
    instance: Mapping[str, Any] = record
    if "output" not in record and isinstance(record.get("instances"), list) and record["instances"]:
        instance = record["instances"][0]  # Stanford Alpaca's seed tasks
        if not isinstance(instance, Mapping):
            raise _malformed(f"instances[0] is a JSON {json_type(instance)}, not an object")
    conversation: dict[str, Any] = {"format": "alpaca"}
    if record.get("system"):
        conversation["system"] = _text(record["system"], "system")
    turns = []
    history = record.get("history") or []
    if not isinstance(history, list):
        raise _malformed(f"history is a JSON {json_type(history)}, not a list of [prompt, response] pairs")
    for i, pair in enumerate(history):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise _malformed(f"history[{i}] is not a [prompt, response] pair")
        turns += [
            {"role": USER, "content": _text(pair[0], f"history[{i}][0]")},
            {"role": ASSISTANT, "content": _text(pair[1], f"history[{i}][1]")},
        ]
    instruction = _text(record["instruction"], "instruction")
    query = _text(instance.get("input"), "input", optional=True)
    turns.append({"role": USER, "content": f"{instruction}\n{query}" if query else instruction})
    if require_response:
        turns.append({"role": ASSISTANT, "content": _text(instance.get("output"), "output")})
    conversation["turns"] = turns
    return conversation


def _preference(record: Mapping[str, Any]) -> dict[str, Any]:
    for key in ("chosen", "rejected"):
        if record.get(key) is None:
            raise _malformed(f"a preference pair needs both `chosen` and `rejected`; {key} is missing")
    chosen, rejected = _continuation(record["chosen"], "chosen"), _continuation(record["rejected"], "rejected")
    if chosen[0]["role"] == USER and rejected[0]["role"] == USER:  # two whole conversations (HH-RLHF style)
        shared = 0
        while shared < min(len(chosen), len(rejected)) - 1 and chosen[shared] == rejected[shared]:
            shared += 1
        conversation = {"format": "messages", "turns": chosen[:shared]}
        chosen, rejected = chosen[shared:], rejected[shared:]
    else:
        conversation = _prompt_and_turns(record, require_response=False)
    _check_sequence(conversation["turns"], "the prompt", ends_with_response=False)
    for key, turns in (("chosen", chosen), ("rejected", rejected)):
        if turns[0]["role"] not in RESPONSE_ROLES or turns[-1]["role"] not in RESPONSE_ROLES:
            raise _malformed(f"{key}: a response must start and end with an assistant turn")
        _check_contents(turns, key)
        conversation[key] = turns
    return conversation


def _continuation(value: Any, key: str) -> list[dict[str, Any]]:
    """A preference continuation as turns: a string (an assistant answer), one message, or a list of them."""
    if isinstance(value, str):
        return [{"role": ASSISTANT, "content": sanitize_text(value)}]
    messages = value if isinstance(value, list) else [value]
    if not messages:
        raise _malformed(f"{key} is an empty list")
    turns = []
    for i, message in enumerate(messages):
        role, parsed = _message(message, f"{key}[{i}]" if isinstance(value, list) else key)
        if role == _SYSTEM:
            raise _malformed(f"{key}[{i}]: a system message inside a response")
        turns += parsed
    return turns


def _check_sequence(turns: list[dict[str, Any]], where: str, *, ends_with_response: bool) -> None:
    if not turns or turns[0]["role"] != USER:
        raise _malformed(f"{where}: a conversation must start with a user turn (after the system prompt)")
    if (turns[-1]["role"] in RESPONSE_ROLES) != ends_with_response:
        end = "an assistant turn" if ends_with_response else "a user or tool turn (the responses follow)"
        raise _malformed(f"{where}: must end with {end}, not a {turns[-1]['role']} turn")
    _check_contents(turns, where)


def _check_contents(turns: list[dict[str, Any]], where: str) -> None:
    for i, turn in enumerate(turns):
        if not turn["content"].strip():
            raise _malformed(f"{where}[{i}]: an empty {turn['role']} turn")


def iter_sft(
    stream: BinaryIO, source: SourceFile, *, max_line_bytes: int, id_field: str | None = "id"
) -> Iterator[Document | Rejection]:
    """One `Document` (with `meta["conversation"]`) or `Rejection` per line of a JSONL file, or element of a
    JSON array file, of fine-tuning records."""
    for record in iter_json_values(stream, source, max_line_bytes=max_line_bytes):
        yield record if isinstance(record, Rejection) else _example(record, source, id_field)


def _example(record: JsonRecord, source: SourceFile, id_field: str | None) -> Document | Rejection:
    value = record.value
    source_id = value.get(id_field) if id_field and isinstance(value, Mapping) else None
    source_id = sanitize_text(str(source_id)) if type(source_id) in (str, int) else None  # not a bool
    try:
        conversation = parse_example(value)
    except SftRecordError as e:
        detail = str(e)[:_DETAIL_CHARS]
        return Rejection(
            Verdict.DEAD_LETTER, STAGE, e.reason, source.relpath, record.offset, source_id, record.nbytes, detail
        )
    return Document(
        id=make_doc_id(source.relpath, record.offset),
        text=plain_text(conversation),
        source=source.relpath,
        source_id=source_id,
        meta={"offset": record.offset, CONVERSATION: conversation},
    )
