"""A tiny GPT trained on corpusforge's shards through corpusforge.loader: the whole path from raw web text to a
model whose loss falls. An example of using the loader, not part of the pipeline.

It pretrains on a run's token shards (packed rows, attention kept inside each document through the batches'
`segment_ids`), then fine-tunes on SFT shards with their loss mask (the batches' labels are -100 on prompts),
printing loss and tokens/s. Checkpoints hold the model, the optimizer and both loaders' state, so a run
stopped at any step and resumed with `--resume` continues with exactly the batches and losses an
uninterrupted run has (on the same device and thread count).

    corpusforge run run_configs/local.yaml          # out/sample: token shards of the sample corpus
    python examples/train_tiny_gpt.py --run out/sample --steps 100 --checkpoint /tmp/tiny.pt
    python examples/train_tiny_gpt.py --run out/sample --steps 100 --checkpoint /tmp/tiny.pt --resume

SFT shards (issue 15's `sft/` folder) come from `--sft RUN` (default: `--run`, if it has any); without them
the fine-tuning phase is skipped. Needs the `train` extra (torch).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import NoReturn

import torch
import torch.nn.functional as F
from torch import nn

from corpusforge.loader import SFT, LoaderError, ShardSet
from corpusforge.loader.pytorch import ResumableDataLoader, ShardDataset

PHASES = ("pretrain", "sft")


class Block(nn.Module):
    """Pre-LayerNorm transformer block; attention limited to earlier tokens of the same document."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.proj(attended.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


class TinyGPT(nn.Module):
    def __init__(self, *, vocab_size: int, context: int, dim: int, layers: int, heads: int):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocab_size, dim), nn.Embedding(context, dim)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.bias)

    def forward(self, input_ids: torch.Tensor, position_ids: torch.Tensor, segment_ids: torch.Tensor) -> torch.Tensor:
        t = input_ids.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=input_ids.device).tril()
        mask = ((segment_ids[:, :, None] == segment_ids[:, None, :]) & causal)[:, None]  # [B, 1, T, T]
        x = self.tokens(input_ids) + self.positions(position_ids)
        for block in self.blocks:
            x = block(x, mask)
        return self.norm(x) @ self.tokens.weight.T  # tied output embedding


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, help="a finished corpusforge run with token shards")
    parser.add_argument("--sft", help="a run with SFT shards (default: --run, if it has them)")
    parser.add_argument("--steps", type=int, default=100, help="pretraining steps")
    parser.add_argument("--sft-steps", type=int, default=50, help="fine-tuning steps after pretraining")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--sft-lr", type=float, default=1e-3)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="model initialisation and data order")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--checkpoint", help="where to save model, optimizer and loader state")
    parser.add_argument("--save-every", type=int, default=50, help="steps between checkpoints")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--stop-after", type=int, help="stop after this global step (to try resuming)")
    parser.add_argument("--print-every", type=int, default=1, help="print every N-th step")
    parser.add_argument("--log", help="also write one JSON line per step here")
    args = parser.parse_args(argv)
    if args.resume and not args.checkpoint:
        parser.error("--resume needs --checkpoint")
    return args


def open_shards(args: argparse.Namespace) -> dict[str, ShardSet]:
    """The pretraining shards, and the SFT shards where there are some (an explicit --sft must have them)."""
    shards = {"pretrain": ShardSet.from_run(args.run)}
    try:
        shards["sft"] = ShardSet.from_run(args.sft or args.run, kind=SFT)
    except LoaderError as e:
        if args.sft:
            raise
        print(f"no SFT shards, fine-tuning skipped ({e})")
    return shards


def endless(loader: ResumableDataLoader) -> Iterator[dict]:
    while True:  # each pass is one epoch; the loader moves to the next by itself
        yield from loader


def context_length(shards: dict[str, ShardSet]) -> int:
    """Positions the model needs: the packed row length, and the longest SFT sample."""
    lengths = [shards["pretrain"].seq_len]
    if "sft" in shards:
        sft = shards["sft"]
        lengths += [len(v) for i in range(len(sft)) for k, v in sft.sample(i).items() if k.endswith("input_ids")]
    return max(lengths)


def save(path: str, state: dict) -> None:
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)  # a checkpoint is whole or absent


def train(args: argparse.Namespace) -> list[dict]:
    torch.manual_seed(args.seed)
    shards = open_shards(args)
    device = torch.device(args.device)
    with open(os.path.join(args.run, "manifest.json"), encoding="utf-8") as f:
        vocab_size = json.load(f)["tokenizer"]["vocab_size"]
    model = TinyGPT(
        vocab_size=vocab_size, context=context_length(shards), dim=args.dim, layers=args.layers, heads=args.heads
    ).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    loaders = {
        phase: ResumableDataLoader(
            ShardDataset(s, batch_size=args.batch_size, seed=args.seed),
            num_workers=args.workers,
            pin_memory=device.type == "cuda",
        )
        for phase, s in shards.items()
    }
    step = 0
    if args.resume:
        checkpoint = torch.load(args.checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        for phase, state in checkpoint["loaders"].items():
            loaders[phase].load_state_dict(state)
        step = checkpoint["step"]
        print(f"resumed at step {step} from {args.checkpoint}")
    end = args.steps + (args.sft_steps if "sft" in loaders else 0)
    if args.stop_after is not None:
        end = min(end, args.stop_after)
    records, batches = [], {}
    log = open(args.log, "a") if args.log else None
    while step < end:
        phase = "pretrain" if step < args.steps else "sft"
        if phase not in batches:  # the loader starts where its (loaded) state says
            if phase == "sft":
                if "pretrain" in batches:
                    batches.pop("pretrain").close()  # lets the pretraining workers go
                for group in optimizer.param_groups:
                    group["lr"] = args.sft_lr
            batches[phase] = endless(loaders[phase])
        started = time.perf_counter()
        batch = {
            k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in next(batches[phase]).items()
        }
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(batch["input_ids"], batch["position_ids"], batch["segment_ids"])
        loss = F.cross_entropy(logits.float().flatten(0, 1), batch["labels"].flatten(), ignore_index=-100)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        tokens = int(batch["attention_mask"].sum())
        seconds = time.perf_counter() - started  # loss.item() below waits for the device, timed with it
        record = {"phase": phase, "step": step, "loss": loss.item(), "tokens": tokens}
        record["tokens_per_s"] = tokens / seconds
        records.append(record)
        if step % args.print_every == 0:
            print(f"{phase:8s} step {step:5d}  loss {record['loss']:.4f}  tokens/s {record['tokens_per_s']:,.0f}")
        if log:
            log.write(json.dumps(record) + "\n")
        if args.checkpoint and (step % args.save_every == 0 or step == end):
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step}
            save(args.checkpoint, {**state, "loaders": {p: loader.state_dict() for p, loader in loaders.items()}})
    if log:
        log.close()
    for phase in PHASES:
        done = [r for r in records if r["phase"] == phase]
        if done:
            rate = sum(r["tokens"] for r in done) / sum(r["tokens"] / r["tokens_per_s"] for r in done)
            print(
                f"{phase}: {len(done)} steps, loss {done[0]['loss']:.3f} → {done[-1]['loss']:.3f}, {rate:,.0f} tokens/s"
            )
    return records


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)  # one line, exit status 2, as corpusforge's own errors
    sys.exit(2)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        fail("--device cuda: no CUDA device visible to torch")
    try:
        return train(args)
    except LoaderError as e:
        fail(str(e))


if __name__ == "__main__":
    main()
