"""The quality stage: a preset of rule sets, its thresholds from config, and the user's own filters.

A preset is an ordered chain of filters (`transforms/stages.py`) with the values it sets over their defaults:
the reference rule sets (`reference.py`: Gopher, C4, FineWeb, exact) and the language-aware ones
(`multilingual.py`) are assembled here, in one place, so neither module changes the other's tables.

Thresholds, for a document in language L, from least to most specific: each filter's defaults (the
reference's), the preset's values, `quality.thresholds` (global), then the per-language values — the
preset's own (`multilingual.MULTILINGUAL_BY_LANG`), then `quality.thresholds_dir/<L>.yaml` (FineWeb-2's
layout of one file per language), then `quality.by_lang[L]`. Every name and value is validated at launch
(an unknown name: ConfigError naming the closest). `quality.custom` appends the user's filters
(`package.module:FilterClass`) to the chain; their thresholds are set the same way. `corpusforge rules`
prints every preset's rules, signals, thresholds and defaults (`rules_table`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

import yaml
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from corpusforge.pipeline.config import ConfigError, QualityConfig, QualityPreset
from corpusforge.transforms.document import Document, Rejection
from corpusforge.transforms.filters import multilingual, reference
from corpusforge.transforms.stages import Filter, Outcome, Stage, Thresholds, check_thresholds, load_filter
from corpusforge.transforms.stages import threshold_defaults as filter_defaults

QUALITY_STAGE = "quality"
QUALITY_SIGNALS_VERSION = 1  # bump when a signal's definition changes, so stored signals are not mixed


@dataclasses.dataclass(frozen=True)
class Preset:
    """An ordered chain of rule sets, the values it sets over their defaults, and per-language values."""

    filters: tuple[Filter, ...]
    thresholds: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    by_lang: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        return {**filter_defaults(self.filters), **self.thresholds}


_FINEWEB_ORDER = (reference.GOPHER_REPETITION, reference.GOPHER_QUALITY, reference.C4_LINES, reference.FINEWEB_QUALITY)
PRESETS: Mapping[str, Preset] = {
    # FineWeb's recipe made language-aware (the default).
    "multilingual": Preset(
        multilingual.FILTERS, {"filter_no_terminal_punct": False}, multilingual.MULTILINGUAL_BY_LANG
    ),
    # FineWeb English (datatrove examples/fineweb.py): repetition, quality, C4 without the terminal
    # punctuation line rule, FineWeb quality on the C4-rewritten text.
    "fineweb": Preset(_FINEWEB_ORDER, {"filter_no_terminal_punct": False}),
    "gopher_quality": Preset((reference.GOPHER_QUALITY,)),
    "gopher_repetition": Preset((reference.GOPHER_REPETITION,)),
    "c4_datatrove": Preset((reference.C4_LINES,)),
    "c4_tfds": Preset((reference.C4_LINES,), reference.C4_TFDS),
    "fineweb_quality": Preset((reference.FINEWEB_QUALITY,)),
}


def quality_stage(config: QualityConfig) -> Stage:
    """The quality stage the config describes; raises ConfigError for an unknown threshold or custom filter."""
    preset = PRESETS[config.preset]
    custom = tuple(load_filter(spec, f"quality.custom[{i}]") for i, spec in enumerate(config.custom))
    filters = preset.filters + custom
    defaults = {**filter_defaults(filters), **preset.thresholds}
    base = {**defaults, **check_thresholds(config.thresholds, defaults, "quality.thresholds")}
    by_lang = {lang: dict(values) for lang, values in preset.by_lang.items()}
    sources = [(lang, values, f"{config.thresholds_dir}/{lang}.yaml") for lang, values in _threshold_files(config)]
    sources += [(lang, values, f"quality.by_lang.{lang}") for lang, values in config.by_lang.items()]
    for lang, values, key in sources:
        by_lang.setdefault(lang, {}).update(check_thresholds(values, defaults, key))
    return Stage(
        QUALITY_STAGE,
        filters,
        Thresholds(base, by_lang),
        annotate=config.annotate_only,
        record="quality",
        record_fields={"preset": config.preset},
        record_version=QUALITY_SIGNALS_VERSION,
    )


def _threshold_files(config: QualityConfig) -> list[tuple[str, Mapping[str, Any]]]:
    """(language, thresholds) from `thresholds_dir/<lang>.yaml`, read at launch from any Beam filesystem."""
    if config.thresholds_dir is None:
        return []
    folder = config.thresholds_dir.rstrip("/")
    try:
        paths = sorted(m.path for m in FileSystems.match([f"{folder}/*.yaml"])[0].metadata_list)
    except Exception as e:  # Beam raises BeamIOError for a missing or unreadable folder
        raise ConfigError(f"quality.thresholds_dir: cannot list {folder}: {e}") from None
    if not paths:
        raise ConfigError(f"quality.thresholds_dir: no <lang>.yaml file in {folder}")
    found = []
    for path in paths:
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                values = yaml.safe_load(f.read().decode("utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise ConfigError(f"{path}: cannot read YAML: {' '.join(str(e).split())}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a mapping of threshold names to values")
        found.append((path.rsplit("/", 1)[-1].removesuffix(".yaml"), values))
    return found


@functools.lru_cache(maxsize=32)
def _preset_stage(preset: QualityPreset, annotate: bool) -> Stage:
    return quality_stage(QualityConfig(enabled=True, preset=preset, annotate_only=annotate))


def run_preset(
    text: str,
    preset: QualityPreset = "multilingual",
    *,
    lang: str | None = None,
    annotate: bool = False,
    stage: Stage | None = None,
) -> Outcome:
    """A quality preset (or a configured quality `stage`) on bare text, no Beam: the first drop reason and
    what decided it, the text it leaves (a kept document's rewritten text; a dropped one's text where it
    was dropped), and, with `annotate`, every signal measured."""
    stage = stage or _preset_stage(preset, annotate)
    (result,) = stage.apply([Document(id="", text=text, meta={"lang": lang} if lang else {})])
    if isinstance(result, Rejection):
        return Outcome(result.reason, {}, text, result.detail)
    record = result.meta.get("quality", {})
    return Outcome(record.get("would_drop"), record.get("signals", {}), result.text)


def rules_table() -> list[dict[str, Any]]:
    """Every preset's rules, one row per check or option: what `corpusforge rules` prints and the README's table.

    Row keys: preset, rule (the filter), check (its index in the filter's checks, None for an option), threshold
    (its name, "" for a fixed limit), default (the preset's value), rule_default (the filter's own), drops (the
    reason), signal, op, by_lang (the preset's per-language values), doc (what an option does).
    """
    rows = []
    for preset_name, preset in PRESETS.items():
        defaults = preset.defaults()
        for f in preset.filters:
            entries = [(i, c.threshold, c) for i, c in enumerate(f.checks)]
            checked = {c.threshold for c in f.checks}
            entries += [(None, name, None) for name in f.thresholds if name not in checked]
            for index, threshold, check in entries:
                name = threshold if isinstance(threshold, str) else ""
                rows.append(
                    {
                        "preset": preset_name,
                        "rule": f.name,
                        "check": index,
                        "threshold": name,
                        "default": defaults[name] if name else threshold,
                        "rule_default": f.thresholds.get(name, threshold),
                        "drops": check.reason if check else "",
                        "signal": check.signal if check else "",
                        "op": check.op if check else "",
                        "doc": "" if check else f.threshold_docs.get(name, ""),
                        "by_lang": {lang: values[name] for lang, values in preset.by_lang.items() if name in values},
                    }
                )
    return rows
