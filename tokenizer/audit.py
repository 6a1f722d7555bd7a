"""The tokenizer audit: how well the vocabulary fits each language, and which pieces it never uses.

Per language, on the validation split, which training never samples (`held_out: true`; a language with
no validation documents is measured on its train split, `held_out: false`): bytes per token and tokens
per word (fertility; words are `multilingual.units`: white-space words, but one unit per Han, kana or
Thai-like character, so that unsegmented scripts compare; measured on held-out documents only, as
segmenting costs more than encoding), the share of tokens that are byte-fallback pieces (characters the
vocabulary lacks) and of unknown tokens. EOS is not counted.

Vocabulary use on the whole tokenized corpus: pieces produced at most `rare_piece_max_count` times are
under-trained ("glitch token") candidates, the failure mode where an embedding that training barely
updated makes a model misbehave (Land & Bartolo 2024, "Fishing for Magikarp"; Rumbelow & Watkins 2023,
"SolidGoldMagikarp"). Control, unknown and byte pieces are left out: they are rare by design. Model
details come from `SentencePieceProcessor` only (`sentencepiece_model_pb2` does not import under the
protobuf version Beam pins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import sentencepiece as spm

from corpusforge.transforms.filters.multilingual import units

# Per-document measures, summed per (language, held out): an int64 vector in this order.
MEASURES = ("documents", "bytes", "words", "tokens", "byte_tokens", "unk_tokens")
_MAX_LISTED = 500  # rare pieces listed by name in stats.json; the count covers them all


def document_measures(
    text: str, tokens: np.ndarray, *, byte_mask: np.ndarray, unk_id: int, count_words: bool = True
) -> np.ndarray:
    """MEASURES for one document (words only if `count_words`); `tokens` ends with EOS, which is not counted."""
    body = tokens[:-1]
    return np.array(
        [
            1,
            len(text.encode("utf-8")),
            len(units(text)) if count_words else 0,
            len(body),
            int(byte_mask[body].sum()),
            int(np.count_nonzero(body == unk_id)),
        ],
        dtype=np.int64,
    )


def language_report(totals: Mapping[tuple[str, bool], np.ndarray]) -> dict[str, dict[str, float | int | bool]]:
    """Per language: fertility, byte-fallback and unknown rates, from held-out documents where there are any."""
    report = {}
    for lang in sorted({lang for lang, _ in totals}):
        held_out = (lang, True) in totals
        m = dict(zip(MEASURES, (int(v) for v in totals[(lang, held_out)])))
        tokens = max(m["tokens"], 1)
        report[lang] = {
            "held_out": held_out,
            "documents": m["documents"],
            "tokens": m["tokens"],
            "bytes_per_token": round(m["bytes"] / tokens, 4),
            "tokens_per_word": round(m["tokens"] / m["words"], 4) if m["words"] else None,
            "byte_fallback_rate": round(m["byte_tokens"] / tokens, 6),
            "unk_rate": round(m["unk_tokens"] / tokens, 6),
        }
    return report


def vocabulary_report(
    processor: spm.SentencePieceProcessor, counts: np.ndarray, *, max_count: int, exclude: Iterable[str] = ()
) -> dict:
    """Vocabulary use: pieces used, and the ordinary pieces produced at most `max_count` times, rarest first.

    Not ordinary: control, unknown and byte pieces, and the pieces named in `exclude` (the user-defined
    symbols, such as chat markers, which plain text never produces)."""
    size = processor.vocab_size()
    counts = np.pad(counts, (0, max(0, size - len(counts))))[:size]
    excluded = {processor.piece_to_id(piece) for piece in exclude}
    special = np.array(
        [
            processor.is_control(i) or processor.is_unknown(i) or processor.is_byte(i) or i in excluded
            for i in range(size)
        ],
        dtype=bool,
    )
    rare = np.flatnonzero(~special & (counts <= max_count))
    rare = rare[np.argsort(counts[rare], kind="stable")]
    return {
        "size": size,
        "used": int(np.count_nonzero(counts)),
        "byte_pieces_used": int(np.count_nonzero(counts[[processor.is_byte(i) for i in range(size)]])),
        "rare_max_count": max_count,
        "rare_pieces": len(rare),
        "rare": [
            {
                "id": int(i),
                "piece": processor.id_to_piece(int(i)),
                "count": int(counts[i]),
                "score": round(processor.get_score(int(i)), 4),
            }
            for i in rare[:_MAX_LISTED]
        ],
    }


def sum_counts(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """Element-wise sum of piece-count vectors of possibly different lengths."""
    total = np.zeros(0, dtype=np.int64)
    for a in arrays:
        if len(a) > len(total):
            total = np.pad(total, (0, len(a) - len(total)))
        total[: len(a)] += a
    return total
