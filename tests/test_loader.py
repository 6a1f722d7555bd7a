"""The loader on a real run of the sample corpus (raw WARC and JSONL → packed token shards) and on the SFT shards
of real runs of instruction data (`sft_runs` in conftest.py): memory mapping, the order's invariants over ranks and DataLoader workers,
resume, elastic resume (N → M ranks), and what a batch holds."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest
import sentencepiece as spm
from conftest import require_module

from corpusforge.loader import IGNORE, SFT, LoaderError, SampleOrder, ShardLoader, ShardSet
from corpusforge.tokenizer.shards import documents_table, table_bytes

SEQ_LEN = 512  # run_configs/local.yaml


@pytest.fixture(scope="module")
def tokens(sample_run) -> ShardSet:
    return ShardSet.from_run(sample_run)


@pytest.fixture(scope="module")
def sft_run(sft_runs):
    """SFT, packed SFT and preference shards of real runs (run_configs/sft.yaml on LLaMA-Factory's demos, with
    the sample run's model): each layout's run and split."""
    return {
        "sft": (sft_runs["sft"], "train"),
        "sft_packed": (sft_runs["packed"], "train"),
        "preference": (sft_runs["sft"], "preference_train"),
    }


def arrow_rows(path) -> list[dict]:
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all().to_pylist()


def index_of_rows(shards: ShardSet) -> dict[bytes, int]:
    """Sample index by its tokens (every sample of the sample run is distinct)."""
    index = {shards.sample(i)["input_ids"].tobytes(): i for i in range(len(shards))}
    assert len(index) == len(shards)
    return index


def batch_samples(batch, shards: ShardSet, index: dict[bytes, int]) -> list[int]:
    """The sample indices of a batch's rows (numpy or torch), found by their unpadded tokens."""
    ids, mask = np.asarray(batch["input_ids"]), np.asarray(batch["attention_mask"])
    return [index[row[: m.sum()].astype(shards.dtype).tobytes()] for row, m in zip(ids, mask)]


def test_shards_are_memory_mapped_views_of_the_run(sample_run):
    manifest = json.loads((sample_run / "manifest.json").read_text())["tokenizer"]
    allocated = pa.total_allocated_bytes()
    shards = ShardSet.from_run(sample_run, verify=True)
    rows = [row for s in manifest["shards"] if s["split"] == "train" for row in arrow_rows(sample_run / s["path"])]
    assert shards.layout == "packed" and shards.seq_len == SEQ_LEN and len(shards) == len(rows)
    for i, row in enumerate(rows):
        sample = shards.sample(i)
        assert sample["input_ids"].tolist() == row["tokens"]
        assert sample["segment_starts"].tolist() == row["segment_starts"]
        assert not sample["input_ids"].flags.owndata  # a view of the shard's pages
    # Arrow's allocator held nothing for the shards: their buffers are the memory maps.
    assert pa.total_allocated_bytes() - allocated < 1024
    assert len(ShardSet.from_run(sample_run, split="validation")) == sum(
        s["rows"] for s in manifest["shards"] if s["split"] == "validation"
    )


def epoch_samples(counts, *, world_size: int, batch_size: int, **settings) -> list[list[np.ndarray]]:
    """Each rank's batches (sample indices) of one pass."""
    orders = [
        SampleOrder(counts, fingerprint="f", batch_size=batch_size, rank=r, world_size=world_size, **settings)
        for r in range(world_size)
    ]
    return [list(order.batches()) for order in orders]


@pytest.mark.parametrize("world_size", [1, 2, 3, 5])
@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("block_size", [1, 7, 1024])
def test_one_epoch_reads_every_sample_once_over_all_ranks(world_size, batch_size, block_size):
    counts = np.array([40, 39, 0, 39, 40])  # the sample run's train shards, and an empty one
    ranks = epoch_samples(counts, world_size=world_size, batch_size=batch_size, seed=3, block_size=block_size)
    read = np.concatenate([b for batches in ranks for b in batches])
    assert sorted(read.tolist()) == list(range(counts.sum()))
    sizes = [sum(map(len, batches)) for batches in ranks]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_drop_last_gives_every_rank_the_same_full_batches(world_size):
    counts = np.array([40, 39, 39, 40])
    ranks = epoch_samples(counts, world_size=world_size, batch_size=4, drop_last=True)
    assert len({len(batches) for batches in ranks}) == 1 and all(len(b) == 4 for r in ranks for b in r)
    read = np.concatenate([b for batches in ranks for b in batches])
    assert len(set(read.tolist())) == len(read) > counts.sum() - world_size * 4


def test_the_order_is_a_function_of_seed_and_epoch():
    counts = np.array([40, 39, 39, 40])

    def order(seed, epoch, **settings):
        o = SampleOrder(counts, fingerprint="f", batch_size=158, seed=seed, block_size=8, **settings)
        o.set_epoch(epoch)
        return next(o.batches()).tolist()

    assert order(0, 0) == order(0, 0) and sorted(order(0, 0)) == list(range(158))
    assert order(0, 0) != order(0, 1) and order(0, 0) != order(1, 0)
    assert order(0, 0, shuffle=False) == list(range(158))
    # Blocks of 8 consecutive samples of one shard are read together, each whole, in a shuffled order.
    starts = np.cumsum(counts) - counts
    labels = [
        (shard := int(np.searchsorted(starts, i, side="right")) - 1, (i - starts[shard]) // 8) for i in order(5, 2)
    ]
    runs = [labels[0]] + [b for a, b in zip(labels, labels[1:]) if a != b]
    assert len(runs) == len(set(runs)) == sum(-(-counts // 8))  # each block one run
    assert runs != sorted(runs)


@pytest.mark.parametrize("world_size", [1, 2, 3])
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_torch_loader_reads_every_sample_once_in_the_numpy_loaders_order(tokens, world_size, workers):
    require_module("torch")
    from corpusforge.loader.pytorch import ResumableDataLoader, ShardDataset

    index = index_of_rows(tokens)
    read = []
    for rank in range(world_size):
        settings = {"batch_size": 3, "seed": 7, "block_size": 16, "rank": rank, "world_size": world_size}
        dataset = ShardDataset(tokens, **settings)
        loader = ResumableDataLoader(dataset, num_workers=workers)
        rank_read = [i for batch in loader for i in batch_samples(batch, tokens, index)]
        assert rank_read == [
            i for batch in ShardLoader(tokens, **settings) for i in batch_samples(batch, tokens, index)
        ]
        assert dataset.order.epoch == 1  # the pass ended and the next iteration reads epoch 1
        read += rank_read
    assert sorted(read) == list(range(len(tokens)))


def run_batches(loader, count: int | None, index, shards) -> list[list[int]]:
    """The next `count` batches of `loader` (None: to the end of the pass), as sample indices."""
    out = []
    for batch in loader:
        out.append(batch_samples(batch, shards, index))
        if count is not None and len(out) == count:
            break
    return out


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_resume_mid_epoch_equals_an_uninterrupted_run(tokens, framework):
    index = index_of_rows(tokens)
    settings = {"batch_size": 4, "seed": 11, "block_size": 16, "rank": 1, "world_size": 2}
    if framework == "torch":
        require_module("torch")
        from corpusforge.loader.pytorch import ResumableDataLoader, ShardDataset

        def make():
            return ResumableDataLoader(ShardDataset(tokens, **settings), num_workers=2)
    else:

        def make():
            return ShardLoader(tokens, **settings)

    whole = make()
    uninterrupted = run_batches(whole, None, index, tokens) + run_batches(whole, None, index, tokens)  # 2 epochs
    first = make()
    before = run_batches(first, None, index, tokens) + run_batches(first, 5, index, tokens)  # epoch 0, 5 of epoch 1
    state = json.loads(json.dumps(first.state_dict()))  # as a checkpoint stores it
    assert state["epoch"] == 1 and state["position"] == 5 * 4 * 2
    resumed = make()
    resumed.load_state_dict(state)
    assert before + run_batches(resumed, None, index, tokens) == uninterrupted
    assert uninterrupted[: len(uninterrupted) // 2] != uninterrupted[len(uninterrupted) // 2 :]  # epochs differ


@pytest.mark.parametrize(("before", "after"), [(2, 3), (3, 2), (1, 2), (2, 1)])
def test_elastic_resume_loses_and_repeats_nothing(tokens, before, after):
    index = index_of_rows(tokens)
    settings = {"batch_size": 4, "seed": 5, "block_size": 8}
    read, states = [], []
    for rank in range(before):
        loader = ShardLoader(tokens, rank=rank, world_size=before, **settings)
        read += [i for batch in run_batches(loader, 6, index, tokens) for i in batch]
        states.append(loader.state_dict())
    assert all(s == states[0] for s in states)  # every rank saves the same state
    for rank in range(after):
        loader = ShardLoader(tokens, rank=rank, world_size=after, **settings)
        loader.load_state_dict(states[0])
        read += [i for batch in run_batches(loader, None, index, tokens) for i in batch]
    assert sorted(read) == list(range(len(tokens)))


def test_elastic_resume_two_to_three_ranks_with_dataloader_workers(tokens):
    require_module("torch")
    from corpusforge.loader.pytorch import ResumableDataLoader, ShardDataset

    index = index_of_rows(tokens)
    settings = {"batch_size": 3, "seed": 2, "block_size": 8}
    read, states = [], []
    for rank in range(2):
        loader = ResumableDataLoader(ShardDataset(tokens, rank=rank, world_size=2, **settings), num_workers=2)
        read += [i for batch in run_batches(loader, 7, index, tokens) for i in batch]
        states.append(loader.state_dict())
    assert states[0] == states[1] and states[0]["position"] == 7 * 3 * 2
    for rank in range(3):
        loader = ResumableDataLoader(ShardDataset(tokens, rank=rank, world_size=3, **settings), num_workers=2)
        loader.load_state_dict(states[1])
        read += [i for batch in run_batches(loader, None, index, tokens) for i in batch]
    assert sorted(read) == list(range(len(tokens)))


def expected_row(ids: list[int], starts: list[int], mask: list[int] | None, width: int, pad_id: int) -> dict:
    """One batch row built position by position: the rules of batch.py, written the slow way."""
    n = len(ids)
    segment = [max(k for k, s in enumerate(starts) if s <= i) for i in range(n)]
    labels = [
        ids[i + 1] if i + 1 < n and segment[i + 1] == segment[i] and (mask is None or mask[i + 1]) else IGNORE
        for i in range(n)
    ]
    return {
        "input_ids": ids + [pad_id] * (width - n),
        "labels": labels + [IGNORE] * (width - n),
        "attention_mask": [1] * n + [0] * (width - n),
        "position_ids": [i - starts[segment[i]] for i in range(n)] + [0] * (width - n),
        "segment_ids": segment + [len(starts)] * (width - n),
    }


def check_batch(batch: dict, rows: list[dict], width: int, pad_id: int, prefix: str = "") -> None:
    boundaries = []
    for b, row in enumerate(rows):
        expected = expected_row(row["ids"], row["starts"], row["mask"], width, pad_id)
        for key, value in expected.items():
            assert np.asarray(batch[prefix + key][b]).tolist() == value, (key, b)
        boundaries += [b * width + s for s in row["starts"]] + (
            [b * width + len(row["ids"])] * (len(row["ids"]) < width)
        )
    cu_seqlens = np.asarray(batch[prefix + "cu_seqlens"]).tolist()
    assert cu_seqlens == boundaries + [len(rows) * width]
    assert batch[prefix + "max_seqlen"] == max(np.diff(cu_seqlens))


def test_packed_batches_carry_labels_positions_and_document_boundaries(sample_run, tokens):
    sp = spm.SentencePieceProcessor(model_file=str(sample_run / "tokenizer/tokenizer.model"))
    assert sp.pad_id() >= 0 and tokens.pad_id == sp.pad_id()  # the model's pad piece fills (shards.pad_id_of)
    loader = ShardLoader(tokens, batch_size=len(tokens), shuffle=False)
    (batch,) = list(loader)
    rows = [
        {
            "ids": tokens.sample(i)["input_ids"].tolist(),
            "starts": tokens.sample(i)["segment_starts"].tolist(),
            "mask": None,
        }
        for i in range(len(tokens))
    ]
    assert any(len(r["starts"]) > 2 for r in rows) and any(len(r["ids"]) < SEQ_LEN for r in rows)
    check_batch(batch, rows, SEQ_LEN, sp.pad_id())
    assert batch["input_ids"].shape == (len(tokens), SEQ_LEN) and batch["input_ids"].dtype == np.int64


def test_document_shards_are_cut_into_windows_of_seq_len(sample_run, tokens, tmp_path):
    docs = [
        np.asarray(d)
        for i in range(len(tokens))
        for d in np.split(tokens.sample(i)["input_ids"], tokens.sample(i)["segment_starts"][1:])
    ]
    path = tmp_path / "part-00000-of-00001.arrow"  # our own writer's one-row-per-document shard
    path.write_bytes(
        table_bytes(documents_table([f"{i:032x}" for i in range(len(docs))], ["en"] * len(docs), docs, dtype=np.uint16))
    )
    shards = ShardSet.from_files([path], tokenizer_model=sample_run / "tokenizer/tokenizer.model", seq_len=100)
    assert shards.layout == "documents" and len(shards) == sum(-(-len(d) // 100) for d in docs)
    windows = [shards.sample(i)["input_ids"] for i in range(len(shards))]
    assert all(len(w) <= 100 for w in windows)
    assert np.array_equal(np.concatenate(windows), np.concatenate(docs))
    (batch,) = list(ShardLoader(shards, batch_size=len(shards), shuffle=False))
    assert batch["input_ids"].shape == (len(shards), 100)


@pytest.mark.parametrize("layout", ["sft", "sft_packed"])
def test_sft_labels_follow_the_loss_mask_and_never_cross_examples(sft_run, layout):
    run, split = sft_run[layout]
    shards = ShardSet.from_run(run, kind=SFT, split=split)
    assert shards.layout == layout
    rows = []
    for i in range(len(shards)):
        sample = shards.sample(i)
        starts = sample["segment_starts"].tolist() if "segment_starts" in sample else [0]
        rows.append({"ids": sample["input_ids"].tolist(), "starts": starts, "mask": sample["loss_mask"].tolist()})
    (batch,) = list(ShardLoader(shards, batch_size=len(shards), shuffle=False))
    width = max(len(r["ids"]) for r in rows)  # padded to the longest
    check_batch(batch, rows, width, shards.pad_id)
    labelled = (batch["labels"] != IGNORE).sum()
    assert 0 < labelled < batch["attention_mask"].sum()  # responses are trained, prompts are not
    if layout == "sft_packed":
        assert any(len(r["starts"]) > 1 for r in rows)


def test_preference_pairs_give_a_chosen_and_a_rejected_batch(sft_run):
    run, split = sft_run["preference"]
    shards = ShardSet.from_run(run, kind=SFT, split=split)
    (batch,) = list(ShardLoader(shards, batch_size=len(shards), shuffle=False, pad_multiple=64))
    width = batch["chosen_input_ids"].shape[1]
    assert width % 64 == 0 and batch["rejected_input_ids"].shape[1] == width  # one width, to concatenate
    for part in ("chosen_", "rejected_"):
        rows = [
            {
                "ids": shards.sample(i)[f"{part}input_ids"].tolist(),
                "starts": [0],
                "mask": shards.sample(i)[f"{part}loss_mask"].tolist(),
            }
            for i in range(len(shards))
        ]
        check_batch(batch, rows, width, shards.pad_id, prefix=part)


def test_bad_runs_shards_and_states_fail_with_one_clear_line(sample_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(sample_run, run)
    with pytest.raises(LoaderError, match="no tokens shards of split 'test'"):
        ShardSet.from_run(run, split="test")
    with pytest.raises(LoaderError, match="no `sft` shards"):
        ShardSet.from_run(run, kind=SFT)
    shard = sorted((run / "tokens/train").glob("*.arrow"))[1]
    shard.write_bytes(shard.read_bytes()[:-100])
    with pytest.raises(LoaderError, match=f"{shard.name}: .* bytes, the manifest lists"):
        ShardSet.from_run(run)
    with pytest.raises(LoaderError, match="cannot open as an Arrow IPC file"):
        ShardSet.from_files([shard], pad_id=0)
    (run / "_SUCCESS").unlink()
    with pytest.raises(LoaderError, match="not a finished corpusforge run"):
        ShardSet.from_run(run)
    with pytest.raises(LoaderError, match="give tokenizer_model"):
        ShardSet.from_files([sample_run / "tokens/train/part-00000-of-00004.arrow"])

    state = ShardLoader(ShardSet.from_run(sample_run), batch_size=2, seed=1).state_dict()
    for key, value in (("seed", 2), ("block_size", 16), ("fingerprint", "other shards"), ("format", "v0")):
        with pytest.raises(LoaderError, match=key):
            ShardLoader(ShardSet.from_run(sample_run), batch_size=2, seed=1).load_state_dict({**state, key: value})
    validation = ShardSet.from_run(sample_run, split="validation")
    with pytest.raises(LoaderError, match="samples"):
        ShardLoader(validation, batch_size=2, seed=1).load_state_dict(state)
