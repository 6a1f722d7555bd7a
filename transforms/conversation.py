"""A fine-tuning example as it travels through the pipeline: a `Document` whose `meta["conversation"]` holds
the structured conversation and whose `text` is its plain rendering.

The reader (`transforms/io/sft.py`) turns Alpaca, ShareGPT, chat `messages` and preference records into one
shape, plain JSON data so that it is stored as is in the document shards' `meta`:

    {"format": "alpaca" | "sharegpt" | "messages",
     "system": "...",                       optional: the system prompt
     "tools": "...",                        optional: the tool definitions (JSON text), rendered into the system turn
     "turns": [{"role": ROLE, "content": "..."}, ...],
     "chosen": [turn, ...], "rejected": [turn, ...]}   preference pairs only: the two continuations of `turns`

Roles: `user`, `assistant`, `tool_call` (the assistant calling a tool: trained like `assistant`) and `tool`
(a tool's result). A turn with `"train": false` is an assistant turn left out of the loss (a record's
`loss_weight: 0`). The plain rendering (`plain_text`) is every content joined by blank lines, without roles or
markup: what language identification, quality and safety rules, dedup and decontamination read. Stages that
rewrite text (clean, PII redaction) rewrite each content on its own (`transforms/stages.py`), never across
turns; the chat template and its markup are applied only at tokenization (`tokenizer/chat.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CONVERSATION = "conversation"  # the meta key

USER, ASSISTANT, TOOL_CALL, TOOL = "user", "assistant", "tool_call", "tool"
ROLES = (USER, ASSISTANT, TOOL_CALL, TOOL)
RESPONSE_ROLES = frozenset({ASSISTANT, TOOL_CALL})  # what the model says: the trained turns
CONTINUATIONS = ("chosen", "rejected")  # the two continuations of a preference pair

Conversation = Mapping[str, Any]
Turn = Mapping[str, Any]


def is_preference(conversation: Conversation) -> bool:
    return "chosen" in conversation


def contents(conversation: Conversation) -> list[str]:
    """Every text of the conversation, in order: system, tools, the turns, then the continuations."""
    texts = [conversation[key] for key in ("system", "tools") if key in conversation]
    texts += [turn["content"] for turn in conversation["turns"]]
    for key in CONTINUATIONS:
        texts += [turn["content"] for turn in conversation.get(key, ())]
    return texts


def with_contents(conversation: Conversation, texts: Sequence[str]) -> dict[str, Any]:
    """A copy of `conversation` with its texts replaced, in the order `contents` lists them."""
    texts = iter(texts)
    copy: dict[str, Any] = dict(conversation)
    for key in ("system", "tools"):
        if key in copy:
            copy[key] = next(texts)
    for key in ("turns", *CONTINUATIONS):
        if key in copy:
            copy[key] = [{**turn, "content": next(texts)} for turn in copy[key]]
    return copy


def plain_text(conversation: Conversation) -> str:
    """The conversation as plain text: its non-empty contents joined by blank lines."""
    return "\n\n".join(text for text in contents(conversation) if text)
