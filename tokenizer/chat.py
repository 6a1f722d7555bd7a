"""The chat template: a conversation (`transforms/conversation.py`) rendered and tokenized by segments, with
an exact loss mask.

The template is data (`sft.template`, `ChatTemplateConfig`): each role's string holds `{content}` once, e.g.
ChatML's `<|im_start|>assistant\\n{content}<|im_end|>\\n`. Its role markers are single pieces of the tokenizer
(user-defined symbols: SentencePiece never splits them, nor joins them with their neighbours). A tool call is an
assistant turn whose content is `tool_call` applied to the call; the tool definitions (`tools`, one JSON
object a line) follow the system prompt in the system turn, as LLaMA-Factory and Qwen2.5 render them.

Loss mask, per token: 1 on the content of a trained assistant (or tool-call) turn and on the end-of-turn
marker after it, 0 on system, user and tool turns and on all markup (the role header the server writes at
inference is the prompt; the model must produce the answer and the marker that ends it). `train_on: last`
trains the last response only; a turn read with `loss_weight: 0` is never trained; a preference pair trains
its two continuations only, each after the shared prompt.

Segments. The rendering is cut where the mask changes (before a trained content, after its end-of-turn marker)
and between exchanges, and each segment is encoded on its own, so no token straddles a mask boundary. A
segment is encoded as it would be in the middle of the string: after a marker, which SentencePiece never
prefixes with its dummy space (`_SegmentEncoder`); the first segment of a sequence is encoded plainly. At a
marker boundary this gives the tokens of encoding the whole string; inside a turn (role header | content) it
is also what inference does (the prompt ends with the header, the answer's tokens start afresh).

Truncation: an exchange is a user turn with every turn up to the next user turn. `cut_history` removes the
oldest exchanges (the system turn stays) until the sequence fits `max_length`; what does not fit even with its
last exchange alone is dropped, as is everything with `truncation: drop`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from corpusforge.pipeline.config import ChatTemplateConfig, ConfigError
from corpusforge.tokenizer.encode import SentencePieceModel, token_dtype
from corpusforge.transforms.conversation import (
    ASSISTANT,
    CONTINUATIONS,
    RESPONSE_ROLES,
    TOOL_CALL,
    USER,
    Conversation,
    contents,
    is_preference,
)

PLACEHOLDER = "{content}"
_ROLE_KEYS = ("system", "user", "assistant", "tool")

# Drop reasons of the SFT stage.
TOO_LONG = "too_long"
MARKER_IN_CONTENT = "marker_in_content"


@dataclasses.dataclass(frozen=True)
class Segment:
    """A piece of the rendered conversation, trained (loss mask 1) or not."""

    text: str
    trained: bool


class ChatTemplate:
    """A validated `ChatTemplateConfig`: renders a conversation as segments (module docstring)."""

    def __init__(self, config: ChatTemplateConfig):
        self.config = config
        self.markers = tuple(config.markers)
        self.end_of_turn = config.end_of_turn
        self._roles = {key: self._split(getattr(config, key), f"sft.template.{key}") for key in _ROLE_KEYS}
        self._tool_call = self._split(config.tool_call, "sft.template.tool_call")
        self._tools = self._split(config.tools, "sft.template.tools")
        if not self.markers or any(not m for m in self.markers) or len(set(self.markers)) < len(self.markers):
            raise ConfigError("sft.template.markers: expected distinct, non-empty marker strings")
        if self.end_of_turn not in self.markers:
            raise ConfigError(f"sft.template.end_of_turn: {self.end_of_turn!r} is not one of sft.template.markers")
        if not self._roles["assistant"][1].startswith(self.end_of_turn):
            raise ConfigError(
                f"sft.template.assistant: the end-of-turn marker {self.end_of_turn!r} must follow {PLACEHOLDER} "
                "(it is trained with the answer)"
            )

    @staticmethod
    def _split(template: str, key: str) -> tuple[str, str]:
        if template.count(PLACEHOLDER) != 1:
            raise ConfigError(f"{key}: expected {PLACEHOLDER} exactly once in {template!r}")
        prefix, suffix = template.split(PLACEHOLDER)
        return prefix, suffix

    def marker_in(self, conversation: Conversation) -> str | None:
        """A marker written inside a turn's text (it would become a role token), or None."""
        for text in contents(conversation):
            for marker in self.markers:
                if marker in text:
                    return marker
        return None

    def system_turn(self, conversation: Conversation) -> list[Segment]:
        """The system turn (system prompt, then the tool definitions), or nothing."""
        system = conversation.get("system") or self.config.default_system or ""
        tools = conversation.get("tools")
        if tools:
            prefix, suffix = self._tools
            block = prefix + _tool_lines(tools) + suffix
            system = f"{system}\n\n{block}" if system else block
        if not system:
            return []
        prefix, suffix = self._roles["system"]
        return [Segment(prefix + system + suffix, False)]

    def turn(self, turn: Mapping[str, Any], trained: bool) -> list[Segment]:
        """One turn's segments: markup and content apart where the content is trained."""
        role, content = turn["role"], turn["content"]
        if role == TOOL_CALL:
            content = self._tool_call[0] + content + self._tool_call[1]
        prefix, suffix = self._roles[ASSISTANT if role in RESPONSE_ROLES else role]
        if not trained:
            return [Segment(prefix + content + suffix, False)]
        eot = len(self.end_of_turn)
        segments = [Segment(prefix, False), Segment(content + suffix[:eot], True), Segment(suffix[eot:], False)]
        return [s for s in segments if s.text]

    def exchanges(self, turns: Sequence[Mapping[str, Any]], trained: Sequence[bool]) -> list[list[Segment]]:
        """The turns' segments grouped by exchange (a user turn and what follows it up to the next user turn)."""
        groups: list[list[Segment]] = []
        for i, (turn, train) in enumerate(zip(turns, trained)):
            if turn["role"] == USER and (i == 0 or turns[i - 1]["role"] != USER):
                groups.append([])
            groups[-1] += self.turn(turn, train)
        return groups


def _tool_lines(tools: str) -> str:
    """Tool definitions one JSON object a line (Qwen2.5's layout), or the text as given if it is not a JSON list."""
    try:
        parsed = json.loads(tools)
    except ValueError:
        return tools
    if not isinstance(parsed, list):
        return tools
    return "\n".join(json.dumps(tool, ensure_ascii=False) for tool in parsed)


def trained_turns(turns: Sequence[Mapping[str, Any]], train_on: str) -> list[bool]:
    """Which turns the loss covers: responses not marked `train: false`; with `last`, the last response only."""
    trained = [t["role"] in RESPONSE_ROLES and t.get("train", True) for t in turns]
    if train_on == "last":
        last = max((i for i, t in enumerate(turns) if t["role"] in RESPONSE_ROLES), default=-1)
        trained = [flag and i == last for i, flag in enumerate(trained)]
    return trained


@dataclasses.dataclass(frozen=True)
class Encoded:
    """One token sequence and its loss mask."""

    input_ids: np.ndarray
    loss_mask: np.ndarray


@dataclasses.dataclass(frozen=True)
class EncodedExample:
    """A tokenized example: `parts` is {"": Encoded} for SFT, {"chosen_": ..., "rejected_": ...} for a pair;
    `exchanges_cut`: the oldest exchanges left out to fit (`cut_history`)."""

    parts: dict[str, Encoded]
    exchanges_cut: int = 0


class SegmentEncoder:
    """Encodes segments of a rendered conversation with a SentencePiece model, each as it would be in the
    middle of the string: after the end-of-turn marker (a user-defined symbol, never dummy-prefixed), whose
    own tokens are then removed."""

    def __init__(self, model: SentencePieceModel, template: ChatTemplate):
        self.model = model
        self.dtype = token_dtype(model.vocab_size)
        self._sentinel = template.end_of_turn
        self._skip = len(model.processor.encode(self._sentinel))

    def encode(self, segments: Sequence[tuple[str, bool]]) -> dict[tuple[str, bool], np.ndarray]:
        """Token ids of each distinct (text, first) segment, in one batched call (markup repeats);
        `first`: the segment opens the sequence and is encoded plainly."""
        keys = sorted(set(segments))
        texts = [text if first else self._sentinel + text for text, first in keys]
        ids = self.model.processor.encode(texts, num_threads=1, return_type="numpy")
        return {key: (row if key[1] else row[self._skip :]).astype(self.dtype) for key, row in zip(keys, ids)}


def encode_examples(
    conversations: Sequence[Conversation],
    template: ChatTemplate,
    encoder: SegmentEncoder,
    *,
    train_on: str,
    max_length: int,
    truncation: str,
) -> list[EncodedExample | tuple[str, str]]:
    """Each conversation tokenized (`EncodedExample`), or (drop reason, detail)."""
    plans: list[dict[str, tuple[list[Segment], list[list[Segment]]]] | tuple[str, str]] = []
    for conversation in conversations:
        marker = template.marker_in(conversation)
        if marker is not None:
            plans.append((MARKER_IN_CONTENT, f"a turn contains the template marker {marker!r}"))
            continue
        plans.append(_plan(conversation, template, train_on))
    wanted = []
    for plan in plans:
        if isinstance(plan, dict):
            for head, groups in plan.values():
                wanted += _keys(head, groups)
    tokens = encoder.encode(wanted)
    results: list[EncodedExample | tuple[str, str]] = []
    for plan in plans:
        if not isinstance(plan, dict):
            results.append(plan)
            continue
        results.append(_fit(plan, tokens, max_length=max_length, truncation=truncation))
    return results


def _plan(
    conversation: Conversation, template: ChatTemplate, train_on: str
) -> dict[str, tuple[list[Segment], list[list[Segment]]]]:
    """Per part ("" or chosen_/rejected_): the system turn's segments and the segments of each exchange."""
    head = template.system_turn(conversation)
    turns = conversation["turns"]
    if not is_preference(conversation):
        return {"": (head, template.exchanges(turns, trained_turns(turns, train_on)))}
    plan = {}
    for key in CONTINUATIONS:  # the prompt untrained, then the continuation's responses
        continuation = conversation[key]
        trained = [False] * len(turns) + [t["role"] in RESPONSE_ROLES for t in continuation]
        plan[f"{key}_"] = (head, template.exchanges([*turns, *continuation], trained))
    return plan


def _keys(head: list[Segment], groups: list[list[Segment]]) -> list[tuple[str, bool]]:
    """(text, first) of every segment: the first of the sequence is encoded plainly, and so is the first of
    what remains once older exchanges are cut (it then opens the sequence)."""
    keys = [(s.text, i == 0) for i, s in enumerate(head)]
    for group in groups:
        keys += [(s.text, False) for s in group]
        if not head and group:
            keys.append((group[0].text, True))
    return keys


def _fit(
    plan: Mapping[str, tuple[list[Segment], list[list[Segment]]]],
    tokens: Mapping[tuple[str, bool], np.ndarray],
    *,
    max_length: int,
    truncation: str,
) -> EncodedExample | tuple[str, str]:
    """The parts' tokens with the fewest oldest exchanges cut so that every part fits, or a too_long drop."""
    exchanges = min(len(groups) for _, groups in plan.values())
    shared = exchanges - 1 if truncation == "cut_history" else 0  # exchanges that may go (never the last)
    for cut in range(shared + 1):
        parts = {name: _concat(head, groups[cut:], tokens) for name, (head, groups) in plan.items()}
        longest = max(len(p.input_ids) for p in parts.values())
        if longest <= max_length:
            return EncodedExample(parts, exchanges_cut=cut)
    detail = f"{longest} tokens > max_length={max_length}" + (" with only its last exchange" if shared else "")
    return TOO_LONG, detail


def _concat(
    head: list[Segment], groups: Sequence[list[Segment]], tokens: Mapping[tuple[str, bool], np.ndarray]
) -> Encoded:
    segments = [*head, *(s for group in groups for s in group)]
    ids = [tokens[(s.text, i == 0)] for i, s in enumerate(segments)]
    masks = [np.full(len(t), s.trained, dtype=np.uint8) for s, t in zip(segments, ids)]
    if not ids:
        return Encoded(np.zeros(0, np.uint32), np.zeros(0, np.uint8))
    return Encoded(np.concatenate(ids), np.concatenate(masks))


def missing_markers(model: SentencePieceModel, template: ChatTemplate) -> list[str]:
    """The template's markers that are not single pieces of `model` (a model_path model trained without them)."""
    sp = model.processor
    missing = []
    for marker in template.markers:
        pieces = sp.encode(marker, out_type=str)
        if pieces and pieces[0] == "▁" and len(pieces) > 1:  # the dummy prefix, before a user-defined symbol
            pieces = pieces[1:]
        if pieces != [marker]:
            missing.append(marker)
    return missing
