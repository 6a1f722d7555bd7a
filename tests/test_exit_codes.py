"""Honest results and exit codes (issue #11 §4-§6): every way a run ends has its status and at most one
line of error; interruptions and a killed worker leave the previous output intact; no network is used.

0 done · 1 the run failed · 2 a bad command line, config, input, output directory or environment (nothing
run) · 130 interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from corpusforge.pipeline.build import build_pipeline
from corpusforge.pipeline.cli import EXIT_CONFIG_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, main
from corpusforge.pipeline.config import LID176_LANGUAGES, ConfigError, TokenizerConfig, load_config, parse_config
from corpusforge.pipeline.direct_runner import JobOptions, pipeline_runner
from corpusforge.tokenizer.train import train_to_fit

REPO = Path(__file__).resolve().parents[1]
IN_MEMORY = ["--runner=DirectRunner"]
TWO_WORKERS = ["--runner=DirectRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def write_config(tmp_path: Path, inputs: str, **sections) -> Path:
    raw = {"input": {"paths": [inputs]}, "beam": {"options": IN_MEMORY}}
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps(raw))
    return path


@pytest.fixture
def dolma(shared_data) -> str:
    return str(shared_data / "text/dolma-cc-en/*.jsonl.gz")  # 20 real Common Crawl documents


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["--", "--runner=DirectRuner"], "--runner=DirectRuner: cannot create this runner; did you mean DirectRunner?"),
        (
            ["--runner=DirectRunner"],
            "Beam pipeline options go after `--`: corpusforge run CONFIG -- --runner=DirectRunner",
        ),
        (["--set", "language.keep=en,fr"], "language.keep is a list; write it in YAML: --set language.keep=[en,fr]"),
        (
            ["--set", "language.keep=[en,jp]"],
            "language.keep[1]: 'jp' is not a lid.176 language code; did you mean 'ja'?",
        ),
        (["--set", "language.min_score_by_lang={eng: 0.5}"], "did you mean 'en'?"),
        (["--set", "run.max_dead_letter_fraction=2"], "run.max_dead_letter_fraction: expected a value between 0 and 1"),
        (["--set", "tokenizer.too_little_text=ignore"], "tokenizer.too_little_text: expected one of 'shrink', 'skip'"),
    ],
)
def test_launch_errors_are_one_line_and_exit_2(tmp_path, dolma, capsys, args, message):
    config = write_config(tmp_path, dolma)
    out = tmp_path / "out"
    assert main(["run", str(config), "--output", str(out), "--quiet", *args]) == EXIT_CONFIG_ERROR
    assert message in one_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]  # nothing written


def test_input_and_output_errors_at_launch(tmp_path, dolma, shared_data, capsys, monkeypatch):
    config = write_config(tmp_path, dolma)
    out = str(tmp_path / "out")
    folder = str(shared_data / "text" / "dolma-cc-en")
    assert main(["run", str(config), "--output", out, "--input", folder]) == EXIT_CONFIG_ERROR
    assert f"input {folder}: is a folder; give a glob of its files, e.g. '{folder}/**'" in one_line(capsys)
    temp = tmp_path / "temp"  # the runner process's temporary folder
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    assert main(["run", str(config), "--output", out, "--input", str(tmp_path / "none*.jsonl")]) == EXIT_CONFIG_ERROR
    assert "matches no file" in one_line(capsys)  # found by the runner process while building the job
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("out.*"))  # its staging folder went too
    assert not list(temp.iterdir())  # and the temporary folder of the Beam pipeline it was building
    assert main(["run"]) == EXIT_CONFIG_ERROR and "CONFIG" in one_line(capsys)
    assert main(["inspect", str(tmp_path)]) == EXIT_CONFIG_ERROR and "not a finished corpusforge run" in one_line(
        capsys
    )

    blocker = tmp_path / "a-file"  # an output folder that cannot be created (a file stands in its path)
    blocker.write_text("")
    assert main(["run", str(config), "--output", str(blocker / "out")]) == EXIT_CONFIG_ERROR
    assert "cannot write the run's staging folder" in one_line(capsys)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert main(["run", str(config), "--output", str(locked / "out")]) == EXIT_CONFIG_ERROR
        assert "Permission denied" in one_line(capsys)


def test_language_codes_are_the_models_labels():
    from corpusforge.transforms.filters.language import LanguageModel

    model = LanguageModel()
    labels = {label.removeprefix("__label__") for _, label in model.fasttext_model.f.predict("x\n", -1, -1.0, "strict")}
    assert labels == LID176_LANGUAGES and len(labels) == 176
    assert parse_config({"language": {"keep": ["en", "zh", "yue"]}}).language.keep == ("en", "zh", "yue")
    with pytest.raises(ConfigError, match=r"several codes are a YAML list: \[en, fr\]"):
        parse_config({"language": {"keep": "en,fr"}})


def test_too_many_dead_letters_and_an_empty_result_fail_unless_allowed(tmp_path, dolma, shared_data, capsys):
    lines = (shared_data / "text/llama-factory-web/c4_demo.jsonl").read_text().splitlines()[:40]
    bad = tmp_path / "in" / "truncated.jsonl"  # real C4 lines cut in the middle, as a crashed writer leaves them
    bad.parent.mkdir()
    bad.write_text("".join(line[: len(line) // 2] + "\n" for line in lines))
    config = write_config(tmp_path, str(bad))
    out = tmp_path / "out"
    assert main(["run", str(config), "--output", str(out), "--quiet"]) == EXIT_RUN_FAILED
    err = one_line(capsys)
    assert "run failed: 40 of 40 records dead-lettered (100.0%, above run.max_dead_letter_fraction 0.5)" in err
    assert "most as invalid_json at read (40)" in err and not out.exists()
    args = ["--set", "run.max_dead_letter_fraction=1", "--set", "run.allow_empty=true"]
    assert main(["run", str(config), "--output", str(out), "--quiet", *args]) == EXIT_OK
    stats = json.loads((out / "stats.json").read_text())
    assert stats["kept"] == 0 and stats["dead_lettered"] == 40 and (out / "_SUCCESS").exists()

    english = write_config(tmp_path, dolma, language={"keep": ["sw"]})  # nothing in Swahili
    assert main(["run", str(english), "--output", str(tmp_path / "sw"), "--quiet"]) == EXIT_RUN_FAILED
    err = one_line(capsys)
    assert "no document kept of 20 records read, most dropped as language_not_kept at language (20)" in err
    assert "set run.allow_empty: true" in err and not (tmp_path / "sw").exists()


def test_a_tokenizer_that_cannot_be_trained_fails_the_run_in_one_line(tmp_path, dolma, capsys):
    config = write_config(tmp_path, dolma, tokenizer={"enabled": True, "vocab_size": 200})
    assert main(["run", str(config), "--output", str(tmp_path / "out"), "--quiet"]) == EXIT_RUN_FAILED
    err = one_line(capsys)
    assert "run failed: RuntimeError: tokenizer: SentencePiece cannot train vocab_size 200 on the sample" in err
    assert "Vocabulary size is smaller than required_chars" in err


def test_the_default_recipe_succeeds_on_one_small_japanese_article(tmp_path, shared_data, monkeypatch, capfd):
    """17 KB of a Japanese novel, alone: too little text for the recipe's 2,000 pieces; the vocabulary
    shrinks, stats.json and a warning say so, and the run succeeds."""
    article = tmp_path / "in" / "neko.txt"
    article.parent.mkdir()
    novel = (shared_data / "text/sentencepiece-novels/wagahaiwa_nekodearu.txt").read_bytes()
    article.write_bytes(novel[: novel.rindex(b"\n", 0, 17_000) + 1])
    monkeypatch.chdir(REPO)
    out = tmp_path / "out"
    args = ["run", "run_configs/local.yaml", "--input", str(article), "--output", str(out), "--quiet"]
    assert main([*args, "--", *IN_MEMORY]) == EXIT_OK
    training = json.loads((out / "stats.json").read_text())["tokenizer"]["training"]
    assert training["status"] == "shrunk" and training["vocab_size_requested"] == 2000
    assert 256 < training["vocab_size"] < 2000
    assert f"vocabulary shrunk from 2,000 to {training['vocab_size']:,} pieces" in one_line(capfd)
    manifest = json.loads((out / "manifest.json").read_text())["tokenizer"]
    assert manifest["vocab_size"] == training["vocab_size"] and manifest["shards"]


def test_too_little_text_shrinks_skips_or_fails_as_configured(shared_data):
    sentences = (shared_data / "text/sentencepiece-novels/botchan.txt").read_text().splitlines()[:40]
    config = TokenizerConfig(vocab_size=8000, num_threads=2)
    shrunk = train_to_fit(sentences, config, seed=0)
    assert shrunk.status == "shrunk" and shrunk.vocab_size < 8000 and shrunk.model_bytes
    assert train_to_fit(sentences, config, seed=0) == shrunk  # deterministic
    exact = train_to_fit(sentences, TokenizerConfig(vocab_size=shrunk.vocab_size, num_threads=2), seed=0)
    assert exact.status == "trained" and exact.model_bytes == shrunk.model_bytes and not exact.note
    skipped = train_to_fit(sentences, TokenizerConfig(vocab_size=8000, num_threads=2, too_little_text="skip"), seed=0)
    assert skipped.status == "skipped" and skipped.model_bytes == b"" and "no tokens written" in skipped.note
    with pytest.raises(RuntimeError, match=f"gives at most {shrunk.vocab_size:,} of the 8,000 pieces asked"):
        train_to_fit(sentences, TokenizerConfig(vocab_size=8000, num_threads=2, too_little_text="fail"), seed=0)


def test_a_finished_job_is_kept_when_its_cpu_cannot_be_added(tmp_path, dolma, monkeypatch):
    """Adding the whole job's CPU to timings.json comes after the job: its failure costs the figure, never
    the finished outputs."""
    from corpusforge.pipeline import supervisor

    def unwritable(out_dir, **_):
        raise PermissionError(13, "Permission denied", f"{out_dir}/timings.json")

    monkeypatch.setattr(supervisor, "_finish", unwritable)
    config = load_config(str(write_config(tmp_path, dolma)))
    out = tmp_path / "staging"
    plan = {"config": config.to_dict(), "origin": "test", "beam_options": IN_MEMORY, "out_dir": str(out)}
    outcome = supervisor._run({**plan, "launcher_cpu_secs": 0.0}, on_totals=lambda files, nbytes: None)
    assert outcome.status == "done", outcome.message
    assert outcome.summary == (
        "the job's CPU is not in timings.json and the report: PermissionError: "
        f"[Errno 13] Permission denied: '{out}/timings.json'",
    )
    assert json.loads((out / "stats.json").read_text())["records_read"] == 20 and (out / "_SUCCESS").exists()


# A job whose stage needs a module that is not installed, run as the supervisor's child runs a job: in a
# fresh process (nothing left by other tests' pipelines), which ends without waiting for Beam's threads.
FAULTY_JOB = """
import os, sys
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from corpusforge.pipeline.direct_runner import pipeline_runner
from corpusforge.pipeline.supervisor import root_cause

def needs_a_missing_module(x):
    import corpusforge_module_that_is_not_installed

options = PipelineOptions(sys.argv[1:])
try:
    with beam.Pipeline(runner=pipeline_runner(options), options=options) as p:
        p | beam.Create([1]) | "NeedsModule" >> beam.Map(needs_a_missing_module)
except Exception as e:
    print(root_cause(e), flush=True)
os._exit(0)
"""


WORKER_PROCESSES = ["--runner=DirectRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=4"]


@pytest.mark.parametrize(("options", "runs"), [(IN_MEMORY, 1), (WORKER_PROCESSES, 3)], ids=["in_memory", "processes"])
def test_a_stage_fault_is_reported_by_its_root_cause(options, runs):
    """With worker processes, three runs: Beam alone hung in its worker shutdown in 3 of 8 such runs, when the
    fault came before every worker had connected (`direct_runner._StoppableWorkerHandler`)."""
    for _ in range(runs):
        job = subprocess.run(
            [sys.executable, "-c", FAULTY_JOB, *options], capture_output=True, text=True, timeout=120, check=True
        )
        assert job.stdout.startswith(
            "ModuleNotFoundError: No module named 'corpusforge_module_that_is_not_installed' [while running 'NeedsModule"
        ), job.stderr[-2000:]


@pytest.mark.parametrize(
    ("workers", "mode"), [("1", "in_memory"), ("2", "multi_processing"), ("0", "multi_processing")]
)
def test_one_direct_runner_worker_runs_in_the_job_process(workers, mode):
    """A multi-processing DirectRunner of one worker gains nothing from a worker process (issue 18)."""
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

    options = PipelineOptions(
        ["--runner=DirectRunner", "--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    )
    pipeline_runner(options)
    assert options.view_as(DirectOptions).direct_running_mode == mode


@pytest.mark.parametrize(
    ("workers", "sizes", "expected", "mode"),
    [
        ("0", [200_000] * 5, 1, "in_memory"),  # the shipped sample (0.57 MB): one worker, in the job's process
        ("0", [2**20 - 1], 1, "in_memory"),
        ("0", [2**19, 2**19], 6, "multi_processing"),  # 1 MB: one per core this process may run on (6 here)
        ("0", [2**30], 6, "multi_processing"),
        ("3", [100], 3, "multi_processing"),  # a count given is kept
    ],
)
def test_auto_workers_run_a_small_input_in_the_job_process(workers, sizes, expected, mode, monkeypatch):
    """`direct_num_workers: 0` starts no worker process for an input under 1 MB, else one per usable core."""
    from apache_beam.options.pipeline_options import DirectOptions

    from corpusforge.pipeline import direct_runner
    from corpusforge.transforms.document import SourceFile

    monkeypatch.setattr(direct_runner.os, "sched_getaffinity", lambda pid: set(range(6)), raising=False)
    options = JobOptions(
        ["--runner=DirectRunner", "--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    )
    direct_runner.fit_workers(options, [SourceFile(path=f"f{i}", relpath=f"f{i}", size=n) for i, n in enumerate(sizes)])
    assert options.view_as(DirectOptions).direct_num_workers == expected
    assert options.view_as(DirectOptions).direct_running_mode == mode


def test_a_small_run_asking_one_worker_per_core_starts_no_worker_process(tmp_path, dolma, monkeypatch):
    """The runner process applies `fit_workers` to the options the pipeline runs with (Beam copies them)."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    from corpusforge.pipeline import supervisor

    def start_worker(self):
        raise RuntimeError("a worker process was started")

    monkeypatch.setattr(worker_handlers.SubprocessSdkWorkerHandler, "start_worker", start_worker)
    config = load_config(str(write_config(tmp_path, dolma)))
    out = tmp_path / "staging"
    auto = ["--runner=DirectRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=0"]
    plan = {"config": config.to_dict(), "origin": "test", "beam_options": auto, "out_dir": str(out)}
    outcome = supervisor._run({**plan, "launcher_cpu_secs": 0.0}, on_totals=lambda files, nbytes: None)
    assert outcome.status == "done", outcome.message
    assert json.loads((out / "stats.json").read_text())["records_read"] == 20


def test_job_options_keep_their_views_and_behave_as_beams(tmp_path):
    """`JobOptions` makes each view once (issue 18: Beam's own parse the flags again for every view, two or three
    per transform); values, writes through views, pickling and the graph built are as with Beam's options."""
    from apache_beam.options.pipeline_options import DebugOptions, DirectOptions, StandardOptions

    flags = ["--runner=DirectRunner", "--direct_num_workers=3", "--experiments=a"]
    ours, beams = JobOptions(flags), PipelineOptions(flags)
    assert ours.view_as(DirectOptions) is ours.view_as(DirectOptions)
    for options in (ours, beams):
        options.view_as(DirectOptions).direct_running_mode = "in_memory"
        options.view_as(DebugOptions).add_experiment("b")
    assert ours.view_as(DirectOptions).direct_running_mode == "in_memory"
    assert ours.view_as(DebugOptions).experiments == ["a", "b"]
    assert ours.view_as(StandardOptions).runner == "DirectRunner"
    assert ours.get_all_options() == beams.get_all_options()
    copy = pickle.loads(pickle.dumps(ours))
    assert copy.get_all_options() == ours.get_all_options()
    assert "_views" not in copy.__dict__

    config = load_config(REPO / "run_configs/fineweb.yaml")
    names = []
    for options in (JobOptions(IN_MEMORY), PipelineOptions(IN_MEMORY)):
        p = beam.Pipeline(runner=pipeline_runner(options), options=options)
        build_pipeline(p, config, out_dir=str(tmp_path / "out"))
        names.append(sorted(t.unique_name for t in p.to_runner_api().components.transforms.values()))
    assert len(names[0]) > 50 and names[0] == names[1]


def test_no_stage_opens_a_network_connection(tmp_path, monkeypatch):
    """The sample recipe, every stage on, in-process with every non-loopback connection and lookup refused.
    (Beam's own DirectRunner would try to download the Prism runner from GitHub: see `pipeline_runner`.)"""
    attempts = []
    local = ("127.0.0.1", "::1", "localhost")

    def refuse(address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in local:
            attempts.append(address)
            raise OSError(f"network disabled by the test: {address}")

    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", lambda self, a: refuse(a) or connect(self, a))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, a: refuse(a) or connect_ex(self, a))
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: refuse((host,)) or getaddrinfo(host, *a, **k))
    monkeypatch.chdir(REPO)
    config = load_config("run_configs/local.yaml")
    options = JobOptions(IN_MEMORY)
    with beam.Pipeline(runner=pipeline_runner(options), options=options) as p:  # the options and runner the CLI uses
        build_pipeline(p, config, out_dir=str(tmp_path / "out"))
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["kept"] > 100
    assert attempts == []


def test_a_run_without_any_network(tmp_path, dolma):
    """The CLI (launcher, runner process, every stage) in a network namespace of its own: no interface up."""
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unprivileged network namespaces (unshare -rn) are not available here")
    config = write_config(tmp_path, dolma)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "corpusforge.pipeline.cli", "run", str(config), "--output", str(out), "--quiet"]
    done = subprocess.run(["unshare", "-rn", *command], capture_output=True, text=True, timeout=300)
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads((out / "stats.json").read_text())["kept"] > 0


# Interruptions and a killed worker: the CLI in its own process group, as a terminal runs it.


def descendants(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry))
    return [d for child in children for d in (child, *descendants(child))]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def beam_workers(pid: int) -> list[int]:
    """The DirectRunner's SDK worker processes under `pid` (the Python ones, not their shells)."""
    workers = []
    for d in descendants(pid):
        try:
            command = Path(f"/proc/{d}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if command[0] != b"/bin/sh" and b"apache_beam.runners.worker.sdk_worker_main" in command:
            workers.append(d)
    return workers


@pytest.fixture(scope="module")
def finished_sample(tmp_path_factory) -> tuple[Path, list[str]]:
    """The sample recipe (extract, clean, language only) run undisturbed with two worker processes."""
    out = tmp_path_factory.mktemp("undisturbed") / "out"
    args = [
        "run",
        "run_configs/local.yaml",
        "--output",
        str(out),
        "--quiet",
        *("--set", "quality.enabled=false", "--set", "safety.enabled=false"),
        *("--set", "dedup.enabled=false", "--set", "tokenizer.enabled=false"),
        "--",
        *TWO_WORKERS,
    ]
    done = subprocess.run([sys.executable, "-m", "corpusforge.pipeline.cli", *args], cwd=REPO, capture_output=True)
    assert done.returncode == EXIT_OK, done.stderr
    return out, args


def start_disturbed(finished_sample, tmp_path) -> tuple[subprocess.Popen, Path, dict[str, str], list[int]]:
    """A copy of the finished run, and the same command over it (--overwrite), once its workers work; the
    launcher, the copy, the copy's digest and every process the launcher started."""
    undisturbed, args = finished_sample
    out = tmp_path / "out"
    shutil.copytree(undisturbed, out)
    args = [*args[:3], str(out), "--overwrite", *args[4:]]
    launcher = subprocess.Popen(
        [sys.executable, "-m", "corpusforge.pipeline.cli", *args],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
        # and Ctrl-C's default action, which a foreground job has: a test runner started in the background
        # by a script inherits SIGINT ignored, and so would the launcher
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while len(beam_workers(launcher.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # mid-run: the workers have bundles in hand
    assert launcher.poll() is None, "the run ended before it could be disturbed"
    return launcher, out, digest(out), descendants(launcher.pid)


def test_ctrl_c_leaves_nothing_but_one_line(finished_sample, tmp_path):
    launcher, out, before, processes = start_disturbed(finished_sample, tmp_path)
    os.killpg(launcher.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    _, err = launcher.communicate(timeout=60)
    assert launcher.returncode == EXIT_INTERRUPTED
    assert err == "corpusforge: interrupted; nothing written; the previous output is intact\n"
    assert digest(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert not [pid for pid in processes if alive(pid)]  # the runner process and its workers are gone


def test_a_killed_worker_fails_the_run_cleanly_or_changes_nothing(finished_sample, tmp_path):
    launcher, out, before, processes = start_disturbed(finished_sample, tmp_path)
    os.kill(beam_workers(launcher.pid)[0], signal.SIGKILL)
    _, err = launcher.communicate(timeout=120)
    if launcher.returncode == EXIT_OK:  # the runner recovered: the output must be what an undisturbed run gives
        assert {k: v for k, v in digest(out).items() if k != "manifest.json"} == {
            k: v for k, v in before.items() if k != "manifest.json"
        }
        return
    assert launcher.returncode == EXIT_RUN_FAILED
    assert err.count("\n") == 1 and "a DirectRunner worker process died (exit status 137: killed by signal 9)" in err
    assert digest(out) == before  # the previous output, byte for byte
    (staging,) = [p for p in tmp_path.iterdir() if p.name != "out"]
    assert str(staging) in err and (staging / "_FAILED").exists() and (staging / "_run.log").exists()
    assert not [pid for pid in processes if alive(pid)]
