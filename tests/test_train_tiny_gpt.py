"""examples/train_tiny_gpt.py on CPU: a few steps of a tiny GPT on the sample run's token shards, then on the
SFT shards of a real run of instruction data (`sft_runs` in conftest.py); the loss falls, and a run stopped
mid-fine-tuning and resumed from its checkpoint gives exactly the losses of an uninterrupted run."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import REPO, require_module

PRETRAIN_STEPS, SFT_STEPS = 6, 3


def load_trainer():
    spec = importlib.util.spec_from_file_location("train_tiny_gpt", REPO / "examples/train_tiny_gpt.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loss_falls_and_a_resumed_run_continues_exactly(sample_run, sft_runs, tmp_path):
    require_module("torch")
    trainer = load_trainer()
    sft = sft_runs["sft"]
    common = f"--run {sample_run} --sft {sft} --steps {PRETRAIN_STEPS} --sft-steps {SFT_STEPS} --workers 1".split()
    common += "--batch-size 2 --dim 32 --layers 1 --heads 2 --lr 1e-2".split()  # a few seconds on one core

    whole = trainer.main([*common, "--checkpoint", str(tmp_path / "whole.pt")])
    assert [r["phase"] for r in whole] == ["pretrain"] * PRETRAIN_STEPS + ["sft"] * SFT_STEPS
    losses = [r["loss"] for r in whole]
    assert sum(losses[3:PRETRAIN_STEPS]) / 3 < losses[0] - 0.5  # from ln(2000) = 7.6 down

    checkpoint = str(tmp_path / "stopped.pt")
    stopped = trainer.main([*common, "--checkpoint", checkpoint, "--save-every", "4", "--stop-after", "7"])
    resumed = trainer.main([*common, "--checkpoint", checkpoint, "--resume"])
    assert [r["step"] for r in stopped + resumed] == list(range(1, PRETRAIN_STEPS + SFT_STEPS + 1))
    assert [r["loss"] for r in stopped + resumed] == losses  # bit for bit: same batches, same updates


def test_missing_sft_shards_are_one_clear_error(sample_run, capsys):
    require_module("torch")
    with pytest.raises(SystemExit) as exit_info:
        load_trainer().main(["--run", str(sample_run), "--sft", str(sample_run), "--steps", "1"])
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr().err
        == f"error: {sample_run / 'manifest.json'}: no `sft` shards (the run wrote no sft shards)\n"
    )
