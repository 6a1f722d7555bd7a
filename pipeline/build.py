"""Pipeline assembly: `build_pipeline(p, config)` wires the stages together; nothing else happens here.

read ─► extract ─► clean ─► bias tags ─► language ─► quality ─► classifier ─► safety ─► dedup ─┬─► write shards ────────┐
      │                                                                                        └─► tokenize ─► tokens/ ─┤
      │ dead letters of every stage ─► rejects/dead_letters.jsonl ─► stats.json, manifest.json, _SUCCESS
      └ tallies of every stage ─────────────────────────────────────────────────────────┘
"""

from __future__ import annotations

import datetime
from typing import Any

import apache_beam as beam

from corpusforge.pipeline.config import PipelineConfig
from corpusforge.pipeline.manifest import WriteRunSummary, build_manifest_base
from corpusforge.tokenizer.transforms import TokenizeCorpus, check_config, existing_model
from corpusforge.transforms.accounting import READ_STAGE, REJECTED, TALLY, WRITE_STAGE
from corpusforge.transforms.dedup import dedup_stages
from corpusforge.transforms.document import document_schema
from corpusforge.transforms.extract.extract import EXTRACT_STAGE, ExtractText, check_extractor
from corpusforge.transforms.filters import classifier
from corpusforge.transforms.filters.clean import clean_stage
from corpusforge.transforms.filters.language import language_stage
from corpusforge.transforms.filters.quality import quality_stage
from corpusforge.transforms.io.read import ReadDocuments, match_inputs
from corpusforge.transforms.io.write import WriteArrowShards, WriteDeadLetters
from corpusforge.transforms.safety.bias import bias_stage
from corpusforge.transforms.safety.opt_out import opt_out_stage
from corpusforge.transforms.safety.pii import pii_stage
from corpusforge.transforms.safety.url_blocklist import url_blocklist_stage
from corpusforge.transforms.safety.word_blocklist import word_blocklist_stage
from corpusforge.transforms.stages import RunStage, Stage

# Settings that may differ between two runs that must give identical outputs: they go to the
# manifest's `volatile` section instead of its `config`.
_VOLATILE_SETTINGS = (("input", "paths"), ("output", "dir"), ("output", "overwrite"), ("beam", "options"))


def build_pipeline(p: beam.Pipeline, config: PipelineConfig) -> dict[str, Any]:
    """Add the whole job to `p`. Matches the inputs now (raising ConfigError if one matches nothing).

    Returns the main PCollections, for callers that extend the graph: `documents` (kept Documents),
    `rejected` (dead letters), `shards` (file infos) and `stats` (a singleton stats dict).
    """
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    files = match_inputs(config.input.paths, config.input.format)
    out_dir = config.output.dir
    check_extractor(config.extract)
    stages = document_stages(config)
    for stage in stages:  # every component loads once before any record is read (ConfigError if not)
        stage.check()
    promoted: tuple[Any, ...] = ("lang", "lang_score") if config.language.enabled else ()
    promoted += tuple(classifier.promoted_fields(config.classifier))
    dedup = dedup_stages(config.dedup)
    if config.dedup.enabled and config.dedup.near.enabled:
        promoted += ("dup_cluster_id", "dup_cluster_size")
    cut = _top_fraction_cut(config)

    read = p | "ReadDocuments" >> ReadDocuments(
        files, input_config=config.input, progress_interval_secs=config.run.progress_interval_secs
    )
    extracted = read.pages | "ExtractText" >> ExtractText(config.extract)
    documents = (read.documents, extracted.documents) | "AllDocuments" >> beam.Flatten()
    dead_letters = [read[REJECTED], extracted[REJECTED]]
    tallies = [read[TALLY], extracted[TALLY]]
    sections = []  # (name, {"manifest": ..., "stats": ...}) of stages that add their own
    stage_names = []
    for stage in stages:
        result = documents | f"Stage{step_label(stage.name)}" >> RunStage(stage)
        documents = result.documents
        dead_letters.append(result[REJECTED])
        tallies.append(result[TALLY])
        stage_names.append(stage.name)
        if stage.name == classifier.CLASSIFIER_STAGE:  # every document scored: the top fractions come next
            cuts = None
            if cut is not None:
                result = documents | f"Stage{step_label(classifier.TOP_FRACTION_STAGE)}" >> cut
                documents, cuts = result["documents"], result["cuts"]
                dead_letters.append(result[REJECTED])
                tallies.append(result[TALLY])
                stage_names.append(classifier.TOP_FRACTION_STAGE)
            sections.append(classifier.summary_section(p, config.classifier, cuts))
    for name, dedup_step in dedup:  # corpus-wide: each step a few shuffles over all documents
        result = documents | f"Stage{step_label(name)}" >> dedup_step
        documents = result["documents"]
        dead_letters.append(result[REJECTED])
        tallies.append(result[TALLY])
    if config.tokenizer.enabled:
        tokenizer = config.tokenizer
        check_config(tokenizer)
        sections.append(
            documents
            | "Tokenize"
            >> TokenizeCorpus(
                tokenizer,
                out_dir=out_dir,
                seed=config.run.seed if tokenizer.seed is None else tokenizer.seed,
                model=existing_model(tokenizer.model_path) if tokenizer.model_path else None,
            )
        )
    written = documents | "WriteArrowShards" >> WriteArrowShards(
        out_dir,
        shard_bytes=config.output.shard_bytes,
        compression=config.output.compression,
        promoted=promoted,
        partition_by_language=config.output.partition_by_language,
    )
    rejected = dead_letters | "FlattenDeadLetters" >> beam.Flatten()
    rejects = rejected | "WriteDeadLetters" >> WriteDeadLetters(out_dir)
    all_tallies = [*tallies, written[TALLY]] | "FlattenTallies" >> beam.Flatten()

    config_dict = config.to_dict()
    volatile: dict[str, Any] = {"started_at": started_at, "input_paths": {f.relpath: f.path for f in files}}
    for section, key in _VOLATILE_SETTINGS:
        volatile[f"{section}.{key}"] = config_dict[section].pop(key)
    base = build_manifest_base(
        config_dict=config_dict,
        inputs=[{"path": f.relpath, "size": f.size} for f in files],
        schema=[{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in document_schema(promoted)],
        replaceable=config.output.replaceable,
    )
    stage_order = [READ_STAGE, EXTRACT_STAGE, *stage_names, *(name for name, _ in dedup), WRITE_STAGE]
    all_sections = sections | "FlattenSections" >> beam.Flatten(pipeline=p)
    stats = (written.main, rejects, all_tallies, all_sections) | "WriteRunSummary" >> WriteRunSummary(
        out_dir, manifest_base=base, volatile=volatile, stage_order=stage_order
    )
    return {"documents": documents, "rejected": rejected, "shards": written.main, "stats": stats}


def document_stages(config: PipelineConfig) -> list[Stage]:
    """The document stages between extraction and dedup that the config switches on, in pipeline order.

    Building a stage validates its configuration (an unknown threshold, a custom filter that cannot be
    imported: ConfigError); `Stage.check` then loads what it needs.
    """
    safety = config.safety
    switched = (
        (config.clean.enabled, lambda: clean_stage(config.clean)),
        # Bias tags come before the first filter, so that every stage's drops are counted per group.
        (safety.enabled and safety.bias.enabled, lambda: bias_stage(safety)),
        (config.language.enabled, lambda: language_stage(config.language)),
        (config.quality.enabled, lambda: quality_stage(config.quality)),
        # Models after the rules: the cheap rules first, so the model scores fewer documents; before the
        # safety stages, so it scores the text as extracted (PII placeholders are not what it was trained on).
        (config.classifier.enabled, lambda: classifier.classifier_stage(config.classifier)),
        (safety.enabled and safety.opt_out.enabled, lambda: opt_out_stage(safety)),
        (safety.enabled and safety.url_blocklist.enabled, lambda: url_blocklist_stage(safety)),
        (safety.enabled and safety.word_blocklist.enabled, lambda: word_blocklist_stage(safety)),
        (safety.enabled and safety.pii.enabled, lambda: pii_stage(safety)),
    )
    return [make() for enabled, make in switched if enabled]


def _top_fraction_cut(config: PipelineConfig) -> classifier.TopFractionCut | None:
    """The cut after the classifier stage, where a classifier keeps a top fraction per language."""
    wanted = config.classifier.enabled and any(classifier.has_top_fraction(m) for m in config.classifier.models)
    return classifier.TopFractionCut(config.classifier) if wanted else None


def step_label(stage: str) -> str:
    """A stage's Beam step label: `opt_out` → `OptOut`."""
    return "".join(part.title() for part in stage.split("_"))
