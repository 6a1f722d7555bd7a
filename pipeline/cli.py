"""The `corpusforge` command: a thin layer over `build_pipeline`.

    corpusforge run CONFIG [--input GLOB ...] [--output DIR] [--set KEY=VALUE ...] [--overwrite]
                           [--quiet | --verbose] [-- BEAM_OPTIONS]
    corpusforge inspect DIR
    corpusforge report DIR [DIR_B] [--output PATH]
    corpusforge rules [PRESET ...] [--markdown]
    corpusforge assets [ut1] [ldnoobw] [--cache DIR] [--from DIR]
    corpusforge classifier train --positive GLOB... --negative GLOB... --output MODEL [--lang LANG...] [...]
    corpusforge --version

Everything after `--` goes to Beam's PipelineOptions untouched (after the config's `beam.options`);
corpusforge's own options never reach Beam. A run is checked at launch, runs in a supervised child process
(pipeline/supervisor.py) into a staging location, and replaces the output only once it has finished
(pipeline/output_dir.py). Every way a command can end has its exit status (below), with at most one
line of error on stderr; `--verbose` shows Beam's and the workers' log, tracebacks included.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import signal
import sys
import threading
from collections.abc import Sequence

from rich.console import Console

from corpusforge.pipeline.config import ConfigError, PipelineConfig, load_config, parse_override
from corpusforge.pipeline.console import ConsoleSession

EXIT_OK = 0
EXIT_RUN_FAILED = 1  # the job ran and failed: a stage's fault, too many dead letters, nothing kept, a dead worker
EXIT_CONFIG_ERROR = 2  # a bad command line, config, input, output directory or environment, found before the run
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT): nothing written, the previous output intact
VERBOSE_ENV = "CORPUSFORGE_VERBOSE"  # set (to anything but 0) for --verbose


class _Parser(argparse.ArgumentParser):
    """argparse, its errors raised as ConfigError: one line and EXIT_CONFIG_ERROR, no usage block."""

    def error(self, message: str):
        raise ConfigError(f"{message} (see corpusforge --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="corpusforge",
        description="Turn raw web text (WARC/WET/ARC, JSONL, Parquet, text) into LLM training corpora as sharded Arrow files.",
        epilog="Exit status: 0 done; 1 the run failed; 2 a bad command line, config, input, output directory or "
        "environment (nothing was run); 130 interrupted.",
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
        help="override one setting by its dotted key, value in YAML (repeatable): --set output.shard_bytes=1000000, "
        "--set language.keep=[en,fr]",
    )
    run.add_argument("--overwrite", action="store_true", help="replace a finished run in the output directory")
    verbosity = run.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", action="store_true", help="print only errors and the final summary")
    verbosity.add_argument(
        "--verbose",
        action="store_true",
        help="also print Beam's own warnings and the workers' log lines (instead of the run's log file), and full "
        f"tracebacks (or set {VERBOSE_ENV}=1)",
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
        help="summarize a finished (or failed) run",
        description="Print shards, rows, bytes, languages and stats of a finished run, or why a run failed.",
    )
    inspect.add_argument("dir", metavar="DIR", help="output directory of a run, or the staging folder of a failed one")
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


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """corpusforge's arguments, and the Beam options after `--`. ConfigError for anything else, such as a
    Beam option given before `--`."""
    beam_args: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, beam_args = argv[:split], argv[split + 1 :]
    args, unknown = _parser().parse_known_args(argv)
    if unknown:
        hint = f"; Beam pipeline options go after `--`: corpusforge run CONFIG -- {' '.join(unknown)}"
        raise ConfigError(f"unrecognized arguments: {' '.join(unknown)}" + (hint if args.command == "run" else ""))
    return args, beam_args


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
        raise CommandFailed(EXIT_RUN_FAILED, f"error: {e}") from None


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
    for pattern in config.input.paths:
        if "://" not in pattern and not any(c in pattern for c in "*?[") and os.path.isdir(pattern):
            raise ConfigError(
                f"input {pattern}: is a folder; give a glob of its files, e.g. '{pattern.rstrip('/')}/**' "
                f"or '{pattern.rstrip('/')}/*.warc.gz'"
            )
    return config


def resolve_runner(beam_options: Sequence[str]) -> list[str]:
    """Beam options with `--runner=DaskRunner` mapped to corpusforge's Dask runner (pipeline/dask_runner.py).

    Beam's own DaskRunner gives wrong results on tagged outputs, finish_bundle output, side inputs and
    several sinks. The name is matched as Beam matches runner names (any case, `dask` too); a fully
    qualified class name is left alone.
    """

    def resolve(name: str) -> str:
        return "corpusforge.pipeline.dask_runner.DaskRunner" if name.lower() in ("dask", "daskrunner") else name

    resolved = list(beam_options)
    for i, option in enumerate(resolved):
        if option.startswith("--runner="):
            resolved[i] = "--runner=" + resolve(option.removeprefix("--runner="))
        elif option == "--runner" and i + 1 < len(resolved):
            resolved[i + 1] = resolve(resolved[i + 1])
    return resolved


def beam_options(config: PipelineConfig, beam_args: list[str]) -> list[str]:
    """The Beam options of the run (the config's, then the command line's); ConfigError for a runner that
    Beam cannot create (a misspelt name, a runner whose extra is not installed). The DirectRunner needs no
    check, and so no import of Beam in the launcher."""
    options = resolve_runner([*config.beam.options, *beam_args])
    runner = _runner_name(options)
    if runner is None or runner.lower() in ("direct", "directrunner"):
        return options
    import difflib

    from apache_beam.options.pipeline_options import StandardOptions
    from apache_beam.runners.runner import create_runner

    try:
        create_runner(runner)
    except ImportError as e:  # the runner's extra is missing: the message names it
        raise ConfigError(f"--runner={runner}: cannot create this runner; {e}") from None
    except ValueError:
        known = StandardOptions.KNOWN_RUNNER_NAMES
        close = difflib.get_close_matches(runner, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"Beam's runners: {', '.join(known)}"
        raise ConfigError(f"--runner={runner}: cannot create this runner; {hint}") from None
    return options


def _runner_name(options: Sequence[str]) -> str | None:
    """The runner the options name (the last `--runner`, as Beam's parser takes it), None for the default."""
    runner = None
    for i, option in enumerate(options):
        if option.startswith("--runner="):
            runner = option.removeprefix("--runner=")
        elif option == "--runner" and i + 1 < len(options):
            runner = options[i + 1]
    return runner or None


def version_line() -> str:
    beam = importlib.metadata.version("apache-beam")
    return f"corpusforge {importlib.metadata.version('corpusforge')} (apache-beam {beam}, Python {platform.python_version()})"


class CommandFailed(Exception):
    """A command's end other than success: its exit status and the one line to print once the console is free."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def run_command(args: argparse.Namespace, beam_args: list[str], console: Console, session: ConsoleSession) -> int:
    """Check, run (supervised, into a staging location), then publish: the exit status of how it ended.

    A local run's launcher never imports Beam (about 1 CPU s and 120 MB, issue 18): the runner process
    matches the inputs and builds the job; the launcher checks the config and the output folder, and
    publishes."""
    from corpusforge.pipeline.console import print_run_summary
    from corpusforge.pipeline.output_dir import abandon, prepare_output, publish
    from corpusforge.pipeline.supervisor import run_in_child

    config = resolve_config(args)
    options = beam_options(config, beam_args)
    run = prepare_output(config.output.dir, overwrite=config.output.overwrite)
    verbose = args.verbose or os.environ.get(VERBOSE_ENV, "0") not in ("", "0")
    try:
        outcome = run_in_child(
            config=config,
            origin=args.config,
            beam_options=options,
            out_dir=run.staging,
            log_path=run.log_path,
            verbose=verbose,
            on_totals=session.set_totals,
            on_progress=session.progress_line,
        )
    except KeyboardInterrupt:
        abandon(run, None)
        intact = "; the previous output is intact" if run.replaces else ""
        raise CommandFailed(EXIT_INTERRUPTED, f"interrupted; nothing written{intact}") from None
    finally:
        session.end_progress()
    if outcome.status == "config_error":
        abandon(run, None)
        raise CommandFailed(EXIT_CONFIG_ERROR, f"error: {outcome.message}")
    if outcome.status != "done":
        abandon(run, outcome.message)
        left = "its stats and dead letters if written" + ("" if verbose else ", and its log")
        where = run.staging if run.local or verbose else f"{run.staging} (log: {run.log_path})"
        intact = "the previous output is intact; " if run.replaces else ""
        raise CommandFailed(EXIT_RUN_FAILED, f"run failed: {outcome.message} ({intact}{left}: {where})")
    try:
        with _uninterruptible():  # a Ctrl-C now would cut the swap between its two renames
            publish(run)
    except (ConfigError, OSError) as e:
        message = f"run finished but cannot be published: {e}; it stays in {run.staging}"
        raise CommandFailed(EXIT_RUN_FAILED, message) from None
    print_run_summary(console, session, run.target, report=config.report.enabled, cost_lines=outcome.summary)
    return EXIT_OK


@contextlib.contextmanager
def _uninterruptible():
    """SIGINT held off for the block (in the main thread, where Python receives it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _error(message: str) -> None:
    print(f"corpusforge: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    console = Console()
    if not console.is_terminal:  # logs and CI: wide enough for the funnel table
        console.width = 120
    try:
        args, beam_args = parse_args(argv)
        mode = "quiet" if getattr(args, "quiet", False) else "verbose" if getattr(args, "verbose", False) else "normal"
        # Before anything imports Beam, so that its import-time warnings are routed too.
        with ConsoleSession(console, mode, progress=args.command == "run") as session:
            return _command(args, beam_args, console, session)
    except CommandFailed as e:
        _error(str(e))
        return e.status
    except ConfigError as e:
        _error(f"error: {e}")
        return EXIT_CONFIG_ERROR
    except KeyboardInterrupt:  # during the launch checks: nothing was written yet
        _error("interrupted; nothing written")
        return EXIT_INTERRUPTED


def _command(args: argparse.Namespace, beam_args: list[str], console: Console, session: ConsoleSession) -> int:
    if args.command == "run":
        return run_command(args, beam_args, console, session)
    if args.command == "assets":
        from pathlib import Path

        from corpusforge.pipeline.assets import DEFAULT_CACHE, AssetError, assets_command

        try:
            return assets_command(
                args.names,
                Path(args.cache) if args.cache else DEFAULT_CACHE,
                Path(args.mirror) if args.mirror else None,
            )
        except AssetError as e:
            raise CommandFailed(EXIT_RUN_FAILED, f"error: {e}") from None
    if args.command == "classifier":
        return _classifier_command(args)
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
