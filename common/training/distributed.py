"""Data-parallel training under `torchrun`: one sharding protocol for any batch iterable.

    torchrun --nproc_per_node 2 -m apps.cli imdb train --loop function

Every rank walks the same seeded batch order (the same `--seed` gives every rank the same
generator) and keeps every `world_size`-th batch, starting at its rank. So shards are
disjoint, change every epoch as the shared generator moves on, and need nothing from the
app: a DataLoader, cifar's `DeviceBatches`, imdb's `TensorBatches` or a plain list of
batches all work. Training shards are cut to the same number of steps on every rank, so no
rank waits in a gradient all-reduce for a batch another rank does not have. One step of
W ranks with batch B each is one step of batch W*B: `--batch-size` is per process. An epoch
with fewer batches than ranks (a full-batch epoch, as in covid) is cut by rows instead.

Validation and test passes are not sharded: every rank evaluates all batches (a few big
evaluation batches cannot be split evenly, and a rank without a batch would stall the metric
sync). The loss and metrics are still reduced over ranks; as every rank holds the same
weights and data, that gives the single-process value (each sample counted W times, which
leaves means, rates and AUROC unchanged).
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch.utils.data import DataLoader

from common.device import is_distributed
from common.errors import UserError


class ShardedBatches:
    """Batches `rank`, `rank + W`, `rank + 2W`... of `source` (W = `world_size`).

    Every rank stops after `len(source) // W` batches, so all take the same number of steps.
    `source` is any re-iterable of batches; a DataLoader's batch sampler works too, which
    keeps its workers from loading the other ranks' batches.
    """

    def __init__(self, source: Any, rank: int, world_size: int) -> None:
        self.source, self.rank, self.world_size = source, rank, world_size

    @property
    def generator(self) -> torch.Generator | None:
        """The source's shuffling generator: the loops save and restore it for `--resume`."""
        return getattr(self.source, "generator", None)

    def __len__(self) -> int:
        return len(self.source) // self.world_size

    def __iter__(self) -> Iterator[Any]:
        stop = len(self) * self.world_size
        for index, batch in enumerate(self.source):
            if index >= stop:
                break  # still consumed in step with the other ranks up to here
            if index % self.world_size == self.rank:
                yield batch


class SplitBatches(ShardedBatches):
    """Every batch of `source`, cut by rows into `world_size` slices; this rank's slice.

    For epochs with fewer batches than ranks: each rank still takes one step per batch.
    Tensors (also inside tuples, lists and dicts) are cut along their first dimension.
    """

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Any]:
        for batch in self.source:
            yield self._slice(batch)

    def _slice(self, batch: Any) -> Any:
        if isinstance(batch, torch.Tensor):
            if len(batch) < self.world_size:
                raise UserError(
                    f"A batch of {len(batch)} rows cannot feed {self.world_size} processes: "
                    "use more data or start fewer processes."
                )
            return torch.tensor_split(batch, self.world_size)[self.rank]
        if isinstance(batch, Mapping):
            return {k: self._slice(v) for k, v in batch.items()}
        if isinstance(batch, tuple | list):
            return type(batch)(self._slice(v) for v in batch)
        return batch


def shard_batches(loader: Any, rank: int, world_size: int) -> Any:
    """This rank's share of `loader`; `loader` itself when there is one process.

    An epoch with fewer batches than ranks (covid's single full batch) is shared by rows
    instead: every rank takes its slice of every batch (`SplitBatches`).
    """
    if world_size == 1 or loader is None:
        return loader
    is_loader = isinstance(loader, DataLoader) and loader.batch_sampler is not None
    # shard a DataLoader's batch indices, not its batches: workers load only this rank's share
    sharded = ShardedBatches(loader.batch_sampler if is_loader else loader, rank, world_size)
    if len(sharded) == 0:  # fewer batches than ranks (a full-batch epoch): split the rows
        return SplitBatches(loader, rank, world_size)
    if not is_loader:
        return sharded
    return DataLoader(
        loader.dataset,
        batch_sampler=sharded,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        worker_init_fn=loader.worker_init_fn,
        generator=loader.generator,  # the same draws from it as the unsharded loader
        persistent_workers=loader.persistent_workers,
    )


def join_job(model: torch.nn.Module, device: torch.device) -> tuple[torch.nn.Module, int, int]:
    """Under torchrun: join the process group and wrap `model` in DDP; returns model, rank, W.

    Gloo on CPUs, NCCL on CUDA. Alone, the model comes back as it is with rank 0 of 1.
    """
    if not is_distributed():
        return model, 0, 1
    dist = torch.distributed
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        atexit.register(_leave_job)
    device_ids = [device.index] if device.type == "cuda" else None
    ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    return ddp, dist.get_rank(), dist.get_world_size()


def _leave_job() -> None:
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
