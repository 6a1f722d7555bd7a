"""Byte-identity check across two revisions: the same recipes on the same inputs give the same shards.

    python benchmarks/check_identical.py BASE_REV [--workdir DIR] [--cases local-sample,fineweb-warc ...]

A refactoring that must not change behaviour (issue #12's restructuring, the compact-shuffle redesign) is
checked with it: BASE_REV is checked out into a scratch worktree and installed into its own virtualenv with
the lock (`constraints.txt`), so both sides run the same libraries; then the sample recipe, `fineweb.yaml`
and `annotate.yaml` run on the sample corpus and on the WARC/ARC files of `../shared/data/warc/` with each
revision, and every document shard, token shard, tokenizer model and dead-letter file is compared by
sha256. Prints one row per case; exits 1 if anything differs. `stats.json` and the manifest are not
compared (their stage names and config keys may change through a documented mapping).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_WARCS = ["../shared/data/warc/*/*.warc.gz", "../shared/data/warc/*/*.arc.gz"]
CASES = {  # name: (recipe, inputs or None for the recipe's own)
    "local-sample": ("run_configs/local.yaml", None),
    "fineweb-sample": ("run_configs/fineweb.yaml", None),
    "annotate-sample": ("run_configs/annotate.yaml", None),
    "local-warc": ("run_configs/local.yaml", SHARED_WARCS),
    "fineweb-warc": ("run_configs/fineweb.yaml", SHARED_WARCS),
    "annotate-warc": ("run_configs/annotate.yaml", SHARED_WARCS),
}
COMPARED = ("documents/**/*.arrow", "tokens/**/*.arrow", "tokenizer/*.model", "rejects/dead_letters.jsonl")


def install(rev: str, workdir: Path) -> tuple[Path, Path]:
    """A worktree of `rev` and a virtualenv with it installed (editable) under the current lock."""
    tree, venv = workdir / f"tree-{rev}", workdir / f"venv-{rev}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), rev], check=True)
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin/pip"), "install", "--quiet", "-e", str(tree), "-c", str(REPO / "constraints.txt")],
            check=True,
        )
    return tree, venv / "bin/corpusforge"


def run_case(corpusforge: Path, tree: Path, recipe: str, inputs: list[str] | None, out: Path) -> dict[str, str]:
    """Runs one recipe from `tree` (relative paths resolve there) and returns {relative path: sha256}."""
    args = [str(corpusforge), "run", recipe, "--output", str(out), "--overwrite", "--quiet"]
    if inputs:
        args += ["--input", *(str((REPO / pattern).resolve()) for pattern in inputs)]
    args += ["--", "--direct_num_workers=2"]
    done = subprocess.run(args, cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{corpusforge} {recipe}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for pattern in COMPARED
        for p in sorted(out.glob(pattern))
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", metavar="BASE_REV", help="the revision to compare the working tree with")
    parser.add_argument("--workdir", type=Path, help="keep worktrees, venvs and outputs here (default: a temp dir)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {', '.join(CASES)}")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="corpusforge-identical-"))
    workdir.mkdir(parents=True, exist_ok=True)
    base_tree, base_cli = install(args.base, workdir)
    head_cli = Path(sys.executable).parent / "corpusforge"  # the working tree, installed in this environment
    differing = 0
    print(f"{'case':18s} {'files':>5s}  result (base {args.base} vs working tree)")
    for name in args.cases.split(","):
        recipe, inputs = CASES[name]
        base = run_case(base_cli, base_tree, recipe, inputs, workdir / "out" / f"{name}-base")
        head = run_case(head_cli, REPO, recipe, inputs, workdir / "out" / f"{name}-head")
        diff = sorted(k for k in base.keys() | head.keys() if base.get(k) != head.get(k))
        differing += bool(diff)
        print(f"{name:18s} {len(head):5d}  {'identical' if not diff else 'DIFFERENT: ' + ', '.join(diff[:6])}")
    print(f"workdir: {workdir}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
