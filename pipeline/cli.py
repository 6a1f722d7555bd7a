"""The `corpusforge` command: a thin layer over `build_pipeline`.

    corpusforge run CONFIG [--input GLOB ...] [--output DIR] [--set KEY=VALUE ...] [--overwrite] [-- BEAM_OPTIONS]
    corpusforge inspect DIR
    corpusforge rules [PRESET ...] [--markdown]
    corpusforge assets [ut1] [ldnoobw] [--cache DIR] [--from DIR]
    corpusforge classifier train --positive GLOB... --negative GLOB... --output MODEL [--lang LANG...] [...]

Everything after `--` goes to Beam's PipelineOptions untouched (after the config's `beam.options`);
corpusforge's own options never reach Beam. Configuration and input errors print one line and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from corpusforge.pipeline.config import ConfigError, PipelineConfig, load_config, parse_override

EXIT_CONFIG_ERROR = 2
EXIT_RUN_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpusforge",
        description="Turn raw web text (WARC/WET/ARC, JSONL, Parquet, text) into LLM training corpora as sharded Arrow files.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a pipeline from a YAML run configuration",
        description="Run the pipeline described by CONFIG. Options after `--` are Beam pipeline options "
        "(e.g. -- --runner=DataflowRunner --project=P), passed to Beam untouched.",
    )
    run.add_argument("config", metavar="CONFIG", help="YAML run configuration, e.g. run_configs/local.yaml")
    run.add_argument(
        "--input",
        nargs="+",
        action="extend",
        metavar="GLOB",
        help="input globs, replacing the config's input.paths (repeatable: --input A B --input C)",
    )
    run.add_argument("--output", metavar="DIR", help="output directory, replacing the config's output.dir")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="override one setting by its dotted key, value in YAML (repeatable): --set output.shard_bytes=1000000",
    )
    run.add_argument("--overwrite", action="store_true", help="replace a finished run in the output directory")
    run.add_argument("--quiet", action="store_true", help="no progress display and no funnel table")
    rules = commands.add_parser(
        "rules",
        help="list every quality preset's rules, signals, thresholds and defaults",
        description="Print the rules of the quality presets (all, or those named): each threshold, its default, "
        "per-language values and the drop reason it decides. Every threshold can be set in config.",
    )
    rules.add_argument("presets", nargs="*", metavar="PRESET", help="presets to show (default: all)")
    rules.add_argument("--markdown", action="store_true", help="print a Markdown table (the README's)")
    inspect = commands.add_parser(
        "inspect",
        help="summarize a finished run",
        description="Print shards, rows, bytes, languages and stats of a finished run.",
    )
    inspect.add_argument("dir", metavar="DIR", help="output directory of a run")
    assets = commands.add_parser(
        "assets",
        help="download the third-party safety lists (UT1, LDNOOBW) into a local cache, checksum-verified",
        description="Fetch the lists the safety stage can use, verify each file's SHA-256 and print the config lines.",
    )
    assets.add_argument("names", nargs="*", metavar="NAME", help="ut1, ldnoobw (default: both)")
    assets.add_argument(
        "--cache",
        metavar="DIR",
        help="cache folder (default: $CORPUSFORGE_CACHE/assets or ~/.cache/corpusforge/assets)",
    )
    assets.add_argument("--from", dest="mirror", metavar="DIR", help="copy from a local mirror instead of downloading")
    _classifier_parser(commands)
    return parser


def _classifier_parser(commands: argparse._SubParsersAction) -> None:
    """`corpusforge classifier train` (pipeline/classifier.py; README, Model-based quality)."""
    classifier = commands.add_parser(
        "classifier",
        help="train a fastText quality classifier for the classifier stage",
        description="Model-based quality: train a fastText classifier of positive against negative documents.",
    )
    actions = classifier.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = actions.add_parser(
        "train",
        help="train a fastText classifier; held-out precision, recall, F1 and confusion matrix",
        description="Read positive and negative documents in any format corpusforge reads, train a fastText "
        "classifier with fastText's own command-line trainer (deterministic: one thread, seeded), report "
        "precision, recall, F1 and the confusion matrix on a held-out split, and write the model with its "
        "model.json beside it.",
    )
    add = train.add_argument
    add("--positive", nargs="+", action="extend", required=True, metavar="GLOB", help="curated documents")
    add("--negative", nargs="+", action="extend", required=True, metavar="GLOB", help="web documents")
    add("--output", required=True, metavar="MODEL", help="model file, .bin (or .ftz: quantized); model.json beside")
    add("--lang", nargs="+", action="extend", default=[], metavar="LANG", help="only examples in these languages")
    add("--config", metavar="CONFIG", help="run configuration whose input, extract and clean settings read the inputs")
    add("--positive-label", default="hq", help="label of the positives (default: hq, as DCLM's model)")
    add("--negative-label", default="cc", help="label of the negatives (default: cc, as DCLM's model)")
    add("--lowercase", action="store_true", help="lower-case the text (the classifier stage then must too)")
    add("--max-chars", type=int, metavar="N", help="only the first N characters of each document")
    add("--test-fraction", type=float, default=0.1, help="held-out share of the examples (default 0.1)")
    add("--balance", action=argparse.BooleanOptionalAction, default=True, help="cut the larger class to the smaller")
    add("--max-per-class", type=int, metavar="N", help="at most N examples per class")
    add("--seed", type=int, default=0, help="seeds the sample, order and split, and fastText (default 0)")
    add("--epoch", type=int, default=5, help="fastText -epoch (default 5)")
    add("--lr", type=float, default=0.1, help="fastText -lr (default 0.1)")
    add("--word-ngrams", type=int, default=2, help="fastText -wordNgrams (default 2: DCLM's bigrams)")
    add("--dim", type=int, default=100, help="fastText -dim (default 100)")
    add("--bucket", type=int, default=2_000_000, help="fastText -bucket, rows of n-gram vectors (default 2000000)")
    add("--min-count", type=int, default=1, help="fastText -minCount (default 1)")
    add("--fasttext", default="fasttext", metavar="PATH", help="fastText's command-line tool (default: on PATH)")
    add("--work-dir", metavar="DIR", help="keep fastText's files here (train.txt, test.txt, the model)")
    add("--overwrite", action="store_true", help="replace an existing model and its model.json")


def _classifier_command(args: argparse.Namespace) -> int:
    from corpusforge.pipeline.classifier import classifier_command

    try:
        return classifier_command(args)
    except RuntimeError as e:  # the trainer failed, or fasttext-predict does not reproduce its predictions
        print(f"corpusforge: error: {e}", file=sys.stderr)
        return EXIT_RUN_FAILED


def resolve_config(args: argparse.Namespace) -> PipelineConfig:
    """The run's configuration: the file, then --set, --input, --output and --overwrite on top."""
    overrides = dict(parse_override(text) for text in args.overrides)
    if args.input:
        overrides["input.paths"] = list(args.input)
    if args.output:
        overrides["output.dir"] = args.output
    if args.overwrite:
        overrides["output.overwrite"] = True
    config = load_config(args.config, overrides=overrides)
    if not config.input.paths:
        raise ConfigError(f"{args.config}: input.paths: no input given; set it or pass --input GLOB")
    return config


def run_command(args: argparse.Namespace, beam_args: list[str], console: Console) -> int:
    import apache_beam as beam
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.runner import PipelineState

    from corpusforge.pipeline.build import build_pipeline
    from corpusforge.pipeline.manifest import STATS, prepare_output_dir, read_json
    from corpusforge.pipeline.progress import ProgressDisplay, bias_flags, funnel_table

    config = resolve_config(args)
    options = PipelineOptions([*config.beam.options, *beam_args])
    pipeline = beam.Pipeline(options=options)
    build_pipeline(pipeline, config)  # matches the inputs: a ConfigError comes before anything is written
    prepare_output_dir(config.output.dir, overwrite=config.output.overwrite)
    if args.quiet:
        pipeline.run().wait_until_finish()
        return 0
    with ProgressDisplay(console) as progress:
        state = pipeline.run().wait_until_finish()
    console.print(progress.summary(), highlight=False)
    if state != PipelineState.DONE:  # a remote runner may return before the job ends
        console.print(f"pipeline state: {state}; {config.output.dir} is complete once its _SUCCESS marker appears")
        return 0
    stats = read_json(FileSystems.join(config.output.dir, STATS))
    console.print(funnel_table(stats))
    for line in bias_flags(stats):
        console.print(line, style="yellow", highlight=False)
    console.print(f"output: {config.output.dir}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    beam_args: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, beam_args = argv[:split], argv[split + 1 :]
    args = _parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:  # logs and CI: wide enough for the funnel table
        console.width = 120
    try:
        if args.command == "run":
            return run_command(args, beam_args, console)
        if args.command == "assets":
            from pathlib import Path

            from corpusforge.pipeline.assets import DEFAULT_CACHE, assets_command

            return assets_command(
                args.names,
                Path(args.cache) if args.cache else DEFAULT_CACHE,
                Path(args.mirror) if args.mirror else None,
            )
        if args.command == "classifier":
            return _classifier_command(args)
        if args.command == "rules":
            from corpusforge.pipeline.rules import rules_command

            return rules_command(args.presets, console, markdown=args.markdown)
        from corpusforge.pipeline.inspect import inspect_run

        return inspect_run(args.dir, console)
    except ConfigError as e:
        print(f"corpusforge: error: {e}", file=sys.stderr)
        return EXIT_CONFIG_ERROR


if __name__ == "__main__":
    sys.exit(main())
