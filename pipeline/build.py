"""Pipeline assembly: `build_pipeline(p, config)` wires the stages together; nothing else happens here.

read ─► extract ─► clean ─► bias tags ─► language ─► quality ─► classifier ─► safety ─► decontaminate ─► stage ─► dedup ─┬─► write shards ──────┐
      │                                  (documents to _temporary/, DocRefs onward) ─┘                         └─► tokenize ─► tokens/ ─┤
      │ fine-tuning examples (sft.enabled): dedup ─► sft: render, tokenize ─► sft/, staged again, then write shards                      │
      │ dead letters of every stage ─► rejects/dead_letters.jsonl ─► stats.json, manifest.json, _SUCCESS                                │
      │ dropped documents (output.write_dropped: all), staged ─► rejects/dropped/ ───────────────────────────────────────────────────────┤
      └ tallies and observations of every stage ─────────────────────────────────────────────────────────────────────────────────────────┘
"""

from __future__ import annotations

import datetime
from typing import Any

import apache_beam as beam

from corpusforge.pipeline.config import PipelineConfig
from corpusforge.pipeline.manifest import WriteRunSummary, build_manifest_base
from corpusforge.pipeline.output_dir import check_inputs_outside
from corpusforge.tokenizer.sft import SFT_STAGE, SftCorpus, tokenizer_config
from corpusforge.tokenizer.sft import check_config as check_sft
from corpusforge.tokenizer.transforms import TokenizeCorpus, check_config, existing_model
from corpusforge.transforms.accounting import DROPPED, READ_STAGE, REJECTED, TALLY, WRITE_STAGE
from corpusforge.transforms.dedup import DedupKeys, dedup_stages
from corpusforge.transforms.document import document_schema
from corpusforge.transforms.extract.extract import EXTRACT_STAGE, ExtractText, check_extractor
from corpusforge.transforms.filters import classifier
from corpusforge.transforms.filters.clean import clean_stage
from corpusforge.transforms.filters.decontaminate import (
    DECONTAMINATE_STAGE,
    EvalNgrams,
    SummarizeDecontamination,
    decontamination_stage,
)
from corpusforge.transforms.filters.language import language_stage
from corpusforge.transforms.filters.quality import quality_stage
from corpusforge.transforms.io.read import ReadDocuments, match_inputs
from corpusforge.transforms.io.staging import ReadStagedDocuments, StageDocuments, StageDropped
from corpusforge.transforms.io.write import WriteArrowShards, WriteDeadLetters, WriteDroppedDocuments
from corpusforge.transforms.safety.bias import bias_stage
from corpusforge.transforms.safety.opt_out import opt_out_stage
from corpusforge.transforms.safety.pii import pii_stage
from corpusforge.transforms.safety.url_blocklist import url_blocklist_stage
from corpusforge.transforms.safety.word_blocklist import word_blocklist_stage
from corpusforge.transforms.stages import RunStage, Stage

# Settings that may differ between two runs that must give identical outputs: they go to the
# manifest's `volatile` section instead of its `config`.
_VOLATILE_SETTINGS = (("input", "paths"), ("output", "dir"), ("output", "overwrite"), ("beam", "options"))


def build_pipeline(p: beam.Pipeline, config: PipelineConfig, *, out_dir: str | None = None) -> dict[str, Any]:
    """Add the whole job to `p`. Matches the inputs now (raising ConfigError if one matches nothing, or
    lies inside `config.output.dir`).

    Writes into `out_dir`, by default `config.output.dir` itself; the CLI passes its staging folder
    (pipeline/output_dir.py), which replaces the output only once the run has finished.
    Returns the main PCollections, for callers that extend the graph: `kept` (DocRefs of the kept
    documents; `io.staging.ReadStagedDocuments` reads them back until the run deletes its temporary folder),
    `rejected` (dead letters), `shards` (file infos) and `stats` (a singleton stats dict); and `inputs`, the
    matched input files (their total size is what progress is measured against).
    """
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    files = match_inputs(config.input.paths, config.input.format)
    check_inputs_outside(files, config.output.dir)
    out_dir = out_dir or config.output.dir
    check_extractor(config.extract)
    stages = document_stages(config)
    for stage in stages:  # every component loads once before any record is read (ConfigError if not)
        stage.check()
    tokenizer, sft = config.tokenizer, config.sft
    model = existing_model(tokenizer.model_path) if tokenizer.enabled and tokenizer.model_path else None
    if sft.enabled:
        check_sft(sft, input_format=config.input.format, tokenizer=tokenizer, model=model)
        tokenizer = tokenizer_config(tokenizer, sft)  # trained with the chat template's markers
    if tokenizer.enabled:
        check_config(tokenizer)
    promoted: tuple[Any, ...] = ("lang", "lang_score") if config.language.enabled else ()
    promoted += tuple(classifier.promoted_fields(config.classifier))
    dedup = dedup_stages(config.dedup, out_dir)
    if config.dedup.enabled and config.dedup.near.enabled:
        promoted += ("dup_cluster_id", "dup_cluster_size")
    cut = _top_fraction_cut(config)

    read = p | "ReadDocuments" >> ReadDocuments(
        files,
        input_config=config.input,
        progress_interval_secs=config.run.progress_interval_secs,
        pages_with_documents=True,  # one collection into extraction: no Flatten, which the DirectRunner would buffer
    )
    extracted = read.documents | "ExtractText" >> ExtractText(config.extract)
    documents = extracted.documents
    dead_letters = [read[REJECTED], extracted[REJECTED]]
    tallies = [read[TALLY], extracted[TALLY]]
    dropped = []  # (Rejection, DocRef) of every document a stage dropped, staged (with output.write_dropped: all)
    sections = []  # (name, {"manifest": ..., "stats": ...}) of stages that add their own
    stage_names = []

    def staged_drops(drops, label: str):
        """A stage's (Rejection, Document) drops, staged: only refs cross the Flatten and the writer's shuffle."""
        return drops | f"StageDropped{label}" >> StageDropped(out_dir)

    for stage in stages:
        result = documents | f"Stage{step_label(stage.name)}" >> RunStage(stage)
        documents = result.documents
        dead_letters.append(result[REJECTED])
        if config.output.write_dropped == "all":
            dropped.append(staged_drops(result[DROPPED], step_label(stage.name)))
        tallies.append(result[TALLY])
        stage_names.append(stage.name)
        if stage.name == classifier.CLASSIFIER_STAGE:  # every document scored: the top fractions come next
            cuts = None
            if cut is not None:
                result = documents | f"Stage{step_label(classifier.TOP_FRACTION_STAGE)}" >> cut
                documents, cuts = result["documents"], result["cuts"]
                dead_letters.append(result[REJECTED])
                if config.output.write_dropped == "all":
                    dropped.append(staged_drops(result[DROPPED], step_label(classifier.TOP_FRACTION_STAGE)))
                tallies.append(result[TALLY])
                stage_names.append(classifier.TOP_FRACTION_STAGE)
            sections.append(classifier.summary_section(p, config.classifier, cuts))
        if stage.name == DECONTAMINATE_STAGE:  # per evaluation set: files, n-grams, documents dropped and cut
            summary = EvalNgrams(config.decontamination).summary
            sections.append(
                (documents, result[TALLY])
                | "SummarizeDecontamination" >> SummarizeDecontamination(config.decontamination, summary)
            )
    # Corpus-wide steps see compact DocRefs; each document's text is written once, to the run's temporary
    # folder, and read back only where needed (line dedup, tokenizing, the shard that holds it).
    staged = documents | "StageDocuments" >> StageDocuments(out_dir, DedupKeys(config.dedup) if dedup else None)
    refs = staged.main
    tallies.append(staged[TALLY])  # the CPU of the dedup keys
    for name, dedup_step in dedup:  # each step a few shuffles over all refs
        result = refs | f"Stage{step_label(name)}" >> dedup_step
        refs = result["main"]
        dead_letters.append(result[REJECTED])
        dropped.append(result[DROPPED])
        tallies.append(result[TALLY])
    seed = config.run.seed if tokenizer.seed is None else tokenizer.seed
    if sft.enabled:  # the fine-tuning examples' stage: rendered, tokenized, written to sft/ (tokenizer/sft.py)
        # It renders whole conversations: the kept documents are read back, and what it keeps is staged again.
        kept = refs | "ReadKeptForSft" >> ReadStagedDocuments(out_dir)
        result = kept | "Sft" >> SftCorpus(sft, tokenizer, out_dir=out_dir, seed=seed, model=model)
        refs = (result["documents"] | "StageSftDocuments" >> StageDocuments(out_dir)).main
        dead_letters.append(result[REJECTED])
        if config.output.write_dropped == "all":
            dropped.append(staged_drops(result[DROPPED], "Sft"))
        tallies.append(result[TALLY])
        sections.append(result["sections"])
    elif tokenizer.enabled:
        tokenized = refs | "Tokenize" >> TokenizeCorpus(tokenizer, out_dir=out_dir, seed=seed, model=model)
        sections.append(tokenized["main"])
        tallies.append(tokenized[TALLY])
    written = refs | "WriteArrowShards" >> WriteArrowShards(
        out_dir,
        shard_bytes=config.output.shard_bytes,
        compression=config.output.compression,
        promoted=promoted,
        partition_by_language=config.output.partition_by_language,
    )
    rejected = dead_letters | "FlattenDeadLetters" >> beam.Flatten()
    reject_files = [rejected | "WriteDeadLetters" >> WriteDeadLetters(out_dir)]
    if config.output.write_dropped == "all":
        reject_files.append(
            (dropped | "FlattenDropped" >> beam.Flatten(pipeline=p))
            | "WriteDroppedDocuments"
            >> WriteDroppedDocuments(
                out_dir, shard_bytes=config.output.shard_bytes, compression=config.output.compression, promoted=promoted
            )
        )
    rejects = reject_files | "FlattenRejectFiles" >> beam.Flatten()
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
    stage_order = [READ_STAGE, EXTRACT_STAGE, *stage_names, *(name for name, _ in dedup)]
    stage_order += [SFT_STAGE, WRITE_STAGE] if sft.enabled else [WRITE_STAGE]
    all_sections = sections | "FlattenSections" >> beam.Flatten(pipeline=p)
    stats = (written["main"], rejects, all_tallies, all_sections) | "WriteRunSummary" >> WriteRunSummary(
        out_dir,
        manifest_base=base,
        volatile=volatile,
        stage_order=stage_order,
        signal_checks={stage.name: stage.signal_checks() for stage in stages},
        report=config.report.enabled,
        run=config.run,
    )
    return {"kept": refs, "rejected": rejected, "shards": written["main"], "stats": stats, "inputs": files}


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
        # Last before dedup: documents cut around an overlap are deduplicated as they are kept.
        (config.decontamination.enabled, lambda: decontamination_stage(config.decontamination)),
    )
    return [make() for enabled, make in switched if enabled]


def _top_fraction_cut(config: PipelineConfig) -> classifier.TopFractionCut | None:
    """The cut after the classifier stage, where a classifier keeps a top fraction per language."""
    wanted = config.classifier.enabled and any(classifier.has_top_fraction(m) for m in config.classifier.models)
    return classifier.TopFractionCut(config.classifier) if wanted else None


def step_label(stage: str) -> str:
    """A stage's Beam step label: `opt_out` → `OptOut`."""
    return "".join(part.title() for part in stage.split("_"))
