"""The `corpusforge` command: a thin layer over `build_pipeline`.

    corpusforge run CONFIG [--input GLOB ...] [--output DIR] [--set KEY=VALUE ...] [--overwrite]
                           [--quiet | --verbose] [-- BEAM_OPTIONS]
    corpusforge inspect DIR
    corpusforge report DIR [DIR_B] [--output PATH]
    corpusforge rules [PRESET ...] [--markdown]
    corpusforge assets [ut1] [ldnoobw] [--cache DIR] [--from DIR]
    corpusforge --version

Everything after `--` goes to Beam's PipelineOptions untouched (after the config's `beam.options`);
corpusforge's own options never reach Beam. Configuration and input errors print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import sys
from collections.abc import Sequence

from rich.console import Console

from corpusforge.pipeline.config import ConfigError, PipelineConfig, load_config, parse_override
from corpusforge.pipeline.console import ConsoleSession

EXIT_CONFIG_ERROR = 2
EXIT_RUN_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpusforge",
        description="Turn raw web text (WARC/WET/ARC, JSONL, Parquet, text) into LLM training corpora as sharded Arrow files.",
    )
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a pipeline from a YAML run configuration",
        usage="corpusforge run CONFIG [options] [-- BEAM_OPTIONS]",
        description="Run the pipeline described by CONFIG. Options after `--` are Beam pipeline options "
        "(e.g. -- --runner=DataflowRunner --project=P), passed to Beam untouched.",
        epilog="BEAM_OPTIONS: everything after `--` goes to Beam's PipelineOptions, after the config's beam.options, "
        "e.g. corpusforge run run_configs/local.yaml -- --direct_num_workers=4",
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
    verbosity = run.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", action="store_true", help="print only errors and the final summary")
    verbosity.add_argument(
        "--verbose", action="store_true", help="also print Beam's own warnings and log lines, and full tracebacks"
    )
    report = commands.add_parser(
        "report",
        help="write the HTML report of a finished run, or compare two runs",
        description="Rewrite DIR/report.html from the run's aggregates (stats.json, manifest.json, timings.json, "
        "rejects/dropped_sample.jsonl); with DIR_B, write a side-by-side comparison of the two runs instead.",
    )
    report.add_argument("dir", metavar="DIR", help="output directory of a finished run")
    report.add_argument("other", nargs="?", metavar="DIR_B", help="a second run to compare with DIR")
    report.add_argument(
        "--output", metavar="PATH", help="where to write (default: DIR/report.html; comparing: ./compare.html)"
    )
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
    return parser


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


def version_line() -> str:
    beam = importlib.metadata.version("apache-beam")
    return f"corpusforge {importlib.metadata.version('corpusforge')} (apache-beam {beam}, Python {platform.python_version()})"


def run_command(args: argparse.Namespace, beam_args: list[str], console: Console, session: ConsoleSession) -> int:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.runner import PipelineState

    from corpusforge.pipeline.build import build_pipeline
    from corpusforge.pipeline.console import JobCpu, print_run_summary
    from corpusforge.pipeline.manifest import prepare_output_dir

    config = resolve_config(args)
    options = PipelineOptions([*config.beam.options, *beam_args])
    pipeline = beam.Pipeline(options=options)
    built = build_pipeline(pipeline, config)  # matches the inputs: a ConfigError comes before anything is written
    session.set_totals(len(built["inputs"]), sum(f.size for f in built["inputs"]))
    prepare_output_dir(config.output.dir, overwrite=config.output.overwrite)
    with JobCpu(options) as job:
        state = pipeline.run().wait_until_finish()
    session.end_progress()
    print_run_summary(
        console, config, done=state == PipelineState.DONE, state=str(state), job_cpu_secs=job.secs, mode=session.mode
    )
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
    mode = "quiet" if getattr(args, "quiet", False) else "verbose" if getattr(args, "verbose", False) else "normal"
    try:
        # Before anything imports Beam, so that its import-time warnings are routed too.
        with ConsoleSession(console, mode, progress=args.command == "run") as session:
            return _command(args, beam_args, console, session)
    except ConfigError as e:
        print(f"corpusforge: error: {e}", file=sys.stderr)
        return EXIT_CONFIG_ERROR


def _command(args: argparse.Namespace, beam_args: list[str], console: Console, session: ConsoleSession) -> int:
    if args.command == "run":
        return run_command(args, beam_args, console, session)
    if args.command == "assets":
        from pathlib import Path

        from corpusforge.pipeline.assets import DEFAULT_CACHE, assets_command

        return assets_command(
            args.names,
            Path(args.cache) if args.cache else DEFAULT_CACHE,
            Path(args.mirror) if args.mirror else None,
        )
    if args.command == "report":
        from corpusforge.pipeline.report import report_command

        return report_command(args.dir, args.other, args.output, console)
    if args.command == "rules":
        from corpusforge.pipeline.rules import rules_command

        return rules_command(args.presets, console, markdown=args.markdown)
    from corpusforge.pipeline.inspect import inspect_run

    return inspect_run(args.dir, console)


if __name__ == "__main__":
    sys.exit(main())
