"""Typed, frozen run configuration, parsed and validated once from YAML.

A run configuration is a YAML mapping whose sections mirror the dataclasses below (`run`, `input`,
`extract`, ..., `output`, `report`, `beam`). Every field has a default, documented beside it; unknown keys, wrong types
and out-of-range values raise `ConfigError` naming the file and the key path, which the CLI prints as one
line with exit status 2. Relative paths resolve against the current working directory.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml


class ConfigError(ValueError):
    """A bad configuration or input, found before the pipeline starts."""


def _limits(*, min: float | None = None, max: float | None = None) -> dict[str, float | None]:
    return {"min": min, "max": max}


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunConfig:
    name: str = "corpusforge"  # a label, recorded in the manifest
    seed: int = 0  # seeds every sampled or hashed decision of later stages
    progress_interval_secs: float = dataclasses.field(default=5.0, metadata=_limits(min=0.1))  # worker progress lines
    # The run fails (exit 1, no _SUCCESS, the previous output kept) when it dead-letters more than this
    # fraction of the records that could have become documents (read minus skipped); 1 never fails.
    max_dead_letter_fraction: float = dataclasses.field(default=0.5, metadata=_limits(min=0, max=1))
    allow_empty: bool = False  # a run that keeps no document fails unless this is true


@dataclasses.dataclass(frozen=True, kw_only=True)
class JsonlConfig:
    text_field: str = "text"
    id_field: str = "id"  # kept as `source_id`; missing is fine
    url_field: str = "url"
    date_field: str = "date"  # ISO 8601; missing is fine
    max_line_bytes: int = dataclasses.field(
        default=64_000_000, metadata=_limits(min=1)
    )  # longer lines are dead-lettered


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParquetConfig:
    text_column: str = "text"
    id_column: str = "id"
    url_column: str = "url"


@dataclasses.dataclass(frozen=True, kw_only=True)
class TextConfig:
    split: Literal["file", "blank_line"] = "file"  # one document per file, or per blank-line-separated block


# arrow: our own shards; sft: fine-tuning records (Alpaca, ShareGPT, messages, preference pairs) in JSON lines
# or JSON array files, never chosen by `auto` (transforms/io/sft.py).
InputFormat = Literal["auto", "warc", "arc", "jsonl", "parquet", "arrow", "text", "sft"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class InputConfig:
    paths: tuple[str, ...] = ()  # globs, local or any Beam filesystem (gs://, s3://); `--input` replaces them
    format: InputFormat = (
        "auto"  # auto: by file name (.warc[.gz], .wet.gz, .arc[.gz], .jsonl[.gz|.zst], .parquet, .arrow, .txt)
    )
    max_payload_bytes: int = dataclasses.field(default=50_000_000, metadata=_limits(min=1))  # WARC/ARC payload cap
    jsonl: JsonlConfig = JsonlConfig()
    parquet: ParquetConfig = ParquetConfig()
    text: TextConfig = TextConfig()


BoilerplateRule = Literal[
    "not_body_elements",
    "components",
    "link_lists",
    "link_feeds",
    "repeated",
    "headline",
    "prose_runs",
    "context",
    "markup_edges",
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class FastExtractConfig:
    """The `fast` extractor's settings (transforms/extract/boilerplate.py documents each rule)."""

    skip_rules: tuple[BoilerplateRule, ...] = ()  # pruning rules to leave out
    length_low: int = dataclasses.field(default=70, metadata=_limits(min=0))  # jusText: shorter blocks are "short"
    length_high: int = dataclasses.field(default=200, metadata=_limits(min=1))  # jusText: longer prose is "good"
    max_link_density: float = dataclasses.field(
        default=0.5, metadata=_limits(min=0, max=1)
    )  # more link text: boilerplate
    # Where the fast result looks wrong (empty, over-pruned, link-dominated): trafilatura if prose was lost,
    # else the unpruned main content (boilerplate.needs_trafilatura).
    fallback: bool = True
    fallback_min_chars: int = dataclasses.field(default=100, metadata=_limits(min=0))  # "empty" below this
    fallback_min_kept_share: float = dataclasses.field(default=0.1, metadata=_limits(min=0, max=1))  # "pruned" below
    fallback_max_link_density: float = dataclasses.field(default=0.3, metadata=_limits(min=0, max=1))  # "links" above


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExtractConfig:
    # HTML → main text. fast: resiliparse + our boilerplate pruning + trafilatura fallback; resiliparse: its
    # main-content pass alone (lean options); trafilatura: 2.x with FineWeb's settings (~10x slower).
    extractor: Literal["fast", "resiliparse", "trafilatura"] = "fast"
    max_html_bytes: int = dataclasses.field(default=10_000_000, metadata=_limits(min=1))  # larger pages are dropped
    # resiliparse's main-content pass slows quadratically with nesting depth; deeper pages get plain extraction.
    max_dom_depth: int = dataclasses.field(default=1000, metadata=_limits(min=1))
    fast: FastExtractConfig = FastExtractConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class CleanConfig:
    enabled: bool = True
    fix_unicode: bool = True  # repair mojibake with ftfy (encoding repairs only; quotes and widths stay)
    normalization: Literal["NFC", "NFKC", "none"] = "NFC"  # Unicode normalization form
    # normalize: runs of spaces to one, lines stripped, at most one blank line; keep: indentation and alignment
    # stay (fine-tuning answers hold code), only CRs go.
    whitespace: Literal["normalize", "keep"] = "normalize"


@dataclasses.dataclass(frozen=True, kw_only=True)
class LanguageConfig:
    enabled: bool = True
    keep: tuple[str, ...] = ()  # lid.176 labels to keep (e.g. [en, ja]); empty keeps every language; checked
    min_score: float = dataclasses.field(default=0.65, metadata=_limits(min=0, max=1))  # FineWeb's threshold
    min_score_by_lang: dict[str, float] = dataclasses.field(default_factory=dict, metadata=_limits(min=0, max=1))
    annotate_only: bool = False  # record lang and lang_score, drop nothing


# The 176 labels of fastText's lid.176 model (what the language stage can assign), for checking
# `language.keep` and `language.min_score_by_lang` at launch; tests/test_exit_codes.py checks them against the model.
LID176_LANGUAGES = frozenset(
    """
    af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs cv cy da
    de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr hsb ht hu hy ia id
    ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc lt lv mai mg mhr min mk ml mn
    mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl pl pms pnb ps pt qu rm ro ru rue
    sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug uk ur uz vec vep vi vls vo
    wa war wuu xal xmf yi yo yue zh
    """.split()
)
# Codes people write for a language that lid.176 names otherwise: ISO 639-2/3 codes, country codes and
# withdrawn ISO 639-1 codes. Only a suggestion in the error message; nothing is rewritten silently.
_LANGUAGE_ALIASES = {
    **dict.fromkeys(("eng", "us", "gb"), "en"),
    **dict.fromkeys(("jpn", "jp"), "ja"),
    **dict.fromkeys(("zho", "chi", "cmn", "cn", "tw"), "zh"),
    **dict.fromkeys(("deu", "ger"), "de"),
    **dict.fromkeys(("fra", "fre"), "fr"),
    **dict.fromkeys(("spa",), "es"),
    **dict.fromkeys(("por",), "pt"),
    **dict.fromkeys(("rus",), "ru"),
    **dict.fromkeys(("ita",), "it"),
    **dict.fromkeys(("nld", "dut"), "nl"),
    **dict.fromkeys(("kor", "kr"), "ko"),
    **dict.fromkeys(("ara",), "ar"),
    **dict.fromkeys(("ell", "gre", "gr"), "el"),
    **dict.fromkeys(("ces", "cze", "cz"), "cs"),
    **dict.fromkeys(("dan", "dk"), "da"),
    **dict.fromkeys(("swe", "se"), "sv"),
    **dict.fromkeys(("ukr", "ua"), "uk"),
    **dict.fromkeys(("heb", "iw"), "he"),
    **dict.fromkeys(("ind", "in"), "id"),
    **dict.fromkeys(("vie", "vn"), "vi"),
    **dict.fromkeys(("fas", "per"), "fa"),
    **dict.fromkeys(("ji",), "yi"),
}


QualityPreset = Literal[
    "multilingual", "fineweb", "gopher_quality", "gopher_repetition", "c4_datatrove", "c4_tfds", "fineweb_quality"
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class QualityConfig:
    # The reference presets are English rules (Gopher's stop words, C4's terminal marks), kept exact for
    # English recipes (run_configs/fineweb.yaml, c4.yaml); `multilingual` is the same families made
    # language-aware (CJK/Thai segmentation, per-language stop words and terminal marks).
    # transforms/filters/reference.py and multilingual.py document each rule; `corpusforge rules` lists
    # every threshold of every preset with its default.
    enabled: bool = False
    preset: QualityPreset = "multilingual"  # fineweb: Gopher repetition → Gopher quality → C4 (datatrove) → FineWeb
    annotate_only: bool = False  # store every signal in meta["quality"], drop nothing, change no text
    # Any threshold of the preset's rules (or of `custom` filters), for every language: {min_doc_words: 30}.
    thresholds: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Per-language thresholds over the global ones, as FineWeb-2 tunes them per language:
    # {ja: {min_stop_words: 3}, de: {line_punct_thr: 0.1}}; the multilingual preset has its own, below these.
    by_lang: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # A folder of per-language threshold files, <lang>.yaml (FineWeb-2's layout), read at launch; by_lang wins.
    thresholds_dir: str | None = None
    # Your own filters, importable names appended to the preset: [mypkg.filters:UppercaseRatio] (README).
    custom: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClassifierModelConfig:
    """One fastText classifier (transforms/filters/classifier.py); README, Model-based quality."""

    # Required. Names its meta keys, column, drop reasons: dclm → meta dclm_score, dclm_labels; dclm_score_too_low.
    name: str = ""
    path: str = ""  # required: a fastText supervised model, .bin or .ftz, local or any Beam filesystem
    label: str = "hq"  # the label whose probability is the score (DCLM's and `corpusforge classifier train`'s: hq)
    # Text preparation, as the model was trained: newlines become spaces (always: fastText reads one line);
    # then, if set, the first `max_chars` characters only, and lower case.
    lowercase: bool = False
    max_chars: int | None = dataclasses.field(default=None, metadata=_limits(min=1))
    # Keep documents whose score is at least `threshold` (per language: `threshold_by_lang`, over it) ...
    threshold: float | None = dataclasses.field(default=None, metadata=_limits(min=0, max=1))
    threshold_by_lang: dict[str, float] = dataclasses.field(default_factory=dict, metadata=_limits(min=0, max=1))
    # ... and/or the best ⌈top_fraction × n⌉ of the n documents of each language, exactly, by (score, id).
    top_fraction: float | None = dataclasses.field(default=None, metadata=_limits(min=0, max=1))
    top_fraction_by_lang: dict[str, float] = dataclasses.field(default_factory=dict, metadata=_limits(min=0, max=1))
    annotate_only: bool = False  # score (and mark the top fraction) without dropping
    promote: bool = False  # also write the score as a typed float32 column, `<name>_score`


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClassifierConfig:
    # Model-based quality: fastText classifiers (DCLM's, or `corpusforge classifier train`'s) side by side,
    # after the quality rules. Each needs a threshold, a top fraction or annotate_only.
    enabled: bool = False
    annotate_only: bool = False  # every classifier: scores stored, nothing dropped
    models: tuple[ClassifierModelConfig, ...] = ()


@dataclasses.dataclass(frozen=True, kw_only=True)
class UrlBlocklistConfig:
    """Domain, URL and URL-word blocklists (transforms/safety/url_blocklist.py). Paths: local or any Beam filesystem."""

    enabled: bool = True
    archives: tuple[str, ...] = ()  # UT1-format .tar.gz files: their `domains` and `urls` members are loaded
    domains: tuple[str, ...] = ()  # files of blocked domains, one a line (a host matches itself and its parents)
    urls: tuple[str, ...] = ()  # files of blocked URLs, one a line (exact match, scheme and `www.` ignored)
    banned_words: str | None = None  # RefinedWeb: a file of words; one in the URL drops the page
    soft_banned_words: str | None = None  # RefinedWeb: a file of words; `soft_banned_min` of them drop the page
    soft_banned_min: int = dataclasses.field(default=2, metadata=_limits(min=1))


@dataclasses.dataclass(frozen=True, kw_only=True)
class WordBlocklistConfig:
    """Per-language word lists in the LDNOOBW format (transforms/safety/word_blocklist.py)."""

    enabled: bool = True
    directory: str | None = None  # a folder of lists named by language code (LDNOOBW's layout: en, de, ja, ...)
    lists: dict[str, str] = dataclasses.field(default_factory=dict)  # language → list file, over `directory`
    # ratio: drop when listed words / words > max_ratio (the default, see the README for why);
    # c4: any listed word drops the page, as C4 did.
    mode: Literal["ratio", "c4"] = "ratio"
    max_ratio: float = dataclasses.field(default=0.01, metadata=_limits(min=0, max=1))  # measured, README
    substring_langs: tuple[str, ...] = ("ja", "zh", "th")  # written without spaces: entries match as substrings


PiiType = Literal["email", "phone", "ip", "credit_card", "iban", "ssn", "secret"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PiiConfig:
    """PII detection and redaction with typed placeholders (transforms/safety/pii.py)."""

    enabled: bool = True
    types: tuple[PiiType, ...] = ("email", "phone", "ip", "credit_card", "iban", "ssn", "secret")
    max_spans: int = dataclasses.field(default=5, metadata=_limits(min=0))  # more PII spans drop the page (Dolma: 5)


@dataclasses.dataclass(frozen=True, kw_only=True)
class OptOutConfig:
    """Machine-readable opt-out signals (transforms/safety/opt_out.py): noai/noimageai robots directives, TDMRep."""

    enabled: bool = True
    drop: bool = True  # drop opted-out pages (reason opt_out); the signal is in meta["opt_out"] either way
    domains: tuple[str, ...] = ()  # opted-out domains (a host matches itself and its parents)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BiasConfig:
    """Identity-term tagging for the bias audit (transforms/safety/bias.py)."""

    enabled: bool = True
    lexicon: str | None = None  # a YAML file {lang: {group: [terms]}} replacing the shipped en/ja lexicon


@dataclasses.dataclass(frozen=True, kw_only=True)
class SafetyConfig:
    # Bias tagging (after clean), then opt-out, URL blocklist, word blocklist and PII (after quality).
    enabled: bool = False
    annotate_only: bool = False  # record every signal (PII spans too) in meta; drop nothing, redact nothing
    url_blocklist: UrlBlocklistConfig = UrlBlocklistConfig()
    word_blocklist: WordBlocklistConfig = WordBlocklistConfig()
    pii: PiiConfig = PiiConfig()
    opt_out: OptOutConfig = OptOutConfig()
    bias: BiasConfig = BiasConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class NormalizeConfig:
    """How text is normalized before duplicates are compared (transforms/dedup/normalize.py)."""

    lowercase: bool = True
    punctuation: bool = True  # remove punctuation (Unicode categories outside letters, digits, white space)
    digits: bool = True  # every run of digits becomes 0 (dates, prices and counters do not make a page new)
    whitespace: bool = True  # collapse white space runs to one space; word shingles need it


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExactDedupConfig:
    enabled: bool = True  # one document per xxh3-128 hash of the normalized text; the smallest id is kept
    normalize: NormalizeConfig = NormalizeConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class UrlDedupConfig:
    enabled: bool = True  # one document per normalized URL; the newest fetch is kept (ties: smallest id)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LineDedupConfig:
    # C4/CCNet-style: a line found in more than `max_docs` documents stays only in its owner (smallest id).
    enabled: bool = False
    max_docs: int = dataclasses.field(default=1, metadata=_limits(min=1))
    min_chars: int = dataclasses.field(default=200, metadata=_limits(min=0))  # shorter after removal: dropped
    normalize: NormalizeConfig = NormalizeConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class MinHashConfig:
    # MinHash LSH near duplicates (transforms/dedup/minhash.py); signatures are datasketch's.
    enabled: bool = True
    threshold: float = dataclasses.field(default=0.8, metadata=_limits(min=0.01, max=1))  # Jaccard of shingles
    num_perm: int = dataclasses.field(default=112, metadata=_limits(min=2))  # FineWeb's 112 (14 bands × 8)
    seed: int = dataclasses.field(default=1, metadata=_limits(min=0))  # datasketch's default permutation seed
    ngram: int = dataclasses.field(default=5, metadata=_limits(min=1))  # word n-grams (FineWeb, datatrove)
    char_ngram: int = dataclasses.field(default=5, metadata=_limits(min=1))  # character n-grams, for:
    char_languages: tuple[str, ...] = ("ja", "zh", "th", "lo", "km", "my", "bo", "wuu", "yue")  # written without spaces
    bands: int | None = dataclasses.field(default=None, metadata=_limits(min=1))  # None: datasketch's optimum
    rows: int | None = dataclasses.field(default=None, metadata=_limits(min=1))  # set with bands (FineWeb: 14, 8)
    # datasketch's optimum weighs false positives by this and misses by 1 - it; verification removes the former.
    false_positive_weight: float = dataclasses.field(default=0.05, metadata=_limits(min=0, max=1))
    verify: bool = True  # keep a candidate pair only if its estimated Jaccard passes (minhash.verify_threshold)
    verify_sigmas: float = dataclasses.field(default=2.0, metadata=_limits(min=0))  # standard errors below threshold
    max_rounds: int = dataclasses.field(
        default=20, metadata=_limits(min=1)
    )  # connected-component rounds; fails if short
    normalize: NormalizeConfig = NormalizeConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class DedupConfig:
    # Exact, URL, near-duplicate and line-level dedup over the whole corpus, in that order (transforms/dedup).
    enabled: bool = False
    exact: ExactDedupConfig = ExactDedupConfig()
    url: UrlDedupConfig = UrlDedupConfig()
    near: MinHashConfig = MinHashConfig()
    lines: LineDedupConfig = LineDedupConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class TokenizerConfig:
    # SentencePiece training on the kept corpus, tokenization and token shards (tokenizer/). The model goes
    # to <output>/tokenizer/, the token shards to <output>/tokens/{train,validation}/.
    enabled: bool = False
    model_path: str | None = None  # an existing .model file to use instead of training one (must exist)
    model_type: Literal["unigram", "bpe"] = "unigram"
    vocab_size: int = dataclasses.field(default=32_000, metadata=_limits(min=8))  # ≤ 65,536 stores tokens as uint16
    # SentencePiece's unigram trainer gives a different vocabulary with a different thread count, so the
    # count is fixed here (not taken from the machine): same sample + seed + num_threads → same model bytes.
    num_threads: int = dataclasses.field(default=16, metadata=_limits(min=1))
    character_coverage: float = dataclasses.field(default=0.9995, metadata=_limits(min=0.5, max=1))  # spm's CJK advice
    byte_fallback: bool = True  # characters outside the vocabulary become UTF-8 byte pieces, never <unk>
    split_digits: bool = True  # one piece per digit (LLaMA, PaLM): numbers tokenize consistently
    # identity keeps decode(encode(x)) == x (the clean stage already normalized); nmt_nfkc is spm's default.
    normalization_rule_name: Literal["identity", "nmt_nfkc"] = "identity"
    # SentencePiece's own default (true) folds runs of spaces into one: code would lose its indentation. Off,
    # as Llama's tokenizer has it; cleaned text (one space between words) encodes the same either way.
    remove_extra_whitespaces: bool = False
    unk_id: int = dataclasses.field(default=0, metadata=_limits(min=0))
    bos_id: int = dataclasses.field(default=1, metadata=_limits(min=-1))  # -1 disables the piece
    eos_id: int = dataclasses.field(default=2, metadata=_limits(min=0))  # appended to every document
    # A pad piece and the chat template's role markers (sft.template.markers) by default, so that one model
    # serves pretraining and fine-tuning (README, Fine-tuning data). -1 disables the pad piece.
    pad_id: int = dataclasses.field(default=3, metadata=_limits(min=-1))
    user_defined_symbols: tuple[str, ...] = ("<|im_start|>", "<|im_end|>")  # always single pieces
    max_sentence_length: int = dataclasses.field(default=4192, metadata=_limits(min=1))  # bytes; longer lines untrained
    seed: int | None = None  # seeds the training sample and spm's generator; null: run.seed
    # Training sample: a hash-based, seeded sample of kept documents' lines, language-balanced with
    # p(lang) ∝ n(lang)^alpha (XLM-R, mT5: 0.3), capped at these bounds and gathered on one worker.
    sample_max_sentences: int = dataclasses.field(default=5_000_000, metadata=_limits(min=1))
    sample_max_bytes: int = dataclasses.field(default=500_000_000, metadata=_limits(min=1))
    sampling_alpha: float = dataclasses.field(default=0.3, metadata=_limits(min=0, max=1))  # 1: as found; 0: uniform
    # When the sample cannot give vocab_size pieces (a small corpus): shrink the vocabulary to the most it can
    # give (stats.json tokenizer.training says so), skip training and tokenization, or fail the run.
    too_little_text: Literal["shrink", "skip", "fail"] = "shrink"
    output: Literal["packed", "documents"] = "packed"  # fixed-length sequences, or one row per document
    seq_len: int = dataclasses.field(default=2048, metadata=_limits(min=2))  # tokens per packed sequence
    validation_fraction: float = dataclasses.field(default=0.01, metadata=_limits(min=0, max=1))  # by document-id hash
    # Other formats written beside each token shard. megatron: Megatron-LM's indexed dataset (.bin/.idx, one
    # sequence per document) and tokens/megatron_data_args.json for --per-split-data-args-path.
    export: tuple[Literal["megatron"], ...] = ()
    # Target token bytes per shard; at most 2 GiB, as list offsets are int32.
    shard_bytes: int = dataclasses.field(default=128 * 2**20, metadata=_limits(min=1, max=2**31))
    # Audit: vocabulary pieces produced at most this often on the whole corpus are listed as under-trained
    # ("glitch token") candidates (Land & Bartolo 2024, "Fishing for Magikarp").
    rare_piece_max_count: int = dataclasses.field(default=0, metadata=_limits(min=0))


_TOOLS_PROMPT = (  # Qwen2.5's tool prompt: the tool definitions go into the system turn
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{content}\n</tools>\n\n"
    "For each function call, return a json object with function name and arguments within <tool_call></tool_call> "
    'XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatTemplateConfig:
    """How a conversation becomes one token sequence (tokenizer/chat.py): each turn is its role's string with
    `{content}` replaced by the turn's text. ChatML by default, with Qwen2.5's tool format."""

    system: str = "<|im_start|>system\n{content}<|im_end|>\n"
    user: str = "<|im_start|>user\n{content}<|im_end|>\n"
    assistant: str = "<|im_start|>assistant\n{content}<|im_end|>\n"  # trained: {content} and end_of_turn
    tool: str = "<|im_start|>user\n<tool_response>\n{content}\n</tool_response><|im_end|>\n"  # a tool's result
    tool_call: str = "<tool_call>\n{content}\n</tool_call>"  # an assistant turn's content when it calls a tool
    tools: str = _TOOLS_PROMPT  # the tool definitions (one JSON object a line), after the system prompt
    default_system: str | None = None  # the system prompt of conversations without one; null: no system turn
    end_of_turn: str = "<|im_end|>"  # ends every assistant turn, trained with it (must open its suffix)
    # Single pieces of the tokenizer: added to a trained model's user_defined_symbols, required of model_path's.
    markers: tuple[str, ...] = ("<|im_start|>", "<|im_end|>")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SftConfig:
    # Fine-tuning examples (input.format: sft) rendered with the chat template, tokenized with the tokenizer
    # section's model (trained, or tokenizer.model_path) and written to sft/<split>/ instead of token shards.
    enabled: bool = False
    template: ChatTemplateConfig = ChatTemplateConfig()
    train_on: Literal["all", "last"] = "all"  # the loss on every assistant turn, or on the last one only
    max_length: int = dataclasses.field(default=2048, metadata=_limits(min=8))  # tokens per example (or packed row)
    # Too long: cut_history removes the oldest exchanges (system prompt kept) until it fits; drop drops it.
    truncation: Literal["cut_history", "drop"] = "cut_history"
    packing: bool = False  # pack short examples into rows of max_length (boundaries in segment_starts)


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvalSetConfig:
    name: str = ""  # names the set in stats and drop reasons: letters, digits, _ . -
    paths: tuple[str, ...] = ()  # JSONL (or JSON array) files or globs, local or any Beam filesystem
    fields: tuple[str, ...] = ("text",)  # the text fields of a record (a string, or a list of strings)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DecontaminationConfig:
    # Training text sharing an n-gram of normalized words with an evaluation set is dropped, or the overlap cut
    # out (GPT-3's rule; transforms/filters/decontaminate.py). Character n-grams for text without spaces.
    enabled: bool = False
    eval_sets: tuple[EvalSetConfig, ...] = ()
    n: int = dataclasses.field(default=13, metadata=_limits(min=1))  # words (characters for CJK/Thai text)
    # An evaluation text shorter than n counts whole, from this many units (NeMo Curator's 8); shorter: unused.
    min_n: int = dataclasses.field(default=8, metadata=_limits(min=1))
    action: Literal["drop", "cut"] = "drop"  # cut: remove each overlap and cut_margin characters each side
    cut_margin: int = dataclasses.field(default=200, metadata=_limits(min=0))  # extended to a sentence end
    min_piece_chars: int = dataclasses.field(default=200, metadata=_limits(min=0))  # shorter pieces left: removed
    max_cuts: int = dataclasses.field(default=10, metadata=_limits(min=1))  # more overlaps: the document is dropped
    normalize: NormalizeConfig = NormalizeConfig(digits=False)  # digits kept: 3 + 4 is not 5 + 6
    annotate_only: bool = False  # record the overlaps in meta["decontamination"], drop and cut nothing


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutputConfig:
    dir: str = "out"  # `--output` replaces it
    shard_bytes: int = dataclasses.field(default=128 * 2**20, metadata=_limits(min=1))  # target text bytes per shard
    compression: Literal["none", "zstd", "lz4"] = "none"  # Arrow buffer compression; none keeps shards memory-mappable
    partition_by_language: bool = False  # documents/lang=xx/part-*.arrow, one shard set per language
    overwrite: bool = False  # replace a finished run in `dir` (also `--overwrite`)
    # A run written with replaceable: true (the shipped sample recipe) may be replaced without --overwrite.
    replaceable: bool = False
    # Dropped documents: `sample` writes rejects/dropped_sample.jsonl (up to 20 per stage and reason, chosen by a
    # hash of the id); `all` also writes every dropped document as Arrow shards under rejects/dropped/, with
    # `stage`, `reason` and `detail` columns (for audits and re-thresholding).
    write_dropped: Literal["sample", "all"] = "sample"


@dataclasses.dataclass(frozen=True, kw_only=True)
class CostConfig:
    """The assumptions behind the energy, CO2 and money figures of the report (pipeline/report.py prints
    them beside the numbers); the defaults and their sources are in the README, "What the corpus cost"."""

    # Power per busy core: Green Algorithms' figure for an unknown CPU (12 W of TDP per core; Lannelongue,
    # Grealey & Inouye 2021, Advanced Science 8(12)). Memory, disks and network are not counted.
    watts_per_core: float = dataclasses.field(default=12.0, metadata=_limits(min=0))
    # Data-centre overhead (power usage effectiveness): Green Algorithms' default, the 2019 world average of
    # the Uptime Institute survey; large cloud data centres report about 1.1.
    pue: float = dataclasses.field(default=1.67, metadata=_limits(min=1))
    # Carbon intensity of electricity: the world average of 2019 (IEA, Global Energy & CO2 Status Report),
    # as Green Algorithms uses it; set your region's (e.g. from electricitymaps.com).
    grams_co2_per_kwh: float = dataclasses.field(default=475.0, metadata=_limits(min=0))
    # Price of a core-hour: Google Cloud Dataflow's list price for a batch worker vCPU in us-central1
    # (memory, disk and shuffle extra); currency as you set it.
    price_per_core_hour: float = dataclasses.field(default=0.056, metadata=_limits(min=0))
    currency: str = "USD"
    # The projection's target, one Common Crawl main crawl: 90,000 WARC files of about 1.1 GB (2023-24 crawls).
    snapshot_warc_files: int = dataclasses.field(default=90_000, metadata=_limits(min=1))
    snapshot_bytes: int = dataclasses.field(default=100 * 10**12, metadata=_limits(min=1))


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportConfig:
    # report.html beside the shards (pipeline/report.py): funnel, languages, signal histograms, dedup, PII,
    # bias and tokenizer audits, dropped samples, cost. `corpusforge report DIR` rewrites it.
    enabled: bool = True
    cost: CostConfig = CostConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class BeamConfig:
    # Passed to Beam untouched, before any options given after `--` on the command line.
    options: tuple[str, ...] = ("--runner=DirectRunner",)


@dataclasses.dataclass(frozen=True, kw_only=True)
class PipelineConfig:
    run: RunConfig = RunConfig()
    input: InputConfig = InputConfig()
    extract: ExtractConfig = ExtractConfig()
    clean: CleanConfig = CleanConfig()
    language: LanguageConfig = LanguageConfig()
    quality: QualityConfig = QualityConfig()
    classifier: ClassifierConfig = ClassifierConfig()
    safety: SafetyConfig = SafetyConfig()
    dedup: DedupConfig = DedupConfig()
    decontamination: DecontaminationConfig = DecontaminationConfig()
    tokenizer: TokenizerConfig = TokenizerConfig()
    sft: SftConfig = SftConfig()
    output: OutputConfig = OutputConfig()
    report: ReportConfig = ReportConfig()
    beam: BeamConfig = BeamConfig()

    def to_dict(self) -> dict[str, Any]:
        """The resolved configuration as plain data (lists for tuples), as written to the manifest."""
        return _plain(dataclasses.asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_config(path: str | Path, *, overrides: Mapping[str, Any] | None = None) -> PipelineConfig:
    """Read a YAML run configuration, apply dotted-key `overrides`, and validate it."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read YAML: {' '.join(str(e).split())}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level, got {type(raw).__name__}")
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value, path)
    return parse_config(raw, origin=str(path))


def parse_config(raw: Mapping[str, Any], *, origin: str = "<config>") -> PipelineConfig:
    """Validate a plain mapping into a `PipelineConfig`; errors name `origin` and the key path."""
    config = _build(PipelineConfig, raw, origin, "")
    _check_language_codes(config.language, origin)
    return config


def _check_language_codes(language: LanguageConfig, origin: str) -> None:
    """Every code in `keep` and `min_score_by_lang` must be a lid.176 label: a code the model never assigns
    (`jp`, `eng`, `en,fr`) would silently keep nothing."""
    keyed = [(f"language.keep[{i}]", code) for i, code in enumerate(language.keep)]
    keyed += [(f"language.min_score_by_lang.{code}", code) for code in language.min_score_by_lang]
    for key, code in keyed:
        if code not in LID176_LANGUAGES:
            raise ConfigError(f"{origin}: {key}: {code!r} is not a lid.176 language code; {_closest_codes(code)}")


def _closest_codes(code: str) -> str:
    parts = [part for part in code.replace(",", " ").split() if part]
    if len(parts) > 1:  # `keep: en,fr` is one string in YAML
        return f"several codes are a YAML list: [{', '.join(parts)}]"
    base = code.strip().lower().replace("_", "-").split("-")[0]  # EN, en-US, zh_TW → en, en, zh
    exact = base if base in LID176_LANGUAGES else _LANGUAGE_ALIASES.get(base)
    closest = [exact] if exact else difflib.get_close_matches(base, sorted(LID176_LANGUAGES), n=3, cutoff=0.6)
    if not closest:
        return "lid.176 uses ISO 639 codes such as en, ja, zh (pipeline/config.py LID176_LANGUAGES lists them)"
    return "did you mean " + " or ".join(repr(c) for c in closest) + "?"


def parse_override(text: str) -> tuple[str, Any]:
    """`a.b=value` → ("a.b", value), the value parsed as YAML (so `5`, `true`, `[x, y]` have their types).

    A list setting given a bare comma-separated string (`language.keep=en,fr`, one string in YAML) is
    refused with the YAML spelling, rather than becoming a one-element list that matches nothing.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, e.g. output.shard_bytes=1000000")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        raise ConfigError(f"--set {text!r}: the value is not valid YAML") from None
    if isinstance(parsed, str) and "," in parsed and typing.get_origin(_setting_type(key)) is tuple:
        items = ",".join(part.strip() for part in parsed.split(","))
        raise ConfigError(f"--set {text!r}: {key} is a list; write it in YAML: --set {key}=[{items}]")
    return key, parsed


def _setting_type(dotted: str) -> Any:
    """The type hint of the setting at `dotted` (None for an unknown key, reported later by validation)."""
    hint: Any = PipelineConfig
    for part in dotted.split("."):
        if not dataclasses.is_dataclass(hint):
            return None
        hint = typing.get_type_hints(hint).get(part)
    return hint


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any, origin: Path) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for i, part in enumerate(parents):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{origin}: --set {dotted}: {'.'.join(parents[: i + 1])} is not a section")
        node = child
    node[leaf] = value


def _build(cls: type, raw: Any, origin: str, prefix: str) -> Any:
    where = prefix.rstrip(".") or "top level"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{origin}: {where}: expected a mapping, got {_describe(raw)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"{origin}: {prefix}{unknown[0]}: unknown key (expected one of: {', '.join(sorted(fields))})")
    hints = typing.get_type_hints(cls)
    values = {name: _coerce(hints[name], raw[name], origin, prefix + name, fields[name].metadata) for name in raw}
    return cls(**values)


def _coerce(hint: Any, value: Any, origin: str, key: str, limits: Mapping[str, Any]) -> Any:
    """Check `value` against the type `hint` (and numeric `limits`), returning the typed value."""
    origin_type = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:  # free-form values (thresholds), validated by the stage that owns them
        return value
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, origin, key + ".")
    if origin_type in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, value, origin, key, limits)
    if origin_type is Literal:
        if value not in args:
            raise ConfigError(f"{origin}: {key}: expected one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if origin_type is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{origin}: {key}: expected a mapping, got {_describe(value)}")
        key_hint, value_hint = args
        return {
            _coerce(key_hint, k, origin, f"{key} key", {}): _coerce(value_hint, v, origin, f"{key}.{k}", limits)
            for k, v in value.items()
        }
    if origin_type is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{origin}: {key}: expected a list, got {_describe(value)}")
        return tuple(_coerce(args[0], v, origin, f"{key}[{i}]", limits) for i, v in enumerate(value))
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: {key}: expected true or false, got {_describe(value)}")
        return value
    if hint in (int, float):
        numeric = (int,) if hint is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            raise ConfigError(
                f"{origin}: {key}: expected {'an integer' if hint is int else 'a number'}, got {_describe(value)}"
            )
        low, high = limits.get("min"), limits.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"<= {high}" if low is None else f"between {low} and {high}"
            raise ConfigError(f"{origin}: {key}: expected a value {bounds}, got {value!r}")
        return hint(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{origin}: {key}: expected a string, got {_describe(value)}")
        return value
    raise TypeError(f"unsupported config type {hint!r} for {key}")  # a bug in this module, not in the config


def _describe(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"[:80]
