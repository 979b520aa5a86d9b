"""The sharding rule of common/training/distributed.py, checked in one process (no torchrun)."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from common.training.distributed import ShardedBatches, SplitBatches, shard_batches


class Shuffled:
    """An app-style batch iterable: a seeded permutation per epoch, batches of row indices."""

    def __init__(self, n: int, batch_size: int, seed: int = 0) -> None:
        self.n, self.batch_size = n, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self):
        order = torch.randperm(self.n, generator=self.generator)
        yield from order.split(self.batch_size)


def epochs_of(rank: int, world: int, n: int = 26, batch_size: int = 4, epochs: int = 2):
    source = Shuffled(n, batch_size)  # same seed on every rank, as under torchrun
    shard = shard_batches(source, rank, world)
    return [torch.cat(list(shard)).tolist() for _ in range(epochs)], len(shard), shard


def test_shards_are_disjoint_equal_sized_and_change_every_epoch():
    (r0, n0, shard), (r1, n1, _) = epochs_of(0, 2), epochs_of(1, 2)
    assert n0 == n1 == 7 // 2  # 7 batches (6 of 4, one of 2): 3 steps on each rank
    assert shard.generator is not None  # the loops save it for --resume
    for a, b in zip(r0, r1, strict=True):
        assert not set(a) & set(b)
        assert len(a) == len(b) == 12  # the 7th batch is left out: equal steps
    assert r0[0] != r0[1], "the same shard every epoch"


def test_a_dataloader_is_sharded_by_batch_indices():
    data = TensorDataset(torch.arange(20))
    loader = DataLoader(
        data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1)
    )
    shards = []
    for rank in (0, 1):
        loader.generator.manual_seed(1)
        sharded = shard_batches(loader, rank, 2)
        assert isinstance(sharded, DataLoader)
        assert len(sharded) == 2
        shards.append([int(v) for (x,) in sharded for v in x])
    loader.generator.manual_seed(1)
    whole = [int(v) for (x,) in loader for v in x]
    assert sorted(shards[0] + shards[1]) == sorted(whole[:16])


def test_fewer_batches_than_ranks_split_rows():
    batch = (torch.arange(10), torch.arange(10) * 2)
    halves = [next(iter(shard_batches([batch], rank, 2))) for rank in (0, 1)]
    assert isinstance(shard_batches([batch], 0, 2), SplitBatches)
    assert torch.cat([h[0] for h in halves]).tolist() == list(range(10))
    assert halves[1][1].tolist() == [10, 12, 14, 16, 18]
    with pytest.raises(Exception, match="cannot feed 4 processes"):
        next(iter(shard_batches([(torch.arange(2),)], 0, 4)))


def test_one_process_is_left_alone():
    loader = [1, 2, 3]
    assert shard_batches(loader, 0, 1) is loader
    assert list(ShardedBatches([1, 2, 3, 4, 5], 1, 2)) == [2, 4]  # the odd batch is left out
